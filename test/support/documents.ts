import { generateSpecimen, type SpecimenKind, type SpecimenOptions, type SpecimenVariant } from '../../document-check/specimens';
import { type TestSystem } from './system';

// Multipart uploads for the document endpoints, and generated identity documents whose holder
// becomes a customer's application (document-check/specimens.ts draws them; no real person).

export interface UploadAnswer {
  status: number;
  contentType: string;
  json: Record<string, unknown>;
  text: string;
}

export async function postForm(system: TestSystem, path: string, form: FormData, token?: string): Promise<UploadAnswer> {
  const response = await fetch(`${system.apiUrl}${path}`, { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', json, text };
}

export function fileForm(fields: Record<string, string>, file: { field: string; bytes: Buffer; name?: string; type?: string } | null): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) form.append(file.field, new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'image/jpeg' }), file.name ?? 'document.jpg');
  return form;
}

// Countries whose passport numbers have a format rule the specimens' numbers do not follow.
const FORMATTED_PASSPORTS = ['DE', 'CA'];

/**
 * A specimen and the application its holder would submit: from `seed` on, the first specimen of a
 * country whose passport number format the specimens follow (the same seed gives the same one).
 */
export async function specimenApplicant(options: { kind?: SpecimenKind; variant?: SpecimenVariant; seed: number; format?: SpecimenOptions['format'] }) {
  for (let seed = options.seed; ; seed += 1) {
    const specimen = await generateSpecimen({ kind: options.kind ?? 'passport', variant: options.variant ?? 'genuine', seed, ...(options.format ? { format: options.format } : {}) });
    const { holder } = specimen;
    const nationality = countryOfZone(holder.nationality);
    if (FORMATTED_PASSPORTS.includes(nationality)) continue;
    return {
      specimen,
      application: {
        first_name: holder.givenNames,
        last_name: holder.surname,
        date_of_birth: holder.dateOfBirth,
        nationality,
        document_type: options.kind === 'id_card' ? 'id_card' : 'passport',
        document_number: holder.documentNumber,
        address_line_1: '12 Example Street',
        city: 'Gaborone',
        postal_code: '00000',
        country: 'BW',
      },
    };
  }
}

// The specimens' countries, from the zone's codes to ISO alpha-2.
const ZONE_COUNTRIES: Record<string, string> = { NLD: 'NL', SWE: 'SE', D: 'DE', BWA: 'BW', CAN: 'CA', IRL: 'IE', NZL: 'NZ', FIN: 'FI' };
function countryOfZone(code: string): string {
  const country = ZONE_COUNTRIES[code];
  if (!country) throw new Error(`no alpha-2 code known for the zone's ${code}`);
  return country;
}
