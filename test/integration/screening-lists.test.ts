// needs: postgres
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../infra/db';
import { BUNDLED_LISTS, ensureBundledLists } from '../../screening/bundled';
import { loadList, readListFiles } from '../../screening/load-list';
import { activeVersions, deltaOf, listVersions } from '../../screening/lists';
import { ListLoadError } from '../../screening/parsers/list-errors';
import { refreshLists } from '../../screening/refresh-lists';
import { createTestDatabase } from '../support/database';

// Lists as versioned data in a real PostgreSQL: each load a version with its delta, and a broken
// feed never replacing the version in force.

const UN_FILE = BUNDLED_LISTS.find((l) => l.source === 'un-sc')!.paths[0]!;
const FTM_FILE = BUNDLED_LISTS.find((l) => l.source === 'opensanctions')!.paths[0]!;
const FTM_DELTA = path.join(__dirname, '..', 'fixtures', 'sanctions', 'opensanctions-delta.json');

// The UN list's next publication: one alias added to an entry, one entry removed, one added.
function nextUnPublication(xml: string): string {
  const changed = xml.replace('<ALIAS_NAME>Victor Rumuri</ALIAS_NAME>', '<ALIAS_NAME>Victor Rumuri</ALIAS_NAME>\n      </INDIVIDUAL_ALIAS>\n      <INDIVIDUAL_ALIAS>\n        <QUALITY>Good</QUALITY>\n        <ALIAS_NAME>Victor Byiringiro</ALIAS_NAME>');
  const start = changed.indexOf('<INDIVIDUAL>\n      <DATAID>6907993</DATAID>');
  const end = changed.indexOf('</INDIVIDUAL>', start) + '</INDIVIDUAL>'.length;
  const removed = changed.slice(0, start) + changed.slice(end);
  const added = `<INDIVIDUAL>
      <DATAID>9999001</DATAID>
      <VERSIONNUM>1</VERSIONNUM>
      <FIRST_NAME>TESTFIRST</FIRST_NAME>
      <SECOND_NAME>NEWLYLISTED</SECOND_NAME>
      <UN_LIST_TYPE>DRC</UN_LIST_TYPE>
      <INDIVIDUAL_DATE_OF_BIRTH>
        <TYPE_OF_DATE>EXACT</TYPE_OF_DATE>
        <DATE>1970-05-04</DATE>
      </INDIVIDUAL_DATE_OF_BIRTH>
    </INDIVIDUAL>
    `;
  return removed.replace('<INDIVIDUAL>', `${added}<INDIVIDUAL>`);
}

describe('screening lists in PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let dir: string;
  const unXml = () => readFile(UN_FILE, 'utf8');
  const file = async (name: string, content: string) => {
    const full = path.join(dir, name);
    await writeFile(full, content);
    return full;
  };
  const currentCount = (source: string) => db.screeningEntry.count({ where: { source, removedInVersionId: null } });

  before(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, 4);
    dir = await mkdtemp(path.join(tmpdir(), 'screening-lists-'));
  });
  after(async () => {
    await db.$disconnect();
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test('when a list is loaded twice and then changes, then each publication is a version with its delta', async () => {
    const first = await loadList(db, 'un-sc', await readListFiles('un-sc', [UN_FILE]));
    assert.equal(first.status, 'loaded');
    assert.deepEqual([first.version.entryCount, first.version.addedCount, first.version.changedCount, first.version.removedCount], [1003, 1003, 0, 0]);
    assert.equal(first.version.publisherVersion, '2026-02-27T00:00:09.554Z');
    assert.match(first.version.fileHash, /^[0-9a-f]{64}$/);
    assert.equal(await currentCount('un-sc'), 1003);
    assert.ok((await db.screeningEntryToken.count()) > 1003 * 5, 'the entries are indexed');

    const again = await loadList(db, 'un-sc', await readListFiles('un-sc', [UN_FILE]));
    assert.equal(again.status, 'unchanged');
    assert.equal(again.version.id, first.version.id);

    const second = await loadList(db, 'un-sc', await readListFiles('un-sc', [await file('un-next.xml', nextUnPublication(await unXml()))]));
    assert.equal(second.status, 'loaded');
    assert.deepEqual([second.version.entryCount, second.version.addedCount, second.version.changedCount, second.version.removedCount], [1003, 1, 1, 1]);
    assert.equal(second.version.previousVersionId, first.version.id);

    const delta = await deltaOf(db, second.version.id);
    assert.deepEqual(delta.entries.map((e) => [e.entryId, e.change]).sort(), [['un-sc:6907995', 'changed'], ['un-sc:9999001', 'added']]);
    assert.deepEqual(delta.removedEntryIds, ['un-sc:6907993']);
    assert.ok(delta.entries.find((e) => e.entryId === 'un-sc:6907995')!.names.some((n) => n.name === 'Victor Byiringiro'));

    // The first version's content stays readable: the changed entry's old row is closed, not rewritten.
    const rows = await db.screeningEntry.findMany({ where: { entryId: 'un-sc:6907995' }, orderBy: { addedInVersionId: 'asc' } });
    assert.equal(rows.length, 2);
    assert.notEqual(rows[0]!.contentHash, rows[1]!.contentHash);
    assert.deepEqual(rows.map((r) => r.removedInVersionId === null).sort(), [false, true]);
    const closed = rows.find((r) => r.removedInVersionId !== null)!;
    assert.equal(await db.screeningEntryToken.count({ where: { entryRowId: closed.id } }), 0, 'a closed entry leaves the index');
    assert.equal(await currentCount('un-sc'), 1003);
  });

  test('when a file is truncated, malformed or implausibly small, then the load is refused and the version in force stays', async () => {
    const before = await activeVersions(db);
    const versionsBefore = (await listVersions(db)).length;
    const xml = await unXml();
    const refused = async (content: string, pattern: RegExp, options = {}) => {
      await assert.rejects(loadList(db, 'un-sc', [{ name: 'consolidated.xml', content }], options), (err: Error) => err instanceof ListLoadError && pattern.test(err.message));
    };
    await refused(xml.slice(0, Math.floor(xml.length * 0.6)), /not well-formed XML/);
    await refused('<html><body>Service unavailable</body></html>', /no CONSOLIDATED_LIST element/);
    // Well-formed, but a tenth of the list: a feed that lost most of its content.
    const individuals = xml.split('<INDIVIDUAL>');
    const small = individuals.slice(0, 80).join('<INDIVIDUAL>').replace(/<INDIVIDUAL>(?![\s\S]*<INDIVIDUAL>)[\s\S]*$/, '</INDIVIDUALS><ENTITIES/></CONSOLIDATED_LIST>');
    await refused(small, /implausibly small: \d+ entries against 1003/);
    assert.deepEqual(await activeVersions(db), before);
    assert.equal((await listVersions(db)).length, versionsBefore);
    assert.equal(await currentCount('un-sc'), 1003);

    await assert.rejects(loadList(db, 'eu-fsf', [{ name: 'x.xml', content: xml }]), /unknown list source "eu-fsf"/);
    await assert.rejects(loadList(db, 'ofac-sdn', [{ name: 'sdn.csv', content: '1,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n' }]), /ofac-sdn needs exactly sdn\.csv, alt\.csv and add\.csv/);

    const confirmed = await loadList(db, 'un-sc', [{ name: 'consolidated.xml', content: small }], { allowShrink: true });
    assert.equal(confirmed.status, 'loaded');
    assert.equal(await currentCount('un-sc'), confirmed.version.entryCount);
  });

  test('when an OpenSanctions delta file follows the entity file, then it adds, changes and removes entries', async () => {
    await assert.rejects(loadList(db, 'opensanctions', await readListFiles('opensanctions', [FTM_DELTA])), /is a delta file: load a full opensanctions export first/);
    const full = await loadList(db, 'opensanctions', await readListFiles('opensanctions', [FTM_FILE]));
    assert.equal(full.version.entryCount, 14);
    const delta = await loadList(db, 'opensanctions', await readListFiles('opensanctions', [FTM_DELTA]));
    assert.deepEqual([delta.version.entryCount, delta.version.addedCount, delta.version.changedCount, delta.version.removedCount], [14, 1, 1, 1]);
    const changes = await deltaOf(db, delta.version.id);
    assert.deepEqual(changes.entries.map((e) => [e.entryId, e.change, e.kind]).sort(), [
      ['opensanctions:NK-1cVn6TbQw9sKd3LzXm8rGp', 'added', 'pep'],
      ['opensanctions:Q7747', 'changed', 'sanction'],
    ]);
    assert.deepEqual(changes.removedEntryIds, ['opensanctions:Q76']);
  });

  test('when bundled lists are ensured, then only sources without a version are loaded, once', async () => {
    const statuses = await ensureBundledLists(db);
    assert.deepEqual(statuses.map((s) => [s.source, s.status]), [['ofac-sdn', 'loaded'], ['un-sc', 'present'], ['opensanctions', 'present']]);
    assert.equal(await currentCount('ofac-sdn'), 7379);
    const again = await ensureBundledLists(db);
    assert.deepEqual(again.map((s) => s.status), ['present', 'present', 'present']);
    assert.deepEqual(again.map((s) => s.versionId).sort(), (await activeVersions(db)).map((v) => v.id).sort());
  });

  test('when configured sources are refreshed over HTTP, then each loads on its own and a broken one is reported', async () => {
    const ftm = await readFile(FTM_FILE, 'utf8');
    const server: Server = createServer((req, res) => {
      if (req.url === '/entities.ftm.json') res.end(`${ftm}{"id": "Q999", "schema": "Person", "properties": {"name": ["Added Person"], "topics": ["role.pep"]}, "target": true}\n`);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const outcomes = await refreshLists(db, [
        { source: 'opensanctions', location: `${base}/entities.ftm.json` },
        { source: 'un-sc', location: `${base}/missing.xml` },
      ]);
      assert.equal(outcomes[0]!.ok, true);
      assert.equal(outcomes[0]!.ok && outcomes[0]!.result.version.addedCount, 2, 'the added person and Obama again (the delta removed him)');
      assert.deepEqual(outcomes[1], { source: 'un-sc', ok: false, error: `${base}/missing.xml: HTTP 404` });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
