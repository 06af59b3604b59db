// charts.js: the dashboard's SVG charts, drawn without any library: the
// activity time series (with tooltips and a brush), the day calendar, the
// punch card and bar charts. Every chart has a data table beside it in the
// page; the tooltips follow the pointer, touch and the keyboard.
import { fmtNum, plural } from './ui.js';

const NS = 'http://www.w3.org/2000/svg';

/** svg builds an SVG element with attributes and children. */
function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children);
  return e;
}

const DAY = 86400000;
const parseDay = (s) => Date.parse(`${s.slice(0, 10)}T00:00:00Z`);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** level grades count against max into five colour steps, 0 for none. */
export function level(count, max) {
  return count <= 0 || max <= 0 ? 0 : Math.min(4, Math.ceil((4 * count) / max));
}

/**
 * tooltip adds a tooltip box to a chart's container and returns
 * show(text, clientX, clientY) and hide(). It is an HTML element moved
 * through the CSSOM (no inline style attributes: the page's policy
 * forbids them).
 */
function tooltip(host) {
  const tip = document.createElement('div');
  tip.className = 'tip';
  tip.hidden = true;
  tip.setAttribute('aria-hidden', 'true'); // the live region and the tables carry the values
  host.append(tip);
  return {
    show(text, x, y) {
      const box = host.getBoundingClientRect();
      tip.textContent = text;
      tip.hidden = false;
      const left = Math.min(Math.max(0, x - box.left + 12), Math.max(0, box.width - tip.offsetWidth));
      tip.style.left = `${left}px`;
      tip.style.top = `${Math.max(0, y - box.top - tip.offsetHeight - 8)}px`;
    },
    hide() { tip.hidden = true; },
  };
}

/** centre is the middle of an element on screen. */
function centre(e) {
  const r = e.getBoundingClientRect();
  return [r.left + r.width / 2, r.top + r.height / 2];
}

/**
 * focusable makes cells a roving-focus group: one cell is in the tab
 * order, the arrow keys move by one (left/right) or by `stride`
 * (up/down), Home/End jump to the ends; focus and hover show the cell's
 * label in the tooltip.
 */
function focusable(root, cells, stride, tip) {
  cells.forEach((c, i) => c.setAttribute('tabindex', i === 0 ? '0' : '-1'));
  const show = (c) => { const [x, y] = centre(c); tip.show(c.getAttribute('aria-label'), x, y); };
  root.addEventListener('focusin', (e) => { if (cells.includes(e.target)) show(e.target); });
  root.addEventListener('focusout', () => tip.hide());
  root.addEventListener('pointerover', (e) => { if (cells.includes(e.target)) show(e.target); });
  root.addEventListener('pointerleave', () => tip.hide());
  root.addEventListener('keydown', (e) => {
    const i = cells.indexOf(e.target);
    if (i < 0) return;
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -stride, ArrowDown: stride, Home: -i, End: cells.length - 1 - i };
    if (!(e.key in moves)) return;
    e.preventDefault();
    const j = Math.min(cells.length - 1, Math.max(0, i + moves[e.key]));
    cells[i].setAttribute('tabindex', '-1');
    cells[j].setAttribute('tabindex', '0');
    cells[j].focus();
  });
}

/** legend draws "Less ▢▢▢▢▢ More" at (x, y). */
function legend(x, y, cell) {
  const g = svg('g', { class: 'legend', 'aria-hidden': 'true' }, svg('text', { x, y: y + cell - 2 }, 'Less'));
  for (let l = 0; l <= 4; l++) g.append(svg('rect', { class: `cell lvl${l}`, x: x + 30 + l * (cell + 2), y, width: cell, height: cell, rx: 2 }));
  g.append(svg('text', { x: x + 30 + 5 * (cell + 2) + 2, y: y + cell - 2 }, 'More'));
  return g;
}

/**
 * calendar draws heatmapData with timePeriod "day" as a week-by-weekday
 * calendar (Monday first) with month labels, a legend and one focusable
 * cell per day (data-date, data-count, aria-label) into host.
 */
export function calendar(host, data) {
  const points = data?.data || [];
  const max = Math.max(0, ...points.map((p) => p.count));
  const cell = 12;
  const gap = 2;
  const left = 30;
  const top = 16;
  const first = points.length ? parseDay(points[0].date) : 0;
  const offset = (new Date(first).getUTCDay() + 6) % 7;
  const place = points.map((p) => {
    const idx = Math.round((parseDay(p.date) - first) / DAY) + offset;
    return [Math.floor(idx / 7), idx % 7];
  });
  const cols = Math.max(1, ...place.map(([c]) => c + 1));
  const width = Math.max(left + cols * (cell + gap), 200);
  const height = top + 7 * (cell + gap) + cell + 10;
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`, width: Math.round(width * 1.4), height: Math.round(height * 1.4), class: 'fixed',
    role: 'group', 'aria-label': `Commits per day; use the arrow keys to read each day`,
  });
  points.forEach((p, i) => {
    const d = new Date(parseDay(p.date));
    if (d.getUTCDate() === 1 || (i === 0 && d.getUTCDate() <= 15)) {
      root.append(svg('text', { x: left + place[i][0] * (cell + gap), y: top - 5 }, MONTHS[d.getUTCMonth()]));
    }
  });
  ['Mon', 'Wed', 'Fri'].forEach((name, i) => root.append(svg('text', { x: 0, y: top + i * 2 * (cell + gap) + cell - 2 }, name)));
  const cells = points.map((p, i) => {
    const who = p.authors ? ` by ${plural(p.authors, 'author')}` : '';
    const r = svg('rect', {
      class: `cell lvl${level(p.count, max)}`, x: left + place[i][0] * (cell + gap), y: top + place[i][1] * (cell + gap),
      width: cell, height: cell, rx: 2, role: 'img', 'data-date': p.date, 'data-count': p.count,
      'aria-label': `${p.date}: ${plural(p.count, 'commit')}${who}`,
    });
    root.append(r);
    return r;
  });
  root.append(legend(left, top + 7 * (cell + gap) + 4, cell));
  host.replaceChildren(root);
  focusable(root, cells, 7, tooltip(host));
}

/**
 * punchcard draws the 168 cells of punchcard data (day 0 = Sunday, hour
 * 0-23) as circles sized by commits, each focusable with its count.
 */
export function punchcard(host, data) {
  const cellsData = data?.data || [];
  const max = Math.max(0, ...cellsData.map((c) => c.commits));
  const step = 22;
  const left = 34;
  const top = 8;
  const width = left + 24 * step;
  const height = top + 7 * step + 18;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, class: 'fixed', role: 'group', 'aria-label': 'Commits by weekday and hour; use the arrow keys to read each hour' });
  WEEKDAYS.forEach((name, d) => root.append(svg('text', { x: 0, y: top + d * step + step / 2 + 4 }, name)));
  for (let h = 0; h < 24; h += 3) root.append(svg('text', { x: left + h * step + step / 2, y: height - 4, 'text-anchor': 'middle' }, String(h)));
  const sorted = [...cellsData].sort((a, b) => a.day - b.day || a.hour - b.hour);
  const cells = sorted.map((c) => {
    const r = c.commits > 0 ? Math.max(1.5, (step / 2 - 1) * Math.sqrt(c.commits / max)) : 1;
    const g = svg('g', { class: 'punch', role: 'img', 'data-day': c.day, 'data-hour': c.hour, 'data-count': c.commits,
      'aria-label': `${WEEKDAYS[c.day]} ${String(c.hour).padStart(2, '0')}:00: ${plural(c.commits, 'commit')}` },
    svg('rect', { class: 'hit', x: left + c.hour * step, y: top + c.day * step, width: step, height: step }),
    svg('circle', { class: c.commits > 0 ? 'dot' : 'dot zero', cx: left + c.hour * step + step / 2, cy: top + c.day * step + step / 2, r }));
    root.append(g);
    return g;
  });
  host.replaceChildren(root);
  focusable(root, cells, 24, tooltip(host));
}

/**
 * timeSeries draws activity data ({timePeriod, data: [{date, commits,
 * additions, deletions, authors}]}) as commits per bucket above added
 * (up) and deleted (down) lines per bucket. Pointer and arrow keys show
 * a bucket's values; dragging across buckets (or Shift+arrows, then
 * Enter) selects a span and calls onBrush(fromDay, toDay). end is the
 * period's last day, the end of the last bucket; width the pixels the
 * chart is drawn for.
 */
export function timeSeries(host, data, end, onBrush, width = 900) {
  const pts = data?.data || [];
  const n = Math.max(1, pts.length);
  const W = Math.max(300, Math.round(width)); // drawn at the size shown, so text keeps its size on a phone
  const left = 56;
  const right = 8;
  const plotW = W - left - right;
  const bw = plotW / n;
  const top1 = 14;
  const h1 = 110;
  const top2 = top1 + h1 + 22;
  const h2 = 120;
  const mid = top2 + h2 / 2;
  const H = top2 + h2 + 22;
  const maxC = Math.max(1, ...pts.map((p) => p.commits));
  const maxL = Math.max(1, ...pts.map((p) => Math.max(p.additions, p.deletions)));
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`, width: W, height: H, tabindex: 0, role: 'img', class: 'series',
    'aria-label': `Commits and changed lines per ${data?.timePeriod || 'period'}, ${pts.length} periods. Use the arrow keys to read each period, Shift with the arrows to select a span and Enter to analyze it.`,
  });
  root.append(
    svg('text', { x: left - 6, y: top1 + 8, 'text-anchor': 'end' }, fmtNum(maxC)),
    svg('text', { x: left - 6, y: top1 + h1, 'text-anchor': 'end' }, '0'),
    svg('text', { x: left, y: top1 - 3 }, `commits per ${data?.timePeriod || 'period'}`),
    svg('text', { x: left - 6, y: top2 + 8, 'text-anchor': 'end' }, `+${fmtNum(maxL)}`),
    svg('text', { x: left - 6, y: top2 + h2, 'text-anchor': 'end' }, `−${fmtNum(maxL)}`),
    svg('text', { x: left, y: top2 - 3 }, 'lines added (up) and deleted (down)'),
    svg('line', { class: 'axis', x1: left, x2: W - right, y1: top1 + h1, y2: top1 + h1 }),
    svg('line', { class: 'axis', x1: left, x2: W - right, y1: mid, y2: mid }),
  );
  const labelEvery = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(plotW / 110))));
  // One path per series, a rectangle per bucket: three elements however
  // many buckets (a rect each made thousands to lay out).
  const w = Math.max(0.6, bw - (bw > 3 ? 1 : 0)).toFixed(2);
  const bar = (x, y, h) => (h > 0 ? `M${x.toFixed(2)} ${y.toFixed(2)}h${w}v${h.toFixed(2)}h-${w}z` : '');
  let commits = '';
  let added = '';
  let deleted = '';
  pts.forEach((p, i) => {
    const x = left + i * bw;
    const hc = (h1 * p.commits) / maxC;
    const ha = ((h2 / 2) * p.additions) / maxL;
    commits += bar(x, top1 + h1 - hc, hc);
    added += bar(x, mid - ha, ha);
    deleted += bar(x, mid, ((h2 / 2) * p.deletions) / maxL);
    if (i % labelEvery === 0) root.append(svg('text', { x, y: H - 6 }, p.date.slice(0, data?.timePeriod === 'month' ? 7 : 10)));
  });
  root.append(svg('path', { class: 'bar', d: commits }), svg('path', { class: 'add', d: added }), svg('path', { class: 'del', d: deleted }));
  const hover = svg('rect', { class: 'hover', x: 0, y: top1, width: bw, height: top2 + h2 - top1, visibility: 'hidden' });
  const brush = svg('rect', { class: 'brush', x: 0, y: top1, width: 0, height: top2 + h2 - top1, visibility: 'hidden' });
  const overlay = svg('rect', { class: 'overlay', x: left, y: 0, width: plotW, height: H });
  root.append(hover, brush, overlay);
  const live = document.createElement('p');
  live.className = 'sr';
  live.setAttribute('aria-live', 'polite');
  host.replaceChildren(root, live);
  const tip = tooltip(host);

  const bucketEnd = (i) => (i + 1 < pts.length ? new Date(parseDay(pts[i + 1].date) - DAY).toISOString().slice(0, 10) : end);
  const describe = (i) => {
    const p = pts[i];
    return `${p.date}${data?.timePeriod === 'day' ? '' : ` to ${bucketEnd(i)}`}: ${plural(p.commits, 'commit')}, +${fmtNum(p.additions)} −${fmtNum(p.deletions)} lines, ${plural(p.authors, 'author')}`;
  };
  const indexAt = (clientX) => {
    const r = root.getBoundingClientRect();
    const x = ((clientX - r.left) * W) / r.width;
    return Math.min(pts.length - 1, Math.max(0, Math.floor((x - left) / bw)));
  };
  const mark = (i) => {
    hover.setAttribute('x', String(left + i * bw));
    hover.setAttribute('visibility', 'visible');
  };
  const span = (a, b) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    brush.setAttribute('x', String(left + lo * bw));
    brush.setAttribute('width', String((hi - lo + 1) * bw));
    brush.setAttribute('visibility', 'visible');
    return [lo, hi];
  };
  const apply = (a, b) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    onBrush?.(pts[lo].date, bucketEnd(hi));
  };
  if (!pts.length) return;

  let start = -1;
  overlay.addEventListener('pointerdown', (e) => {
    start = indexAt(e.clientX);
    overlay.setPointerCapture(e.pointerId);
    mark(start); // a tap on a touch screen shows the bucket too
    tip.show(describe(start), e.clientX, e.clientY);
  });
  overlay.addEventListener('pointermove', (e) => {
    const i = indexAt(e.clientX);
    mark(i);
    tip.show(describe(i), e.clientX, e.clientY);
    if (start >= 0 && i !== start) span(start, i);
  });
  overlay.addEventListener('pointerup', (e) => {
    const i = indexAt(e.clientX);
    if (start >= 0 && i !== start) apply(start, i);
    start = -1;
  });
  overlay.addEventListener('pointerleave', () => { if (start < 0) { tip.hide(); hover.setAttribute('visibility', 'hidden'); } });

  let cur = -1;
  let anchor = -1;
  const show = (i) => {
    cur = i;
    mark(i);
    const [x, y] = centre(hover);
    tip.show(describe(i), x, y);
    live.textContent = describe(i);
  };
  root.addEventListener('focus', () => show(cur < 0 ? pts.length - 1 : cur));
  root.addEventListener('blur', () => { tip.hide(); hover.setAttribute('visibility', 'hidden'); });
  root.addEventListener('keydown', (e) => {
    const moves = { ArrowLeft: -1, ArrowRight: 1, Home: -cur, End: pts.length - 1 - cur };
    if (e.key === 'Enter' && anchor >= 0 && anchor !== cur) {
      e.preventDefault();
      apply(anchor, cur);
      return;
    }
    if (e.key === 'Escape') { anchor = -1; brush.setAttribute('visibility', 'hidden'); return; }
    if (!(e.key in moves)) return;
    e.preventDefault();
    const next = Math.min(pts.length - 1, Math.max(0, cur + moves[e.key]));
    if (e.shiftKey) {
      if (anchor < 0) anchor = cur;
      const [lo, hi] = span(anchor, next);
      live.textContent = `Selected ${pts[lo].date} to ${bucketEnd(hi)}; Enter analyzes it`;
    } else {
      anchor = -1;
      brush.setAttribute('visibility', 'hidden');
    }
    show(next);
  });
}

/**
 * bars draws a horizontal bar chart of items [{label, value}], the
 * largest value spanning the plot; each bar has a tooltip.
 */
export function bars(items, unit = 'commits') {
  const row = 22;
  const labelW = 150;
  const plotW = 170;
  const width = labelW + plotW + 60;
  const max = Math.max(1, ...items.map((i) => i.value));
  const height = Math.max(1, items.length) * row;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': `Bar chart of ${unit}; the table beside it has the values` });
  items.forEach((it, i) => {
    const y = i * row;
    const w = Math.max(1, (plotW * it.value) / max);
    const short = it.label.length > 22 ? `${it.label.slice(0, 21)}…` : it.label;
    root.append(
      svg('text', { x: labelW - 6, y: y + 15, 'text-anchor': 'end' }, short, svg('title', {}, it.label)),
      svg('rect', { class: 'bar', x: labelW, y: y + 4, width: w, height: row - 8, rx: 2 }, svg('title', {}, `${it.label}: ${fmtNum(it.value)} ${unit}`)),
      svg('text', { class: 'value', x: labelW + w + 4, y: y + 15 }, fmtNum(it.value)),
    );
  });
  return root;
}
