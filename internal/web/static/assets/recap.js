// recap.js: the Recap tab: sign in (POST /pat, or GitHub through
// /login/github when the server offers it), load a period's activity
// (GET /actions) and stream a recap over the WebSocket /ws/<session_id>,
// shown as Markdown (markdown.js) with the topics behind its bullets
// (topics.js), and copied as Markdown on request.
// The session's JWT lives only in this module's memory.
import { request } from './api.js';
import { render } from './markdown.js';
import { attach } from './topics.js';
import { $, clearError, fmtDate, setWaiting, showError } from './ui.js';

const END = '</end>';
const HOSTED = ['github', 'gitlab', 'azure'];

/** The signed-in session: {session_id, token, username, provider, expires_at}, or null. */
let session = null;
/** The open recap WebSocket, if any. */
let socket = null;
/** The recap's Markdown as received, for "Copy as Markdown". */
let recapText = '';

const isoDay = (d) => d.toISOString().slice(0, 10);

function showProviderFields() {
  const hosted = HOSTED.includes($('provider').value);
  $('git-fields').hidden = hosted;
  $('token-fields').hidden = !hosted;
  $('host-fields').hidden = !hosted;
  $('org-fields').hidden = $('provider').value !== 'azure';
}

function setSession(s) {
  session = s;
  $('signin-form').hidden = !!s;
  $('session').hidden = !s;
  $('actions-form').hidden = !s;
  if (!s) {
    $('repo-list').replaceChildren();
    $('actions-section').hidden = true;
    socket?.close();
    return;
  }
  const until = s.expires_at ? ` until ${fmtDate(s.expires_at)}, extended while in use` : '';
  $('session-info').textContent = `Signed in as ${s.username} (${s.provider})${until}.`;
}

/**
 * fromFragment takes the session a GitHub sign-in sent back in the URL
 * fragment (#session_id=&token=&username=&provider=), and clears the
 * fragment at once so that the token is not left in the address bar or
 * the history. It returns whether there was one.
 */
function fromFragment() {
  const f = new URLSearchParams(window.location.hash.slice(1));
  if (!f.get('session_id') || !f.get('token')) return false;
  history.replaceState(history.state, '', window.location.pathname + window.location.search);
  setSession({ session_id: f.get('session_id'), token: f.get('token'), username: f.get('username') || '', provider: f.get('provider') || 'github' });
  loadRepos();
  return true;
}

/** offerGitHub shows "Sign in with GitHub" when the server has GitHub OAuth (GET /api/config). */
async function offerGitHub() {
  try {
    const { githubSignIn } = await request('/api/config');
    if (!githubSignIn) return;
  } catch {
    return; // an older server: no button
  }
  const link = $('github-signin');
  const back = () => { link.href = `/login/github?${new URLSearchParams({ return: window.location.pathname + window.location.search })}`; };
  back();
  // The address may have changed since (an analysis): follow it before the link is used.
  for (const ev of ['focus', 'pointerenter', 'click']) link.addEventListener(ev, back);
  $('github-fields').hidden = false;
}

/** setRecap shows the recap's Markdown, rendered, and keeps it for copying. */
function setRecap(text) {
  recapText = text;
  $('recap-output').replaceChildren(render(text));
  $('copy-recap').disabled = !text.trim();
  $('copy-status').textContent = '';
}

async function copyRecap() {
  try {
    await navigator.clipboard.writeText(recapText);
    $('copy-status').textContent = 'Copied as Markdown.';
  } catch (err) {
    $('copy-status').textContent = `Could not copy: ${err?.message || err}`;
  }
}

/** expired drops the session and asks the user to sign in again. */
function expired(err) {
  setSession(null);
  const e = new Error('Your session has expired: please sign in again.');
  e.detail = err?.message;
  showError(e);
}

async function signIn() {
  clearError();
  const provider = $('provider').value;
  const body = { provider };
  if (provider === 'git') {
    body.url = $('git-url').value.trim();
  } else {
    body.token = $('token').value.trim();
    if ($('host').value.trim()) body.host = $('host').value.trim();
    if ($('organization').value.trim()) body.organization = $('organization').value.trim();
  }
  $('sign-in').disabled = true;
  try {
    const s = await request('/pat', {
      method: 'POST', body,
      onWait: (status, secs) => setWaiting('signin', status ? `Preparing repository… retrying in ${secs} s` : ''),
    });
    $('token').value = ''; // the server keeps the token; the page does not
    setSession(s);
    loadRepos();
  } catch (err) {
    showError(err);
  } finally {
    $('sign-in').disabled = false;
  }
}

/** loadRepos offers the session's repositories (GET /repos) as suggestions for the filter. */
async function loadRepos() {
  try {
    const { repos } = await request('/repos', { token: session.token });
    $('repo-list').replaceChildren(...repos.map((r) => {
      const o = document.createElement('option');
      o.value = r.full_name;
      o.label = r.private ? `${r.full_name} (private)` : r.full_name;
      return o;
    }));
  } catch (err) {
    if (err.status === 401) expired(err);
    else showError(err);
  }
}

async function loadActions() {
  clearError();
  $('load-actions').disabled = true;
  try {
    const d = await request('/actions', {
      token: session.token,
      params: {
        start_date: $('start-date').value, end_date: $('end-date').value,
        authors: $('recap-authors').value.trim(), repo_filter: $('repo-filter').value.trim(),
      },
      onWait: (status, secs) => setWaiting('actions', status ? `Waiting for the server… retrying in ${secs} s` : ''),
    });
    $('actions-text').value = d.actions;
    const trimmed = d.trimmed ? `, the ${d.trimmed} oldest left out to fit` : '';
    $('actions-count').textContent = `${d.items.length} item${d.items.length === 1 ? '' : 's'} from ${d.range.start} to ${d.range.end}${trimmed}`;
    setRecap('');
    const empty = d.total === 0;
    $('write-recap').disabled = empty;
    $('write-why').textContent = empty ? 'Nothing to recap: this period has no activity. Choose other dates or authors, then load again.' : '';
    $('write-why').hidden = !empty;
    $('actions-section').hidden = false;
  } catch (err) {
    if (err.status === 401) expired(err);
    else showError(err);
  } finally {
    $('load-actions').disabled = false;
  }
}

function writeRecap() {
  clearError();
  const n = Number($('recap-n').value);
  if (!Number.isInteger(n) || n < 1 || n > 15) {
    showError({ message: 'Validation failed', details: [{ field: 'n', message: 'must be a whole number from 1 to 15' }] });
    return;
  }
  socket?.close();
  const mode = $('recap-mode').value === 'release' ? '/release' : '';
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${window.location.host}/ws/${encodeURIComponent(session.session_id)}${mode}`);
  socket = ws;
  let text = '';
  setRecap('');
  $('recap-output').setAttribute('aria-busy', 'true');
  let ended = false;
  $('write-recap').disabled = true;
  ws.addEventListener('open', () => ws.send(JSON.stringify({ actions: $('actions-text').value, n, topics: true })));
  ws.addEventListener('message', (e) => {
    let frame;
    try { frame = JSON.parse(e.data); } catch { return; }
    if (frame.error) showError(new Error(frame.error));
    if (frame.topics) attach($('recap-output'), text, frame.topics);
    if (frame.chunk === END) {
      ended = true;
      ws.close();
    } else if (frame.chunk) {
      text += frame.chunk;
      setRecap(text);
    }
  });
  ws.addEventListener('close', () => {
    if (socket === ws) socket = null;
    $('write-recap').disabled = false;
    $('recap-output').removeAttribute('aria-busy');
    if (!ended && session) {
      showError(new Error('The recap stream ended early. If your session has expired, sign in again.'));
    }
  });
}

/** init wires the Recap tab; it returns whether a GitHub sign-in just came back (the tab to show). */
export function init() {
  const today = new Date();
  $('end-date').value = isoDay(today);
  $('start-date').value = isoDay(new Date(today.getTime() - 7 * 86400000));
  $('provider').addEventListener('change', showProviderFields);
  showProviderFields();
  $('signin-form').addEventListener('submit', (e) => { e.preventDefault(); signIn(); });
  $('actions-form').addEventListener('submit', (e) => { e.preventDefault(); loadActions(); });
  $('write-form').addEventListener('submit', (e) => { e.preventDefault(); writeRecap(); });
  $('sign-out').addEventListener('click', () => { clearError(); setSession(null); });
  $('copy-recap').addEventListener('click', copyRecap);
  offerGitHub();
  return fromFragment();
}
