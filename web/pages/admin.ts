import { verificationWorkflowId } from '../../workflows/kyc-verification.contract';
import { html } from '../html';
import { renderPage } from '../layout';

// The admin dashboard: statistics as charts (inline SVG drawn by /assets/charts.js), the ops
// alerts, and links from each verification to its workflow in the Temporal UI.

export interface TemporalUiLinks {
  /** TEMPORAL_UI_URL */
  baseUrl: string;
  namespace: string;
}

export function adminDashboardPage(temporal: TemporalUiLinks): string {
  const workflowUrl = `${temporal.baseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows/{workflow_id}`;
  return renderPage({
    title: 'Admin dashboard',
    area: 'admin',
    path: '/admin',
    script: 'admin.js',
    roles: ['admin', 'auditor'],
    // The workflow id is built by the API's own function, so the link follows any change to it.
    data: { 'workflow-url': workflowUrl, 'workflow-id': verificationWorkflowId('{user_id}') },
    body: html`<h1>Admin dashboard</h1>
<div data-problem></div>
<section class="card" aria-labelledby="overview-heading">
  <h2 id="overview-heading">Verifications by status</h2>
  <div data-overview><p class="muted">Loading…</p></div>
</section>
<section class="card" aria-labelledby="alerts-heading">
  <h2 id="alerts-heading">Open alerts <span class="count" data-alert-count></span></h2>
  <div data-alerts aria-live="polite"><p class="muted">Loading…</p></div>
</section>
<div class="two-columns">
  <section class="card" aria-labelledby="daily-heading">
    <h2 id="daily-heading">Daily outcomes, last 14 days</h2>
    <div data-daily-chart><p class="muted">Loading…</p></div>
  </section>
  <section class="card" aria-labelledby="country-heading">
    <h2 id="country-heading">Verifications by country</h2>
    <div data-country-chart><p class="muted">Loading…</p></div>
  </section>
</div>
<section class="card" aria-labelledby="recent-heading">
  <h2 id="recent-heading">Recent verifications</h2>
  <p class="muted">Each verification links to its case and to its workflow in the <a href="${temporal.baseUrl}">Temporal UI</a>.</p>
  <div data-recent><p class="muted">Loading…</p></div>
</section>
<section class="card" aria-labelledby="stuck-heading">
  <h2 id="stuck-heading">Stuck verifications <span class="count" data-stuck-count></span></h2>
  <div data-stuck><p class="muted">Loading…</p></div>
</section>`,
  });
}
