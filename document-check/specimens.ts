import { crc32 } from 'node:zlib';
import { whereAlpha2, whereAlpha3 } from 'iso-3166-1';
import sharp from 'sharp';
import { idCardMrz, passportMrz, type MrzHolder } from './mrz-compose';
import type { DocumentSubmission } from './schemas';

// Synthetic identity documents for tests, the benchmark and the Veriff simulator's media: a
// passport data page (TD3) or both sides of an identity card (TD1) drawn as SVG (OCR-B machine-
// readable zone, a drawn placeholder portrait: no photo of anyone), "photographed" (lighting,
// sensor noise, a camera's JPEG and EXIF), then altered the way forgers and bad uploads alter them.
// Everything follows from the seed, so a specimen can be generated again byte for byte.
// Needs the fonts of scripts/ensure-fonts.sh (OCR B, DejaVu Sans).

export type SpecimenKind = 'passport' | 'id_card';

export const SPECIMEN_VARIANTS = [
  'genuine',
  // A different portrait pasted over the holder's.
  'pasted_photo',
  // The surname in the visual zone painted over with another one; the zone below still tells the truth.
  'edited_visual_text',
  // Digits of the birth date changed in the machine-readable zone without recomputing its check digit.
  'edited_mrz',
  // Re-saved by an image editor, which names itself in the metadata.
  'editor_software',
  // A genuine document submitted with someone else's details.
  'mismatch',
  'expired',
  // Too blurred to read.
  'blurred',
  // Too small to read.
  'tiny',
] as const;
export type SpecimenVariant = (typeof SPECIMEN_VARIANTS)[number];

export type ExpectedDecision = 'accept' | 'deny' | 'flag for review';

// What a correct engine decides for each variant (the benchmark's labels).
export const EXPECTED_DECISIONS: Record<SpecimenVariant, ExpectedDecision> = {
  genuine: 'accept',
  pasted_photo: 'deny',
  edited_visual_text: 'deny',
  edited_mrz: 'deny',
  editor_software: 'deny',
  mismatch: 'deny',
  expired: 'deny',
  blurred: 'flag for review',
  tiny: 'flag for review',
};

export interface SpecimenOptions {
  kind: SpecimenKind;
  variant?: SpecimenVariant;
  seed?: number;
  // The instant the document is photographed; expiry dates are placed around it.
  now?: Date;
  // PNG files carry an editor's name in a text chunk instead of EXIF.
  format?: 'jpeg' | 'png';
  // The page photographed askew, by this many degrees (clockwise), on a grey desk. Only for the
  // variants that paint nothing over the page (their patches follow the level layout).
  skewDegrees?: number;
  // A given person instead of a drawn one (the Veriff simulator shows the session's applicant);
  // what is left out is drawn from the seed. Nationality: ISO alpha-2 or alpha-3.
  person?: SpecimenPerson;
}

export interface SpecimenPerson {
  givenNames?: string;
  surname?: string;
  dateOfBirth?: string;
  documentNumber?: string;
  nationality?: string;
}

const PAINTED_VARIANTS: readonly SpecimenVariant[] = ['pasted_photo', 'edited_visual_text', 'edited_mrz'];

export interface Specimen {
  kind: SpecimenKind;
  variant: SpecimenVariant;
  image: Buffer;
  // The holder as the machine-readable zone states it.
  holder: MrzHolder;
  mrz: string[];
  // What an applicant presenting this image would submit.
  submission: DocumentSubmission;
  expectedDecision: ExpectedDecision;
}

interface Country {
  mrz: string;
  iso2: string;
  name: string;
}

const COUNTRIES: readonly Country[] = [
  { mrz: 'NLD', iso2: 'NL', name: 'KINGDOM OF THE NETHERLANDS' },
  { mrz: 'SWE', iso2: 'SE', name: 'KINGDOM OF SWEDEN' },
  { mrz: 'D', iso2: 'DE', name: 'FEDERAL REPUBLIC OF GERMANY' },
  { mrz: 'BWA', iso2: 'BW', name: 'REPUBLIC OF BOTSWANA' },
  { mrz: 'CAN', iso2: 'CA', name: 'CANADA' },
  { mrz: 'IRL', iso2: 'IE', name: 'IRELAND' },
  { mrz: 'NZL', iso2: 'NZ', name: 'NEW ZEALAND' },
  { mrz: 'FIN', iso2: 'FI', name: 'REPUBLIC OF FINLAND' },
];

const SURNAMES = ['Lindqvist', 'Okafor', 'Brennan', 'Vermeulen', 'Castillo', 'Haddad', 'Moreau', 'Tanaka', 'Kowalczyk', 'Mensah', 'Sorensen', 'Ferreira', 'Novak', 'Achterberg', 'Delacroix-Young', 'Whitfield'];
const GIVEN_NAMES = ['Amara', 'Jonas', 'Priya', 'Mateo', 'Ingrid', 'Tobias', 'Leila', 'Samuel', 'Noor', 'Elena', 'Kwame', 'Sofia', 'Henrik', 'Maeve', 'Ravi', 'Clara'];
const CAMERAS = [
  { Make: 'Google', Model: 'Pixel 7', Software: 'HDR+ 1.0.540104767zd' },
  { Make: 'Apple', Model: 'iPhone 13', Software: '17.4.1' },
  { Make: 'samsung', Model: 'SM-A546B', Software: 'A546BXXU4BXB1' },
  { Make: 'Canon', Model: 'Canon EOS 250D', Software: 'Firmware Version 1.1.0' },
];
const EDITOR_SOFTWARE = 'Adobe Photoshop 25.4 (Windows)';

// Deterministic pseudo-random numbers (mulberry32): the same seed draws the same document.
class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  gaussian(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const dotted = (iso: string) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;

function drawHolder(random: Random, now: Date, expired: boolean): { holder: MrzHolder; country: Country } {
  const country = random.pick(COUNTRIES);
  const letters = 'ABCDEFGHJKLMNPRSTUVWXYZ';
  const documentNumber = `${random.pick([...letters])}${random.pick([...letters])}${String(random.int(0, 9_999_999)).padStart(7, '0')}`;
  const birth = new Date(Date.UTC(random.int(1950, 2004), random.int(0, 11), random.int(1, 28)));
  const expiryOffsetDays = expired ? -random.int(30, 1000) : random.int(200, 3000);
  return {
    country,
    holder: {
      surname: random.pick(SURNAMES),
      givenNames: random.next() < 0.3 ? `${random.pick(GIVEN_NAMES)} ${random.pick(GIVEN_NAMES)}` : random.pick(GIVEN_NAMES),
      documentNumber,
      issuingState: country.mrz,
      nationality: country.mrz,
      dateOfBirth: isoDay(birth),
      sex: random.pick(['M', 'F'] as const),
      dateOfExpiry: isoDay(new Date(now.getTime() + expiryOffsetDays * DAY_MS)),
    },
  };
}

// The person's country as the specimens name countries; one not in the list gets its ISO name.
function countryOf(code: string): Country | null {
  const upper = code.trim().toUpperCase();
  const known = COUNTRIES.find((country) => country.iso2 === upper || country.mrz === upper);
  if (known) return known;
  const iso = upper.length === 2 ? whereAlpha2(upper) : whereAlpha3(upper);
  return iso ? { mrz: iso.alpha3, iso2: iso.alpha2, name: iso.country.toUpperCase() } : null;
}

function withPerson(drawn: { holder: MrzHolder; country: Country }, person: SpecimenPerson | undefined): { holder: MrzHolder; country: Country } {
  if (!person) return drawn;
  const country = (person.nationality && countryOf(person.nationality)) || drawn.country;
  // The zone holds letters, digits and fillers only; a number the zone cannot hold keeps the drawn one.
  const documentNumber = person.documentNumber && /^[A-Za-z0-9]{1,9}$/.test(person.documentNumber) ? person.documentNumber.toUpperCase() : drawn.holder.documentNumber;
  const dateOfBirth = person.dateOfBirth && /^\d{4}-\d{2}-\d{2}$/.test(person.dateOfBirth) ? person.dateOfBirth : drawn.holder.dateOfBirth;
  return {
    country,
    holder: {
      ...drawn.holder,
      givenNames: person.givenNames?.trim() || drawn.holder.givenNames,
      surname: person.surname?.trim() || drawn.holder.surname,
      dateOfBirth,
      documentNumber,
      issuingState: country.mrz,
      nationality: country.mrz,
    },
  };
}

function submissionOf(holder: MrzHolder, country: Country, random: Random): DocumentSubmission {
  return {
    fullName: `${holder.givenNames} ${holder.surname}`,
    dateOfBirth: holder.dateOfBirth,
    // Applicants write either form.
    nationality: random.next() < 0.5 ? country.iso2 : country.mrz === 'D' ? 'DEU' : country.mrz,
    idNumber: holder.documentNumber,
  };
}

// ---- drawing ----------------------------------------------------------------------------------

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

// Where a specimen's parts are, so the tampered variants can paint over them.
interface Layout {
  width: number;
  height: number;
  portrait: Box;
  surnameValue: Box;
  mrzLines: Box[];
  mrzFontSize: number;
  mrzPitch: number;
  mrzLeft: number;
  valueFontSize: number;
  background: string;
  mrzBackground: string;
}

function guilloche(random: Random, box: Box, colour: string): string {
  const paths: string[] = [];
  const waves = 18;
  for (let wave = 0; wave < waves; wave += 1) {
    const amplitude = box.height / 10 + random.next() * box.height / 8;
    const period = box.width / (2 + random.next() * 3);
    const phase = random.next() * Math.PI * 2;
    const baseY = box.y + ((wave + 0.5) * box.height) / waves;
    const points: string[] = [];
    for (let x = box.x; x <= box.x + box.width; x += 12) {
      points.push(`${x.toFixed(0)},${(baseY + amplitude * Math.sin(((x - box.x) / period) * Math.PI * 2 + phase)).toFixed(1)}`);
    }
    paths.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="1.2" opacity="0.55"/>`);
  }
  return paths.join('');
}

// A drawn stand-in for a portrait photo: a head-and-shoulders silhouette on a plain backdrop.
function portraitSvg(random: Random, box: Box): string {
  const skins = ['#8d5524', '#c68642', '#e0ac69', '#f1c27d', '#ffdbac', '#5c3a1e'];
  const hairs = ['#1b1b1b', '#4a3222', '#a0522d', '#d6b36a', '#777777'];
  const clothes = ['#2f4f6f', '#6b2737', '#35533a', '#4b4b4b', '#7a5c2e'];
  const backdrops = ['#cfd8dc', '#d9e3ea', '#e6e1d6', '#d4dde0'];
  const cx = box.x + box.width / 2;
  const headY = box.y + box.height * (0.38 + random.next() * 0.04);
  const headRx = box.width * (0.2 + random.next() * 0.04);
  const headRy = headRx * (1.25 + random.next() * 0.1);
  const skin = random.pick(skins);
  const hair = random.pick(hairs);
  const eyeY = headY - headRy * 0.1;
  return [
    `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="${random.pick(backdrops)}"/>`,
    `<path d="M ${box.x + box.width * 0.08} ${box.y + box.height} Q ${cx} ${headY + headRy * 0.6} ${box.x + box.width * 0.92} ${box.y + box.height} Z" fill="${random.pick(clothes)}"/>`,
    `<rect x="${cx - headRx * 0.35}" y="${headY + headRy * 0.7}" width="${headRx * 0.7}" height="${headRy * 0.6}" fill="${skin}"/>`,
    `<ellipse cx="${cx}" cy="${headY - headRy * 0.25}" rx="${headRx * 1.08}" ry="${headRy * 0.85}" fill="${hair}"/>`,
    `<ellipse cx="${cx}" cy="${headY}" rx="${headRx}" ry="${headRy}" fill="${skin}"/>`,
    `<ellipse cx="${cx - headRx * 0.38}" cy="${eyeY}" rx="${headRx * 0.12}" ry="${headRy * 0.06}" fill="#2b2b2b"/>`,
    `<ellipse cx="${cx + headRx * 0.38}" cy="${eyeY}" rx="${headRx * 0.12}" ry="${headRy * 0.06}" fill="#2b2b2b"/>`,
    `<path d="M ${cx - headRx * 0.3} ${headY + headRy * 0.45} Q ${cx} ${headY + headRy * (0.5 + random.next() * 0.1)} ${cx + headRx * 0.3} ${headY + headRy * 0.45}" stroke="#6b3a3a" stroke-width="${headRx * 0.05}" fill="none"/>`,
  ].join('');
}

function mrzText(line: string, left: number, baseline: number, pitch: number, fontSize: number): string {
  const xs = [...line].map((_, index) => (left + index * pitch).toFixed(1)).join(' ');
  return `<text x="${xs}" y="${baseline}" font-family="OCR B" font-size="${fontSize}" fill="#111">${escapeXml(line)}</text>`;
}

interface VisualField {
  label: string;
  value: string;
}

function fieldColumn(fields: VisualField[], x: number, top: number, pitch: number, labelSize: number, valueSize: number): string {
  return fields
    .map(({ label, value }, index) => {
      const y = top + index * pitch;
      return `<text x="${x}" y="${y + labelSize}" font-family="DejaVu Sans" font-size="${labelSize}" fill="#3c4a5c">${escapeXml(label)}</text>` +
        `<text x="${x}" y="${y + labelSize + valueSize * 1.15}" font-family="DejaVu Sans" font-weight="bold" font-size="${valueSize}" fill="#111">${escapeXml(value)}</text>`;
    })
    .join('');
}

interface Drawing {
  svg: string;
  layout: Layout;
}

function drawPassport(random: Random, holder: MrzHolder, country: Country, mrz: string[]): Drawing {
  // A TD3 data page (125 x 88 mm) at 10 px/mm; the zone's characters 2.54 mm apart.
  const width = 1250;
  const height = 880;
  const background = '#e9efe4';
  const mrzBackground = '#f4f6f1';
  const portrait = { x: 60, y: 165, width: 300, height: 390 };
  const fieldX = 400;
  const top = 160;
  const pitch = 66;
  const labelSize = 17;
  const valueSize = 28;
  const issued = isoDay(new Date(Date.parse(holder.dateOfExpiry) - 10 * 365 * DAY_MS));
  const fields: VisualField[] = [
    { label: 'Surname', value: holder.surname.toUpperCase() },
    { label: 'Given names', value: holder.givenNames.toUpperCase() },
    { label: 'Nationality', value: country.name },
    { label: 'Date of birth', value: dotted(holder.dateOfBirth) },
    { label: 'Sex', value: holder.sex },
    { label: 'Passport No.', value: holder.documentNumber },
    { label: 'Date of expiry', value: dotted(holder.dateOfExpiry) },
  ];
  const mrzPitch = 25.4;
  const mrzLeft = (width - 44 * mrzPitch) / 2;
  const mrzFontSize = 34;
  const baselines = [790, 846];
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<rect width="${width}" height="${height}" fill="${background}"/>`,
    guilloche(random, { x: 0, y: 0, width, height: 720 }, '#b9cdb0'),
    `<rect x="0" y="0" width="${width}" height="110" fill="#2e4a3a"/>`,
    `<text x="60" y="52" font-family="DejaVu Sans" font-weight="bold" font-size="30" fill="#f2efe2">${escapeXml(country.name)}</text>`,
    `<text x="60" y="92" font-family="DejaVu Sans" font-size="24" fill="#f2efe2">PASSPORT   SPECIMEN</text>`,
    `<text x="${fieldX}" y="140" font-family="DejaVu Sans" font-size="17" fill="#3c4a5c">Type P   Code ${escapeXml(holder.issuingState)}   Issued ${dotted(issued)}</text>`,
    portraitSvg(random, portrait),
    fieldColumn(fields, fieldX, top, pitch, labelSize, valueSize),
    `<rect x="0" y="730" width="${width}" height="${height - 730}" fill="${mrzBackground}"/>`,
    ...mrz.map((line, index) => mrzText(line, mrzLeft, baselines[index]!, mrzPitch, mrzFontSize)),
    '</svg>',
  ].join('');
  return {
    svg,
    layout: {
      width,
      height,
      portrait,
      surnameValue: { x: fieldX - 4, y: top + labelSize + 4, width: 620, height: valueSize * 1.35 },
      mrzLines: baselines.map((baseline) => ({ x: mrzLeft - 8, y: baseline - mrzFontSize, width: 44 * mrzPitch + 8, height: mrzFontSize + 10 })),
      mrzFontSize,
      mrzPitch,
      mrzLeft,
      valueFontSize: valueSize,
      background,
      mrzBackground,
    },
  };
}

function drawIdCard(random: Random, holder: MrzHolder, country: Country, mrz: string[]): Drawing {
  // Front above back, as a scan of both sides: each side 85.6 x 54 mm at 13 px/mm.
  const side = { width: 1113, height: 702 };
  const gap = 40;
  const width = side.width;
  const height = side.height * 2 + gap;
  const background = '#e4ebf2';
  const mrzBackground = '#f3f5f8';
  const portrait = { x: 50, y: 150, width: 300, height: 390 };
  const fieldX = 390;
  const top = 140;
  const pitch = 66;
  const labelSize = 17;
  const valueSize = 28;
  const fields: VisualField[] = [
    { label: 'Surname', value: holder.surname.toUpperCase() },
    { label: 'Given names', value: holder.givenNames.toUpperCase() },
    { label: 'Date of birth', value: dotted(holder.dateOfBirth) },
    { label: 'Sex', value: holder.sex },
    { label: 'Document No.', value: holder.documentNumber },
    { label: 'Date of expiry', value: dotted(holder.dateOfExpiry) },
  ];
  const backTop = side.height + gap;
  const mrzPitch = 33;
  const mrzLeft = (width - 30 * mrzPitch) / 2;
  const mrzFontSize = 44;
  const baselines = [backTop + 470, backTop + 545, backTop + 620];
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<rect width="${width}" height="${height}" fill="#5a5f66"/>`,
    `<rect x="0" y="0" width="${side.width}" height="${side.height}" rx="28" fill="${background}"/>`,
    guilloche(random, { x: 0, y: 100, width: side.width, height: side.height - 100 }, '#b3c3d6'),
    `<rect x="0" y="0" width="${side.width}" height="100" fill="#1f3b5c"/>`,
    `<text x="50" y="45" font-family="DejaVu Sans" font-weight="bold" font-size="28" fill="#eef2f7">${escapeXml(country.name)}</text>`,
    `<text x="50" y="82" font-family="DejaVu Sans" font-size="22" fill="#eef2f7">IDENTITY CARD   SPECIMEN</text>`,
    portraitSvg(random, portrait),
    fieldColumn(fields, fieldX, top, pitch, labelSize, valueSize),
    `<rect x="0" y="${backTop}" width="${side.width}" height="${side.height}" rx="28" fill="${background}"/>`,
    guilloche(random, { x: 0, y: backTop, width: side.width, height: 360 }, '#b3c3d6'),
    `<text x="50" y="${backTop + 80}" font-family="DejaVu Sans" font-size="17" fill="#3c4a5c">Authority</text>`,
    `<text x="50" y="${backTop + 115}" font-family="DejaVu Sans" font-weight="bold" font-size="26" fill="#111">CIVIL REGISTRY ${escapeXml(holder.issuingState)}</text>`,
    `<rect x="0" y="${backTop + 380}" width="${side.width}" height="${side.height - 380 - 20}" fill="${mrzBackground}"/>`,
    ...mrz.map((line, index) => mrzText(line, mrzLeft, baselines[index]!, mrzPitch, mrzFontSize)),
    '</svg>',
  ].join('');
  return {
    svg,
    layout: {
      width,
      height,
      portrait,
      surnameValue: { x: fieldX - 4, y: top + labelSize + 4, width: 680, height: valueSize * 1.35 },
      mrzLines: baselines.map((baseline) => ({ x: mrzLeft - 8, y: baseline - mrzFontSize, width: 30 * mrzPitch + 8, height: mrzFontSize + 12 })),
      mrzFontSize,
      mrzPitch,
      mrzLeft,
      valueFontSize: valueSize,
      background,
      mrzBackground,
    },
  };
}

// ---- the camera -------------------------------------------------------------------------------

interface RawImage {
  data: Buffer;
  width: number;
  height: number;
}

async function rasterise(svg: string): Promise<RawImage> {
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

// Standard normal samples, drawn once: noise for millions of pixels reads them by index, which is
// what keeps generating a document well under a second.
const NORMAL_TABLE_SIZE = 1 << 20;
const NORMAL_TABLE = (() => {
  const random = new Random(0x5eed);
  return Float32Array.from({ length: NORMAL_TABLE_SIZE }, () => random.gaussian());
})();

// Uneven lighting and sensor noise: what makes a photo of a page differ from its drawing.
function expose(image: RawImage, random: Random, noiseSigma: number): RawImage {
  const { width, height } = image;
  const out = Buffer.alloc(image.data.length);
  const lightX = random.next();
  const lightY = random.next();
  // A fresh stretch of the table for each photo, walked with an odd stride.
  let cursor = random.int(0, NORMAL_TABLE_SIZE - 1);
  const stride = random.int(0, 2047) * 2 + 1;
  const sample = () => {
    cursor = (cursor + stride) & (NORMAL_TABLE_SIZE - 1);
    return NORMAL_TABLE[cursor]!;
  };
  for (let y = 0; y < height; y += 1) {
    const dy = y / height - lightY;
    for (let x = 0; x < width; x += 1) {
      const dx = x / width - lightX;
      const gain = 1.02 - 0.1 * (dx * dx + dy * dy);
      const offset = (y * width + x) * 3;
      // Luminance grain shared by the channels, plus a little colour noise per channel.
      const grain = sample() * noiseSigma;
      for (let channel = 0; channel < 3; channel += 1) {
        const value = image.data[offset + channel]! * gain + grain + sample() * noiseSigma * 0.4;
        out[offset + channel] = value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
      }
    }
  }
  return { data: out, width, height };
}

const exifDate = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, ':');

interface CameraShot {
  camera: (typeof CAMERAS)[number];
  taken: Date;
}

function cameraExif(shot: CameraShot, software?: string, modified?: Date) {
  return {
    IFD0: {
      Make: shot.camera.Make,
      Model: shot.camera.Model,
      Software: software ?? shot.camera.Software,
      DateTime: exifDate(modified ?? shot.taken),
    },
    IFD2: {
      DateTimeOriginal: exifDate(shot.taken),
      DateTimeDigitized: exifDate(shot.taken),
      ExposureTime: '1/60',
      FNumber: '1.8',
      ISOSpeedRatings: '125',
      FocalLength: '6.8',
    },
  };
}

const rawInput = (image: RawImage) => ({ raw: { width: image.width, height: image.height, channels: 3 as const } });

async function encodeJpeg(image: RawImage, quality: number, exif: ReturnType<typeof cameraExif>): Promise<Buffer> {
  return sharp(image.data, rawInput(image)).jpeg({ quality }).withExif(exif).toBuffer();
}

async function decode(jpeg: Buffer): Promise<RawImage> {
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

// A patch an editor would paste: drawn fresh, with its own grain so it does not look flat.
async function patch(svg: string, box: Box, random: Random): Promise<sharp.OverlayOptions> {
  const drawn = await rasterise(`<svg xmlns="http://www.w3.org/2000/svg" width="${box.width}" height="${box.height}" viewBox="${box.x} ${box.y} ${box.width} ${box.height}">${svg}</svg>`);
  const grained = expose(drawn, random, 2.5);
  return { input: grained.data, raw: { width: grained.width, height: grained.height, channels: 3 }, left: box.x, top: box.y };
}

function roundBox(box: Box): Box {
  return { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) };
}

// Adds a tEXt chunk (keyword, NUL, text) before IEND, as editors do when they save a PNG.
function withPngText(png: Buffer, keyword: string, text: string): Buffer {
  const data = Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]);
  const type = Buffer.from('tEXt', 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])));
  const iendOffset = png.length - 12;
  return Buffer.concat([png.subarray(0, iendOffset), length, type, data, crc, png.subarray(iendOffset)]);
}

// ---- variants ---------------------------------------------------------------------------------

const CAMERA_QUALITY = 92;
const EDITOR_QUALITY = 90;
const PASTED_SOURCE_QUALITY = 70;

export async function generateSpecimen(options: SpecimenOptions): Promise<Specimen> {
  const variant = options.variant ?? 'genuine';
  const seed = options.seed ?? 1;
  const now = options.now ?? new Date();
  const random = new Random(seed * 7919 + SPECIMEN_VARIANTS.indexOf(variant) * 104_729 + (options.kind === 'passport' ? 0 : 13));
  const { holder, country } = withPerson(drawHolder(random, now, variant === 'expired'), options.person);
  const mrz = options.kind === 'passport' ? passportMrz(holder) : idCardMrz(holder);
  const drawing = options.kind === 'passport' ? drawPassport(random, holder, country, mrz) : drawIdCard(random, holder, country, mrz);
  const shot: CameraShot = { camera: random.pick(CAMERAS), taken: new Date(now.getTime() - random.int(60, 3 * 86_400) * 1000) };
  let submission = submissionOf(holder, country, random);

  let drawn = await rasterise(drawing.svg);
  if (variant === 'blurred') {
    const blurred = await sharp(drawn.data, rawInput(drawn)).blur(7).raw().toBuffer();
    drawn = { ...drawn, data: blurred };
  }
  if (variant === 'tiny') {
    const targetWidth = 340;
    const { data, info } = await sharp(drawn.data, rawInput(drawn)).resize({ width: targetWidth }).raw().toBuffer({ resolveWithObject: true });
    drawn = { data, width: info.width, height: info.height };
  }
  if (options.skewDegrees) {
    if (PAINTED_VARIANTS.includes(variant)) throw new Error(`skewDegrees cannot be combined with the ${variant} variant`);
    const { data, info } = await sharp(drawn.data, rawInput(drawn)).rotate(options.skewDegrees, { background: '#6b6f75' }).raw().toBuffer({ resolveWithObject: true });
    drawn = { data, width: info.width, height: info.height };
  }
  const photo = expose(drawn, random, 2.5);
  const png = options.format === 'png';
  let image = png
    ? await sharp(photo.data, rawInput(photo)).png().toBuffer()
    : await encodeJpeg(photo, CAMERA_QUALITY, cameraExif(shot));

  const { layout } = drawing;
  const edited = new Date(shot.taken.getTime() + random.int(3600, 5 * 86_400) * 1000);
  const resave = async (overlays: sharp.OverlayOptions[], software?: string): Promise<Buffer> => {
    const pipeline = sharp(png ? photo.data : (await decode(image)).data, rawInput(photo)).composite(overlays);
    if (png) {
      const out = await pipeline.png().toBuffer();
      return software ? withPngText(out, 'Software', software) : out;
    }
    // A careful forger keeps the camera's metadata; only the editor-software variant leaks its name.
    return pipeline.jpeg({ quality: EDITOR_QUALITY }).withExif(software ? cameraExif(shot, software, edited) : cameraExif(shot)).toBuffer();
  };

  switch (variant) {
    case 'pasted_photo': {
      // The replacement photo comes from another JPEG (a downloaded picture), saved at a lower quality.
      const box = roundBox(layout.portrait);
      const pasted = await patch(portraitSvg(new Random(seed * 31 + 5), box), box, random);
      const source = await sharp(pasted.input as Buffer, { raw: pasted.raw! }).jpeg({ quality: PASTED_SOURCE_QUALITY }).toBuffer();
      const decoded = await decode(source);
      image = await resave([{ ...pasted, input: decoded.data }]);
      break;
    }
    case 'edited_visual_text': {
      const box = roundBox(layout.surnameValue);
      const newSurname = SURNAMES.find((name) => name !== holder.surname && name.length <= holder.surname.length + 3) ?? 'Moreau';
      const text = `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="${layout.background}"/>` +
        `<text x="${box.x + 4}" y="${box.y + layout.valueFontSize * 1.02}" font-family="DejaVu Sans" font-weight="bold" font-size="${layout.valueFontSize}" fill="#111">${escapeXml(newSurname.toUpperCase())}</text>`;
      image = await resave([await patch(text, box, random)]);
      // The forger presents the painted-over name.
      submission = { ...submission, fullName: `${holder.givenNames} ${newSurname}` };
      break;
    }
    case 'edited_mrz': {
      // The birth date's line: the second in both formats. The year moves, its check digit stays.
      const lineIndex = 1;
      const line = mrz[lineIndex]!;
      const birthStart = options.kind === 'passport' ? 13 : 0;
      const year = Number(line.slice(birthStart, birthStart + 2));
      const alteredYear = String((year + 90) % 100).padStart(2, '0');
      const altered = line.slice(0, birthStart) + alteredYear + line.slice(birthStart + 2);
      const box = roundBox(layout.mrzLines[lineIndex]!);
      const baseline = box.y + layout.mrzFontSize;
      const text = `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="${layout.mrzBackground}"/>` +
        mrzText(altered, layout.mrzLeft, baseline, layout.mrzPitch, layout.mrzFontSize);
      image = await resave([await patch(text, box, random)]);
      // The forger claims the altered date.
      const century = Number(alteredYear) > now.getUTCFullYear() % 100 ? '19' : '20';
      submission = { ...submission, dateOfBirth: `${century}${alteredYear}${holder.dateOfBirth.slice(4)}` };
      break;
    }
    case 'editor_software':
      image = await resave([], EDITOR_SOFTWARE);
      break;
    case 'mismatch': {
      const other = drawHolder(new Random(seed * 104_723 + 17), now, false);
      submission = { ...submissionOf(other.holder, other.country, random), nationality: submission.nationality };
      break;
    }
    default:
      break;
  }

  return { kind: options.kind, variant, image, holder, mrz, submission, expectedDecision: EXPECTED_DECISIONS[variant] };
}
