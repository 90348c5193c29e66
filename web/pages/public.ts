import { html } from '../html';
import { renderPage } from '../layout';

// The landing page and the one sign-in page every area shares.

export function homePage(): string {
  return renderPage({
    title: 'Welcome',
    area: 'public',
    path: '/',
    body: html`<h1>KYC verification</h1>
<p class="lead">Identity verification for wallet upgrades.</p>
<ul class="cards">
  <li class="card"><h2><a href="/kyc">Verify your identity</a></h2><p>Customers: start a verification or follow the one you started.</p></li>
  <li class="card"><h2><a href="/review">Reviewer console</a></h2><p>Compliance reviewers: the queue of cases waiting for a decision.</p></li>
  <li class="card"><h2><a href="/admin">Admin dashboard</a></h2><p>Statistics, alerts and links into the workflows.</p></li>
</ul>
<p><a href="/docs/">API documentation</a></p>`,
  });
}

export function signInPage(demoAccounts: readonly { username: string; password: string; role: string }[]): string {
  return renderPage({
    title: 'Sign in',
    area: 'public',
    path: '/login',
    script: 'sign-in.js',
    body: html`<h1>Sign in</h1>
<noscript><p class="notice">Signing in needs JavaScript.</p></noscript>
<form class="card form narrow" data-sign-in-form novalidate>
<div class="error-summary" data-error-summary tabindex="-1" role="alert" hidden>
  <h2>Could not sign you in</h2>
  <ul></ul>
</div>
<div data-form-problem></div>
<p class="notice" data-signed-out-notice hidden></p>
<div class="field" data-field="username">
  <label for="f-username">Username</label>
  <p class="field-error" id="f-username-error" hidden></p>
  <input id="f-username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required data-rules="${JSON.stringify([{ kind: 'required', message: 'Enter your username' }])}">
</div>
<div class="field" data-field="password">
  <label for="f-password">Password</label>
  <p class="field-error" id="f-password-error" hidden></p>
  <input id="f-password" name="password" type="password" autocomplete="current-password" required data-rules="${JSON.stringify([{ kind: 'required', message: 'Enter your password' }])}">
</div>
<div class="form-actions">
  <button type="submit" class="primary">Sign in</button>
  <p class="form-status" data-form-status role="status"></p>
</div>
</form>
${
  demoAccounts.length
    ? html`<section class="card narrow demo" aria-labelledby="demo-heading">
<h2 id="demo-heading">Demo accounts</h2>
<p class="muted">Created by <code>npm start</code> for trying the pages (never in production).</p>
<table><thead><tr><th scope="col">Username</th><th scope="col">Password</th><th scope="col">Role</th></tr></thead>
<tbody>${demoAccounts.map((a) => html`<tr><td><code>${a.username}</code></td><td><code>${a.password}</code></td><td>${a.role.replace('_', ' ')}</td></tr>`)}</tbody></table>
</section>`
    : ''
}`,
  });
}
