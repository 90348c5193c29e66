import sharp from 'sharp';
import { whereAlpha2, whereAlpha3 } from 'iso-3166-1';
import { baselineSlope, findMrzLines, parseMrzLines, readMrzCells, zoneLines, zoneNameField, LINE_LENGTHS, type GrayImage } from './mrz-reader';
import { nameSimilarity, typedNameSimilarity, zoneFieldSimilarity } from './names';
import type { OcrPage, OcrReader } from './ocr-pool';
import type { Comparison, DocumentSubmission, Finding, MrzReading, OcrDetails, ReadFields } from './schemas';
import type { DocumentCheckSettings } from './settings';
import { readVisualZone } from './visual-zone';

// Reads the document (visual zone and machine-readable zone) and compares it with itself and
// with the submission. Two OCR passes: the whole page for the visual zone, then the zone's region
// alone, scaled so its characters are the size Tesseract reads best and restricted to its alphabet.

// Zone characters this many pixels high are read most reliably (measured on OCR-B specimens).
const MRZ_CHARACTER_HEIGHT = 13;
// Pages larger than this are scaled down for the first pass: it only needs the visual zone's text.
const PAGE_MAX_SIDE = 2000;

interface Crop {
  region: sharp.Region;
  // Turned by this many degrees after cutting, to level a slanted zone.
  degrees: number;
}

async function grayscale(image: Buffer, resize?: sharp.ResizeOptions, crop?: Crop): Promise<GrayImage> {
  // Orientation first, so that regions are in the upright picture's coordinates.
  let pipeline = sharp(image).autoOrient();
  if (crop) pipeline = pipeline.extract(crop.region);
  if (crop && crop.degrees) pipeline = pipeline.rotate(crop.degrees, { background: '#ffffff' });
  pipeline = pipeline.grayscale().normalise();
  if (resize) pipeline = pipeline.resize(resize);
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const toPng = (image: GrayImage) => sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } }).png().toBuffer();

interface ZoneRead {
  reading: MrzReading | null;
  confidence: number;
}

// Below this slant (degrees) levelling the zone costs more than it gains.
const LEVEL_FROM_DEGREES = 0.2;

// The page's slant: the median baseline of its long lines (a photo is rarely held level).
function pageSlope(page: OcrPage, pageWidth: number): number {
  const slopes = page.lines
    .filter((line) => line.box.x1 - line.box.x0 > pageWidth * 0.25)
    .map(baselineSlope)
    .sort((a, b) => a - b);
  return slopes[Math.floor(slopes.length / 2)] ?? 0;
}

async function readZone(image: Buffer, page: OcrPage, pageScale: number, size: { width: number; height: number }, printedNumber: string | null, pool: OcrReader, settings: DocumentCheckSettings['ocr'], today: Date): Promise<ZoneRead> {
  const candidates = findMrzLines(page);
  const slope = pageSlope(page, size.width * pageScale);
  const slant = Math.abs(slope) * size.width;
  let region: sharp.Region;
  let lineHeight: number;
  if (candidates.length) {
    const top = Math.min(...candidates.map((line) => line.box.y0)) / pageScale;
    const bottom = Math.max(...candidates.map((line) => line.box.y1)) / pageScale;
    const heights = candidates.map((line) => line.box.y1 - line.box.y0 - Math.abs(slope) * (line.box.x1 - line.box.x0));
    lineHeight = Math.max(4, heights.reduce((sum, height) => sum + height, 0) / heights.length / pageScale);
    const margin = lineHeight * 0.9 + slant / 2;
    const y0 = Math.max(0, Math.floor(top - margin));
    region = { left: 0, top: y0, width: size.width, height: Math.min(size.height, Math.ceil(bottom + margin)) - y0 };
  } else {
    // Not seen on the page: zones sit at the bottom of the document.
    const y0 = Math.floor(size.height * 0.6);
    region = { left: 0, top: y0, width: size.width, height: size.height - y0 };
    lineHeight = size.width / 46;
  }
  const degrees = (Math.atan(slope) * 180) / Math.PI;
  const crop = { region, degrees: Math.abs(degrees) >= LEVEL_FROM_DEGREES ? -degrees : 0 };
  const scale = Math.min(1.5, MRZ_CHARACTER_HEIGHT / lineHeight);
  const zoneImage = await grayscale(image, { width: Math.max(32, Math.round(region.width * scale)) }, crop);
  const zonePage = await pool.recognize(await toPng(zoneImage), 'mrz');
  const zone = zoneLines(zonePage);
  if (!zone) return { reading: null, confidence: 0 };
  const rawLines = zone.lines.map((line) => line.text.replace(/\s+/g, ''));
  const cells = readMrzCells(zoneImage, zone.lines, zone.format, settings.fillerSimilarity);
  const length = LINE_LENGTHS[zone.format];
  const lines = cells.lines.map((line) => line.slice(0, length));
  return { reading: parseMrzLines(rawLines, lines, today, printedNumber, cells.guessed), confidence: Math.round(cells.confidence * 10) / 10 };
}

// ISO alpha-2 or alpha-3 to the zone's code (Germany is "D" there).
function zoneNationality(code: string): string | null {
  const upper = code.toUpperCase();
  const alpha3 = upper.length === 2 ? whereAlpha2(upper)?.alpha3 : whereAlpha3(upper)?.alpha3;
  if (!alpha3) return null;
  return alpha3 === 'DEU' ? 'D' : alpha3;
}

const normaliseNumber = (value: string) => value.toUpperCase().replace(/[\s<-]/g, '');

// Document numbers mix letters and digits, and some pairs look alike in print and weigh the same
// in the check digit (G and 6: 16 and 6). Compared in one spelling, they cannot tell documents apart.
const LOOKALIKE_DIGITS: Record<string, string> = { O: '0', D: '0', Q: '0', I: '1', Z: '2', S: '5', G: '6', B: '8' };
const canonicalNumber = (value: string) => [...normaliseNumber(value)].map((character) => LOOKALIKE_DIGITS[character] ?? character).join('');

// `zoneField`: the zone's name field as read, when comparing with the zone: separators misread
// as letters spoil its parsed names but not the field as a whole.
function compareName(submitted: string, fields: Pick<ReadFields, 'surname' | 'givenNames'>, between: Comparison['between'], truncated: boolean, settings: DocumentCheckSettings['ocr'], zoneField?: string): Comparison {
  if (!fields.surname && !fields.givenNames && !zoneField) return { field: 'fullName', between, outcome: 'unreadable' };
  const parsed = fields.surname || fields.givenNames ? nameSimilarity(submitted, { surname: fields.surname ?? '', givenNames: fields.givenNames ?? '', truncated }) : 0;
  const similarity = Math.round(Math.max(parsed, zoneField ? typedNameSimilarity(zoneField, submitted) : 0) * 1000) / 1000;
  const outcome = similarity >= settings.nameMatch ? 'match' : similarity >= settings.nameReview ? 'close' : 'mismatch';
  return { field: 'fullName', between, outcome, similarity };
}

function compareExact(field: Comparison['field'], between: Comparison['between'], a: string | null, b: string | null): Comparison {
  if (!a || !b) return { field, between, outcome: 'unreadable' };
  if (field !== 'idNumber') return { field, between, outcome: a === b ? 'match' : 'mismatch' };
  const [first, second] = [canonicalNumber(a), canonicalNumber(b)];
  if (first === second) return { field, between, outcome: 'match' };
  // One inside the other: characters lost in reading (a prefix printed apart), not another number.
  return { field, between, outcome: first.includes(second) || second.includes(first) ? 'close' : 'mismatch' };
}

// The visual zone against the machine-readable zone, part by part, on the parts both read.
function compareZonesNames(mrz: Pick<ReadFields, 'surname' | 'givenNames'>, zoneField: string, visual: Pick<ReadFields, 'surname' | 'givenNames'>, settings: DocumentCheckSettings['ocr']): Comparison {
  const similarities = (['surname', 'givenNames'] as const)
    .filter((part) => mrz[part] && visual[part])
    .map((part) => nameSimilarity(mrz[part]!, { surname: visual[part]!, givenNames: '' }));
  if (!similarities.length) return { field: 'fullName', between: 'mrz_and_visual_zone', outcome: 'unreadable' };
  const whole = visual.surname && visual.givenNames ? zoneFieldSimilarity(zoneField, { surname: visual.surname, givenNames: visual.givenNames }) : 0;
  const similarity = Math.round(Math.max(Math.min(...similarities), whole) * 1000) / 1000;
  const outcome = similarity >= settings.nameMatch ? 'match' : similarity >= settings.nameReview ? 'close' : 'mismatch';
  return { field: 'fullName', between: 'mrz_and_visual_zone', outcome, similarity };
}

const EMPTY_FIELDS: ReadFields = { surname: null, givenNames: null, dateOfBirth: null, sex: null, nationality: null, documentNumber: null, dateOfExpiry: null };

export function skippedOcr(reason: string): OcrDetails {
  return {
    status: 'flag for review',
    performed: false,
    confidence: null,
    visualZone: EMPTY_FIELDS,
    mrz: null,
    comparisons: [],
    expired: null,
    findings: [{ code: 'not_read', status: 'flag for review', message: reason }],
  };
}

export async function checkOcr(image: Buffer, submitted: DocumentSubmission, pool: OcrReader, settings: DocumentCheckSettings['ocr'], today: Date): Promise<OcrDetails> {
  const oriented = await sharp(image).metadata();
  const size = { width: oriented.autoOrient.width, height: oriented.autoOrient.height };
  const pageScale = Math.min(1, PAGE_MAX_SIDE / Math.max(size.width, size.height));
  const pageImage = await grayscale(image, pageScale < 1 ? { width: Math.round(size.width * pageScale) } : undefined);
  const page = await pool.recognize(await toPng(pageImage), 'text');
  const visual = readVisualZone(page);
  const zone = await readZone(image, page, pageScale, size, visual.fields.documentNumber, pool, settings, today);
  const mrz = zone.reading;

  const findings: Finding[] = [];
  const comparisons: Comparison[] = [];
  const invalid = new Set(mrz?.invalidFields.map((entry) => entry.field) ?? []);
  const mrzTrusted = (field: string) => mrz !== null && !invalid.has(field) && !invalid.has(`${field}CheckDigit`);

  if (!mrz) {
    findings.push({ code: 'mrz_not_found', status: 'flag for review', message: 'No machine-readable zone could be read on the document.' });
  } else if (!mrz.valid) {
    // A wrong check over characters clearly read is an altered zone; over a poorly read zone, a
    // letter in a digit field or characters inferred rather than read, a misreading. So is a date
    // that cannot exist: a forger writes possible dates.
    const impossibleDate = mrz.invalidFields.some((entry) => entry.field === 'birthDate' || entry.field === 'expirationDate');
    const clear = zone.confidence >= settings.minMrzConfidence && !impossibleDate && mrz.invalidFields.some((entry) => !entry.misread);
    const fields = mrz.invalidFields.map((entry) => entry.field).join(', ');
    findings.push({
      code: 'mrz_check_failed',
      status: clear ? 'fail' : 'flag for review',
      message: clear ? `The machine-readable zone fails its checks (${fields}): it was altered.` : `The machine-readable zone could not be read reliably (${fields}).`,
    });
  }

  // The submission against the zone (check-digit protected) and the visual zone.
  if (mrz) {
    // A name field with no filler left at its end may have cut the name short.
    const nameField = zoneNameField(mrz);
    comparisons.push(compareName(submitted.fullName, mrz.fields, 'submission_and_mrz', !nameField.endsWith('<'), settings, nameField));
    comparisons.push(compareExact('dateOfBirth', 'submission_and_mrz', submitted.dateOfBirth, mrz.fields.dateOfBirth));
    comparisons.push(compareExact('idNumber', 'submission_and_mrz', normaliseNumber(submitted.idNumber), mrz.fields.documentNumber ? normaliseNumber(mrz.fields.documentNumber) : null));
    comparisons.push(compareExact('nationality', 'submission_and_mrz', zoneNationality(submitted.nationality), mrz.fields.nationality));
  }
  // A name half read in the visual zone says nothing about the whole typed name.
  comparisons.push(
    visual.fields.surname && visual.fields.givenNames
      ? compareName(submitted.fullName, visual.fields, 'submission_and_visual_zone', false, settings)
      : { field: 'fullName', between: 'submission_and_visual_zone', outcome: 'unreadable' },
  );
  comparisons.push(compareExact('dateOfBirth', 'submission_and_visual_zone', submitted.dateOfBirth, visual.fields.dateOfBirth));
  comparisons.push(compareExact('idNumber', 'submission_and_visual_zone', normaliseNumber(submitted.idNumber), visual.fields.documentNumber));
  // The document against itself: a visual zone painted over disagrees with its zone.
  if (mrz) {
    comparisons.push(compareZonesNames(mrz.fields, zoneNameField(mrz), visual.fields, settings));
    comparisons.push(compareExact('dateOfBirth', 'mrz_and_visual_zone', mrz.fields.dateOfBirth, visual.fields.dateOfBirth));
    comparisons.push(compareExact('idNumber', 'mrz_and_visual_zone', mrz.fields.documentNumber, visual.fields.documentNumber));
  }

  const find = (field: Comparison['field'], between: Comparison['between']) => comparisons.find((entry) => entry.field === field && entry.between === between);
  const label: Record<Comparison['field'], string> = { fullName: 'name', dateOfBirth: 'date of birth', idNumber: 'document number', nationality: 'nationality' };

  for (const field of ['fullName', 'dateOfBirth', 'idNumber'] as const) {
    const againstZone = find(field, 'submission_and_mrz');
    const againstVisual = find(field, 'submission_and_visual_zone');
    const trusted = field === 'fullName' ? mrz !== null : mrzTrusted(field === 'dateOfBirth' ? 'birthDate' : 'documentNumber');
    const decisive = againstZone && againstZone.outcome !== 'unreadable' && trusted ? againstZone : againstVisual;
    if (!decisive || decisive.outcome === 'unreadable' || decisive.outcome === 'match') continue;
    const fromZone = decisive === againstZone;
    findings.push({
      code: `submission_${field === 'fullName' ? 'name' : field === 'dateOfBirth' ? 'date_of_birth' : 'id_number'}_mismatch`,
      status: decisive.outcome === 'mismatch' && fromZone ? 'fail' : 'flag for review',
      message: `The submitted ${label[field]} ${decisive.outcome === 'close' ? 'differs slightly from' : 'does not match'} the document's${fromZone ? '' : ' visual zone'}.`,
    });
  }
  const nationality = find('nationality', 'submission_and_mrz');
  if (nationality?.outcome === 'mismatch') {
    findings.push({ code: 'submission_nationality_mismatch', status: 'flag for review', message: 'The submitted nationality differs from the document\'s.' });
  }
  const inconsistent = comparisons.filter((entry) => entry.between === 'mrz_and_visual_zone' && entry.outcome === 'mismatch');
  if (inconsistent.length && mrz?.valid) {
    // Only what the visual zone shows clearly is held against the zone below it.
    const visualConfidence = (field: Comparison['field']) =>
      field === 'fullName' ? Math.min(visual.confidence.surname ?? 0, visual.confidence.givenNames ?? 100) : (visual.confidence[field === 'idNumber' ? 'documentNumber' : 'dateOfBirth'] ?? 0);
    const clear = inconsistent.every((entry) => visualConfidence(entry.field) >= settings.minVisualConfidence);
    const fields = inconsistent.map((entry) => label[entry.field]).join(', ');
    findings.push({
      code: 'visual_zone_inconsistent',
      status: clear ? 'fail' : 'flag for review',
      message: clear ? `The visual zone disagrees with the machine-readable zone (${fields}): one of them was altered.` : `The visual zone seems to disagree with the machine-readable zone (${fields}); it was not read clearly.`,
    });
  }

  const expiry = mrzTrusted('expirationDate') ? mrz!.fields.dateOfExpiry : visual.fields.dateOfExpiry;
  let expired: boolean | null = null;
  if (expiry) {
    const lastValid = Date.parse(`${expiry}T23:59:59Z`) + settings.expiryGraceDays * 86_400_000;
    expired = lastValid < today.getTime();
    if (expired) findings.push({ code: 'document_expired', status: 'fail', message: 'The document has expired.' });
  }

  const status = findings.some((finding) => finding.status === 'fail') ? 'fail' : findings.length ? 'flag for review' : 'success';
  return {
    status,
    performed: true,
    confidence: Math.round(page.confidence * 10) / 10,
    visualZone: visual.fields,
    mrz,
    comparisons,
    expired,
    findings,
  };
}
