// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { imageLimits } from '../../api/use-cases/document-images';
import { normaliseImage } from '../../document-check';
import { type SpecimenVariant } from '../../document-check/specimens';
import { fileForm, postForm, specimenApplicant } from '../support/documents';
import { api, createUser, eventually, runtimeLogs, startTestSystem, type TestSystem, type TestUser } from '../support/system';

// KYC_VENDOR=local end to end on the real Temporal server, with no external service: the session
// is our own upload page, the customer uploads the front of a generated document, the engine's
// decision takes the verification down the same branches as a vendor's (accept -> approved with
// risk and the wallet upgrade, deny -> rejected, flag -> manual review, retake -> resubmission).

interface Started {
  user: TestUser;
  recordId: string;
  sessionUrl: string;
  specimen: Awaited<ReturnType<typeof specimenApplicant>>['specimen'];
}

describe('the local vendor: uploads checked by the document-check engine', () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem({ KYC_VENDOR: 'local' });
  });
  after(async () => {
    await system?.stop();
  });

  async function startWith(variant: SpecimenVariant, seed: number, changes: Record<string, string> = {}): Promise<Started> {
    const user = await createUser(system);
    const { specimen, application } = await specimenApplicant({ variant, seed });
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: user.token, body: { ...application, ...changes } });
    assert.equal(started.status, 201, started.text);
    return { user, recordId: started.json.id as string, sessionUrl: started.json.session_url as string, specimen };
  }

  const upload = (started: Started, kind: string, bytes: Buffer) => postForm(system, `/api/kyc/records/${started.recordId}/documents/`, fileForm({ kind }, { field: 'file', bytes }), started.user.token);
  const statusOf = async (started: Started) => (await api(system, 'GET', `/api/kyc/records/${started.recordId}/status/`, { token: started.user.token })).json;
  const untilStatus = (started: Started, status: string) => eventually(() => statusOf(started), (s) => s.status === status, 60_000, `record to be ${status}`);

  test('when a genuine document is uploaded, then it is accepted, scored and approved, the wallet is upgraded, and the image and findings are stored encrypted', async () => {
    const started = await startWith('genuine', 21);
    assert.equal(started.sessionUrl, `${system.apiUrl}/kyc/records/${started.recordId}/documents`, 'the session is our own upload page');

    // The back and a selfie first: they are kept and start nothing.
    const back = await upload(started, 'back', started.specimen.image);
    assert.equal(back.status, 201, back.text);
    assert.equal(back.json.check, 'not_applicable');
    const front = await upload(started, 'front', started.specimen.image);
    assert.equal(front.status, 201, front.text);
    assert.equal(front.json.check, 'started');
    const again = await upload(started, 'front', started.specimen.image);
    assert.equal(again.json.created, false, 'the same file twice is one document');

    const final = await untilStatus(started, 'approved');
    assert.equal(final.status, 'approved');
    // The upgrade follows the approval.
    await eventually(() => system.db.wallet.findUniqueOrThrow({ where: { userId: started.user.id } }), (wallet) => wallet.walletType === 'verified', 20_000, 'the wallet upgrade');

    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: started.recordId } });
    assert.equal(record.vendorStatus, 'approved');
    assert.equal(record.riskScore, 0, 'the engine read the same identity as submitted: no risk rule matched');
    const events = (await system.db.kycEvent.findMany({ where: { kycRecordId: started.recordId }, orderBy: { createdAt: 'asc' } })).map((e) => e.eventType);
    for (const type of ['DOCUMENT_UPLOADED', 'VENDOR_SUBMITTED', 'DOCUMENT_CHECKED', 'RISK_ASSESSED', 'KYC_APPROVED']) assert.ok(events.includes(type), `${type} in ${events.join(', ')}`);

    const check = await system.db.documentCheck.findFirstOrThrow({ where: { kycRecordId: started.recordId } });
    assert.equal(check.decision, 'accept');
    assert.deepEqual(check.checks, { ocr: 'success', metadata: 'success', image_integrity: 'success' });
    const outbox = await system.db.outboxEvent.findFirstOrThrow({ where: { kycRecordId: started.recordId, type: 'DOCUMENT_CHECKED' } });
    assert.equal((outbox.data as { verdict: string }).verdict, 'pass');
    const receipts = await system.db.webhookReceipt.findMany({ where: { kycRecordId: started.recordId }, orderBy: { receivedAt: 'asc' } });
    assert.deepEqual(receipts.map((r) => [r.source, r.kind, r.statusOrAction, r.outcome]), [
      ['local', 'event', 'submitted', 'processed'],
      ['local', 'decision', 'approved', 'processed'],
    ]);

    // Encrypted at rest: neither the image nor what was read is in the rows as written.
    const stored = await system.db.document.findFirstOrThrow({ where: { id: (front.json.document as { id: string }).id } });
    const sealed = Buffer.from(stored.contentEnc);
    assert.equal(sealed.includes(started.specimen.image.subarray(0, 64)), false);
    assert.deepEqual(await system.stores.personalData.open(stored.ownerId, sealed), (await normaliseImage(started.specimen.image, imageLimits(system.config))).image, "the engine's copy of the upload is kept");
    const { surname, documentNumber } = started.specimen.holder;
    for (const bytes of [Buffer.from(check.detailsEnc), sealed, Buffer.from(JSON.stringify(outbox.data)), ...receipts.map((r) => Buffer.from(r.rawBodyEnc ?? ''))]) {
      assert.equal(bytes.includes(Buffer.from(documentNumber)), false);
      assert.equal(bytes.toString('latin1').toUpperCase().includes(surname.toUpperCase()), false);
    }
    // Nor in the logs of the API and the worker.
    const logs = [...system.logs, ...runtimeLogs.map((entry) => JSON.stringify(entry))].join('\n');
    assert.equal(logs.includes(documentNumber), false);
    assert.equal(logs.toUpperCase().includes(surname.toUpperCase()), false);
  });

  test('when the image was re-saved by an editor, then the document is denied and the verification rejected', async () => {
    const started = await startWith('editor_software', 22);
    assert.equal((await upload(started, 'front', started.specimen.image)).status, 201);
    const final = await untilStatus(started, 'rejected');
    assert.equal(final.reason, 'The document could not be accepted.');
    const check = await system.db.documentCheck.findFirstOrThrow({ where: { kycRecordId: started.recordId } });
    assert.equal(check.decision, 'deny');
    assert.ok(check.reasonCodes.includes('EDITING_SOFTWARE'), check.reasonCodes.join());
  });

  test('when the submitted nationality differs from the document, then the engine flags it and the case goes to manual review', async () => {
    // The specimen of seed 23 is a Botswana passport; Sweden has no passport number format of its own here.
    const started = await startWith('genuine', 23, { nationality: 'SE' });
    assert.equal((await upload(started, 'front', started.specimen.image)).status, 201);
    await untilStatus(started, 'under_review');
    const task = await eventually(() => system.db.reviewTask.findFirst({ where: { kycRecordId: started.recordId } }), (t) => t !== null, 20_000, 'a review task');
    assert.equal(task?.status, 'open');
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: started.recordId } });
    assert.equal(record.vendorStatus, 'review');
    assert.ok(((record.riskReasons ?? []) as { code: string }[]).some((r) => r.code === 'VENDOR_REVIEW'));
    const check = await system.db.documentCheck.findFirstOrThrow({ where: { kycRecordId: started.recordId } });
    assert.deepEqual([check.decision, check.reasonCodes], ['flag for review', ['SUBMISSION_NATIONALITY_MISMATCH']]);
  });

  test('when the photo is too blurred to read, then the customer is asked for a new one (resubmission) and may retry with a new session', async () => {
    const started = await startWith('blurred', 24);
    assert.equal((await upload(started, 'front', started.specimen.image)).status, 201);
    const final = await untilStatus(started, 'resubmission_required');
    assert.equal(final.reason, 'The images were not sharp enough.');
    const check = await system.db.documentCheck.findFirstOrThrow({ where: { kycRecordId: started.recordId } });
    assert.equal(check.retake, true);
    // Uploads wait for the next attempt.
    assert.equal((await upload(started, 'front', started.specimen.image)).status, 409);
    const retried = await api(system, 'POST', `/api/kyc/records/${started.recordId}/retry/`, { token: started.user.token });
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.json.session_url, started.sessionUrl, 'the upload page again, for attempt 2');
    const record = await system.db.kycRecord.findUniqueOrThrow({ where: { id: started.recordId } });
    assert.equal(record.attempt, 2);
    assert.notEqual(record.veriffSessionId, check.sessionId);
  });

  test('when the upload is not an image, then it is refused naming the field, and nothing is stored', async () => {
    const started = await startWith('genuine', 25);
    const refused = await upload(started, 'front', Buffer.from('%PDF-1.7 not a photo'));
    assert.equal(refused.status, 415, refused.text);
    assert.deepEqual((refused.json.errors as { field: string }[]).map((e) => e.field), ['file']);
    const other = await createUser(system);
    const foreign = await postForm(system, `/api/kyc/records/${started.recordId}/documents/`, fileForm({ kind: 'front' }, { field: 'file', bytes: started.specimen.image }), other.token);
    assert.equal(foreign.status, 404, "another customer's record does not exist for them");
    assert.equal(await system.db.document.count({ where: { kycRecordId: started.recordId } }), 0);
  });

  test('when an application references a file uploaded first (applications API), then the file joins the verification, shows in documents[], and its check decides', async () => {
    const user = await createUser(system);
    // Seeds differ from the other tests': the same document on two customers would go to review as a duplicate.
    const { specimen, application } = await specimenApplicant({ seed: 40 });
    const uploaded = await postForm(system, '/v1/kyc/files', fileForm({ kind: 'front' }, { field: 'file', bytes: specimen.image }), user.token);
    assert.equal(uploaded.status, 201, uploaded.text);
    const fileId = uploaded.json.file_id as string;
    assert.equal((await postForm(system, '/v1/kyc/files', fileForm({ kind: 'front' }, { field: 'file', bytes: specimen.image }), user.token)).json.file_id, fileId, 'the same file twice is one file');

    // Refused before anything starts: an id that is not the caller's waiting upload, a type that is not the application's.
    const other = await createUser(system);
    const foreign = await api(system, 'POST', '/v1/kyc/applications', { token: other.token, body: { ...application, documents: [{ file_id: fileId }] } });
    assert.equal(foreign.status, 422, foreign.text);
    assert.deepEqual((foreign.json.errors as { field: string; rule: string }[]).map((e) => [e.field, e.rule]), [['documents.0.file_id', 'unknown_file']]);
    const wrongType = await api(system, 'POST', '/v1/kyc/applications', { token: user.token, body: { ...application, documents: [{ file_id: fileId, doc_type: 'ID_CARD' }] } });
    assert.equal(wrongType.status, 422, wrongType.text);
    assert.equal(await system.db.kycRecord.count({ where: { userId: { in: [user.id, other.id] } } }), 0);

    const created = await api(system, 'POST', '/v1/kyc/applications', { token: user.token, body: { ...application, documents: [{ doc_type: 'PASSPORT', file_id: fileId, issued_country: application.nationality }] } });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json.documents, [{ doc_type: 'PASSPORT', issued_country: application.nationality, file_id: fileId, side: 'front' }]);
    const id = created.json.id as string;
    const verified = await eventually(() => api(system, 'GET', `/v1/kyc/applications/${id}`, { token: user.token }), (r) => r.json.status === 'VERIFIED', 60_000, 'the application to be verified');
    assert.equal((verified.json.documents as { file_id: string }[])[0]!.file_id, fileId);
    const check = await system.db.documentCheck.findFirstOrThrow({ where: { kycRecordId: id } });
    assert.equal(check.documentId, fileId);
  });
});
