import exifr from 'exifr';
import type { ImageFormat } from './image-input';
import type { JpegStructure } from './jpeg-structure';
import type { Finding, MetadataDetails } from './schemas';
import type { DocumentCheckSettings } from './settings';

// What the file says about where it came from: EXIF (camera make and model, capture and
// modification dates, the Software tag), XMP (the creator tool, the edit history's agents), PNG text
// chunks and JPEG comments. An editor naming itself is evidence of editing; missing camera data or
// dates that disagree are reasons to look closer, not proof.

type Tags = Record<string, unknown>;

// EXIF dates carry no time zone: they are compared as wall-clock times (read as if UTC).
function exifDate(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value.trim());
  if (!match) return null;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6])));
  return Number.isNaN(date.getTime()) ? null : date;
}

function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.replace(/\0+$/, '').trim();
  return trimmed || null;
}

// Software names anywhere they are written, XMP's edit history included.
function softwareNames(tags: Tags, structure: JpegStructure | null): string[] {
  const names = new Set<string>();
  for (const key of ['Software', 'ProcessingSoftware', 'CreatorTool', 'Comment', 'Description']) {
    const value = text(tags[key]);
    if (value) names.add(value);
  }
  const visit = (value: unknown, depth: number): void => {
    if (depth > 4 || value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (/softwareagent/i.test(key) && text(inner)) names.add(text(inner)!);
      else visit(inner, depth + 1);
    }
  };
  visit(tags, 0);
  for (const comment of structure?.comments ?? []) if (text(comment)) names.add(text(comment)!);
  return [...names];
}

async function readTags(image: Buffer): Promise<Tags | null> {
  const parsed: unknown = await exifr.parse(image, {
    tiff: true,
    exif: true,
    gps: false,
    interop: false,
    ifd1: false,
    xmp: true,
    iptc: true,
    icc: false,
    jfif: false,
    ihdr: true,
    makerNote: false,
    userComment: false,
    mergeOutput: true,
    reviveValues: false,
  });
  return parsed && typeof parsed === 'object' ? (parsed as Tags) : null;
}

const DAY_MS = 86_400_000;

/** What the metadata check reads of a file; normalise-image.ts keeps exactly this in the copy it stores. */
export interface MetadataFacts {
  make: string | null;
  model: string | null;
  /** Software names, wherever the file writes them (EXIF, XMP and its edit history, PNG text, JPEG comments). */
  software: string[];
  captured: Date | null;
  modified: Date | null;
}

function factsOf(tags: Tags, structure: JpegStructure | null): MetadataFacts {
  return {
    make: text(tags.Make),
    model: text(tags.Model),
    software: softwareNames(tags, structure),
    captured: exifDate(tags.DateTimeOriginal) ?? exifDate(tags.CreateDate),
    modified: exifDate(tags.ModifyDate),
  };
}

/** The facts, or null when the file's metadata is damaged and cannot be read. */
export async function readMetadataFacts(image: Buffer, structure: JpegStructure | null): Promise<MetadataFacts | null> {
  try {
    return factsOf((await readTags(image)) ?? {}, structure);
  } catch {
    return null;
  }
}

export async function checkMetadata(image: Buffer, format: ImageFormat, structure: JpegStructure | null, settings: DocumentCheckSettings['metadata'], now: Date): Promise<MetadataDetails> {
  const findings: Finding[] = [];
  let facts = await readMetadataFacts(image, structure);
  if (!facts) {
    findings.push({ code: 'metadata_unreadable', status: 'flag for review', message: 'The image metadata is damaged and could not be read.' });
    facts = factsOf({}, structure);
  }
  const { make, model, software, captured, modified } = facts;

  const editors = software.filter((name) => settings.editorSoftware.some((fragment) => name.toLowerCase().includes(fragment.toLowerCase())));
  if (editors.length) {
    findings.push({ code: 'editing_software', status: 'fail', message: `The image was saved by image-editing software (${editors.join('; ')}).` });
  }
  if (!make && !model && settings.missingCameraData !== 'success') {
    findings.push({ code: 'camera_data_missing', status: settings.missingCameraData, message: 'The image carries no camera make or model: it may not be an original photo.' });
  }
  if ((make || model) && !captured) {
    findings.push({ code: 'capture_date_missing', status: 'flag for review', message: 'The camera metadata has no capture date.' });
  }
  if (captured && captured.getTime() > now.getTime() + DAY_MS) {
    findings.push({ code: 'capture_date_in_future', status: 'flag for review', message: 'The capture date is in the future.' });
  }
  if (captured && modified) {
    const gapSeconds = (modified.getTime() - captured.getTime()) / 1000;
    if (gapSeconds > settings.maxEditDelaySeconds) {
      findings.push({ code: 'modified_after_capture', status: 'flag for review', message: `The image was modified ${Math.round(gapSeconds / 60)} minutes after it was taken.` });
    } else if (gapSeconds < -settings.maxEditDelaySeconds) {
      findings.push({ code: 'dates_inconsistent', status: 'flag for review', message: 'The modification date is before the capture date.' });
    }
  }

  const status = findings.some((finding) => finding.status === 'fail') ? 'fail' : findings.length ? 'flag for review' : 'success';
  return {
    status,
    found: {
      format,
      make,
      model,
      software,
      capturedAt: captured ? captured.toISOString() : null,
      modifiedAt: modified ? modified.toISOString() : null,
    },
    findings,
  };
}
