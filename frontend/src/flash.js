// A one-time message carried to the next page ("Pledge sent"), kept in
// memory only.

let message = null;

/** setFlash leaves a message for the next page to show. */
export function setFlash(text) {
  message = text;
}

/** takeFlash returns the waiting message once. */
export function takeFlash() {
  const m = message;
  message = null;
  return m;
}
