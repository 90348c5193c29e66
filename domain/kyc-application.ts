import { z } from 'zod';
import { isIsoCountry, type IsoCountryCode } from './countries';
import { type FieldError } from './field-error';

// Pure and deterministic on purpose: this module runs inside Temporal workflow
// code as well as the API, so it takes `today` from the caller and never reads
// the clock or touches I/O.

const kycRuleSchema = z.enum([
  'required',
  'type',
  'unknown_field',
  'max_length',
  'min_length',
  'format',
  'enum',
  'iso_country',
  'date',
  'min_date',
  'future_date',
  'min_age',
  'invalid',
]);
type KycRule = z.infer<typeof kycRuleSchema>;

export const MINIMUM_AGE = 18;

// The words of the single-field rules (the web form shows the same ones before the API does).
export const tooLong = (max: number) => `Must be at most ${max} characters`;
export const tooShort = (min: number) => `Must be at least ${min} characters`;
export const REQUIRED_TEXT = 'Required';
export const NOT_A_CALENDAR_DATE = 'Is not a real calendar date';
export const EARLIEST_DATE_OF_BIRTH = '1900-01-01';
export const TOO_EARLY_DATE_OF_BIRTH = `Must not be before ${EARLIEST_DATE_OF_BIRTH}`;

// Named Kyc* because vendors/veriff/contract.ts exports documentTypeSchema/DocumentType for Veriff's upper-case values.
export const kycDocumentTypeSchema = z.enum(['passport', 'id_card', 'drivers_license', 'residence_permit'], {
  error: 'Must be one of: passport, id_card, drivers_license, residence_permit',
});
export type KycDocumentType = z.infer<typeof kycDocumentTypeSchema>;

// The upper-case codes of document types, as the application API and identity vendors spell them
// (vendors/veriff/vendor.ts checks them against Veriff's own enum).
const DOCUMENT_TYPE_CODES = {
  passport: 'PASSPORT',
  id_card: 'ID_CARD',
  drivers_license: 'DRIVERS_LICENSE',
  residence_permit: 'RESIDENCE_PERMIT',
} as const satisfies Record<KycDocumentType, string>;
export type DocumentTypeCode = (typeof DOCUMENT_TYPE_CODES)[KycDocumentType];

export function documentTypeCode(documentType: KycDocumentType): DocumentTypeCode {
  return DOCUMENT_TYPE_CODES[documentType];
}

// ---------------------------------------------------------------------------
// Calendar helpers (UTC calendar math only, no time zones, no clock)


interface CalendarDate { year: number; month: number; day: number }

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Strict YYYY-MM-DD that names a real day; `Date.parse` would roll 2001-02-30 over to March. */
function parseCalendarDate(text: string): CalendarDate | undefined {
  const match = FIELD_RULES.isoDate.pattern.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

function utcCalendarDate(instant: Date): CalendarDate {
  if (Number.isNaN(instant.getTime())) throw new RangeError('today must be a valid Date');
  return { year: instant.getUTCFullYear(), month: instant.getUTCMonth() + 1, day: instant.getUTCDate() };
}

function formatCalendarDate({ year, month, day }: CalendarDate): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Completed years between `dateOfBirth` (YYYY-MM-DD) and the UTC calendar date
 * of `today`. A birthday counts as reached on the day itself; a 29 February
 * birthday is reached on 1 March in non-leap years (the anniversary day does not
 * exist, and 28 February would be before it). Negative for future dates.
 * Throws RangeError on a malformed date or an invalid `today`: both are caller bugs.
 */
export function ageOn(dateOfBirth: string, today: Date): number {
  const birth = parseCalendarDate(dateOfBirth);
  if (!birth) throw new RangeError(`Not a calendar date in YYYY-MM-DD form: ${JSON.stringify(dateOfBirth)}`);
  const now = utcCalendarDate(today);
  const birthdayReached = now.month > birth.month || (now.month === birth.month && now.day >= birth.day);
  return now.year - birth.year - (birthdayReached ? 0 : 1);
}

// ---------------------------------------------------------------------------
// Field schemas

// Never `abort: true` (which z.custom defaults to): zod treats an aborting issue
// anywhere in the payload as a reason to skip the cross-field and date rules,
// so one bad field would hide every error those rules would have reported.
function violates(rule: KycRule, message: string) {
  return { error: message, params: { rule }, abort: false };
}

// A blank field should say "Required" and nothing else; since aborting is out,
// the later rules sit behind .pipe(), which stops at the first failure.
const notBlank = (value: string): boolean => value.length > 0;
const requiredCheck = violates('required', REQUIRED_TEXT);

// NFC so that a decomposed "é" (e + U+0301) and the precomposed one compare and
// count the same; \p{M} stays allowed because scripts such as Devanagari need
// combining marks even after NFC.
function requiredText(maxLength: number, rules: (text: z.ZodString) => z.ZodString = (text) => text) {
  return z
    .string()
    .trim()
    .normalize('NFC')
    .refine(notBlank, requiredCheck)
    .pipe(rules(z.string().max(maxLength, tooLong(maxLength))));
}

/**
 * Optional free text: absent, null and blank all mean "not given" because web
 * forms and JSON serialisers produce all three for an empty input.
 */
function optionalText(schema: z.ZodString) {
  return z.preprocess(
    (value) => (value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value),
    schema.optional(),
  );
}

/** A rule a single field's text must satisfy, with the words it is reported in. */
export interface TextRule {
  pattern: RegExp;
  message: string;
}

/**
 * The single-field rules as data: the schemas below are built from them, and so are the
 * browser's checks of the start form (web/kyc-form-fields.ts), so the two cannot drift apart.
 */
export const FIELD_RULES = {
  // Letters of any script plus the punctuation real names use; the lookahead demands at least
  // one letter so "." or "-" alone is not a name.
  name: { pattern: /^(?=[^\p{L}]*\p{L})[\p{L}\p{M} '’.-]+$/u, message: 'May contain only letters, spaces, hyphens, apostrophes and periods, with at least one letter' },
  // Control characters (newlines, tabs, NUL) break address labels and CSV exports downstream.
  noControlCharacters: { pattern: /^[^\p{Cc}]*$/u, message: 'Must not contain control characters' },
  hasLetter: { pattern: /\p{L}/u, message: 'Must contain at least one letter' },
  // Regions are sometimes numbered ("Region 10") or carry a qualifier in brackets.
  region: { pattern: /^(?=[^\p{L}]*\p{L})[\p{L}\p{M}\p{Nd} '’.,()-]+$/u, message: "May contain only letters, digits, spaces and . , ' ( ) -, with at least one letter" },
  isoDate: { pattern: /^(\d{4})-(\d{2})-(\d{2})$/, message: 'Must be a date in YYYY-MM-DD form' },
  documentNumber: { pattern: /^[A-Z0-9]*$/, message: 'May contain only letters A-Z and digits (spaces and hyphens are ignored)' },
  postalCode: { pattern: /^[A-Z0-9 -]*$/, message: 'May contain only letters, digits, spaces and hyphens' },
} as const satisfies Record<string, TextRule>;

/** Lengths in characters, after the normalisation each field gets. */
export const FIELD_LENGTHS = {
  first_name: { max: 100 },
  last_name: { max: 100 },
  document_number: { min: 5, max: 20 },
  address_line_1: { min: 3, max: 200 },
  address_line_2: { max: 200 },
  city: { min: 2, max: 100 },
  state_province: { max: 100 },
  postal_code: { max: 10 },
} as const;


const matches = (text: z.ZodString, rule: TextRule) => text.regex(rule.pattern, rule.message);
const personName = requiredText(FIELD_LENGTHS.first_name.max, (text) => matches(text, FIELD_RULES.name));

const addressLine1 = requiredText(FIELD_LENGTHS.address_line_1.max, (text) =>
  matches(matches(text.min(FIELD_LENGTHS.address_line_1.min, tooShort(FIELD_LENGTHS.address_line_1.min)), FIELD_RULES.noControlCharacters), FIELD_RULES.hasLetter),
);

const addressLine2 = optionalText(matches(z.string().trim().normalize('NFC').max(FIELD_LENGTHS.address_line_2.max, tooLong(FIELD_LENGTHS.address_line_2.max)), FIELD_RULES.noControlCharacters));

const city = requiredText(FIELD_LENGTHS.city.max, (text) => matches(text.min(FIELD_LENGTHS.city.min, tooShort(FIELD_LENGTHS.city.min)), FIELD_RULES.name));

const stateProvince = optionalText(matches(z.string().trim().normalize('NFC').max(FIELD_LENGTHS.state_province.max, tooLong(FIELD_LENGTHS.state_province.max)), FIELD_RULES.region));

const dateOfBirth = z
  .string()
  .trim()
  .refine(notBlank, requiredCheck)
  .pipe(matches(z.string(), FIELD_RULES.isoDate))
  .pipe(z.string().refine((text) => parseCalendarDate(text) !== undefined, violates('date', NOT_A_CALENDAR_DATE)))
  // Lexicographic order is chronological order for YYYY-MM-DD.
  .pipe(z.string().refine((text) => text >= EARLIEST_DATE_OF_BIRTH, violates('min_date', TOO_EARLY_DATE_OF_BIRTH)));

const isoCountry = z
  .string()
  .trim()
  .refine(notBlank, requiredCheck)
  .toUpperCase()
  .pipe(z.custom<IsoCountryCode>(isIsoCountry, violates('iso_country', 'Must be an officially assigned ISO 3166-1 alpha-2 country code')));

// Case-insensitive so that Veriff-style "PASSPORT" from a client is accepted and stored canonically.
const documentType = z.string().trim().refine(notBlank, requiredCheck).toLowerCase().pipe(kycDocumentTypeSchema);

// People copy numbers with the grouping printed on the card; Veriff wants the bare alphanumerics.
const documentNumber = z
  .string()
  .overwrite((raw) => raw.replace(/[\s-]+/g, '').toUpperCase())
  .refine(notBlank, requiredCheck)
  .pipe(
    matches(z.string().max(FIELD_LENGTHS.document_number.max, tooLong(FIELD_LENGTHS.document_number.max)).min(FIELD_LENGTHS.document_number.min, tooShort(FIELD_LENGTHS.document_number.min)), FIELD_RULES.documentNumber),
  );

// Blank is allowed here because some countries (Botswana among them) have no
// postcodes; whether blank is acceptable is decided per country below.
const postalCode = matches(z.string().trim().toUpperCase().max(FIELD_LENGTHS.postal_code.max, tooLong(FIELD_LENGTHS.postal_code.max)), FIELD_RULES.postalCode);

const applicationShape = {
  first_name: personName,
  last_name: personName,
  date_of_birth: dateOfBirth,
  nationality: isoCountry,
  document_type: documentType,
  document_number: documentNumber,
  address_line_1: addressLine1,
  address_line_2: addressLine2,
  city,
  state_province: stateProvince,
  postal_code: postalCode,
  country: isoCountry,
};
type ApplicationField = keyof typeof applicationShape;

// ---------------------------------------------------------------------------
// Cross-field rules, kept as data so adding a country is a one-line change

interface Format { pattern: RegExp; description: string }

// Only passports have country formats so far: national ID, licence and permit
// numbering changes by issuing region and era, and a wrong rule here would turn
// away genuine customers before the document check could vouch for them.
const documentNumberFormats: { readonly [T in KycDocumentType]: Readonly<Partial<Record<IsoCountryCode, Format>>> } = {
  passport: {
    US: { pattern: /^(?:[0-9]{9}|[A-Z][0-9]{8})$/, description: '9 digits, or 1 letter followed by 8 digits' },
    GB: { pattern: /^[0-9]{9}$/, description: '9 digits' },
    DE: { pattern: /^[CFGHJKLMNPRTVWXYZ0-9]{9}$/, description: '9 characters from C F G H J K L M N P R T V W X Y Z and digits' },
    EE: { pattern: /^(?=[A-Z0-9]{8,9}$)[A-Z]+[0-9]+$/, description: 'letters followed by digits, 8 or 9 characters in total' },
    BW: { pattern: /^(?:[A-Z]{2}[0-9]{7,9}|[0-9]{9})$/, description: '2 letters followed by 7 to 9 digits, or 9 digits' },
    IN: { pattern: /^[A-Z][0-9]{7}$/, description: '1 letter followed by 7 digits' },
    FR: { pattern: /^[0-9]{2}[A-Z]{2}[0-9]{5}$/, description: '2 digits, 2 letters, 5 digits' },
    CA: { pattern: /^[A-Z]{2}[0-9]{6}$/, description: '2 letters followed by 6 digits' },
  },
  id_card: {},
  drivers_license: {},
  residence_permit: {},
};

// The payload has no issuing-country field, so it is inferred: passports and ID
// cards are issued by the state of citizenship (nationality), while driving
// licences and residence permits are issued by the state the person lives in
// (country of residence).
const issuingCountryField = {
  passport: 'nationality',
  id_card: 'nationality',
  drivers_license: 'country',
  residence_permit: 'country',
} as const satisfies Record<KycDocumentType, 'nationality' | 'country'>;

// Shape checks only: they say whether it looks like a postcode of that country, not whether it exists.
const postalCodeFormats: Readonly<Partial<Record<IsoCountryCode, Format>>> = {
  US: { pattern: /^[0-9]{5}(?:-[0-9]{4})?$/, description: 'a ZIP code: 5 digits or 5+4 digits (12345 or 12345-6789)' },
  GB: { pattern: /^(?:[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|GIR ?0AA)$/, description: 'a UK postcode such as SW1A 1AA' },
  DE: { pattern: /^[0-9]{5}$/, description: '5 digits' },
  CA: { pattern: /^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]$/, description: 'a Canadian postal code such as K1A 0B1' },
  // Botswana has no postcodes; forms still send placeholders such as "00000".
  BW: { pattern: /^[A-Z0-9]{0,10}$/, description: 'empty or up to 10 letters and digits (Botswana has no postcodes)' },
};
const genericPostalCode: Format = {
  pattern: /^[A-Z0-9][A-Z0-9 -]{0,8}[A-Z0-9]$/,
  description: '2 to 10 letters, digits, spaces or hyphens',
};

/**
 * Cross-field rules must still run when unrelated fields are wrong (so every
 * error is reported at once) but must not run on fields that failed their own
 * checks; re-parsing just the inputs they need decides that.
 */
function whenValid(...fields: ApplicationField[]) {
  return (payload: z.core.ParsePayload): boolean => {
    const value: unknown = payload.value;
    if (typeof value !== 'object' || value === null) return false;
    const record = value as Record<string, unknown>;
    return fields.every((field) => applicationShape[field].safeParse(record[field]).success);
  };
}

function customIssue(field: ApplicationField, rule: KycRule, message: string, input: unknown) {
  return { code: 'custom' as const, path: [field], params: { rule }, message, input };
}

/**
 * The customer's identity submission as the API receives it, normalised (trimmed,
 * NFC, country codes and document number upper-cased, document number stripped of
 * spaces/hyphens). Unknown keys are rejected so that a misspelt optional field
 * (e.g. "adress_line_2") is reported rather than silently dropped.
 * Rules that depend on the current date live in validateKycApplication.
 */
export const kycApplicationSchema = z
  .strictObject(applicationShape)
  .superRefine(
    (application, ctx) => {
      const issuer = application[issuingCountryField[application.document_type]];
      const format = documentNumberFormats[application.document_type][issuer];
      if (format && !format.pattern.test(application.document_number)) {
        ctx.addIssue(
          customIssue(
            'document_number',
            'format',
            `Does not match the ${issuer} ${application.document_type} number format: ${format.description}`,
            application.document_number,
          ),
        );
      }
    },
    { when: whenValid('document_type', 'document_number', 'nationality', 'country') },
  )
  .superRefine(
    (application, ctx) => {
      const format = postalCodeFormats[application.country] ?? genericPostalCode;
      if (format.pattern.test(application.postal_code)) return;
      const blank = application.postal_code === '';
      ctx.addIssue(
        customIssue(
          'postal_code',
          blank ? 'required' : 'format',
          `${blank ? 'Required' : 'Invalid'} for country ${application.country}: must be ${format.description}`,
          application.postal_code,
        ),
      );
    },
    { when: whenValid('postal_code', 'country') },
  );

export type KycApplication = z.infer<typeof kycApplicationSchema>;

/** The part of an application a customer may amend while it is pending (the address). */
export type ApplicationAddress = Pick<KycApplication, 'address_line_1' | 'address_line_2' | 'city' | 'state_province' | 'postal_code'>;

export type KycApplicationValidation = { ok: true; value: KycApplication } | { ok: false; errors: FieldError[] };

function withDateRules(today: Date) {
  const todayText = formatCalendarDate(utcCalendarDate(today));
  return kycApplicationSchema.superRefine(
    (application, ctx) => {
      const dob = application.date_of_birth;
      // A future date would also fail the age rule; one error says it better.
      if (dob > todayText) {
        ctx.addIssue(customIssue('date_of_birth', 'future_date', 'Must not be in the future', dob));
      } else if (ageOn(dob, today) < MINIMUM_AGE) {
        ctx.addIssue(customIssue('date_of_birth', 'min_age', `Applicant must be at least ${MINIMUM_AGE} years old`, dob));
      }
    },
    { when: whenValid('date_of_birth') },
  );
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function toFieldErrors(issue: z.core.$ZodIssue): FieldError[] {
  const field = fieldName(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        field: fieldName([...issue.path, key]),
        rule: 'unknown_field',
        message: `Unknown field "${key}"; accepted fields are: ${Object.keys(applicationShape).join(', ')}`,
      }));
    case 'invalid_type': {
      // JSON clients send null as often as they omit a key; both mean "missing".
      const missing = issue.input === undefined || issue.input === null;
      if (issue.path.length > 0 && missing) return [{ field, rule: 'required', message: 'Required' }];
      return [{ field, rule: 'type', message: issue.path.length === 0 ? 'Expected a JSON object' : `Must be a ${issue.expected}` }];
    }
    case 'too_big':
      return [{ field, rule: 'max_length', message: issue.message }];
    case 'too_small':
      return [{ field, rule: 'min_length', message: issue.message }];
    case 'invalid_value':
      return [{ field, rule: 'enum', message: issue.message }];
    case 'invalid_format':
      return [{ field, rule: 'format', message: issue.message }];
    case 'custom': {
      const declared = kycRuleSchema.safeParse(issue.params?.['rule']);
      return [{ field, rule: declared.success ? declared.data : 'invalid', message: issue.message }];
    }
    default:
      return [{ field, rule: 'invalid', message: issue.message }];
  }
}

/**
 * Shape, business and date rules in one pass, reporting every failing field so
 * the customer can fix the whole form at once. `today` is an instant whose UTC
 * calendar date is used: the age rule is deliberately not shifted to the
 * customer's time zone, which at worst delays an 18th birthday by a few hours.
 */
export function validateKycApplication(input: unknown, today: Date): KycApplicationValidation {
  // reportInput lets a missing key be told apart from a value of the wrong type.
  const result = withDateRules(today).safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, errors: result.error.issues.flatMap(toFieldErrors) };
}
