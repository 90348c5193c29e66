import { type z } from 'zod';
import { ISO_COUNTRY_CODES } from '../domain/countries';
import { kycDocumentTypeSchema, type kycApplicationSchema } from '../domain/kyc-application';

// Seed 000's start-verification form. The browser checks what it can check alone (blank, length,
// characters, calendar dates) with the same words as domain/kyc-application.ts, so a message does
// not change between the first and the second submit; the rules that need more (age on today's
// date, document and postcode formats per country) are left to the server, whose 422 field errors
// the page shows under the same fields. test/browser/customer.test.ts holds the two together.

type ApplicationField = keyof z.input<typeof kycApplicationSchema>;

export type ClientRule =
  | { kind: 'required'; message: string }
  | { kind: 'max_length'; limit: number; message: string }
  | { kind: 'min_length'; limit: number; message: string }
  | { kind: 'pattern'; pattern: string; flags: string; message: string }
  | { kind: 'calendar_date'; message: string }
  | { kind: 'not_before'; date: string; message: string };

/** How the server normalises the value before its rules run. */
export type Normalisation = 'trim' | 'trim_upper' | 'document_number';

export interface FormField {
  name: ApplicationField;
  label: string;
  control: 'text' | 'date' | 'select';
  autocomplete?: string;
  hint?: string;
  options?: readonly { value: string; label: string }[];
  defaultValue?: string;
  normalise: Normalisation;
  rules: ClientRule[];
}

export interface FormSection {
  legend: string;
  fields: FormField[];
}

const REQUIRED: ClientRule = { kind: 'required', message: 'Required' };
const maxLength = (limit: number): ClientRule => ({ kind: 'max_length', limit, message: `Must be at most ${limit} characters` });
const minLength = (limit: number): ClientRule => ({ kind: 'min_length', limit, message: `Must be at least ${limit} characters` });
const pattern = (regex: RegExp, message: string): ClientRule => ({ kind: 'pattern', pattern: regex.source, flags: regex.flags, message });

const NAME = pattern(/^(?=[^\p{L}]*\p{L})[\p{L}\p{M} '’.-]+$/u, 'May contain only letters, spaces, hyphens, apostrophes and periods, with at least one letter');

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const COUNTRY_OPTIONS = ISO_COUNTRY_CODES.map((code) => ({ value: code, label: regionNames.of(code) ?? code })).sort((a, b) => a.label.localeCompare(b.label, 'en'));

const DOCUMENT_TYPE_LABELS: Record<z.infer<typeof kycDocumentTypeSchema>, string> = {
  passport: 'Passport',
  id_card: 'National identity card',
  drivers_license: "Driver's licence",
  residence_permit: 'Residence permit',
};

// Seed 000's React form starts with Botswana and a passport selected.
const SEED_COUNTRY = 'BW';

export const KYC_FORM: readonly FormSection[] = [
  {
    legend: 'About you',
    fields: [
      { name: 'first_name', label: 'First name', control: 'text', autocomplete: 'given-name', hint: 'As printed on your document.', normalise: 'trim', rules: [REQUIRED, maxLength(100), NAME] },
      { name: 'last_name', label: 'Last name', control: 'text', autocomplete: 'family-name', hint: 'As printed on your document.', normalise: 'trim', rules: [REQUIRED, maxLength(100), NAME] },
      {
        name: 'date_of_birth',
        label: 'Date of birth',
        control: 'date',
        autocomplete: 'bday',
        hint: 'You must be 18 or older.',
        normalise: 'trim',
        rules: [REQUIRED, pattern(/^(\d{4})-(\d{2})-(\d{2})$/, 'Must be a date in YYYY-MM-DD form'), { kind: 'calendar_date', message: 'Is not a real calendar date' }, { kind: 'not_before', date: '1900-01-01', message: 'Must not be before 1900-01-01' }],
      },
      { name: 'nationality', label: 'Nationality', control: 'select', options: COUNTRY_OPTIONS, defaultValue: SEED_COUNTRY, normalise: 'trim_upper', rules: [REQUIRED] },
    ],
  },
  {
    legend: 'Your identity document',
    fields: [
      {
        name: 'document_type',
        label: 'Document type',
        control: 'select',
        options: kycDocumentTypeSchema.options.map((value) => ({ value, label: DOCUMENT_TYPE_LABELS[value] })),
        defaultValue: 'passport',
        normalise: 'trim',
        rules: [REQUIRED],
      },
      {
        name: 'document_number',
        label: 'Document number',
        control: 'text',
        autocomplete: 'off',
        hint: 'Letters and digits; spaces and hyphens are ignored.',
        normalise: 'document_number',
        rules: [REQUIRED, maxLength(20), minLength(5), pattern(/^[A-Z0-9]*$/, 'May contain only letters A-Z and digits (spaces and hyphens are ignored)')],
      },
    ],
  },
  {
    legend: 'Your address',
    fields: [
      {
        name: 'address_line_1',
        label: 'Address line 1',
        control: 'text',
        autocomplete: 'address-line1',
        normalise: 'trim',
        rules: [REQUIRED, maxLength(200), minLength(3), pattern(/\p{L}/u, 'Must contain at least one letter')],
      },
      { name: 'address_line_2', label: 'Address line 2 (optional)', control: 'text', autocomplete: 'address-line2', normalise: 'trim', rules: [maxLength(200)] },
      { name: 'city', label: 'City', control: 'text', autocomplete: 'address-level2', normalise: 'trim', rules: [REQUIRED, maxLength(100), minLength(2), NAME] },
      {
        name: 'state_province',
        label: 'State or province (optional)',
        control: 'text',
        autocomplete: 'address-level1',
        normalise: 'trim',
        rules: [maxLength(100), pattern(/^(?=[^\p{L}]*\p{L})[\p{L}\p{M}\p{Nd} '’.,()-]+$/u, "May contain only letters, digits, spaces and . , ' ( ) -, with at least one letter")],
      },
      {
        name: 'postal_code',
        label: 'Postal code',
        control: 'text',
        autocomplete: 'postal-code',
        hint: 'Leave empty if your country has no postal codes.',
        normalise: 'trim_upper',
        rules: [maxLength(10), pattern(/^[A-Z0-9 -]*$/, 'May contain only letters, digits, spaces and hyphens')],
      },
      { name: 'country', label: 'Country of residence', control: 'select', autocomplete: 'country', options: COUNTRY_OPTIONS, defaultValue: SEED_COUNTRY, normalise: 'trim_upper', rules: [REQUIRED] },
    ],
  },
];

export const KYC_FORM_FIELDS: readonly FormField[] = KYC_FORM.flatMap((section) => section.fields);

// Every field of the API's schema is on the form, and nothing else: checked when the module loads.
const covered: Record<ApplicationField, true> = {
  first_name: true,
  last_name: true,
  date_of_birth: true,
  nationality: true,
  document_type: true,
  document_number: true,
  address_line_1: true,
  address_line_2: true,
  city: true,
  state_province: true,
  postal_code: true,
  country: true,
};
const names = new Set(KYC_FORM_FIELDS.map((field) => field.name));
if (names.size !== KYC_FORM_FIELDS.length || names.size !== Object.keys(covered).length) throw new Error('web/kyc-form-fields.ts: the form and the application schema disagree');
