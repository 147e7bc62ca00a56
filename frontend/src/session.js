// Who is signed in: a tiny store the views subscribe to, plus the council
// and its wards (fetched once per council). The council is the signed-in
// person's (their session's, which a supplier may switch); for anyone else
// the one the address names (?council=slug, kept for the browser tab) or
// the platform's default (GET /councils). Form drafts are kept by forms.js.

import { useEffect, useState } from 'preact/hooks';
import { api, refresh, setAccessToken, onSessionEnded } from './api.js';
import { clearDrafts } from './forms.js';

let state = { ready: false, user: null, organisation: null, authority: null, ended: false, notice: '' };
const subscribers = new Set();

function set(patch) {
  state = { ...state, ...patch };
  subscribers.forEach((fn) => fn(state));
}

/** useSession re-renders the caller when the session changes. */
export function useSession() {
  const [s, setS] = useState(state);
  useEffect(() => {
    subscribers.add(setS);
    setS(state);
    return () => subscribers.delete(setS);
  }, []);
  return s;
}

/** session returns the current session without subscribing. */
export function session() {
  return state;
}

async function loadMe() {
  const me = await api('/me');
  set({ user: me.user, organisation: me.organisation || null, authority: me.authority, ended: false, ready: true });
}

// HINT marks that this browser signed in, so a visitor who never did is not
// sent through a refresh that can only fail. It holds no secret.
const HINT = 'needmatch.signedIn';

function hint(on) {
  try {
    if (on) localStorage.setItem(HINT, '1');
    else localStorage.removeItem(HINT);
  } catch {
    // no storage: always try the refresh
  }
}

function hinted() {
  try {
    return localStorage.getItem(HINT) === '1';
  } catch {
    return true;
  }
}

// PAGE_COUNCIL keeps, for the browser tab, the council a public address
// named with ?council=slug.
const PAGE_COUNCIL = 'needmatch.council';

function namedCouncil() {
  let slug = '';
  try {
    slug = new URLSearchParams(location.search).get('council') || '';
    if (slug) sessionStorage.setItem(PAGE_COUNCIL, slug);
    else slug = sessionStorage.getItem(PAGE_COUNCIL) || '';
  } catch {
    // no storage: the address alone names it
  }
  return slug;
}

let councilsPromise = null;

/** councils fetches the platform's councils and its default one, once. */
export function councils() {
  if (!councilsPromise) {
    councilsPromise = api('/councils').catch((e) => {
      councilsPromise = null;
      throw e;
    });
  }
  return councilsPromise;
}

/** publicCouncil is the council the pages show to someone not signed in. */
async function publicCouncil() {
  try {
    const c = await councils();
    const slug = namedCouncil();
    return c.items.find((x) => x.slug === slug) || c.default || null;
  } catch {
    return null;
  }
}

/** start restores a session from the refresh cookie, if there is one. */
export async function start() {
  onSessionEnded(async () => {
    hint(false);
    set({ user: null, organisation: null, ended: true, notice: '', authority: await publicCouncil() });
  });
  try {
    if (hinted()) {
      const r = await refresh();
      if (r) {
        await loadMe();
        // The council the session worked in no longer has the organisation.
        if (r.notice) set({ notice: r.notice, noticeAt: location.pathname });
      } else hint(false);
    }
  } catch {
    setAccessToken(null);
  }
  if (!state.user) set({ authority: await publicCouncil() });
  set({ ready: true });
}

/** signIn signs in and loads the person's organisation. */
export async function signIn(email, password) {
  const res = await api('/auth/login', { method: 'POST', body: { email, password } });
  setAccessToken(res.accessToken);
  hint(true);
  await loadMe();
  return state.user;
}

/** reloadMe refreshes the organisation (for example after approval). */
export async function reloadMe() {
  if (state.user) await loadMe();
}

/** signOut revokes the refresh cookie and forgets everything typed. */
export async function signOut() {
  try {
    await api('/auth/logout', { method: 'POST' });
  } catch {
    // Signed out locally whatever the server said.
  }
  setAccessToken(null);
  hint(false);
  clearDrafts();
  set({ user: null, organisation: null, ended: false, notice: '', authority: await publicCouncil() });
}

/** clearNotice drops the session's notice once the person has moved on
 * from the page that showed it. */
export function clearNotice(path) {
  if (state.notice && path !== state.noticeAt) set({ notice: '' });
}

let cached = { slug: '', promise: null };

/** councilSlug is the slug of the council the pages show now. */
export function councilSlug() {
  return state.authority?.slug || '';
}

/** councilName names the council the pages show now. */
export function councilName() {
  return state.authority?.name || 'the council';
}

/** authority fetches a council (the pages' one unless slug names another)
 * and its wards, keeping the last one fetched. */
export function authority(slug = councilSlug()) {
  if (!slug) return Promise.reject(new Error('No council'));
  if (cached.slug !== slug || !cached.promise) {
    const promise = api(`/authorities/${encodeURIComponent(slug)}`).catch((e) => {
      if (cached.promise === promise) cached = { slug: '', promise: null };
      throw e;
    });
    cached = { slug, promise };
  }
  return cached.promise;
}

/** forgetAuthority drops the cached council, after its areas change. */
export function forgetAuthority() {
  cached = { slug: '', promise: null };
}
