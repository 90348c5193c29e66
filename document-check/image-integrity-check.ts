import sharp from 'sharp';
import type { AcceptedImage } from './image-input';
import { estimateJpegQuality, type JpegStructure } from './jpeg-structure';
import type { Finding, ImageIntegrityDetails } from './schemas';
import type { DocumentCheckSettings } from './settings';

// Is the photo good enough to judge, and does any part of it have another history than the rest?
//
// Readability: the resolution, and the variance of the Laplacian (edges: high when sharp) at a
// fixed working size after light denoising, so that sensor noise does not pass for sharpness.
//
// Error level analysis: the image is re-encoded as JPEG at two known qualities and compared with
// itself. How much a block changes depends on its content and on its compression history;
// the ratio of the two error levels cancels most of the content, leaving the history. A region
// pasted from another JPEG (or drawn in afresh) has another history than the page around it, so
// its ratio departs from the image's usual one, block after block: regional statistics (robust
// z-scores, smoothed, joined into connected regions) find it, where single blocks would be noise.

const WORKING_SIZE = 1000;

type Settings = DocumentCheckSettings;

interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
  blocks: number;
  departure: number;
  score: number;
}

function orientedSize(accepted: AcceptedImage): { width: number; height: number } {
  // EXIF orientations 5-8 turn the picture a quarter.
  return accepted.orientation >= 5 ? { width: accepted.height, height: accepted.width } : { width: accepted.width, height: accepted.height };
}

async function sharpness(image: Buffer): Promise<number> {
  const { data, info } = await sharp(image)
    .rotate()
    .grayscale()
    .resize({ width: WORKING_SIZE, height: WORKING_SIZE, fit: 'inside' })
    .blur(1)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  let sum = 0;
  let sumSquares = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y += 1) {
    for (let x = 1; x < width - 1; x += 1) {
      const at = y * width + x;
      const laplacian = data[at - 1]! + data[at + 1]! + data[at - width]! + data[at + width]! - 4 * data[at]!;
      sum += laplacian;
      sumSquares += laplacian * laplacian;
      count += 1;
    }
  }
  const mean = sum / count;
  return sumSquares / count - mean * mean;
}

// Luminance (Rec. 601) of every pixel of an RGB buffer.
function luminance(rgb: Buffer, pixels: number): Float32Array {
  const out = new Float32Array(pixels);
  for (let at = 0, byte = 0; at < pixels; at += 1, byte += 3) out[at] = 0.299 * rgb[byte]! + 0.587 * rgb[byte + 1]! + 0.114 * rgb[byte + 2]!;
  return out;
}

async function reencoded(image: Buffer, quality: number, pixels: number): Promise<Float32Array> {
  const jpeg = await sharp(image).removeAlpha().jpeg({ quality }).toBuffer();
  return luminance(await sharp(jpeg).removeAlpha().raw().toBuffer(), pixels);
}

// Mean absolute luminance change per block.
function blockErrors(original: Float32Array, changed: Float32Array, width: number, columns: number, rows: number, block: number): Float64Array {
  const sums = new Float64Array(columns * rows);
  for (let y = 0; y < rows * block; y += 1) {
    const rowBase = Math.floor(y / block) * columns;
    for (let x = 0, at = y * width; x < columns * block; x += 1, at += 1) {
      sums[rowBase + Math.floor(x / block)]! += Math.abs(original[at]! - changed[at]!);
    }
  }
  return sums.map((sum) => sum / (block * block));
}

function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0;
}

// Added to both error levels so that blocks that barely change (flat, saturated) do not make
// extreme ratios out of rounding.
const ERROR_FLOOR = 0.05;

function findRegions(ratio: Float64Array, columns: number, rows: number, block: number, settings: Settings['ela']): Region[] {
  const centre = median(ratio);
  const spread = 1.4826 * median(ratio.map((value) => Math.abs(value - centre))) || 1e-6;
  const z = ratio.map((value) => (value - centre) / spread);
  // Mean of each block's 3 x 3 neighbourhood: a region is many blocks agreeing, not one.
  const smoothed = new Float64Array(z.length);
  for (let row = 0; row < rows; row += 1) {
    for (let column = 0; column < columns; column += 1) {
      let sum = 0;
      let count = 0;
      for (let dy = -1; dy <= 1; dy += 1) {
        for (let dx = -1; dx <= 1; dx += 1) {
          const r = row + dy;
          const c = column + dx;
          if (r < 0 || c < 0 || r >= rows || c >= columns) continue;
          sum += z[r * columns + c]!;
          count += 1;
        }
      }
      smoothed[row * columns + column] = sum / count;
    }
  }
  const seen = new Uint8Array(z.length);
  const regions: Region[] = [];
  for (let start = 0; start < z.length; start += 1) {
    if (seen[start] || Math.abs(smoothed[start]!) < settings.regionZ) continue;
    const sign = Math.sign(smoothed[start]!);
    const stack = [start];
    const members: number[] = [];
    seen[start] = 1;
    while (stack.length) {
      const at = stack.pop()!;
      members.push(at);
      const row = Math.floor(at / columns);
      const column = at % columns;
      const neighbours = [row > 0 ? at - columns : -1, row < rows - 1 ? at + columns : -1, column > 0 ? at - 1 : -1, column < columns - 1 ? at + 1 : -1];
      for (const next of neighbours) {
        if (next < 0 || seen[next] || Math.sign(smoothed[next]!) !== sign || Math.abs(smoothed[next]!) < settings.regionZ) continue;
        seen[next] = 1;
        stack.push(next);
      }
    }
    if (members.length < settings.minRegionShare * z.length) continue;
    const rowsOf = members.map((at) => Math.floor(at / columns));
    const columnsOf = members.map((at) => at % columns);
    const departure = members.reduce((sum, at) => sum + smoothed[at]!, 0) / members.length;
    regions.push({
      x: Math.min(...columnsOf) * block,
      y: Math.min(...rowsOf) * block,
      width: (Math.max(...columnsOf) - Math.min(...columnsOf) + 1) * block,
      height: (Math.max(...rowsOf) - Math.min(...rowsOf) + 1) * block,
      blocks: members.length,
      departure: Math.round(departure * 100) / 100,
      // Evidence grows with how far and over how many blocks the region departs.
      score: Math.round(Math.abs(departure) * Math.sqrt(members.length) * 10) / 10,
    });
  }
  return regions.sort((a, b) => b.score - a.score);
}

// Heat colours from black through red and yellow to white, one per amplified level.
const HEAT = (() => {
  const table = Buffer.alloc(256 * 3);
  for (let level = 0; level < 256; level += 1) {
    const t = (level / 255) * 3;
    table[level * 3] = Math.round(Math.min(1, t) * 255);
    table[level * 3 + 1] = Math.round(Math.min(1, Math.max(0, t - 1)) * 255);
    table[level * 3 + 2] = Math.round(Math.min(1, Math.max(0, t - 2)) * 255);
  }
  return table;
})();
// Changes are a few levels at most: they are stretched so the image's strongest ones (its top
// half percent) show near white, whatever the photo's overall error level.
const HEAT_TOP_SHARE = 0.005;
const HEAT_TOP_LEVEL = 230;

// The classic error-level picture (amplified change at the lower quality) with the regions boxed.
async function heatMap(original: Float32Array, changed: Float32Array, width: number, height: number, regions: Region[], outputWidth: number): Promise<Buffer> {
  const sample = new Float32Array(Math.ceil((width * height) / 7));
  for (let at = 0, index = 0; at < width * height; at += 7, index += 1) sample[index] = Math.abs(original[at]! - changed[at]!);
  sample.sort();
  const top = sample[Math.floor(sample.length * (1 - HEAT_TOP_SHARE))] ?? 1;
  const gain = HEAT_TOP_LEVEL / Math.max(top, 0.5);
  const pixels = Buffer.alloc(width * height * 3);
  for (let at = 0; at < width * height; at += 1) {
    const level = Math.min(255, Math.round(Math.abs(original[at]! - changed[at]!) * gain));
    HEAT.copy(pixels, at * 3, level * 3, level * 3 + 3);
  }
  const outWidth = Math.min(outputWidth, width);
  const scale = outWidth / width;
  const outHeight = Math.max(1, Math.round(height * scale));
  const boxes = regions
    .map((region) => `<rect x="${region.x * scale}" y="${region.y * scale}" width="${region.width * scale}" height="${region.height * scale}" fill="none" stroke="#00e5ff" stroke-width="2"/>`)
    .join('');
  const overlay = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${outWidth}" height="${outHeight}">${boxes}</svg>`);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    // Single pixels' rounding is noise to a reviewer; areas are what matter.
    .blur(1.5)
    .resize({ width: outWidth, height: outHeight, fit: 'fill' })
    .composite([{ input: overlay }])
    .png()
    .toBuffer();
}

export async function checkImageIntegrity(image: Buffer, accepted: AcceptedImage, structure: JpegStructure | null, settings: Settings): Promise<ImageIntegrityDetails> {
  const findings: Finding[] = [];
  const size = orientedSize(accepted);
  const longSide = Math.max(size.width, size.height);
  const shortSide = Math.min(size.width, size.height);
  const largeEnough = longSide >= settings.image.minLongSide && shortSide >= settings.image.minShortSide;
  if (!largeEnough) {
    findings.push({
      code: 'resolution_too_low',
      status: 'flag for review',
      message: `The photo is ${size.width} x ${size.height} pixels; at least ${settings.image.minLongSide} x ${settings.image.minShortSide} are needed to read it. Ask for a new photo.`,
    });
  }
  const blurScore = Math.round((await sharpness(image)) * 10) / 10;
  const sharpEnough = blurScore >= settings.image.minSharpness;
  if (!sharpEnough) {
    findings.push({ code: 'too_blurred', status: 'flag for review', message: 'The photo is too blurred to read. Ask for a new, sharp photo.' });
  }

  const { data: rgb, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const original = luminance(rgb, width * height);
  const { lowQuality, highQuality, blocksAcross } = settings.ela;
  // Blocks scale with the photo (a multiple of the JPEG's 8-pixel grid), so a region covers as
  // many blocks in a large photo as in a small one and the scores compare.
  const blockSize = Math.max(8, Math.round(Math.max(width, height) / blocksAcross / 8) * 8);
  const [low, high] = await Promise.all([reencoded(image, lowQuality, width * height), reencoded(image, highQuality, width * height)]);
  const columns = Math.floor(width / blockSize);
  const rows = Math.floor(height / blockSize);
  const retake = !largeEnough || !sharpEnough;
  let regions: Region[] = [];
  // On a photo too small or blurred to read, error levels say nothing either.
  if (!retake && columns >= 4 && rows >= 4) {
    const lowErrors = blockErrors(original, low, width, columns, rows, blockSize);
    const highErrors = blockErrors(original, high, width, columns, rows, blockSize);
    const ratio = lowErrors.map((value, at) => Math.log((value + ERROR_FLOOR) / (highErrors[at]! + ERROR_FLOOR)));
    regions = findRegions(ratio, columns, rows, blockSize, settings.ela);
  }
  const score = regions.length ? regions[0]!.score : 0;
  if (score >= settings.ela.failScore) {
    findings.push({ code: 'region_tampered', status: 'fail', message: `Part of the image has another compression history than the rest (error level score ${score}): it was pasted or edited.` });
  } else if (score >= settings.ela.flagScore) {
    findings.push({ code: 'region_suspicious', status: 'flag for review', message: `Part of the image's error levels depart from the rest (error level score ${score}).` });
  }

  const status = findings.some((finding) => finding.status === 'fail') ? 'fail' : findings.length ? 'flag for review' : 'success';
  return {
    status,
    format: accepted.format,
    resolution: { width: size.width, height: size.height, sufficient: largeEnough },
    blur: { score: blurScore, sufficient: sharpEnough },
    ela: {
      performed: !retake,
      sourceQuality: structure ? estimateJpegQuality(structure) : null,
      qualities: [lowQuality, highQuality],
      score,
      regions,
    },
    retake,
    findings,
    heatMap: await heatMap(original, low, width, height, regions, settings.ela.heatMapWidth),
  };
}
