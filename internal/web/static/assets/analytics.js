// analytics.js: the Analytics tab: the filter form and the summary,
// heatmap, contributors, churn and commits views.
import { request } from './api.js';
import { bars, heatmap } from './charts.js';
import { $, clearError, el, fmtDate, isAbort, setWaiting, showError } from './ui.js';

const PAGE_SIZE = 25;
/** Contributor commit counts come from at most this many pages of 100 commits. */
const SAMPLE_PAGES = 3;
const MAX_CHURN_ROWS = 200;
const CARDS = ['summary', 'heatmap', 'contributors', 'churn', 'commits'];

/** The running analysis: its filters, abort controller and commits page. */
let run = null;

let calls = 0;

const PHASES = {
  start: 'starting', clone: 'cloning', fetch: 'fetching', metadata: 'reading commits',
  complete: 'fetching file contents', linestats: 'reading line statistics',
};

/** describe turns a 504's progress into " (reading commits: 1,200 of 5,000)". */
function describe(progress) {
  const phase = PHASES[progress?.phase];
  if (!phase) return '';
  const counts = progress.total > 0 ? `: ${progress.done.toLocaleString()} of ${progress.total.toLocaleString()}` : '';
  return ` (${phase}${counts})`;
}

/** get asks /api/repositories/<what>, showing a status line while it waits. */
function get(what, params, signal) {
  const key = `analytics-${what}-${++calls}`;
  return request(`/api/repositories/${what}`, {
    params, signal,
    onWait: (status, secs, progress) => setWaiting(key, status === 504
      ? `Preparing repository${describe(progress)}… retrying in ${secs} s`
      : status ? `Rate limited… retrying in ${secs} s` : ''),
  });
}

function readFilters() {
  const v = (id) => $(id).value.trim();
  const repoUrl = v('repo-url');
  const dates = { fromDate: v('from-date'), toDate: v('to-date'), authors: v('authors') };
  return { summary: { repoUrl }, filter: { repoUrl, ...dates }, churn: { repoUrl, ...dates, extensions: v('extensions') } };
}

async function analyze() {
  run?.controller.abort();
  const controller = new AbortController();
  const current = { controller, params: readFilters(), page: 1 };
  run = current;
  clearError();
  for (const id of CARDS) $(id).hidden = true;
  $('analyze').disabled = true;
  const { signal } = controller;
  const { summary, filter, churn } = current.params;
  const results = await Promise.allSettled([
    get('summary', summary, signal).then((d) => showSummary(d.summary)),
    get('heatmap', filter, signal).then((d) => showHeatmap(d.heatmapData)),
    get('contributors', filter, signal).then((d) => showContributors(d.contributors, filter, signal)),
    get('churn', churn, signal).then((d) => showChurn(d.churnData)),
    loadCommits(current, 1),
  ]);
  if (run !== current) return;
  $('analyze').disabled = false;
  const failed = results.find((r) => r.status === 'rejected' && !isAbort(r.reason));
  if (failed) showError(failed.reason);
}

function showSummary(s) {
  $('summary-name').textContent = s.repository.name || '—';
  $('summary-owner').textContent = s.repository.owner || '—';
  $('summary-created').textContent = s.created ? fmtDate(s.created.date, false) : '—';
  $('summary-age').textContent = s.age?.formatted || '—';
  $('summary-last-commit').textContent = s.lastCommit
    ? `${fmtDate(s.lastCommit.date)} (${s.lastCommit.relativeTime}) by ${s.lastCommit.author}` : '—';
  $('summary-status').textContent = s.stats.status;
  $('summary-total-commits').textContent = String(s.stats.totalCommits);
  $('summary-contributors').textContent = String(s.stats.contributors);
  $('summary').hidden = false;
}

function showHeatmap(h) {
  const m = h.metadata;
  $('heatmap-note').textContent = `${m.totalCommits} commits per ${h.timePeriod}, ${m.dateRange.start} to ${m.dateRange.end}`;
  $('heatmap-chart').replaceChildren(heatmap(h));
  $('heatmap').hidden = false;
}

/**
 * showContributors lists the contributors, then counts their commits over
 * the newest pages of commits (the API lists names only) for the chart.
 */
async function showContributors(list, filter, signal) {
  const counts = new Map(list.map((c) => [c.login, 0]));
  const render = (note) => {
    const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    $('contributors-note').textContent = note;
    $('contributors-chart').replaceChildren(bars(ranked.slice(0, 15).map(([label, value]) => ({ label, value }))));
    $('contributors-rows').replaceChildren(...ranked.map(([login, n]) =>
      el('tr', {}, el('td', {}, login), el('td', { class: 'num' }, n))));
  };
  render(`${list.length} contributors; counting commits…`);
  $('contributors').hidden = false;
  let seen = 0;
  let total = 0;
  for (let page = 1; page <= SAMPLE_PAGES; page++) {
    const d = await get('commits', { ...filter, page, limit: 100 }, signal);
    for (const c of d.commits) counts.set(c.author.name, (counts.get(c.author.name) || 0) + 1);
    seen += d.commits.length;
    total = d.total;
    if (!d.hasMore) break;
  }
  render(seen >= total
    ? `${list.length} contributors, commits counted over all ${total}`
    : `${list.length} contributors, commits counted over the newest ${seen} of ${total}`);
}

function showChurn(c) {
  const s = c.summary;
  $('churn-note').textContent = c.statsPending
    ? 'Line statistics are still being indexed; analyze again shortly.'
    : `${s.totalFiles} files, ${s.highRiskFiles} high risk, ${s.averageChanges.toFixed(1)} changed lines on average`
      + (c.files.length > MAX_CHURN_ROWS ? ` (the ${MAX_CHURN_ROWS} most changed shown)` : '');
  $('churn-rows').replaceChildren(...c.files.slice(0, MAX_CHURN_ROWS).map((f) => el('tr', {},
    el('td', { class: 'path' }, el('code', {}, f.path)),
    el('td', { class: 'num' }, f.commits),
    el('td', { class: 'num' }, f.additions),
    el('td', { class: 'num' }, f.deletions),
    el('td', {}, el('span', { class: `badge risk-${f.riskLevel}` }, f.riskLevel)))));
  $('churn').hidden = false;
}

/** loadCommits shows page page of the commits of run r. */
async function loadCommits(r, page) {
  $('commits-prev').disabled = true;
  $('commits-next').disabled = true;
  const d = await get('commits', { ...r.params.filter, page, limit: PAGE_SIZE }, r.controller.signal);
  if (run !== r) return;
  r.page = d.page;
  $('commits-rows').replaceChildren(...d.commits.map((c) => el('tr', {},
    el('td', {}, fmtDate(c.date)),
    el('td', { title: c.author.email }, c.author.name),
    el('td', { class: 'msg' }, c.message),
    c.stats ? el('td', { class: 'num' }, `+${c.stats.additions} −${c.stats.deletions}`)
      : el('td', { class: 'num', title: 'line statistics are still being indexed' }, '…'),
    el('td', {}, el('code', {}, c.sha.slice(0, 8))))));
  const pages = Math.max(1, Math.ceil(d.total / d.limit));
  $('commits-page').textContent = `Page ${d.page} of ${pages} (${d.total} commits)`;
  $('commits-prev').disabled = d.page <= 1;
  $('commits-next').disabled = !d.hasMore;
  $('commits').hidden = false;
}

function turnPage(delta) {
  const r = run;
  if (!r) return;
  clearError();
  loadCommits(r, r.page + delta).catch((err) => { if (!isAbort(err)) showError(err); });
}

/** init wires the Analytics tab. */
export function init() {
  $('analytics-form').addEventListener('submit', (e) => {
    e.preventDefault();
    analyze();
  });
  $('commits-prev').addEventListener('click', () => turnPage(-1));
  $('commits-next').addEventListener('click', () => turnPage(1));
}
