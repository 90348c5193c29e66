import { countryCode } from '../countries';
import { type BirthDate, type EntityType, type EntryName, type ParsedEntry } from '../types';
import { parseCsv } from './csv';
import { ListFormatError } from './list-errors';

// The OFAC SDN list in its legacy CSV form: sdn.csv (one row per entry), alt.csv (aliases) and
// add.csv (addresses), without header rows, "-0-" for an empty field. Strong aliases are the rows
// of alt.csv; OFAC puts weak aliases ("a.k.a. 'EL SENOR'") in single quotes in sdn.csv's remarks,
// together with dates of birth, nationalities and gender.

export interface OfacFiles {
  sdn: string;
  alt: string;
  add: string;
}

const SDN_FIELDS = 12;
const ALT_FIELDS = 5;
const ADD_FIELDS = 6;

const MONTHS: Record<string, string> = { jan: '01', feb: '02', mar: '03', apr: '04', may: '05', jun: '06', jul: '07', aug: '08', sep: '09', oct: '10', nov: '11', dec: '12' };

function value(field: string | undefined): string {
  const trimmed = (field ?? '').trim();
  return trimmed === '-0-' ? '' : trimmed;
}

function rowsOf(text: string, file: string, width: number) {
  const rows = parseCsv(text, file);
  for (const row of rows) {
    if (row.fields.length !== width) {
      throw new ListFormatError(file, `line ${row.line}: expected ${width} fields, found ${row.fields.length} (truncated or not an OFAC ${file}?)`);
    }
    if (!/^\d+$/.test(value(row.fields[0]))) throw new ListFormatError(file, `line ${row.line}: the entry number "${row.fields[0]}" is not a number`);
  }
  return rows;
}

function entityType(sdnType: string): EntityType {
  switch (sdnType.toLowerCase()) {
    case 'individual':
      return 'person';
    case 'vessel':
      return 'vessel';
    case 'aircraft':
      return 'aircraft';
    default:
      return 'organization';
  }
}

// "12 Jan 1960", "Jan 1960", "1960", "circa 1960", "1960 to 1962", "01 Jan 1960 to 31 Dec 1962"
export function parseOfacDate(text: string): BirthDate | null {
  const cleaned = text.replace(/\.$/, '').trim();
  const range = /^(?:\d{1,2} [A-Za-z]{3} )?(\d{4}) to (?:\d{1,2} [A-Za-z]{3} )?(\d{4})$/.exec(cleaned);
  if (range) return { from: range[1]!, to: range[2]! };
  const circa = /^circa (\d{4})$/i.exec(cleaned);
  if (circa) return { date: circa[1]!, approximate: true };
  const full = /^(\d{1,2}) ([A-Za-z]{3}) (\d{4})$/.exec(cleaned);
  if (full && MONTHS[full[2]!.toLowerCase()]) return { date: `${full[3]}-${MONTHS[full[2]!.toLowerCase()]}-${full[1]!.padStart(2, '0')}` };
  const month = /^([A-Za-z]{3}) (\d{4})$/.exec(cleaned);
  if (month && MONTHS[month[1]!.toLowerCase()]) return { date: `${month[2]}-${MONTHS[month[1]!.toLowerCase()]}` };
  const year = /^(\d{4})$/.exec(cleaned);
  if (year) return { date: year[1]! };
  return null;
}

interface Remarks {
  birthDates: BirthDate[];
  countries: string[];
  gender: 'male' | 'female' | null;
  weakAliases: EntryName[];
}

// A quoted alias ends at a quote followed by the end of its remark; quotes inside the alias
// ("ABU-'UMAR") stay in it.
const QUOTED_ALIAS = /\b([afn])\.k\.a\.,?\s+'(.+?)'(?=\s*(?:[;.,)]|$|[afn]\.k\.a\.))/g;

function parseRemarks(remarks: string): Remarks {
  const result: Remarks = { birthDates: [], countries: [], gender: null, weakAliases: [] };
  for (const match of remarks.matchAll(QUOTED_ALIAS)) {
    const type = match[1] === 'f' ? 'fka' : match[1] === 'n' ? 'nka' : 'aka';
    result.weakAliases.push({ name: match[2]!.trim(), type, quality: 'weak' });
  }
  for (const part of remarks.split(';')) {
    const remark = part.trim().replace(/\.$/, '').replace(/^alt\.\s+/, '');
    const dob = /^DOB (.+)$/.exec(remark);
    if (dob) {
      const date = parseOfacDate(dob[1]!);
      if (date) result.birthDates.push(date);
      continue;
    }
    const country = /^(?:nationality|citizen)\s+(?:possibly\s+)?(.+)$/.exec(remark);
    if (country) {
      const code = countryCode(country[1]!);
      if (code) result.countries.push(code);
      continue;
    }
    const gender = /^Gender (Male|Female)$/i.exec(remark);
    if (gender) result.gender = gender[1]!.toLowerCase() === 'male' ? 'male' : 'female';
  }
  return result;
}

function aliasType(altType: string): EntryName['type'] {
  const type = altType.toLowerCase().replace(/\./g, '');
  if (type === 'fka') return 'fka';
  if (type === 'nka') return 'nka';
  return 'aka';
}

export function parseOfacSdn(files: OfacFiles): ParsedEntry[] {
  const sdnRows = rowsOf(files.sdn, 'sdn.csv', SDN_FIELDS);
  const altRows = rowsOf(files.alt, 'alt.csv', ALT_FIELDS);
  const addRows = rowsOf(files.add, 'add.csv', ADD_FIELDS);
  if (sdnRows.length === 0) throw new ListFormatError('sdn.csv', 'no entries');

  const aliases = new Map<string, EntryName[]>();
  for (const { fields, line } of altRows) {
    const id = value(fields[0]);
    const name = value(fields[3]);
    if (!name) throw new ListFormatError('alt.csv', `line ${line}: alias without a name`);
    // The legacy files mark no alias weak today; a future "weak"/"low" in the type or remarks is honoured.
    const weak = /\b(weak|low)\b/i.test(`${value(fields[2])} ${value(fields[4])}`);
    const list = aliases.get(id) ?? [];
    list.push({ name, type: aliasType(value(fields[2])), quality: weak ? 'weak' : 'strong' });
    aliases.set(id, list);
  }
  const addressCountries = new Map<string, string[]>();
  for (const { fields } of addRows) {
    const code = countryCode(value(fields[4]));
    if (!code) continue;
    const id = value(fields[0]);
    addressCountries.set(id, [...(addressCountries.get(id) ?? []), code]);
  }

  const seen = new Set<string>();
  const entries = sdnRows.map(({ fields, line }): ParsedEntry => {
    const id = value(fields[0]);
    if (seen.has(id)) throw new ListFormatError('sdn.csv', `line ${line}: entry ${id} appears twice`);
    seen.add(id);
    const name = value(fields[1]);
    if (!name) throw new ListFormatError('sdn.csv', `line ${line}: entry ${id} has no name`);
    const remarks = parseRemarks(value(fields[11]));
    const vesselFlag = countryCode(value(fields[9]));
    return {
      sourceId: id,
      kind: 'sanction',
      entityType: entityType(value(fields[2])),
      name,
      names: [{ name, type: 'primary', quality: 'strong' }, ...(aliases.get(id) ?? []), ...remarks.weakAliases],
      birthDates: remarks.birthDates,
      countries: [...new Set([...remarks.countries, ...(addressCountries.get(id) ?? []), ...(vesselFlag ? [vesselFlag] : [])])].sort(),
      gender: remarks.gender,
      programs: value(fields[3]).replace(/^\[|\]$/g, '').split('] [').map((p) => p.trim()).filter(Boolean),
    };
  });
  const orphans = [...aliases.keys(), ...addressCountries.keys()].filter((id) => !seen.has(id));
  if (orphans.length) {
    throw new ListFormatError('alt.csv/add.csv', `${orphans.length} row(s) refer to entries missing from sdn.csv (e.g. ${orphans[0]}): the three files are not from one publication`);
  }
  return entries;
}
