// The API client. The access token lives in this module's memory only; the
// refresh token is an HttpOnly cookie the browser sends to /api/v1/auth.
// A 401 triggers one refresh and one retry; if that fails the session has
// ended and listeners (the app) send the person to sign in, keeping what
// they typed.

let accessToken = null;
let refreshing = null;
const endedListeners = new Set();

/** ApiError is a problem+json answer, with field errors keyed by field. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The service answered ${status}`);
    this.status = status;
    this.code = problem?.code || '';
    this.problem = problem || {};
    /** @type {{field: string, detail: string}[]} */
    this.errors = problem?.errors?.length
      ? problem.errors
      : problem?.field ? [{ field: problem.field, detail: problem.detail }] : [];
  }
}

/** SessionEnded says the person must sign in again. */
export class SessionEnded extends Error {
  constructor() {
    super('Your session has ended. Sign in again.');
    this.status = 401;
  }
}

/** onSessionEnded registers fn to run when a refresh fails mid-use. */
export function onSessionEnded(fn) {
  endedListeners.add(fn);
  return () => endedListeners.delete(fn);
}

/** setAccessToken replaces the token kept in memory (null forgets it). */
export function setAccessToken(t) {
  accessToken = t || null;
}

/** hasAccessToken tells whether someone is signed in on this page. */
export function hasAccessToken() {
  return accessToken !== null;
}

/**
 * refresh swaps the refresh cookie for a new access token. Concurrent
 * callers share one request, since the server rotates the cookie.
 */
export function refresh() {
  if (!refreshing) {
    refreshing = fetch('/api/v1/auth/refresh', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    })
      .then(async (res) => {
        if (!res.ok) {
          accessToken = null;
          return null;
        }
        const body = await res.json();
        accessToken = body.accessToken;
        return body;
      })
      .catch(() => null)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function queryString(query) {
  if (!query) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  }
  const s = p.toString();
  return s ? '?' + s : '';
}

/**
 * api calls /api/v1{path}. Options: method, body (sent as JSON), query.
 * It returns the parsed JSON (null for 204) or throws ApiError or
 * SessionEnded.
 */
export async function api(path, { method = 'GET', body, form, query, retry = true, key, raw = false } = {}) {
  const headers = { Accept: raw ? '*/*' : 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  // One Idempotency-Key per action, kept across the retry after a refresh,
  // so the server never applies the same POST twice.
  if (method === 'POST' && !path.startsWith('/auth/')) {
    key = key || newKey();
    headers['Idempotency-Key'] = key;
  }
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  let res;
  try {
    res = await fetch('/api/v1' + path + queryString(query), {
      method,
      headers,
      body: form !== undefined ? form : body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, { title: 'No connection', detail: 'The service could not be reached. Check your connection and try again.' });
  }
  if (res.status === 401 && retry && !path.startsWith('/auth/')) {
    const hadToken = accessToken !== null;
    const renewed = await refresh();
    if (renewed) return api(path, { method, body, form, query, retry: false, key, raw });
    if (hadToken) endedListeners.forEach((fn) => fn());
    throw new SessionEnded();
  }
  if (res.status === 204) return null;
  if (raw && res.ok) return res.blob();
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** listAll follows `next` cursors and returns every item (up to max). */
export async function listAll(path, query = {}, max = 1000) {
  const items = [];
  let cursor = '';
  do {
    const page = await api(path, { query: { ...query, limit: 200, cursor } });
    items.push(...(page.items || []));
    cursor = page.next || '';
  } while (cursor && items.length < max);
  return items;
}

/** upload sends one file as multipart/form-data (field "file") to path. */
export function upload(path, file) {
  const form = new FormData();
  form.append('file', file);
  return api(path, { method: 'POST', form });
}

/**
 * download fetches path with the access token (a plain link cannot carry
 * it) and saves the answer under filename.
 */
export async function download(path, query, filename) {
  const blob = await api(path, { query, raw: true });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
