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

// The customer's export carries what they may see; the auditor's also the assessments, decisions and codes (shown when present).
function verificationView(v) {
  const submitted = v.submitted ? Object.entries(v.submitted).map(([field, value]) => [field.replaceAll('_', ' '), text(value)]) : [['personal data', v.personal_data === 'erased' ? 'erased' : 'kept restricted']];
  const decisions = v.review_decisions ?? [];
  const withCodes = v.events.some((e) => e.reason_codes);
  return el(
    'article',
    { class: 'card' },
    el('h3', {}, 'Verification ', el('code', { text: v.id.slice(0, 8) }), ' ', statusBadge(v.status)),
    facts([
      ['What happened', v.reason],
      ['Next step', v.next_action],
      ['Started', timeEl(v.created_at)],
      ['Verified', v.verified_at ? timeEl(v.verified_at) : null],
      ['Attempts', String(v.attempts)],
      ...(v.vendor_decision ? [['Provider decision', v.vendor_decision.status ? `${v.vendor_decision.status}${v.vendor_decision.reason_code ? ` (code ${v.vendor_decision.reason_code})` : ''}` : null]] : []),
      ...(v.risk ? [['Risk reason codes', v.risk.reason_codes.join(', ') || null]] : []),
      ['Kept until', v.retained_until ? timeEl(v.retained_until) : null],
    ]),
    el('h4', { text: 'What you submitted' }),
    facts(submitted),
    decisions.length ? el('h4', { text: 'Review decisions' }) : null,
    decisions.length ? el('ul', {}, decisions.map((d) => el('li', { text: `${d.decision}${d.reason_code ? ` (${d.reason_code})` : ''}${d.notes ? `: ${d.notes}` : ''}` }))) : null,
    el('h4', { text: 'Events' }),
    el(
      'table',
      {},
      el('thead', {}, el('tr', {}, el('th', { text: 'When' }), el('th', { text: 'What' }), el('th', { text: 'Why' }), withCodes ? el('th', { text: 'Codes' }) : null)),
      el('tbody', {}, v.events.map((e) => el('tr', {}, el('td', {}, timeEl(e.at)), el('td', { text: e.type }), el('td', { text: e.reason ?? '' }), withCodes ? el('td', { text: (e.reason_codes ?? []).join(', ') }) : null))),
    ),
  );
}

// What the customer's export leaves out, and why: every category, always.
function withheldView(withheld) {
  if (!withheld?.length) return null;
  return el(
    'section',
    { class: 'card', attrs: { 'data-withheld': true } },
    el('h3', { text: 'What we do not show here' }),
    el('p', { text: 'The law obliges us to withhold some records from this page. They are listed whether or not we hold any of them.' }),
    el('ul', {}, withheld.map((item) => el('li', { text: item.what }))),
    el('p', { class: 'hint', text: `Legal basis: ${withheld[0].provisions}` }),
  );
}

function renderExport(data) {
  const subject = data.subject;
  replaceChildren(
    exportBox,
    facts([['Account', subject.username ?? 'erased'], ['E-mail', subject.email], ['Since', timeEl(subject.created_at)], ['Erased', subject.erased_at ? timeEl(subject.erased_at) : null], ['Wallet', data.wallet ? `${data.wallet.type}, daily limit ${data.wallet.daily_limit}` : null]]),
    data.verifications.length ? el('div', {}, data.verifications.map(verificationView)) : el('p', { text: 'No verification.' }),
    data.erasure_requests.length ? el('p', { text: `Erasure requests: ${data.erasure_requests.map((r) => `${r.status} (${r.requested_at.slice(0, 10)})`).join(', ')}` }) : null,
    withheldView(data.withheld),
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
