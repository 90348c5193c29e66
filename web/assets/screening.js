import { $, api, checkForm, el, formatDateTime, humanise, normalise, problemFieldErrors, problemView, replaceChildren, setBusy, showFieldErrors, startPage, timeEl } from './common.js';
import { adjustmentText, SOURCE_NAMES } from './screening-words.js';

// POST /api/screening/search: the closest list entries to a name, best first, each with its score,
// whether it is a match, and why; GET /api/screening/lists: the versions in force and the rescreens.

const form = $('[data-search]');
const results = $('[data-results]');
let threshold = null;

const table = (caption, headers, rows) =>
  el(
    'div',
    { class: 'table-wrap' },
    el('table', {}, el('caption', { class: 'visually-hidden', text: caption }), el('thead', {}, el('tr', {}, headers.map((h) => el('th', { attrs: { scope: 'col' }, text: h })))), el('tbody', {}, rows)),
  );

function explanationText(explanation) {
  const { name, adjustments } = explanation;
  const parts = [`name ${name.score.toFixed(2)} on “${name.matched_name}” (${humanise(name.name_type).toLowerCase()}${name.quality === 'weak' ? ', weak alias' : ''})`];
  return [...parts, ...adjustments.map(adjustmentText)].join('; ');
}

function renderHits(hits) {
  $('[data-result-count]').textContent = `(${hits.length})`;
  if (hits.length === 0) {
    replaceChildren(results, el('p', { class: 'empty', text: 'No list entry comes close to this name.' }));
    return;
  }
  const rows = hits.map((hit) =>
    el(
      'tr',
      { class: hit.match ? 'mismatch' : '', attrs: { 'data-entry-id': hit.entry_id } },
      el('th', { attrs: { scope: 'row' } }, hit.name, el('br'), el('span', { class: 'mono small', text: hit.entry_id })),
      el('td', { text: SOURCE_NAMES[hit.source] ?? hit.source }),
      el('td', { text: humanise(hit.kind) }),
      el('td', { text: hit.matched_name }),
      el('td', { class: 'score' }, el('meter', { attrs: { min: '0', max: '1', value: String(hit.score), 'aria-hidden': 'true' } }), hit.score.toFixed(2)),
      el('td', {}, el('span', { class: `badge ${hit.match ? 'tone-bad' : 'tone-ok'}`, text: hit.match ? 'Match' : 'No match' })),
      el('td', { class: 'small', text: explanationText(hit.explanation) }),
    ),
  );
  replaceChildren(results, table('The closest list entries, best first', ['Entry', 'List', 'Kind', 'Matched name', 'Score', threshold === null ? 'Match' : `Match (from ${threshold.toFixed(2)})`, 'Why'], rows));
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const errors = checkForm(form);
  showFieldErrors(form, errors);
  if (errors.size) return;
  const value = (name) => form.elements.namedItem(name).value;
  const body = { name: normalise(value('name')), limit: Number(value('limit')) };
  if (normalise(value('date_of_birth'))) body.date_of_birth = normalise(value('date_of_birth'));
  if (normalise(value('country'), 'trim_upper')) body.country = normalise(value('country'), 'trim_upper');
  setBusy(form, true, 'Searching…');
  const result = await api('POST', '/api/screening/search', body);
  setBusy(form, false);
  if (result.ok) {
    replaceChildren($('[data-problem]'));
    renderHits(result.data.hits);
  } else if (result.status === 422 && Array.isArray(result.problem.errors)) {
    showFieldErrors(form, problemFieldErrors(result.problem));
  } else {
    replaceChildren($('[data-problem]'), problemView(result.problem, 'The search failed'));
  }
});

function renderLists(data) {
  threshold = data.match_threshold;
  const versionRow = (source, version) =>
    el(
      'tr',
      { attrs: { 'data-source': source } },
      el('th', { attrs: { scope: 'row' }, text: SOURCE_NAMES[source] ?? source }),
      el('td', { class: 'num', text: version ? version.entry_count.toLocaleString('en') : '—' }),
      el('td', {}, version ? timeEl(version.loaded_at) : 'Never loaded'),
      el('td', { text: version ? `+${version.added} / ~${version.changed} / −${version.removed}` : '—' }),
      el('td', { class: 'mono small', text: version ? version.version_id : '—' }),
      el('td', { text: version?.publisher_version ?? '—' }),
    );
  replaceChildren(
    $('[data-lists]'),
    el('p', { class: 'muted', text: `Scores from ${data.match_threshold.toFixed(2)} up are matches.` }),
    table('The version in force of each list', ['List', 'Entries', 'Loaded', 'Added / changed / removed', 'Version', 'Publisher’s version'], data.sources.map((s) => versionRow(s.source, s.in_force))),
  );
  replaceChildren(
    $('[data-rescreens]'),
    data.rescreens.length === 0
      ? el('p', { class: 'empty', text: 'No rescreen yet.' })
      : table(
          'Rescreens of approved customers, newest first',
          ['Started', 'Against', 'Status', 'Screened', 'With hits', 'Cases opened', 'Last progress'],
          data.rescreens.map((r) =>
            el(
              'tr',
              {},
              el('td', {}, timeEl(r.started_at)),
              el('td', { text: r.trigger === 'periodic' ? 'every entry in force' : `what ${r.list_version_ids.length} new ${r.list_version_ids.length === 1 ? 'version' : 'versions'} changed` }),
              el('td', { text: humanise(r.status) }),
              el('td', { class: 'num', text: r.screened.toLocaleString('en') }),
              el('td', { class: 'num', text: String(r.with_hits) }),
              el('td', { class: 'num', text: String(r.cases_opened) }),
              el('td', { text: formatDateTime(r.completed_at ?? r.updated_at) }),
            ),
          ),
        ),
  );
}

if (startPage()) {
  const lists = await api('GET', '/api/screening/lists');
  if (lists.ok) renderLists(lists.data);
  else {
    replaceChildren($('[data-lists]'));
    replaceChildren($('[data-rescreens]'));
    replaceChildren($('[data-problem]'), problemView(lists.problem, 'The lists could not be loaded'));
  }
}
