// needs: nothing
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { html, markupText } from '../../web/html';
import { KYC_FORM_FIELDS } from '../../web/kyc-form-fields';
import { adminDashboardPage, adminUsersPage } from '../../web/pages/admin';
import { kycHomePage, kycStartPage, kycStatusPage } from '../../web/pages/customer';
import { homePage, signInPage } from '../../web/pages/public';
import { reviewCasePage, reviewQueuePage, screeningPage } from '../../web/pages/review';
import { webhooksPage } from '../../web/pages/webhooks';

// The pages as the server renders them, before any browser: escaping, and nothing the
// Content-Security-Policy (default-src 'self') would block. test/browser runs them for real.

const RECORD = '6f1c2a9e-4b7d-4c1e-9a55-0d7e3b2f8c41';
const PAGES: Record<string, string> = {
  home: homePage(),
  signIn: signInPage([{ username: 'testuser', password: 'testpass123', role: 'customer' }]),
  kycHome: kycHomePage(),
  kycStart: kycStartPage(),
  kycStatus: kycStatusPage(RECORD),
  reviewQueue: reviewQueuePage('unassigned'),
  reviewCase: reviewCasePage(RECORD),
  screening: screeningPage(),
  admin: adminDashboardPage({ baseUrl: 'http://127.0.0.1:8233', namespace: 'default' }),
  adminUsers: adminUsersPage(),
  webhooks: webhooksPage(),
};
const ASSETS = path.resolve(__dirname, '..', '..', 'web', 'assets');

describe('web pages', () => {
  test('when a value is interpolated, then it is escaped unless it is markup already', () => {
    const name = '<img src=x onerror=alert(1)> & "quotes"';
    const escaped = '&#60;img src=x onerror=alert(1)&#62; &#38; &#34;quotes&#34;';
    assert.equal(markupText(html`<p title="${name}">${name}</p>`), `<p title="${escaped}">${escaped}</p>`);
    assert.equal(markupText(html`<ul>${['a', '<b>'].map((x) => html`<li>${x}</li>`)}</ul>`), '<ul><li>a</li><li>&#60;b&#62;</li></ul>');
  });

  test('when any page is rendered, then it has no inline script, style or handler, and every asset it names exists', () => {
    for (const [name, page] of Object.entries(PAGES)) {
      assert.doesNotMatch(page, /<script(?![^>]*\bsrc=)[^>]*>/, `${name}: inline script`);
      assert.doesNotMatch(page, /<style\b|\sstyle=/, `${name}: inline style`);
      assert.doesNotMatch(page, /\son[a-z]+=/, `${name}: inline event handler`);
      assert.doesNotMatch(page, /(?:src|href)="(?:https?:)?\/\/(?!127\.0\.0\.1:8233)/, `${name}: a resource from another site`);
      for (const [, asset] of page.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)) assert.ok(existsSync(path.join(ASSETS, asset!)), `${name}: /assets/${asset} is missing`);
    }
  });

  test('when any page is rendered, then no id is used twice (labels, error lines and aria-describedby point at one element)', () => {
    for (const [name, page] of Object.entries(PAGES)) {
      const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), [], name);
    }
  });

  test('when the start form is rendered, then every field has a bound label and its rules', () => {
    const page = PAGES.kycStart!;
    for (const field of KYC_FORM_FIELDS) {
      assert.match(page, new RegExp(`<label for="f-${field.name}">`), field.name);
      assert.match(page, new RegExp(`id="f-${field.name}" name="${field.name}"`), field.name);
      assert.match(page, new RegExp(`id="f-${field.name}-error" hidden`), field.name);
    }
  });
});
