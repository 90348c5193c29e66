import { z } from 'zod';
import { type KycApplication } from '../domain/kyc-application';
import { type KycRecord } from '../generated/prisma/client';
import { type PiiCipher } from '../infra/crypto';

// How an application is kept in its kyc_records row: one encrypted column per PII field, the
// address as one encrypted JSON document of this shape.
const storedAddressSchema = z.object({
  address_line_1: z.string(),
  address_line_2: z.string().nullable(),
  city: z.string(),
  state_province: z.string().nullable(),
  postal_code: z.string(),
});

export type AddressFields = Pick<KycApplication, 'address_line_1' | 'address_line_2' | 'city' | 'state_province' | 'postal_code'>;

export function encryptAddress(application: AddressFields, cipher: PiiCipher): string {
  const stored: z.infer<typeof storedAddressSchema> = {
    address_line_1: application.address_line_1,
    address_line_2: application.address_line_2 ?? null,
    city: application.city,
    state_province: application.state_province ?? null,
    postal_code: application.postal_code,
  };
  return cipher.encryptJson(stored);
}

// The application as the customer submitted it (or last amended it), decrypted: for the use cases
// that resubmit or amend it. Its record is written by createKycRecord (activities/records.ts).
export function storedApplication(record: KycRecord, cipher: PiiCipher): KycApplication {
  const address = storedAddressSchema.parse(cipher.decryptJson(record.addressEnc));
  return {
    first_name: cipher.decrypt(record.firstNameEnc),
    last_name: cipher.decrypt(record.lastNameEnc),
    date_of_birth: cipher.decrypt(record.dateOfBirthEnc),
    nationality: record.nationality as KycApplication['nationality'],
    document_type: record.documentType as KycApplication['document_type'],
    document_number: cipher.decrypt(record.documentNumberEnc),
    address_line_1: address.address_line_1,
    address_line_2: address.address_line_2 ?? undefined,
    city: address.city,
    state_province: address.state_province ?? undefined,
    postal_code: address.postal_code,
    country: record.country as KycApplication['country'],
  };
}
