/* global document, location, FormData */
import { $, apiForm, problemFieldErrors, problemView, replaceChildren, setBusy, showFieldErrors, startPage } from './common.js';

// The local vendor's session page: the customer uploads the back and the selfie (when given), then
// the front, which starts the document check; then the status page follows the check. Each
// refusal (not an image, too large, the verification no longer waiting) is shown under its field.

const main = document.getElementById('main');
const recordId = main.dataset.recordId;
const maxBytes = Number(main.dataset.maxBytes);
const form = $('[data-documents-form]');
const problemBox = $('[data-problem]');
// The front last: its upload starts the check, which looks at what is there by then.
const ORDER = ['back', 'selfie', 'front'];
const LABELS = { front: 'the front', back: 'the back', selfie: 'the selfie' };

function chosen(kind) {
  return form.elements.namedItem(kind).files[0] ?? null;
}

function clientErrors() {
  const errors = new Map();
  if (!chosen('front')) errors.set('front', ['Choose a photo of the front of your document']);
  for (const kind of ORDER) {
    const file = chosen(kind);
    if (file && file.size > maxBytes) errors.set(kind, [`This file is ${Math.ceil(file.size / 1048576)} MB; at most ${Math.floor(maxBytes / 1048576)} MB`]);
  }
  return errors;
}

// The API names the form part `file`: the error belongs to the field being uploaded.
function underField(kind, problem) {
  const errors = new Map();
  for (const [field, messages] of problemFieldErrors(problem)) errors.set(field === 'file' || field === 'kind' ? kind : field, messages);
  if (errors.size === 0) errors.set(kind, [problem.detail ?? problem.title]);
  return errors;
}

if (startPage()) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replaceChildren(problemBox);
    const errors = clientErrors();
    showFieldErrors(form, errors);
    if (errors.size) return;
    for (const kind of ORDER) {
      const file = chosen(kind);
      if (!file) continue;
      setBusy(form, true, `Uploading ${LABELS[kind]}…`);
      const body = new FormData();
      body.append('kind', kind);
      body.append('file', file, file.name);
      const result = await apiForm('POST', `/api/kyc/records/${encodeURIComponent(recordId)}/documents/`, body);
      if (!result.ok) {
        setBusy(form, false);
        if (result.problem.errors || [413, 415, 422].includes(result.status)) {
          showFieldErrors(form, underField(kind, result.problem));
        } else {
          replaceChildren(problemBox, problemView(result.problem, `${LABELS[kind][0].toUpperCase()}${LABELS[kind].slice(1)} was not uploaded`));
          problemBox.querySelector('[role="alert"]')?.setAttribute('tabindex', '-1');
          problemBox.querySelector('[role="alert"]')?.focus();
        }
        return;
      }
    }
    setBusy(form, true, 'Uploaded. Your document is being checked…');
    location.assign(`/kyc/records/${encodeURIComponent(recordId)}`);
  });
}
