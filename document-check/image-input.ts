import sharp from 'sharp';
import { DocumentImageError } from './errors';
import type { DocumentCheckSettings } from './settings';

// What the engine accepts: a JPEG or PNG that decodes. The first bytes must say so (the declared
// content type and the file name are the sender's word, not evidence), and sharp must agree.

export type ImageFormat = 'jpeg' | 'png';

const SIGNATURES: Array<{ format: ImageFormat; bytes: number[] }> = [
  { format: 'jpeg', bytes: [0xff, 0xd8, 0xff] },
  { format: 'png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
];

// Other image types a sender may try, named in the refusal so the applicant knows what to change.
const OTHER_IMAGES: Array<{ name: string; test: (head: Buffer) => boolean }> = [
  { name: 'GIF', test: (head) => head.subarray(0, 4).toString('latin1') === 'GIF8' },
  { name: 'WebP', test: (head) => head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP' },
  { name: 'HEIC/AVIF', test: (head) => head.subarray(4, 8).toString('latin1') === 'ftyp' },
  { name: 'TIFF', test: (head) => ['II*\0', 'MM\0*'].includes(head.subarray(0, 4).toString('latin1')) },
  { name: 'BMP', test: (head) => head.subarray(0, 2).toString('latin1') === 'BM' },
  { name: 'PDF', test: (head) => head.subarray(0, 5).toString('latin1') === '%PDF-' },
];

export interface AcceptedImage {
  format: ImageFormat;
  width: number;
  height: number;
  // EXIF orientation, applied before reading text.
  orientation: number;
}

function sniff(image: Buffer): ImageFormat | null {
  for (const { format, bytes } of SIGNATURES) {
    if (image.length >= bytes.length && bytes.every((byte, index) => image[index] === byte)) return format;
  }
  return null;
}

export async function acceptImage(image: unknown, settings: Pick<DocumentCheckSettings['image'], 'maxBytes' | 'maxPixels'>, field = 'id_image'): Promise<AcceptedImage> {
  if (!Buffer.isBuffer(image) || image.length === 0) throw new DocumentImageError('not_an_image', `${field} must be a non-empty JPEG or PNG file`, field);
  if (image.length > settings.maxBytes) {
    throw new DocumentImageError('image_too_large', `${field} must be at most ${settings.maxBytes} bytes (got ${image.length})`, field);
  }
  const format = sniff(image);
  if (!format) {
    const other = OTHER_IMAGES.find((candidate) => candidate.test(image.subarray(0, 16)));
    if (other) throw new DocumentImageError('unsupported_image_type', `${field} must be a JPEG or PNG image (got ${other.name})`, field);
    throw new DocumentImageError('not_an_image', `${field} must be a JPEG or PNG image (its content is neither)`, field);
  }
  let metadata: sharp.Metadata;
  try {
    // The header alone (no pixel is decoded): the pixel limit is judged below, as its own rule,
    // where sharp's limit would report a picture too large as a damaged file.
    metadata = await sharp(image, { limitInputPixels: false }).metadata();
  } catch {
    throw new DocumentImageError('corrupt_image', `${field} starts like a ${format.toUpperCase()} file but cannot be decoded`, field);
  }
  if (metadata.format !== format || !metadata.width || !metadata.height) {
    throw new DocumentImageError('corrupt_image', `${field} starts like a ${format.toUpperCase()} file but cannot be decoded`, field);
  }
  if (metadata.width * metadata.height > settings.maxPixels) {
    throw new DocumentImageError('too_many_pixels', `${field} must have at most ${settings.maxPixels} pixels (got ${metadata.width} x ${metadata.height})`, field);
  }
  // The header can be intact over a truncated body: decode it all once, cheaply, to be sure.
  try {
    await sharp(image, { limitInputPixels: settings.maxPixels, failOn: 'truncated' }).resize(64).raw().toBuffer();
  } catch {
    throw new DocumentImageError('corrupt_image', `${field} is a damaged ${format.toUpperCase()} file (it does not decode to the end)`, field);
  }
  return { format, width: metadata.width, height: metadata.height, orientation: metadata.orientation ?? 1 };
}
