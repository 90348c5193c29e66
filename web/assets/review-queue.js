/* global document */
import { $, api, el, formatRelative, problemView, replaceChildren, shortId, startPage, timeEl } from './common.js';

// GET /api/review/queue/?view=...: open tasks, soonest due first, with overdue and escalation markers.

const main = document.getElementById('main');
const view = main.dataset.view;
const box = $('[data-queue]');

const EMPTY = {
  mine: 'Nothing is assigned to you.',
  unassigned: 'No case is waiting for a reviewer.',
  escalated: 'No escalated case is open.',
  all: 'No review task is open.',
};

function assignee(task, session) {
  if (task.assignee_id === null) return el('span', { class: 'muted', text: 'Unassigned' });
  if (task.assignee_id === session.userId) return el('strong', { text: 'You' });
  return el('span', { text: `Reviewer ${shortId(task.assignee_id)}` });
}

function markers(task) {
  return [
    task.overdue ? el('span', { class: 'badge tone-bad', text: 'Overdue' }) : null,
    task.escalated ? el('span', { class: 'badge tone-warn', text: 'Escalated' }) : null,
    task.level === 'senior' && !task.escalated ? el('span', { class: 'badge tone-info', text: 'Senior' }) : null,
  ];
}

function render(tasks, session) {
  $('[data-count]').textContent = `(${tasks.length})`;
  if (tasks.length === 0) {
    replaceChildren(box, el('p', { class: 'empty', text: EMPTY[view] ?? EMPTY.all }));
    return;
  }
  const rows = tasks.map((task) =>
    el(
      'tr',
      { class: task.overdue ? 'overdue' : '', attrs: { 'data-task-id': task.task_id } },
      el('th', { attrs: { scope: 'row' } }, el('a', { attrs: { href: `/review/cases/${encodeURIComponent(task.record_id)}` }, text: `Case ${shortId(task.record_id)}` })),
      el('td', { text: task.country }),
      el('td', { class: 'num', text: task.risk_score === null ? '—' : String(task.risk_score) }),
      el('td', {}, assignee(task, session)),
      el('td', {}, timeEl(task.due_at), el('br'), el('span', { class: task.overdue ? 'overdue-text' : 'muted', text: task.overdue ? `overdue, due ${formatRelative(task.due_at)}` : `due ${formatRelative(task.due_at)}` })),
      el('td', { class: 'markers' }, markers(task)),
    ),
  );
  replaceChildren(
    box,
    el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        { class: 'queue' },
        el('caption', { class: 'visually-hidden', text: 'Open review tasks, soonest due first' }),
        el('thead', {}, el('tr', {}, ['Case', 'Country', 'Risk', 'Assignee', 'Due', 'Markers'].map((h) => el('th', { attrs: { scope: 'col' }, text: h })))),
        el('tbody', {}, rows),
      ),
    ),
  );
}

const session = startPage();
if (session) {
  const result = await api('GET', `/api/review/queue/?view=${encodeURIComponent(view)}`);
  if (result.ok) render(result.data.tasks, session);
  else {
    replaceChildren(box);
    replaceChildren($('[data-problem]'), problemView(result.problem, 'The queue could not be loaded'));
  }
}
