// What an officer meets approving pledges: the request's remaining need
// beside each pledge, approving part of a pledge when the supplier allowed
// part, and approving beyond the need only with a reason and a confirming
// step. Every view is scanned with axe and photographed at 1280 and 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, check, shot, h1, h1Focused, signIn, apiAs, focusIs } from '../testing/browser.mjs';

let server, browser;
const MINIBUS = 'Funding for a minibus MOT and insurance'; // worth £1,500 in the seed
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 360, height: 740 };

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an officer approves what is still needed, and beyond it only with a reason and a confirmation', async () => {
  const supplier = await apiAs(server.url, 'supplier');
  const officer = await apiAs(server.url, 'officer');
  const requests = await officer('GET', '/requests?status=published&limit=50');
  const req = requests.items.find((r) => r.title === MINIBUS);
  assert.ok(req, 'the seed publishes the minibus request');
  // All but £300 of the £1,500 is approved (the seed's awarded bids hold
  // some already): £300 is still needed.
  const first = await supplier('POST', `/requests/${req.id}/pledges`, { offer: 'Pay for the minibus insurance this year', quantity: 1, unit: 'pounds', valuePence: req.valuePence - (req.approvedPence || 0) - 30000, allowPartial: false });
  await officer('POST', `/pledges/${first.id}/approve`, {});
  const big = await supplier('POST', `/requests/${req.id}/pledges`, { offer: 'A year of minibus running costs', quantity: 1, unit: 'pounds', valuePence: 1200000, allowPartial: true });
  const whole = await supplier('POST', `/requests/${req.id}/pledges`, { offer: 'The MOT and two new tyres', quantity: 1, unit: 'pounds', valuePence: 90000, allowPartial: false });

  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'officer');
  await h1(p, 'What needs attention');
  const bigRow = p.locator('section[aria-labelledby=pledges] tbody tr', { hasText: 'A year of minibus running costs' });
  await bigRow.waitFor();
  // The request's remaining need is beside the pledge, and a pledge beyond
  // it has no one-click approval.
  assert.match(await bigRow.innerText(), /£12,000\s+£300/);
  assert.equal(await bigRow.getByRole('button', { name: /^Approve/ }).count(), 0);
  await check(p, 'approve-dashboard-1280');

  // Part of a pledge: what is still needed.
  await bigRow.getByRole('link', { name: /Decide how much to approve/ }).click();
  await h1Focused(p, 'Approve pledge');
  assert.match(await p.locator('.govuk-summary-list').innerText(), /Still needed\s+£300/);
  await p.getByRole('button', { name: 'Approve' }).click();
  await p.locator('.govuk-error-summary').getByRole('link', { name: 'Select how much of the pledge to approve' }).click();
  await focusIs(p, () => document.activeElement.id, 'amount');
  await p.getByLabel('Another amount').check();
  await p.getByLabel('Amount to approve').fill('lots');
  await p.getByRole('button', { name: 'Approve' }).click();
  await p.locator('.govuk-error-summary').getByText('Enter an amount from £0.01 to £12,000').waitFor();
  await check(p, 'approve-part-errors-1280');
  await p.getByLabel('Approve £300 (what is still needed)').check();
  await p.getByRole('button', { name: 'Approve' }).click();
  await h1(p, 'What needs attention');
  const banner = p.getByText('Pledge from Mersey Build Ltd approved: £300');
  await banner.waitFor();
  await focusIs(p, () => document.activeElement.getAttribute('role'), 'alert', 'focus moves to the success banner');
  assert.equal((await officer('GET', `/pledges/${big.id}`)).approvedPence, 30000);

  // A whole pledge on a covered request: the service refuses, the officer
  // sees why at the amount, and may approve it anyway with a reason.
  const wholeRow = p.locator('section[aria-labelledby=pledges] tbody tr', { hasText: 'The MOT and two new tyres' });
  assert.match(await wholeRow.innerText(), /£900\s+£0/);
  await wholeRow.getByRole('link', { name: /Decide how much to approve/ }).click();
  await h1Focused(p, 'Approve pledge');
  assert.equal(await p.getByLabel('Another amount').count(), 0, 'the supplier did not allow part');
  await p.getByLabel('All of it: £900').check();
  await p.getByRole('button', { name: 'Approve' }).click();
  const summary = p.locator('.govuk-error-summary');
  const detail = "This would take the request's approved total to £2,400 of the £1,500 it needs. Approve less, or override with a reason.";
  await summary.getByRole('link', { name: detail }).click();
  await focusIs(p, () => document.activeElement.id, 'amount');
  assert.match(await p.title(), /^Error: Approve pledge/);
  await p.getByRole('button', { name: 'Continue' }).click();
  await summary.getByRole('link', { name: 'Enter why the request should get more than it needs' }).click();
  await focusIs(p, () => document.activeElement.id, 'reason');
  await check(p, 'approve-override-errors-1280');
  const why = 'The group found the tyres unsafe at the MOT; the extra is agreed with them.';
  await p.getByLabel('Why should the request get more than it needs?').fill(why);
  await p.getByRole('button', { name: 'Continue' }).click();
  await h1(p, 'Approve beyond what is needed');
  assert.match(await p.locator('.govuk-warning-text').innerText(), /£2,400 approved against a need of £1,500/);
  assert.match(await p.locator('.govuk-summary-list').innerText(), /Beyond the need\s+£900/);
  await check(p, 'approve-override-confirm-1280');
  assert.equal((await officer('GET', `/pledges/${whole.id}`)).status, 'offered', 'nothing is approved before the confirmation');
  await p.getByRole('button', { name: 'Approve £900' }).click();
  await h1(p, 'What needs attention');
  await p.getByText('Pledge from Mersey Build Ltd approved: £900, beyond the need').waitFor();
  const approved = await officer('GET', `/pledges/${whole.id}`);
  assert.equal(approved.status, 'approved');
  assert.equal(approved.approvedPence, 90000);
  assert.equal(approved.override.reason, why);
  await p.context().close();

  // The same views at 360 px, on a fresh pledge beyond the need.
  const more = await supplier('POST', `/requests/${req.id}/pledges`, { offer: 'Fuel cards for the winter', quantity: 1, unit: 'pounds', valuePence: 50000, allowPartial: true });
  const n = await newPage(browser, server.url, NARROW);
  await signIn(n, 'officer');
  await h1(n, 'What needs attention');
  await n.locator('section[aria-labelledby=pledges] tbody tr', { hasText: 'Fuel cards for the winter' }).waitFor();
  assert.equal(await n.evaluate(() => document.documentElement.scrollWidth), 360, 'the table scrolls in its region, the page does not');
  await check(n, 'approve-dashboard-360');
  await n.goto(`/officer/pledges/${more.id}/approve`);
  await h1(n, 'Approve pledge');
  await n.getByLabel('All of it: £500').check();
  await n.getByRole('button', { name: 'Approve' }).click();
  await n.locator('.govuk-error-summary').waitFor();
  await n.getByLabel('Why should the request get more than it needs?').waitFor();
  await check(n, 'approve-override-360');
  await n.getByLabel('Why should the request get more than it needs?').fill('Agreed with the group.');
  await n.getByRole('button', { name: 'Continue' }).click();
  await h1(n, 'Approve beyond what is needed');
  await check(n, 'approve-override-confirm-360');
  await n.context().close();
});
