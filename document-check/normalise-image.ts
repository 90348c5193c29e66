import sharp from 'sharp';
import { DocumentImageError } from './errors';
import { acceptImage, type ImageFormat } from './image-input';
import { estimateJpegQuality, readJpegStructure } from './jpeg-structure';
import { readMetadataFacts, type MetadataFacts } from './metadata-check';
import type { DocumentCheckSettings } from './settings';

// The copy of an upload that is kept: the picture decoded and encoded again, so that nothing but
// the image is stored (bytes after its end, other files appended to it, metadata segments of any
// size). What the checks read of the original is carried over:
// - the metadata check's facts (camera make and model, capture and modification dates, software
//   names from every place it looks) as a few EXIF tags, read back the same way by the check;
// - the EXIF orientation, left as a tag (the pixels are not turned, so JPEG blocks stay on their grid);
// - for a JPEG, its compression: encoded again at the quality its tables say and with its chroma
//   sampling, which keeps error level analysis's evidence (a re-encode at the same tables changes
//   almost nothing) and the quality the check reports. A PNG is lossless either way.

export interface NormalisedImage {
  image: Buffer;
  format: ImageFormat;
  width: number;
  height: number;
}

// Longer than any camera or editor writes: past these the upload is refused rather than cut, since a
// cut could drop the editor's name the check looks for.
const MAX_TAG_CHARACTERS = 256;
const MAX_SOFTWARE_CHARACTERS = 1024;
// When a JPEG's tables say nothing usable (a quality the IJG scale does not describe).
const FALLBACK_JPEG_QUALITY = 92;

const exifDateOf = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, ':');

// EXIF text is ASCII (the encoder would drop other characters, and could empty a value); markup
// is no one's software name, and would only carry a page along in the copy.
const ascii = (value: string) => value.replace(/[^\x20-\x7e]|[<>]/g, '?');

// libvips reads a text value as "<value> (<type>, <count> ...)", the way it prints them, and cuts a
// last parenthesised part off: a value must be written in that form to keep one of its own ("(Windows)").
const exifText = (value: string) => {
  const text = ascii(value);
  return `${text} (ASCII, ${text.length + 1} components, ${text.length + 1} bytes)`;
};

function exifOf(facts: MetadataFacts, field: string): sharp.Exif {
  const software = facts.software.join('; ');
  const long = [facts.make, facts.model].some((value) => (value?.length ?? 0) > MAX_TAG_CHARACTERS) || software.length > MAX_SOFTWARE_CHARACTERS;
  if (long) {
    throw new DocumentImageError('metadata_too_large', `${field} carries more metadata than a camera or editor writes (make and model at most ${MAX_TAG_CHARACTERS} characters, software names ${MAX_SOFTWARE_CHARACTERS})`, field);
  }
  const ifd0: Record<string, string> = {};
  if (facts.make) ifd0.Make = exifText(facts.make);
  if (facts.model) ifd0.Model = exifText(facts.model);
  if (software) ifd0.Software = exifText(software);
  if (facts.modified) ifd0.DateTime = exifDateOf(facts.modified);
  return { IFD0: ifd0, ...(facts.captured ? { IFD2: { DateTimeOriginal: exifDateOf(facts.captured) } } : {}) };
}

/** Checks the upload as acceptImage does, then answers the copy to keep; throws DocumentImageError naming `field` and the rule. */
export async function normaliseImage(original: Buffer, limits: Pick<DocumentCheckSettings['image'], 'maxBytes' | 'maxPixels'>, field = 'file'): Promise<NormalisedImage> {
  const accepted = await acceptImage(original, limits, field);
  const structure = accepted.format === 'jpeg' ? readJpegStructure(original) : null;
  const facts = await readMetadataFacts(original, structure);
  if (!facts) throw new DocumentImageError('metadata_unreadable', `${field} has damaged metadata (EXIF or XMP) that cannot be read: send the photo as the camera saved it`, field);
  // sharp writes no metadata of the input but the orientation, and the tags given here.
  const pipeline = sharp(original, { limitInputPixels: limits.maxPixels, failOn: 'truncated' }).withExif(exifOf(facts, field));
  let image: Buffer;
  if (accepted.format === 'jpeg') {
    const { chromaSubsampling } = await sharp(original, { limitInputPixels: false }).metadata();
    const quality = (structure && estimateJpegQuality(structure)) ?? FALLBACK_JPEG_QUALITY;
    image = await pipeline.jpeg({ quality, chromaSubsampling: chromaSubsampling === '4:4:4' ? '4:4:4' : '4:2:0' }).toBuffer();
  } else {
    image = await pipeline.png().toBuffer();
  }
  return { image, format: accepted.format, width: accepted.width, height: accepted.height };
}
