// Form state kept in sessionStorage, so that what someone typed survives a
// session that ends (sign in again and it is back) and a reload. Cleared
// on sign-out and when a form is sent.

import { useState, useCallback } from 'preact/hooks';

const PREFIX = 'needmatch.form.';

function read(key, initial) {
  try {
    const raw = sessionStorage.getItem(PREFIX + key);
    return raw ? { ...initial, ...JSON.parse(raw) } : initial;
  } catch {
    return initial;
  }
}

function write(key, values) {
  try {
    sessionStorage.setItem(PREFIX + key, JSON.stringify(values));
  } catch {
    // Private browsing without storage: the form still works.
  }
}

/** loadDraft reads a stored form without a component (e.g. check answers). */
export function loadDraft(key, initial = {}) {
  return read(key, initial);
}

/** dropDraft forgets one stored form. */
export function dropDraft(key) {
  try {
    sessionStorage.removeItem(PREFIX + key);
  } catch {
    // nothing stored
  }
}

/** clearDrafts forgets every stored form (on sign-out). */
export function clearDrafts() {
  try {
    for (const k of Object.keys(sessionStorage)) if (k.startsWith(PREFIX)) sessionStorage.removeItem(k);
  } catch {
    // nothing stored
  }
}

/**
 * useDraft is useState for a whole form, mirrored to sessionStorage under
 * key. It returns [values, setField(name, value), replace(values), drop()].
 */
export function useDraft(key, initial) {
  const [values, setValues] = useState(() => read(key, initial));
  const setField = useCallback(
    (name, value) =>
      setValues((v) => {
        const next = { ...v, [name]: value };
        write(key, next);
        return next;
      }),
    [key],
  );
  const replace = useCallback((next) => {
    write(key, next);
    setValues(next);
  }, [key]);
  const drop = useCallback(() => dropDraft(key), [key]);
  return [values, setField, replace, drop];
}
