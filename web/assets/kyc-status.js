/* global document, location */
import { $, api, el, isHttpUrl, problemView, replaceChildren, startPage, statusBadge, timeEl } from './common.js';

// GET /api/kyc/records/{id}/status/: the state, its reason and the next action; polled while the
// verification moves on its own; Retry (POST .../retry/) when a resubmission is required.

// While these last, the state changes without the customer: keep asking.
const MOVING = ['pending', 'in_progress', 'submitted', 'under_review'];
const FAST_POLL_MS = 2000;
const SLOW_POLL_MS = 10000;
const FAST_POLL_FOR_MS = 120000;

const main = document.getElementById('main');
const recordId = main.dataset.recordId;
const view = $('[data-status-view]');
const problemBox = $('[data-problem]');
const continueLink = $('[data-continue]');
const retryButton = $('[data-retry]');
const startedAt = Date.now();
let shown = null;

function render(record) {
  const key = `${record.status}|${record.reason}|${record.next_action}|${record.attempt}`;
  continueLink.hidden = !(['pending', 'in_progress'].includes(record.status) && record.session_url && isHttpUrl(record.session_url));
  if (!continueLink.hidden) continueLink.href = record.session_url;
  retryButton.hidden = record.status !== 'resubmission_required';
  // Re-rendered only on a change, so the live region announces changes and nothing else.
  if (key === shown) return;
  shown = key;
  replaceChildren(
    view,
    el('p', { class: 'status-line' }, statusBadge(record.status)),
    el(
      'dl',
      { class: 'facts' },
      el('dt', { text: 'What happened' }),
      el('dd', { attrs: { 'data-reason': true }, text: record.reason }),
      el('dt', { text: 'What to do next' }),
      el('dd', { attrs: { 'data-next-action': true }, text: record.next_action }),
      el('dt', { text: 'Attempt' }),
      el('dd', { text: String(record.attempt) }),
      el('dt', { text: 'Started' }),
      el('dd', {}, timeEl(record.created_at)),
      el('dt', { text: 'Last update' }),
      el('dd', {}, timeEl(record.updated_at)),
    ),
  );
}

async function load() {
  const result = await api('GET', `/api/kyc/records/${encodeURIComponent(recordId)}/status/`);
  if (!result.ok) {
    replaceChildren(view);
    replaceChildren(problemBox, problemView(result.problem, 'The status could not be loaded'));
    return;
  }
  replaceChildren(problemBox);
  render(result.data);
  if (MOVING.includes(result.data.status)) setTimeout(load, Date.now() - startedAt < FAST_POLL_FOR_MS ? FAST_POLL_MS : SLOW_POLL_MS);
}

retryButton.addEventListener('click', async () => {
  retryButton.disabled = true;
  replaceChildren(problemBox);
  const result = await api('POST', `/api/kyc/records/${encodeURIComponent(recordId)}/retry/`);
  if (result.ok && result.data.session_url && isHttpUrl(result.data.session_url)) {
    location.assign(result.data.session_url);
    return;
  }
  retryButton.disabled = false;
  if (!result.ok) replaceChildren(problemBox, problemView(result.problem, 'The verification could not be retried'));
  else await load();
});

if (startPage()) void load();
