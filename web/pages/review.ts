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
