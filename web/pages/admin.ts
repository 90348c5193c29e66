import { STAFF_ROLES, type StaffRole } from '../../domain/roles';
import { verificationWorkflowId } from '../../workflows/kyc-verification.contract';
import { html, type Markup } from '../html';
import { type ClientRule } from '../kyc-form-fields';
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

// Staff account management (/api/admin/users, /api/admin/user-changes): admins change and create
// accounts, the auditor reads. The browser checks what the API checks alone (required, lengths,
// characters) with the API's own words; 409 refusals come back as problems shown above the form.

const ROLE_LABELS: Record<StaffRole, string> = { reviewer: 'Reviewer', senior_reviewer: 'Senior reviewer', admin: 'Admin', auditor: 'Auditor' };

const REASON_RULES: ClientRule[] = [
  { kind: 'required', message: 'A reason is required' },
  { kind: 'min_length', limit: 3, message: 'at least 3 characters' },
  { kind: 'max_length', limit: 500, message: 'at most 500 characters' },
];

function roleOptions(): Markup {
  return html`${STAFF_ROLES.map((role) => html`<option value="${role}">${ROLE_LABELS[role]}</option>`)}`;
}

function reasonField(form: string): Markup {
  return html`<div class="field" data-field="reason">
  <label for="${form}-reason">Reason</label>
  <p class="hint" id="${form}-reason-hint">Kept on the audit trail with your name and the time, e.g. a ticket number.</p>
  <p class="field-error" id="${form}-reason-error" hidden></p>
  <textarea id="${form}-reason" name="reason" rows="2" required aria-describedby="${form}-reason-hint" data-rules="${JSON.stringify(REASON_RULES)}"></textarea>
</div>`;
}

function errorSummary(title: string): Markup {
  return html`<div class="error-summary" data-error-summary tabindex="-1" role="alert" hidden>
  <h3>${title}</h3>
  <ul></ul>
</div>`;
}

export function adminUsersPage(): string {
  return renderPage({
    title: 'Staff accounts',
    area: 'admin',
    path: '/admin/users',
    script: 'admin-users.js',
    roles: ['admin', 'auditor'],
    body: html`<h1>Staff accounts</h1>
<div data-problem></div>
<div class="outcome" data-outcome role="status" tabindex="-1" hidden></div>
<section class="card" aria-labelledby="accounts-heading">
  <h2 id="accounts-heading">Accounts</h2>
  <div class="field narrow">
    <label for="f-scope">Show</label>
    <select id="f-scope" data-scope>
      <option value="staff">Staff accounts</option>
      <option value="customers">Customer accounts</option>
      <option value="all">All accounts</option>
    </select>
  </div>
  <div data-accounts aria-live="polite"><p class="muted">Loading…</p></div>
</section>
<div class="two-columns">
  <section class="card" aria-labelledby="change-heading" data-admin-only hidden>
    <h2 id="change-heading">Change an account</h2>
    <p data-change-target class="muted">Choose <strong>Change</strong> on an account above.</p>
    <form class="form" data-change-form novalidate hidden>
      ${errorSummary('Please correct the change')}
      <div data-form-problem tabindex="-1"></div>
      <input type="hidden" name="user_id">
      <div class="field" data-field="role">
        <label for="change-role">Role</label>
        <p class="hint" id="change-role-hint" data-role-hint>A customer account keeps its role; create a staff account instead.</p>
        <p class="field-error" id="change-role-error" hidden></p>
        <select id="change-role" name="role" aria-describedby="change-role-hint">${roleOptions()}<option value="customer" disabled>Customer</option></select>
      </div>
      <fieldset class="field" data-field="is_active">
        <legend>Status</legend>
        <p class="field-error" id="change-is_active-error" hidden></p>
        <div class="choice"><input type="radio" name="is_active" id="change-active" value="true"><label for="change-active">Active</label></div>
        <div class="choice"><input type="radio" name="is_active" id="change-inactive" value="false"><label for="change-inactive">Deactivated</label><p class="hint">Signs the person out everywhere at once; they cannot sign in until reactivated.</p></div>
      </fieldset>
      ${reasonField('change')}
      <div class="form-actions">
        <button type="submit" class="primary">Save change</button>
        <button type="button" class="link-button" data-change-cancel>Cancel</button>
        <p class="form-status" data-form-status role="status"></p>
      </div>
    </form>
  </section>
  <section class="card" aria-labelledby="create-heading" data-admin-only hidden>
    <h2 id="create-heading">Create a staff account</h2>
    <form class="form" data-create-form novalidate>
      ${errorSummary('Please correct the account')}
      <div data-form-problem tabindex="-1"></div>
      <div class="field" data-field="username">
        <label for="create-username">Username</label>
        <p class="field-error" id="create-username-error" hidden></p>
        <input id="create-username" name="username" type="text" autocomplete="off" spellcheck="false" required data-rules="${JSON.stringify([
          { kind: 'required', message: 'A username is required' },
          { kind: 'pattern', pattern: '^[A-Za-z0-9_.-]{3,150}$', flags: '', message: 'letters, digits, _ . - ; 3 to 150 characters' },
        ] satisfies ClientRule[])}">
      </div>
      <div class="field" data-field="email">
        <label for="create-email">E-mail <span class="muted">(optional)</span></label>
        <p class="field-error" id="create-email-error" hidden></p>
        <input id="create-email" name="email" type="email" autocomplete="off" data-rules="${JSON.stringify([{ kind: 'max_length', limit: 254, message: 'at most 254 characters' }] satisfies ClientRule[])}">
      </div>
      <div class="field" data-field="password">
        <label for="create-password">First password</label>
        <p class="hint" id="create-password-hint">At least 12 characters; hand it over out of band.</p>
        <p class="field-error" id="create-password-error" hidden></p>
        <input id="create-password" name="password" type="password" autocomplete="new-password" required aria-describedby="create-password-hint" data-rules="${JSON.stringify([
          { kind: 'required', message: 'A first password is required' },
          { kind: 'min_length', limit: 12, message: 'at least 12 characters' },
          { kind: 'max_length', limit: 200, message: 'at most 200 characters' },
        ] satisfies ClientRule[])}">
      </div>
      <div class="field" data-field="role">
        <label for="create-role">Role</label>
        <p class="field-error" id="create-role-error" hidden></p>
        <select id="create-role" name="role">${roleOptions()}</select>
      </div>
      ${reasonField('create')}
      <div class="form-actions">
        <button type="submit" class="primary">Create account</button>
        <p class="form-status" data-form-status role="status"></p>
      </div>
    </form>
  </section>
</div>
<section class="card" aria-labelledby="changes-heading">
  <h2 id="changes-heading">Changes</h2>
  <p class="muted">Every change to an account, newest first: who made it, and why. The trail cannot be edited.</p>
  <div data-changes aria-live="polite"><p class="muted">Loading…</p></div>
</section>`,
  });
}
