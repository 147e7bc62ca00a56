// A tiny router on the history API. Every view has a real URL (the Go
// server answers every non-API path with index.html). Links are plain
// <a href> elements: one listener on the document turns same-origin clicks
// into pushState navigations. On each navigation the view's <h1> gets focus
// (see Page in govuk.jsx) and the page title changes.

import { useEffect, useState } from 'preact/hooks';

let current = readLocation();
let navigationId = 0;
const listeners = new Set();

function readLocation() {
  return {
    path: decodeURI(location.pathname).replace(/\/+$/, '') || '/',
    query: Object.fromEntries(new URLSearchParams(location.search)),
    hash: location.hash,
    search: location.search,
  };
}

function changed() {
  current = readLocation();
  navigationId += 1;
  listeners.forEach((fn) => fn(current));
}

/** navigate goes to url; replace keeps the history entry. */
export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  changed();
  if (!location.hash) window.scrollTo(0, 0);
}

/** currentNavigation counts navigations; 0 is the first page load. */
export function currentNavigation() {
  return navigationId;
}

/** here returns the current path and query string. */
export function here() {
  return location.pathname + location.search;
}

/** useLocation re-renders on every navigation. */
export function useLocation() {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    listeners.add(setLoc);
    // A navigation may have happened between render and subscription.
    setLoc(current);
    return () => listeners.delete(setLoc);
  }, []);
  return loc;
}

/** match tests a pattern like /requests/:id against a path. */
export function match(pattern, path) {
  const p = pattern.split('/');
  const s = path.split('/');
  if (p.length !== s.length) return null;
  const params = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = s[i];
    else if (p[i] !== s[i]) return null;
  }
  return params;
}

/** startRouter intercepts link clicks and back/forward. */
export function startRouter() {
  window.addEventListener('popstate', changed);
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest && e.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download') || a.dataset.external !== undefined) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return; // in-page anchor
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
}

/** queryURL builds a path with a query string, leaving out empty values. */
export function queryURL(path, query) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}
