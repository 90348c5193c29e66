// needs: fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ZodError } from 'zod';
import {
  checkDocument,
  DocumentImageError,
  documentCheckResultSchema,
  OcrPool,
  OcrPoolClosedError,
  toVerifyResponse,
  verifyFormSchema,
  verifyResponseSchema,
  type DocumentCheckResult,
} from '../../document-check';
import { generateSpecimen, type Specimen, type SpecimenKind, type SpecimenVariant } from '../../document-check/specimens';

// The engine on generated documents (scripts/ensure-fonts.sh provides their fonts): each kind of
// forgery and of bad photo, decided by the real OCR, metadata and error level analysis.

const NOW = new Date('2026-03-01T12:00:00Z');
const pool = new OcrPool({ size: 2 });
const cases: Array<[SpecimenKind, SpecimenVariant]> = [
  ['passport', 'genuine'],
  ['id_card', 'genuine'],
  ['passport', 'pasted_photo'],
  ['id_card', 'edited_visual_text'],
  ['passport', 'edited_mrz'],
  ['id_card', 'editor_software'],
  ['passport', 'mismatch'],
  ['id_card', 'expired'],
  ['passport', 'blurred'],
  ['id_card', 'tiny'],
];
const checked = new Map<string, { specimen: Specimen; result: DocumentCheckResult }>();
const key = (kind: SpecimenKind, variant: SpecimenVariant) => `${kind}/${variant}`;

function outcome(kind: SpecimenKind, variant: SpecimenVariant) {
  const found = checked.get(key(kind, variant));
  assert.ok(found, `${key(kind, variant)} was checked`);
  return found;
}

const codes = (result: DocumentCheckResult) => [
  ...result.details.ocr.findings,
  ...result.details.metadata.findings,
  ...result.details.image_integrity.findings,
].map((finding) => `${finding.code}:${finding.status}`);

let askew: { specimen: Specimen; result: DocumentCheckResult } | undefined;

before(async () => {
  // Checked concurrently (two OCR workers), asserted one by one below.
  await Promise.all([
    ...cases.map(async ([kind, variant]) => {
      const specimen = await generateSpecimen({ kind, variant, seed: 11, now: NOW });
      const result = await checkDocument(specimen.image, specimen.submission, { ocr: pool, now: NOW });
      checked.set(key(kind, variant), { specimen, result });
    }),
    (async () => {
      const specimen = await generateSpecimen({ kind: 'id_card', seed: 12, now: NOW, skewDegrees: -1.5 });
      askew = { specimen, result: await checkDocument(specimen.image, specimen.submission, { ocr: pool, now: NOW }) };
    })(),
  ]);
});

after(() => pool.terminate());

describe('document check decisions', () => {
  test('when a genuine passport matches the submission, then it is accepted with every check passing', () => {
    const { result, specimen } = outcome('passport', 'genuine');
    assert.equal(result.decision, 'accept', result.reason);
    assert.deepEqual(result.checks, { ocr: 'success', metadata: 'success', image_integrity: 'success' });
    assert.equal(result.details.ocr.mrz?.format, 'TD3');
    assert.deepEqual(result.details.ocr.mrz?.lines, specimen.mrz);
    assert.equal(result.details.ocr.visualZone.dateOfBirth, specimen.holder.dateOfBirth);
  });

  test('when a genuine identity card matches the submission, then it is accepted and its three-line zone read exactly', () => {
    const { result, specimen } = outcome('id_card', 'genuine');
    assert.equal(result.decision, 'accept', result.reason);
    assert.equal(result.details.ocr.mrz?.format, 'TD1');
    assert.deepEqual(result.details.ocr.mrz?.lines, specimen.mrz);
    assert.ok(result.details.ocr.comparisons.every((comparison) => comparison.outcome !== 'mismatch'));
  });

  test('when a genuine card is photographed askew, then its zone is levelled, read exactly, and it is accepted', () => {
    assert.ok(askew);
    assert.equal(askew.result.decision, 'accept', askew.result.reason);
    assert.deepEqual(askew.result.details.ocr.mrz?.lines, askew.specimen.mrz);
  });

  test('when a photo from another JPEG is pasted over the portrait, then error level analysis finds a region there and denies', () => {
    const { result } = outcome('passport', 'pasted_photo');
    assert.equal(result.decision, 'deny', result.reason);
    assert.equal(result.checks.image_integrity, 'fail');
    const [region] = result.details.image_integrity.ela.regions;
    assert.ok(region, 'a region stands out');
    // The portrait of a generated passport spans x 60-360, y 165-555.
    const overlapX = Math.min(region.x + region.width, 360) - Math.max(region.x, 60);
    const overlapY = Math.min(region.y + region.height, 555) - Math.max(region.y, 165);
    assert.ok(overlapX > 200 && overlapY > 250, JSON.stringify(region));
    assert.equal(result.checks.metadata, 'success', 'the forger kept the camera metadata');
  });

  test('when the surname in the visual zone is painted over, then it disagrees with the zone below and is denied', () => {
    const { result } = outcome('id_card', 'edited_visual_text');
    assert.equal(result.decision, 'deny', result.reason);
    assert.equal(result.checks.ocr, 'fail');
    assert.ok(codes(result).includes('visual_zone_inconsistent:fail') || codes(result).includes('submission_name_mismatch:fail'), codes(result).join());
  });

  test('when a birth date in the machine-readable zone is altered, then its check digit fails and it is denied', () => {
    const { result } = outcome('passport', 'edited_mrz');
    assert.equal(result.decision, 'deny', result.reason);
    assert.ok(codes(result).includes('mrz_check_failed:fail'), codes(result).join());
    assert.ok(result.details.ocr.mrz?.invalidFields.some((entry) => entry.field === 'birthDateCheckDigit'));
  });

  test('when an image editor re-saved the photo, then the metadata names it and the document is denied', () => {
    const { result } = outcome('id_card', 'editor_software');
    assert.equal(result.decision, 'deny', result.reason);
    assert.equal(result.checks.metadata, 'fail');
    assert.ok(result.details.metadata.found.software.some((name) => name.includes('Photoshop')));
    assert.ok(codes(result).includes('modified_after_capture:flag for review'), codes(result).join());
  });

  test('when the submission is someone else\'s, then the comparison fails and it is denied', () => {
    const { result } = outcome('passport', 'mismatch');
    assert.equal(result.decision, 'deny', result.reason);
    assert.ok(codes(result).includes('submission_date_of_birth_mismatch:fail'), codes(result).join());
    assert.ok(codes(result).includes('submission_id_number_mismatch:fail'), codes(result).join());
  });

  test('when the document has expired, then it is denied', () => {
    const { result } = outcome('id_card', 'expired');
    assert.equal(result.decision, 'deny', result.reason);
    assert.equal(result.details.ocr.expired, true);
    assert.ok(codes(result).includes('document_expired:fail'));
  });

  test('when the photo is blurred, then a retake is asked for instead of a decision on it', () => {
    const { result } = outcome('passport', 'blurred');
    assert.equal(result.decision, 'flag for review');
    assert.equal(result.retake, true);
    assert.match(result.reason, /^Retake required/);
    assert.equal(result.details.image_integrity.blur.sufficient, false);
    assert.equal(result.details.ocr.performed, false);
  });

  test('when the photo is tiny, then a retake is asked for', () => {
    const { result } = outcome('id_card', 'tiny');
    assert.equal(result.decision, 'flag for review');
    assert.equal(result.retake, true);
    assert.equal(result.details.image_integrity.resolution.sufficient, false);
  });

  test('when any result is produced, then it fits the schema and the API answer carries the heat map as a PNG', async () => {
    for (const { result } of checked.values()) documentCheckResultSchema.parse(result);
    const { result } = outcome('passport', 'pasted_photo');
    const response = verifyResponseSchema.parse(toVerifyResponse(result, { includeDetails: true }));
    const png = Buffer.from(response.verification_result.details!.image_integrity.heatMapPng, 'base64');
    const heatMap = await sharp(png).metadata();
    assert.equal(heatMap.format, 'png');
    assert.equal(heatMap.width, 800, 'the default heat map width');
    const lean = verifyResponseSchema.parse(toVerifyResponse(result, { includeDetails: false }));
    assert.equal(lean.verification_result.details, undefined);
    assert.deepEqual(Object.keys(lean.verification_result.checks).sort(), ['image_integrity', 'metadata', 'ocr']);
  });
});

describe('document check input', () => {
  const submission = { fullName: 'Amara Okafor', dateOfBirth: '1990-04-12', nationality: 'NL', idNumber: 'BX8402197' };

  async function refusal(image: unknown): Promise<DocumentImageError> {
    try {
      await checkDocument(image as Buffer, submission, { ocr: pool, now: NOW });
    } catch (error) {
      assert.ok(error instanceof DocumentImageError, String(error));
      return error;
    }
    assert.fail('the image was not refused');
  }

  test('when the upload is text, empty or not a buffer, then it is refused as not an image, naming the field', async () => {
    for (const input of [Buffer.from('%!this is not an image at all'), Buffer.alloc(0), 'a string']) {
      const error = await refusal(input);
      assert.equal(error.code, 'not_an_image');
      assert.equal(error.field, 'id_image');
    }
  });

  test('when the upload is another image type, then it is refused naming the type', async () => {
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).gif().toBuffer();
    const error = await refusal(gif);
    assert.equal(error.code, 'unsupported_image_type');
    assert.match(error.message, /GIF/);
  });

  test('when a JPEG is cut short or has a broken header, then it is refused as corrupt', async () => {
    const { image } = await generateSpecimen({ kind: 'passport', seed: 3, now: NOW });
    assert.equal((await refusal(image.subarray(0, Math.floor(image.length / 2)))).code, 'corrupt_image');
    assert.equal((await refusal(Buffer.concat([image.subarray(0, 3), Buffer.alloc(200, 7)]))).code, 'corrupt_image');
  });

  test('when the image is larger than allowed, then it is refused as too large', async () => {
    const { image } = await generateSpecimen({ kind: 'passport', seed: 3, now: NOW });
    try {
      await checkDocument(image, submission, { ocr: pool, now: NOW, settings: { image: { maxBytes: 1000 } } });
      assert.fail('not refused');
    } catch (error) {
      assert.ok(error instanceof DocumentImageError);
      assert.equal(error.code, 'image_too_large');
    }
  });

  test('when the submission breaks its rules, then the error names each field and rule', async () => {
    const { image } = await generateSpecimen({ kind: 'passport', seed: 3, now: NOW });
    await assert.rejects(
      checkDocument(image, { fullName: '', dateOfBirth: '1990-02-30', nationality: 'XX', idNumber: 'AB$1' }, { ocr: pool, now: NOW }),
      (error: unknown) => {
        assert.ok(error instanceof ZodError);
        const fields = error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
        assert.ok(fields.some((line) => line.startsWith('fullName:')), fields.join('\n'));
        assert.ok(fields.some((line) => line === 'dateOfBirth: dateOfBirth must be a real calendar date'), fields.join('\n'));
        assert.ok(fields.some((line) => line.startsWith('nationality:') && line.includes('ISO 3166-1')), fields.join('\n'));
        assert.ok(fields.some((line) => line.startsWith('idNumber:')), fields.join('\n'));
        return true;
      },
    );
  });

  test('when the contract\'s form gives a day-first date, then it becomes the submission\'s ISO date', () => {
    const parsed = verifyFormSchema.parse({ full_name: 'Amara Okafor', dob: '12-04-1990', nationality: 'nld', id_number: 'BX8402197' });
    assert.deepEqual(parsed, { fullName: 'Amara Okafor', dateOfBirth: '1990-04-12', nationality: 'NLD', idNumber: 'BX8402197' });
  });

  test('when an editor saved a PNG, then its text chunk is found and the metadata check fails', async () => {
    const specimen = await generateSpecimen({ kind: 'passport', variant: 'editor_software', format: 'png', seed: 5, now: NOW });
    const result = await checkDocument(specimen.image, specimen.submission, { ocr: pool, now: NOW });
    assert.equal(result.details.metadata.found.format, 'png');
    assert.ok(result.details.metadata.found.software.some((name) => name.includes('Photoshop')), JSON.stringify(result.details.metadata.found));
    assert.equal(result.checks.metadata, 'fail');
    assert.equal(result.decision, 'deny');
  });
});

describe('OCR worker pool', () => {
  test('when more pages than workers arrive, then they wait their turn; once terminated, the pool refuses work', async () => {
    const small = new OcrPool({ size: 1 });
    const page = await sharp({
      create: { width: 600, height: 120, channels: 3, background: '#ffffff' },
    })
      .composite([{ input: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="120"><text x="20" y="75" font-family="DejaVu Sans" font-size="40">SPECIMEN 1234</text></svg>') }])
      .png()
      .toBuffer();
    const [first, second] = await Promise.all([small.recognize(page, 'text'), small.recognize(page, 'mrz')]);
    assert.match(first.lines.map((line) => line.text).join(' '), /SPECIMEN 1234/);
    // The zone mode reads only the zone's alphabet.
    assert.match(second.lines.map((line) => line.text.replace(/\s+/g, '')).join(''), /^[A-Z0-9<]+$/);
    await small.terminate();
    await assert.rejects(small.recognize(page, 'text'), OcrPoolClosedError);
  });
});
