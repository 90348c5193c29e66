// Writes machine-readable zones (ICAO Doc 9303) for generated specimen documents. The engine reads
// zones with the `mrz` package; this side exists so specimens carry zones whose check digits are
// right (or deliberately wrong, for the tampered variants).

const CHECK_WEIGHTS = [7, 3, 1] as const;

function characterValue(character: string): number {
  if (character === '<') return 0;
  const code = character.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 90) return code - 55;
  throw new Error(`"${character}" cannot appear in a machine-readable zone`);
}

export function checkDigit(field: string): string {
  let sum = 0;
  for (let index = 0; index < field.length; index += 1) {
    sum += characterValue(field[index]!) * CHECK_WEIGHTS[index % 3]!;
  }
  return String(sum % 10);
}

// Latin letters with diacritics lose them; the few ICAO spells out get their two-letter forms.
const TRANSLITERATIONS: Record<string, string> = { Ä: 'AE', Ö: 'OE', Ü: 'UE', ß: 'SS', Æ: 'AE', Ø: 'OE', Å: 'AA', Œ: 'OE', Þ: 'TH' };

export function toMrzText(value: string): string {
  const spelled = [...value].map((character) => TRANSLITERATIONS[character] ?? TRANSLITERATIONS[character.toUpperCase()] ?? character).join('');
  return spelled
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '<')
    .replace(/^<+|<+$/g, '');
}

function pad(value: string, length: number): string {
  return value.length >= length ? value.slice(0, length) : value + '<'.repeat(length - value.length);
}

export function nameField(surname: string, givenNames: string, length: number): string {
  return pad(`${toMrzText(surname)}<<${toMrzText(givenNames)}`, length);
}

// YYYY-MM-DD to the zone's YYMMDD.
export function mrzDate(isoDate: string): string {
  return isoDate.slice(2, 4) + isoDate.slice(5, 7) + isoDate.slice(8, 10);
}

export interface MrzHolder {
  surname: string;
  givenNames: string;
  documentNumber: string;
  // Codes as the zone writes them: ISO alpha-3, except Germany's "D".
  issuingState: string;
  nationality: string;
  dateOfBirth: string;
  sex: 'M' | 'F' | 'X';
  dateOfExpiry: string;
}

function sexCode(sex: MrzHolder['sex']): string {
  return sex === 'X' ? '<' : sex;
}

// A passport's two 44-character lines (TD3).
export function passportMrz(holder: MrzHolder): [string, string] {
  const line1 = pad(`P<${pad(holder.issuingState, 3)}${nameField(holder.surname, holder.givenNames, 39)}`, 44);
  const documentNumber = pad(holder.documentNumber, 9);
  const birth = mrzDate(holder.dateOfBirth);
  const expiry = mrzDate(holder.dateOfExpiry);
  const personalNumber = pad('', 14);
  const numberPart = documentNumber + checkDigit(documentNumber);
  const birthPart = birth + checkDigit(birth);
  const expiryPart = expiry + checkDigit(expiry);
  const personalPart = personalNumber + checkDigit(personalNumber);
  const composite = checkDigit(numberPart + birthPart + expiryPart + personalPart);
  const line2 = numberPart + pad(holder.nationality, 3) + birthPart + sexCode(holder.sex) + expiryPart + personalPart + composite;
  return [line1, line2];
}

// An identity card's three 30-character lines (TD1).
export function idCardMrz(holder: MrzHolder): [string, string, string] {
  const documentNumber = pad(holder.documentNumber, 9);
  const line1 = `I<${pad(holder.issuingState, 3)}${documentNumber}${checkDigit(documentNumber)}${pad('', 15)}`;
  const birth = mrzDate(holder.dateOfBirth);
  const expiry = mrzDate(holder.dateOfExpiry);
  const line2Start = `${birth}${checkDigit(birth)}${sexCode(holder.sex)}${expiry}${checkDigit(expiry)}${pad(holder.nationality, 3)}${pad('', 11)}`;
  const composite = checkDigit(line1.slice(5, 30) + line2Start.slice(0, 7) + line2Start.slice(8, 15) + line2Start.slice(18, 29));
  return [line1, line2Start + composite, nameField(holder.surname, holder.givenNames, 30)];
}
