// Country names as sanctions lists write them, to ISO 3166-1 alpha-2. The English names come from
// the runtime's CLDR data (Intl.DisplayNames), so only the lists' own spellings are written here.

const LIST_SPELLINGS: Record<string, string> = {
  'korea north': 'KP',
  'north korea': 'KP',
  'democratic peoples republic of korea': 'KP',
  'korea south': 'KR',
  'south korea': 'KR',
  'republic of korea': 'KR',
  'congo democratic republic of the': 'CD',
  'democratic republic of the congo': 'CD',
  'congo republic of the': 'CG',
  'republic of the congo': 'CG',
  congo: 'CG',
  burma: 'MM',
  turkey: 'TR',
  'iran islamic republic of': 'IR',
  'russian federation': 'RU',
  'syrian arab republic': 'SY',
  'state of palestine': 'PS',
  palestinian: 'PS',
  'west bank': 'PS',
  gaza: 'PS',
  'gaza strip': 'PS',
  'united kingdom of great britain and northern ireland': 'GB',
  'united republic of tanzania': 'TZ',
  'united states of america': 'US',
  'china hong kong special administrative region': 'HK',
  'hong kong': 'HK',
  macau: 'MO',
  macao: 'MO',
  'viet nam': 'VN',
  'lao peoples democratic republic': 'LA',
  'bolivia plurinational state of': 'BO',
  'venezuela bolivarian republic of': 'VE',
  'virgin islands british': 'VG',
  'british virgin islands': 'VG',
  'the gambia': 'GM',
  'gambia the': 'GM',
  'bahamas the': 'BS',
  'cabo verde': 'CV',
  'cote divoire': 'CI',
  'ivory coast': 'CI',
  'micronesia federated states of': 'FM',
  'republic of moldova': 'MD',
  'moldova republic of': 'MD',
  'north macedonia': 'MK',
  'the former yugoslav republic of macedonia': 'MK',
  swaziland: 'SZ',
  'czech republic': 'CZ',
  kosovo: 'XK',
};

function key(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’]/g, '')
    .replace(/[^a-z]+/g, ' ')
    .trim();
}

const displayNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

function buildIndex(): Map<string, string> {
  const index = new Map<string, string>();
  for (let first = 65; first <= 90; first++) {
    for (let second = 65; second <= 90; second++) {
      const code = String.fromCharCode(first, second);
      const name = displayNames.of(code);
      if (!name || name === code) continue;
      index.set(key(name), code);
      // "Myanmar (Burma)", "Congo - Kinshasa": each part alone names the country too.
      const base = name.replace(/\s*\(.*\)\s*/, '').replace(/\s+-\s+.*$/, '');
      if (base !== name && !index.has(key(base))) index.set(key(base), code);
    }
  }
  for (const [name, code] of Object.entries(LIST_SPELLINGS)) index.set(name, code);
  return index;
}

let index: Map<string, string> | undefined;

// The alpha-2 code of a country name, or null for a name that is no country ("undetermined",
// "former Soviet Union").
export function countryCode(name: string): string | null {
  index ??= buildIndex();
  const trimmed = name.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) return isCountryCode(trimmed.toUpperCase()) ? trimmed.toUpperCase() : null;
  return index.get(key(trimmed)) ?? null;
}

// User-assigned codes and the region codes CLDR names although they are no country.
const NOT_COUNTRIES = /^(AA|Q[M-Z]|X[A-JL-Z]|ZZ|EU|EZ|UN)$/;

export function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.test(code)) return false;
  const name = displayNames.of(code);
  return name !== undefined && name !== code;
}
