import { parse, type ParseResult } from 'mrz';
import type { OcrLine, OcrPage } from './ocr-pool';
import type { MrzReading } from './schemas';

// Reading a machine-readable zone (ICAO Doc 9303: TD1 3 x 30, TD2 2 x 36, TD3 2 x 44 characters)
// from OCR output. Tesseract often reads the `<` filler of OCR-B as K or L, and splits or merges
// characters in long filler runs. The zone is fixed-pitch, so the line is cut into its character
// cells and each cell is compared with the `<` cells of the same image: filler looks alike in every
// cell of a zone, whatever the font size or print, and nothing else looks like it.

export type MrzFormat = MrzReading['format'];

export const LINE_LENGTHS: Record<MrzFormat, number> = { TD1: 30, TD2: 36, TD3: 44 };

const span = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

// Cells that hold a digit in every document of the format (dates, check digits), per line.
const DIGIT_CELLS: Record<MrzFormat, number[][]> = {
  TD1: [[], [...span(0, 6), ...span(8, 14), 29], []],
  TD2: [[], [9, ...span(13, 19), ...span(21, 27), 35]],
  TD3: [[], [9, ...span(13, 19), ...span(21, 27), 43]],
};
const LINE_COUNTS: Record<MrzFormat, number> = { TD1: 3, TD2: 2, TD3: 2 };

export interface GrayImage {
  data: Buffer;
  width: number;
  height: number;
}

// ---- text-only cleaning ----------------------------------------------------------------------

// Characters OCR produces for the filler or for look-alikes outside the zone's alphabet.
const LOOKALIKES: Array<[RegExp, string]> = [
  [/«/g, '<<'],
  [/[‹([{]/g, '<'],
];

// Fixes what text alone can tell: foreign characters, and K/L among `<` where no name can be.
export function cleanMrzText(text: string): string {
  let line = text.toUpperCase().replace(/\s+/g, '');
  for (const [pattern, replacement] of LOOKALIKES) line = line.replace(pattern, replacement);
  line = line.replace(/[^A-Z0-9<]/g, '');
  // A lone K or L between fillers (or at the end) is filler: no name component is one letter long
  // in the zone, and a surname/given-name separator is `<<`.
  let previous = '';
  while (previous !== line) {
    previous = line;
    line = line.replace(/<[KL](?=<|$)/g, '<<');
  }
  // A run of K, L and `<` that reaches the end of the line is the name field's trailing filler,
  // except for the letters that open it, which end the last name.
  line = line.replace(/([A-Z]*?)([KL]*<[KL<]*)$/, (_match, before: string, run: string) => {
    const firstFiller = run.indexOf('<');
    return before + run.slice(0, firstFiller) + '<'.repeat(run.length - firstFiller);
  });
  return line;
}

// OCR mostly miscounts long runs of identical filler: adjust the longest run to reach the length.
export function fitLineLength(line: string, length: number): string {
  if (line.length === length) return line;
  const runs = [...line.matchAll(/<+/g)];
  const longest = runs.reduce<RegExpMatchArray | null>((best, run) => (!best || run[0].length > best[0].length ? run : best), null);
  if (line.length < length) {
    if (!longest) return line + '<'.repeat(length - line.length);
    const at = (longest.index ?? 0) + longest[0].length;
    return line.slice(0, at) + '<'.repeat(length - line.length) + line.slice(at);
  }
  const excess = line.length - length;
  if (longest && longest[0].length > excess) {
    const at = longest.index ?? 0;
    return line.slice(0, at) + line.slice(at + excess);
  }
  return line.slice(0, length);
}

// ---- locating the zone in a page --------------------------------------------------------------

function compact(text: string): string {
  return text.replace(/\s+/g, '');
}

// Lines of a full-page reading that look like zone lines: long, unbroken, with filler.
export function findMrzLines(page: OcrPage): OcrLine[] {
  return page.lines.filter((line) => {
    const text = compact(line.text);
    const fillerish = (text.match(/[<KL«]/g) ?? []).length;
    return text.length >= 20 && text.includes('<') && fillerish >= 4;
  });
}

// ---- reading the zone cell by cell ------------------------------------------------------------

const GRID_COLUMNS = 8;
// OCR confidence (0..100) from which a character it read serves as a model for the zone's others.
const SURE_CONFIDENCE = 70;
const GRID_ROWS = 12;

function pickFormat(lines: OcrLine[]): MrzFormat | null {
  const lengths = lines.map((line) => compact(line.text).length).sort((a, b) => a - b);
  if (lines.length >= 3) return 'TD1';
  if (lines.length !== 2) return null;
  const median = lengths[Math.floor(lengths.length / 2)]!;
  return Math.abs(median - 36) < Math.abs(median - 44) ? 'TD2' : 'TD3';
}

type Band = (x: number) => { top: number; bottom: number };

export function baselineSlope(line: OcrLine): number {
  const { baseline } = line;
  return baseline.x1 !== baseline.x0 ? (baseline.y1 - baseline.y0) / (baseline.x1 - baseline.x0) : 0;
}

// The lines of a zone are parallel: one slope for all (the median), so that a line whose baseline
// OCR misjudged (short `<` at its end pull it down) does not drift off its characters.
// The zone's characters are all one height: the smallest line box, less its slant (a box can
// only grow, with specks or a neighbouring line's tops).
function characterHeight(lines: OcrLine[], slope: number): number {
  return Math.max(1, Math.min(...lines.map((line) => line.box.y1 - line.box.y0 - Math.abs(slope) * (line.box.x1 - line.box.x0))));
}

// The band a line's characters occupy: from its baseline up one character height.
function lineBand(line: OcrLine, slope: number, height: number): Band {
  const { baseline } = line;
  return (x) => {
    const base = baseline.y0 + slope * (x - baseline.x0);
    return { top: base - height * 1.05, bottom: base + height * 0.1 };
  };
}

function darkness(image: GrayImage, x: number, y: number): number {
  const column = Math.min(image.width - 1, Math.max(0, Math.round(x)));
  const row = Math.min(image.height - 1, Math.max(0, Math.round(y)));
  return 255 - image.data[row * image.width + column]!;
}

// Ink per column across the line's band, background removed.
function columnInk(image: GrayImage, line: OcrLine, band: Band): Float64Array {
  const ink = new Float64Array(image.width);
  for (let x = 0; x < image.width; x += 1) {
    const { top, bottom } = band(x);
    let sum = 0;
    for (let y = Math.floor(top); y <= Math.ceil(bottom); y += 1) sum += darkness(image, x, y);
    ink[x] = sum;
  }
  const sorted = Float64Array.from(ink.subarray(Math.max(0, line.box.x0), Math.min(image.width, line.box.x1))).sort();
  const floor = sorted.length ? sorted[Math.floor(sorted.length * 0.1)]! : 0;
  for (let x = 0; x < ink.length; x += 1) ink[x] = Math.max(0, ink[x]! - floor);
  return ink;
}

function inkAt(ink: Float64Array, x: number): number {
  const left = Math.floor(x);
  const weight = x - left;
  return (ink[left] ?? 0) * (1 - weight) + (ink[left + 1] ?? 0) * weight;
}

// The pitch and start whose cell boundaries fall in the gaps between characters. All lines of a
// zone start at the same place and share the pitch, so their ink is added up and fitted at once.
// A boundary off the picture costs as much as the darkest column: the grid must fit inside it.
function fitGrid(ink: Float64Array, left: number, right: number, cells: number): { start: number; pitch: number } {
  const guess = (right - left) / (cells - 0.3);
  const offPicture = ink.reduce((top, value) => Math.max(top, value), 0);
  const inkOrWall = (x: number) => (x < 0 || x > ink.length - 1 ? offPicture : inkAt(ink, x));
  let best = { start: left, pitch: guess, cost: Number.POSITIVE_INFINITY };
  for (let pitch = guess * 0.92; pitch <= guess * 1.08; pitch += guess * 0.002) {
    for (let start = left - pitch * 0.5; start <= left + pitch * 0.2; start += 0.25) {
      let cost = 0;
      for (let index = 0; index <= cells; index += 1) cost += inkOrWall(start + index * pitch);
      if (cost < best.cost) best = { start, pitch, cost };
    }
  }
  return best;
}

// The cell's pixels on a fixed grid, centred and scaled to unit length (for correlation).
function cellVector(image: GrayImage, band: Band, left: number, right: number): Float64Array {
  const vector = new Float64Array(GRID_COLUMNS * GRID_ROWS);
  const { top, bottom } = band((left + right) / 2);
  const stepX = (right - left) / GRID_COLUMNS;
  const stepY = (bottom - top) / GRID_ROWS;
  for (let row = 0; row < GRID_ROWS; row += 1) {
    for (let column = 0; column < GRID_COLUMNS; column += 1) {
      let sum = 0;
      let count = 0;
      for (let y = top + row * stepY; y < top + (row + 1) * stepY; y += 0.5) {
        for (let x = left + column * stepX; x < left + (column + 1) * stepX; x += 0.5) {
          sum += darkness(image, x, y);
          count += 1;
        }
      }
      vector[row * GRID_COLUMNS + column] = count ? sum / count : 0;
    }
  }
  return normalise(vector);
}

const LEFT_COLUMNS = 3;

function leftPart(vector: Float64Array): Float64Array {
  const part = new Float64Array(GRID_ROWS * LEFT_COLUMNS);
  for (let row = 0; row < GRID_ROWS; row += 1) {
    for (let column = 0; column < LEFT_COLUMNS; column += 1) part[row * LEFT_COLUMNS + column] = vector[row * GRID_COLUMNS + column]!;
  }
  return normalise(part);
}

function normalise(vector: Float64Array): Float64Array {
  const mean = vector.reduce((sum, value) => sum + value, 0) / vector.length;
  let norm = 0;
  for (let index = 0; index < vector.length; index += 1) {
    vector[index] = vector[index]! - mean;
    norm += vector[index]! * vector[index]!;
  }
  const length = Math.sqrt(norm) || 1;
  for (let index = 0; index < vector.length; index += 1) vector[index] = vector[index]! / length;
  return vector;
}

function correlation(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let index = 0; index < a.length; index += 1) sum += a[index]! * b[index]!;
  return sum;
}

// The best correlation with one grid step of shift either way: the same character sampled a
// pixel higher or lower (a slight slant left after levelling) still looks like itself.
function shiftedCorrelation(a: Float64Array, b: Float64Array, columns = GRID_COLUMNS): number {
  const rows = a.length / columns;
  let best = -1;
  for (let dy = -1; dy <= 1; dy += 1) {
    for (let dx = -1; dx <= 1; dx += 1) {
      let sum = 0;
      for (let row = Math.max(0, -dy); row < Math.min(rows, rows - dy); row += 1) {
        for (let column = Math.max(0, -dx); column < Math.min(columns, columns - dx); column += 1) {
          sum += a[row * columns + column]! * b[(row + dy) * columns + column + dx]!;
        }
      }
      best = Math.max(best, sum);
    }
  }
  return best;
}

function mean(vectors: Float64Array[]): Float64Array {
  const out = new Float64Array(vectors[0]?.length ?? 0);
  for (const vector of vectors) for (let index = 0; index < out.length; index += 1) out[index] = out[index]! + vector[index]!;
  return normalise(out);
}

interface Cell {
  vector: Float64Array;
  // The left three columns alone: where K (a stem) and `<` (a point) differ most.
  left: Float64Array;
  // What OCR read there, and how sure it was.
  read: string;
  confidence: number;
}

function cellsOf(image: GrayImage, line: OcrLine, count: number, grid: { start: number; pitch: number }, slope: number, height: number): Cell[] {
  const band = lineBand(line, slope, height);
  const { start, pitch } = grid;
  const symbols = line.words.flatMap((word) => word.symbols);
  const cells: Cell[] = [];
  for (let index = 0; index < count; index += 1) {
    const left = start + index * pitch;
    const right = left + pitch;
    let read = '';
    let confidence = 0;
    let bestOverlap = 0;
    for (const symbol of symbols) {
      const overlap = Math.min(right, symbol.box.x1) - Math.max(left, symbol.box.x0);
      if (overlap > bestOverlap) {
        bestOverlap = overlap;
        read = symbol.text;
        confidence = symbol.confidence;
      }
    }
    const vector = cellVector(image, band, left, right);
    cells.push({ vector, left: leftPart(vector), read, confidence });
  }
  return cells;
}

export interface CellReading {
  lines: string[];
  // Cells whose character was inferred from likeness, not read by OCR ("line:cell").
  guessed: Set<string>;
  // Mean OCR confidence of the cells that are not filler, 0..100.
  confidence: number;
}

// Reads each zone line cell by cell; `image` is the grayscale picture the lines were found in.
export function readMrzCells(image: GrayImage, lines: OcrLine[], format: MrzFormat, fillerSimilarity: number): CellReading {
  const length = LINE_LENGTHS[format];
  const slopes = lines.map(baselineSlope).sort((a, b) => a - b);
  const slope = slopes[Math.floor(slopes.length / 2)] ?? 0;
  const height = characterHeight(lines, slope);
  const ink = new Float64Array(image.width);
  for (const line of lines) {
    const lineInk = columnInk(image, line, lineBand(line, slope, height));
    for (let x = 0; x < ink.length; x += 1) ink[x] = ink[x]! + lineInk[x]!;
  }
  // Where characters were found (a line's box can run on with specks to the picture's edge).
  const symbols = lines.flatMap((line) => line.words.flatMap((word) => word.symbols));
  const extent = symbols.length ? symbols.map((symbol) => symbol.box) : lines.map((line) => line.box);
  const grid = fitGrid(ink, Math.min(...extent.map((box) => box.x0)), Math.max(...extent.map((box) => box.x1)), length);
  const cellLines = lines.map((line) => cellsOf(image, line, length, grid, slope, height));
  const allCells = cellLines.flat();
  const readAsFiller = allCells.filter((cell) => cell.read === '<');
  let filler: { whole: Float64Array; left: Float64Array } | null = null;
  if (readAsFiller.length >= 2) {
    // The first likeness is to what OCR called filler; the second to what looks like it.
    const first = { whole: mean(readAsFiller.map((cell) => cell.vector)), left: mean(readAsFiller.map((cell) => cell.left)) };
    const alike = allCells.filter((cell) => correlation(cell.vector, first.whole) >= fillerSimilarity && correlation(cell.left, first.left) >= fillerSimilarity);
    filler = alike.length >= 2 ? { whole: mean(alike.map((cell) => cell.vector)), left: mean(alike.map((cell) => cell.left)) } : first;
  }
  if (!filler) {
    // No `<` to learn from (OCR read every one as a letter): fall back on what the text alone tells.
    return {
      lines: lines.map((line) => fitLineLength(cleanMrzText(line.text), length)),
      guessed: new Set(),
      confidence: lines.reduce((sum, line) => sum + line.confidence, 0) / lines.length,
    };
  }
  const learned = filler;
  const isFiller = (cell: Cell) =>
    shiftedCorrelation(cell.vector, learned.whole) >= fillerSimilarity && shiftedCorrelation(cell.left, learned.left, LEFT_COLUMNS) >= fillerSimilarity;
  // A cell OCR left empty is read by likeness to the characters it did read surely elsewhere in
  // the zone (same font, same size, same photo), or to the filler.
  const surely = new Map<string, Float64Array[]>();
  for (const cell of allCells) {
    if (!/^[A-Z0-9]$/.test(cell.read) || cell.confidence < SURE_CONFIDENCE || isFiller(cell)) continue;
    surely.set(cell.read, [...(surely.get(cell.read) ?? []), cell.vector]);
  }
  const prototypes = [...surely].map(([character, vectors]) => ({ character, vector: mean(vectors) }));
  const digitPrototypes = prototypes.filter((prototype) => /[0-9]/.test(prototype.character));
  const likeliest = (cell: Cell): string => {
    let best = { character: '<', likeness: fillerSimilarity };
    for (const prototype of prototypes) {
      const likeness = shiftedCorrelation(cell.vector, prototype.vector);
      if (likeness > best.likeness) best = { character: prototype.character, likeness };
    }
    return best.character;
  };
  // Where only a digit can be, the likeliest digit, however unsure.
  const likeliestDigit = (cell: Cell): string => {
    let best = { character: cell.read, likeness: -1 };
    for (const prototype of digitPrototypes) {
      const likeness = shiftedCorrelation(cell.vector, prototype.vector);
      if (likeness > best.likeness) best = { character: prototype.character, likeness };
    }
    return best.character || '<';
  };
  const confidences: number[] = [];
  const guessed = new Set<string>();
  const guess = (lineIndex: number, index: number, character: string) => {
    guessed.add(`${lineIndex}:${index}`);
    return character;
  };
  const read = cellLines.map((cells, lineIndex) =>
    cells
      .map((cell, index) => {
        if (DIGIT_CELLS[format][lineIndex]?.includes(index)) {
          confidences.push(cell.confidence);
          return /^[0-9]$/.test(cell.read) ? cell.read : guess(lineIndex, index, likeliestDigit(cell));
        }
        if (isFiller(cell)) return '<';
        // Read as `<` yet unlike the zone's filler: OCR's symbol belonged to the neighbouring cell.
        if (!/^[A-Z0-9]$/.test(cell.read)) return guess(lineIndex, index, likeliest(cell));
        confidences.push(cell.confidence);
        return cell.read;
      })
      .join(''),
  );
  const confidence = confidences.length ? confidences.reduce((sum, value) => sum + value, 0) / confidences.length : 0;
  return { lines: read, guessed, confidence };
}

// Picks the zone lines out of a reading of the zone's region, in reading order.
export function zoneLines(page: OcrPage): { lines: OcrLine[]; format: MrzFormat } | null {
  const candidates = page.lines.filter((line) => compact(line.text).length >= 20).sort((a, b) => a.box.y0 - b.box.y0);
  const format = pickFormat(candidates);
  if (!format) return null;
  // The zone is the last lines of the region (anything above them is the visual zone's).
  return { lines: candidates.slice(-LINE_COUNTS[format]), format };
}

// ---- parsing ---------------------------------------------------------------------------------

// The name field: the end of the first line (TD2, TD3) or the whole third line (TD1).
export function zoneNameField(reading: Pick<MrzReading, 'format' | 'lines'>): string {
  return reading.format === 'TD1' ? (reading.lines[2] ?? '') : (reading.lines[0] ?? '').slice(5);
}

const SEX: Record<string, string> = { male: 'M', female: 'F', nonspecified: 'X' };

// YYMMDD to YYYY-MM-DD: birth dates are in the past, expiry dates within 50 years ahead.
export function zoneDate(yymmdd: string | null | undefined, kind: 'birth' | 'expiry', today: Date): string | null {
  if (!yymmdd || !/^\d{6}$/.test(yymmdd)) return null;
  const yy = Number(yymmdd.slice(0, 2));
  const currentYy = today.getUTCFullYear() % 100;
  const century = kind === 'birth' ? (yy > currentYy ? 1900 : 2000) : yy > currentYy + 50 ? 1900 : 2000;
  return `${century + yy}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
}

function parseSafely(lines: string[]): ParseResult | null {
  try {
    return parse(lines, { autocorrect: true });
  } catch {
    // The lines are no zone the parser knows (wrong count or length): nothing to read.
    return null;
  }
}

// OCR's usual confusions in the zone's alphanumeric fields (the parser's own autocorrection
// covers fields that are all digits or all letters).
const CONFUSABLE: Record<string, string> = { B: '8', '8': 'B', O: '0', '0': 'O', D: '0', Q: '0', I: '1', '1': 'I', S: '5', '5': 'S', Z: '2', '2': 'Z', G: '6', '6': 'G' };

function withField(lines: string[], line: number, start: number, end: number, value: string): string[] {
  const candidate = [...lines];
  candidate[line] = lines[line]!.slice(0, start) + value + lines[line]!.slice(end);
  return candidate;
}

// When the document number fails its check digit, another reading that passes it is what the
// document says: the visual zone's number first (read apart, in another font), else the one
// look-alike swap that passes. A forger changes digits for digits, which neither undoes, and the
// repaired number is still compared with the submission.
function repairDocumentNumber(lines: string[], printedNumber: string | null): string[] {
  const first = parseSafely(lines);
  const detail = first?.details.find((entry) => entry.field === 'documentNumber');
  const check = first?.details.find((entry) => entry.field === 'documentNumberCheckDigit');
  if (!first || !detail || !check || check.valid) return lines;
  const passes = (candidate: string[]) => parseSafely(candidate)?.details.find((entry) => entry.field === 'documentNumberCheckDigit')?.valid === true;
  const width = detail.end - detail.start;
  if (printedNumber && printedNumber.length <= width) {
    const candidate = withField(lines, detail.line, detail.start, detail.end, printedNumber.padEnd(width, '<'));
    if (passes(candidate)) return candidate;
  }
  const repairs: string[][] = [];
  for (let at = detail.start; at < detail.end; at += 1) {
    const swap = CONFUSABLE[lines[detail.line]![at]!];
    if (!swap) continue;
    const candidate = withField(lines, detail.line, at, at + 1, swap);
    if (passes(candidate)) repairs.push(candidate);
  }
  // Two different swaps passing would be a guess.
  return repairs.length === 1 ? repairs[0]! : lines;
}

// Letters OCR puts for digits that the parser's own autocorrection (B G O I S Z) leaves alone.
const DIGIT_LOOKALIKES: Record<string, string> = { T: '7', D: '0', Q: '0', U: '0', L: '1', J: '1', A: '4' };
const NUMERIC_FIELDS = new Set(['birthDate', 'birthDateCheckDigit', 'expirationDate', 'expirationDateCheckDigit', 'documentNumberCheckDigit', 'compositeCheckDigit']);

function digitsWhereDigitsBelong(lines: string[]): string[] {
  const parsed = parseSafely(lines);
  if (!parsed) return lines;
  let corrected = lines;
  for (const detail of parsed.details) {
    if (!detail.field || !NUMERIC_FIELDS.has(detail.field) || detail.valid) continue;
    const line = corrected[detail.line]!;
    const field = line.slice(detail.start, detail.end).replace(/[A-Z]/g, (letter) => DIGIT_LOOKALIKES[letter] ?? letter);
    corrected = withField(corrected, detail.line, detail.start, detail.end, field);
  }
  return corrected;
}

// `printedNumber`: the document number as the visual zone prints it, if it was read; `guessed`:
// cells inferred rather than read ("line:cell"), which make a failing check a misreading.
export function parseMrzLines(rawLines: string[], readLines: string[], today: Date, printedNumber: string | null = null, guessed: Set<string> = new Set()): MrzReading | null {
  const lines = repairDocumentNumber(digitsWhereDigitsBelong(readLines), printedNumber);
  const result = parseSafely(lines);
  if (!result || !(result.format === 'TD1' || result.format === 'TD2' || result.format === 'TD3')) return null;
  const { fields } = result;
  // Field values are null where invalid; the raw characters still say what the document claims.
  const raw = (field: string) => {
    const detail = result.details.find((entry) => entry.field === field);
    if (!detail) return null;
    const text = lines[detail.line]?.slice(detail.start, detail.end) ?? '';
    return text.replace(/<+$/, '') || null;
  };
  return {
    format: result.format,
    rawLines,
    lines,
    valid: result.valid,
    fields: {
      surname: fields.lastName ?? null,
      givenNames: fields.firstName ?? null,
      dateOfBirth: zoneDate(fields.birthDate ?? raw('birthDate'), 'birth', today),
      sex: fields.sex ? (SEX[fields.sex] ?? null) : null,
      nationality: fields.nationality ?? raw('nationality'),
      documentNumber: result.documentNumber ?? raw('documentNumber'),
      dateOfExpiry: zoneDate(fields.expirationDate ?? raw('expirationDate'), 'expiry', today),
      issuingState: fields.issuingState ?? raw('issuingState'),
      documentCode: fields.documentCode ?? null,
    },
    invalidFields: result.details
      .filter((detail) => !detail.valid)
      .map((detail) => ({
        field: detail.field ?? detail.label,
        error: detail.error ?? 'invalid',
        // A digit field holding a letter was misread, and so was a check over characters that were
        // guessed; well-formed but wrong is what an alteration leaves.
        misread:
          (detail.field !== null && NUMERIC_FIELDS.has(detail.field) && /[^0-9<]/.test(lines[detail.line]?.slice(detail.start, detail.end) ?? '')) ||
          [{ line: detail.line, start: detail.start, end: detail.end }, ...detail.ranges].some((range) => span(range.start, range.end - 1).some((cell) => guessed.has(`${range.line}:${cell}`))),
      })),
    autocorrected: result.details.reduce((sum, detail) => sum + detail.autocorrect.length, 0),
  };
}
