// charts.js: the dashboard's SVG charts, drawn without any library.

const NS = 'http://www.w3.org/2000/svg';

/** svg builds an SVG element with attributes and children. */
function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children);
  return e;
}

/** title is a tooltip for its parent. */
const title = (text) => svg('title', {}, text);

const DAY = 86400000;
const parseDay = (s) => Date.parse(`${s.slice(0, 10)}T00:00:00Z`);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** level grades count against max into five colour steps, 0 for none. */
export function level(count, max) {
  return count <= 0 || max <= 0 ? 0 : Math.min(4, Math.ceil((4 * count) / max));
}

/**
 * heatmap draws heatmapData (from /api/repositories/heatmap) as a grid with
 * one cell per bucket: days as a week-by-weekday calendar, weeks and months
 * in rows. Each cell has a <title> tooltip and data-date/data-count.
 */
export function heatmap(data) {
  const points = data?.data || [];
  const max = Math.max(0, ...points.map((p) => p.count));
  const cell = 12;
  const gap = 2;
  const left = data?.timePeriod === 'day' ? 34 : 48;
  const top = 16;
  const place = [];
  const labels = [];
  if (data?.timePeriod === 'day' && points.length) {
    const first = parseDay(points[0].date);
    const offset = (new Date(first).getUTCDay() + 6) % 7; // Monday first
    points.forEach((p, i) => {
      const idx = Math.round((parseDay(p.date) - first) / DAY) + offset;
      place.push([Math.floor(idx / 7), idx % 7]);
      const d = new Date(parseDay(p.date));
      // The first month is labelled only if its label cannot crowd the next one's.
      if (d.getUTCDate() === 1 || (i === 0 && d.getUTCDate() <= 15)) labels.push([Math.floor(idx / 7), 0, MONTHS[d.getUTCMonth()], 'top']);
    });
    ['Mon', 'Wed', 'Fri'].forEach((name, i) => labels.push([0, i * 2, name, 'left']));
  } else {
    const cols = Math.min(points.length || 1, data?.timePeriod === 'month' ? 12 : 26);
    points.forEach((p, i) => {
      place.push([i % cols, Math.floor(i / cols)]);
      if (i % cols === 0) labels.push([0, Math.floor(i / cols), p.date.slice(0, 7), 'left']);
    });
  }
  const cols = Math.max(1, ...place.map(([c]) => c + 1));
  const rows = Math.max(1, ...place.map(([, r]) => r + 1));
  const width = left + cols * (cell + gap);
  const height = top + rows * (cell + gap);
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`, width: Math.round(width * 1.5), height: Math.round(height * 1.5), role: 'img', 'aria-label': `Commits per ${data?.timePeriod || 'period'}, ${points.length} cells, busiest ${max}`,
  });
  for (const [c, r, text, where] of labels) {
    const x = where === 'top' ? left + c * (cell + gap) : 0;
    const y = where === 'top' ? top - 5 : top + r * (cell + gap) + cell - 2;
    root.append(svg('text', { x, y }, text));
  }
  points.forEach((p, i) => {
    const [c, r] = place[i];
    const who = p.authors ? ` by ${p.authors} author${p.authors === 1 ? '' : 's'}` : '';
    root.append(svg('rect', {
      class: `cell lvl${level(p.count, max)}`, x: left + c * (cell + gap), y: top + r * (cell + gap),
      width: cell, height: cell, rx: 2, 'data-date': p.date, 'data-count': p.count,
    }, title(`${p.date}: ${p.count} commit${p.count === 1 ? '' : 's'}${who}`)));
  });
  return root;
}

/**
 * bars draws a horizontal bar chart of items [{label, value}], largest
 * value spanning the plot; each bar has a <title> tooltip.
 */
export function bars(items, unit = 'commits') {
  const row = 22;
  const labelW = 120;
  const plotW = 170;
  const width = labelW + plotW + 40;
  const max = Math.max(1, ...items.map((i) => i.value));
  const height = Math.max(1, items.length) * row;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `Bar chart of ${unit}` });
  items.forEach((it, i) => {
    const y = i * row;
    const w = Math.max(1, (plotW * it.value) / max);
    const short = it.label.length > 18 ? `${it.label.slice(0, 17)}…` : it.label;
    root.append(
      svg('text', { x: labelW - 6, y: y + 15, 'text-anchor': 'end' }, short, title(it.label)),
      svg('rect', { class: 'bar', x: labelW, y: y + 4, width: w, height: row - 8, rx: 2 }, title(`${it.label}: ${it.value} ${unit}`)),
      svg('text', { class: 'value', x: labelW + w + 4, y: y + 15 }, String(it.value)),
    );
  });
  return root;
}
