// needs: nothing
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { countryCode, isCountryCode } from '../../screening/countries';
import { parseCsv } from '../../screening/parsers/csv';
import { ListFormatError } from '../../screening/parsers/list-errors';
import { parseOfacDate, parseOfacSdn } from '../../screening/parsers/ofac-sdn';
import { parseFollowTheMoney } from '../../screening/parsers/opensanctions';
import { parseUnConsolidated } from '../../screening/parsers/un-sc';

// The parsers on the lists as their publishers ship them (the bundled copies), and on broken copies.

const DATA = path.join(__dirname, '..', '..', 'screening', 'data');
const read = (...parts: string[]) => readFileSync(path.join(DATA, ...parts), 'utf8');
const ofacFiles = () => ({ sdn: read('ofac-sdn', 'sdn.csv'), alt: read('ofac-sdn', 'alt.csv'), add: read('ofac-sdn', 'add.csv') });

describe('OFAC SDN CSV', () => {
  const entries = parseOfacSdn(ofacFiles());
  const byId = new Map(entries.map((e) => [e.sourceId, e]));

  test('when the published files are read, then every row is an entry with its aliases, dates of birth and countries', () => {
    assert.equal(entries.length, 7379);
    assert.equal(entries.filter((e) => e.entityType === 'person').length, 3845);
    const zawahiri = byId.get('2676')!;
    assert.equal(zawahiri.name, 'AL ZAWAHIRI, Dr. Ayman');
    assert.deepEqual(zawahiri.names.map((n) => [n.name, n.type, n.quality]).slice(0, 3), [
      ['AL ZAWAHIRI, Dr. Ayman', 'primary', 'strong'],
      ['AL-ZAWAHIRI, Ayman', 'aka', 'strong'],
      ['SALIM, Ahmad Fuad', 'aka', 'strong'],
    ]);
    assert.deepEqual(zawahiri.birthDates, [{ date: '1951-06-19' }]);
    assert.deepEqual(zawahiri.programs, ['SDGT', 'SDT']);
    assert.equal(byId.get('36')!.entityType, 'organization');
    assert.deepEqual(byId.get('36')!.countries, ['CU'], 'address countries come from add.csv');
  });

  test('when the remarks quote an alias, then it is a weak alias, quotes inside it included', () => {
    assert.deepEqual(byId.get('306')!.names.filter((n) => n.quality === 'weak'), [{ name: 'BNC', type: 'aka', quality: 'weak' }]);
    const quoted = entries.flatMap((e) => e.names).filter((n) => n.name === "ABU-'UMAR");
    assert.equal(quoted.length, 1);
    assert.equal(quoted[0]!.quality, 'weak');
  });

  test('when OFAC writes dates of birth its ways, then each becomes a date, a month, a year or a range', () => {
    assert.deepEqual(parseOfacDate('12 Jan 1960'), { date: '1960-01-12' });
    assert.deepEqual(parseOfacDate('Feb 1960.'), { date: '1960-02' });
    assert.deepEqual(parseOfacDate('circa 1955'), { date: '1955', approximate: true });
    assert.deepEqual(parseOfacDate('1958 to 1960'), { from: '1958', to: '1960' });
    assert.deepEqual(parseOfacDate('01 Jan 1958 to 31 Dec 1960'), { from: '1958', to: '1960' });
    assert.equal(parseOfacDate('unknown'), null);
  });

  test('when sdn.csv is cut in the middle of a quoted field, then the load is refused naming the file and line', () => {
    const files = ofacFiles();
    const cut = files.sdn.slice(0, files.sdn.indexOf('"AL ZAWAHIRI') + 5);
    assert.throws(() => parseOfacSdn({ ...files, sdn: cut }), (err: Error) => err instanceof ListFormatError && /sdn\.csv: line \d+: a quoted field is never closed/.test(err.message));
  });

  test('when sdn.csv is cut between fields, or is another file, then the field count refuses it', () => {
    const files = ofacFiles();
    const cut = files.sdn.slice(0, files.sdn.indexOf(',-0- ,"CUBA"', 1000));
    assert.throws(() => parseOfacSdn({ ...files, sdn: cut }), /sdn\.csv: line \d+: expected 12 fields, found 2/);
    assert.throws(() => parseOfacSdn({ ...files, sdn: files.alt }), /sdn\.csv: line 1: expected 12 fields, found 5/);
  });

  test('when alt.csv belongs to another publication, then its orphan rows refuse the load', () => {
    const files = ofacFiles();
    assert.throws(() => parseOfacSdn({ ...files, alt: `999999,1,"aka","SOMEONE",-0- \n${files.alt}` }), /refer to entries missing from sdn\.csv/);
  });
});

describe('UN consolidated XML', () => {
  const { publisherVersion, entries } = parseUnConsolidated(read('un-sc', 'consolidated.xml'));
  const byId = new Map(entries.map((e) => [e.sourceId, e]));

  test('when the published file is read, then individuals and entities are entries with alias quality and dates', () => {
    assert.equal(publisherVersion, '2026-02-27T00:00:09.554Z');
    assert.equal(entries.length, 1003);
    assert.equal(entries.filter((e) => e.entityType === 'person').length, 730);
    const gaston = byId.get('6907995')!;
    assert.equal(gaston.name, 'GASTON IYAMUREMYE');
    assert.deepEqual(gaston.names.find((n) => n.name === 'Rumuli'), { name: 'Rumuli', type: 'aka', quality: 'weak' });
    assert.deepEqual(gaston.names.find((n) => n.name === 'Victor Rumuri'), { name: 'Victor Rumuri', type: 'aka', quality: 'strong' });
    assert.deepEqual(gaston.birthDates, [{ date: '1948' }]);
    assert.deepEqual(gaston.countries, ['CD', 'RW']);
    assert.equal(gaston.gender, 'male');
    assert.deepEqual(byId.get('6908048')!.names[1], { name: 'صدام حسين التكريتي', type: 'original_script', quality: 'strong' });
    assert.ok(entries.some((e) => e.birthDates.some((d) => 'from' in d)), 'BETWEEN dates become ranges');
  });

  test('when the XML is truncated or is no UN list, then it is refused', () => {
    const xml = read('un-sc', 'consolidated.xml');
    assert.throws(() => parseUnConsolidated(xml.slice(0, xml.length / 2)), (err: Error) => err instanceof ListFormatError && /not well-formed XML/.test(err.message));
    assert.throws(() => parseUnConsolidated('<?xml version="1.0"?><OTHER_LIST/>'), /no CONSOLIDATED_LIST element/);
  });
});

describe('FollowTheMoney entities and deltas', () => {
  test('when the entity file is read, then only targets become entries, with PEPs, sanctions and weak aliases told apart', () => {
    const content = parseFollowTheMoney(read('opensanctions', 'entities.ftm.json'));
    assert.equal(content.kind, 'entities');
    if (content.kind !== 'entities') return;
    assert.equal(content.entries.length, 14, 'positions, occupancies, sanctions and non-target people are skipped');
    const byId = new Map(content.entries.map((e) => [e.sourceId, e]));
    assert.equal(byId.get('Q7747')!.kind, 'sanction');
    assert.equal(byId.get('Q567')!.kind, 'pep');
    assert.equal(byId.get('NK-2dKw7YbNq4sLx9TcRm5vHj')!.kind, 'sanction');
    assert.deepEqual(byId.get('Q567')!.names.find((n) => n.type === 'fka'), { name: 'Angela Kasner', type: 'fka', quality: 'strong' });
    assert.deepEqual(byId.get('NK-7fJq2bLkTm4sVYcX9dR3aP')!.names.find((n) => n.quality === 'weak'), { name: 'Batka', type: 'aka', quality: 'weak' });
    assert.equal(byId.get('NK-6tBv9QsWm3kZx7LdRc2nYh')!.entityType, 'organization');
    assert.deepEqual(byId.get('Q7747')!.countries, ['RU']);
  });

  test('when a delta file is read, then its ADD, MOD and DEL lines are changes by entity id', () => {
    const content = parseFollowTheMoney(readFileSync(path.join(__dirname, '..', 'fixtures', 'sanctions', 'opensanctions-delta.json'), 'utf8'));
    assert.equal(content.kind, 'delta');
    if (content.kind !== 'delta') return;
    assert.deepEqual(content.changes.map((c) => [c.op, c.sourceId]), [['MOD', 'Q7747'], ['ADD', 'NK-1cVn6TbQw9sKd3LzXm8rGp'], ['DEL', 'Q76']]);
  });

  test('when a line is cut or lacks what an entity needs, then the file is refused naming the line', () => {
    const text = read('opensanctions', 'entities.ftm.json');
    assert.throws(() => parseFollowTheMoney(text.slice(0, text.length - 40)), /line 18: not a JSON object/);
    assert.throws(() => parseFollowTheMoney('{"id": "x", "properties": {}}\n'), /line 1: not a FollowTheMoney entity: schema/);
    assert.throws(() => parseFollowTheMoney('{"op": "UPSERT", "entity": {"id": "x"}}\n'), /line 1: not a delta line/);
    assert.throws(() => parseFollowTheMoney('\n\n'), /no entities/);
  });
});

describe('CSV and country names', () => {
  test('when fields are quoted, doubled quotes and line breaks stay inside them, and the end-of-file mark is ignored', () => {
    assert.deepEqual(parseCsv('1,"a ""b"", c",-0- \r\n2,"x\ny",\n\x1a', 'f').map((r) => r.fields), [['1', 'a "b", c', '-0- '], ['2', 'x\ny', '']]);
  });

  test('when lists name countries their own ways, then they map to ISO codes', () => {
    assert.equal(countryCode('Korea, North'), 'KP');
    assert.equal(countryCode('Iran (Islamic Republic of)'), 'IR');
    assert.equal(countryCode('Congo, Democratic Republic of the'), 'CD');
    assert.equal(countryCode('Burma'), 'MM');
    assert.equal(countryCode('Germany'), 'DE');
    assert.equal(countryCode('undetermined'), null);
    assert.equal(isCountryCode('BW'), true);
    assert.equal(isCountryCode('ZZ'), false);
    assert.equal(isCountryCode('XX'), false);
  });
});
