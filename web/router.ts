import path from 'node:path';
import express, { type Response, Router } from 'express';
import { z } from 'zod';
import { type Config } from '../domain/config';
import { html } from './html';
import { renderPage } from './layout';
import { adminDashboardPage, adminUsersPage } from './pages/admin';
import { kycDocumentsPage, kycHomePage, kycStartPage, kycStatusPage } from './pages/customer';
import { privacyPage } from './pages/privacy';
import { homePage, signInPage } from './pages/public';
import { QUEUE_VIEWS, reviewCasePage, reviewQueuePage, screeningPage } from './pages/review';
import { webhooksPage } from './pages/webhooks';

// The web pages: server-rendered HTML plus small scripts under /assets that call the JSON API
// with the token kept in sessionStorage. Everything is served from here; nothing from a CDN.

export type WebConfig = Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE' | 'KYC_DOCUMENT_MAX_BYTES'>;

/** Accounts the sign-in page lists (the demo accounts of the default setup; none in production). */
export type ListedAccount = { username: string; password: string; role: string };

const ASSETS_DIR = path.join(__dirname, 'assets');

// Only our own origin, for every kind of content; no inline script or style. Images may also be
// blob: URLs, which only the page itself can make: the reviewer console fetches document images
// with the bearer token (they have no public URL) and shows the bytes through URL.createObjectURL.
// data: URLs stay refused.
export const WEB_CSP = "default-src 'self'; img-src 'self' blob:; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

const SECURITY_HEADERS = {
  'Content-Security-Policy': WEB_CSP,
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

function sendPage(res: Response, page: string, status = 200): void {
  res.status(status).set(SECURITY_HEADERS).set('Cache-Control', 'no-cache').type('html').send(page);
}

const uuid = z.uuid();

function notFoundPage(): string {
  return renderPage({
    title: 'Not found',
    area: 'public',
    path: '',
    body: html`<h1>Page not found</h1><p>This address does not name a page. <a href="/">Go to the start page</a>.</p>`,
  });
}

export function webRouter(config: WebConfig, demoAccounts: readonly ListedAccount[]): Router {
  const router = Router();

  router.use(
    '/assets',
    express.static(ASSETS_DIR, {
      index: false,
      dotfiles: 'ignore',
      fallthrough: true,
      // Revalidated on every load (ETag): the file names carry no version.
      cacheControl: false,
      setHeaders: (res) => res.set(SECURITY_HEADERS).set('Cache-Control', 'no-cache'),
    }),
  );

  router.get('/', (_req, res) => sendPage(res, homePage()));
  router.get('/login', (_req, res) => sendPage(res, signInPage(demoAccounts)));

  router.get('/kyc', (_req, res) => sendPage(res, kycHomePage()));
  router.get('/kyc/start', (_req, res) => sendPage(res, kycStartPage()));
  // Where Veriff sends the browser back (activities/veriff-session.ts: FRONTEND_URL/kyc/records/<id>).
  router.get('/kyc/records/:id', (req, res) => {
    const id = uuid.safeParse(req.params.id);
    if (!id.success) return sendPage(res, notFoundPage(), 404);
    sendPage(res, kycStatusPage(id.data));
  });
  // The local vendor's session URL (KYC_VENDOR=local): the customer uploads the document here.
  router.get('/kyc/records/:id/documents', (req, res) => {
    const id = uuid.safeParse(req.params.id);
    if (!id.success) return sendPage(res, notFoundPage(), 404);
    sendPage(res, kycDocumentsPage(id.data, config.KYC_DOCUMENT_MAX_BYTES));
  });

  router.get('/privacy', (_req, res) => sendPage(res, privacyPage()));

  router.get('/review', (req, res) => {
    const requested = typeof req.query.view === 'string' ? req.query.view : 'mine';
    const view = QUEUE_VIEWS.find((v) => v.view === requested)?.view ?? 'mine';
    sendPage(res, reviewQueuePage(view));
  });
  router.get('/review/screening', (_req, res) => sendPage(res, screeningPage()));
  router.get('/review/cases/:recordId', (req, res) => {
    const id = uuid.safeParse(req.params.recordId);
    if (!id.success) return sendPage(res, notFoundPage(), 404);
    sendPage(res, reviewCasePage(id.data));
  });

  router.get('/admin', (_req, res) => sendPage(res, adminDashboardPage({ baseUrl: config.TEMPORAL_UI_URL, namespace: config.TEMPORAL_NAMESPACE })));
  router.get('/admin/users', (_req, res) => sendPage(res, adminUsersPage()));
  router.get('/admin/webhooks', (_req, res) => sendPage(res, webhooksPage()));

  return router;
}

