/* global document */
import { horizontalBars, stackedColumns } from './charts.js';
import { $, api, el, formatDateTime, humanise, problemView, replaceChildren, shortId, startPage, statusBadge, timeEl } from './common.js';

// The admin dashboard: /api/kyc/summary/ (counts by status), /api/admin/stats/daily/ and
// /countries/ as charts, /api/admin/alerts/, recent and stuck verifications with links into the
// Temporal UI. Each section loads on its own, so one failing endpoint leaves the others readable.

const main = document.getElementById('main');
const DAYS = 14;
const TOP_COUNTRIES = 8;
const STATUS_ORDER = ['pending', 'in_progress', 'submitted', 'under_review', 'resubmission_required', 'approved', 'rejected', 'expired', 'validation_failed', 'error'];
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const dayLabel = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
let session = null;
const STAFF = { staff: true };
const ALERT_NAMES = { review_sla_breached: 'Review SLA breached', webhook_delivery_failed: 'Webhook delivery given up' };
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function workflowLink(userId) {
  const workflowId = main.dataset.workflowId.replace('{user_id}', userId);
  const href = main.dataset.workflowUrl.replace('{workflow_id}', encodeURIComponent(workflowId));
  return el('a', { attrs: { href, target: '_blank', rel: 'noopener noreferrer', 'data-workflow-link': workflowId }, text: 'Workflow' }, el('span', { class: 'visually-hidden', text: ` ${workflowId} in the Temporal UI (opens in a new tab)` }));
}

const caseLink = (recordId) => el('a', { attrs: { href: `/review/cases/${encodeURIComponent(recordId)}` }, text: `Case ${shortId(recordId)}` });

async function section(selector, path, render, lead) {
  const box = $(selector);
  const result = await api('GET', path);
  if (result.ok) render(box, result.data);
  else replaceChildren(box, problemView(result.problem, lead));
}

function renderOverview(box, data) {
  const counts = data.by_status ?? {};
  replaceChildren(
    box,
    el(
      'ul',
      { class: 'counters' },
      el('li', { class: 'counter total' }, el('span', { class: 'counter-value', text: String(data.total ?? 0) }), el('span', { class: 'counter-label', text: 'All verifications' })),
      STATUS_ORDER.filter((status) => counts[status]).map((status) => el('li', { class: 'counter', attrs: { 'data-status': status } }, el('span', { class: 'counter-value', text: String(counts[status]) }), statusBadge(status, STAFF))),
    ),
  );
}

function renderDaily(box, data) {
  const days = [...data.days].reverse();
  const columns = days.map((day) => ({
    label: dayLabel.format(new Date(`${day.date}T00:00:00Z`)),
    title: day.date,
    values: { approved: day.approved, rejected: day.rejected, pending: day.pending, other: Math.max(0, day.total - day.approved - day.rejected - day.pending) },
  }));
  const sum = (key) => days.reduce((n, day) => n + day[key], 0);
  const first = days[0]?.date ?? '';
  const last = days.at(-1)?.date ?? '';
  replaceChildren(
    box,
    stackedColumns({
      title: `Verifications started per day, ${first} to ${last} (${data.time_zone})`,
      description: `${sum('total')} verifications started: ${sum('approved')} approved, ${sum('rejected')} rejected, ${sum('pending')} pending, the rest in progress or closed otherwise.`,
      columns,
      series: [
        { key: 'approved', label: 'Approved' },
        { key: 'rejected', label: 'Rejected' },
        { key: 'pending', label: 'Pending' },
        { key: 'other', label: 'Other' },
      ],
    }),
  );
}

function countryName(code) {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
}

function renderCountries(box, data) {
  const items = data.items;
  if (items.length === 0) {
    replaceChildren(box, el('p', { class: 'empty', text: 'No verification yet.' }));
    return;
  }
  const top = items.slice(0, TOP_COUNTRIES);
  const rest = items.slice(TOP_COUNTRIES);
  const rows = top.map((item) => ({ label: `${countryName(item.country)} (${item.country})`, total: item.total, part: item.approved, note: `${item.approval_rate}% approved` }));
  if (rest.length) {
    const total = rest.reduce((n, item) => n + item.total, 0);
    const approved = rest.reduce((n, item) => n + item.approved, 0);
    rows.push({ label: `${rest.length} other countries`, total, part: approved, note: `${Math.round((approved * 10000) / total) / 100}% approved` });
  }
  replaceChildren(
    box,
    horizontalBars({
      title: 'Verifications by country of residence, with the approved share',
      description: rows.map((r) => `${r.label}: ${r.total} verifications, ${r.note}`).join('; '),
      rows,
      rowHeader: 'Country',
      totalLabel: 'Verifications',
      partLabel: 'Approved',
      noteLabel: 'Approval rate',
    }),
  );
}

const SEVERITY_TONE = { critical: 'tone-bad', warning: 'tone-warn' };

function alertDetails(details) {
  const entries = Object.entries(details ?? {});
  return el(
    'dl',
    { class: 'facts compact' },
    entries.flatMap(([key, value]) => {
      let shown;
      if (key === 'recordIds' && Array.isArray(value)) shown = el('span', { class: 'links' }, value.slice(0, 5).map(caseLink), value.length > 5 ? ` and ${value.length - 5} more` : null);
      else if (key === 'recordId' && typeof value === 'string') shown = caseLink(value);
      else if (Array.isArray(value)) shown = `${value.length} ids`;
      else if (typeof value === 'string' && ISO_INSTANT.test(value)) shown = timeEl(value);
      else shown = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
      return [el('dt', { text: humanise(key) }), el('dd', {}, shown)];
    }),
  );
}

async function acknowledge(alert, button) {
  button.disabled = true;
  const result = await api('POST', `/api/admin/alerts/${encodeURIComponent(alert.id)}/acknowledge/`);
  if (!result.ok) {
    button.disabled = false;
    button.after(problemView(result.problem, 'Not acknowledged'));
    return;
  }
  await loadAlerts();
}

function renderAlerts(box, data) {
  const alerts = data.items;
  $('[data-alert-count]').textContent = `(${alerts.length}${data.next_cursor ? '+' : ''})`;
  if (alerts.length === 0) {
    replaceChildren(box, el('p', { class: 'empty', text: 'No open alerts.' }));
    return;
  }
  replaceChildren(
    box,
    el(
      'ul',
      { class: 'alerts' },
      alerts.map((alert) => {
        const ack = session.role === 'admin' && !alert.acknowledged_at ? el('button', { attrs: { type: 'button' }, text: 'Acknowledge' }) : null;
        ack?.addEventListener('click', () => acknowledge(alert, ack));
        return el(
          'li',
          { class: `alert ${alert.severity}`, attrs: { 'data-alert-kind': alert.kind } },
          el('p', {}, el('span', { class: `badge ${SEVERITY_TONE[alert.severity] ?? 'tone-info'}`, text: humanise(alert.severity) }), ' ', el('strong', { text: ALERT_NAMES[alert.kind] ?? humanise(alert.kind) })),
          alertDetails(alert.details),
          el('p', { class: 'muted', text: `Raised ${formatDateTime(alert.created_at)}, last seen ${formatDateTime(alert.last_seen_at)}, found by ${alert.occurrences} check${alert.occurrences === 1 ? '' : 's'}.${alert.acknowledged_at ? ` Acknowledged ${formatDateTime(alert.acknowledged_at)}.` : ''}` }),
          ack,
        );
      }),
    ),
  );
}

function table(caption, headers, rows) {
  return el(
    'div',
    { class: 'table-wrap' },
    el('table', {}, el('caption', { class: 'visually-hidden', text: caption }), el('thead', {}, el('tr', {}, headers.map((h) => el('th', { attrs: { scope: 'col' }, text: h })))), el('tbody', {}, rows)),
  );
}

function renderRecent(box, data) {
  if (data.items.length === 0) {
    replaceChildren(box, el('p', { class: 'empty', text: 'No verification yet.' }));
    return;
  }
  replaceChildren(
    box,
    table(
      'The latest verifications, newest first',
      ['Started', 'Status', 'Country', 'Case', 'Temporal'],
      data.items.map((item) => el('tr', {}, el('td', {}, timeEl(item.created_at)), el('td', {}, statusBadge(item.kyc_status, STAFF)), el('td', { text: item.country }), el('td', {}, caseLink(item.id)), el('td', {}, workflowLink(item.user_id)))),
    ),
  );
}

function renderStuck(box, data) {
  $('[data-stuck-count]').textContent = `(${data.count})`;
  const hours = Math.round((data.older_than_minutes / 60) * 10) / 10;
  if (data.items.length === 0) {
    replaceChildren(box, el('p', { class: 'empty', text: `None: no verification has waited for the customer longer than ${hours} hours.` }));
    return;
  }
  replaceChildren(
    box,
    el('p', { class: 'muted', text: `Waiting for the customer (pending or in progress) for more than ${hours} hours, oldest first.` }),
    table(
      'Stuck verifications, oldest first',
      ['Started', 'Status', 'Country', 'Waiting', 'Case', 'Temporal'],
      data.items.map((item) => el('tr', {}, el('td', {}, timeEl(item.created_at)), el('td', {}, statusBadge(item.status, STAFF)), el('td', { text: item.country }), el('td', { text: `${Math.round(item.minutes_since_created / 60)} h` }), el('td', {}, caseLink(item.id)), el('td', {}, workflowLink(item.user_id)))),
    ),
  );
}

const loadAlerts = () => section('[data-alerts]', '/api/admin/alerts/?state=open&limit=20', renderAlerts, 'Alerts could not be loaded');

session = startPage();
if (session) {
  await Promise.all([
    section('[data-overview]', '/api/kyc/summary/', renderOverview, 'Counts could not be loaded'),
    loadAlerts(),
    section('[data-daily-chart]', `/api/admin/stats/daily/?days=${DAYS}`, renderDaily, 'Daily statistics could not be loaded'),
    section('[data-country-chart]', '/api/admin/stats/countries/', renderCountries, 'Country statistics could not be loaded'),
    section('[data-recent]', '/v1/kyc/applications?limit=10', renderRecent, 'Recent verifications could not be loaded'),
    section('[data-stuck]', '/api/admin/stats/stuck/?limit=10', renderStuck, 'Stuck verifications could not be loaded'),
  ]);
}
