import { html } from '../html';
import { renderPage } from '../layout';

// The privacy page: a customer sees everything held about them (the subject access export, in
// words, with a JSON download) and can ask for their data to be erased; the auditor produces the
// export of a named customer, giving a reason. Both call /api/privacy; the API decides who may.

const NOSCRIPT = html`<noscript><p class="notice">This page needs JavaScript to sign you in and talk to the service.</p></noscript>`;

export function privacyPage(): string {
  return renderPage({
    title: 'Your data',
    area: 'customer',
    path: '/privacy',
    script: 'privacy.js',
    roles: ['customer', 'auditor'],
    body: html`<h1>Your data</h1>
${NOSCRIPT}
<div data-problem></div>
<form class="card form" data-auditor-form hidden>
  <h2>Export a customer's data</h2>
  <p class="hint">Every export is on the privacy audit trail with your reason. Records kept after an erasure are shown too.</p>
  <div class="field"><label for="f-user">Customer id</label><input id="f-user" name="user_id" required spellcheck="false"></div>
  <div class="field"><label for="f-reason">Reason (a case or request number)</label><input id="f-reason" name="reason" required minlength="3" maxlength="500"></div>
  <div class="form-actions"><button type="submit" class="primary">Export</button></div>
</form>
<section class="card" aria-labelledby="held-heading">
  <h2 id="held-heading">What we hold</h2>
  <div data-export aria-live="polite"><p class="muted">Loading…</p></div>
  <p class="actions"><a class="button" data-download hidden download="my-data.json">Download as JSON</a></p>
</section>
<section class="card" aria-labelledby="erase-heading" data-erase-section hidden>
  <h2 id="erase-heading">Erase my data</h2>
  <p>We erase at once what the law lets us erase: your account, the verifications that did not end in an approval, what our identity provider sent us about you, and the histories of your verifications. Your account is closed.</p>
  <p>Anti-money-laundering law obliges us to keep the record of an approved or reviewed verification for five years after you leave. We keep it locked away: no one but our auditor can read it, only with a recorded reason, and it is erased automatically when that time ends.</p>
  <form data-erase-form>
    <div class="field"><label><input type="checkbox" name="confirm" required> I understand that this closes my account and cannot be undone</label></div>
    <div class="form-actions"><button type="submit" class="danger">Erase my data</button><p class="form-status" data-erase-status role="status"></p></div>
  </form>
  <div data-erasure aria-live="polite"></div>
</section>`,
  });
}
