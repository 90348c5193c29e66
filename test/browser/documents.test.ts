// needs: postgres, temporal, workflow-bundle, chromium, fonts
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Page } from 'playwright-core';
import { generateSpecimen } from '../../document-check/specimens';
import { assertNoPageErrors, assertOnlyLocalRequests, launchBrowser, screenshot, signIn, type TestBrowser } from '../support/browser';
import { fileForm, postForm, specimenApplicant } from '../support/documents';
import { api, applicant, createUser, eventually, startTestSystem, type TestSystem } from '../support/system';
import { decide } from '../support/veriff';

// Documents in a real browser: the customer's upload on the local vendor's page, and reviewers
// seeing the document images of a local case (with the engine's findings and heat map) and of a
// Veriff case, each image fetched with the token and every view on the audit trail.

const PASSWORD = 'correct horse battery';

// The page's own view of an image element (the test compiles without the DOM's types).
interface ShownImage {
  complete: boolean;
  naturalWidth: number;
  src: string;
}

// Every image matching the selector has loaded, from an object URL.
function imageShown(page: Page, selector: string) {
  return page.waitForFunction(
    (css: string) => {
      const images = Array.from((globalThis as unknown as { document: { querySelectorAll(css: string): ArrayLike<ShownImage> } }).document.querySelectorAll(css));
      return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:'));
    },
    selector,
    { timeout: 20_000 },
  );
}

const viewsOf = (system: TestSystem, recordId: string) => system.db.kycEvent.findMany({ where: { kycRecordId: recordId, eventType: 'DOCUMENT_VIEWED' }, orderBy: { createdAt: 'asc' } });

describe('documents in the browser', () => {
  let local: TestSystem;
  let veriff: TestSystem;
  let browser: TestBrowser;

  before(async () => {
    [local, veriff] = await Promise.all([startTestSystem({ KYC_VENDOR: 'local' }), startTestSystem()]);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await local?.stop();
    await veriff?.stop();
  });

  test('when a customer uploads the front of their document on our upload page, then a file that is not an image is refused under its field, and a photo is checked and verified', async () => {
    const customer = await createUser(local);
    const { specimen, application } = await specimenApplicant({ seed: 31 });
    const started = await api(local, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: application });
    assert.equal(started.status, 201, started.text);
    const recordId = started.json.id as string;
    const uploadPage = started.json.session_url as string;

    const page = await browser.newPage();
    await signIn(page, local.apiUrl, customer.username, PASSWORD, new URL(uploadPage).pathname);
    assert.equal(page.url(), uploadPage, 'the session URL is our own upload page');
    await page.getByRole('heading', { name: 'Upload your identity document' }).waitFor();

    // Nothing chosen: said under the field before anything is sent.
    await page.getByRole('button', { name: 'Upload and check' }).click();
    await page.locator('#f-front-error', { hasText: 'Choose a photo of the front of your document' }).waitFor();

    await page.setInputFiles('#f-front', { name: 'passport.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('these are words, not a photo') });
    await page.getByRole('button', { name: 'Upload and check' }).click();
    await page.locator('#f-front-error', { hasText: 'file must be a JPEG or PNG image' }).waitFor();
    assert.equal(await page.locator('#f-front').getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'documents-1-upload-refused');

    await page.setInputFiles('#f-front', { name: 'passport.jpg', mimeType: 'image/jpeg', buffer: specimen.image });
    await Promise.all([page.waitForURL(`${local.apiUrl}/kyc/records/${recordId}`), page.getByRole('button', { name: 'Upload and check' }).click()]);
    await page.locator('[data-status-code="approved"]').waitFor({ timeout: 60_000 });
    await screenshot(page, 'documents-2-verified');
    const documents = await local.db.document.findMany({ where: { kycRecordId: recordId } });
    assert.deepEqual(documents.map((d) => [d.kind, d.source]), [['front', 'upload']]);
  });

  test('when a reviewer opens a local case, then the uploaded images, the findings next to the submitted data and the heat map are shown, and each view is audited', async () => {
    const customer = await createUser(local);
    // A Botswana passport submitted with another nationality: the engine flags it for review.
    const { specimen, application } = await specimenApplicant({ seed: 23 });
    const started = await api(local, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: { ...application, nationality: 'SE' } });
    const recordId = started.json.id as string;
    const selfie = await generateSpecimen({ kind: 'id_card', seed: 99 });
    assert.equal((await postForm(local, `/api/kyc/records/${recordId}/documents/`, fileForm({ kind: 'selfie' }, { field: 'file', bytes: selfie.image }), customer.token)).status, 201);
    assert.equal((await postForm(local, `/api/kyc/records/${recordId}/documents/`, fileForm({ kind: 'front' }, { field: 'file', bytes: specimen.image }), customer.token)).status, 201);
    await eventually(() => local.db.reviewTask.findFirst({ where: { kycRecordId: recordId } }), (task) => task !== null, 60_000, 'the review task');

    const reviewer = await createUser(local, 'reviewer');
    const page = await browser.newPage();
    await signIn(page, local.apiUrl, reviewer.username, PASSWORD, `/review/cases/${recordId}`);
    await imageShown(page, 'img[data-document-id]');
    await imageShown(page, 'img[data-heat-map]');
    assert.equal(await page.locator('img[data-document-id]').count(), 2);
    await page.locator('[data-check-id]').getByText('Flag for review').first().waitFor();
    const nationality = page.locator('table[data-read-fields] tr', { hasText: 'Nationality' });
    assert.match((await nationality.textContent()) ?? '', /Nationality\s*SE\s*BWA/);
    const surname = page.locator('table[data-read-fields] tr', { hasText: 'Surname' });
    assert.match((await surname.textContent()) ?? '', new RegExp(`Surname\\s*${specimen.holder.surname}\\s*${specimen.holder.surname.toUpperCase()}`));
    await page.locator('[data-mrz]').waitFor();
    await screenshot(page, 'documents-3-local-case');

    const views = await viewsOf(local, recordId);
    const documents = await local.db.document.findMany({ where: { kycRecordId: recordId } });
    assert.equal(views.length, 3, 'two images and the heat map');
    assert.ok(views.every((v) => v.actorType === 'staff' && v.actorId === reviewer.id));
    const viewed = views.map((v) => (v.data as { documentId: string; what: string }));
    assert.deepEqual(new Set(viewed.filter((v) => v.what === 'image').map((v) => v.documentId)), new Set(documents.map((d) => d.id)));
  });

  test('when a reviewer opens a Veriff case, then the image kept from Veriff is shown and the view is audited', async () => {
    const customer = await createUser(veriff);
    const started = await api(veriff, 'POST', '/api/kyc/records/start_verification/', { token: customer.token, body: applicant({ first_name: 'Maeve', last_name: 'Okonkwo' }) });
    const recordId = started.json.id as string;
    await decide(veriff, recordId, { status: 'review' });
    const [document] = await eventually(() => veriff.db.document.findMany({ where: { kycRecordId: recordId } }), (rows) => rows.length === 1, 30_000, 'the image kept from Veriff');
    await eventually(() => veriff.db.reviewTask.findFirst({ where: { kycRecordId: recordId } }), (task) => task !== null, 20_000, 'the review task');

    const reviewer = await createUser(veriff, 'reviewer');
    const page = await browser.newPage();
    await signIn(page, veriff.apiUrl, reviewer.username, PASSWORD, `/review/cases/${recordId}`);
    await imageShown(page, `img[data-document-id="${document!.id}"]`);
    await page.getByText('kept from Veriff').waitFor();
    await page.getByText('No document check was made on this case').waitFor();
    await screenshot(page, 'documents-4-veriff-case');
    const views = await viewsOf(veriff, recordId);
    assert.deepEqual(views.map((v) => [v.actorId, (v.data as { documentId: string }).documentId]), [[reviewer.id, document!.id]]);

    // The image has no URL of its own: without the token it is refused.
    const anonymous = await fetch(`${veriff.apiUrl}/api/review/documents/${document!.id}/content`);
    assert.equal(anonymous.status, 401);
    assert.equal((await viewsOf(veriff, recordId)).length, 1);

    assertOnlyLocalRequests(browser.requests);
    assertNoPageErrors(browser.errors);
  });
});
