// needs: postgres, temporal, workflow-bundle, chromium, fonts
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WITHHELD_CATEGORIES } from '../../domain/customer-view';
import { assertNoPageErrors, assertOnlyLocalRequests, launchBrowser, signIn, type TestBrowser } from '../support/browser';
import { LISTED_PERSON, loadUnList } from '../support/screening';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem, type TestUser } from '../support/system';
import { decide } from '../support/veriff';

// No tipping off, on the real servers and in a real browser: a customer whose verification had a
// sanctions hit (the document read as an alias of a person on the UN list), a document number
// another customer uses (DUPLICATE_DOCUMENT), a screening hit cleared with a written reason and a
// rejection for fraud_suspected with notes reads their export, their privacy page and every status
// view: none says any of it; the export names what is withheld and why; the auditor's export of the
// same customer has it all.

const PASSWORD = 'correct horse battery';
const NOTES = 'Quorvexial pattern: same passport seen on a mule account';
const HIT_REASON = 'Zanderfell alias checked against the consolidated entry';
const ALIAS = { firstName: 'Victor', lastName: 'Rumuri', dateOfBirth: '1948-05-05', nationality: 'RW' };

describe('what a customer is told of a suspicious verification', () => {
  let system: TestSystem;
  let browser: TestBrowser;
  let customer: TestUser;
  let auditor: TestUser;
  let recordId: string;
  let leaks: string[];

  before(async () => {
    system = await startTestSystem({ SCREENING_REQUIRED_SOURCES: 'un-sc' }, { lists: false }); // the UN list alone, loaded below
    browser = await launchBrowser();
    await loadUnList(system);
    const reviewer = await createUser(system, 'reviewer');
    auditor = await createUser(system, 'auditor');
    const other = await createUser(system);
    customer = await createUser(system);
    const application = applicant();
    const first = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: other.token, body: application });
    assert.equal(first.status, 201, first.text);
    const started = await api(system, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: application });
    assert.equal(started.status, 201, started.text);
    recordId = started.json.id as string;
    await decide(system, recordId, { status: 'approved', person: ALIAS });
    const record = await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === 'under_review', 30_000, 'under review');
    const codes = (record.riskReasons as { code: string }[]).map((r) => r.code);
    assert.ok(codes.includes('SANCTIONS_HIT') && codes.includes('DUPLICATE_DOCUMENT'), codes.join());

    const file = await api(system, 'GET', `/api/review/cases/${recordId}/`, { token: reviewer.token });
    assert.equal(file.status, 200, file.text);
    const [hit] = (file.json.screening as { hits: { hit_id: string; entry_id: string; source: string; name: string; matched_name: string; score: number }[] }).hits;
    assert.deepEqual([hit!.entry_id, hit!.name, hit!.matched_name], [LISTED_PERSON.entryId, 'GASTON IYAMUREMYE', 'Victor Rumuri'], 'matched on an alias: the listed name is not what the customer gave');
    const task = await eventually(() => system.db.reviewTask.findFirst({ where: { kycRecordId: recordId, status: 'open' } }), (t) => t?.assigneeId === reviewer.id, 30_000, 'the task');
    const cleared = await api(system, 'POST', `/api/review/cases/${recordId}/screening-hits/${hit!.hit_id}/resolution/`, { token: reviewer.token, body: { resolution: 'false_positive', reason: HIT_REASON } });
    assert.equal(cleared.status, 200, cleared.text);
    const rejected = await api(system, 'POST', `/api/review/tasks/${task!.id}/decision/`, { token: reviewer.token, body: { decision: 'reject', reason_code: 'fraud_suspected', notes: NOTES } });
    assert.equal(rejected.status, 200, rejected.text);
    await eventually(() => system.db.kycRecord.findUniqueOrThrow({ where: { id: recordId } }), (r) => r.status === 'rejected', 30_000, 'rejected');

    leaks = ['SANCTIONS_HIT', 'DUPLICATE_DOCUMENT', 'fraud_suspected', 'fraud', NOTES, 'Quorvexial', HIT_REASON, 'Zanderfell', 'Iyamuremye', 'un-sc', LISTED_PERSON.dataId, 'score', 'sanction', 'another account', 'RISK_ASSESSED', 'SCREENING', 'REVIEW_DECISION', 'risk'];
  });
  after(async () => {
    await browser?.close();
    await system?.stop();
  });

  const leaksIn = (text: string) => leaks.filter((leak) => text.toLowerCase().includes(leak.toLowerCase()));

  test('when the customer exports their data, then the JSON has none of the screening, scores, codes, notes or reasons, and lists every withheld category with its legal basis', async () => {
    const exported = await api(system, 'GET', '/api/privacy/export', { token: customer.token });
    assert.equal(exported.status, 200, exported.text);
    // The withheld list names kinds of record (the same for every customer) and the laws: read without it.
    assert.deepEqual(leaksIn(JSON.stringify({ ...exported.json, withheld: null })), []);
    const withheld = exported.json.withheld as { category: string; basis: string; provisions: string }[];
    assert.deepEqual(withheld.map((w) => w.category), [...WITHHELD_CATEGORIES]);
    assert.ok(withheld.every((w) => w.basis === 'aml_tipping_off' && /GDPR art\. 23\(1\)\(d\)/.test(w.provisions)));
    const [verification] = exported.json.verifications as { id: string; status: string; reason: string; submitted: { document_number: string }; events: { type: string }[] }[];
    assert.deepEqual([verification!.id, verification!.status, verification!.reason], [recordId, 'rejected', 'We could not verify your identity after review.']);
    assert.ok(verification!.submitted.document_number, 'what they submitted is there');
    assert.ok(verification!.events.some((e) => e.type === 'REVIEW_REJECTED'), 'and what was decided');
  });

  test('when the customer reads their status views, then none of them says it either', async () => {
    for (const path of [`/api/kyc/records/${recordId}/status/`, `/api/kyc/records/${recordId}/events/`, `/api/kyc/records/${recordId}/documents/`, '/api/kyc/summary/', `/v1/kyc/applications/${recordId}`, '/v1/kyc/applications', `/api/verifications/${recordId}/`]) {
      const answer = await api(system, 'GET', path, { token: customer.token });
      assert.equal(answer.status, 200, `${path}: ${answer.text}`);
      assert.deepEqual(leaksIn(answer.text), [], path);
    }
  });

  test('when the customer opens the privacy page, then it shows their verification and what is withheld, and nothing of the suspicion', async () => {
    const page = await browser.newPage();
    await signIn(page, system.apiUrl, customer.username, PASSWORD, '/privacy');
    await page.getByText('We could not verify your identity after review.').first().waitFor();
    await page.getByText('What we do not show here').waitFor();
    const text = await page.locator('main').innerText();
    assert.match(text, /sanctions and politically exposed person screening/, 'the withheld categories are named');
    // The category names say what kind of record is withheld, for everyone alike; nothing else may.
    const withoutCategories = text.replace(/What we do not show here[\s\S]*$/, '');
    assert.deepEqual(leaksIn(withoutCategories), []);
    assertOnlyLocalRequests(browser.requests);
    assertNoPageErrors(browser.errors);
  });

  test('when the auditor exports the same customer, then everything is there: the screening, the scores and codes, the notes and the reasons', async () => {
    const exported = await api(system, 'GET', `/api/privacy/export?user_id=${customer.id}&reason=${encodeURIComponent('FIU request 2026-0500')}`, { token: auditor.token });
    assert.equal(exported.status, 200, exported.text);
    for (const expected of ['SANCTIONS_HIT', 'DUPLICATE_DOCUMENT', 'fraud_suspected', NOTES, HIT_REASON, 'GASTON IYAMUREMYE', 'un-sc']) assert.ok(exported.text.includes(expected), expected);
    assert.deepEqual(exported.json.withheld, []);
  });
});
