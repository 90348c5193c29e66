import { html, type Markup } from '../html';
import { KYC_FORM, type FormField } from '../kyc-form-fields';
import { renderPage } from '../layout';

// Customer pages: the latest verification, the start form (plain HTML),
// and the status page Veriff sends the browser back to (FRONTEND_URL/kyc/records/<id>).

const CUSTOMER = ['customer'] as const;

const NOSCRIPT = html`<noscript><p class="notice">These pages need JavaScript to sign you in and talk to the service.</p></noscript>`;

export function kycHomePage(): string {
  return renderPage({
    title: 'My verification',
    area: 'customer',
    path: '/kyc',
    script: 'kyc-home.js',
    roles: CUSTOMER,
    body: html`<h1>My verification</h1>
${NOSCRIPT}
<div data-problem></div>
<section class="card" aria-labelledby="latest-heading">
  <h2 id="latest-heading">Latest verification</h2>
  <div data-latest aria-live="polite"><p class="muted">Loading…</p></div>
</section>
<section class="card" aria-labelledby="wallet-heading">
  <h2 id="wallet-heading">Wallet</h2>
  <div data-wallet><p class="muted">Loading…</p></div>
</section>`,
  });
}

function fieldControl(field: FormField, describedBy: string): Markup {
  const common = html`id="f-${field.name}" name="${field.name}"${describedBy ? html` aria-describedby="${describedBy}"` : ''} data-normalise="${field.normalise}" data-rules="${JSON.stringify(field.rules)}"${field.rules.some((r) => r.kind === 'required') ? html` required` : ''}${field.autocomplete ? html` autocomplete="${field.autocomplete}"` : ''}`;
  if (field.control === 'select') {
    return html`<select ${common}>
<option value="">Choose…</option>
${(field.options ?? []).map((option) => html`<option value="${option.value}"${option.value === field.defaultValue ? html` selected` : ''}>${option.label}</option>`)}
</select>`;
  }
  return html`<input ${common} type="${field.control}"${field.control === 'text' ? html` spellcheck="false"` : ''}>`;
}

function formField(field: FormField): Markup {
  const hintId = `f-${field.name}-hint`;
  return html`<div class="field" data-field="${field.name}">
<label for="f-${field.name}">${field.label}</label>
${field.hint ? html`<p class="hint" id="${hintId}">${field.hint}</p>` : ''}
<p class="field-error" id="f-${field.name}-error" hidden></p>
${fieldControl(field, field.hint ? hintId : '')}
</div>`;
}

export function kycStartPage(): string {
  return renderPage({
    title: 'Start verification',
    area: 'customer',
    path: '/kyc/start',
    script: 'kyc-start.js',
    roles: CUSTOMER,
    body: html`<h1>Verify your identity</h1>
<p class="lead">Enter your details exactly as they appear on your identity document. Next, you will take photos of the document with our verification partner.</p>
${NOSCRIPT}
<form class="card form" data-kyc-form novalidate>
<div class="error-summary" data-error-summary tabindex="-1" role="alert" hidden>
  <h2>Please correct the highlighted fields</h2>
  <ul></ul>
</div>
<div data-form-problem></div>
${KYC_FORM.map(
  (section) => html`<fieldset>
<legend>${section.legend}</legend>
${section.fields.map(formField)}
</fieldset>`,
)}
<div class="form-actions">
  <button type="submit" class="primary">Start verification</button>
  <p class="form-status" data-form-status role="status"></p>
</div>
</form>`,
  });
}

export function kycStatusPage(recordId: string): string {
  return renderPage({
    title: 'Verification status',
    area: 'customer',
    path: `/kyc/records/${recordId}`,
    script: 'kyc-status.js',
    roles: CUSTOMER,
    data: { 'record-id': recordId },
    body: html`<h1>Verification status</h1>
${NOSCRIPT}
<div data-problem></div>
<section class="card status-card" aria-labelledby="status-heading">
  <h2 id="status-heading" class="visually-hidden">Current status</h2>
  <div data-status-view aria-live="polite" aria-atomic="true"><p class="muted">Loading…</p></div>
  <div class="actions">
    <a class="button primary" data-continue hidden>Continue verification</a>
    <button type="button" class="primary" data-retry hidden>Retry verification</button>
  </div>
</section>
<p><a href="/kyc">Back to my verification</a></p>`,
  });
}

const UPLOADS = [
  { kind: 'front', label: 'Front of the document', hint: 'The page with your photo (passport), or the front of your card. Required.', required: true },
  { kind: 'back', label: 'Back of the document', hint: 'Identity cards only: the side with the machine-readable lines. Optional.', required: false },
  { kind: 'selfie', label: 'A photo of your face', hint: 'Optional; a reviewer may compare it with the document.', required: false },
] as const;

/** The local vendor's session: the customer uploads the document here (our own page, no third party). */
export function kycDocumentsPage(recordId: string, maxBytes: number): string {
  const megabytes = Math.floor(maxBytes / (1024 * 1024));
  return renderPage({
    title: 'Upload your document',
    area: 'customer',
    path: `/kyc/records/${recordId}/documents`,
    script: 'kyc-documents.js',
    roles: CUSTOMER,
    data: { 'record-id': recordId, 'max-bytes': String(maxBytes) },
    body: html`<h1>Upload your identity document</h1>
<p class="lead">Photograph the document flat, in good light, with all four corners in the picture and nothing covering it. JPEG or PNG, at most ${String(megabytes)} MB each. The photos are checked at once and kept encrypted.</p>
${NOSCRIPT}
<div data-problem></div>
<form class="card form" data-documents-form novalidate>
<div class="error-summary" data-error-summary tabindex="-1" role="alert" hidden>
  <h2>Please correct the highlighted fields</h2>
  <ul></ul>
</div>
${UPLOADS.map(
  (upload) => html`<div class="field" data-field="${upload.kind}">
<label for="f-${upload.kind}">${upload.label}</label>
<p class="hint" id="f-${upload.kind}-hint">${upload.hint}</p>
<p class="field-error" id="f-${upload.kind}-error" hidden></p>
<input type="file" id="f-${upload.kind}" name="${upload.kind}" accept="image/jpeg,image/png" aria-describedby="f-${upload.kind}-hint"${upload.required ? html` required` : ''}>
</div>`,
)}
<div class="form-actions">
  <button type="submit" class="primary">Upload and check</button>
  <p class="form-status" data-form-status role="status"></p>
</div>
</form>
<p><a href="/kyc/records/${recordId}">See the status of this verification</a></p>`,
  });
}
