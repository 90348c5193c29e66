// needs: postgres
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { assessRisk } from '../../domain/risk';
import { KeyRing, PiiCipher } from '../../infra/crypto';
import { createDb, type Db } from '../../infra/db';
import { type ScreeningHit } from '../../screening/screen-person';
import { createStores, type Stores } from '../../store';
import { basicLimits } from '../../store/wallets';
import { createTestDatabase } from '../support/database';
import { raceOnHeldRecord } from '../support/races';

// The risk step's write (store/records.ts saveRiskAssessment) on a real PostgreSQL: a screening
// without a match is written with the assessment in one statement, which must record what the
// transaction of a run with a match records (the run, its hits marked cleared as clearances say,
// SCREENING_CLEARED naming the lists, RISK_ASSESSED), once, however often the step runs.

const IDENTITY = 'identity-hash-of-the-screened-customer';
const nearMiss = (entryId: string, score: number): ScreeningHit => ({
  entryId,
  source: 'un-sc',
  kind: 'sanction',
  entryName: 'Jonathan Doerr',
  matchedName: 'Jonathan Doerr',
  score,
  match: false,
  explanation: { name: { score, matched_name: 'Jonathan Doerr', name_type: 'primary', quality: 'strong', aligned: [{ entry_token: 'doerr', similarity: 0.8 }], unmatched_entry_tokens: [] }, adjustments: [] },
  entryContentHash: `hash-${entryId}`,
});

describe('the risk assessment as stored', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let stores: Stores;
  let listVersionIds: string[];

  before(async () => {
    database = await createTestDatabase();
    db = createDb(database.url, 4);
    const cipher = new PiiCipher(new KeyRing([{ id: 'k1', key: randomBytes(32).toString('base64') }]), 'hash-key');
    stores = createStores(db, { cipher, keyStore: db, amlRetentionYears: 5 });
    const version = (source: string) => db.screeningListVersion.create({ data: { source, fileHash: randomUUID(), entryCount: 1, addedCount: 1, changedCount: 0, removedCount: 0 } });
    listVersionIds = [(await version('un-sc')).id, (await version('ofac-sdn')).id];
  });
  after(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  async function record() {
    const user = await db.user.create({ data: { username: `risk-${randomUUID().slice(0, 8)}`, role: 'customer', wallet: { create: basicLimits() } } });
    const id = randomUUID();
    await db.kycRecord.create({
      data: { id, userId: user.id, status: 'submitted', nationality: 'GB', country: 'GB', documentType: 'passport', workflowId: `kyc-${id}`, workflowRunId: randomUUID(), firstNameEnc: 'x', lastNameEnc: 'x', dateOfBirthEnc: 'x', documentNumberEnc: 'x' },
    });
    return { recordId: id, userId: user.id };
  }

  const assessment = assessRisk({
    submitted: { firstName: 'Jon', lastName: 'Doe', dateOfBirth: '1990-01-01', documentNumber: 'P1', country: 'GB', nationality: 'GB' },
    extracted: null,
    vendorAskedForReview: false,
    vendorRiskLabels: [],
    duplicateDocumentOnOtherCustomers: 0,
    listMatches: { sanctions: 0, pep: 0 },
    priorListHits: 0,
    screeningGaps: [],
    highRiskCountries: [],
    reviewThreshold: 50,
  });

  test('when the screening found near names but no match, then the run, its hits (one covered by a clearance), SCREENING_CLEARED and RISK_ASSESSED are written once, however often the step runs', async () => {
    const { recordId, userId } = await record();
    await db.screeningClearance.create({ data: { subjectId: userId, entryId: 'un-sc:1', entryContentHash: 'hash-un-sc:1', identityHash: IDENTITY } });
    // A clearance of the same entry for another identity of the customer does not cover this screening.
    await db.screeningClearance.create({ data: { subjectId: userId, entryId: 'un-sc:2', entryContentHash: 'hash-un-sc:2', identityHash: 'another-identity' } });
    const input = {
      recordId,
      attempt: 1,
      assessment,
      extracted: { identity: null },
      screening: { subjectId: userId, hits: [nearMiss('un-sc:1', 0.7), nearMiss('un-sc:2', 0.6)], listVersionIds, threshold: 0.85, identityHash: IDENTITY },
    };
    // Twice at once, then once more: a retry racing the first attempt, and a retry after it. The
    // race is made certain: the record's row is held until both statements wait for it, each
    // having found no assessment yet.
    const raced = await raceOnHeldRecord(db, recordId, [() => stores.records.saveRiskAssessment(input), () => stores.records.saveRiskAssessment(input)]);
    assert.deepEqual(raced.map((r) => r.status).sort(), ['fulfilled', 'rejected'], 'the second fails as a whole on the dedupe key (its retry finds the work done)');
    await stores.records.saveRiskAssessment(input);

    const runs = await db.screeningRun.findMany({ where: { recordId }, include: { hits: { orderBy: { entryId: 'asc' } } } });
    assert.equal(runs.length, 1);
    const [run] = runs;
    assert.deepEqual([run!.subjectId, run!.trigger, run!.result, run!.matchCount, run!.threshold, [...run!.listVersionIds].sort()], [userId, 'onboarding', 'clear', 0, 0.85, [...listVersionIds].sort()]);
    assert.deepEqual(
      run!.hits.map((h) => [h.entryId, h.cleared, h.match, h.score, h.entryContentHash]),
      [
        ['un-sc:1', true, false, 0.7, 'hash-un-sc:1'],
        ['un-sc:2', false, false, 0.6, 'hash-un-sc:2'],
      ],
    );
    assert.deepEqual(run!.hits[0]!.explanation, nearMiss('un-sc:1', 0.7).explanation);

    const outbox = await db.outboxEvent.findMany({ where: { kycRecordId: recordId } });
    assert.deepEqual(outbox.map((e) => e.type), ['SCREENING_CLEARED']);
    assert.deepEqual(outbox[0]!.data, { recordId, screeningId: run!.id, trigger: 'onboarding', lists: ['ofac-sdn', 'un-sc'], screenedAt: run!.createdAt.toISOString() });

    const events = await db.kycEvent.findMany({ where: { kycRecordId: recordId } });
    assert.deepEqual(events.map((e) => e.eventType), ['RISK_ASSESSED']);
    assert.deepEqual((events[0]!.data as { screening: unknown }).screening, { runId: run!.id, result: 'clear', matches: 0, listVersionIds });
    const stored = await db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    assert.equal(stored.riskScore, assessment.score);
    assert.deepEqual(stored.riskReasons, assessment.reasons);
    assert.ok(stored.extractedDataEnc?.startsWith('pd1.'));
  });

  test('when a hit is a match, then the run opens a case hit and no SCREENING_CLEARED', async () => {
    const { recordId, userId } = await record();
    const match = { ...nearMiss('un-sc:3', 0.95), match: true };
    await stores.records.saveRiskAssessment({ recordId, attempt: 1, assessment, extracted: {}, screening: { subjectId: userId, hits: [match, nearMiss('un-sc:4', 0.6)], listVersionIds, threshold: 0.85, identityHash: IDENTITY } });
    const run = await db.screeningRun.findFirstOrThrow({ where: { recordId }, include: { hits: true } });
    assert.deepEqual([run.result, run.matchCount, run.hits.length], ['potential_match', 1, 2]);
    assert.deepEqual((await db.screeningCaseHit.findMany({ where: { recordId } })).map((c) => [c.entryId, c.identityHash]), [['un-sc:3', IDENTITY]]);
    assert.equal((await db.screeningRun.findFirstOrThrow({ where: { recordId } })).identityHash, IDENTITY);
    assert.deepEqual((await db.outboxEvent.findMany({ where: { kycRecordId: recordId } })).map((e) => e.type), ['SCREENING_HIT']);
  });
});
