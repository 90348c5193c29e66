import anyAscii from 'any-ascii';
import doubleMetaphone from 'talisman/phonetics/double-metaphone';

// Names as the matcher compares them: one ASCII, lower-case, punctuation-free token per word,
// transliterated from any script, without honorifics, with the forms that spelling conventions
// disagree on folded together. The same code prepares list entries and customer queries, so
// both sides of every comparison went through the same steps.

export interface NameToken {
  // the same number for the same text, so comparisons can be remembered cheaply
  id: number;
  // ASCII, lower case, as transliterated
  text: string;
  // spelling variants folded (kh/h, w/v, ph/f, ou/u, doubled letters, ...)
  folded: string;
  // folded, with the vowels that transliterations swap most (o/u, e/i) merged: a weaker equality
  loose: string;
  // consonants only: what is left comparable after an abjad (Arabic, Hebrew) script dropped the vowels
  skeleton: string;
  // a connecting word (al, bin, van, de ...): it counts little in a comparison
  particle: boolean;
  // a single letter standing for a given name
  initial: boolean;
  // written in an abjad: the vowels were never there, so the skeleton is the fair comparison
  abjad: boolean;
}

export interface NormalisedName {
  tokens: NameToken[];
}

// Titles and honorifics say nothing about who a person is; lists and customers use them unevenly.
const HONORIFICS = new Set([
  'mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'professor', 'sir', 'dame', 'lord', 'lady', 'madam', 'mme', 'mlle', 'herr', 'frau',
  'sheikh', 'shaikh', 'shaykh', 'sheik', 'haji', 'hajji', 'hadji', 'alhaj', 'alhajj', 'mullah', 'mulla', 'maulana', 'mawlawi', 'maulavi', 'maulvi', 'moulavi',
  'imam', 'ayatollah', 'hojatoleslam', 'sayyid', 'sayed', 'syed', 'emir', 'amir', 'prince', 'princess', 'king', 'queen', 'sultan', 'rev', 'reverend', 'father',
  'gen', 'general', 'col', 'colonel', 'maj', 'major', 'capt', 'captain', 'lt', 'lieutenant', 'brig', 'brigadier', 'admiral', 'adm', 'sgt', 'cmdr', 'commander',
  'jr', 'sr', 'junior', 'senior', 'esq', 'phd', 'md', 'hon', 'honorable', 'excellency', 'ii', 'iii', 'iv',
]);

// Connecting words of Arabic, Persian, Iberian, Dutch, German, French and Italian names, with the
// forms an abjad transliteration leaves of the Arabic ones (bn, bw, l).
const PARTICLES = new Set([
  'al', 'el', 'l', 'ul', 'ud', 'ad', 'ar', 'as', 'at', 'az', 'an', 'ash', 'bin', 'ben', 'bn', 'ibn', 'bint', 'binti', 'binte', 'bte', 'bt', 'b',
  'abu', 'bw', 'abw', 'ould', 'walad', 'oglu', 'ogly', 'uulu', 'kyzy', 'qizi', 'gizi',
  'de', 'da', 'di', 'do', 'du', 'del', 'della', 'dela', 'der', 'den', 'des', 'dos', 'das', 'van', 'von', 'vom', 'zu', 'la', 'le', 'lo', 'los', 'las', 'y', 'e', 'st', 'ter', 'ten',
]);

const ABJAD = /[\u0590-\u05FF\u0600-\u06FF\u0700-\u074F\u0750-\u077F\u08A0-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;
const GREEK = /[\u0370-\u03FF\u1F00-\u1FFF]/;
const HANGUL = /[\uAC00-\uD7AF]/;
// Han ideographs and Hangul syllables: one syllable each, written without spaces.
const SYLLABIC = /[\u3400-\u9FFF\uF900-\uFAFF\uAC00-\uD7AF]/g;

// Script-specific steps that must happen before transliteration, while the script is still known.
function prepareScript(raw: string): string {
  let text = raw.normalize('NFKC');
  if (ABJAD.test(text)) {
    // The Arabic article is written joined to its noun and its alif is dropped by transliteration:
    // split it off so that "الظواهري" yields the tokens "l" and "dhwhry", not "ldhwhry".
    text = text.replace(/(^|[\s-])ال(?=\S{2,})/g, '$1ال ');
  }
  if (GREEK.test(text)) {
    // Greek writes sounds it has no letter for with digraphs that letter-by-letter transliteration
    // gets wrong: ου is u (not "oy"), μπ is b, ντ is d, γκ is g, τζ is j; χ stands for h and kh.
    text = text
      .toLowerCase()
      .replace(/ο[υύ]/g, 'u')
      .replace(/μπ/g, 'b')
      .replace(/ντ/g, 'd')
      .replace(/γκ/g, 'g')
      .replace(/τζ/g, 'j')
      .replace(/χ/g, 'h');
  }
  return text.replace(SYLLABIC, (ch) => ` ${ch} `);
}

// Spelling conventions that transliterations of one name disagree on.
const FOLDS: [RegExp, string][] = [
  [/sch/g, 'sh'],
  [/tch/g, 'ch'],
  [/dzh/g, 'j'],
  [/dj/g, 'j'],
  [/zh/g, 'j'],
  [/kh/g, 'h'],
  [/gh/g, 'g'],
  [/ph/g, 'f'],
  [/dh/g, 'z'],
  [/th/g, 't'],
  [/ck/g, 'k'],
  [/q/g, 'k'],
  [/c(?!h)/g, 'k'],
  [/x/g, 'ks'],
  [/w/g, 'v'],
  [/ou/g, 'u'],
  [/oo/g, 'u'],
  [/ee/g, 'i'],
  [/ie$/g, 'i'],
  [/y/g, 'i'],
  [/(.)\1+/g, '$1'],
  // A final h after a vowel is silent (Abdullah, Abdulla; the Arabic feminine ending).
  [/(?<=.[aeiou])h$/g, ''],
];

function foldSpelling(token: string): string {
  let folded = token;
  for (const [pattern, replacement] of FOLDS) folded = folded.replace(pattern, replacement);
  return folded;
}

// What is left comparable between a name written in an abjad (Arabic, Hebrew: consonants and long
// vowels only, with w and y standing for long u and i) and its Latin spelling: the consonants, with
// the sounds the abjad has no letter for merged into the ones it uses instead (g/j, p/b, v/f, ch/sh).
function consonantSkeleton(token: string, abjad: boolean): string {
  const consonants = abjad ? token.replace(/[wy]/g, '') : token.replace(/[wy]/g, '').replace(/v/g, 'f');
  return foldSpelling(consonants)
    .replace(/tsh|ch/g, 'sh')
    .replace(/g/g, 'j')
    .replace(/p/g, 'b')
    .replace(/[aeiouv]/g, '')
    .replace(/(.)\1+/g, '$1');
}

// The Arabic article takes the sound of the letter after it (ad-Din, as-Sayyid, az-Zawahiri) and
// loses its vowel in an abjad: all are one word.
const ARABIC_ARTICLES = new Set(['al', 'el', 'l', 'ul', 'ad', 'ar', 'as', 'at', 'az', 'an', 'ash', 'ud']);

// Ids are never reused: when the table is emptied, a known text just gets a new id.
const TOKEN_ID_LIMIT = 1_000_000;
const tokenIds = new Map<string, number>();
let nextTokenId = 1;

export function tokenId(text: string): number {
  let id = tokenIds.get(text);
  if (id === undefined) {
    if (tokenIds.size >= TOKEN_ID_LIMIT) tokenIds.clear();
    id = nextTokenId++;
    tokenIds.set(text, id);
  }
  return id;
}

function makeToken(text: string, abjad: boolean): NameToken {
  const folded = ARABIC_ARTICLES.has(text) ? 'al' : foldSpelling(text);
  return {
    id: tokenId(text),
    text,
    folded,
    loose: folded.replace(/o/g, 'u').replace(/e/g, 'i'),
    skeleton: consonantSkeleton(text, abjad),
    particle: PARTICLES.has(text),
    initial: text.length === 1 && !PARTICLES.has(text),
    abjad,
  };
}

// Transliteration gives Korean names in the Revised Romanization (Gim Jeong Eun); lists and
// passports mostly keep the older spellings (Kim Jong Un).
function koreanSpelling(word: string): string {
  return word.replace(/eo/g, 'o').replace(/eu/g, 'u').replace(/^g/, 'k').replace(/^d/, 't').replace(/^b/, 'p');
}

export function normaliseName(raw: string): NormalisedName {
  const prepared = prepareScript(raw);
  const abjad = ABJAD.test(prepared);
  const korean = HANGUL.test(prepared);
  const ascii = anyAscii(prepared)
    .toLowerCase()
    // Apostrophes, ayn and hamza marks sit inside words (O'Brien, Mu'ammar): they join, not split.
    .replace(/['`\u2018\u2019\u02BB\u02BC\u02BF\u02BE]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  const words = ascii.split(' ').filter((w) => w.length > 0 && !/^\d+$/.test(w) && !HONORIFICS.has(w));
  return { tokens: words.map((w) => makeToken(korean ? koreanSpelling(w) : w, abjad)) };
}

// The text form of a normalised name, for comparing whole names quickly.
export function nameKey(name: NormalisedName): string {
  return name.tokens.map((t) => t.folded).join(' ');
}

function metaphoneKeys(token: string): string[] {
  const [primary, secondary] = doubleMetaphone(token);
  return [...new Set([primary, secondary].filter((k): k is string => typeof k === 'string' && k.length >= 2))];
}

// The keys under which a name is found: folded tokens, the concatenation of adjacent tokens (names
// written as one word or two: "Abdulrahman", "Abdul Rahman"), double metaphone codes and consonant
// skeletons. A query looks up the same keys of its own names, so retrieval survives typos in all
// but one token, transliteration and word order.
export function indexKeys(name: NormalisedName): string[] {
  const keys = new Set<string>();
  const words = name.tokens.filter((t) => !t.particle && !t.initial);
  for (const token of words) {
    if (token.folded.length >= 2) keys.add(`t:${token.folded}`);
    if (token.text.length >= 3) for (const key of metaphoneKeys(token.text)) keys.add(`p:${key}`);
    if (token.skeleton.length >= 2) keys.add(`s:${token.skeleton}`);
  }
  for (let i = 0; i + 1 < name.tokens.length; i++) {
    const joined = foldSpelling(name.tokens[i]!.text + name.tokens[i + 1]!.text);
    keys.add(`t:${joined}`);
  }
  return [...keys];
}

// Birth years under which an entry is found: they rank candidates that share the person's year of
// birth first among namesakes (a ranking signal only: a year alone never makes a candidate).
export function birthYearKeys(dates: ({ date: string; approximate?: boolean } | { from: string; to: string })[]): string[] {
  const years = new Set<number>();
  for (const date of dates) {
    if ('from' in date) {
      for (let year = Number(date.from); year <= Number(date.to) && year - Number(date.from) <= 10; year++) years.add(year);
    } else {
      const year = Number(date.date.slice(0, 4));
      years.add(year);
      if (date.approximate) [year - 1, year + 1].forEach((y) => years.add(y));
    }
  }
  return [...years].map((year) => `y:${year}`);
}
