/* global location, FormData */
import { $, api, checkControl, checkForm, isHttpUrl, problemFieldErrors, problemView, replaceChildren, setBusy, showFieldErrors, startPage } from './common.js';

// The start form: client rules first, then the server's 422 field errors under the same
// fields; on success the browser goes to the Veriff session.

const form = $('[data-kyc-form]');
if (startPage()) {
  // Errors shown right now; a field is checked again when it changes, the server's errors stay
  // until their field changes.
  let errors = new Map();

  form.addEventListener('change', (event) => {
    const control = event.target;
    if (!control.name || !errors.has(control.name)) return;
    const message = checkControl(control);
    errors = new Map(errors);
    if (message) errors.set(control.name, [message]);
    else errors.delete(control.name);
    showFieldErrors(form, errors, { focus: false });
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problemBox = $('[data-form-problem]', form);
    replaceChildren(problemBox);
    errors = checkForm(form);
    showFieldErrors(form, errors);
    if (errors.size) return;

    const application = Object.fromEntries([...new FormData(form)].map(([key, value]) => [key, String(value)]));
    setBusy(form, true, 'Starting your verification…');
    const result = await api('POST', '/api/kyc/records/start_verification/', application);
    if (result.ok) {
      const { id, session_url: sessionUrl } = result.data;
      setBusy(form, true, 'Taking you to the document check…');
      location.assign(sessionUrl && isHttpUrl(sessionUrl) ? sessionUrl : `/kyc/records/${encodeURIComponent(id)}`);
      return;
    }
    setBusy(form, false);
    if (result.status === 422 && Array.isArray(result.problem.errors)) {
      errors = problemFieldErrors(result.problem);
      showFieldErrors(form, errors);
      return;
    }
    replaceChildren(problemBox, problemView(result.problem, 'The verification was not started'));
    problemBox.querySelector('[role="alert"]')?.setAttribute('tabindex', '-1');
    problemBox.querySelector('[role="alert"]')?.focus();
  });
}
