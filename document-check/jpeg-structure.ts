// What a JPEG's own segments say before its pixels: the quantisation tables (from which the
// quality it was saved at follows) and comment segments (where some editors sign their work).

export interface JpegStructure {
  // Table id -> 64 quantisation steps in the file's (zig-zag) order.
  quantisationTables: Map<number, number[]>;
  comments: string[];
}

const SOS = 0xda;
const DQT = 0xdb;
const COM = 0xfe;

export function readJpegStructure(jpeg: Buffer): JpegStructure {
  const structure: JpegStructure = { quantisationTables: new Map(), comments: [] };
  let offset = 2;
  while (offset + 4 <= jpeg.length) {
    if (jpeg[offset] !== 0xff) break;
    const marker = jpeg[offset + 1]!;
    // Fill bytes and markers without a length.
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    if (marker === SOS) break;
    const length = jpeg.readUInt16BE(offset + 2);
    const body = jpeg.subarray(offset + 4, Math.min(jpeg.length, offset + 2 + length));
    if (marker === DQT) readTables(body, structure.quantisationTables);
    if (marker === COM) structure.comments.push(body.toString('latin1').replace(/\0+$/, ''));
    offset += 2 + length;
  }
  return structure;
}

function readTables(body: Buffer, tables: Map<number, number[]>): void {
  let at = 0;
  while (at < body.length) {
    const precision = body[at]! >> 4;
    const id = body[at]! & 0x0f;
    at += 1;
    const steps: number[] = [];
    for (let index = 0; index < 64 && at < body.length; index += 1) {
      steps.push(precision ? body.readUInt16BE(at) : body[at]!);
      at += precision ? 2 : 1;
    }
    tables.set(id, steps);
  }
}

// The IJG standard luminance table (JPEG Annex K), in zig-zag order like the file's.
const STANDARD_LUMINANCE = [
  16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51,
  56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
];

// The IJG quality (1..100) whose scaling of the standard table is closest to the file's luminance
// table; encoders with their own tables land on a comparable number.
export function estimateJpegQuality(structure: JpegStructure): number | null {
  const table = structure.quantisationTables.get(0);
  if (!table || table.length !== 64) return null;
  let best: { quality: number; error: number } | null = null;
  for (let quality = 1; quality <= 100; quality += 1) {
    const scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
    let error = 0;
    for (let index = 0; index < 64; index += 1) {
      const step = Math.min(255, Math.max(1, Math.floor((STANDARD_LUMINANCE[index]! * scale + 50) / 100)));
      error += Math.abs(step - table[index]!);
    }
    if (!best || error < best.error) best = { quality, error };
  }
  return best ? best.quality : null;
}
