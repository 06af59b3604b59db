// api.js: requests to the same-origin API. Answers 504 (repository still
// being prepared) and 429 (rate limited) are retried after Retry-After
// seconds; other failures throw an ApiError carrying the API's error body.

/** The most retries of one request (at ~5 s each: several minutes). */
const MAX_RETRIES = 60;

/** ApiError is a failed answer: message from `error`, plus `detail` and field `details`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error || body?.detail || `The server answered ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.detail = body?.detail && body.detail !== body.error ? body.detail : '';
    this.details = Array.isArray(body?.details) ? body.details : [];
  }
}

/** The resolvers of the retry waits now running, for retryNow. */
const sleepers = new Set();

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const wake = () => { clearTimeout(t); sleepers.delete(wake); resolve(); };
    const t = setTimeout(wake, ms);
    sleepers.add(wake);
    signal?.addEventListener('abort', () => { clearTimeout(t); sleepers.delete(wake); reject(signal.reason); }, { once: true });
  });
}

/** retryNow ends every retry wait at once: the status poll saw the repository become ready. */
export function retryNow() {
  for (const wake of [...sleepers]) wake();
}

function retryAfter(resp) {
  const s = Number.parseInt(resp.headers.get('Retry-After') || '', 10);
  return Number.isFinite(s) && s > 0 ? Math.min(s, 60) : 5;
}

/**
 * request calls the API and returns the decoded JSON body.
 * opts: method, params (query; empty values left out), body (sent as JSON),
 * token (Bearer), signal, onWait(status, seconds, progress) before each retry
 * (progress: a 504's {phase, done, total}, or null) and
 * onWait(0) when the request is over.
 */
export async function request(path, { method = 'GET', params = {}, body, token, signal, onWait } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    for (let attempt = 0; ; attempt++) {
      const resp = await fetch(url, { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) });
      if ((resp.status === 504 || resp.status === 429) && attempt < MAX_RETRIES) {
        const secs = retryAfter(resp);
        let progress = null;
        try { progress = (await resp.json())?.progress ?? null; } catch { /* not JSON */ }
        onWait?.(resp.status, secs, progress);
        await sleep(secs * 1000, signal);
        continue;
      }
      let data = null;
      try { data = await resp.json(); } catch { /* not JSON */ }
      if (!resp.ok) throw new ApiError(resp.status, data);
      return data;
    }
  } finally {
    onWait?.(0);
  }
}
