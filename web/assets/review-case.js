/* global document */
import { $, api, apiBlob, el, formatRelative, humanise, problemFieldErrors, problemView, replaceChildren, setBusy, shortId, showFieldErrors, startPage, statusBadge, timeEl } from './common.js';

// GET /api/review/cases/{recordId}/ and the task actions: claim, approve, reject (with a reason
// code), escalate, request resubmission. Refusals (403, 409) are shown as the API words them.

const ACTORS = ['reviewer', 'senior_reviewer'];
const FIELD_LABELS = { first_name: 'First name', last_name: 'Last name', date_of_birth: 'Date of birth', document_number: 'Document number' };

const main = document.getElementById('main');
const recordId = main.dataset.recordId;
const form = $('[data-decision-form]');
const claimButton = $('[data-claim]');
const outcomeBox = $('[data-outcome]');
const actionProblem = $('[data-action-problem]');
let session = null;
let openTask = null;

const dl = (pairs) => el('dl', { class: 'facts' }, pairs.flatMap(([term, value]) => [el('dt', { text: term }), el('dd', {}, value ?? '—')]));
const muted = (text) => el('p', { class: 'muted', text });

function renderSummary(data) {
  $('[data-case-ref]').textContent = shortId(data.record.id);
  replaceChildren(
    $('[data-summary]'),
    dl([
      ['Status', statusBadge(data.record.status, { staff: true })],
      ['Reason', data.record.reason],
      ['Risk score', data.record.risk_score === null ? '—' : `${data.record.risk_score} / 100`],
      ['Attempt', String(data.record.attempt)],
      ['Started', timeEl(data.record.created_at)],
      ['Record', el('code', { text: data.record.id })],
    ]),
  );
}

function matchCell(match) {
  if (match === null) return el('td', { class: 'muted', text: 'Not read' });
  return el('td', {}, el('span', { class: `badge ${match ? 'tone-ok' : 'tone-bad'}`, text: match ? 'Matches' : 'Differs' }));
}

function renderComparison(data) {
  const rows = data.comparison.map((row) =>
    el('tr', { class: row.match === false ? 'mismatch' : '' }, el('th', { attrs: { scope: 'row' }, text: FIELD_LABELS[row.field] ?? humanise(row.field) }), el('td', { text: row.submitted }), el('td', { text: row.extracted ?? '—' }), matchCell(row.match)),
  );
  const address = data.submitted.address ?? {};
  const addressText = [address.address_line_1, address.address_line_2, address.city, address.state_province, address.postal_code].filter(Boolean).join(', ');
  const read = data.extracted?.document ?? null;
  replaceChildren(
    $('[data-comparison]'),
    el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        { class: 'comparison' },
        el('caption', { class: 'visually-hidden', text: 'Submitted data next to the data the identity vendor extracted from the document' }),
        el('thead', {}, el('tr', {}, ['Field', 'Submitted by the customer', 'Extracted from the document', 'Match'].map((h) => el('th', { attrs: { scope: 'col' }, text: h })))),
        el('tbody', {}, rows),
      ),
    ),
    el('div', { class: 'two-columns' },
      el('div', {}, el('h3', { text: 'Also submitted' }), dl([['Document type', humanise(data.submitted.document_type)], ['Nationality', data.submitted.nationality], ['Country of residence', data.submitted.country], ['Address', addressText || '—']])),
      el('div', {}, el('h3', { text: 'Document as read by the identity vendor' }), read ? dl(Object.entries(read).map(([key, value]) => [humanise(key), value === null ? '—' : String(value)])) : muted('The vendor returned no document data.')),
    ),
  );
}

function renderRisk(data) {
  const reasons = Array.isArray(data.record.risk_reasons) ? data.record.risk_reasons : [];
  if (reasons.length === 0) {
    replaceChildren($('[data-risk]'), muted('No risk rule matched.'));
    return;
  }
  replaceChildren(
    $('[data-risk]'),
    el(
      'ul',
      { class: 'risk-list' },
      reasons.map((reason) =>
        el('li', {}, el('strong', { text: humanise(reason.code) }), ' ', el('span', { class: 'badge tone-info', text: `+${reason.weight}` }), reason.hard ? el('span', { class: 'badge tone-bad', text: 'Hard indicator' }) : null, el('p', { class: 'muted', text: reason.detail })),
      ),
    ),
  );
}

function renderTimeline(data) {
  replaceChildren(
    $('[data-timeline]'),
    el(
      'ol',
      { class: 'timeline' },
      data.timeline.map((event) =>
        el(
          'li',
          {},
          timeEl(event.created_at),
          ' ',
          el('strong', { text: humanise(event.event_type) }),
          event.from_status || event.to_status ? el('span', { class: 'muted', text: ` ${event.from_status ?? '∅'} → ${event.to_status ?? '∅'}` }) : null,
          el('span', { class: 'muted', text: ` · ${event.actor_type}` }),
          event.reason ? el('p', { text: event.reason }) : null,
        ),
      ),
    ),
  );
}

const KIND_LABELS = { front: 'Front', back: 'Back', selfie: 'Selfie' };
const SOURCE_LABELS = { upload: 'uploaded by the customer', veriff: 'kept from Veriff' };
const DECISION_TONES = { accept: 'tone-ok', deny: 'tone-bad', 'flag for review': 'tone-warn' };
const CHECK_TONES = { success: 'tone-ok', fail: 'tone-bad', 'flag for review': 'tone-warn' };

/** Fetches an image with the token and shows it through an object URL (no public URL exists). */
async function showImage(img, url, lead) {
  const result = await apiBlob(url);
  if (!result.ok) {
    img.replaceWith(problemView(result.problem, lead));
    return;
  }
  img.src = URL.createObjectURL(result.blob);
}

function renderDocuments(data) {
  const box = $('[data-documents]');
  if (data.documents.length === 0) {
    replaceChildren(box, muted('No document images are kept for this case.'));
    return;
  }
  const figures = data.documents.map((doc) => {
    const label = `${KIND_LABELS[doc.kind] ?? humanise(doc.kind)} of the document`;
    const img = el('img', { attrs: { alt: doc.kind === 'selfie' ? 'Selfie of the customer' : label, width: doc.width, height: doc.height, 'data-document-id': doc.id } });
    void showImage(img, doc.content_url, 'The image could not be shown');
    return el('figure', { class: 'document-figure' }, img, el('figcaption', { text: `${KIND_LABELS[doc.kind] ?? humanise(doc.kind)}, ${SOURCE_LABELS[doc.source] ?? doc.source}${doc.attempt ? `, attempt ${doc.attempt}` : ''}` }));
  });
  replaceChildren(box, el('div', { class: 'document-gallery' }, figures));
}

const badge = (text, tone) => el('span', { class: `badge ${tone}`, text });

function readRows(submitted, details) {
  const zone = details?.ocr?.mrz?.fields ?? {};
  const visual = details?.ocr?.visualZone ?? {};
  const rows = [
    ['Surname', submitted.last_name, zone.surname, visual.surname],
    ['Given names', submitted.first_name, zone.givenNames, visual.givenNames],
    ['Date of birth', submitted.date_of_birth, zone.dateOfBirth, visual.dateOfBirth],
    ['Document number', submitted.document_number, zone.documentNumber, visual.documentNumber],
    ['Nationality', submitted.nationality, zone.nationality, visual.nationality],
    ['Date of expiry', null, zone.dateOfExpiry, visual.dateOfExpiry],
  ];
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { class: 'comparison', attrs: { 'data-read-fields': '' } },
      el('caption', { class: 'visually-hidden', text: 'Submitted data next to what the document check read in the machine-readable zone and the visual zone' }),
      el('thead', {}, el('tr', {}, ['Field', 'Submitted', 'Machine-readable zone', 'Visual zone'].map((h) => el('th', { attrs: { scope: 'col' }, text: h })))),
      el('tbody', {}, rows.map(([field, mine, inZone, inVisual]) => el('tr', {}, el('th', { attrs: { scope: 'row' }, text: field }), el('td', { text: mine ?? '—' }), el('td', { class: 'mono', text: inZone ?? '—' }), el('td', { text: inVisual ?? '—' })))),
    ),
  );
}

function renderFindings(data, submitted) {
  const box = $('[data-findings]');
  if (data.checks.length === 0) {
    replaceChildren(box, muted('No document check was made on this case (the identity vendor checked the document).'));
    return;
  }
  replaceChildren(
    box,
    data.checks.map((check) => {
      const details = check.details ?? {};
      const findings = [...(details.metadata?.findings ?? []), ...(details.image_integrity?.findings ?? []), ...(details.ocr?.findings ?? [])];
      const found = details.metadata?.found ?? {};
      const mrzLines = details.ocr?.mrz?.lines ?? [];
      const heatMap = el('img', { attrs: { alt: 'Error-level heat map of the document (darker areas were compressed differently)', 'data-heat-map': check.id } });
      void showImage(heatMap, check.heat_map_url, 'The heat map could not be shown');
      return el(
        'div',
        { class: 'check-block', attrs: { 'data-check-id': check.id } },
        el('p', {}, badge(humanise(check.decision), DECISION_TONES[check.decision] ?? 'tone-info'), check.retake ? badge('New photo needed', 'tone-warn') : null, ' ', el('span', { text: check.reason })),
        dl(Object.entries(check.checks).map(([name, status]) => [humanise(name), badge(humanise(status), CHECK_TONES[status] ?? 'tone-info')])),
        findings.length ? el('ul', { class: 'finding-list' }, findings.map((f) => el('li', {}, badge(humanise(f.status), CHECK_TONES[f.status] ?? 'tone-info'), ' ', el('span', { text: f.message })))) : muted('No finding.'),
        el('h3', { text: 'Read from the document' }),
        readRows(submitted, details),
        mrzLines.length ? el('pre', { class: 'mono small', attrs: { 'data-mrz': '' }, text: mrzLines.join('\n') }) : muted('No machine-readable zone was read.'),
        el('h3', { text: 'Metadata' }),
        dl([['Camera', [found.make, found.model].filter(Boolean).join(' ') || '—'], ['Software', (found.software ?? []).join(', ') || '—'], ['Captured', found.capturedAt ?? '—'], ['Modified', found.modifiedAt ?? '—']]),
        el('h3', { text: 'Error level analysis' }),
        dl([['Score', String(details.image_integrity?.ela?.score ?? '—')], ['Sharpness', String(details.image_integrity?.blur?.score ?? '—')]]),
        el('figure', { class: 'document-figure' }, heatMap, el('figcaption', { text: 'Error-level heat map; suspicious regions are boxed.' })),
      );
    }),
  );
}

/** Once per page: each image shown is a view on the audit trail, so a refresh of the case does not fetch them again. */
async function loadDocuments(caseData) {
  const result = await api('GET', `/api/review/cases/${encodeURIComponent(recordId)}/documents/`);
  if (!result.ok) {
    replaceChildren($('[data-documents]'), problemView(result.problem, 'The documents could not be loaded'));
    replaceChildren($('[data-findings]'));
    return;
  }
  renderDocuments(result.data);
  renderFindings(result.data, caseData.submitted ?? {});
}

function who(id) {
  if (id === null) return 'Nobody (unassigned)';
  return id === session.userId ? 'You' : `Reviewer ${shortId(id)}`;
}

function renderTask(data) {
  const review = data.review;
  openTask = data.tasks.find((task) => task.status === 'open') ?? null;
  const box = $('[data-task]');
  const actor = ACTORS.includes(session.role);
  if (!openTask) {
    const decided = [...data.tasks].reverse().find((task) => task.decision);
    replaceChildren(box, el('p', { text: 'No review task is open on this case.' }), decided ? dl([['Last decision', humanise(decided.decision)], ['Reason code', decided.reason_code ? humanise(decided.reason_code) : '—'], ['By', who(decided.decided_by)], ['At', timeEl(decided.decided_at)]]) : null);
    claimButton.hidden = true;
    form.hidden = true;
    return;
  }
  const secondApproval = review?.stage === 'second_approval';
  const firstApprover = secondApproval && review.firstApproverId === session.userId;
  const mine = openTask.assignee_id === session.userId;
  const overdue = new Date(openTask.due_at).getTime() < Date.now();
  let note = null;
  if (!actor) note = 'You can read this case; decisions are made by reviewers.';
  else if (firstApprover) note = 'You gave the first approval. A different reviewer must give the second one.';
  else if (openTask.level === 'senior' && session.role !== 'senior_reviewer') note = 'This case is escalated: a senior reviewer decides it.';
  else if (!mine && openTask.assignee_id !== null && session.role !== 'senior_reviewer') note = 'This case is assigned to another reviewer; only a senior reviewer may take it over.';
  replaceChildren(
    box,
    dl([
      ['Stage', secondApproval ? 'Second approval (four eyes)' : 'Review'],
      ['Level', openTask.level === 'senior' ? 'Senior reviewer' : 'Reviewer'],
      ['Assigned to', who(openTask.assignee_id)],
      ['Due', el('span', {}, timeEl(openTask.due_at), ' ', el('span', { class: overdue ? 'overdue-text' : 'muted', text: `(${formatRelative(openTask.due_at)})` }))],
      ['Markers', el('span', {}, overdue ? el('span', { class: 'badge tone-bad', text: 'Overdue' }) : null, openTask.escalated_at ? el('span', { class: 'badge tone-warn', text: 'Escalated' }) : null, !overdue && !openTask.escalated_at ? 'None' : null)],
    ]),
    note ? el('p', { class: 'notice', text: note }) : null,
  );
  const blocked = !actor || firstApprover || (openTask.level === 'senior' && session.role !== 'senior_reviewer');
  claimButton.hidden = blocked || mine || (openTask.assignee_id !== null && session.role !== 'senior_reviewer');
  claimButton.textContent = openTask.assignee_id === null ? 'Claim this case' : 'Take this case over';
  form.hidden = blocked || !(mine || session.role === 'senior_reviewer');
  // An escalated case cannot be escalated again.
  $('#f-decision-escalate').closest('.choice').hidden = openTask.level === 'senior';
}

async function load() {
  const result = await api('GET', `/api/review/cases/${encodeURIComponent(recordId)}/`);
  if (!result.ok) {
    for (const box of main.querySelectorAll('[data-summary], [data-comparison], [data-risk], [data-timeline], [data-task], [data-documents], [data-findings]')) replaceChildren(box);
    replaceChildren($('[data-problem]'), problemView(result.problem, 'The case could not be loaded'));
    claimButton.hidden = true;
    form.hidden = true;
    return;
  }
  replaceChildren($('[data-problem]'));
  renderSummary(result.data);
  renderComparison(result.data);
  renderRisk(result.data);
  renderTimeline(result.data);
  renderTask(result.data);
  return result.data;
}

function announce(message) {
  replaceChildren(actionProblem);
  outcomeBox.textContent = message;
  outcomeBox.hidden = false;
  outcomeBox.focus();
}

function refused(problem, lead) {
  outcomeBox.hidden = true;
  replaceChildren(actionProblem, problemView(problem, lead));
  actionProblem.focus();
}

const OUTCOME_TEXT = {
  approve: 'Approved. The verification goes on to the wallet upgrade.',
  reject: 'Rejected. The customer is told, without the internal reason.',
  request_resubmission: 'Resubmission requested. The customer can verify again with a new session.',
};

function decisionMessage(decision, answer) {
  if (answer.outcome) return OUTCOME_TEXT[answer.outcome] ?? `Decided: ${humanise(answer.outcome)}.`;
  if (decision === 'escalate') return 'Escalated to a senior reviewer.';
  if (answer.stage === 'second_approval') return 'Your approval is recorded. A second reviewer must approve too: a new task is open for another reviewer.';
  return 'Decision recorded.';
}

claimButton.addEventListener('click', async () => {
  if (!openTask) return;
  claimButton.disabled = true;
  const result = await api('POST', `/api/review/tasks/${encodeURIComponent(openTask.task_id)}/claim/`);
  claimButton.disabled = false;
  if (result.ok) announce('You have claimed this case.');
  else refused(result.problem, 'The case was not claimed');
  await load();
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!openTask) return;
  const decision = form.elements.namedItem('decision').value;
  const reasonCode = form.elements.namedItem('reason_code').value;
  const notes = form.elements.namedItem('notes').value.trim();
  const errors = new Map();
  if (!decision) errors.set('decision', ['Choose a decision']);
  if (decision === 'reject' && !reasonCode) errors.set('reason_code', ['A reason code is required to reject']);
  if (notes.length > 2000) errors.set('notes', ['Must be at most 2000 characters']);
  showFieldErrors(form, errors);
  if (errors.size) return;
  setBusy(form, true, 'Recording the decision…');
  const body = { decision, ...(reasonCode ? { reason_code: reasonCode } : {}), ...(notes ? { notes } : {}) };
  const result = await api('POST', `/api/review/tasks/${encodeURIComponent(openTask.task_id)}/decision/`, body);
  setBusy(form, false);
  if (result.ok) {
    form.reset();
    announce(decisionMessage(decision, result.data));
  } else if (result.status === 422 && Array.isArray(result.problem.errors)) {
    showFieldErrors(form, problemFieldErrors(result.problem));
    return;
  } else {
    refused(result.problem, 'The decision was not recorded');
  }
  await load();
});

session = startPage();
if (session) {
  const caseData = await load();
  if (caseData) await loadDocuments(caseData);
}
