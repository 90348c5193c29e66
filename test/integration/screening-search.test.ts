// needs: postgres
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '../../infra/db';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres';
import { migrate } from '../../infra/migrate';
import { BUNDLED_LISTS, ensureBundledLists } from '../../screening/bundled';
import { createListMatcher } from '../../screening/list-matcher';
import { loadList, readListFiles } from '../../screening/load-list';
import { activeVersions, deltaOf } from '../../screening/lists';
import { clearancesOf, clearHit, recordScreeningRun, screeningRunsOf } from '../../screening/results';
import { screenPerson } from '../../screening/screen-person';
import { screeningSearchRequestSchema, screeningSearchResponseSchema, searchScreening } from '../../screening/search-contract';
import { createTestDatabase } from '../support/database';
import { freePort } from '../../infra/ports';

// Screening real listed people in a real PostgreSQL holding the bundled lists.

const THRESHOLD = 0.8;

const UN_FILE = BUNDLED_LISTS.find((l) => l.source === 'un-sc')!.paths[0]!;

describe('screening people against the lists', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;

  before(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, 4);
    await ensureBundledLists(db);
  });
  after(async () => {
    await db.$disconnect();
    await database.drop();
  });

  const topMatches = async (names: string[], extra: { dateOfBirth?: string; countries?: string[] } = {}) =>
    (await screenPerson(db, { names, ...extra }, { threshold: THRESHOLD })).hits.filter((h) => h.match).map((h) => h.entryId);

  test('when listed people are screened under transliterated, misspelt or reordered names, then their entries match', async () => {
    const zawahiri = ['ofac-sdn:2676', 'un-sc:111923'];
    for (const name of ['Ayman al-Zawahiri', 'Zawahiri Ayman', 'Ayman Zawahri', 'Айман аз-Завахири', 'أيمن الظواهري', 'Άιμαν αλ-Ζαουάχιρι']) {
      const matched = await topMatches([name]);
      assert.deepEqual(matched.slice(0, 2).sort(), zawahiri, name);
    }
    assert.deepEqual((await topMatches(['Gastón Iyamuremie'])).sort(), ['ofac-sdn:12326', 'un-sc:6907995']);
    assert.ok((await topMatches(['صدام حسين التكريتي'])).includes('un-sc:6908048'), 'an Arabic name meets its original-script listing');
    assert.deepEqual(await topMatches(['김정은']), ['ofac-sdn:20157']);
    assert.deepEqual((await topMatches(['Владимир Путин'], { dateOfBirth: '1952-10-07', countries: ['RU'] })).slice(0, 1), ['opensanctions:Q7747']);
  });

  test('when unrelated people are screened, then nothing matches, even under a listed family name', async () => {
    for (const name of ['Kagiso Molefe', 'John Smith', 'Maria Garcia', 'Emma Johnson', 'Lesego Dlamini']) {
      assert.deepEqual(await topMatches([name]), [], name);
    }
    assert.deepEqual(await topMatches(['John Zawahiri'], { dateOfBirth: '1985-02-11', countries: ['EG'] }), []);
    assert.deepEqual(await topMatches(['Ayman al-Zawahiri'], { dateOfBirth: '1990-04-01', countries: ['GB'] }), [], 'a namesake born 40 years later elsewhere');
  });

  test('when a person is screened, then each hit names its entry, source, kind and the list versions used', async () => {
    const result = await screenPerson(db, { names: ['Angela Merkel'], dateOfBirth: '1954-07-17' }, { threshold: THRESHOLD, limit: 3 });
    const hit = result.hits[0]!;
    assert.deepEqual([hit.entryId, hit.source, hit.kind, hit.entryName, hit.matchedName, hit.match], ['opensanctions:Q567', 'opensanctions', 'pep', 'Angela Merkel', 'Angela Merkel', true]);
    assert.equal(hit.score, 1);
    assert.match(hit.entryContentHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(result.listVersionIds.sort(), (await activeVersions(db)).map((v) => v.id).sort());
    const near = await screenPerson(db, { names: ['Ayman al-Zawahiri'] }, { threshold: THRESHOLD, limit: 3 });
    assert.deepEqual(near.hits.map((h) => h.match), [true, true, false], 'the closest non-matches come after the matches');
    assert.ok(near.hits[2]!.score < THRESHOLD);
  });

  test('when a reviewer clears a false positive, then it stays cleared until the list changes the entry', async () => {
    const subjectId = randomUUID();
    const identityHash = 'identity-hash-a';
    const screen = () => screenPerson(db, { names: ['Gaston Iyamuremye'] }, { threshold: THRESHOLD });
    const first = await screen();
    const run = await recordScreeningRun(db, { subjectId, trigger: 'onboarding', identityHash, ...first });
    assert.equal(run.result, 'potential_match');
    assert.deepEqual(run.openMatches.map((h) => h.entryId).sort(), ['ofac-sdn:12326', 'un-sc:6907995']);

    const reviewers = { clearedBy: randomUUID(), confirmedBy: randomUUID() };
    for (const hit of run.openMatches) await clearHit(db, { subjectId, entryId: hit.entryId, entryContentHash: hit.entryContentHash, identityHash, ...reviewers });
    await clearHit(db, { subjectId, entryId: run.openMatches[0]!.entryId, entryContentHash: run.openMatches[0]!.entryContentHash, identityHash, ...reviewers });
    assert.equal((await clearancesOf(db, subjectId)).length, 2, 'clearing twice keeps one clearance');
    await assert.rejects(clearHit(db, { subjectId, entryId: 'x', entryContentHash: 'y', identityHash, clearedBy: reviewers.clearedBy, confirmedBy: reviewers.clearedBy }), /two different reviewers/);
    const cleared = await recordScreeningRun(db, { subjectId, trigger: 'periodic', identityHash, ...(await screen()) });
    assert.equal(cleared.result, 'clear');
    const otherIdentity = await recordScreeningRun(db, { subjectId, trigger: 'periodic', identityHash: 'identity-hash-b', ...(await screen()) });
    assert.equal(otherIdentity.result, 'potential_match', 'a clearance holds for the identity it was granted for only');

    // The UN list changes this entry (one alias more): its content hash changes, the hit is back.
    const xml = (await readFile(UN_FILE, 'utf8')).replace('<ALIAS_NAME>Victor Rumuri</ALIAS_NAME>', '<ALIAS_NAME>Victor Rumuri</ALIAS_NAME>\n      </INDIVIDUAL_ALIAS>\n      <INDIVIDUAL_ALIAS>\n        <QUALITY>Good</QUALITY>\n        <ALIAS_NAME>Victor Byiringiro</ALIAS_NAME>');
    await loadList(db, 'un-sc', [{ name: 'consolidated.xml', content: xml }]);
    const after = await recordScreeningRun(db, { subjectId, trigger: 'list_update', identityHash, ...(await screen()) });
    assert.equal(after.result, 'potential_match');
    assert.deepEqual(after.openMatches.map((h) => h.entryId), ['un-sc:6907995']);

    const runs = await screeningRunsOf(db, subjectId);
    assert.deepEqual(runs.map((r) => r.result), ['potential_match', 'potential_match', 'clear', 'potential_match']);
    const stored = runs[2]!.hits.filter((h) => h.match);
    assert.ok(stored.length === 2 && stored.every((h) => h.cleared));
    assert.ok(!JSON.stringify(runs).includes('Gaston Iyamuremye'), 'no customer name is stored (the entry spells it in capitals)');
  });

  test('when staff search ad hoc, then bad input names the field and the rule, and good input gets explained hits', async () => {
    const issues = (body: unknown) => {
      const parsed = screeningSearchRequestSchema.safeParse(body);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    assert.deepEqual(issues({ name: '  ' }), ['name: must not be empty']);
    assert.deepEqual(issues({ name: 'x', date_of_birth: '1990-13-01' }), ['date_of_birth: must be a real calendar date']);
    assert.deepEqual(issues({ name: 'x', date_of_birth: '01/02/1990' }), ['date_of_birth: must be YYYY-MM-DD or YYYY']);
    assert.deepEqual(issues({ name: 'x', country: 'XX' }), ['country: is not an ISO 3166-1 alpha-2 country code']);
    assert.deepEqual(issues({ name: 'x', limit: 51 }), ['limit: must be at most 50']);
    assert.deepEqual(issues({ name: 'x', extra: 1 }).length, 1);

    const request = screeningSearchRequestSchema.parse({ name: 'Ramzan Kadyrov', date_of_birth: '1976', country: 'ru', limit: 5 });
    const response = await searchScreening(db, request, THRESHOLD);
    assert.equal(screeningSearchResponseSchema.safeParse(response).success, true);
    const hit = response.hits[0]!;
    assert.deepEqual([hit.entry_id, hit.kind, hit.match], ['opensanctions:NK-5qTn2VbWk8sJd4RcLx7mEy', 'sanction', true]);
    assert.deepEqual(hit.explanation.adjustments.map((a) => a.factor), ['dob_year', 'country_match']);
  });

  test('when a list update adds a person, then a batch of customers is rescreened against the delta in memory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'screening-delta-'));
    try {
      const xml = (await readFile(UN_FILE, 'utf8')).replace(
        '<INDIVIDUAL>',
        '<INDIVIDUAL><DATAID>9999002</DATAID><FIRST_NAME>TUMELO</FIRST_NAME><SECOND_NAME>KGOSIDINTSI</SECOND_NAME><UN_LIST_TYPE>DRC</UN_LIST_TYPE><INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1981-02-03</DATE></INDIVIDUAL_DATE_OF_BIRTH></INDIVIDUAL>\n    <INDIVIDUAL>',
      );
      const file = path.join(dir, 'consolidated.xml');
      await writeFile(file, xml);
      const loaded = await loadList(db, 'un-sc', await readListFiles('un-sc', [file]));
      const delta = await deltaOf(db, loaded.version.id);
      assert.deepEqual(delta.entries.filter((e) => e.change === 'added').map((e) => e.entryId), ['un-sc:9999002']);

      const matcher = createListMatcher(delta.entries, { threshold: THRESHOLD });
      const customers = [
        { subjectId: randomUUID(), names: ['Tumelo Kgosidintsi'], dateOfBirth: '1981-02-03', countries: ['BW'] },
        { subjectId: randomUUID(), names: ['Ayman al-Zawahiri'], dateOfBirth: '1951-06-19' },
        { subjectId: randomUUID(), names: ['Tumelo Molefe'], dateOfBirth: '1981-02-03' },
      ];
      const results = matcher.screen(customers);
      assert.deepEqual(results.map((r) => r.hits.map((h) => h.entryId)), [['un-sc:9999002'], [], []], 'only the delta is screened: Zawahiri is not in it');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('screening on the embedded PGlite database of npm start', () => {
  test('when lists are loaded and searched on PGlite, then the same SQL works there', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'screening-pglite-'));
    const embedded = await startEmbeddedPostgres(path.join(dir, 'pglite'), await freePort());
    const db = createDb(embedded.url, 2);
    try {
      await migrate(embedded.url);
      await loadList(db, 'un-sc', await readListFiles('un-sc', [UN_FILE]));
      const ftm = BUNDLED_LISTS.find((l) => l.source === 'opensanctions')!;
      await loadList(db, 'opensanctions', await readListFiles('opensanctions', ftm.paths));
      const result = await screenPerson(db, { names: ['Айман аз-Завахири'] }, { threshold: THRESHOLD });
      assert.deepEqual(result.hits.filter((h) => h.match).map((h) => h.entryId), ['un-sc:111923']);
      assert.equal(result.listVersionIds.length, 2);
    } finally {
      await db.$disconnect();
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
