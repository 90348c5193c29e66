/* global location, URLSearchParams */
import { $, api, checkForm, clearFieldErrors, HOME_OF_ROLE, replaceChildren, saveSession, setBusy, showFieldErrors, startPage, problemView } from './common.js';

// POST /api/auth/login/, keep the token in sessionStorage, go back where the person came from.

const NOTICES = { expired: 'Your session has expired. Please sign in again.', 'signed-out': 'You are signed out.' };

startPage();
const form = $('[data-sign-in-form]');
const params = new URLSearchParams(location.search);
const notice = NOTICES[params.get('reason') ?? ''];
if (notice) {
  const box = $('[data-signed-out-notice]');
  box.textContent = notice;
  box.hidden = false;
}

// Only a page of this site: the query string must not send a freshly signed-in person elsewhere
// (browsers drop tabs and newlines from URLs, so "/\t/evil.example" is checked as a URL, not a string).
function destination(role) {
  const next = params.get('next');
  if (next?.startsWith('/')) {
    const url = new URL(next, location.origin);
    if (url.origin === location.origin && url.pathname !== '/login') return url.pathname + url.search + url.hash;
  }
  return HOME_OF_ROLE[role] ?? '/';
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const problemBox = $('[data-form-problem]', form);
  replaceChildren(problemBox);
  const errors = checkForm(form);
  showFieldErrors(form, errors);
  if (errors.size) return;
  const username = form.elements.namedItem('username').value.trim();
  setBusy(form, true, 'Signing in…');
  const result = await api('POST', '/api/auth/login/', { username, password: form.elements.namedItem('password').value });
  if (result.ok) {
    const session = saveSession(result.data, username);
    setBusy(form, true, 'Signed in. Loading…');
    location.assign(destination(session.role));
    return;
  }
  setBusy(form, false);
  clearFieldErrors(form);
  replaceChildren(problemBox, problemView(result.problem));
  form.elements.namedItem('password').value = '';
  form.elements.namedItem(result.status === 401 ? 'password' : 'username').focus();
});
