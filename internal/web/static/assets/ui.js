// ui.js: small DOM helpers shared by the views: building elements, the
// error box and the "waiting" status line.

/** $ returns the element with this id. */
export const $ = (id) => document.getElementById(id);

/** el builds an HTML element with attributes (class, title, ...) and children. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  e.append(...children.filter((c) => c !== undefined && c !== null).map((c) => (c instanceof Node ? c : String(c))));
  return e;
}

/** showError fills the error box from an ApiError (naming each field) or any Error. */
export function showError(err) {
  $('error-message').textContent = err?.message || String(err);
  const list = $('error-details');
  const items = [];
  if (err?.detail) items.push(el('li', {}, err.detail));
  for (const d of err?.details || []) {
    items.push(el('li', { 'data-field': d.field }, el('strong', {}, d.field), ': ', d.message));
  }
  list.replaceChildren(...items);
  $('error').hidden = false;
}

/** clearError hides the error box. */
export function clearError() {
  $('error').hidden = true;
  $('error-message').textContent = '';
  $('error-details').replaceChildren();
}

// Messages of the requests now waiting to retry, by key.
const waiting = new Map();

/** setWaiting shows msg in the status line for key, or drops key's message when msg is empty. */
export function setWaiting(key, msg) {
  if (msg) waiting.set(key, msg);
  else waiting.delete(key);
  const status = $('status');
  const last = [...waiting.values()].pop();
  status.textContent = last || '';
  status.hidden = !last;
}

/** isAbort reports whether err comes from an aborted request. */
export const isAbort = (err) => err?.name === 'AbortError';

// One formatter of each kind: toLocaleString builds a new one per call,
// which costs more than the rest of a table's rendering.
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const numbers = new Intl.NumberFormat();

/** fmtDate formats an ISO time as a short local date and time. */
export function fmtDate(iso, withTime = true) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return (withTime ? dateTime : dateOnly).format(d);
}

/** fmtNum writes a count with the reader's thousands separators. */
export const fmtNum = (n) => numbers.format(n);

/** plural writes "1 commit", "2,783 commits". */
export const plural = (n, one, many = `${one}s`) => `${fmtNum(n)} ${n === 1 ? one : many}`;
