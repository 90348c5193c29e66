import { EVENT_TYPES } from '../../domain/events';
import { html } from '../html';
import { renderPage } from '../layout';

// Outbound webhooks for admins (the auditor reads): the subscriptions, registering one (its
// secret is shown once), pause and resume, and each subscription's delivery log with redelivery.
// /assets/webhooks.js does the work against /api/admin/webhook-subscriptions.

export function webhooksPage(): string {
  return renderPage({
    title: 'Webhooks',
    area: 'admin',
    path: '/admin/webhooks',
    script: 'webhooks.js',
    roles: ['admin', 'auditor'],
    body: html`<h1>Outbound webhooks</h1>
<p class="muted">Each subscription receives the chosen event types as signed CloudEvents (Standard Webhooks: <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>). Failed deliveries are retried with backoff for three days, then given up with an ops alert. The event contract is <a href="/asyncapi.json">/asyncapi.json</a>.</p>
<div data-problem></div>
<section class="card" aria-labelledby="subscriptions-heading">
  <h2 id="subscriptions-heading">Subscriptions</h2>
  <div data-subscriptions aria-live="polite"><p class="muted">Loading…</p></div>
</section>
<section class="card" aria-labelledby="register-heading" data-admin-only hidden>
  <h2 id="register-heading">Register an endpoint</h2>
  <form class="form" data-register novalidate>
    <div class="field">
      <label for="f-url">Endpoint URL</label>
      <p class="field-error" id="f-url-error" hidden></p>
      <input type="text" id="f-url" name="url" inputmode="url" autocomplete="off" required aria-describedby="f-url-error" placeholder="https://hooks.example.com/kyc">
    </div>
    <fieldset class="field">
      <legend>Event types</legend>
      <p class="field-error" id="f-event_types-error" hidden></p>
      ${EVENT_TYPES.map((type) => html`<div class="choice"><input type="checkbox" id="f-type-${type}" name="event_types" value="${type}"> <label for="f-type-${type}">${type}</label></div>`)}
    </fieldset>
    <div class="field">
      <label for="f-description">Description (optional)</label>
      <p class="field-error" id="f-description-error" hidden></p>
      <input type="text" id="f-description" name="description" maxlength="200" aria-describedby="f-description-error">
    </div>
    <div class="actions"><button type="submit" class="primary">Register</button></div>
  </form>
  <div data-secret aria-live="polite"></div>
</section>
<section class="card" aria-labelledby="deliveries-heading">
  <h2 id="deliveries-heading">Delivery log <span class="count" data-deliveries-of></span></h2>
  <div data-deliveries aria-live="polite"><p class="muted">Choose a subscription above.</p></div>
</section>`,
  });
}
