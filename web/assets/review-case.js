/* global document */
import { $, api, apiBlob, el, formatDateTime, formatRelative, humanise, problemFieldErrors, problemView, replaceChildren, setBusy, shortId, showFieldErrors, startPage, statusBadge, timeEl } from './common.js';
import { adjustmentText, KIND_NAMES, SOURCE_NAMES } from './screening-words.js';

// GET /api/review/cases/{recordId}/ and the task actions: claim, approve, reject (with a reason
// code), escalate, request resubmission, and the resolution of each sanctions or PEP hit (false
// positive with a reason, or true match). Refusals (403, 409) are shown as the API words them.

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
// Whether the signed-in reviewer may act on the open task (decide it, resolve its hits).
let mayAct = false;

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
    mayAct = false;
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
  mayAct = !blocked && (mine || session.role === 'senior_reviewer');
  form.hidden = !mayAct;
  // An escalated case cannot be escalated again; a review opened by ongoing screening offers fewer decisions.
  for (const input of form.querySelectorAll('input[name="decision"]')) {
    input.closest('.choice').hidden = (input.value === 'escalate' && openTask.level === 'senior') || (Array.isArray(review?.decisions) && !review.decisions.includes(input.value));
  }
}

// ---------------------------------------------------------------------------------------------
// Sanctions and PEP hits: each entry next to the applicant, the score and why, and its resolution

const STATUS_VIEW = {
  open: { text: 'Open: to resolve', tone: 'warn' },
  false_positive: { text: 'Cleared: false positive', tone: 'ok' },
  true_match: { text: 'Confirmed: true match', tone: 'bad' },
};

const birthDateText = (date) => ('from' in date ? `${date.from}–${date.to}` : `${date.date}${date.approximate ? ' (approximately)' : ''}`);
const list = (items, empty = '—') => (items.length ? el('ul', { class: 'plain' }, items.map((item) => el('li', {}, item))) : empty);

function sideBySide(hit, applicant) {
  const entry = hit.entry;
  const names = entry ? entry.names.map((n) => el('span', {}, n.name, ' ', el('span', { class: 'muted small', text: `${humanise(n.type)}${n.quality === 'weak' ? ', weak' : ''}` }))) : [hit.name];
  const rows = [
    ['Names and aliases', list([...new Set(applicant.flatMap((a) => a.names))]), list(names)],
    ['Date of birth', list([...new Set(applicant.map((a) => a.date_of_birth).filter(Boolean))]), list(entry ? entry.birth_dates.map(birthDateText) : [])],
    ['Nationalities and countries', list([...new Set(applicant.flatMap((a) => a.countries))]), list(entry ? entry.countries : [])],
    ['Programmes', '—', list(entry ? entry.programs : [])],
  ];
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { class: 'comparison' },
      el('caption', { class: 'visually-hidden', text: `The applicant next to list entry ${hit.entry_id}` }),
      el('thead', {}, el('tr', {}, ['', 'Applicant', `Entry ${hit.entry_id}`].map((h) => el('th', { attrs: { scope: 'col' }, text: h })))),
      el('tbody', {}, rows.map(([label, mine, theirs]) => el('tr', {}, el('th', { attrs: { scope: 'row' }, text: label }), el('td', {}, mine), el('td', {}, theirs)))),
    ),
  );
}

function explanationView(hit) {
  const { name, adjustments } = hit.explanation;
  const aligned = name.aligned.map((a) => `${a.entry_token} (${a.similarity.toFixed(2)})`).join(', ');
  return el(
    'details',
    { class: 'explanation' },
    el('summary', { text: `Why ${hit.score.toFixed(2)}` }),
    dl([
      ['Matched name', `${name.matched_name} (${humanise(name.name_type)}${name.quality === 'weak' ? ', weak alias' : ''})`],
      ['Name score', name.score.toFixed(2)],
      ['Name parts matched', aligned || '—'],
      ['Name parts unmatched', name.unmatched_entry_tokens.join(', ') || '—'],
      ['Adjustments', list(adjustments.map(adjustmentText), 'None')],
    ]),
  );
}

function resolutionForm(hit) {
  const id = (name) => `f-${name}-${hit.hit_id}`;
  const resolutionForm = el(
    'form',
    { class: 'form resolution', attrs: { novalidate: true, 'data-resolve': hit.hit_id } },
    el(
      'fieldset',
      { class: 'field', attrs: { 'data-field': 'resolution' } },
      el('legend', { text: 'Resolve this hit' }),
      el('p', { class: 'field-error', attrs: { id: id('resolution-error'), hidden: true } }),
      ...[
        ['false_positive', 'False positive', 'Not this customer: cleared for this customer and this version of the entry.'],
        ['true_match', 'True match', 'This customer is listed: the case is rejected (the customer reads a neutral text), the wallet restricted, ops alerted.'],
      ].map(([value, label, hint]) =>
        el('div', { class: 'choice' }, el('input', { attrs: { type: 'radio', name: 'resolution', id: id(value), value, 'aria-describedby': id(`${value}-hint`) } }), el('label', { attrs: { for: id(value) }, text: label }), el('p', { class: 'hint', attrs: { id: id(`${value}-hint`) }, text: hint })),
      ),
    ),
    el(
      'div',
      { class: 'field', attrs: { 'data-field': 'reason' } },
      el('label', { attrs: { for: id('reason') } }, 'Reason ', el('span', { class: 'muted', text: '(required for a false positive, stored encrypted)' })),
      el('p', { class: 'field-error', attrs: { id: id('reason-error'), hidden: true } }),
      el('textarea', { attrs: { id: id('reason'), name: 'reason', rows: '2' } }),
    ),
    el('div', { class: 'form-actions' }, el('button', { class: 'primary', attrs: { type: 'submit' }, text: 'Resolve hit' }), el('p', { class: 'form-status', attrs: { 'data-form-status': true, role: 'status' } })),
  );
  resolutionForm.addEventListener('submit', (event) => resolveHit(event, hit, resolutionForm));
  return resolutionForm;
}

function resolutionView(hit) {
  if (hit.status === 'open') return mayAct ? resolutionForm(hit) : el('p', { class: 'muted', text: 'To be resolved by the reviewer deciding the case.' });
  const what = hit.status === 'false_positive' ? 'Cleared as a false positive' : 'Confirmed as a true match';
  return el('p', { class: 'resolution-note' }, `${what} by ${who(hit.resolution.by)}, `, timeEl(hit.resolution.at), hit.resolution.reason ? el('span', {}, ': ', el('q', { text: hit.resolution.reason })) : '.');
}

function renderScreening(data) {
  const { hits, runs, applicant } = data.screening;
  const open = hits.filter((hit) => hit.status === 'open').length;
  $('[data-hit-count]').textContent = hits.length ? `(${hits.length} ${hits.length === 1 ? 'hit' : 'hits'}, ${open} open)` : '';
  const threshold = runs[0]?.threshold;
  const cards = hits.map((hit) => {
    const status = STATUS_VIEW[hit.status];
    return el(
      'article',
      { class: `hit hit-${hit.status}`, attrs: { 'data-hit-id': hit.hit_id, 'aria-labelledby': `hit-${hit.hit_id}` } },
      el('h3', { attrs: { id: `hit-${hit.hit_id}` } }, hit.name, ' ', el('span', { class: 'mono small', text: hit.entry_id })),
      el(
        'p',
        { class: 'hit-badges' },
        el('span', { class: `badge tone-${status.tone}`, text: status.text }),
        el('span', { class: 'badge tone-info', text: KIND_NAMES[hit.kind] ?? humanise(hit.kind) }),
        el('span', { class: 'badge tone-info', text: SOURCE_NAMES[hit.source] ?? hit.source }),
        el('span', { class: 'badge tone-bad', text: `Score ${hit.score.toFixed(2)}${threshold !== undefined ? ` (match from ${threshold.toFixed(2)})` : ''}` }),
        el('span', { class: 'muted small', text: `found by the ${humanise(hit.trigger).toLowerCase()} screening, ` }),
        timeEl(hit.found_at),
      ),
      sideBySide(hit, applicant),
      explanationView(hit),
      resolutionView(hit),
    );
  });
  const runList = el(
    'details',
    { class: 'runs' },
    el('summary', { text: `Every screening of this verification (${runs.length})` }),
    list(runs.map((run) => el('span', {}, timeEl(run.created_at), ` ${humanise(run.trigger)}: ${run.result === 'clear' ? 'clear' : `${run.match_count} to review`} against ${run.lists.length ? run.lists.map((l) => `${SOURCE_NAMES[l.source] ?? l.source} (loaded ${formatDateTime(l.loaded_at)})`).join(', ') : 'no list'}`)), 'Not screened yet.'),
  );
  replaceChildren(
    $('[data-screening]'),
    hits.length === 0 ? muted(runs.length ? 'No list entry matched.' : 'Not screened yet: screening runs once the identity vendor has decided.') : null,
    open > 0 ? el('p', { class: 'notice warn', text: `Resolve every hit before approving: ${open} still open.` }) : null,
    cards,
    runList,
  );
}

async function resolveHit(event, hit, hitForm) {
  event.preventDefault();
  const resolution = hitForm.querySelector('input[name="resolution"]:checked')?.value ?? '';
  const reason = hitForm.elements.namedItem('reason').value.trim();
  const errors = new Map();
  if (!resolution) errors.set('resolution', ['Choose false positive or true match']);
  if (resolution === 'false_positive' && !reason) errors.set('reason', ['A reason is required to clear a hit as a false positive']);
  if (reason.length > 2000) errors.set('reason', ['Must be at most 2000 characters']);
  showFieldErrors(hitForm, errors);
  if (errors.size) return;
  setBusy(hitForm, true, 'Recording the resolution…');
  const result = await api('POST', `/api/review/cases/${encodeURIComponent(recordId)}/screening-hits/${encodeURIComponent(hit.hit_id)}/resolution/`, { resolution, ...(reason ? { reason } : {}) });
  setBusy(hitForm, false);
  if (result.ok) {
    replaceChildren($('[data-hit-problem]'));
    announce(result.data.case === 'rejected' ? 'Confirmed as a true match: the case is rejected, the wallet restricted and ops alerted.' : `Cleared as a false positive. ${result.data.open_hits === 0 ? 'No hit is open: the case may be approved.' : `${result.data.open_hits} still open.`}`);
  } else if (result.status === 422 && Array.isArray(result.problem.errors)) {
    showFieldErrors(hitForm, problemFieldErrors(result.problem));
    return;
  } else {
    outcomeBox.hidden = true;
    replaceChildren($('[data-hit-problem]'), problemView(result.problem, 'The hit was not resolved'));
    $('[data-hit-problem]').focus();
  }
  await load();
}

async function load() {
  const result = await api('GET', `/api/review/cases/${encodeURIComponent(recordId)}/`);
  if (!result.ok) {
    for (const box of main.querySelectorAll('[data-summary], [data-comparison], [data-risk], [data-screening], [data-timeline], [data-task], [data-documents], [data-findings]')) replaceChildren(box);
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
  renderScreening(result.data);
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
