// needs: fonts
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { acceptImage, DocumentImageError, normaliseImage } from '../../document-check';
import { checkImageIntegrity } from '../../document-check/image-integrity-check';
import { readJpegStructure } from '../../document-check/jpeg-structure';
import { checkMetadata } from '../../document-check/metadata-check';
import { DEFAULT_DOCUMENT_CHECK_SETTINGS as SETTINGS } from '../../document-check/settings';
import { generateSpecimen, type SpecimenOptions } from '../../document-check/specimens';

// The copy of an upload that is kept (document-check/normalise-image.ts): only the picture, and
// everything the metadata and image-integrity checks read of the original, so that the check of
// the stored copy comes to what the check of the original would have.

const NOW = new Date('2026-03-01T12:00:00Z');
const LIMITS = { maxBytes: 15 * 1024 * 1024, maxPixels: 25_000_000 };
const JPEG_END = Buffer.from([0xff, 0xd9]);

async function checksOf(image: Buffer) {
  const accepted = await acceptImage(image, SETTINGS.image);
  const structure = accepted.format === 'jpeg' ? readJpegStructure(image) : null;
  const metadata = await checkMetadata(image, accepted.format, structure, SETTINGS.metadata, NOW);
  const { heatMap: _heatMap, ...integrity } = await checkImageIntegrity(image, accepted, structure, SETTINGS);
  return { accepted, metadata, integrity };
}

async function refusal(image: Buffer, limits = LIMITS): Promise<DocumentImageError> {
  try {
    await normaliseImage(image, limits, 'file');
  } catch (error) {
    assert.ok(error instanceof DocumentImageError, String(error));
    return error;
  }
  assert.fail('not refused');
}

describe('the kept copy of an upload', () => {
  const specimens: Array<[string, SpecimenOptions]> = [
    ['a genuine passport (JPEG)', { kind: 'passport', variant: 'genuine', seed: 21 }],
    ['a pasted photo (JPEG)', { kind: 'passport', variant: 'pasted_photo', seed: 21 }],
    ['an editor-saved ID card (JPEG)', { kind: 'id_card', variant: 'editor_software', seed: 21 }],
    ['an editor-saved passport (PNG)', { kind: 'passport', variant: 'editor_software', format: 'png', seed: 21 }],
  ];
  for (const [name, options] of specimens) {
    test(`when ${name} is kept, then its metadata and integrity checks come to what the original's do`, async () => {
      const { image } = await generateSpecimen({ ...options, now: NOW });
      const kept = await normaliseImage(image, LIMITS);
      const [original, copy] = await Promise.all([checksOf(image), checksOf(kept.image)]);
      assert.equal(kept.format, original.accepted.format);
      assert.deepEqual([kept.width, kept.height], [original.accepted.width, original.accepted.height]);
      // Several software names become one tag, read back as one name joined by "; ".
      assert.deepEqual({ ...copy.metadata.found, software: copy.metadata.found.software.join('; ') }, { ...original.metadata.found, software: original.metadata.found.software.join('; ') });
      assert.deepEqual(copy.metadata.findings, original.metadata.findings);
      assert.equal(copy.metadata.status, original.metadata.status);
      assert.equal(copy.integrity.status, original.integrity.status);
      assert.deepEqual(copy.integrity.findings.map((finding) => finding.code), original.integrity.findings.map((finding) => finding.code));
      assert.equal(copy.integrity.ela.sourceQuality, original.integrity.ela.sourceQuality);
      assert.ok(Math.abs(copy.integrity.ela.score - original.integrity.ela.score) <= 2, `error level score ${original.integrity.ela.score} -> ${copy.integrity.ela.score}`);
    });
  }

  test('when 9.5 MB of bytes follow the end of a JPEG, then the kept copy ends with the picture', async () => {
    const { image } = await generateSpecimen({ kind: 'passport', seed: 22, now: NOW });
    const padded = Buffer.concat([image, Buffer.alloc(9.5 * 1024 * 1024, 0x41)]);
    const kept = await normaliseImage(padded, LIMITS);
    assert.ok(kept.image.length < image.length * 1.1, `kept ${kept.image.length} bytes of an image of ${image.length}`);
    assert.deepEqual(kept.image.subarray(-2), JPEG_END);
    assert.equal(kept.image.indexOf(Buffer.alloc(64, 0x41)), -1);
  });

  test('when an HTML page is appended to a JPEG or hidden in its comment, then the kept copy holds none of it', async () => {
    const { image } = await generateSpecimen({ kind: 'id_card', seed: 22, now: NOW });
    const page = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>');
    const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, page.length + 2]), page]);
    const polyglot = Buffer.concat([image.subarray(0, 2), comment, image.subarray(2), page]);
    const kept = await normaliseImage(polyglot, LIMITS);
    assert.equal(kept.image.indexOf('<html'), -1);
    assert.equal(kept.image.indexOf('<script'), -1);
    assert.deepEqual(kept.image.subarray(-2), JPEG_END);
  });

  test('when a photo is turned by its EXIF orientation, then the copy keeps the tag and the pixels as they were', async () => {
    const turned = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#a0a0a0' } })
      .withExif({ IFD0: { Make: 'Google', Model: 'Pixel 7' } })
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 90 })
      .toBuffer();
    const kept = await normaliseImage(turned, LIMITS);
    const metadata = await sharp(kept.image).metadata();
    assert.equal(metadata.orientation, 6);
    assert.deepEqual([metadata.width, metadata.height], [1200, 800]);
    assert.equal(metadata.icc, undefined, 'no profile was added');
  });

  test('when a small PNG decodes to more pixels than allowed, then it is refused naming the pixel rule', async () => {
    const huge = await sharp({ create: { width: 6000, height: 6000, channels: 3, background: '#ffffff' } }).png({ compressionLevel: 9 }).toBuffer();
    assert.ok(huge.length < 200 * 1024, `the file is ${huge.length} bytes`);
    const error = await refusal(huge);
    assert.equal(error.code, 'too_many_pixels');
    assert.equal(error.field, 'file');
    assert.match(error.message, /at most 25000000 pixels/);
  });

  test('when the camera data is longer than any camera writes, then the upload is refused naming the rule', async () => {
    const bloated = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#a0a0a0' } })
      .withExif({ IFD0: { Make: 'M'.repeat(2000), Model: 'Pixel 7' } })
      .jpeg()
      .toBuffer();
    assert.equal((await refusal(bloated)).code, 'metadata_too_large');
  });
});
