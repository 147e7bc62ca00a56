// The supplier's pledge journey with the keyboard alone: no clicks, only
// Tab, Shift+Tab, Enter, Space and typing. Each step finds its control by
// tabbing to it, so a control that cannot take focus fails the test, and
// the focus ring must be visible (GOV.UK's yellow focus state).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, shot, axe, h1, h1Focused, ACCOUNTS, focusIs } from '../testing/browser.mjs';

let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function describe() {
  const el = document.activeElement;
  if (!el || el === document.body) return { tag: 'BODY', text: '', id: '' };
  const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
  return {
    tag: el.tagName,
    id: el.id,
    text: (el.innerText || el.value || '').trim().replace(/\s+/g, ' '),
    label: label ? label.innerText.trim() : '',
    outline: getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).backgroundColor + ' ' + getComputedStyle(el).boxShadow,
  };
}

/** tabTo presses Tab until the focused element matches, at most limit times. */
async function tabTo(page, matches, what, limit = 80) {
  const seen = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(describe);
    seen.push(`${f.tag}#${f.id} ${f.text || f.label}`.slice(0, 60));
    if (matches(f)) {
      assert.notEqual(f.outline, 'none rgba(0, 0, 0, 0) none', `${what} has a visible focus state`);
      return f;
    }
  }
  assert.fail(`could not reach ${what} with Tab; focus went through:\n  ${seen.join('\n  ')}`);
}

const byText = (t) => (f) => f.text === t || f.text.startsWith(t);
const byId = (id) => (f) => f.id === id;

test('a supplier signs in and pledges using only the keyboard', async () => {
  const p = await newPage(browser, server.url);
  await p.goto('/');
  await p.locator('main h1').waitFor();

  // The skip link is the first stop and jumps to the content.
  await p.keyboard.press('Tab');
  assert.equal((await p.evaluate(describe)).text, 'Skip to main content');
  await p.keyboard.press('Enter');
  await focusIs(p, () => document.activeElement.id, 'main-content');

  // Sign in from the navigation.
  await p.keyboard.press('Shift+Tab');
  await tabTo(p, byText('Sign in'), 'the Sign in link');
  await p.keyboard.press('Enter');
  await h1Focused(p, 'Sign in');
  await tabTo(p, byId('email'), 'the email field');
  await p.keyboard.type(ACCOUNTS.supplier.email);
  await p.keyboard.press('Tab');
  assert.equal((await p.evaluate(describe)).id, 'password');
  await p.keyboard.type(ACCOUNTS.supplier.password);
  await p.keyboard.press('Enter');
  await h1Focused(p, 'Requests for you');

  // Filter by kind with the keyboard, then open a request.
  await tabTo(p, byId('filter-kind'), 'the kind filter');
  await p.keyboard.press('ArrowDown'); // volunteering
  await tabTo(p, byText('Apply filters'), 'the Apply filters button');
  await p.keyboard.press('Enter');
  await p.waitForURL(/kind=volunteering/);
  await p.getByText('Showing 1 request').waitFor();
  await tabTo(p, byText('Volunteers to sort food donations'), 'the request link');
  await p.keyboard.press('Enter');
  await h1Focused(p, 'Volunteers to sort food donations');
  await tabTo(p, byText('Pledge to this request'), 'the pledge button');
  await p.keyboard.press('Space');
  await h1Focused(p, 'Volunteers to sort food donations');
  assert.match(p.url(), /\/pledge$/);

  // Submit empty: the error summary takes focus; its first link goes to the field.
  await tabTo(p, byText('Send pledge'), 'the Send pledge button');
  await p.keyboard.press('Enter');
  await p.locator('.govuk-error-summary').waitFor();
  await focusIs(p, () => document.activeElement.classList.contains('govuk-error-summary'), true);
  await p.keyboard.press('Tab');
  assert.equal((await p.evaluate(describe)).text, 'Describe what you will provide');
  await p.keyboard.press('Enter');
  assert.equal((await p.evaluate(describe)).id, 'offer');
  await shot(p, 'keyboard-pledge-errors');

  await p.keyboard.type('Four staff volunteers every Tuesday morning for a term');
  await tabTo(p, byId('pledge-quantity'), 'the quantity field');
  await p.keyboard.type('48');
  await tabTo(p, byId('pledge-value'), 'the value field');
  await p.keyboard.type('720');
  await tabTo(p, byId('allow-partial'), 'the part-approval checkbox');
  await p.keyboard.press('Space');
  assert.equal(await p.locator('#allow-partial').isChecked(), false);
  await tabTo(p, byText('Send pledge'), 'the Send pledge button');
  await p.keyboard.press('Enter');
  // The success banner says what happened and takes focus (not the h1).
  await h1(p, 'Your pledges');
  await p.waitForFunction(() => document.activeElement?.classList.contains('govuk-notification-banner--success'));
  await p.getByText('1 of 3').waitFor();
  assert.match(await p.locator('main table').innerText(), /£720/);
  await shot(p, 'keyboard-pledged');
  await axe(p, 'keyboard-pledged');

  // Sign out from the navigation, still by keyboard.
  await tabTo(p, byText('Sign out'), 'the Sign out link', 120);
  await p.keyboard.press('Enter');
  await h1Focused(p, 'You have signed out');
  assert.deepEqual(p.errors, []);
  await p.context().close();
});
