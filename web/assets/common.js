/* global document, sessionStorage, location, Node, CSS */
// Shared by every page: the session kept in sessionStorage, calls to the API with the bearer
// token, RFC 7807 problems shown to people, DOM building without innerHTML, and form errors
// (aria-invalid, aria-describedby, an error summary, focus on the first invalid field).

const SESSION_KEY = 'kyc.session';

export function getSession() {
  let session = null;
  try {
    session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    session = null;
  }
  if (!session || typeof session.token !== 'string') return null;
  if (typeof session.expiresAt === 'number' && Date.now() >= session.expiresAt) {
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
  return session;
}

export function saveSession(login, username) {
  const session = { token: login.access_token, role: login.role, userId: login.user_id, username, expiresAt: Date.now() + login.expires_in * 1000 };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

export function signInUrl(reason) {
  const next = location.pathname + location.search;
  return `/login?next=${encodeURIComponent(next)}${reason ? `&reason=${encodeURIComponent(reason)}` : ''}`;
}

export const HOME_OF_ROLE = { customer: '/kyc', reviewer: '/review', senior_reviewer: '/review', admin: '/admin', auditor: '/admin' };
const ROLE_NAMES = { customer: 'customer', reviewer: 'reviewer', senior_reviewer: 'senior reviewer', admin: 'admin', auditor: 'auditor' };
export const roleName = (role) => ROLE_NAMES[role] ?? role;

/**
 * One API call. Resolves to { ok: true, status, data } or { ok: false, status, problem } where
 * problem is the RFC 7807 body (or one made up when the service could not be reached).
 */
export async function api(method, path, body) {
  const session = getSession();
  const headers = { accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (session) headers.authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch {
    return { ok: false, status: 0, problem: { title: 'The service cannot be reached', detail: 'Check your connection and try again.' } };
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) return { ok: true, status: response.status, data };
  const problem = data && typeof data === 'object' && typeof data.title === 'string' ? data : { title: `The service answered with status ${response.status}`, status: response.status };
  // An expired or revoked token: sign in again and come back here.
  if (response.status === 401 && session && !path.startsWith('/api/auth/')) {
    clearSession();
    location.assign(signInUrl('expired'));
  }
  return { ok: false, status: response.status, problem };
}

/** The common answer of a call that did not succeed (shared by the calls below). */
async function failureOf(response, path, session) {
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  const problem = data && typeof data === 'object' && typeof data.title === 'string' ? data : { title: `The service answered with status ${response.status}`, status: response.status };
  if (response.status === 401 && session && !path.startsWith('/api/auth/')) {
    clearSession();
    location.assign(signInUrl('expired'));
  }
  return { ok: false, status: response.status, problem };
}

const UNREACHABLE = { ok: false, status: 0, problem: { title: 'The service cannot be reached', detail: 'Check your connection and try again.' } };

/**
 * A binary resource (a document image) fetched with the bearer token: { ok: true, blob } or a
 * problem. Images of documents have no public URL; the page shows the blob through an object URL.
 */
export async function apiBlob(path) {
  const session = getSession();
  let response;
  try {
    response = await fetch(path, { headers: { accept: 'image/*, application/problem+json', ...(session ? { authorization: `Bearer ${session.token}` } : {}) }, cache: 'no-store', credentials: 'omit' });
  } catch {
    return UNREACHABLE;
  }
  if (!response.ok) return failureOf(response, path, session);
  return { ok: true, status: response.status, blob: await response.blob() };
}

/** A multipart/form-data call (a file upload); answers like api(). */
export async function apiForm(method, path, formData) {
  const session = getSession();
  let response;
  try {
    response = await fetch(path, { method, headers: { accept: 'application/json, application/problem+json', ...(session ? { authorization: `Bearer ${session.token}` } : {}) }, body: formData, cache: 'no-store', credentials: 'omit' });
  } catch {
    return UNREACHABLE;
  }
  if (!response.ok) return failureOf(response, path, session);
  const text = await response.text();
  return { ok: true, status: response.status, data: text ? JSON.parse(text) : null };
}

// ---------------------------------------------------------------------------------------------
// DOM

/** el('p', { class: 'x', text: 'hi', attrs: { id: 'a' }, on: { click } }, child, ...) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  applyProps(node, props);
  append(node, children);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  append(node, children);
  return node;
}

function applyProps(node, props) {
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [key, value] of Object.entries(props.attrs ?? {})) if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? '' : String(value));
  for (const [event, handler] of Object.entries(props.on ?? {})) node.addEventListener(event, handler);
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(container, ...children) {
  container.replaceChildren();
  append(container, children);
}

export const $ = (selector, root = document) => root.querySelector(selector);

// ---------------------------------------------------------------------------------------------
// Formatting

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

export function formatDateTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : dateTimeFormat.format(date);
}

export function formatRelative(iso, now = Date.now()) {
  const ms = new Date(iso).getTime() - now;
  const minutes = Math.round(ms / 60000);
  if (Math.abs(minutes) < 60) return relativeFormat.format(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 48) return relativeFormat.format(hours, 'hour');
  return relativeFormat.format(Math.round(hours / 24), 'day');
}

/** A <time> element showing the local date and time, with the machine-readable instant. */
export function timeEl(iso) {
  return el('time', { attrs: { datetime: iso ?? '' }, text: formatDateTime(iso) });
}

export const humanise = (code) =>
  String(code ?? '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replaceAll('_', ' ')
    .replace(/^./, (c) => c.toUpperCase());

export const shortId = (id) => String(id ?? '').slice(0, 8);

export function isHttpUrl(value) {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Problems

/** A refusal or failure as people read it: title, the status code, detail, field errors. */
export function problemView(problem, lead) {
  const status = problem.status ? ` (${problem.status})` : '';
  const fieldErrors = Array.isArray(problem.errors) && problem.errors.length ? el('ul', {}, problem.errors.map((e) => el('li', { text: e.field && e.field !== '(body)' ? `${e.field}: ${e.message}` : e.message }))) : null;
  return el('div', { class: 'problem', attrs: { role: 'alert' } }, el('p', { class: 'problem-title' }, el('strong', { text: `${lead ? `${lead}: ` : ''}${problem.title}${status}` })), problem.detail ? el('p', { text: problem.detail }) : null, fieldErrors);
}

// ---------------------------------------------------------------------------------------------
// Page start: header, sign-out, the page's roles

function renderHeader(session) {
  const box = $('[data-session]');
  if (!box) return;
  $('[data-sign-out]', box).addEventListener('click', () => {
    clearSession();
    location.assign('/login?reason=signed-out');
  });
  if (!session) return;
  $('[data-session-user]', box).textContent = session.username ?? '';
  $('[data-session-role]', box).textContent = `(${roleName(session.role)})`;
  box.hidden = false;
}

/**
 * Call first on every page. Returns the session when the page may go on; otherwise it has sent
 * the browser to the sign-in page or explained that the page is for another role, and returns null.
 */
export function startPage() {
  const main = document.getElementById('main');
  const roles = (main.dataset.roles ?? '').split(' ').filter(Boolean);
  const session = getSession();
  renderHeader(session);
  if (roles.length === 0) return session;
  if (!session) {
    location.replace(signInUrl());
    return null;
  }
  if (!roles.includes(session.role)) {
    replaceChildren(
      main,
      el('h1', { text: 'This page is not for your role' }),
      el('div', { class: 'problem', attrs: { role: 'alert' } }, el('p', { text: `This page is for: ${roles.map(roleName).join(', ')}. You are signed in as ${session.username} (${roleName(session.role)}).` })),
      el('p', {}, el('a', { attrs: { href: HOME_OF_ROLE[session.role] ?? '/' }, text: 'Go to your pages' }), ' or ', el('a', { attrs: { href: signInUrl() }, text: 'sign in with another account', on: { click: () => clearSession() } }), '.'),
    );
    return null;
  }
  return session;
}

// ---------------------------------------------------------------------------------------------
// Forms: client rules (rendered by the server as data-rules) and field errors

export function normalise(value, how) {
  const text = String(value ?? '');
  switch (how) {
    case 'document_number':
      return text.replace(/[\s-]+/g, '').toUpperCase();
    case 'trim_upper':
      return text.trim().toUpperCase();
    default:
      return text.trim().normalize('NFC');
  }
}

function isCalendarDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The first rule the value breaks, as its message; null when it passes. Blank optional values pass. */
export function firstBrokenRule(rawValue, rules, how) {
  const value = normalise(rawValue, how);
  const required = rules.some((rule) => rule.kind === 'required');
  if (value === '') return required ? rules.find((rule) => rule.kind === 'required').message : null;
  for (const rule of rules) {
    switch (rule.kind) {
      case 'max_length':
        if (value.length > rule.limit) return rule.message;
        break;
      case 'min_length':
        if (value.length < rule.limit) return rule.message;
        break;
      case 'pattern':
        if (!new RegExp(rule.pattern, rule.flags).test(value)) return rule.message;
        break;
      case 'calendar_date':
        if (!isCalendarDate(value)) return rule.message;
        break;
      case 'not_before':
        if (value < rule.date) return rule.message;
        break;
    }
  }
  return null;
}

function controlsWithRules(form) {
  return [...form.querySelectorAll('[data-rules]')];
}

/** Client-side check of every control with data-rules: Map(field name -> [message]). */
export function checkForm(form) {
  const errors = new Map();
  for (const control of controlsWithRules(form)) {
    const message = firstBrokenRule(control.value, JSON.parse(control.dataset.rules), control.dataset.normalise);
    if (message) errors.set(control.name, [message]);
  }
  return errors;
}

export function checkControl(control) {
  return control.dataset.rules ? firstBrokenRule(control.value, JSON.parse(control.dataset.rules), control.dataset.normalise) : null;
}

function controlsOf(form, name) {
  return [...form.querySelectorAll(`[name="${CSS.escape(name)}"]`)];
}

function labelOf(form, name) {
  const field = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  const label = field?.querySelector('label, legend');
  return label ? label.textContent.replace(/\s*\(.*\)\s*$/, '').trim() : name;
}

/**
 * Shows `errors` (Map field -> [message]) under their fields and in the summary; errors for no
 * field on the form go to the summary only. Returns the first invalid control in page order.
 */
export function showFieldErrors(form, errors, options = {}) {
  const summary = form.querySelector('[data-error-summary]');
  const listed = [];
  let first = null;
  for (const field of form.querySelectorAll('[data-field]')) {
    const name = field.dataset.field;
    const messages = errors.get(name) ?? [];
    // The field's own error line: two forms on a page may share field names.
    const errorEl = field.querySelector('.field-error');
    if (errorEl) {
      errorEl.textContent = messages.join(' ');
      errorEl.hidden = messages.length === 0;
    }
    for (const control of controlsOf(form, name)) {
      control.dataset.describedByBase ??= control.getAttribute('aria-describedby') ?? '';
      const describedBy = [control.dataset.describedByBase, messages.length && errorEl ? errorEl.id : ''].filter(Boolean).join(' ');
      if (describedBy) control.setAttribute('aria-describedby', describedBy);
      else control.removeAttribute('aria-describedby');
      if (messages.length) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    }
    if (messages.length) {
      const control = controlsOf(form, name)[0];
      first ??= control ?? null;
      listed.push({ name, target: control, text: `${labelOf(form, name)}: ${messages.join(' ')}` });
    }
  }
  for (const [name, messages] of errors) {
    if (!form.querySelector(`[data-field="${CSS.escape(name)}"]`)) listed.push({ name, target: null, text: name ? `${name}: ${messages.join(' ')}` : messages.join(' ') });
  }
  if (summary) {
    const list = summary.querySelector('ul');
    replaceChildren(
      list,
      listed.map((item) =>
        el(
          'li',
          {},
          item.target
            ? el('a', {
                attrs: { href: `#${item.target.id}` },
                text: item.text,
                on: {
                  click: (event) => {
                    event.preventDefault();
                    item.target.focus();
                  },
                },
              })
            : item.text,
        ),
      ),
    );
    summary.hidden = listed.length === 0;
  }
  if (options.focus !== false) {
    if (first) first.focus();
    else if (summary && !summary.hidden) summary.focus();
  }
  return first;
}

export function clearFieldErrors(form) {
  showFieldErrors(form, new Map(), { focus: false });
}

/** 422 field errors of a problem as Map(field -> [message]). */
export function problemFieldErrors(problem) {
  const errors = new Map();
  for (const error of Array.isArray(problem.errors) ? problem.errors : []) {
    const field = error.field === '(body)' ? '' : String(error.field ?? '');
    errors.set(field, [...(errors.get(field) ?? []), error.message]);
  }
  return errors;
}

export function setBusy(form, busy, message = '') {
  for (const button of form.querySelectorAll('button[type="submit"]')) button.disabled = busy;
  form.setAttribute('aria-busy', String(busy));
  const status = form.querySelector('[data-form-status]');
  if (status) status.textContent = message;
}

// ---------------------------------------------------------------------------------------------
// Verification statuses as people read them

const STATUS_VIEW = {
  pending: { label: 'Waiting for your document check', tone: 'info' },
  in_progress: { label: 'Document check in progress', tone: 'info' },
  submitted: { label: 'Submitted, being checked', tone: 'info' },
  under_review: { label: 'Under review', tone: 'info' },
  resubmission_required: { label: 'Resubmission required', tone: 'warn' },
  approved: { label: 'Verified', tone: 'ok' },
  rejected: { label: 'Not verified', tone: 'bad' },
  expired: { label: 'Expired', tone: 'warn' },
  validation_failed: { label: 'Details not valid', tone: 'bad' },
  error: { label: 'Could not be completed', tone: 'bad' },
};

export const ACTIVE_STATUSES = ['pending', 'in_progress', 'submitted', 'under_review', 'resubmission_required'];

/** The customer's wording by default; staff pages name the status itself. */
export function statusBadge(status, options = {}) {
  const view = STATUS_VIEW[status] ?? { label: humanise(status), tone: 'info' };
  return el('span', { class: `badge tone-${view.tone}`, attrs: { 'data-status-code': status }, text: options.staff ? humanise(status) : view.label });
}
