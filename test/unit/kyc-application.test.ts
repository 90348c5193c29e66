// needs: nothing
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ISO_COUNTRY_CODES, isIsoCountry } from '../../domain/countries';
import { fieldErrorSchema } from '../../domain/field-error';
import {
  ageOn,
  kycApplicationSchema,
  validateKycApplication,
  documentTypeCode,
  type KycApplication,
} from '../../domain/kyc-application';

// The sample application of the API documentation, verbatim.
const SEED = {
  first_name: 'John',
  last_name: 'Doe',
  date_of_birth: '1990-01-01',
  nationality: 'BW',
  document_type: 'passport',
  document_number: 'BP123456789',
  address_line_1: '123 Main St',
  city: 'Gaborone',
  state_province: 'South East',
  postal_code: '00000',
  country: 'BW',
} as const;

const TODAY = new Date('2025-06-15T12:00:00Z');

function withFields(overrides: Record<string, unknown>): Record<string, unknown> {
  return { ...SEED, ...overrides };
}

function without(field: keyof typeof SEED): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...SEED };
  delete copy[field];
  return copy;
}

/** "field:rule" pairs, so a test states exactly which errors it expects and no others. */
function failures(input: unknown, today: Date = TODAY): string[] {
  const result = validateKycApplication(input, today);
  return result.ok ? [] : result.errors.map((error) => `${error.field}:${error.rule}`);
}

function accepted(input: unknown, today: Date = TODAY): KycApplication {
  const result = validateKycApplication(input, today);
  if (!result.ok) assert.fail(`expected the application to be valid, got ${JSON.stringify(result.errors)}`);
  return result.value;
}

describe('seed payload', () => {
  test('when the sample application is submitted, then it validates and comes back unchanged', () => {
    assert.deepEqual(accepted(SEED), SEED);
  });
});

describe('required fields', () => {
  test('when first_name is missing, then first_name:required is reported', () => {
    assert.deepEqual(failures(without('first_name')), ['first_name:required']);
  });

  test('when city is whitespace only, then city:required is reported (and no length or format noise)', () => {
    assert.deepEqual(failures(withFields({ city: '   ' })), ['city:required']);
  });

  test('when country is null, then country:required is reported', () => {
    assert.deepEqual(failures(withFields({ country: null })), ['country:required']);
  });

  test('when the payload is empty, then every required field is reported and the optional ones are not', () => {
    assert.deepEqual(failures({}), [
      'first_name:required',
      'last_name:required',
      'date_of_birth:required',
      'nationality:required',
      'document_type:required',
      'document_number:required',
      'address_line_1:required',
      'city:required',
      'postal_code:required',
      'country:required',
    ]);
  });

  test('when address_line_2 and state_province are absent, null or blank, then the application passes without them', () => {
    const absent = accepted(without('state_province'));
    assert.equal(absent.state_province, undefined);
    const blank = accepted(withFields({ address_line_2: '  ', state_province: null }));
    assert.equal(blank.address_line_2, undefined);
    assert.equal(blank.state_province, undefined);
  });
});

describe('types and unknown keys', () => {
  test('when last_name is a number, then last_name:type is reported', () => {
    assert.deepEqual(failures(withFields({ last_name: 42 })), ['last_name:type']);
  });

  test('when the payload is not an object, then the root is reported as a type error', () => {
    assert.deepEqual(failures('John Doe'), [':type']);
    assert.deepEqual(failures([SEED]), [':type']);
    assert.deepEqual(failures(null), [':type']);
  });

  test('when an unknown key is sent, then it is rejected by name with a message listing accepted fields', () => {
    const result = validateKycApplication(withFields({ adress_line_2: 'Flat 4' }), TODAY);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.errors.map((error) => `${error.field}:${error.rule}`), ['adress_line_2:unknown_field']);
    assert.match(result.errors[0]?.message ?? '', /"adress_line_2".*address_line_2/);
  });

  test('when the shape schema alone parses an unknown key, then it fails too', () => {
    assert.equal(kycApplicationSchema.safeParse(withFields({ ssn: '123' })).success, false);
  });
});

describe('names', () => {
  test('when first_name contains a digit, then first_name:format is reported', () => {
    assert.deepEqual(failures(withFields({ first_name: 'J0hn' })), ['first_name:format']);
  });

  test('when last_name is only punctuation, then last_name:format is reported', () => {
    assert.deepEqual(failures(withFields({ last_name: ".-'" })), ['last_name:format']);
  });

  test('when names use other scripts, apostrophes, hyphens and periods, then they pass', () => {
    for (const name of ['Zoë', "O'Brien-Smith Jr.", 'D’Angelo', 'Иван', 'Ἀλέξανδρος', 'प्रिया', '李 小龍', 'José'.normalize('NFD')]) {
      assert.deepEqual(failures(withFields({ first_name: name })), [], name);
    }
  });

  test('when first_name is 101 characters, then first_name:max_length is reported; 100 passes', () => {
    assert.deepEqual(failures(withFields({ first_name: 'a'.repeat(101) })), ['first_name:max_length']);
    assert.deepEqual(failures(withFields({ first_name: 'a'.repeat(100) })), []);
  });

  test('when a name has surrounding spaces or decomposed accents, then it is trimmed and NFC-normalised', () => {
    const value = accepted(withFields({ first_name: '  Jose\u0301  ' }));
    assert.equal(value.first_name, 'Jos\u00e9');
  });
});

describe('date of birth', () => {
  test('when date_of_birth is not YYYY-MM-DD, then date_of_birth:format is reported', () => {
    assert.deepEqual(failures(withFields({ date_of_birth: '01/01/1990' })), ['date_of_birth:format']);
  });

  test('when date_of_birth is 2001-02-30, then date_of_birth:date is reported', () => {
    assert.deepEqual(failures(withFields({ date_of_birth: '2001-02-30' })), ['date_of_birth:date']);
  });

  test('when date_of_birth is 29 Feb of a non-leap century, then date_of_birth:date is reported; a leap 29 Feb passes', () => {
    assert.deepEqual(failures(withFields({ date_of_birth: '1900-02-29' })), ['date_of_birth:date']);
    assert.deepEqual(failures(withFields({ date_of_birth: '2000-02-29' })), []);
  });

  test('when date_of_birth is before 1900-01-01, then date_of_birth:min_date is reported; 1900-01-01 passes', () => {
    assert.deepEqual(failures(withFields({ date_of_birth: '1899-12-31' })), ['date_of_birth:min_date']);
    assert.deepEqual(failures(withFields({ date_of_birth: '1900-01-01' })), []);
  });

  test('when date_of_birth is in the future, then only date_of_birth:future_date is reported', () => {
    assert.deepEqual(failures(withFields({ date_of_birth: '2025-06-16' })), ['date_of_birth:future_date']);
  });

  test('when the applicant is 17, then date_of_birth:min_age is reported', () => {
    assert.deepEqual(failures(withFields({ date_of_birth: '2008-01-01' })), ['date_of_birth:min_age']);
  });

  test('when the 18th birthday is today, then the applicant passes; when it is tomorrow, min_age fails', () => {
    assert.deepEqual(failures(withFields({ date_of_birth: '2007-06-15' })), []);
    assert.deepEqual(failures(withFields({ date_of_birth: '2007-06-16' })), ['date_of_birth:min_age']);
  });

  test('when born on 29 Feb, then the applicant turns 18 on 1 Mar of a non-leap year, not on 28 Feb', () => {
    const application = withFields({ date_of_birth: '2004-02-29' });
    assert.deepEqual(failures(application, new Date('2022-02-28T23:59:59Z')), ['date_of_birth:min_age']);
    assert.deepEqual(failures(application, new Date('2022-03-01T00:00:00Z')), []);
  });

  test('when today is given late in the UTC day, then its UTC calendar date is used', () => {
    // 23:30 UTC on the 14th is already the 15th east of UTC; the rule deliberately follows UTC.
    const application = withFields({ date_of_birth: '2007-06-15' });
    assert.deepEqual(failures(application, new Date('2025-06-14T23:30:00Z')), ['date_of_birth:min_age']);
    assert.deepEqual(failures(application, new Date('2025-06-14T23:30:00-02:00')), []);
  });

  test('when today is an invalid Date, then validation throws instead of guessing', () => {
    assert.throws(() => validateKycApplication(SEED, new Date(Number.NaN)), RangeError);
  });
});

describe('ageOn', () => {
  test('when the birthday has or has not been reached this year, then completed years are counted', () => {
    assert.equal(ageOn('1990-06-15', TODAY), 35);
    assert.equal(ageOn('1990-06-16', TODAY), 34);
  });

  test('when born on 29 Feb, then the birthday counts from 1 Mar in non-leap years and on 29 Feb in leap years', () => {
    assert.equal(ageOn('2004-02-29', new Date('2022-02-28T00:00:00Z')), 17);
    assert.equal(ageOn('2004-02-29', new Date('2022-03-01T00:00:00Z')), 18);
    assert.equal(ageOn('2004-02-29', new Date('2024-02-29T00:00:00Z')), 20);
    assert.equal(ageOn('2004-02-29', new Date('2024-02-28T00:00:00Z')), 19);
  });

  test('when the date is not a calendar date, then ageOn throws', () => {
    assert.throws(() => ageOn('2001-02-30', TODAY), RangeError);
    assert.throws(() => ageOn('1990-1-1', TODAY), RangeError);
  });
});

describe('countries', () => {
  test('when nationality is not officially assigned (XK), then nationality:iso_country is reported', () => {
    assert.deepEqual(failures(withFields({ nationality: 'XK' })), ['nationality:iso_country']);
  });

  test('when country is a three-letter code, then country:iso_country is reported (and postal rules stay silent)', () => {
    assert.deepEqual(failures(withFields({ country: 'BWA' })), ['country:iso_country']);
  });

  test('when country codes are lower-case with spaces, then they are upper-cased and trimmed', () => {
    const value = accepted(withFields({ country: ' bw ', nationality: 'bw' }));
    assert.equal(value.country, 'BW');
    assert.equal(value.nationality, 'BW');
  });

  test('when the list is counted, then it has 249 unique codes in sorted order', () => {
    assert.equal(ISO_COUNTRY_CODES.length, 249);
    assert.equal(new Set(ISO_COUNTRY_CODES).size, 249);
    assert.deepEqual([...ISO_COUNTRY_CODES].sort(), [...ISO_COUNTRY_CODES]);
    assert.ok(ISO_COUNTRY_CODES.every((code) => /^[A-Z]{2}$/.test(code)));
  });

  test('when assigned codes are checked, then they are included', () => {
    for (const code of ['BW', 'EE', 'US', 'GB', 'AD', 'ZW', 'SS', 'BQ', 'CW', 'SX', 'AX']) assert.equal(isIsoCountry(code), true, code);
  });

  test('when reserved, user-assigned or malformed codes are checked, then they are excluded', () => {
    for (const code of ['XK', 'UK', 'EU', 'AN', 'YU', 'ZZ', 'AA', 'QZ', 'bw', 'BWA', '', 42, null]) {
      assert.equal(isIsoCountry(code), false, String(code));
    }
  });
});

describe('document type', () => {
  test('when document_type is not a supported type, then document_type:enum is reported', () => {
    assert.deepEqual(failures(withFields({ document_type: 'visa' })), ['document_type:enum']);
  });

  test('when document_type is upper-case, then it is normalised to the snake_case value', () => {
    assert.equal(accepted(withFields({ document_type: ' PASSPORT ' })).document_type, 'passport');
  });

  test('when a document type is shown to clients and vendors, then it has its upper-case code', () => {
    assert.equal(documentTypeCode('passport'), 'PASSPORT');
    assert.equal(documentTypeCode('id_card'), 'ID_CARD');
    assert.equal(documentTypeCode('drivers_license'), 'DRIVERS_LICENSE');
    assert.equal(documentTypeCode('residence_permit'), 'RESIDENCE_PERMIT');
  });
});

describe('document number', () => {
  test('when it contains spaces, hyphens and lower case, then they are removed and upper-cased', () => {
    assert.equal(accepted(withFields({ document_number: ' bp 123-456 789 ' })).document_number, 'BP123456789');
  });

  test('when it has a non-alphanumeric character, then document_number:format is reported', () => {
    assert.deepEqual(failures(withFields({ nationality: 'JP', document_number: 'TK12/34567' })), ['document_number:format']);
  });

  test('when it is shorter than 5 characters, then document_number:min_length is reported', () => {
    assert.deepEqual(failures(withFields({ nationality: 'JP', document_number: 'TK12' })), ['document_number:min_length']);
  });

  test('when it is longer than 20 characters, then document_number:max_length is reported', () => {
    assert.deepEqual(failures(withFields({ nationality: 'JP', document_number: 'A'.repeat(21) })), ['document_number:max_length']);
  });

  test('when the issuing country has no known format, then the generic 5..20 alphanumerics rule is enough', () => {
    assert.deepEqual(failures(withFields({ nationality: 'JP', document_number: 'TK1234567' })), []);
  });

  const passportCases: readonly { country: string; valid: readonly string[]; invalid: readonly string[] }[] = [
    { country: 'US', valid: ['123456789', 'A12345678'], invalid: ['12345678', 'AB1234567'] },
    { country: 'GB', valid: ['123456789'], invalid: ['A12345678', '1234567890'] },
    { country: 'DE', valid: ['C01X00T47', 'CFGHJ1234'], invalid: ['C01X00T4', 'A01X00T47'] },
    { country: 'EE', valid: ['K1234567', 'AB1234567'], invalid: ['1234567', 'K12345678A', 'K1234'] },
    { country: 'BW', valid: ['BP123456789', 'BP1234567', '123456789'], invalid: ['B123456789', 'BP123456'] },
    { country: 'IN', valid: ['J8369854'], invalid: ['J83698541', '88369854'] },
    { country: 'FR', valid: ['18AB12345'], invalid: ['18A123456', 'AB1812345'] },
    { country: 'CA', valid: ['AB123456'], invalid: ['A1234567', 'AB1234567'] },
  ];
  for (const { country, valid, invalid } of passportCases) {
    test(`when a ${country} passport number is checked, then the ${country} format decides`, () => {
      for (const number of valid) {
        assert.deepEqual(failures(withFields({ nationality: country, document_number: number })), [], `${number} should pass`);
      }
      for (const number of invalid) {
        assert.deepEqual(
          failures(withFields({ nationality: country, document_number: number })),
          ['document_number:format'],
          `${number} should fail`,
        );
      }
    });
  }

  test('when a passport is checked, then its issuer is the nationality, not the country of residence', () => {
    // A US-format number is fine for a US citizen living in Botswana, wrong for a GB citizen.
    assert.deepEqual(failures(withFields({ nationality: 'US', document_number: 'A12345678' })), []);
    assert.deepEqual(failures(withFields({ nationality: 'GB', document_number: 'A12345678' })), ['document_number:format']);
  });

  test('when the document is not a passport, then passport formats are not applied', () => {
    for (const documentType of ['id_card', 'drivers_license', 'residence_permit']) {
      assert.deepEqual(
        failures(withFields({ document_type: documentType, nationality: 'GB', country: 'GB', postal_code: 'SW1A 1AA', document_number: 'A12345678' })),
        [],
        documentType,
      );
    }
  });

  test('when the number fails its own rules, then the country format is not reported on top', () => {
    assert.deepEqual(failures(withFields({ nationality: 'GB', document_number: 'A1' })), ['document_number:min_length']);
  });
});

describe('address', () => {
  test('when address_line_1 is shorter than 3 characters, then address_line_1:min_length is reported', () => {
    assert.deepEqual(failures(withFields({ address_line_1: 'A1' })), ['address_line_1:min_length']);
  });

  test('when address_line_1 has no letter, then address_line_1:format is reported', () => {
    assert.deepEqual(failures(withFields({ address_line_1: '123 456' })), ['address_line_1:format']);
  });

  test('when address_line_1 contains a control character, then address_line_1:format is reported', () => {
    assert.deepEqual(failures(withFields({ address_line_1: '123 Main\nSt' })), ['address_line_1:format']);
  });

  test('when address_line_1 is longer than 200 characters, then address_line_1:max_length is reported', () => {
    assert.deepEqual(failures(withFields({ address_line_1: 'a'.repeat(201) })), ['address_line_1:max_length']);
  });

  test('when address_line_2 is given and longer than 200 characters, then address_line_2:max_length is reported', () => {
    assert.deepEqual(failures(withFields({ address_line_2: 'b'.repeat(201) })), ['address_line_2:max_length']);
    assert.equal(accepted(withFields({ address_line_2: ' Plot 42 ' })).address_line_2, 'Plot 42');
  });

  test('when city is a single character, then city:min_length is reported', () => {
    assert.deepEqual(failures(withFields({ city: 'G' })), ['city:min_length']);
  });

  test('when city contains digits, then city:format is reported; punctuated names pass', () => {
    assert.deepEqual(failures(withFields({ city: 'Gab0rone' })), ['city:format']);
    assert.deepEqual(failures(withFields({ city: "St. John's" })), []);
  });

  test('when state_province is given but invalid, then state_province:format is reported', () => {
    assert.deepEqual(failures(withFields({ state_province: '!!!' })), ['state_province:format']);
  });

  test('when state_province is longer than 100 characters, then state_province:max_length is reported', () => {
    assert.deepEqual(failures(withFields({ state_province: 's'.repeat(101) })), ['state_province:max_length']);
  });
});

describe('postal code', () => {
  const postalCases: readonly { country: string; valid: readonly string[]; invalid: readonly string[] }[] = [
    { country: 'US', valid: ['94105', '94105-1234'], invalid: ['9410', '94105-12', 'ABCDE'] },
    { country: 'GB', valid: ['SW1A 1AA', 'sw1a1aa', 'M1 1AE', 'GIR 0AA'], invalid: ['12345', 'SW1A 1A'] },
    { country: 'DE', valid: ['10115'], invalid: ['1011', '101155', 'D-10115'] },
    { country: 'CA', valid: ['K1A 0B1', 'k1a0b1'], invalid: ['123456', 'D1A 0B1', 'K1A-0B1'] },
    { country: 'BW', valid: ['00000', '', 'P O BOX 1'.replace(/ /g, '')], invalid: ['BOX 123'] },
    { country: 'NL', valid: ['1012 AB', '1012'], invalid: ['1', '-1012'] },
  ];
  for (const { country, valid, invalid } of postalCases) {
    test(`when a ${country} postal code is checked, then the ${country} format decides`, () => {
      for (const code of valid) {
        assert.deepEqual(failures(withFields({ country, postal_code: code })), [], `${JSON.stringify(code)} should pass`);
      }
      for (const code of invalid) {
        assert.deepEqual(failures(withFields({ country, postal_code: code })), ['postal_code:format'], `${JSON.stringify(code)} should fail`);
      }
    });
  }

  test('when postal_code is blank for a country that has postcodes, then postal_code:required is reported', () => {
    assert.deepEqual(failures(withFields({ country: 'US', postal_code: ' ' })), ['postal_code:required']);
  });

  test('when postal_code has characters outside letters, digits, spaces and hyphens, then postal_code:format is reported', () => {
    assert.deepEqual(failures(withFields({ postal_code: '00#00' })), ['postal_code:format']);
  });

  test('when postal_code is longer than 10 characters, then postal_code:max_length is reported', () => {
    assert.deepEqual(failures(withFields({ postal_code: '12345678901' })), ['postal_code:max_length']);
  });

  test('when postal_code is lower-case, then it is upper-cased', () => {
    assert.equal(accepted(withFields({ country: 'GB', postal_code: ' sw1a 1aa ' })).postal_code, 'SW1A 1AA');
  });
});

describe('several errors at once', () => {
  test('when many fields are wrong, then every one is reported with its own field and rule', () => {
    const errors = failures({
      ...SEED,
      first_name: '',
      last_name: 7,
      date_of_birth: '2010-05-05',
      nationality: 'XK',
      document_type: 'visa',
      address_line_1: '12',
      city: 'G',
      postal_code: '!!',
      nickname: 'JD',
    });
    assert.deepEqual(errors.sort(), [
      'address_line_1:format',
      'address_line_1:min_length',
      'city:min_length',
      'date_of_birth:min_age',
      'document_type:enum',
      'first_name:required',
      'last_name:type',
      'nationality:iso_country',
      'nickname:unknown_field',
      'postal_code:format',
    ]);
  });

  test('when cross-field rules fail alongside field rules, then both kinds are reported', () => {
    const errors = failures(withFields({ first_name: '', nationality: 'GB', document_number: 'BP123456789', country: 'US', postal_code: 'ABC' }));
    assert.deepEqual(errors.sort(), ['document_number:format', 'first_name:required', 'postal_code:format']);
  });

  test('when any one field fails in any way, then the age and postal code rules still report', () => {
    const fieldFailures: readonly [Record<string, unknown>, string][] = [
      [{ first_name: '' }, 'first_name:required'],
      [{ last_name: 7 }, 'last_name:type'],
      [{ nationality: 'XK' }, 'nationality:iso_country'],
      [{ document_type: 'visa' }, 'document_type:enum'],
      [{ document_number: 'A/1' }, 'document_number:format'],
      [{ date_of_birth: '2001-02-30', nationality: 'XK' }, 'nationality:iso_country'],
      [{ city: 'G' }, 'city:min_length'],
      [{ nickname: 'JD' }, 'nickname:unknown_field'],
    ];
    for (const [overrides, expected] of fieldFailures) {
      const errors = failures(withFields({ date_of_birth: '2010-05-05', country: 'US', postal_code: 'ABC', ...overrides }));
      assert.ok(errors.includes(expected), `${JSON.stringify(overrides)}: ${errors.join(' ')}`);
      assert.ok(errors.includes('postal_code:format'), `${JSON.stringify(overrides)}: ${errors.join(' ')}`);
      if (!('date_of_birth' in overrides)) assert.ok(errors.includes('date_of_birth:min_age'), `${JSON.stringify(overrides)}: ${errors.join(' ')}`);
    }
  });

  test('when errors are reported, then each conforms to the FieldError schema', () => {
    const result = validateKycApplication({ ...SEED, first_name: 1, extra: true, date_of_birth: '2099-01-01' }, TODAY);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.errors.length, 3);
    for (const error of result.errors) assert.deepEqual(fieldErrorSchema.parse(error), error);
  });
});
