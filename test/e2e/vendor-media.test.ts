// needs: postgres, temporal, workflow-bundle, fonts
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { generateSpecimen } from '../../document-check/specimens';
import { type fetchVendorMedia } from '../../workflows/vendor-media';
import { VENDOR_MEDIA_WORKFLOW_TYPE, vendorMediaTaskQueue, vendorMediaWorkflowId, type VendorMediaOutcome } from '../../workflows/vendor-media.contract';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem } from '../support/system';
import { decide, sessionOf } from '../support/veriff';

// Veriff's images of a decided session, fetched from its media API (signed calls, against the
// simulator) by the fetchVendorMedia workflow the decision's webhook starts, and kept encrypted.

describe("Veriff media: a decided session's images are kept, encrypted", () => {
  let system: TestSystem;
  before(async () => {
    system = await startTestSystem();
  });
  after(async () => {
    await system?.stop();
  });

  async function startedRecord() {
    const user = await createUser(system);
    const application = applicant({ first_name: 'Ingrid', last_name: 'Halvorsen' });
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: user.token, body: application });
    assert.equal(started.status, 201, started.text);
    return { user, recordId: started.json.id as string, application };
  }

  const documentsOf = (recordId: string) => system.db.document.findMany({ where: { kycRecordId: recordId }, orderBy: { createdAt: 'asc' } });

  test('when Veriff approves a session, then the document image it serves (a generated document of the applicant) is fetched and stored sealed', async () => {
    const { recordId, application } = await startedRecord();
    await decide(system, recordId, { status: 'approved' });
    const [document] = await eventually(() => documentsOf(recordId), (rows) => rows.length === 1, 30_000, 'the fetched image');
    assert.equal(document!.source, 'veriff');
    assert.equal(document!.kind, 'front');
    assert.equal(document!.contentType, 'image/jpeg');

    const sessionId = await sessionOf(system, recordId);
    const [served] = system.simulator.store.mediaOf(sessionId);
    assert.ok(served, 'the simulator generated the session media');
    assert.equal(document!.vendorMediaId, served.id);
    const sealed = Buffer.from(document!.contentEnc);
    assert.equal(sealed.includes(served.content.subarray(0, 64)), false, 'not stored in the clear');
    assert.deepEqual(await system.stores.personalData.open(document!.ownerId, sealed), served.content);
    assert.equal(document!.byteSize, served.content.length);

    const events = await system.db.kycEvent.findMany({ where: { kycRecordId: recordId, eventType: 'DOCUMENT_FETCHED' } });
    assert.equal(events.length, 1);
    assert.equal(JSON.stringify(events[0]!.data).includes(application.last_name), false);

    // It ran on the media task queue, its steps as local activities: markers in its history, no
    // activity task through the server.
    const media = system.client.workflow.getHandle(vendorMediaWorkflowId(sessionId));
    assert.deepEqual(await media.result(), { kept: 1, refused: 0 });
    assert.equal((await media.describe()).taskQueue, vendorMediaTaskQueue(system.config.TEMPORAL_TASK_QUEUE));
    const history = (await media.fetchHistory()).events ?? [];
    assert.equal(history.filter((e) => e.activityTaskScheduledEventAttributes).length, 0);
    assert.equal(history.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length, 2, 'list, then keep one image');

    // Once per media id: a second run of the workflow keeps the same image and stores nothing new.
    const again = await system.client.workflow.execute<typeof fetchVendorMedia>(VENDOR_MEDIA_WORKFLOW_TYPE, {
      taskQueue: vendorMediaTaskQueue(system.config.TEMPORAL_TASK_QUEUE),
      workflowId: `${vendorMediaWorkflowId(sessionId)}-again-${randomUUID()}`,
      args: [{ recordId, sessionId }],
    });
    assert.deepEqual(again, { kept: 1, refused: 0 });
    assert.equal((await documentsOf(recordId)).length, 1);
  });

  test('when the session holds a file that is not an image, then it is left out and the images are kept', async () => {
    const { recordId } = await startedRecord();
    const sessionId = await sessionOf(system, recordId);
    const front = await generateSpecimen({ kind: 'id_card', seed: 41 });
    const timestamp = new Date().toISOString();
    system.simulator.store.addMedia({ id: randomUUID(), sessionId, context: 'document-front', mimetype: 'image/jpeg', content: front.image, timestamp });
    system.simulator.store.addMedia({ id: randomUUID(), sessionId, context: 'document-back', mimetype: 'image/jpeg', content: Buffer.from('<html>not an image</html>'), timestamp });
    system.simulator.store.addMedia({ id: randomUUID(), sessionId, context: 'face-video', mimetype: 'video/webm', content: Buffer.from('webm'), timestamp });
    await decide(system, recordId, { status: 'review' });

    const handle = system.client.workflow.getHandle(vendorMediaWorkflowId(sessionId));
    const outcome = await eventually((): Promise<VendorMediaOutcome | null> => handle.result().catch(() => null), (r) => r !== null, 30_000, 'the media workflow');
    assert.deepEqual(outcome, { kept: 1, refused: 1 }, 'the video is not listed as an image we keep; the broken back is refused');
    const documents = await documentsOf(recordId);
    assert.deepEqual(documents.map((d) => d.kind), ['front']);
    assert.deepEqual(await system.stores.personalData.open(documents[0]!.ownerId, Buffer.from(documents[0]!.contentEnc)), front.image);
  });

  test('when a session expires, then nothing is fetched', async () => {
    const { recordId } = await startedRecord();
    const admin = await createUser(system, 'admin');
    await decide(system, recordId, { status: 'expired' });
    await eventually(() => api(system, 'GET', `/api/kyc/records/${recordId}/status/`, { token: admin.token }), (r) => r.json.status === 'expired', 20_000, 'the record to expire');
    const sessionId = await sessionOf(system, recordId);
    await assert.rejects(system.client.workflow.getHandle(vendorMediaWorkflowId(sessionId)).describe());
    assert.equal((await documentsOf(recordId)).length, 0);
  });
});
