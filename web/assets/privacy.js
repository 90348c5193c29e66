/* global Blob, URLSearchParams */
import { $, api, clearSession, el, problemView, replaceChildren, startPage, statusBadge, timeEl } from './common.js';

// /privacy: GET /api/privacy/export shown in words (and offered as JSON); a customer's erasure
// request (POST /api/privacy/erasure-requests) with its answer: what goes now, what is kept until when.

const exportBox = $('[data-export]');
const download = $('[data-download]');
const problemBox = $('[data-problem]');

const facts = (pairs) => el('dl', { class: 'facts' }, pairs.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', {}, value ?? '—')]));
// An address (an object of lines) reads as one line.
const text = (value) => (value === null || value === undefined ? '—' : typeof value === 'object' ? Object.values(value).filter(Boolean).join(', ') : String(value));

function verificationView(v) {
  const submitted = v.submitted ? Object.entries(v.submitted).map(([field, value]) => [field.replaceAll('_', ' '), text(value)]) : [['personal data', v.personal_data === 'erased' ? 'erased' : 'kept restricted']];
  return el(
    'article',
    { class: 'card' },
    el('h3', {}, 'Verification ', el('code', { text: v.id.slice(0, 8) }), ' ', statusBadge(v.status)),
    facts([['What happened', v.reason], ['Started', timeEl(v.created_at)], ['Verified', v.verified_at ? timeEl(v.verified_at) : null], ['Attempts', String(v.attempts)], ['Provider decision', v.vendor_decision.status ? `${v.vendor_decision.status}${v.vendor_decision.reason_code ? ` (code ${v.vendor_decision.reason_code})` : ''}` : null], ['Risk reason codes', v.risk.reason_codes.join(', ') || null], ['Kept until', v.retained_until ? timeEl(v.retained_until) : null]]),
    el('h4', { text: 'What you submitted' }),
    facts(submitted),
    v.review_decisions.length ? el('h4', { text: 'Review decisions' }) : null,
    v.review_decisions.length ? el('ul', {}, v.review_decisions.map((d) => el('li', { text: `${d.decision}${d.reason_code ? ` (${d.reason_code})` : ''}${d.notes ? `: ${d.notes}` : ''}` }))) : null,
    el('h4', { text: 'Events' }),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'When' }), el('th', { text: 'What' }), el('th', { text: 'Why' }), el('th', { text: 'Codes' }))), el('tbody', {}, v.events.map((e) => el('tr', {}, el('td', {}, timeEl(e.at)), el('td', { text: e.type }), el('td', { text: e.reason ?? '' }), el('td', { text: e.reason_codes.join(', ') }))))),
  );
}

function renderExport(data) {
  const subject = data.subject;
  replaceChildren(
    exportBox,
    facts([['Account', subject.username ?? 'erased'], ['E-mail', subject.email], ['Since', timeEl(subject.created_at)], ['Erased', subject.erased_at ? timeEl(subject.erased_at) : null], ['Wallet', data.wallet ? `${data.wallet.type}, daily limit ${data.wallet.daily_limit}` : null]]),
    data.verifications.length ? el('div', {}, data.verifications.map(verificationView)) : el('p', { text: 'No verification.' }),
    data.erasure_requests.length ? el('p', { text: `Erasure requests: ${data.erasure_requests.map((r) => `${r.status} (${r.requested_at.slice(0, 10)})`).join(', ')}` }) : null,
  );
  download.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  download.hidden = false;
}

async function load(query = '') {
  replaceChildren(exportBox, el('p', { class: 'muted', text: 'Loading…' }));
  const result = await api('GET', `/api/privacy/export${query}`);
  if (result.ok) renderExport(result.data);
  else replaceChildren(exportBox, problemView(result.problem, 'The export could not be made'));
}

function renderErasure(request) {
  replaceChildren(
    $('[data-erasure]'),
    el('h3', { text: 'Your request is filed' }),
    el('p', { text: `Request ${request.id}: your account is closed and your data is being erased. Keep this number.` }),
    el('h4', { text: 'Erased now' }),
    el('ul', {}, request.erase_now.map((item) => el('li', { text: `${item.what}${item.count !== undefined ? ` (${item.count})` : ''}` }))),
    request.retained.length ? el('h4', { text: 'Kept, locked away, until' }) : null,
    request.retained.length ? el('ul', {}, request.retained.map((item) => el('li', {}, `The record of verification ${item.record_id.slice(0, 8)}, until `, timeEl(item.until)))) : null,
  );
}

const session = startPage();
if (session?.role === 'auditor') {
  const form = $('[data-auditor-form]');
  form.hidden = false;
  replaceChildren(exportBox, el('p', { class: 'muted', text: 'Name a customer and a reason.' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const fields = new URLSearchParams({ user_id: form.elements.user_id.value.trim(), reason: form.elements.reason.value.trim() });
    void load(`?${fields}`);
  });
} else if (session) {
  $('[data-erase-section]').hidden = false;
  await load();
  $('[data-erase-form]').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('[data-erase-status]').textContent = 'Sending…';
    const result = await api('POST', '/api/privacy/erasure-requests', {});
    $('[data-erase-status]').textContent = '';
    if (!result.ok) {
      replaceChildren(problemBox, problemView(result.problem, 'The request could not be filed'));
      return;
    }
    event.target.hidden = true;
    renderErasure(result.data);
    // The account is closed: this tab's token no longer works.
    clearSession();
  });
}
