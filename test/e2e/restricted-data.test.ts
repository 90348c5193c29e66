// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PersonalDataUnavailable, type Reader, RestrictedReadReasonRequired, SERVICE_READER } from '../../store/restricted-access';
import { fileForm, postForm, specimenApplicant } from '../support/documents';
import { api, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';

// A customer's erasure keeps their approved, reviewed verification under anti-money-laundering
// rules, restricted: readable by the auditor alone, with a reason, each read on the privacy audit
// trail. Proven on the real Temporal server and PostgreSQL with the local vendor (so the record has
// document images, a document check with its details and heat map, a screening run, review notes
// and the vendor's messages): every endpoint and every store that opens a piece of that data
// refuses reviewers and admins (410), asks the auditor for a reason (400 naming query.reason), and
// lets the auditor with one through with a `restricted_read` row naming the kind of data.

const REVIEW_NOTES = 'Passport holder Quillonbury confirmed by video call';

interface Endpoint {
  name: string;
  path: string;
  /** The kinds of data the auditor's read is logged as. */
  kinds: string[];
}

describe('restricted data after an erasure: the auditor alone, with a reason', () => {
  let system: TestSystem;
  let customer: TestUser;
  let reviewer: TestUser;
  let admin: TestUser;
  let auditor: TestUser;
  let recordId: string;
  let documentId: string;
  let checkId: string;
  let receiptId: string;
  let pii: string[];
  let endpoints: Endpoint[];

  const restrictedReads = () => system.db.privacyAuditEvent.findMany({ where: { subjectId: customer.id, action: 'restricted_read' }, orderBy: { createdAt: 'asc' } });
  const withReason = (path: string, reason: string) => `${path}${path.includes('?') ? '&' : '?'}reason=${encodeURIComponent(reason)}`;

  before(async () => {
    system = await startTestSystem({ KYC_VENDOR: 'local' });
    [customer, reviewer, admin, auditor] = [await createUser(system), await createUser(system, 'reviewer'), await createUser(system, 'admin'), await createUser(system, 'auditor')];
    // The submitted nationality differs from the document: the engine flags it, a reviewer approves it with notes.
    const { specimen, application } = await specimenApplicant({ variant: 'genuine', seed: 31 });
    pii = [specimen.holder.surname, specimen.holder.documentNumber, REVIEW_NOTES];
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: { ...application, nationality: 'SE' } });
    assert.equal(started.status, 201, started.text);
    recordId = started.json.id as string;
    for (const kind of ['back', 'front']) {
      const uploaded = await postForm(system, `/api/kyc/records/${recordId}/documents/`, fileForm({ kind }, { field: 'file', bytes: specimen.image }), customer.token);
      assert.equal(uploaded.status, 201, uploaded.text);
    }
    const task = await eventually(() => system.db.reviewTask.findFirst({ where: { kycRecordId: recordId, status: 'open' } }), (t) => t !== null && t.assigneeId === reviewer.id, 60_000, 'the review task');
    const decided = await api(system, 'POST', `/api/review/tasks/${task!.id}/decision/`, { token: reviewer.token, body: { decision: 'approve', notes: REVIEW_NOTES } });
    assert.equal(decided.status, 200, decided.text);
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === 'approved', 30_000, 'approved');

    const documents = await system.db.document.findMany({ where: { kycRecordId: recordId }, orderBy: { createdAt: 'asc' } });
    documentId = documents.find((d) => d.kind === 'front')!.id;
    checkId = (await system.db.documentCheck.findFirstOrThrow({ where: { kycRecordId: recordId } })).id;
    receiptId = (await system.db.webhookReceipt.findFirstOrThrow({ where: { kycRecordId: recordId, kind: 'decision' } })).id;
    assert.ok((await system.db.screeningRun.count({ where: { recordId } })) > 0, 'the verification was screened');

    // Before the erasure the reviewer reads the case and its documents.
    for (const path of [`/api/review/cases/${recordId}/`, `/api/review/cases/${recordId}/documents/`, `/api/review/documents/${documentId}/content`]) {
      assert.equal((await api(system, 'GET', path, { token: reviewer.token })).status, 200, path);
    }

    const asked = await api(system, 'POST', '/api/privacy/erasure-requests', { token: customer.token, body: {} });
    assert.equal(asked.status, 202, asked.text);
    assert.deepEqual((asked.json.retained as { record_id: string }[]).map((r) => r.record_id), [recordId], 'the approved, reviewed record is kept');
    await eventually(() => system.db.erasureRequest.findUniqueOrThrow({ where: { id: asked.json.id as string } }), (r) => r.status === 'completed', 120_000, 'the erasure');
    const kept = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    assert.ok(kept.restrictedAt && !kept.piiErasedAt, 'restricted, not erased');
    assert.equal(await system.db.document.count({ where: { kycRecordId: recordId } }), documents.length, 'its images are kept with it');

    endpoints = [
      { name: 'the case view', path: `/api/review/cases/${recordId}/`, kinds: ['record', 'screening_results'] },
      { name: 'the document list and check details', path: `/api/review/cases/${recordId}/documents/`, kinds: ['documents', 'document_checks'] },
      { name: 'the document image', path: `/api/review/documents/${documentId}/content`, kinds: ['documents'] },
      { name: 'the heat map', path: `/api/review/document-checks/${checkId}/heat-map`, kinds: ['document_checks'] },
      { name: 'the record status', path: `/api/kyc/records/${recordId}/status/`, kinds: ['record'] },
      { name: 'the record audit trail', path: `/api/kyc/records/${recordId}/events/`, kinds: ['record'] },
      { name: 'the record documents', path: `/api/kyc/records/${recordId}/documents/`, kinds: ['record', 'documents'] },
      { name: 'the application', path: `/v1/kyc/applications/${recordId}`, kinds: ['record'] },
      { name: 'the passport verification', path: `/api/verifications/${recordId}/`, kinds: ['record'] },
    ];
  });
  after(async () => {
    await system?.stop();
  });

  test('when a reviewer or an admin reads any of the kept record’s data over the API, then each answers 410 problem+json with none of it, and nothing is logged as read', async () => {
    for (const who of [reviewer, admin]) {
      for (const endpoint of endpoints) {
        for (const path of [endpoint.path, withReason(endpoint.path, 'curious')]) {
          const answer = await api(system, 'GET', path, { token: who.token });
          assert.equal(answer.status, 410, `${endpoint.name} as ${who.username}: ${answer.status} ${answer.text.slice(0, 200)}`);
          assert.match(answer.contentType, /application\/problem\+json/);
          assert.match(answer.json.detail as string, /auditor/);
          for (const value of pii) assert.equal(answer.text.includes(value), false, `${endpoint.name} leaks ${value}`);
        }
      }
    }
    assert.deepEqual(await restrictedReads(), []);
  });

  test('when the auditor reads without a reason, then each answers 400 problem+json naming query.reason, and nothing is logged as read', async () => {
    for (const endpoint of endpoints) {
      const answer = await api(system, 'GET', endpoint.path, { token: auditor.token });
      assert.equal(answer.status, 400, `${endpoint.name}: ${answer.status} ${answer.text.slice(0, 200)}`);
      assert.match(answer.contentType, /application\/problem\+json/);
      assert.equal(answer.json.type, '/problems/reason-required');
      assert.deepEqual((answer.json.errors as { field: string; rule: string }[]).map((e) => [e.field, e.rule]), [['query.reason', 'required']]);
      for (const value of pii) assert.equal(answer.text.includes(value), false);
    }
    const exported = await api(system, 'GET', `/api/privacy/export?user_id=${customer.id}`, { token: auditor.token });
    assert.equal(exported.status, 400, exported.text);
    assert.deepEqual((exported.json.errors as { field: string }[]).map((e) => e.field), ['query.reason']);
    assert.deepEqual(await restrictedReads(), []);
  });

  test('when the auditor reads with a reason, then each answers 200 with the data and writes one restricted_read per kind of data, with the reason', async () => {
    for (const [i, endpoint] of endpoints.entries()) {
      const reason = `FIU request 2026-${String(i).padStart(4, '0')}`;
      const before = (await restrictedReads()).length;
      const answer = await api(system, 'GET', withReason(endpoint.path, reason), { token: auditor.token });
      assert.equal(answer.status, 200, `${endpoint.name}: ${answer.text.slice(0, 200)}`);
      const logged = (await restrictedReads()).slice(before);
      assert.deepEqual(logged.map((e) => (e.details as { kind: string }).kind).sort(), [...endpoint.kinds].sort(), endpoint.name);
      for (const event of logged) {
        assert.deepEqual([event.actorId, event.actorRole, event.reason], [auditor.id, 'auditor', reason]);
        assert.deepEqual((event.details as { records: string[] }).records, [recordId]);
      }
    }
    const file = await api(system, 'GET', withReason(`/api/review/cases/${recordId}/`, 'FIU request 2026-0100'), { token: auditor.token });
    assert.equal((file.json.submitted as { last_name: string }).last_name, pii[0], 'the kept record opens with the retained key');
    const image = await fetch(`${system.apiUrl}${withReason(`/api/review/documents/${documentId}/content`, 'FIU request 2026-0101')}`, { headers: { authorization: `Bearer ${auditor.token}` } });
    assert.equal(image.headers.get('content-type'), 'image/jpeg');

    const exported = await api(system, 'GET', `/api/privacy/export?user_id=${customer.id}&reason=${encodeURIComponent('FIU request 2026-0102')}`, { token: auditor.token });
    assert.equal(exported.status, 200, exported.text);
    const [kept] = exported.json.verifications as { personal_data: string; review_decisions: { notes: string | null }[] }[];
    assert.equal(kept!.personal_data, 'restricted');
    assert.deepEqual(kept!.review_decisions.map((d) => d.notes), [REVIEW_NOTES], 'the review notes: read through the export alone');
    const exportRead = (await restrictedReads()).at(-1)!;
    assert.deepEqual([(exportRead.details as { kind: string }).kind, exportRead.reason], ['export', 'FIU request 2026-0102']);
  });

  test('when a store is asked directly for the kept record’s data, then each refuses everyone but the auditor with a reason, the service’s own steps included, and logs the auditor’s read', async () => {
    const { stores } = system;
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    const asReviewer: Reader = { userId: reviewer.id, role: 'reviewer', reason: 'curious' };
    const asAdmin: Reader = { userId: admin.id, role: 'admin', reason: 'curious' };
    const noReason: Reader = { userId: auditor.id, role: 'auditor' };
    const reads: [string, (reader: Reader) => Promise<unknown>][] = [
      ['record', (reader) => stores.records.submittedApplication(record, reader)],
      ['record', (reader) => stores.records.extractedData(record, reader)],
      ['record', (reader) => stores.records.caseFile(recordId, reader)],
      ['record', (reader) => stores.records.visibleTo(reader, recordId)],
      ['documents', (reader) => stores.documents.ofRecord(recordId, reader)],
      ['documents', (reader) => stores.documents.content(documentId, reader)],
      ['document_checks', (reader) => stores.documents.checksOfRecord(recordId, reader)],
      ['document_checks', (reader) => stores.documents.checkDetails(checkId, reader)],
      ['document_checks', (reader) => stores.documents.heatMap(checkId, reader)],
      ['screening_results', (reader) => stores.screening.caseHits(recordId, reader)],
      ['screening_results', (reader) => stores.screening.runsOf(recordId, reader)],
      ['webhook_bodies', (reader) => stores.receipts.body(receiptId, reader)],
    ];
    const before = (await restrictedReads()).length;
    for (const [kind, read] of reads) {
      for (const reader of [asReviewer, asAdmin, SERVICE_READER]) {
        await assert.rejects(read(reader), (err: Error) => err instanceof PersonalDataUnavailable && err.state === 'restricted', `${kind} as ${reader.role}`);
      }
      await assert.rejects(read(noReason), RestrictedReadReasonRequired, `${kind} without a reason`);
    }
    await assert.rejects(stores.records.sessionApplicant(recordId), PersonalDataUnavailable, 'the service opens no session for it');
    await assert.rejects(stores.records.riskContext(recordId), PersonalDataUnavailable, 'nor assesses it');
    assert.equal((await restrictedReads()).length, before, 'refusals write nothing');

    for (const [kind, read] of reads) {
      const reader: Reader = { userId: auditor.id, role: 'auditor', reason: `store read of ${kind}` };
      await read(reader);
      const last = (await restrictedReads()).at(-1)!;
      assert.deepEqual([(last.details as { kind: string }).kind, last.reason], [kind, `store read of ${kind}`]);
    }
    assert.equal((await restrictedReads()).length, before + reads.length, 'one row per read');
    const application = await stores.records.submittedApplication(record, { userId: auditor.id, role: 'auditor', reason: 'FIU request 2026-0200' });
    assert.equal(application.document_number, pii[1]);
    assert.equal(await stores.receipts.body(receiptId, { userId: auditor.id, role: 'auditor', reason: 'FIU request 2026-0201' }), null, "the vendor's messages went with the erasure");
  });

  test('when one request reads a record’s data through several store calls, then the trail has one row per kind of data', async () => {
    const reader: Reader = { userId: auditor.id, role: 'auditor', reason: 'FIU request 2026-0300' };
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } });
    const before = (await restrictedReads()).length;
    await Promise.all([system.stores.records.caseFile(recordId, reader), system.stores.records.submittedApplication(record, reader), system.stores.records.extractedData(record, reader)]);
    await Promise.all([system.stores.screening.caseHits(recordId, reader), system.stores.screening.runsOf(recordId, reader)]);
    const logged = (await restrictedReads()).slice(before);
    assert.deepEqual(logged.map((e) => (e.details as { kind: string }).kind).sort(), ['record', 'screening_results']);
  });
});
