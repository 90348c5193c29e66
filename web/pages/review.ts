import { reviewDecisionSchema, reviewReasonCodeSchema, type ReviewDecision, type ReviewReasonCode } from '../../domain/review';
import { html } from '../html';
import { renderPage } from '../layout';

// The reviewer console: the queue and one case. Staff who only read (admin, auditor) see both
// without the claim and decision controls.

const READERS = ['reviewer', 'senior_reviewer', 'admin', 'auditor'] as const;

export const QUEUE_VIEWS = [
  { view: 'mine', label: 'Assigned to me' },
  { view: 'unassigned', label: 'Unassigned' },
  { view: 'escalated', label: 'Escalated' },
  { view: 'all', label: 'All open' },
] as const;
export type QueueView = (typeof QUEUE_VIEWS)[number]['view'];

export function reviewQueuePage(view: QueueView): string {
  const current = QUEUE_VIEWS.find((v) => v.view === view)!;
  return renderPage({
    title: `Review queue: ${current.label}`,
    area: 'review',
    path: '/review',
    script: 'review-queue.js',
    roles: READERS,
    data: { view },
    body: html`<h1>Review queue</h1>
<nav class="tabs" aria-label="Queue views"><ul>
${QUEUE_VIEWS.map((v) => html`<li><a href="/review?view=${v.view}"${v.view === view ? html` aria-current="page"` : ''}>${v.label}</a></li>`)}
</ul></nav>
<div data-problem></div>
<section class="card" aria-labelledby="queue-heading">
  <h2 id="queue-heading">${current.label} <span class="count" data-count></span></h2>
  <div data-queue aria-live="polite"><p class="muted">Loading…</p></div>
</section>`,
  });
}

const DECISION_LABELS: Record<ReviewDecision, { label: string; hint: string }> = {
  approve: { label: 'Approve', hint: 'The identity is verified. A second reviewer confirms the approval (four eyes).' },
  reject: { label: 'Reject', hint: 'Choose the reason below; the customer reads a neutral text.' },
  escalate: { label: 'Escalate', hint: 'Hand the case to a senior reviewer.' },
  request_resubmission: { label: 'Request resubmission', hint: 'The customer is asked to verify again with a new session.' },
};

const REASON_LABELS: Record<ReviewReasonCode, string> = {
  document_invalid: 'Document invalid',
  data_mismatch: 'Data does not match the document',
  fraud_suspected: 'Fraud suspected',
  sanctions_hit: 'Sanctions list hit',
  duplicate_identity: 'Identity used on another account',
  underage: 'Under 18',
  other: 'Other',
};

export function reviewCasePage(recordId: string): string {
  return renderPage({
    title: 'Review case',
    area: 'review',
    path: `/review/cases/${recordId}`,
    script: 'review-case.js',
    roles: READERS,
    data: { 'record-id': recordId },
    body: html`<p><a href="/review">← Back to the queue</a></p>
<h1>Review case <span class="mono small" data-case-ref></span></h1>
<div data-problem></div>
<div class="case-layout">
<div class="case-main">
  <section class="card" aria-labelledby="summary-heading">
    <h2 id="summary-heading">Summary</h2>
    <div data-summary><p class="muted">Loading…</p></div>
  </section>
  <section class="card" aria-labelledby="comparison-heading">
    <h2 id="comparison-heading">Submitted and extracted data</h2>
    <div data-comparison><p class="muted">Loading…</p></div>
  </section>
  <section class="card" aria-labelledby="documents-heading">
    <h2 id="documents-heading">Document images</h2>
    <p class="hint">Each image you open here is recorded on the case's audit trail (who, which document, when).</p>
    <div data-documents><p class="muted">Loading…</p></div>
  </section>
  <section class="card" aria-labelledby="findings-heading">
    <h2 id="findings-heading">Document check findings</h2>
    <div data-findings><p class="muted">Loading…</p></div>
  </section>
  <section class="card" aria-labelledby="risk-heading">
    <h2 id="risk-heading">Risk reasons</h2>
    <div data-risk><p class="muted">Loading…</p></div>
  </section>
  <section class="card" aria-labelledby="screening-heading">
    <h2 id="screening-heading">Sanctions and PEP screening <span class="count" data-hit-count></span></h2>
    <div data-hit-problem tabindex="-1"></div>
    <div data-screening aria-live="polite"><p class="muted">Loading…</p></div>
  </section>
  <section class="card" aria-labelledby="timeline-heading">
    <h2 id="timeline-heading">Timeline</h2>
    <div data-timeline><p class="muted">Loading…</p></div>
  </section>
</div>
<aside class="case-side" aria-labelledby="task-heading">
  <section class="card">
    <h2 id="task-heading">Decision</h2>
    <div class="outcome" data-outcome role="status" tabindex="-1" hidden></div>
    <div data-action-problem tabindex="-1"></div>
    <div data-task aria-live="polite"><p class="muted">Loading…</p></div>
    <div class="actions"><button type="button" data-claim hidden>Claim this case</button></div>
    <form class="form" data-decision-form novalidate hidden>
      <div class="error-summary" data-error-summary tabindex="-1" role="alert" hidden>
        <h3>Please correct the decision</h3>
        <ul></ul>
      </div>
      <fieldset class="field" data-field="decision">
        <legend>Decision</legend>
        <p class="field-error" id="f-decision-error" hidden></p>
        ${reviewDecisionSchema.options.map(
          (decision) => html`<div class="choice">
<input type="radio" name="decision" id="f-decision-${decision}" value="${decision}" aria-describedby="f-decision-${decision}-hint">
<label for="f-decision-${decision}">${DECISION_LABELS[decision].label}</label>
<p class="hint" id="f-decision-${decision}-hint">${DECISION_LABELS[decision].hint}</p>
</div>`,
        )}
      </fieldset>
      <div class="field" data-field="reason_code">
        <label for="f-reason_code">Reason code <span class="muted">(required to reject)</span></label>
        <p class="field-error" id="f-reason_code-error" hidden></p>
        <select id="f-reason_code" name="reason_code">
          <option value="">Choose…</option>
          ${reviewReasonCodeSchema.options.map((code) => html`<option value="${code}">${REASON_LABELS[code]}</option>`)}
        </select>
      </div>
      <div class="field" data-field="notes">
        <label for="f-notes">Notes <span class="muted">(optional, stored encrypted)</span></label>
        <p class="field-error" id="f-notes-error" hidden></p>
        <textarea id="f-notes" name="notes" rows="3" data-rules="${JSON.stringify([{ kind: 'max_length', limit: 2000, message: 'Must be at most 2000 characters' }])}"></textarea>
      </div>
      <div class="form-actions">
        <button type="submit" class="primary">Submit decision</button>
        <p class="form-status" data-form-status role="status"></p>
      </div>
    </form>
  </section>
</aside>
</div>`,
  });
}

// Ad-hoc screening against the lists in force (POST /api/screening/search) and the lists
// themselves (GET /api/screening/lists): for reviewers, senior reviewers and admins; the auditor
// reads. /assets/screening.js does the work; its client checks repeat the API's rules and words.
export function screeningPage(): string {
  const rules = {
    name: [
      { kind: 'required', message: 'must not be empty' },
      { kind: 'max_length', limit: 200, message: 'must be at most 200 characters' },
    ],
    date_of_birth: [{ kind: 'pattern', pattern: '^\\d{4}(-\\d{2}-\\d{2})?$', flags: '', message: 'must be YYYY-MM-DD or YYYY' }],
    country: [{ kind: 'pattern', pattern: '^[A-Za-z]{2}$', flags: '', message: 'must be an ISO 3166-1 alpha-2 code' }],
  };
  return renderPage({
    title: 'Screening',
    area: 'review',
    path: '/review/screening',
    script: 'screening.js',
    roles: READERS,
    body: html`<h1>Sanctions and PEP screening</h1>
<p class="muted">Search a name against the lists in force. Nothing is stored: the person need not be a customer. A score from the match threshold up is a match.</p>
<div data-problem></div>
<section class="card" aria-labelledby="search-heading">
  <h2 id="search-heading">Search</h2>
  <form class="form" data-search novalidate>
    <div class="error-summary" data-error-summary tabindex="-1" role="alert" hidden>
      <h3>Please correct the search</h3>
      <ul></ul>
    </div>
    <div class="field" data-field="name">
      <label for="f-name">Name</label>
      <p class="hint" id="f-name-hint">In any script: Latin, Cyrillic, Arabic, Greek, Chinese, Korean.</p>
      <p class="field-error" id="f-name-error" hidden></p>
      <input type="text" id="f-name" name="name" autocomplete="off" aria-describedby="f-name-hint" data-rules="${JSON.stringify(rules.name)}">
    </div>
    <div class="field" data-field="date_of_birth">
      <label for="f-date_of_birth">Date of birth <span class="muted">(optional)</span></label>
      <p class="hint" id="f-date_of_birth-hint">YYYY-MM-DD, or the year alone.</p>
      <p class="field-error" id="f-date_of_birth-error" hidden></p>
      <input type="text" id="f-date_of_birth" name="date_of_birth" autocomplete="off" inputmode="numeric" aria-describedby="f-date_of_birth-hint" data-rules="${JSON.stringify(rules.date_of_birth)}">
    </div>
    <div class="field" data-field="country">
      <label for="f-country">Country <span class="muted">(optional)</span></label>
      <p class="hint" id="f-country-hint">ISO 3166-1 alpha-2 code of a nationality or residence, e.g. RU.</p>
      <p class="field-error" id="f-country-error" hidden></p>
      <input type="text" id="f-country" name="country" autocomplete="off" maxlength="2" aria-describedby="f-country-hint" data-normalise="trim_upper" data-rules="${JSON.stringify(rules.country)}">
    </div>
    <div class="field" data-field="limit">
      <label for="f-limit">Results</label>
      <p class="field-error" id="f-limit-error" hidden></p>
      <select id="f-limit" name="limit">${[5, 10, 20, 50].map((n) => html`<option value="${n}"${n === 10 ? html` selected` : ''}>${n}</option>`)}</select>
    </div>
    <div class="form-actions">
      <button type="submit" class="primary">Search</button>
      <p class="form-status" data-form-status role="status"></p>
    </div>
  </form>
</section>
<section class="card" aria-labelledby="results-heading">
  <h2 id="results-heading">Results <span class="count" data-result-count></span></h2>
  <div data-results aria-live="polite"><p class="muted">Search a name to see the closest entries.</p></div>
</section>
<section class="card" aria-labelledby="lists-heading">
  <h2 id="lists-heading">Lists</h2>
  <div data-lists><p class="muted">Loading…</p></div>
</section>
<section class="card" aria-labelledby="rescreens-heading">
  <h2 id="rescreens-heading">Rescreens of approved customers</h2>
  <div data-rescreens><p class="muted">Loading…</p></div>
</section>`,
  });
}
