/* global document */
import { $, api, checkForm, clearFieldErrors, el, problemFieldErrors, problemView, replaceChildren, roleName, setBusy, showFieldErrors, startPage, timeEl } from './common.js';

// Staff accounts: GET /api/admin/users (the table), PATCH /api/admin/users/{id} (the change form),
// POST /api/admin/users (the create form), GET /api/admin/user-changes (the trail). Admins change;
// the auditor reads (the forms stay hidden; the API refuses the auditor's writes all the same).

const session = startPage();
const scopeSelect = $('[data-scope]');
const changeForm = $('[data-change-form]');
const createForm = $('[data-create-form]');
const outcome = $('[data-outcome]');
const isAdmin = session?.role === 'admin';
let accounts = [];

const ACTION_TEXT = {
  created: (c) => `Created as ${roleName(c.to_role)}`,
  role_changed: (c) => `Role ${roleName(c.from_role)} → ${roleName(c.to_role)}`,
  activated: () => 'Reactivated',
  deactivated: () => 'Deactivated',
  username_changed: () => 'Username changed',
  email_removed: () => 'E-mail address removed',
};

// Who made a change: an account, the external identity provider (by its issuer), or the service itself.
const actorText = (c) => c.actor_username ?? c.actor_id ?? (c.actor_provider ? `Identity provider ${c.actor_provider}` : 'The service');

function announce(text) {
  outcome.textContent = text;
  outcome.hidden = false;
  outcome.focus();
}

function statusText(account) {
  return el('span', { class: `badge tone-${account.is_active ? 'ok' : 'bad'}`, text: account.is_active ? 'Active' : 'Deactivated' });
}

function renderAccounts(box, data) {
  accounts = data.items;
  if (accounts.length === 0) return replaceChildren(box, el('p', { class: 'empty', text: 'No accounts.' }));
  const rows = accounts.map((account) => {
    const own = account.id === session.userId;
    const action = !isAdmin
      ? null
      : own
        ? el('span', { class: 'muted', text: 'Your account' })
        : el('button', { attrs: { type: 'button', 'data-change-user': account.id }, on: { click: () => chooseAccount(account) } }, 'Change', el('span', { class: 'visually-hidden', text: ` ${account.username}` }));
    return el(
      'tr',
      { attrs: { 'data-user-row': account.username } },
      el('th', { attrs: { scope: 'row' }, text: account.username }),
      el('td', { text: roleName(account.role) }),
      el('td', {}, statusText(account)),
      el('td', { text: account.external ? 'Identity provider' : 'Password' }),
      el('td', {}, timeEl(account.created_at)),
      isAdmin ? el('td', {}, action) : null,
    );
  });
  const headings = ['Username', 'Role', 'Status', 'Signs in with', 'Created', ...(isAdmin ? ['Action'] : [])];
  replaceChildren(
    box,
    el('div', { class: 'table-wrap' }, el('table', {}, el('caption', { class: 'visually-hidden', text: 'Accounts' }), el('thead', {}, el('tr', {}, headings.map((h) => el('th', { attrs: { scope: 'col' }, text: h })))), el('tbody', {}, rows))),
    data.next_cursor ? el('p', { class: 'muted', text: 'Showing the newest 100 accounts.' }) : null,
  );
}

function renderChanges(box, data) {
  if (data.items.length === 0) return replaceChildren(box, el('p', { class: 'empty', text: 'No account has been changed yet.' }));
  const rows = data.items.map((change) =>
    el(
      'tr',
      { attrs: { 'data-change': change.action } },
      el('td', {}, timeEl(change.created_at)),
      el('td', { text: change.username ?? change.user_id }),
      el('td', { text: (ACTION_TEXT[change.action] ?? (() => change.action))(change) }),
      el('td', { text: change.reason }),
      el('td', { text: actorText(change) }),
    ),
  );
  replaceChildren(
    box,
    el('div', { class: 'table-wrap' }, el('table', {}, el('caption', { class: 'visually-hidden', text: 'Account changes' }), el('thead', {}, el('tr', {}, ['When', 'Account', 'Change', 'Reason', 'By'].map((h) => el('th', { attrs: { scope: 'col' }, text: h })))), el('tbody', {}, rows))),
  );
}

async function load(selector, path, render, lead) {
  const box = $(selector);
  const result = await api('GET', path);
  if (result.ok) render(box, result.data);
  else replaceChildren(box, problemView(result.problem, lead));
}

const loadAccounts = () => load('[data-accounts]', `/api/admin/users?scope=${encodeURIComponent(scopeSelect.value)}&limit=100`, renderAccounts, 'The accounts could not be loaded');
const loadChanges = () => load('[data-changes]', '/api/admin/user-changes?limit=50', renderChanges, 'The changes could not be loaded');

function chooseAccount(account) {
  changeForm.reset();
  clearFieldErrors(changeForm);
  replaceChildren($('[data-form-problem]', changeForm));
  changeForm.elements.namedItem('user_id').value = account.id;
  const role = changeForm.elements.namedItem('role');
  role.value = account.role;
  role.disabled = account.role === 'customer';
  $('[data-role-hint]', changeForm).hidden = account.role !== 'customer';
  $(account.is_active ? '#change-active' : '#change-inactive').checked = true;
  replaceChildren($('[data-change-target]'), 'Changing ', el('strong', { text: account.username }), ` (${roleName(account.role)}, ${account.is_active ? 'active' : 'deactivated'}).`);
  changeForm.hidden = false;
  (role.disabled ? $('#change-active') : role).focus();
}

function cancelChange() {
  changeForm.hidden = true;
  replaceChildren($('[data-change-target]'), 'Choose ', el('strong', { text: 'Change' }), ' on an account above.');
}

// The API's 422 errors go under their fields; anything else (409, 403) above the form.
function showRefusal(form, problem, lead) {
  const fieldErrors = problemFieldErrors(problem);
  if (problem.status === 422 && fieldErrors.size) return showFieldErrors(form, fieldErrors);
  const box = $('[data-form-problem]', form);
  replaceChildren(box, problemView(problem, lead));
  box.focus();
}

changeForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  replaceChildren($('[data-form-problem]', changeForm));
  const account = accounts.find((a) => a.id === changeForm.elements.namedItem('user_id').value);
  if (!account) return cancelChange();
  const errors = checkForm(changeForm);
  const role = changeForm.elements.namedItem('role').value;
  const isActive = changeForm.elements.namedItem('is_active').value === 'true';
  const body = { reason: changeForm.elements.namedItem('reason').value.trim() };
  if (!changeForm.elements.namedItem('role').disabled && role !== account.role) body.role = role;
  if (isActive !== account.is_active) body.is_active = isActive;
  if (body.role === undefined && body.is_active === undefined) errors.set('role', ['Choose a new role or status: nothing would change']);
  showFieldErrors(changeForm, errors);
  if (errors.size) return;
  setBusy(changeForm, true, 'Saving…');
  const result = await api('PATCH', `/api/admin/users/${encodeURIComponent(account.id)}`, body);
  setBusy(changeForm, false);
  if (!result.ok) return showRefusal(changeForm, result.problem, 'The change was not made');
  cancelChange();
  announce(`Saved: ${result.data.username} is ${roleName(result.data.role)}, ${result.data.is_active ? 'active' : 'deactivated'}.`);
  await Promise.all([loadAccounts(), loadChanges()]);
});

createForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  replaceChildren($('[data-form-problem]', createForm));
  const errors = checkForm(createForm);
  showFieldErrors(createForm, errors);
  if (errors.size) return;
  const value = (name) => createForm.elements.namedItem(name).value.trim();
  const body = { username: value('username'), password: createForm.elements.namedItem('password').value, role: value('role'), reason: value('reason'), ...(value('email') ? { email: value('email') } : {}) };
  setBusy(createForm, true, 'Creating…');
  const result = await api('POST', '/api/admin/users', body);
  setBusy(createForm, false);
  if (!result.ok) return showRefusal(createForm, result.problem, 'The account was not created');
  createForm.reset();
  clearFieldErrors(createForm);
  announce(`Created: ${result.data.username} (${roleName(result.data.role)}).`);
  await Promise.all([loadAccounts(), loadChanges()]);
});

if (session) {
  for (const section of document.querySelectorAll('[data-admin-only]')) section.hidden = !isAdmin;
  $('[data-change-cancel]').addEventListener('click', cancelChange);
  scopeSelect.addEventListener('change', () => void loadAccounts());
  void loadAccounts();
  void loadChanges();
}
