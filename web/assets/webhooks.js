import { $, api, el, formatDateTime, humanise, problemView, replaceChildren, shortId, startPage, timeEl } from './common.js';

// The webhooks page: /api/admin/webhook-subscriptions (list, register, pause/resume, delete) and
// each subscription's delivery log with redelivery. The auditor sees everything and changes nothing.

const BASE = '/api/admin/webhook-subscriptions';
const STATUS_TONE = { active: 'tone-ok', paused: 'tone-warn', succeeded: 'tone-ok', pending: 'tone-info', failed: 'tone-bad' };
let session = null;
let selected = null;

const badge = (status) => el('span', { class: `badge ${STATUS_TONE[status] ?? 'tone-info'}`, text: humanise(status) });
const isAdmin = () => session?.role === 'admin';

function table(caption, headers, rows) {
  return el('div', { class: 'table-wrap' }, el('table', {}, el('caption', { class: 'visually-hidden', text: caption }), el('thead', {}, el('tr', {}, headers.map((h) => el('th', { attrs: { scope: 'col' }, text: h })))), el('tbody', {}, rows)));
}

async function act(button, method, path, body, after) {
  button.disabled = true;
  const result = await api(method, path, body);
  button.disabled = false;
  if (!result.ok) {
    button.after(problemView(result.problem, 'Not done'));
    return;
  }
  await after(result.data);
}

function subscriptionRow(subscription) {
  const actions = [];
  const show = el('button', { attrs: { type: 'button', 'data-show-deliveries': subscription.id }, text: 'Deliveries' });
  show.addEventListener('click', () => loadDeliveries(subscription));
  actions.push(show);
  if (isAdmin()) {
    const next = subscription.status === 'active' ? 'paused' : 'active';
    const toggle = el('button', { attrs: { type: 'button' }, text: next === 'paused' ? 'Pause' : 'Resume' });
    toggle.addEventListener('click', () => act(toggle, 'PATCH', `${BASE}/${encodeURIComponent(subscription.id)}`, { status: next }, loadSubscriptions));
    actions.push(toggle);
    if (!subscription.managed_by) {
      const remove = el('button', { attrs: { type: 'button' }, text: 'Delete' });
      remove.addEventListener('click', () => act(remove, 'DELETE', `${BASE}/${encodeURIComponent(subscription.id)}`, undefined, loadSubscriptions));
      actions.push(remove);
    }
  }
  return el(
    'tr',
    { attrs: { 'data-subscription': subscription.id } },
    el('td', {}, el('code', { text: subscription.url }), subscription.description ? el('div', { class: 'muted', text: subscription.description }) : null),
    el('td', { text: subscription.event_types.join(', ') }),
    el('td', {}, badge(subscription.status), subscription.managed_by ? el('span', { class: 'muted', text: ` managed by ${subscription.managed_by}` }) : null),
    el('td', {}, timeEl(subscription.created_at)),
    el('td', {}, el('div', { class: 'actions' }, actions)),
  );
}

async function loadSubscriptions() {
  const box = $('[data-subscriptions]');
  const result = await api('GET', `${BASE}?limit=100`);
  if (!result.ok) {
    replaceChildren(box, problemView(result.problem, 'Subscriptions could not be loaded'));
    return;
  }
  if (result.data.items.length === 0) {
    replaceChildren(box, el('p', { class: 'empty', text: 'No subscription yet.' }));
    return;
  }
  replaceChildren(box, table('Webhook subscriptions, newest first', ['Endpoint', 'Event types', 'Status', 'Registered', 'Actions'], result.data.items.map(subscriptionRow)));
}

function attemptList(delivery) {
  return el(
    'ol',
    { class: 'attempts' },
    delivery.attempt_log.map((a) =>
      el('li', { text: `${formatDateTime(a.started_at)}: ${humanise(a.outcome)}${a.response_status ? ` (HTTP ${a.response_status})` : ''}${a.error_code ? ` (${a.error_code})` : ''}, ${a.latency_ms} ms${a.trigger === 'manual' ? ', by hand' : ''}` }),
    ),
  );
}

function deliveryRow(subscription, delivery) {
  let redeliver = null;
  if (isAdmin() && subscription.status === 'active') {
    redeliver = el('button', { attrs: { type: 'button', 'data-redeliver': delivery.id }, text: 'Redeliver' });
    redeliver.addEventListener('click', () => act(redeliver, 'POST', `${BASE}/${encodeURIComponent(subscription.id)}/deliveries/${encodeURIComponent(delivery.id)}/redeliver`, undefined, () => loadDeliveries(subscription)));
  }
  return el(
    'tr',
    { attrs: { 'data-delivery': delivery.id } },
    el('td', {}, timeEl(delivery.created_at)),
    el('td', {}, el('span', { text: delivery.event_type }), el('div', { class: 'muted', text: `event ${shortId(delivery.event_id)}` })),
    el('td', {}, badge(delivery.status)),
    el('td', {}, delivery.attempt_log.length ? attemptList(delivery) : el('span', { class: 'muted', text: 'none yet' })),
    el('td', { text: delivery.next_attempt_at && delivery.status === 'pending' ? formatDateTime(delivery.next_attempt_at) : '' }),
    el('td', {}, redeliver),
  );
}

async function loadDeliveries(subscription) {
  selected = subscription;
  $('[data-deliveries-of]').textContent = `(${subscription.url})`;
  const box = $('[data-deliveries]');
  const result = await api('GET', `${BASE}/${encodeURIComponent(subscription.id)}/deliveries?limit=50`);
  if (selected !== subscription) return;
  if (!result.ok) {
    replaceChildren(box, problemView(result.problem, 'Deliveries could not be loaded'));
    return;
  }
  if (result.data.items.length === 0) {
    replaceChildren(box, el('p', { class: 'empty', text: 'No delivery yet.' }));
    return;
  }
  replaceChildren(box, table('Deliveries, newest first, with every attempt', ['Created', 'Event', 'Status', 'Attempts', 'Next attempt', ''], result.data.items.map((d) => deliveryRow(subscription, d))));
}

function fieldError(form, field, message) {
  const error = $(`#f-${field}-error`, form);
  if (!error) return false;
  error.textContent = message;
  error.hidden = false;
  return true;
}

async function register(event) {
  event.preventDefault();
  const form = event.currentTarget;
  for (const error of form.querySelectorAll('.field-error')) error.hidden = true;
  const body = {
    url: form.elements.url.value.trim(),
    event_types: [...form.querySelectorAll('input[name="event_types"]:checked')].map((box) => box.value),
  };
  const description = form.elements.description.value.trim();
  if (description) body.description = description;
  const result = await api('POST', BASE, body);
  if (!result.ok) {
    const unplaced = (result.problem.errors ?? []).filter((e) => !fieldError(form, String(e.field).split('.')[0], e.message));
    replaceChildren($('[data-secret]'), unplaced.length || !result.problem.errors ? problemView(result.problem, 'Not registered') : '');
    return;
  }
  form.reset();
  replaceChildren(
    $('[data-secret]'),
    el('div', { class: 'notice', attrs: { role: 'status' } }, el('p', {}, el('strong', { text: 'Registered. Its signing secret, shown this once: store it now.' })), el('p', {}, el('code', { attrs: { 'data-new-secret': '' }, text: result.data.secret }))),
  );
  await loadSubscriptions();
}

session = startPage();
if (session) {
  if (isAdmin()) {
    $('[data-admin-only]').hidden = false;
    $('[data-register]').addEventListener('submit', register);
  }
  await loadSubscriptions();
}
