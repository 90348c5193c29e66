import type { OcrLine, OcrPage, OcrWord } from './ocr-pool';
import type { ReadFields } from './schemas';

// The visual inspection zone: labelled fields ("Surname", "Date of birth", ...) with their value
// on the same line after the label or on the line below, starting in the label's column (so the
// portrait's edge or a neighbouring column does not leak into the value).

type FieldName = keyof ReadFields;

const LABELS: Array<[FieldName, RegExp]> = [
  ['givenNames', /\b(given\s*names?|first\s*names?|forenames?|pr[eé]noms?)\b/i],
  ['surname', /\b(surname|last\s*name|family\s*name|nom)\b/i],
  ['dateOfBirth', /\b(date\s*of\s*birth|birth\s*date|born)\b/i],
  ['dateOfExpiry', /\b(date\s*of\s*expiry|expiry\s*date|expires|valid\s*until)\b/i],
  ['documentNumber', /\b(passport|document|card|id)\s*(no|number|nr|n°)\b/i],
  ['nationality', /\bnationality\b/i],
  ['sex', /\bsex\b/i],
];

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

// Printed dates: 14.02.1985, 14/02/1985, 14 FEB 1985, 1985-02-14.
export function parsePrintedDate(text: string): string | null {
  const upper = text.toUpperCase().replace(/[Oo]/g, (letter, offset: number, whole: string) =>
    /\d/.test(whole[offset - 1] ?? '') || /\d/.test(whole[offset + 1] ?? '') ? '0' : letter,
  );
  const iso = /(\d{4})-(\d{2})-(\d{2})/.exec(upper);
  if (iso) return valid(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const numeric = /(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4})/.exec(upper);
  if (numeric) return valid(Number(numeric[3]), Number(numeric[2]), Number(numeric[1]));
  const named = /(\d{1,2})\s+([A-Z]{3})[A-Z]*\s+(\d{4})/.exec(upper);
  if (named) {
    const month = MONTHS.indexOf(named[2]!);
    if (month >= 0) return valid(Number(named[3]), month + 1, Number(named[1]));
  }
  return null;
}

function valid(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

function cleanValue(field: FieldName, text: string): string | null {
  const upper = text.toUpperCase().trim();
  switch (field) {
    case 'dateOfBirth':
    case 'dateOfExpiry':
      return parsePrintedDate(upper);
    case 'documentNumber': {
      const token = upper.replace(/\s+/g, '').match(/[A-Z0-9]{5,}/);
      return token ? token[0] : null;
    }
    case 'sex': {
      const sex = upper.match(/\b[MFX]\b/);
      return sex ? sex[0] : null;
    }
    default: {
      // Names: letters (any script), hyphens, apostrophes; stray marks from the background dropped.
      const words = upper.split(/\s+/).map((word) => word.replace(/[^\p{L}'-]/gu, '')).filter((word) => word.replace(/[^\p{L}]/gu, '').length >= 2);
      return words.length ? words.join(' ') : null;
    }
  }
}

const lineHeight = (line: OcrLine) => line.box.y1 - line.box.y0;

function wordsFrom(line: OcrLine, left: number, tolerance: number): OcrWord[] {
  return line.words.filter((word) => word.box.x0 >= left - tolerance);
}

export interface VisualZoneReading {
  fields: ReadFields;
  // Mean confidence of the words the values were read from, per field (0..100).
  confidence: Partial<Record<FieldName, number>>;
}

export function readVisualZone(page: OcrPage): VisualZoneReading {
  const fields: ReadFields = { surname: null, givenNames: null, dateOfBirth: null, sex: null, nationality: null, documentNumber: null, dateOfExpiry: null };
  const confidence: Partial<Record<FieldName, number>> = {};
  const lines = [...page.lines].sort((a, b) => a.box.y0 - b.box.y0);
  for (const [index, line] of lines.entries()) {
    for (const [field, label] of LABELS) {
      if (fields[field] !== null) continue;
      const match = label.exec(line.text);
      if (!match) continue;
      // Given names is tested first so that "nom" inside "prénoms" never takes a surname's place.
      if (field === 'surname' && LABELS[0]![1].test(line.text)) continue;
      const labelWords = line.words.filter((word) => label.test(word.text) || match[0].toLowerCase().includes(word.text.toLowerCase().replace(/[^a-z°é]/g, '')));
      const labelLeft = labelWords.length ? Math.min(...labelWords.map((word) => word.box.x0)) : line.box.x0;
      const labelRight = labelWords.length ? Math.max(...labelWords.map((word) => word.box.x1)) : line.box.x0;
      const tolerance = lineHeight(line);
      // The value after the label on its own line ("Surname: DOE")...
      const sameLine = line.words.filter((word) => word.box.x0 > labelRight + 2 && !label.test(word.text));
      let valueWords = sameLine.length && cleanValue(field, sameLine.map((word) => word.text).join(' ')) ? sameLine : [];
      // ...or on the next line down, in the label's column.
      if (!valueWords.length) {
        const below = lines.slice(index + 1).find((next) => next.box.y0 > line.box.y0 + lineHeight(line) * 0.6 && next.box.y0 < line.box.y1 + lineHeight(line) * 3);
        // A label right below means this field's value is missing, not that the label is it.
        if (below && !LABELS.some(([, other]) => other.test(below.text))) valueWords = wordsFrom(below, labelLeft, tolerance);
      }
      const value = cleanValue(field, valueWords.map((word) => word.text).join(' '));
      if (value) {
        fields[field] = value;
        confidence[field] = valueWords.reduce((sum, word) => sum + word.confidence, 0) / valueWords.length;
      }
    }
  }
  return { fields, confidence };
}
