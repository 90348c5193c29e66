import { nameKey, normaliseName } from '../screening/normalise';
import { type BirthDate, type ListEntry } from '../screening/types';

// The labelled set of the screening benchmark, built from the lists themselves: variants of listed
// people's names (the answer is known: that entry, or the same person on another list) and names
// of people who are not listed (any match is a false positive). Deterministic for a seed.

export type Polarity = 'positive' | 'negative';

export interface LabelledQuery {
  id: string;
  variant: string;
  polarity: Polarity;
  context: 'name_only' | 'with_dob_country';
  names: string[];
  dateOfBirth?: string;
  countries?: string[];
  // entries that are this person (positives only)
  truth: string[];
}

export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;

export const GIVEN_NAMES = [
  'John', 'Michael', 'David', 'James', 'Robert', 'Mary', 'Sarah', 'Emma', 'Olivia', 'William', 'Thomas', 'Jennifer',
  'Carlos', 'Juan', 'José', 'Luis', 'María', 'Carmen', 'Ana', 'Javier', 'Lucía', 'Diego',
  'Omar', 'Khalid', 'Youssef', 'Fatima', 'Aisha', 'Layla', 'Karim', 'Nour', 'Samir', 'Rania', 'Tariq', 'Hiba',
  'Ivan', 'Dmitri', 'Sergei', 'Olga', 'Natalia', 'Anna', 'Pavel', 'Svetlana', 'Mikhail', 'Elena',
  'Wei', 'Jing', 'Lei', 'Xiaoming', 'Hui', 'Yan', 'Rahul', 'Priya', 'Amit', 'Anjali', 'Vikram', 'Deepa',
  'Kagiso', 'Thabo', 'Neo', 'Amara', 'Chidi', 'Ngozi', 'Kwame', 'Lesego', 'Tumelo', 'Boitumelo', 'Kefilwe', 'Onalenna',
  'Lukas', 'Sofia', 'Mateo', 'Yuki', 'Hiroshi', 'Minjun', 'Emre', 'Elif', 'Giulia', 'Pierre', 'Camille', 'Jan', 'Agnieszka',
] as const;

export const SURNAMES = [
  'Smith', 'Johnson', 'Brown', 'Taylor', 'Wilson', 'Garcia', 'Martinez', 'Rodriguez', 'Lopez', 'Hernandez', 'Gonzalez', 'Perez',
  'Ivanov', 'Petrov', 'Smirnov', 'Kuznetsov', 'Popova', 'Wang', 'Li', 'Zhang', 'Chen', 'Liu', 'Kumar', 'Sharma', 'Patel', 'Singh',
  'Mensah', 'Okafor', 'Dlamini', 'Molefe', 'Nkosi', 'Mokoena', 'Seretse', 'Kgosi', 'Haddad', 'Nasser', 'Khoury', 'Rahman', 'Hussain',
  'Mueller', 'Schmidt', 'Rossi', 'Dubois', 'Kowalski', 'Nowak', 'Yilmaz', 'Kaya', 'Tanaka', 'Suzuki', 'Kim', 'Park', 'Nguyen', 'Tran',
  'Silva', 'Santos', 'Oliveira', 'Costa', 'Jansen', 'Andersson', 'Novak', 'Horvat',
] as const;

const COUNTRIES = ['BW', 'ZA', 'GB', 'US', 'DE', 'FR', 'ES', 'MX', 'RU', 'CN', 'IN', 'NG', 'EG', 'AE', 'TR', 'BR', 'PK', 'KE'] as const;

// ------------------------------------------------------------------------------------------------
// Writing a Latin name in another script, the way someone typing it there would: the benchmark's
// matcher has to find its way back through transliteration.

const CYRILLIC: [string, string][] = [
  ['shch', 'щ'], ['sh', 'ш'], ['ch', 'ч'], ['zh', 'ж'], ['kh', 'х'], ['ts', 'ц'], ['ya', 'я'], ['yu', 'ю'], ['yo', 'ё'], ['ye', 'е'],
  ['a', 'а'], ['b', 'б'], ['v', 'в'], ['w', 'в'], ['g', 'г'], ['d', 'д'], ['e', 'е'], ['z', 'з'], ['i', 'и'], ['y', 'й'], ['j', 'дж'],
  ['k', 'к'], ['c', 'к'], ['q', 'к'], ['l', 'л'], ['m', 'м'], ['n', 'н'], ['o', 'о'], ['p', 'п'], ['r', 'р'], ['s', 'с'], ['t', 'т'],
  ['u', 'у'], ['f', 'ф'], ['h', 'х'], ['x', 'кс'],
];
const GREEK: [string, string][] = [
  ['th', 'θ'], ['ch', 'χ'], ['kh', 'χ'], ['ps', 'ψ'], ['sh', 'σ'], ['ou', 'ου'], ['u', 'ου'], ['w', 'ου'],
  ['a', 'α'], ['b', 'μπ'], ['v', 'β'], ['g', 'γ'], ['d', 'ντ'], ['e', 'ε'], ['z', 'ζ'], ['i', 'ι'], ['y', 'ι'], ['k', 'κ'], ['c', 'κ'], ['q', 'κ'],
  ['l', 'λ'], ['m', 'μ'], ['n', 'ν'], ['x', 'ξ'], ['o', 'ο'], ['p', 'π'], ['r', 'ρ'], ['s', 'σ'], ['t', 'τ'], ['f', 'φ'], ['h', 'χ'], ['j', 'τζ'],
];
// Consonants and long vowels only: short vowels are not written in Arabic script.
const ARABIC: [string, string][] = [
  ['kh', 'خ'], ['sh', 'ش'], ['th', 'ث'], ['dh', 'ذ'], ['gh', 'غ'], ['ch', 'تش'], ['ph', 'ف'], ['ee', 'ي'], ['oo', 'و'], ['ou', 'و'], ['aa', 'ا'],
  ['b', 'ب'], ['p', 'ب'], ['t', 'ت'], ['j', 'ج'], ['h', 'ه'], ['d', 'د'], ['r', 'ر'], ['z', 'ز'], ['s', 'س'], ['f', 'ف'], ['v', 'ف'],
  ['q', 'ق'], ['k', 'ك'], ['c', 'ك'], ['g', 'ج'], ['l', 'ل'], ['m', 'م'], ['n', 'ن'], ['w', 'و'], ['y', 'ي'], ['x', 'كس'],
  ['i', 'ي'], ['u', 'و'], ['o', 'و'], ['a', ''], ['e', ''],
];

function writeWord(word: string, table: [string, string][], arabic: boolean): string {
  const lower = word.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  let out = '';
  for (let i = 0; i < lower.length; ) {
    if (arabic && i === 0 && /[aeiou]/.test(lower[0]!)) {
      out += 'ا';
      i++;
      continue;
    }
    const found = table.find(([latin]) => lower.startsWith(latin, i));
    if (!found) {
      i++;
      continue;
    }
    out += found[1];
    i += found[0].length;
  }
  if (!arabic && table === GREEK) out = out.replace(/σ$/, 'ς');
  return out;
}

export function inScript(name: string, script: 'cyrillic' | 'greek' | 'arabic'): string {
  const table = script === 'cyrillic' ? CYRILLIC : script === 'greek' ? GREEK : ARABIC;
  const words = name.split(/[\s,]+/).filter(Boolean);
  if (script === 'arabic') {
    // The article is written joined to its noun: al-Zawahiri -> الظواهري
    return words
      .flatMap((w) => w.split('-'))
      .map((w, i, all) => (/^(al|el)$/i.test(w) && i + 1 < all.length ? '@' : writeWord(w, ARABIC, true)))
      .join(' ')
      .replace(/@ /g, 'ال');
  }
  return words.map((w) => w.split('-').map((part) => writeWord(part, table, false)).join('-')).join(' ');
}

// ------------------------------------------------------------------------------------------------

function titleCase(word: string): string {
  return word.toLowerCase().replace(/(^|[-'])\p{L}/gu, (m) => m.toUpperCase());
}

// "AL-ZAWAHIRI, Ayman" -> "Ayman Al-Zawahiri": how a customer writes their own name.
export function naturalOrder(name: string): string {
  const [family, given] = name.split(/,\s*/, 2);
  const ordered = given ? `${given} ${family}` : name;
  return ordered.split(/\s+/).map(titleCase).join(' ');
}

function familyName(name: string): string {
  const comma = name.indexOf(',');
  if (comma > 0) return titleCase(name.slice(0, comma).trim().split(/\s+/).pop()!);
  return titleCase(name.trim().split(/\s+/).pop()!);
}

function typo(rnd: () => number, name: string): string {
  const words = name.split(' ');
  const candidates = words.map((w, i) => [w, i] as const).filter(([w]) => w.length >= 5);
  if (!candidates.length) return name;
  const [word, index] = pick(rnd, candidates);
  const at = 1 + Math.floor(rnd() * (word.length - 2));
  const letters = 'aeioulnrstmkdh';
  const op = Math.floor(rnd() * 4);
  let changed: string;
  if (op === 0) changed = word.slice(0, at) + pick(rnd, [...letters]) + word.slice(at + 1);
  else if (op === 1) changed = word.slice(0, at) + word.slice(at + 1);
  else if (op === 2) changed = word.slice(0, at) + word[at + 1]! + word[at]! + word.slice(at + 2);
  else changed = word.slice(0, at) + word[at]! + word.slice(at);
  words[index] = changed;
  return words.join(' ');
}

function dobOf(dates: BirthDate[]): string | undefined {
  for (const date of dates) {
    if ('date' in date && !date.approximate && /^\d{4}(-\d{2}-\d{2})?$/.test(date.date)) return date.date;
  }
  return undefined;
}

function randomDob(rnd: () => number, avoidYear?: number): string {
  let year: number;
  do year = 1940 + Math.floor(rnd() * 62);
  while (avoidYear !== undefined && Math.abs(year - avoidYear) < 3);
  const month = 1 + Math.floor(rnd() * 12);
  const day = 1 + Math.floor(rnd() * 28);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// Entries that are one person across lists: they share a name (same tokens in any order) and
// their birth years do not contradict each other.
function sameness(entries: ListEntry[]): Map<string, Set<string>> {
  const byName = new Map<string, ListEntry[]>();
  const keyOf = (name: string) => nameKey(normaliseName(name)).split(' ').filter((t) => t !== 'al').sort().join(' ');
  for (const entry of entries) {
    for (const n of entry.names) {
      if (n.quality === 'weak') continue;
      const key = keyOf(n.name);
      if (key.split(' ').length < 2) continue;
      const list = byName.get(key) ?? [];
      if (!list.includes(entry)) list.push(entry);
      byName.set(key, list);
    }
  }
  const years = (e: ListEntry) => e.birthDates.flatMap((d) => ('date' in d ? [Number(d.date.slice(0, 4))] : [Number(d.from), Number(d.to)]));
  const compatible = (a: ListEntry, b: ListEntry) => {
    const ya = years(a);
    const yb = years(b);
    return ya.length === 0 || yb.length === 0 || ya.some((x) => yb.some((y) => Math.abs(x - y) <= 1));
  };
  const same = new Map<string, Set<string>>();
  for (const group of byName.values()) {
    for (const a of group) {
      const set = same.get(a.entryId) ?? new Set([a.entryId]);
      for (const b of group) if (compatible(a, b)) set.add(b.entryId);
      same.set(a.entryId, set);
    }
  }
  return same;
}

export interface LabelledSetOptions {
  seed: number;
  persons: number;
  unrelated: number;
}

export function buildLabelledSet(entries: ListEntry[], options: LabelledSetOptions): LabelledQuery[] {
  const rnd = random(options.seed);
  const people = entries.filter((e) => e.entityType === 'person' && (e.source === 'ofac-sdn' || e.source === 'un-sc'));
  const usable = people.filter((e) => normaliseName(e.name).tokens.filter((t) => !t.particle && !t.initial).length >= 2);
  const same = sameness(people);
  const listedKeys = new Set(people.flatMap((e) => e.names.map((n) => nameKey(normaliseName(n.name)).split(' ').sort().join(' '))));
  const queries: LabelledQuery[] = [];
  const shuffled = [...usable].sort((a, b) => a.entryId.localeCompare(b.entryId));
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const sample = shuffled.slice(0, options.persons);

  sample.forEach((entry, n) => {
    const truth = [...(same.get(entry.entryId) ?? new Set([entry.entryId]))];
    const base = naturalOrder(entry.name);
    const withContext = n % 2 === 0;
    const dob = dobOf(entry.birthDates);
    const context = (): Pick<LabelledQuery, 'context' | 'dateOfBirth' | 'countries'> =>
      withContext && (dob || entry.countries.length)
        ? { context: 'with_dob_country', ...(dob ? { dateOfBirth: dob } : {}), ...(entry.countries.length ? { countries: [entry.countries[0]!] } : {}) }
        : { context: 'name_only' };
    const add = (variant: string, name: string) => queries.push({ id: `${entry.entryId}/${variant}`, variant, polarity: 'positive', names: [name], truth, ...context() });

    add('as_listed', base);
    add('typo', typo(rnd, base));
    const words = base.split(' ');
    add('token_order', [...words.slice(1), words[0]!].join(' '));
    if (words.length >= 3) {
      const drop = 1 + Math.floor(rnd() * (words.length - 2));
      add('missing_middle', words.filter((_, i) => i !== drop).join(' '));
    }
    const aliases = entry.names.filter((a) => a.type !== 'primary' && a.type !== 'original_script' && a.quality === 'strong' && normaliseName(a.name).tokens.length >= 2);
    if (aliases.length) add('alias', naturalOrder(pick(rnd, aliases).name));
    add('cyrillic', inScript(base, 'cyrillic'));
    add('greek', inScript(base, 'greek'));
    add('arabic', inScript(base, 'arabic'));

    // The listed family name with another given name, a birth date far from the listed one and
    // the same country: a relative or a namesake, not the listed person.
    const family = familyName(entry.name);
    const givenTokens = new Set(normaliseName(entry.name).tokens.map((t) => t.folded));
    let given: string;
    do given = pick(rnd, GIVEN_NAMES);
    while (givenTokens.has(normaliseName(given).tokens[0]!.folded));
    const listedYear = dob ? Number(dob.slice(0, 4)) : undefined;
    queries.push({
      id: `${entry.entryId}/surname_other_given`,
      variant: 'surname_other_given',
      polarity: 'negative',
      context: 'with_dob_country',
      names: [`${given} ${family}`],
      dateOfBirth: randomDob(rnd, listedYear),
      ...(entry.countries.length ? { countries: [entry.countries[0]!] } : {}),
      truth: [],
    });
  });

  for (let i = 0; queries.filter((q) => q.variant === 'unrelated').length < options.unrelated && i < options.unrelated * 20; i++) {
    const middle = rnd() < 0.25 ? ` ${pick(rnd, GIVEN_NAMES)}` : '';
    const name = `${pick(rnd, GIVEN_NAMES)}${middle} ${pick(rnd, SURNAMES)}`;
    // A name that is listed as such is no negative example.
    if (listedKeys.has(nameKey(normaliseName(name)).split(' ').sort().join(' '))) continue;
    const withContext = rnd() < 0.5;
    queries.push({
      id: `unrelated/${i}`,
      variant: 'unrelated',
      polarity: 'negative',
      context: withContext ? 'with_dob_country' : 'name_only',
      names: [name],
      ...(withContext ? { dateOfBirth: randomDob(rnd), countries: [pick(rnd, COUNTRIES)] } : {}),
      truth: [],
    });
  }
  return queries;
}

export function syntheticCustomer(rnd: () => number, index: number) {
  const middle = rnd() < 0.2 ? ` ${pick(rnd, GIVEN_NAMES)}` : '';
  return {
    subjectId: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    names: [`${pick(rnd, GIVEN_NAMES)}${middle} ${pick(rnd, SURNAMES)}`],
    dateOfBirth: randomDob(rnd),
    countries: [pick(rnd, COUNTRIES)],
  };
}
