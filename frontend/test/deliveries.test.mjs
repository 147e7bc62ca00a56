// The other sides of a delivery: a group disputes one (with a reason), an
// officer must say why when verifying a delivery the group has not
// confirmed, and an officer rejects one. Set up through the API, then
// done in the browser with the keyboard where it matters.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, check, h1, signIn, apiAs, focusIs } from '../testing/browser.mjs';

let server, browser, supplier, officer;
const deliveries = [];

before(async () => {
  server = await startServer();
  browser = await launch();
  supplier = await apiAs(server.url, 'supplier');
  officer = await apiAs(server.url, 'officer');
  const requests = (await (await fetch(`${server.url}/api/v1/requests?limit=50`)).json()).items;
  const today = new Date().toISOString().slice(0, 10);
  for (const title of ['Laptops for the homework club', 'Volunteers to sort food donations']) {
    const r = requests.find((x) => x.title === title);
    const p = await supplier('POST', `/requests/${r.id}/pledges`, { offer: `Help with ${title}`, quantity: 2, unit: r.unit, valuePence: 20000, allowPartial: true });
    await officer('POST', `/pledges/${p.id}/approve`, {});
    deliveries.push(await supplier('POST', `/pledges/${p.id}/deliveries`, { quantity: 1, date: today, notes: 'First half', evidenceIds: [] }));
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a group disputes a delivery with a reason, using the keyboard', async () => {
  const p = await newPage(browser, server.url);
  await signIn(p, 'group');
  await p.goto(`/deliveries/${deliveries[0].id}`);
  await h1(p, 'Delivery');
  await p.getByText('No evidence was attached.').waitFor();
  await p.getByRole('link', { name: 'Dispute delivery' }).focus();
  await p.keyboard.press('Enter');
  await h1(p, 'Dispute a delivery');
  await p.getByRole('button', { name: 'Dispute a delivery' }).focus();
  await p.keyboard.press('Enter');
  await p.locator('.govuk-error-summary').getByRole('link', { name: 'Enter the reason' }).waitFor();
  await check(p, 'delivery-dispute-errors');
  await p.keyboard.press('Tab');
  await p.keyboard.press('Enter');
  await focusIs(p, () => document.activeElement.id, 'reason');
  await p.keyboard.type('Only one laptop came, and it had no charger.');
  await p.getByRole('button', { name: 'Dispute a delivery' }).click();
  await h1(p, 'Delivery');
  await p.getByText('You disputed the delivery').waitFor();
  assert.match(await p.locator('.govuk-summary-list').innerText(), /Disputed: Only one laptop came/);
  await check(p, 'delivery-disputed');
  await p.context().close();
});

test('an officer must say why to verify a disputed delivery, and rejects another', async () => {
  const p = await newPage(browser, server.url);
  await signIn(p, 'officer');
  await h1(p, 'What needs attention');
  await p.getByText('2 deliveries to verify').waitFor();
  await p.goto(`/deliveries/${deliveries[0].id}`);
  await h1(p, 'Delivery');
  await p.getByText('The group has not confirmed this delivery').waitFor();
  await p.getByRole('button', { name: 'Verify delivery' }).click();
  await p.locator('.govuk-error-summary').getByText(/Enter why you are verifying/).waitFor();
  await check(p, 'delivery-verify-errors');
  await p.getByLabel('Why are you verifying it?').fill('The school sent a photo of the laptop in use; the charger follows next week.');
  await p.getByRole('button', { name: 'Verify delivery' }).click();
  await p.getByText('Delivery verified').waitFor();
  assert.match(await p.locator('.govuk-summary-list').innerText(), /Officer’s note/);

  await p.goto(`/deliveries/${deliveries[1].id}`);
  await p.getByRole('link', { name: 'Reject delivery' }).click();
  await h1(p, 'Reject a delivery');
  await p.getByLabel('Reason').fill('The group says no volunteers came on the day.');
  await p.getByRole('button', { name: 'Reject a delivery' }).click();
  await h1(p, 'Delivery');
  await p.getByText('Delivery rejected').waitFor();
  assert.match(await p.locator('.govuk-summary-list').innerText(), /Rejected/);
  await check(p, 'delivery-rejected');

  await p.goto('/officer');
  await p.getByText('0 deliveries to verify').waitFor();
  await p.context().close();

  const s = await newPage(browser, server.url);
  await signIn(s, 'supplier');
  await s.goto('/supplier/pledges');
  const reports = s.locator('table', { has: s.locator('caption', { hasText: 'Your delivery reports' }) });
  await reports.waitFor();
  const text = await reports.innerText();
  assert.match(text, /Verified/);
  assert.match(text, /Rejected/);
  await check(s, 'supplier-delivery-outcomes');
  await s.context().close();
});
