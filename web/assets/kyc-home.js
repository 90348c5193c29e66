import { $, ACTIVE_STATUSES, api, el, problemView, replaceChildren, startPage, statusBadge, timeEl } from './common.js';

// GET /api/kyc/summary/: the customer's latest verification and wallet.

const latestBox = $('[data-latest]');
const walletBox = $('[data-wallet]');

function renderLatest(latest) {
  const start = el('a', { class: 'button primary', attrs: { href: '/kyc/start' }, text: 'Start verification' });
  if (!latest) {
    replaceChildren(latestBox, el('p', { text: 'You have not verified your identity yet.' }), start);
    return;
  }
  replaceChildren(
    latestBox,
    el('p', { class: 'status-line' }, statusBadge(latest.status)),
    el('dl', { class: 'facts' }, el('dt', { text: 'What happened' }), el('dd', { text: latest.reason ?? '—' }), el('dt', { text: 'What to do next' }), el('dd', { text: latest.next_action ?? '—' }), el('dt', { text: 'Started' }), el('dd', {}, timeEl(latest.created_at))),
    el('p', { class: 'actions' }, el('a', { class: 'button', attrs: { href: `/kyc/records/${encodeURIComponent(latest.id)}` }, text: 'View status' }), ACTIVE_STATUSES.includes(latest.status) || latest.status === 'approved' ? null : start),
  );
}

const amount = (text) => new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number(text));

function renderWallet(wallet) {
  if (!wallet) {
    replaceChildren(walletBox, el('p', { class: 'muted', text: 'No wallet.' }));
    return;
  }
  replaceChildren(
    walletBox,
    el('dl', { class: 'facts' }, el('dt', { text: 'Wallet' }), el('dd', { text: wallet.is_kyc_verified ? 'Verified' : 'Basic' }), el('dt', { text: 'Daily limit' }), el('dd', { text: amount(wallet.daily_limit) }), el('dt', { text: 'Monthly limit' }), el('dd', { text: amount(wallet.monthly_limit) })),
  );
}

if (startPage()) {
  const result = await api('GET', '/api/kyc/summary/');
  if (result.ok) {
    renderLatest(result.data.latest_record);
    renderWallet(result.data.wallet);
  } else {
    replaceChildren(latestBox);
    replaceChildren(walletBox);
    replaceChildren($('[data-problem]'), problemView(result.problem, 'Your verification could not be loaded'));
  }
}
