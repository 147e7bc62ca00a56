// Who is signed in: a tiny store the views subscribe to, plus the council
// and its wards (fetched once). Nothing here is written to storage; form
// drafts are kept by forms.js.

import { useEffect, useState } from 'preact/hooks';
import { api, refresh, setAccessToken, onSessionEnded } from './api.js';
import { clearDrafts } from './forms.js';

const AUTHORITY = 'stockport';

let state = { ready: false, user: null, organisation: null, authority: null, ended: false };
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

/** start restores a session from the refresh cookie, if there is one. */
export async function start() {
  onSessionEnded(() => {
    hint(false);
    set({ user: null, organisation: null, ended: true });
  });
  try {
    if (hinted()) {
      if (await refresh()) await loadMe();
      else hint(false);
    }
  } catch {
    setAccessToken(null);
  }
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
  set({ user: null, organisation: null, ended: false });
}

let authorityPromise = null;

/** authority fetches the council and its 21 wards once. */
export function authority() {
  if (!authorityPromise) {
    authorityPromise = api(`/authorities/${AUTHORITY}`).catch((e) => {
      authorityPromise = null;
      throw e;
    });
  }
  return authorityPromise;
}

export const AUTHORITY_SLUG = AUTHORITY;
export const COUNCIL_NAME = 'Stockport Council';

/** forgetAuthority drops the cached council, after its areas change. */
export function forgetAuthority() {
  authorityPromise = null;
}
