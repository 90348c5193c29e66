import { type z } from 'zod';
import { ISO_COUNTRY_CODES } from '../domain/countries';
import {
  EARLIEST_DATE_OF_BIRTH,
  FIELD_LENGTHS,
  FIELD_RULES,
  kycDocumentTypeSchema,
  NOT_A_CALENDAR_DATE,
  REQUIRED_TEXT,
  TOO_EARLY_DATE_OF_BIRTH,
  tooLong,
  tooShort,
  type kycApplicationSchema,
  type TextRule,
} from '../domain/kyc-application';

// The start-verification form. The browser checks what it can check alone (blank, length,
// characters, calendar dates) with the rules and words of domain/kyc-application.ts itself, so a
// message does not change between the first and the second submit; the rules that need more (age
// on today's date, document and postcode formats per country) are left to the server, whose 422
// field errors the page shows under the same fields.

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

const REQUIRED: ClientRule = { kind: 'required', message: REQUIRED_TEXT };
const maxLength = (limit: number): ClientRule => ({ kind: 'max_length', limit, message: tooLong(limit) });
const minLength = (limit: number): ClientRule => ({ kind: 'min_length', limit, message: tooShort(limit) });
const pattern = (rule: TextRule): ClientRule => ({ kind: 'pattern', pattern: rule.pattern.source, flags: rule.pattern.flags, message: rule.message });

const NAME = pattern(FIELD_RULES.name);

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const COUNTRY_OPTIONS = ISO_COUNTRY_CODES.map((code) => ({ value: code, label: regionNames.of(code) ?? code })).sort((a, b) => a.label.localeCompare(b.label, 'en'));

const DOCUMENT_TYPE_LABELS: Record<z.infer<typeof kycDocumentTypeSchema>, string> = {
  passport: 'Passport',
  id_card: 'National identity card',
  drivers_license: "Driver's licence",
  residence_permit: 'Residence permit',
};

// The form starts with Botswana and a passport selected.
const DEFAULT_COUNTRY = 'BW';

export const KYC_FORM: readonly FormSection[] = [
  {
    legend: 'About you',
    fields: [
      { name: 'first_name', label: 'First name', control: 'text', autocomplete: 'given-name', hint: 'As printed on your document.', normalise: 'trim', rules: [REQUIRED, maxLength(FIELD_LENGTHS.first_name.max), NAME] },
      { name: 'last_name', label: 'Last name', control: 'text', autocomplete: 'family-name', hint: 'As printed on your document.', normalise: 'trim', rules: [REQUIRED, maxLength(FIELD_LENGTHS.last_name.max), NAME] },
      {
        name: 'date_of_birth',
        label: 'Date of birth',
        control: 'date',
        autocomplete: 'bday',
        hint: 'You must be 18 or older.',
        normalise: 'trim',
        rules: [REQUIRED, pattern(FIELD_RULES.isoDate), { kind: 'calendar_date', message: NOT_A_CALENDAR_DATE }, { kind: 'not_before', date: EARLIEST_DATE_OF_BIRTH, message: TOO_EARLY_DATE_OF_BIRTH }],
      },
      { name: 'nationality', label: 'Nationality', control: 'select', options: COUNTRY_OPTIONS, defaultValue: DEFAULT_COUNTRY, normalise: 'trim_upper', rules: [REQUIRED] },
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
        rules: [REQUIRED, maxLength(FIELD_LENGTHS.document_number.max), minLength(FIELD_LENGTHS.document_number.min), pattern(FIELD_RULES.documentNumber)],
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
        rules: [REQUIRED, maxLength(FIELD_LENGTHS.address_line_1.max), minLength(FIELD_LENGTHS.address_line_1.min), pattern(FIELD_RULES.hasLetter)],
      },
      { name: 'address_line_2', label: 'Address line 2 (optional)', control: 'text', autocomplete: 'address-line2', normalise: 'trim', rules: [maxLength(FIELD_LENGTHS.address_line_2.max)] },
      { name: 'city', label: 'City', control: 'text', autocomplete: 'address-level2', normalise: 'trim', rules: [REQUIRED, maxLength(FIELD_LENGTHS.city.max), minLength(FIELD_LENGTHS.city.min), NAME] },
      {
        name: 'state_province',
        label: 'State or province (optional)',
        control: 'text',
        autocomplete: 'address-level1',
        normalise: 'trim',
        rules: [maxLength(FIELD_LENGTHS.state_province.max), pattern(FIELD_RULES.region)],
      },
      {
        name: 'postal_code',
        label: 'Postal code',
        control: 'text',
        autocomplete: 'postal-code',
        hint: 'Leave empty if your country has no postal codes.',
        normalise: 'trim_upper',
        rules: [maxLength(FIELD_LENGTHS.postal_code.max), pattern(FIELD_RULES.postalCode)],
      },
      { name: 'country', label: 'Country of residence', control: 'select', autocomplete: 'country', options: COUNTRY_OPTIONS, defaultValue: DEFAULT_COUNTRY, normalise: 'trim_upper', rules: [REQUIRED] },
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
