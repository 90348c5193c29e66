// Stand-in for Veriff's hosted verification flow: one server-rendered page where a human picks the outcome.
import express, { type Response } from 'express';
import { type DecisionStatus } from '../vendors/veriff/contract';
import { type ApiContext } from './api-routes';
import { sessionStatus, type SimSession } from './store';

const CHOICES: ReadonlyArray<{ status: DecisionStatus; label: string }> = [
  { status: 'approved', label: 'Approve' },
  { status: 'declined', label: 'Decline' },
  { status: 'resubmission_requested', label: 'Request resubmission' },
];

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(res: Response, httpStatus: number, title: string, body: string): void {
  // The token in the URL is a credential: keep it out of Referer headers; no scripts are ever needed.
  res
    .status(httpStatus)
    .set({
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    })
    .type('html')
    .send(
      `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Veriff simulator</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
button{font-size:1rem;padding:.6rem 1rem;margin:.25rem .5rem .25rem 0;cursor:pointer}
button:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}dt{font-weight:600}</style></head>
<body><main>${body}</main></body></html>`,
    );
}

function detail(label: string, value: string | null | undefined): string {
  return `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value ?? '—')}</dd>`;
}

function renderSession(res: Response, session: SimSession): void {
  const person = session.request.person;
  const name = person ? `${person.firstName} ${person.lastName}` : null;
  const buttons = CHOICES.map(
    (choice) => `<button type="submit" name="status" value="${escapeHtml(choice.status)}">${escapeHtml(choice.label)}</button>`,
  ).join('');
  page(
    res,
    200,
    'Verify your identity',
    `<h1>Verify your identity</h1>
<p>This is a simulated verification flow. Choose the outcome Veriff should report.</p>
<dl>${detail('Session', session.id)}${detail('Applicant', name)}${detail('Document', session.request.document?.type)}${detail('Status', sessionStatus(session))}</dl>
<form method="post">
<fieldset><legend>Outcome</legend>${buttons}</fieldset>
</form>`,
  );
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Mount at /v. */
export function hostedPageRouter(ctx: ApiContext): express.Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '10kb' }));

  router.get('/:token', (req, res) => {
    const session = ctx.store.getSessionByToken(req.params.token);
    if (!session) return page(res, 404, 'Not found', '<h1>Session not found</h1><p>This verification link is invalid or was deleted.</p>');
    renderSession(res, session);
  });

  router.post('/:token', async (req, res) => {
    const session = ctx.store.getSessionByToken(req.params.token);
    if (!session) return page(res, 404, 'Not found', '<h1>Session not found</h1><p>This verification link is invalid or was deleted.</p>');
    const body: unknown = req.body;
    const requested = typeof body === 'object' && body !== null && 'status' in body ? body.status : undefined;
    const choice = CHOICES.find((c) => c.status === requested);
    if (!choice) return page(res, 400, 'Invalid choice', '<h1>Invalid choice</h1><p>Pick one of the offered outcomes.</p>');
    await ctx.flows.decide(session, { status: choice.status, withEvents: true, ip: req.ip });
    const callback = session.request.callback;
    // The schema already allows only http(s); checked again because this value becomes a redirect.
    if (callback !== undefined && isHttpUrl(callback)) return res.redirect(303, callback);
    page(res, 200, 'Decision sent', `<h1>Decision sent</h1><p>Veriff was told: <strong>${escapeHtml(choice.label)}</strong>.</p>`);
  });

  return router;
}
