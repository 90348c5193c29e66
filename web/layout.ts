import { html, markupText, type Markup } from './html';

// The page shell shared by every page: skip link, header with the area's navigation and the
// signed-in user (filled in by /assets/common.js from sessionStorage), main landmark.

export type Area = 'public' | 'customer' | 'review' | 'admin';

const NAVIGATION: Record<Area, { href: string; label: string }[]> = {
  public: [],
  customer: [
    { href: '/kyc', label: 'My verification' },
    { href: '/kyc/start', label: 'Start verification' },
    { href: '/privacy', label: 'Your data' },
  ],
  review: [
    { href: '/review', label: 'Review queue' },
    { href: '/review/screening', label: 'Screening' },
  ],
  admin: [
    { href: '/admin', label: 'Dashboard' },
    { href: '/admin/users', label: 'Staff accounts' },
    { href: '/admin/webhooks', label: 'Webhooks' },
    { href: '/review?view=all', label: 'All review tasks' },
    { href: '/review/screening', label: 'Screening' },
    { href: '/docs/', label: 'API docs' },
  ],
};

const AREA_NAME: Record<Area, string> = { public: '', customer: 'Customer', review: 'Reviewer console', admin: 'Admin' };

export interface PageOptions {
  title: string;
  area: Area;
  /** Module under /assets that runs the page; none for static pages. */
  script?: string;
  /** Roles the page is for (checked in the browser; the API checks again on every call). */
  roles?: readonly string[];
  /** Values the script reads, rendered as data-* attributes on <main>. */
  data?: Record<string, string>;
  /** Path of this page, to mark the current navigation link. */
  path: string;
  body: Markup;
}

export function renderPage(options: PageOptions): string {
  const { title, area, script, roles, data = {}, path, body } = options;
  const nav = NAVIGATION[area];
  const dataAttributes = Object.entries({ ...data, ...(roles ? { roles: roles.join(' ') } : {}) }).map(([key, value]) => html` data-${key}="${value}"`);
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · KYC verification</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/app.css">
${script ? html`<script type="module" src="/assets/${script}"></script>` : ''}
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
  <div class="bar">
    <a class="brand" href="/">KYC verification${AREA_NAME[area] ? html` <span class="area">${AREA_NAME[area]}</span>` : ''}</a>
    ${nav.length ? html`<nav aria-label="${AREA_NAME[area]}"><ul>${nav.map((link) => html`<li><a href="${link.href}"${link.href === path ? html` aria-current="page"` : ''}>${link.label}</a></li>`)}</ul></nav>` : ''}
    <div class="session" data-session hidden>
      <span>Signed in as <strong data-session-user></strong> <span class="role" data-session-role></span></span>
      <button type="button" class="link-button" data-sign-out>Sign out</button>
    </div>
  </div>
</header>
<main id="main" tabindex="-1"${dataAttributes}>
${body}
</main>
</body>
</html>
`;
  return markupText(page);
}
