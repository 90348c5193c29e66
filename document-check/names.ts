import { nameField, toMrzText } from './mrz-compose';

// Comparing a name as the applicant typed it with a name as a document prints it. Both are
// brought to the zone's alphabet (upper-case Latin, diacritics and punctuation gone, as ICAO
// transliterates), then compared token by token, so order, case, hyphens and accents do not
// matter; a missing middle name costs little, a missing surname a lot.

export function nameTokens(name: string): string[] {
  return toMrzText(name).split('<').filter(Boolean);
}

// Letters OCR mistakes for one another in print: a printed name read with one of them is the
// same name, so swapping them costs a quarter of an edit.
const LOOKALIKE_GROUPS = ['OQDC0', 'IL1J', 'B8', 'S5', 'Z2', 'EF', 'UV', 'MN', 'G6'];
const LOOKALIKE_COST = 0.25;

function substitutionCost(a: string, b: string): number {
  if (a === b) return 0;
  return LOOKALIKE_GROUPS.some((group) => group.includes(a) && group.includes(b)) ? LOOKALIKE_COST : 1;
}

// Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment):
// typing "Yuong" for "Young" is one slip, not two.
export function editDistance(a: string, b: string, cost: (a: string, b: string) => number = substitutionCost): number {
  if (a === b) return 0;
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost(a[i - 1]!, b[j - 1]!));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

function tokenSimilarity(a: string, b: string, truncated: boolean): number {
  // The zone cuts long names: a printed token that begins the typed one is the same name.
  if (truncated && a.length >= 3 && b.startsWith(a)) return 1;
  return 1 - editDistance(a, b) / Math.max(a.length, b.length);
}

function best(token: string, others: string[], truncated: boolean): number {
  return others.reduce((top, other) => Math.max(top, tokenSimilarity(token, other, truncated)), 0);
}

export interface DocumentName {
  surname: string;
  givenNames: string;
  // The zone's name field was full, so its last token may be cut short.
  truncated?: boolean;
}

// 0..1: the weakest of how well the typed name is covered by the document's, how well the
// document's surname is found in it, and how well its first given name is.
export function nameSimilarity(submitted: string, document: DocumentName): number {
  const typed = nameTokens(submitted);
  const surname = nameTokens(document.surname);
  const given = nameTokens(document.givenNames);
  const printed = [...surname, ...given];
  if (!typed.length || !printed.length) return 0;
  const truncated = document.truncated ?? false;
  const lastPrinted = printed[printed.length - 1]!;
  const similarityTo = (token: string) =>
    printed.reduce((top, other) => Math.max(top, tokenSimilarity(other, token, truncated && other === lastPrinted)), 0);
  const typedLength = typed.reduce((sum, token) => sum + token.length, 0);
  const coverage = typed.reduce((sum, token) => sum + token.length * similarityTo(token), 0) / typedLength;
  const surnameFound = surname.length ? Math.min(...surname.map((token) => best(token, typed, false))) : 1;
  const firstGivenFound = given.length ? best(given[0]!, typed, truncated && given.length === 1) : 1;
  return Math.min(coverage, surnameFound, firstGivenFound);
}

// In the zone itself, OCR reads the `<` separators and filler as K or L.
function zoneSubstitutionCost(a: string, b: string): number {
  if ((a === '<' && 'KL'.includes(b)) || (b === '<' && 'KL'.includes(a))) return LOOKALIKE_COST;
  return substitutionCost(a, b);
}

// 0..1: a zone's name field as read (separators, filler and all) against the field a name would
// make, so that separators read as letters do not split or join names.
export function zoneFieldSimilarity(field: string, name: { surname: string; givenNames: string }): number {
  const expected = nameField(name.surname, name.givenNames, field.length);
  const significant = (text: string) => text.replace(/<+$/, '').length;
  const length = Math.max(significant(expected), significant(field), 1);
  return Math.max(0, 1 - editDistance(field, expected, zoneSubstitutionCost) / length);
}

// The typed name's best reading as surname and given names, either order, any split point.
export function typedNameSimilarity(field: string, typed: string): number {
  const tokens = nameTokens(typed);
  let best = 0;
  for (let split = 1; split < tokens.length; split += 1) {
    const front = tokens.slice(0, split).join(' ');
    const back = tokens.slice(split).join(' ');
    best = Math.max(best, zoneFieldSimilarity(field, { surname: back, givenNames: front }), zoneFieldSimilarity(field, { surname: front, givenNames: back }));
  }
  return tokens.length === 1 ? zoneFieldSimilarity(field, { surname: tokens[0]!, givenNames: '' }) : best;
}
