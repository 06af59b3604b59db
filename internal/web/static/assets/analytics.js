// analytics.js: the Analytics tab. One analysis covers one period: the
// dates the user set, or, with none, the 12 months ending at the
// repository's last commit (asked for explicitly, so every card covers
// the same days). The view lives in the URL (/?repo=&from=&to=&authors=
// &extensions=&exclude=&excludeBots=true), the repository's preparation is polled from
// /api/repositories/status, and each card loads, fails and shows its
// state on its own.
import { request, retryNow } from './api.js';
import { bars, calendar, punchcard, timeSeries } from './charts.js';
import { days, fromURL, resolve, toURL } from './period.js';
import { $, clearError, el, fmtDate, fmtNum, isAbort, plural, setWaiting, showError } from './ui.js';

const PAGE_SIZE = 25;
/** The API serves pages 1 to MAX_PAGE. */
const MAX_PAGE = 1000;
const TOP_FILES = 50;
const TOP_BARS = 15;
/** The coupling card lists this many pairs (the API's most are 100). */
const TOP_PAIRS = 25;
/** The day calendar covers periods up to this many days. */
const CALENDAR_DAYS = 366;
const POLL_MS = 1000;

/**
 * CARDS are the views of an analysis, drawn in this order after the
 * summary. A card is {id, stats, load(run)}: id is its <article>'s id,
 * stats() says it waits for line statistics, and load fills it from the
 * API (run.params are the period's filters), rejecting on failure.
 * A new view is an <article class="card"> in index.html and an entry here.
 */
const CARDS = [
  { id: 'activity', stats: () => true, load: loadActivity },
  { id: 'calendar', stats: () => false, load: loadCalendar },
  { id: 'punchcard', stats: () => false, load: loadPunchcard },
  { id: 'contributors', stats: () => authorStats === true, load: loadContributors },
  { id: 'hotspots', stats: () => true, load: loadHotspots },
  { id: 'coupling', stats: () => true, load: loadCoupling },
  { id: 'ownership', stats: () => authorStats === true, load: loadOwnership },
  { id: 'commits', stats: () => false, load: (r) => loadCommits(r, 1) },
];

/** The running analysis. */
let run = null;
/**
 * The dates the page chose for a repository ({repo, from, to, asked}:
 * asked is the view as the user gave it): the form shows them, the URL
 * leaves them out, and Analyze with them unchanged asks as the user did.
 */
let defaults = null;
let calls = 0;
/** Whether the server serves /authors (AUTHOR_STATS), once a status answer said so. */
let authorStats = null;

const PHASES = {
  start: 'starting', clone: 'cloning', fetch: 'fetching', metadata: 'reading commits',
  complete: 'fetching file contents', linestats: 'reading line statistics',
};

/** describe turns progress into " (reading commits: 1,200 of 5,000)". */
function describe(progress) {
  const phase = PHASES[progress?.phase];
  if (!phase) return '';
  const counts = progress.total > 0 ? `: ${fmtNum(progress.done)} of ${fmtNum(progress.total)}` : '';
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

/** begin shows a card as a skeleton. */
function begin(id) {
  const c = $(id);
  c.classList.add('loading');
  c.setAttribute('aria-busy', 'true');
  c.dataset.state = 'loading';
  c.querySelector('.card-error')?.remove();
}

/** settle marks a card loaded. */
function settle(id) {
  const c = $(id);
  if (run) c.dataset.ms = String(Math.round(performance.now() - run.started));
  c.classList.remove('loading');
  c.setAttribute('aria-busy', 'false');
  c.dataset.state = 'ready';
}

/** fail shows err inside the card, where the user is looking. */
function fail(id, err) {
  const c = $(id);
  c.classList.remove('loading');
  c.setAttribute('aria-busy', 'false');
  c.dataset.state = 'error';
  c.querySelector('.card-error')?.remove();
  const fields = (err?.details || []).map((d) => `${d.field}: ${d.message}`);
  c.append(el('p', { class: 'card-error', role: 'alert' }, [err?.message || String(err), ...fields].join(' — ')));
}

/** sub writes a card's subtitle: the period and the filters it covers. */
function sub(id, r, extra = '') {
  const { from, to, authors, extensions, exclude, excludeBots } = r.params;
  const parts = [`${from} to ${to}`];
  if (authors) parts.push(`authors: ${authors}`);
  if (excludeBots) parts.push('bots left out');
  if (extensions && id === 'hotspots') parts.push(`extensions: ${extensions}`);
  if (exclude && LINE_CARDS.includes(id)) parts.push(`files left out: ${exclude}`);
  $(id).querySelector('.sub').textContent = parts.join(' · ') + (extra ? ` · ${extra}` : '');
}

/** readForm is the view the form describes; dates the page filled in itself count as unset. */
function readForm() {
  const v = (id) => $(id).value.trim();
  const view = {
    repo: v('repo-url'), from: v('from-date'), to: v('to-date'), authors: v('authors'), extensions: v('extensions'),
    exclude: v('exclude'), excludeBots: $('exclude-bots').checked ? 'true' : '',
  };
  if (defaults && view.repo === defaults.repo && view.from === defaults.from && view.to === defaults.to) {
    view.from = defaults.asked.from;
    view.to = defaults.asked.to;
  }
  return view;
}

/** fillForm shows a view in the form. */
function fillForm(view) {
  $('repo-url').value = view.repo;
  $('from-date').value = view.from;
  $('to-date').value = view.to;
  $('authors').value = view.authors;
  $('extensions').value = view.extensions;
  $('exclude').value = view.exclude;
  $('exclude-bots').checked = view.excludeBots === 'true';
  defaults = null;
}

/**
 * keepURL writes view into the address bar: 'push' adds a history entry
 * (a new analysis, so Back returns to the previous one), 'replace'
 * rewrites the current one, 'none' leaves it (Back or Forward brought us
 * here).
 */
function keepURL(view, how) {
  const url = toURL(view);
  const here = window.location.pathname + window.location.search;
  if (how === 'push' && url !== here) window.history.pushState(null, '', url);
  else if (how !== 'none' && url !== here) window.history.replaceState(null, '', url);
}

/** analyze runs one analysis of view, every card over one period. */
async function analyze(view, how) {
  run?.controller.abort();
  const controller = new AbortController();
  const { signal } = controller;
  const r = { controller, view, page: 1, started: performance.now(), params: null, summary: null };
  run = r;
  keepURL(view, how);
  clearError();
  $('analyze').disabled = true;
  $('cards').hidden = false;
  $('cards').dataset.settled = 'false';
  $('cards').dataset.startMs = String(Math.round(r.started));
  $('period').textContent = '';
  for (const id of ['summary', ...CARDS.map((c) => c.id)]) begin(id);
  r.status = poll(r);
  // The summary names the last commit; only a period with both dates can
  // be asked for before it comes.
  r.summaryLoaded = get('summary', { repoUrl: view.repo }, signal).then((d) => {
    r.summary = d.summary;
    if (run === r) showSummary(d.summary);
  });
  let cards = Promise.resolve([]);
  if (view.from && view.to) cards = loadCards(r, resolve(view.from, view.to, null));
  try {
    await r.summaryLoaded;
  } catch (err) {
    if (isAbort(err) || run !== r) return;
    controller.abort();
    run = null;
    $('cards').hidden = true;
    $('analyze').disabled = false;
    showError(err);
    return;
  }
  if (run !== r) return;
  if (!r.params) cards = loadCards(r, resolve(view.from, view.to, r.summary));
  const results = await cards;
  if (run !== r) return;
  $('analyze').disabled = false;
  $('cards').dataset.settled = 'true';
  $('cards').dataset.settleMs = String(Math.round(performance.now() - r.started));
  const invalid = results.find((x) => x.status === 'rejected' && x.reason?.status === 400);
  if (invalid) showError(invalid.reason);
}

/** loadCards sets run r's period p ({from, to, why}) and loads every card over it. */
function loadCards(r, p) {
  const { view } = r;
  r.params = {
    repoUrl: view.repo, fromDate: p.from, toDate: p.to, from: p.from, to: p.to, authors: view.authors,
    extensions: view.extensions, exclude: view.exclude, excludeBots: view.excludeBots,
  };
  $('from-date').value = p.from;
  $('to-date').value = p.to;
  defaults = view.from && view.to ? null : { repo: view.repo, from: p.from, to: p.to, asked: view };
  $('period').textContent = `Every view below covers ${p.from} to ${p.to} (${plural(days(p.from, p.to), 'day')})`
    + (p.why ? `: ${p.why}, as no dates were set. Set From and To to choose another period.` : '.');
  return Promise.allSettled(CARDS.map((c) => c.load(r).then(
    () => { if (run === r) settle(c.id); },
    (err) => { if (!isAbort(err) && run === r) fail(c.id, err); throw err; })));
}

/**
 * poll asks /api/repositories/status every second while the analysis
 * runs and the repository is being prepared: the progress line shows the
 * phase and counts, the cards that wait for line statistics say so, and
 * requests waiting to retry go at once when the data is ready. It
 * resolves with the first answer (which says whether the server serves
 * per-author statistics).
 */
function poll(r) {
  let first;
  const firstAnswer = new Promise((resolve) => { first = resolve; });
  (async () => {
    let sawMeta = false;
    while (run === r) {
      let s;
      try {
        s = await request('/api/repositories/status', { params: { repoUrl: r.view.repo }, signal: r.controller.signal });
      } catch {
        first(null);
        $('progress').hidden = true;
        return;
      }
      first(s);
      if (run !== r) return;
      const done = s.ready.metadata && s.ready.lineStats;
      if (s.ready.metadata && !sawMeta) {
        sawMeta = true;
        retryNow();
      }
      if (done) retryNow();
      $('progress').hidden = done;
      $('progress').textContent = done ? '' : `Preparing the repository${describe(s)}`
        + (s.ready.metadata ? '; commits are ready, line statistics are still being read' : '');
      for (const c of CARDS) {
        const n = $(c.id).querySelector('.note');
        if (c.stats() && n && $(c.id).dataset.state === 'loading') {
          n.textContent = done ? '' : `Waiting for line statistics${describe(s)}…`;
        }
      }
      if (done && r.commitsPending) {
        r.commitsPending = false;
        loadCommits(r, r.page).catch((err) => { if (!isAbort(err)) fail('commits', err); });
      }
      if (done && s.phase === 'done') return;
      await new Promise((res) => { setTimeout(res, POLL_MS); });
    }
  })();
  return firstAnswer;
}

function showSummary(s) {
  $('summary-name').textContent = s.repository.name || '—';
  $('summary-owner').textContent = s.repository.owner || '—';
  $('summary-created').textContent = s.created ? fmtDate(s.created.date, false) : '—';
  $('summary-age').textContent = s.age?.formatted || '—';
  $('summary-last-commit').textContent = s.lastCommit
    ? `${fmtDate(s.lastCommit.date)} (${s.lastCommit.relativeTime}) by ${s.lastCommit.author}` : '—';
  $('summary-status').textContent = s.stats.status;
  $('summary-total-commits').textContent = fmtNum(s.stats.totalCommits);
  $('summary-contributors').textContent = fmtNum(s.stats.contributors);
  settle('summary');
}

const num = (n) => el('td', { class: 'num' }, fmtNum(n));

/** The rows of each closed data table, by its tbody's id, built when it is opened. */
const pendingRows = new Map();

/**
 * dataRows fills a chart's data table, which sits in a closed <details>:
 * now if it is open, else when it is first opened, so an analysis does
 * not build hundreds of rows nobody reads. tbody.dataset.filled says
 * whether the rows are in.
 */
function dataRows(id, rows) {
  const tbody = $(id);
  const details = tbody.closest('details');
  if (details && !pendingRows.has(id)) {
    details.addEventListener('toggle', () => { if (details.open) fillRows(id); });
  }
  pendingRows.set(id, rows);
  tbody.replaceChildren();
  tbody.dataset.filled = 'false';
  if (!details || details.open) fillRows(id);
}

/** fillRows builds the pending rows of table body id. */
function fillRows(id) {
  const rows = pendingRows.get(id);
  if (!rows) return;
  pendingRows.set(id, null);
  $(id).replaceChildren(...rows());
  $(id).dataset.filled = 'true';
}

/** drawActivity draws the last activity answer at a width, activityWidth the width it was drawn at. */
let drawActivity = null;
let activityWidth = 0;

/** chartWidth is the width the activity card gives its chart. */
const chartWidth = () => $('activity').clientWidth - 34;

/** redrawActivity draws the activity chart again when its card's width changed (a phone turned, a window resized). */
function redrawActivity() {
  const w = chartWidth();
  if (!drawActivity || Math.abs(w - activityWidth) < 24 || $('activity').dataset.state !== 'ready') return;
  activityWidth = w;
  drawActivity(w);
}

async function loadActivity(r) {
  const d = (await get('activity', lineFilters(r), r.controller.signal)).activity;
  if (run !== r) return;
  const m = d.metadata;
  sub('activity', r, `per ${d.timePeriod}`);
  $('activity-note').textContent = `${plural(m.totalCommits, 'commit')}, ${fmtNum(m.totalAdditions)} lines added, ${fmtNum(m.totalDeletions)} deleted. Drag across the chart to analyze a shorter period.`;
  const brushed = (from, to) => {
    const view = { ...r.view, from, to };
    fillForm(view);
    analyze(view, 'push');
  };
  drawActivity = (width) => timeSeries($('activity-chart'), d, r.params.to, brushed, width);
  activityWidth = chartWidth();
  drawActivity(activityWidth);
  dataRows('activity-rows', () => d.data.map((p) => el('tr', { 'data-date': p.date },
    el('td', {}, p.date), num(p.commits), num(p.additions), num(p.deletions), num(p.authors))));
}

async function loadCalendar(r) {
  const n = days(r.params.from, r.params.to);
  if (n > CALENDAR_DAYS) {
    sub('calendar', r);
    $('calendar-note').textContent = `The day calendar covers periods of up to a year; this one has ${plural(n, 'day')}. The activity chart covers all of it.`;
    $('calendar-chart').replaceChildren();
    dataRows('calendar-rows', () => []);
    return;
  }
  const h = (await get('heatmap', { ...filters(r), timePeriod: 'day' }, r.controller.signal)).heatmapData;
  if (run !== r) return;
  sub('calendar', r);
  const busy = h.data.filter((p) => p.count > 0);
  $('calendar-note').textContent = `${plural(h.metadata.totalCommits, 'commit')} in total on ${plural(busy.length, 'day')} with commits.`;
  calendar($('calendar-chart'), h);
  // Where it scrolls (a phone), the latest weeks first, once the card shows.
  requestAnimationFrame(() => { $('calendar-chart').scrollLeft = $('calendar-chart').scrollWidth; });
  dataRows('calendar-rows', () => busy.map((p) => el('tr', { 'data-date': p.date }, el('td', {}, p.date), num(p.count), num(p.authors))));
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

async function loadPunchcard(r) {
  const d = (await get('punchcard', filters(r), r.controller.signal)).punchcard;
  if (run !== r) return;
  sub('punchcard', r);
  $('punchcard-note').textContent = `${plural(d.totalCommits, 'commit')} by weekday and hour, each in its author's own time zone.`;
  punchcard($('punchcard-chart'), d);
  const busy = d.data.filter((c) => c.commits > 0).sort((a, b) => a.day - b.day || a.hour - b.hour);
  dataRows('punchcard-rows', () => busy.map((c) => el('tr', { 'data-day': c.day, 'data-hour': c.hour },
    el('td', {}, WEEKDAYS[c.day]), num(c.hour), num(c.commits))));
}

/**
 * serverAuthorStats says whether the server serves per-author statistics
 * (AUTHOR_STATS): a server-wide setting, which the first status answer
 * of the page says.
 */
async function serverAuthorStats(r) {
  authorStats ??= (await r.status)?.authorStats ?? null;
  return authorStats;
}

async function loadContributors(r) {
  if (await serverAuthorStats(r)) {
    const d = await get('authors', lineFilters(r), r.controller.signal);
    if (run !== r) return;
    sub('contributors', r);
    $('contributors-note').textContent = `${plural(d.authors.length, 'contributor')}, by commits in the period.`;
    $('contributors-chart').replaceChildren(bars(d.authors.slice(0, TOP_BARS).map((a) => ({ label: a.name, value: a.commits }))));
    $('contributors-head').replaceChildren(el('tr', {}, el('th', { scope: 'col' }, 'Contributor'), el('th', { scope: 'col', class: 'num' }, 'Commits'),
      el('th', { scope: 'col', class: 'num' }, 'Added'), el('th', { scope: 'col', class: 'num' }, 'Deleted'),
      el('th', { scope: 'col' }, 'First commit'), el('th', { scope: 'col' }, 'Last commit')));
    $('contributors-rows').replaceChildren(...d.authors.map((a) => el('tr', {},
      el('td', {}, a.name), num(a.commits), num(a.additions), num(a.deletions),
      el('td', { class: 'date' }, a.firstCommit ? a.firstCommit.slice(0, 10) : '—'), el('td', { class: 'date' }, a.lastCommit ? a.lastCommit.slice(0, 10) : '—'))));
    return;
  }
  const list = (await get('contributors', filters(r), r.controller.signal)).contributors;
  if (run !== r) return;
  sub('contributors', r);
  $('contributors-note').textContent = `${plural(list.length, 'contributor')}. This server does not publish statistics per person (its operator can enable them with AUTHOR_STATS=true).`;
  $('contributors-chart').replaceChildren();
  $('contributors-head').replaceChildren(el('tr', {}, el('th', { scope: 'col' }, 'Contributor')));
  $('contributors-rows').replaceChildren(...list.map((c) => el('tr', {}, el('td', {}, c.login))));
}

async function loadHotspots(r) {
  const c = (await get('churn', { ...lineFilters(r), extensions: r.params.extensions, limit: TOP_FILES, groupBy: 'directory', depth: 1 }, r.controller.signal)).churnData;
  if (run !== r) return;
  const s = c.summary;
  const dirs = [...(c.directories || [])].sort((a, b) => b.changes - a.changes || a.path.localeCompare(b.path));
  sub('hotspots', r);
  $('hotspots-note').textContent = `${plural(s.totalFiles, 'file')} changed, ${fmtNum(s.highRiskFiles)} of high or critical risk`
    + (s.totalFiles > c.files.length ? `; the ${fmtNum(c.files.length)} most changed are listed.` : '.');
  $('hotspots-chart').replaceChildren(bars(dirs.slice(0, TOP_BARS).map((d) => ({ label: d.path, value: d.changes })), 'changed lines'));
  dataRows('hotspots-dirs', () => dirs.map((d) => el('tr', {},
    el('td', { class: 'path' }, el('code', {}, d.path)), num(d.files), num(d.commits), num(d.additions), num(d.deletions))));
  $('hotspots-rows').replaceChildren(...c.files.map((f) => el('tr', {},
    el('td', { class: 'path' }, el('code', {}, f.path)),
    el('td', {}, el('span', { class: `badge risk-${f.riskLevel}` }, f.riskLevel)),
    num(f.commits), num(f.additions), num(f.deletions))));
}

/** pct writes a ratio (0.1234) as a percentage with one decimal ("12.3%"). */
const pct = (x) => el('td', { class: 'num' }, `${(x * 100).toFixed(1)}%`);

async function loadCoupling(r) {
  const c = (await get('coupling', { ...lineFilters(r), limit: TOP_PAIRS }, r.controller.signal)).coupling;
  if (run !== r) return;
  const s = c.summary;
  const o = c.metadata.options;
  sub('coupling', r);
  $('coupling-note').textContent = `${plural(s.pairs, 'pair')} of files changed together by at least ${plural(o.minShared, 'commit')}, of ${plural(s.commits, 'commit')} counted`
    + (s.bulkCommits ? ` (${plural(s.bulkCommits, 'commit')} changing more than ${fmtNum(o.maxFiles)} files left out)` : '')
    + (s.pairs > c.pairs.length ? `; the ${fmtNum(c.pairs.length)} most shared are listed.` : '.')
    + ' Confidence: how often a change to the first file came with one to the second.';
  $('coupling-rows').replaceChildren(...c.pairs.map((p) => el('tr', {},
    el('td', { class: 'path' }, el('code', {}, p.path)), el('td', { class: 'path' }, el('code', {}, p.coupledPath)),
    num(p.sharedCommits), pct(p.support), pct(p.confidence))));
}

async function loadOwnership(r) {
  const body = $('ownership').querySelector('.body');
  if (!(await serverAuthorStats(r))) {
    if (run !== r) return;
    sub('ownership', r);
    $('ownership-note').textContent = 'This server does not publish statistics per person (its operator can enable them with AUTHOR_STATS=true).';
    body.hidden = true;
    $('ownership-rows').replaceChildren();
    return;
  }
  const d = (await get('ownership', lineFilters(r), r.controller.signal)).ownership;
  if (run !== r) return;
  sub('ownership', r);
  body.hidden = false;
  const s = d.summary;
  $('ownership-note').textContent = `${plural(s.files, 'file')} with changed lines, by ${plural(s.authors, 'author')}; bus factor ${fmtNum(s.busFactor)}`
    + ' (the authors who would have to leave before more than half of the files have no active author).';
  $('ownership-rows').replaceChildren(...d.directories.map((o) => el('tr', {},
    el('td', { class: 'path' }, el('code', {}, o.path)), num(o.files), num(o.changes),
    el('td', {}, o.topAuthors[0]?.name || '—'), pct(o.topShare), num(o.busFactor))));
}

/** filters are the API parameters of the run's period and authors. */
const filters = (r) => ({
  repoUrl: r.params.repoUrl, fromDate: r.params.fromDate, toDate: r.params.toDate, authors: r.params.authors, excludeBots: r.params.excludeBots,
});

/** The cards that count lines, which the files left out (exclude) change. */
const LINE_CARDS = ['activity', 'contributors', 'hotspots', 'coupling', 'ownership'];

/** lineFilters are filters plus the files left out, for the reports that count lines. */
const lineFilters = (r) => ({ ...filters(r), exclude: r.params.exclude });

/** FORGES link a commit on the known forges, from the repository's https URL. */
const FORGES = {
  github: (base, sha) => `${base}/commit/${sha}`,
  gitlab: (base, sha) => `${base}/-/commit/${sha}`,
  bitbucket: (base, sha) => `${base}/commits/${sha}`,
  azure: (base, sha) => `${base}/commit/${sha}`,
  codeberg: (base, sha) => `${base}/commit/${sha}`,
};

/** commitLink is the URL of a commit on its forge, or '' for unknown hosts and local paths. */
function commitLink(repo, sha) {
  const url = repo?.url || '';
  if (!url.startsWith('https://')) return '';
  const base = url.replace(/\.git$/, '').replace(/\/+$/, '');
  const forge = repo.platform === 'other' && new URL(base).hostname === 'codeberg.org' ? 'codeberg' : repo.platform;
  return FORGES[forge]?.(base, sha) || '';
}

/** loadCommits shows page page of the commits of run r. */
async function loadCommits(r, page) {
  $('commits-prev').disabled = true;
  $('commits-next').disabled = true;
  const d = await get('commits', { ...filters(r), page, limit: PAGE_SIZE }, r.controller.signal);
  await r.summaryLoaded.catch(() => {}); // for the forge's URL
  if (run !== r) return;
  r.page = d.page;
  r.commitsPending = d.statsPending;
  sub('commits', r, d.statsPending ? 'line statistics are still being read' : '');
  $('commits-rows').replaceChildren(...d.commits.map((c) => {
    const link = commitLink(r.summary?.repository, c.sha);
    const sha = el('code', {}, c.sha.slice(0, 8));
    const stat = (n) => (c.stats ? num(n) : el('td', { class: 'num pending' }, '…'));
    return el('tr', { 'data-sha': c.sha },
      el('td', { class: 'date' }, fmtDate(c.date)),
      el('td', {}, c.author.name),
      el('td', { class: 'msg' }, c.message),
      stat(c.stats?.additions), stat(c.stats?.deletions),
      el('td', {}, link ? el('a', { href: link, rel: 'noopener noreferrer' }, sha) : sha));
  }));
  const pages = Math.min(MAX_PAGE, Math.max(1, Math.ceil(d.total / d.limit)));
  $('commits-page').textContent = `Page ${fmtNum(d.page)} of ${fmtNum(pages)} (${plural(d.total, 'commit')}`
    + (d.total > MAX_PAGE * d.limit ? `; the newest ${fmtNum(MAX_PAGE * d.limit)} can be paged)` : ')');
  r.lastPage = d.hasMore ? pages : d.page;
  pagerButtons(r);
}

/** pagerButtons lets the pager move where run r's commits go on. */
function pagerButtons(r) {
  $('commits-prev').disabled = r.page <= 1;
  $('commits-next').disabled = r.page >= r.lastPage;
}

function turnPage(delta) {
  const r = run;
  if (!r?.params) return;
  $('commits').querySelector('.card-error')?.remove();
  loadCommits(r, r.page + delta).catch((err) => {
    if (isAbort(err)) return;
    fail('commits', err);
    pagerButtons(r); // the page shown stays, and so does the way on
  });
}

/** openFromURL analyzes the view the address names, if it names a repository. */
function openFromURL(how) {
  const view = fromURL(window.location.search);
  fillForm(view);
  if (view.repo) {
    analyze(view, how);
    return;
  }
  run?.controller.abort();
  run = null;
  $('cards').hidden = true;
  $('period').textContent = '';
  $('analyze').disabled = false;
}

/** init wires the Analytics tab and opens the view in the address, if any. */
export function init() {
  $('analytics-form').addEventListener('submit', (e) => {
    e.preventDefault();
    analyze(readForm(), 'push');
  });
  $('repo-url').addEventListener('change', () => {
    // Dates the page chose for another repository are not the user's.
    if (defaults && $('from-date').value === defaults.from && $('to-date').value === defaults.to) {
      $('from-date').value = defaults.asked.from;
      $('to-date').value = defaults.asked.to;
    }
    defaults = null;
  });
  $('commits-prev').addEventListener('click', () => turnPage(-1));
  $('commits-next').addEventListener('click', () => turnPage(1));
  window.addEventListener('popstate', () => openFromURL('none'));
  new ResizeObserver(redrawActivity).observe($('activity'));
  openFromURL('replace');
}
