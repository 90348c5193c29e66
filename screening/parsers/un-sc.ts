import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { countryCode } from '../countries';
import { type BirthDate, type EntryName, type ParsedEntry } from '../types';
import { ListFormatError } from './list-errors';

// The UN Security Council consolidated list (XML): CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL and
// ENTITIES/ENTITY, keyed by DATAID. Alias QUALITY is "Good", "a.k.a." or "f.k.a." (strong) or "Low"
// (weak); dates of birth are EXACT (DATE or YEAR), APPROXIMATELY (YEAR) or BETWEEN (FROM_YEAR,
// TO_YEAR).

const FILE = 'UN consolidated list';
const REPEATED = new Set(['INDIVIDUAL', 'ENTITY', 'INDIVIDUAL_ALIAS', 'ENTITY_ALIAS', 'INDIVIDUAL_DATE_OF_BIRTH', 'INDIVIDUAL_ADDRESS', 'ENTITY_ADDRESS', 'VALUE', 'NATIONALITY']);

type XmlNode = { [key: string]: XmlValue };
type XmlValue = string | XmlNode | XmlValue[];

function isNode(value: XmlValue | undefined): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(node: XmlNode | undefined, key: string): string {
  const value = node?.[key];
  return typeof value === 'string' ? value.trim() : '';
}

function nodes(node: XmlNode | undefined, key: string): XmlNode[] {
  const value = node?.[key];
  if (Array.isArray(value)) return value.filter(isNode);
  return isNode(value) ? [value] : [];
}

function values(node: XmlNode | undefined, key: string): string[] {
  return nodes(node, key).flatMap((child) => {
    const list = child.VALUE;
    const items = Array.isArray(list) ? list : list === undefined ? [] : [list];
    return items.filter((item): item is string => typeof item === 'string').map((item) => item.trim()).filter(Boolean);
  });
}

function aliases(node: XmlNode, key: string): EntryName[] {
  return nodes(node, key).flatMap((alias): EntryName[] => {
    const name = text(alias, 'ALIAS_NAME');
    if (!name) return [];
    const quality = text(alias, 'QUALITY').toLowerCase();
    if (quality === 'low') return [{ name, type: 'aka', quality: 'weak' }];
    return [{ name, type: quality === 'f.k.a.' ? 'fka' : 'aka', quality: 'strong' }];
  });
}

function birthDates(node: XmlNode): BirthDate[] {
  return nodes(node, 'INDIVIDUAL_DATE_OF_BIRTH').flatMap((dob): BirthDate[] => {
    const approximate = text(dob, 'TYPE_OF_DATE') === 'APPROXIMATELY';
    const date = text(dob, 'DATE');
    const year = text(dob, 'YEAR');
    const from = text(dob, 'FROM_YEAR');
    const to = text(dob, 'TO_YEAR');
    if (/^\d{4}-\d{2}-\d{2}$/.test(date)) return [approximate ? { date, approximate } : { date }];
    if (/^\d{4}$/.test(year)) return [approximate ? { date: year, approximate } : { date: year }];
    if (/^\d{4}$/.test(from) && /^\d{4}$/.test(to)) return [{ from, to }];
    return [];
  });
}

function codes(names: string[]): string[] {
  return [...new Set(names.map(countryCode).filter((code): code is string => code !== null))].sort();
}

function dataId(node: XmlNode, kind: string): string {
  const id = text(node, 'DATAID');
  if (!/^\d+$/.test(id)) throw new ListFormatError(FILE, `${kind} without a numeric DATAID`);
  return id;
}

function programs(node: XmlNode): string[] {
  return [text(node, 'UN_LIST_TYPE')].filter(Boolean);
}

export function parseUnConsolidated(xml: string): { publisherVersion: string | null; entries: ParsedEntry[] } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new ListFormatError(FILE, `not well-formed XML at line ${valid.err.line}: ${valid.err.msg} (truncated file?)`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (name) => REPEATED.has(name),
  });
  const document = parser.parse(xml) as XmlNode;
  const root = document.CONSOLIDATED_LIST;
  if (!isNode(root)) throw new ListFormatError(FILE, 'no CONSOLIDATED_LIST element: not the UN consolidated list');
  const individuals = nodes(nodes(root, 'INDIVIDUALS')[0], 'INDIVIDUAL');
  const organisations = nodes(nodes(root, 'ENTITIES')[0], 'ENTITY');
  if (individuals.length + organisations.length === 0) throw new ListFormatError(FILE, 'no INDIVIDUAL or ENTITY entries');

  const entries: ParsedEntry[] = [];
  for (const person of individuals) {
    const name = ['FIRST_NAME', 'SECOND_NAME', 'THIRD_NAME', 'FOURTH_NAME'].map((k) => text(person, k)).filter(Boolean).join(' ');
    if (!name) throw new ListFormatError(FILE, `INDIVIDUAL ${text(person, 'DATAID')} has no name`);
    const original = text(person, 'NAME_ORIGINAL_SCRIPT');
    const gender = text(person, 'GENDER').toLowerCase();
    entries.push({
      sourceId: dataId(person, 'INDIVIDUAL'),
      kind: 'sanction',
      entityType: 'person',
      name,
      names: [
        { name, type: 'primary', quality: 'strong' },
        ...(original ? [{ name: original, type: 'original_script' as const, quality: 'strong' as const }] : []),
        ...aliases(person, 'INDIVIDUAL_ALIAS'),
      ],
      birthDates: birthDates(person),
      countries: codes([...values(person, 'NATIONALITY'), ...nodes(person, 'INDIVIDUAL_ADDRESS').map((a) => text(a, 'COUNTRY'))]),
      gender: gender === 'male' || gender === 'female' ? gender : null,
      programs: programs(person),
    });
  }
  for (const organisation of organisations) {
    const name = text(organisation, 'FIRST_NAME');
    if (!name) throw new ListFormatError(FILE, `ENTITY ${text(organisation, 'DATAID')} has no name`);
    entries.push({
      sourceId: dataId(organisation, 'ENTITY'),
      kind: 'sanction',
      entityType: 'organization',
      name,
      names: [{ name, type: 'primary', quality: 'strong' }, ...aliases(organisation, 'ENTITY_ALIAS')],
      birthDates: [],
      countries: codes(nodes(organisation, 'ENTITY_ADDRESS').map((a) => text(a, 'COUNTRY'))),
      gender: null,
      programs: programs(organisation),
    });
  }
  const generated = root['@dateGenerated'];
  return { publisherVersion: typeof generated === 'string' ? generated : null, entries };
}
