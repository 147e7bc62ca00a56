// The views that show the matcher's work, against the real server: the
// requests ranked for a supplier with the score explained, the officer's
// ranked pledges on a request, the allocation run, review and accept
// (with the pledges it skipped and why), and the settings the matcher
// reads: an organisation's profile, the weights, the council's areas.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, launch, newPage, check, h1, h1Focused, signIn, apiAs, focusIs } from '../testing/browser.mjs';

let server, browser, supplier, officer;

before(async () => {
  server = await startServer();
  browser = await launch();
  supplier = await apiAs(server.url, 'supplier');
  officer = await apiAs(server.url, 'officer');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function published() {
  return (await (await fetch(`${server.url}/api/v1/requests?limit=50`)).json()).items;
}

test('a supplier sets its profile: what it offers, its ward and its limit', async () => {
  const p = await newPage(browser, server.url);
  await signIn(p, 'supplier');
  await p.goto('/organisation');
  await h1(p, 'Your organisation');
  assert.equal(await p.getByLabel('Name', { exact: true }).inputValue(), 'Mersey Build Ltd');
  await p.locator('#org-area option[value="E05015018"]').waitFor({ state: 'attached' });
  await check(p, 'profile');
  await p.getByLabel('Commitment limit').fill('lots');
  await p.getByRole('button', { name: 'Save details' }).click();
  await p.locator('.govuk-error-summary').getByRole('link', { name: /amount of money/ }).click();
  await focusIs(p, () => document.activeElement.id, 'commitment-limit');
  await check(p, 'profile-errors');
  // With the keyboard: tick two kinds with the space bar.
  await p.getByLabel('Goods or equipment').focus();
  await p.keyboard.press('Space');
  await p.getByLabel('Volunteering').focus();
  await p.keyboard.press('Space');
  await p.getByLabel('Ward you are based in').selectOption('E05015018');
  await p.getByLabel('Commitment limit').fill('50,000');
  await p.getByLabel('Commitment limit').press('Enter');
  await p.getByText('Your organisation’s details are saved').waitFor();
  const me = await supplier('GET', '/me');
  assert.deepEqual([...me.organisation.offers].sort(), ['goods', 'volunteering']);
  assert.equal(me.organisation.area, 'E05015018');
  assert.equal(me.organisation.commitmentLimitPence, 5000000);
  await check(p, 'profile-saved');
  await p.context().close();
});

test('a supplier sees requests ranked for it, with the score explained in words', async () => {
  const p = await newPage(browser, server.url);
  await signIn(p, 'supplier');
  await p.goto('/supplier/requests');
  await h1(p, 'Requests for you');
  await p.getByText(/Match score: \d+ out of 100/).first().waitFor();
  const scores = (await p.locator('.app-score').allInnerTexts()).map((t) => Number(t.match(/(\d+) out of/)[1]));
  assert.ok(scores.length >= 5, 'every published request is scored');
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'best match first');
  const first = p.locator('.app-request-list__item').first();
  await first.getByText('Why this score').click();
  const why = await first.locator('.govuk-details__text').innerText();
  assert.match(why, /Local need: .*neighbourhoods/, 'the need is explained in words');
  assert.match(why, /Fit with what is offered/);
  assert.match(why, /counting for \d+% of the score/);
  await check(p, 'supplier-ranked');
  // Filters go to the ranking too.
  await p.getByLabel('Kind of help').selectOption('goods');
  await p.getByRole('button', { name: 'Apply filters' }).click();
  await p.waitForURL(/kind=goods/);
  await p.getByText('Showing 1 request').waitFor();
  await p.context().close();
});

test('an officer sees the offered pledges on a request ranked, with the breakdown in words', async () => {
  const r = (await published()).find((x) => x.title === 'Volunteers to sort food donations');
  await supplier('POST', `/requests/${r.id}/pledges`, { offer: 'Six staff for two mornings a week', quantity: 60, unit: r.unit, valuePence: 90000, allowPartial: true });
  const p = await newPage(browser, server.url);
  await signIn(p, 'officer');
  await p.goto(`/requests/${r.id}`);
  await h1(p, r.title);
  const table = p.locator('table', { has: p.locator('caption', { hasText: 'Offered pledges, best match first' }) });
  await table.waitFor();
  await table.getByText('Why Mersey Build Ltd scores this').click();
  const text = await table.innerText();
  assert.match(text, /Score: \d+ out of 100/);
  assert.match(text, /Local need: /);
  assert.match(text, /Delivery record/);
  await check(p, 'officer-ranked-pledges');
  await p.context().close();
});

test('an officer runs the allocation, sees progress, reviews the reasons, accepts, and sees what was skipped', async () => {
  const list = await published();
  const mine = (await supplier('GET', '/pledges?status=offered')).items;
  // Two more pledges: one more than its request needs (part approval
  // allowed), one that will be withdrawn before the officer accepts.
  const laptops = list.find((x) => x.title === 'Laptops for the homework club');
  const grant = list.find((x) => x.title === 'Help with a grant application');
  const big = await supplier('POST', `/requests/${laptops.id}/pledges`, { offer: 'Fifteen refurbished laptops', quantity: 15, unit: laptops.unit, valuePence: laptops.valuePence + 150000, allowPartial: true });
  const gone = await supplier('POST', `/requests/${grant.id}/pledges`, { offer: 'Ten hours with our bid writer', quantity: 10, unit: grant.unit, valuePence: 50000, allowPartial: true });
  const p = await newPage(browser, server.url);
  await signIn(p, 'officer');
  // Hold the real answer a moment so the progress can be seen.
  let release;
  const held = new Promise((r) => (release = r));
  await p.route('**/api/v1/allocations', async (route) => {
    const res = await route.fetch();
    await held;
    await route.fulfill({ response: res });
  });
  await p.goto('/officer/allocation');
  await h1(p, 'Allocate pledges');
  await check(p, 'officer-allocation');
  await p.getByRole('button', { name: 'Run the allocation' }).click();
  await p.getByText('Working out the allocation').waitFor();
  await check(p, 'officer-allocation-progress');
  release();
  await p.waitForURL(/\/officer\/allocations\/[0-9a-f]+$/);
  await h1Focused(p, 'Review the allocation');
  assert.equal(await p.locator('nav[aria-label="Menu"] [aria-current="page"]').textContent(), 'Allocation', 'a proposal is in the Allocation section');
  const table = p.locator('main table').first();
  const text = await table.innerText();
  assert.equal(await table.locator('tbody tr').count(), mine.length + 2);
  assert.match(text, /Mersey Build Ltd/);
  const bigRow = table.locator('tr', { hasText: 'Laptops for the homework club' });
  assert.match(await bigRow.innerText(), /£3,500/, 'the laptops pledge is cut to what the request needs');
  assert.match(await bigRow.innerText(), /need/i);
  await check(p, 'officer-allocation-review');
  // The deep link works after a reload.
  await p.reload();
  await h1(p, 'Review the allocation');
  await supplier('POST', `/pledges/${gone.id}/withdraw`);
  await p.getByRole('button', { name: 'Approve selected pledges' }).click();
  await p.getByRole('heading', { name: /pledges? approved/ }).waitFor();
  await focusIs(p, () => document.activeElement.tagName, 'H2');
  const skipped = p.locator('table', { has: p.locator('caption', { hasText: 'not approved' }) });
  await skipped.waitFor();
  assert.match(await skipped.innerText(), /Help with a grant application/);
  await check(p, 'officer-allocation-accepted');
  const after = await supplier('GET', `/pledges/${big.id}`);
  assert.equal(after.status, 'approved');
  // The request needs 10.5 of the 15 laptops pledged: the part approved is
  // rounded down to 10 whole laptops (laptops are countable).
  assert.equal(after.approvedPence, Math.ceil((10 * big.valuePence) / 15));
  await p.context().close();
});

test('an officer can read the weights; an admin sets new ones, with errors shown first', async () => {
  const o = await newPage(browser, server.url);
  await signIn(o, 'officer');
  await o.goto('/admin/weights');
  await h1(o, 'Matcher weights');
  await o.getByText('Only an administrator can change the weights.').waitFor();
  await check(o, 'weights-officer');
  await o.context().close();

  const p = await newPage(browser, server.url);
  await signIn(p, 'admin');
  await p.goto('/admin/weights');
  await h1(p, 'Matcher weights');
  await p.getByText('In use: version 1').waitFor();
  await check(p, 'weights-admin');
  await p.getByLabel('Local need').fill('2');
  await p.getByRole('button', { name: 'Save as a new version' }).click();
  await p.locator('.govuk-error-summary').getByRole('link', { name: /Local need must be a number from 0 to 1/ }).click();
  await focusIs(p, () => document.activeElement.id, 'weight-need');
  await check(p, 'weights-errors');
  await p.getByLabel('Local need').fill('0.5');
  await p.getByLabel('Distance').fill('0');
  await p.getByRole('button', { name: 'Save as a new version' }).click();
  await p.getByText(/Version \d+ of the weights is now in use/).waitFor();
  const w = await officer('GET', '/matcher/weights');
  assert.equal(w.current.need, 0.5);
  assert.equal(w.current.distance, 0);
  await check(p, 'weights-saved');
  await p.context().close();
});

test('an officer imports areas from a CSV file; problems are listed by line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'needmatch-csv-'));
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, 'code,name,lat,lon,need\nE1,,53.4,-2.1,0.5\nE2,Two,53.4,-2.1,lots\n');
  const auth = await (await fetch(`${server.url}/api/v1/authorities/stockport`)).json();
  const good = join(dir, 'good.csv');
  writeFileSync(good, 'code,name,lat,lon,need\n' + auth.areas.map((a) => `${a.code},"${a.name}",${a.lat},${a.lon},${a.needIndex}`).join('\n') + '\n');
  const p = await newPage(browser, server.url);
  await signIn(p, 'officer');
  await p.goto('/officer/areas');
  await h1(p, 'Import areas');
  await check(p, 'areas-import');
  await p.getByRole('button', { name: 'Import areas' }).click();
  await p.locator('.govuk-error-summary').getByText('Select a CSV file of areas').waitFor();
  await p.getByLabel('CSV file of areas').setInputFiles(bad);
  await p.getByRole('button', { name: 'Import areas' }).click();
  const summary = p.locator('.govuk-error-summary');
  await summary.getByText('line 3: need must be a number from 0 to 1').waitFor();
  const items = await summary.locator('li').allInnerTexts();
  assert.ok(items.some((t) => /^line 2: /.test(t)), 'line 2 is named');
  assert.match(await p.title(), /^Error: Import areas/);
  // Keyboard: the summary has focus; Tab to the first link and follow it.
  await focusIs(p, () => document.activeElement.classList.contains('govuk-error-summary'), true);
  await p.keyboard.press('Tab');
  await p.keyboard.press('Enter');
  await focusIs(p, () => document.activeElement.id, 'csv-file');
  await check(p, 'areas-import-errors');
  await p.getByLabel('CSV file of areas').setInputFiles(good);
  await p.getByRole('button', { name: 'Import areas' }).click();
  await p.getByText(`${auth.areas.length} areas imported`).waitFor();
  assert.equal(await p.locator('main table tbody tr').count(), auth.areas.length);
  await check(p, 'areas-imported');
  await p.context().close();
});
