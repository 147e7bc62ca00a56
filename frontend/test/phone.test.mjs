// On a phone (360 px): the service navigation collapses behind a Menu
// button (GOV.UK's mobile toggle) that a person opens with the keyboard
// and follows; wide tables become stacked rows, each value led by its
// column's heading, with no word split mid-word; the ledger chart's values
// stay readable and can be read as a table instead.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, check, h1, signIn, apiAs } from '../testing/browser.mjs';

const PHONE = { width: 360, height: 740 };
let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
  // One approved and delivered pledge, for the ledger.
  const supplier = await apiAs(server.url, 'supplier');
  const officer = await apiAs(server.url, 'officer');
  const r = (await (await fetch(`${server.url}/api/v1/requests?limit=50`)).json()).items[0];
  const p = await supplier('POST', `/requests/${r.id}/pledges`, { offer: 'Two mornings of help', quantity: 1, unit: r.unit, valuePence: 48000, allowPartial: true });
  await officer('POST', `/pledges/${p.id}/approve`, {});
  const d = await supplier('POST', `/pledges/${p.id}/deliveries`, { quantity: 1, date: new Date().toISOString().slice(0, 10), notes: 'Done', evidenceIds: [] });
  await officer('POST', `/deliveries/${d.id}/verify`, { reason: 'Checked with the group by phone' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an officer on a phone opens the menu with the keyboard and follows a link', async () => {
  const p = await newPage(browser, server.url, PHONE);
  await signIn(p, 'officer');
  await h1(p, 'What needs attention');
  const menu = p.getByRole('button', { name: 'Menu' });
  const list = p.locator('#navigation');
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  assert.equal(await list.isVisible(), false, 'the links are folded away on a phone');
  const navHeight = await p.locator('.govuk-service-navigation').evaluate((e) => e.getBoundingClientRect().height);
  assert.ok(navHeight < 120, `the folded navigation is ${navHeight}px tall`);
  await check(p, 'phone-menu-closed');
  await menu.focus();
  await p.keyboard.press('Enter');
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  await list.getByRole('link', { name: 'Ledger' }).waitFor();
  await check(p, 'phone-menu-open');
  await list.getByRole('link', { name: 'Ledger' }).focus();
  await p.keyboard.press('Enter');
  await h1(p, 'Social value ledger');
  assert.equal(await list.isVisible(), false, 'the menu folds again after a link is followed');
  // The chart's values are written beside the bars at 16px, not scaled down.
  const size = await p.locator('svg.app-chart text').first().evaluate((t) => t.getBoundingClientRect().height);
  assert.ok(size >= 14, `chart text is ${size}px tall on a phone`);
  assert.ok((await p.locator('svg.app-chart text').allTextContents()).includes('£480'), 'the verified £480 is written on the chart');
  await check(p, 'phone-ledger-chart');
  await p.getByRole('button', { name: 'Show as a table' }).click();
  const months = p.locator('table', { has: p.locator('caption', { hasText: 'Social value by month' }) });
  await months.waitFor();
  // Still to verify is given to date, so it is never negative.
  assert.match(await months.locator('tbody tr').first().locator('td[data-label="Still to verify, to date"]').innerText(), /^£[\d,]+(\.\d\d)?$/);
  await check(p, 'phone-ledger-table');
  // On a desktop the links are all there and the button is hidden.
  await p.setViewportSize({ width: 1280, height: 900 });
  await p.waitForFunction(() => !document.querySelector('#navigation').hidden);
  assert.equal(await menu.isVisible(), false);
  await p.context().close();
});

test('a group on a phone reads its requests as stacked rows, each value under its heading', async () => {
  const p = await newPage(browser, server.url, PHONE);
  await signIn(p, 'group');
  await p.goto('/my/requests');
  await h1(p, 'Your requests');
  const table = p.locator('main table.app-stack').first();
  await table.waitFor();
  const cell = table.locator('tbody td[data-label]').first();
  const label = await cell.getAttribute('data-label');
  assert.ok(label, 'each cell carries its column heading');
  const before = await cell.evaluate((e) => getComputedStyle(e, '::before').content);
  assert.equal(before, JSON.stringify(label), 'the heading is shown before the value');
  // The table keeps its meaning for screen readers.
  assert.equal(await table.getAttribute('role'), 'table');
  assert.equal(await cell.getAttribute('role'), 'cell');
  const over = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(over <= 0, `the page scrolls sideways by ${over}px`);
  // No word is split across lines: every title link is as wide as its longest word needs.
  const split = await table.locator('a').evaluateAll((as) => as.filter((a) => {
    const range = document.createRange();
    range.selectNodeContents(a);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    const words = a.textContent.trim().split(/\s+/).length;
    return lines.size > words;
  }).map((a) => a.textContent));
  assert.deepEqual(split, [], 'a title is broken inside a word');
  await check(p, 'phone-group-requests');
  await p.context().close();
});
