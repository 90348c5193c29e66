import { el, svg } from './common.js';

// Two small charts drawn as inline SVG (no chart library): stacked columns per day and
// horizontal bars per category. Each is an image with a title and a description for screen
// readers, followed by its numbers as a table. Colours come from app.css (.series-*).

let chartCount = 0;

// Four steps of 1, 2 or 5 times a power of ten, covering the largest value.
function axis(largest) {
  const raw = Math.max(1, largest) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw && Number.isInteger(s)) ?? Math.ceil(raw);
  const max = step * Math.ceil(Math.max(1, largest) / step);
  const ticks = [];
  for (let tick = 0; tick <= max; tick += step) ticks.push(tick);
  return { max, ticks };
}

function dataTable(caption, headers, rows) {
  return el(
    'details',
    { class: 'chart-data' },
    el('summary', { text: 'Show the numbers' }),
    el(
      'table',
      {},
      el('caption', { class: 'visually-hidden', text: caption }),
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { attrs: { scope: 'col' }, text: h })))),
      el('tbody', {}, rows.map((row) => el('tr', {}, row.map((cell, i) => (i === 0 ? el('th', { attrs: { scope: 'row' }, text: cell }) : el('td', { class: 'num', text: String(cell) })))))),
    ),
  );
}

function legend(series) {
  return el('ul', { class: 'legend' }, series.map((s) => el('li', {}, el('span', { class: `swatch series-${s.key}`, attrs: { 'aria-hidden': 'true' } }), s.label)));
}

/**
 * Stacked columns. columns: [{ label, title, values: { [seriesKey]: number } }] in display order;
 * series: [{ key, label }] bottom to top.
 */
export function stackedColumns({ title, description, columns, series }) {
  const id = `chart-${++chartCount}`;
  const width = 520;
  const height = 240;
  const margin = { top: 12, right: 8, bottom: 36, left: 32 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const totals = columns.map((c) => series.reduce((sum, s) => sum + (c.values[s.key] ?? 0), 0));
  const { max, ticks } = axis(Math.max(...totals, 0));
  const y = (value) => margin.top + plotHeight - (value / max) * plotHeight;
  const slot = plotWidth / Math.max(1, columns.length);
  const barWidth = Math.max(4, Math.min(36, slot * 0.6));
  const labelEvery = Math.ceil(columns.length / 10);

  const grid = ticks.map((tick) =>
    svg('g', { class: 'tick' }, svg('line', { x1: margin.left, x2: width - margin.right, y1: y(tick), y2: y(tick), class: 'grid' }), svg('text', { x: margin.left - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'axis-label' }, String(tick))),
  );
  const bars = columns.map((column, i) => {
    const x = margin.left + slot * i + (slot - barWidth) / 2;
    let base = 0;
    const parts = series.map((s) => {
      const value = column.values[s.key] ?? 0;
      const rect = value > 0 ? svg('rect', { x, y: y(base + value), width: barWidth, height: y(base) - y(base + value), class: `series-${s.key}` }, svg('title', {}, `${column.title}: ${value} ${s.label.toLowerCase()}`)) : null;
      base += value;
      return rect;
    });
    // Counted from the right, so the latest column (today) is always labelled.
    const label = (columns.length - 1 - i) % labelEvery === 0 ? svg('text', { x: x + barWidth / 2, y: height - margin.bottom + 16, 'text-anchor': 'middle', class: 'axis-label' }, column.label) : null;
    return svg('g', { 'data-column': column.title }, parts, label);
  });
  const image = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, class: 'chart', preserveAspectRatio: 'xMidYMid meet' },
    svg('title', { id: `${id}-title` }, title),
    svg('desc', { id: `${id}-desc` }, description),
    grid,
    svg('line', { x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0), class: 'axis' }),
    bars,
  );
  return el(
    'figure',
    { class: 'chart-figure' },
    image,
    legend(series),
    dataTable(title, ['Day', ...series.map((s) => s.label), 'Total'], columns.map((c, i) => [c.title, ...series.map((s) => c.values[s.key] ?? 0), totals[i]])),
  );
}

/** Horizontal bars: rows [{ label, total, part, note }]; part (e.g. approved) is drawn inside total. */
export function horizontalBars({ title, description, rows, rowHeader, totalLabel, partLabel, noteLabel }) {
  const id = `chart-${++chartCount}`;
  const width = 520;
  const rowHeight = 30;
  const margin = { top: 4, right: 125, bottom: 4, left: 150 };
  const height = margin.top + margin.bottom + rowHeight * Math.max(1, rows.length);
  const max = Math.max(1, ...rows.map((r) => r.total));
  const plotWidth = width - margin.left - margin.right;
  const w = (value) => (value / max) * plotWidth;
  const bars = rows.map((row, i) => {
    const top = margin.top + i * rowHeight;
    return svg(
      'g',
      { 'data-row': row.label },
      svg('text', { x: margin.left - 8, y: top + rowHeight / 2 + 4, 'text-anchor': 'end', class: 'axis-label' }, row.label),
      svg('rect', { x: margin.left, y: top + 5, width: Math.max(1, w(row.total)), height: rowHeight - 10, class: 'series-total' }, svg('title', {}, `${row.label}: ${row.total} ${totalLabel.toLowerCase()}`)),
      row.part > 0 ? svg('rect', { x: margin.left, y: top + 5, width: w(row.part), height: rowHeight - 10, class: 'series-approved' }, svg('title', {}, `${row.label}: ${row.part} ${partLabel.toLowerCase()}`)) : null,
      svg('text', { x: margin.left + w(row.total) + 6, y: top + rowHeight / 2 + 4, class: 'value-label' }, row.note),
    );
  });
  return el(
    'figure',
    { class: 'chart-figure' },
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, class: 'chart' }, svg('title', { id: `${id}-title` }, title), svg('desc', { id: `${id}-desc` }, description), bars),
    legend([
      { key: 'total', label: totalLabel },
      { key: 'approved', label: partLabel },
    ]),
    dataTable(title, [rowHeader, totalLabel, partLabel, noteLabel], rows.map((r) => [r.label, r.total, r.part, r.note])),
  );
}
