import { z } from 'zod';

// Every threshold of the document check in one object. Defaults were tuned on the generated
// specimens (`npm run bench:documents` prints how they do); a deployment overrides any subset,
// e.g. from environment variables, and gets the rest from the defaults.

const probability = (fallback: number, description: string) => z.number().min(0).max(1).default(fallback).describe(description);
const positive = (fallback: number, description: string) => z.number().positive().default(fallback).describe(description);

export const documentCheckSettingsSchema = z.object({
  image: z
    .object({
      maxBytes: z.number().int().positive().default(15 * 1024 * 1024).describe('Largest image accepted, in bytes.'),
      maxPixels: z.number().int().positive().default(40_000_000).describe('Largest image accepted, in pixels (width x height).'),
      minLongSide: z.number().int().positive().default(900).describe('Below this many pixels on the long side the photo is too small to read: retake.'),
      minShortSide: z.number().int().positive().default(560).describe('Below this many pixels on the short side the photo is too small to read: retake.'),
      minSharpness: positive(30, 'Variance of the Laplacian (at a 1000-pixel working width, after light denoising) below which the photo is too blurred: retake.'),
    })
    .prefault({}),
  ela: z
    .object({
      lowQuality: z.number().int().min(30).max(95).default(70).describe('The lower JPEG quality the image is re-encoded at (also the heat map\'s).'),
      highQuality: z.number().int().min(50).max(100).default(95).describe('The higher JPEG quality the image is re-encoded at.'),
      blocksAcross: z.number().int().min(20).max(400).default(80).describe('Blocks along the long side of the photo whose error levels are compared (each a multiple of 8 pixels).'),
      regionZ: positive(2, 'Smoothed robust z-score from which a block belongs to a standing-out region.'),
      minRegionShare: probability(0.015, 'Share of all blocks a standing-out region needs before it counts (smaller ones are noise or edges).'),
      flagScore: positive(30, 'Region score (mean departure x square root of its blocks) from which the image is flagged for review.'),
      failScore: positive(40, 'Region score from which the image counts as tampered.'),
      heatMapWidth: z.number().int().min(100).max(4000).default(800).describe('Width of the heat map PNG, in pixels.'),
    })
    .prefault({}),
  ocr: z
    .object({
      nameMatch: probability(0.88, 'Name similarity from which a name matches.'),
      nameReview: probability(0.7, 'Name similarity from which a name that does not match goes to review rather than denial.'),
      fillerSimilarity: probability(0.75, 'Likeness to the "<" glyph from which a character cell of the machine-readable zone is read as filler.'),
      minMrzConfidence: z.number().min(0).max(100).default(40).describe('Mean OCR confidence of the machine-readable zone below which a failed check digit is put down to reading, not tampering.'),
      minVisualConfidence: z.number().min(0).max(100).default(80).describe('OCR confidence of a visual-zone value from which its disagreeing with the machine-readable zone counts as tampering rather than misreading.'),
      expiryGraceDays: z.number().int().min(0).default(0).describe('Days past its expiry date a document is still accepted.'),
    })
    .prefault({}),
  metadata: z
    .object({
      missingCameraData: z.enum(['success', 'flag for review']).default('flag for review').describe('Check status when the image carries no camera make and model.'),
      maxEditDelaySeconds: z.number().int().min(0).default(300).describe('Longest gap between the capture date and the modification date before the image counts as edited later.'),
      editorSoftware: z
        .array(z.string())
        .default(['photoshop', 'gimp', 'paint.net', 'paintshop', 'pixelmator', 'affinity', 'lightroom', 'canva', 'snapseed', 'picsart', 'photopea', 'fotor', 'krita', 'corel', 'inkscape', 'imagemagick', 'graphicsmagick', 'facetune', 'luminar', 'capture one', 'acdsee', 'photoscape', 'befunky'])
        .describe('Lower-case fragments of software names that mark an image as edited.'),
    })
    .prefault({}),
});

export type DocumentCheckSettings = z.infer<typeof documentCheckSettingsSchema>;
export type DocumentCheckSettingsInput = z.input<typeof documentCheckSettingsSchema>;

export const DEFAULT_DOCUMENT_CHECK_SETTINGS: DocumentCheckSettings = documentCheckSettingsSchema.parse({});

/** The settings under a service's own limits on every image it takes in (bytes, pixels), whatever the thresholds' overrides say. */
export function withImageLimits(settings: DocumentCheckSettings, limits: Pick<DocumentCheckSettings['image'], 'maxBytes' | 'maxPixels'>): DocumentCheckSettings {
  return { ...settings, image: { ...settings.image, ...limits } };
}

/** Overrides read from configuration (a JSON object), over the defaults; a bad value names `variable` and the setting's path. */
export function documentCheckSettingsFrom(overrides: unknown, variable: string): DocumentCheckSettings {
  const parsed = documentCheckSettingsSchema.safeParse(overrides);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${variable}.${issue.path.join('.')}: ${issue.message}`);
  throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
}
