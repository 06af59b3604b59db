// period.js: the one period every view of an analysis covers, and the
// dashboard's URL contract (/?repo=&from=&to=&authors=&extensions=, plus
// &exclude= and &excludeBots=true).

/** The URL parameters of a view, in the order they are written. */
export const URL_PARAMS = ['repo', 'from', 'to', 'authors', 'extensions', 'exclude', 'excludeBots'];

const DAY = 86400000;

/** isoDay is the UTC calendar day of a time, YYYY-MM-DD (the API reads dates in UTC). */
export const isoDay = (t) => new Date(t).toISOString().slice(0, 10);

/** addDays moves a YYYY-MM-DD day by n days. */
export const addDays = (day, n) => isoDay(Date.parse(`${day}T00:00:00Z`) + n * DAY);

/** yearBefore is the day after the same day one year earlier: [yearBefore(d), d] spans 12 months. */
export function yearBefore(day) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() - 1);
  return addDays(isoDay(d), 1);
}

/** days counts the days of the period [from, to], both included. */
export const days = (from, to) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY) + 1;

/**
 * resolve fills the dates the user left empty from the repository's
 * summary: neither date gives the 12 months ending at the last commit,
 * a missing start is the first commit's day and a missing end the last
 * commit's. It returns {from, to, why}, why saying where defaults came from.
 */
export function resolve(from, to, summary) {
  const last = summary?.lastCommit ? isoDay(summary.lastCommit.date) : isoDay(Date.now());
  const first = summary?.created ? isoDay(summary.created.date) : last;
  if (!from && !to) return { from: yearBefore(last), to: last, why: 'the 12 months ending at the last commit' };
  if (!from) return { from: first, to, why: 'from the first commit' };
  if (!to) return { from, to: last, why: 'to the last commit' };
  return { from, to, why: '' };
}

/** fromURL reads a view from a location's query. */
export function fromURL(search) {
  const q = new URLSearchParams(search);
  const v = {};
  for (const k of URL_PARAMS) v[k] = (q.get(k) || '').trim();
  v.excludeBots = v.excludeBots === 'true' ? 'true' : '';
  return v;
}

/** toURL writes a view as the dashboard's URL ("/" when it has no repository). */
export function toURL(v) {
  const q = new URLSearchParams();
  for (const k of URL_PARAMS) if (v[k]) q.set(k, v[k]);
  const s = q.toString();
  return s ? `/?${s}` : '/';
}
