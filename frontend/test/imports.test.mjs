// Imports of older contracts and payments (issue #12): an officer uploads
// a contracts CSV with a bad row and sees the problem by its line with
// nothing imported, imports the corrected file and sees what it brought
// in (a new supplier waiting for approval), pastes the payments, and reads
// the local spend share and the "imported, not verified here" figure on
// the ledger. A supplier sets where it is based on its profile. Every view
// is scanned with axe and photographed at 1280 and 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, newPage, check, h1, h1Focused, signIn } from '../testing/browser.mjs';

let server, browser;
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 360, height: 740 };

const HEAD = 'Contract reference,Title,Directorate,Supplier name,Supplier company number,Contract value,Measure or description,Quantity,Secured £,Delivered £,Commitment due date,Delivery date,Contract start date\n';
const ROWS = [
  'OLD-600,Highways maintenance,Place,Mersey Highways Ltd,01234567,"£600,000",Apprenticeship weeks,52,"£20,000","£12,500.50",2027-03-31,2025-06-15,2024-04-01',
  'OLD-600,Highways maintenance,Place,Mersey Highways Ltd,01234567,"£600,000",Volunteering hours,200,£3000,,2027-03-31,,2024-04-01',
];
const BAD = 'OLD-6M,Adult social care,Culture,Northern Care Ltd,07654321,£6000000,Local jobs,10,"£1,2x",,2027-12-31,,2023-10-01';
const PAYMENTS = 'contract reference,supplier,supplier postcode district or ward code,amount,payment date\nOLD-600,Mersey Highways Ltd,SK4,"£100,000",2024-05-31\nOLD-600,Mersey Highways Ltd,M1,"£25,000",2025-02-28\n';

/** snap scans and photographs the page at 1280 and 360 px; at 360 px nothing scrolls sideways. */
async function snap(page, name) {
  const size = page.viewportSize();
  for (const [width, viewport] of [[1280, WIDE], [360, NARROW]]) {
    await page.setViewportSize(viewport);
    await check(page, `imports-${name}-${width}`);
  }
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, `${name} scrolls sideways at 360 px`);
  await page.setViewportSize(size);
}

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an officer imports older contracts and payments and reads local spend on the ledger', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'needmatch-import-'));
  const bad = join(dir, 'contracts-bad.csv');
  const good = join(dir, 'contracts.csv');
  writeFileSync(bad, HEAD + [...ROWS, BAD].join('\n') + '\n');
  writeFileSync(good, HEAD + ROWS.join('\n') + '\n');

  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'officer');
  await p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Settings' }).click();
  await h1(p, 'Council settings');
  // The navigation keeps the daily work; the rest is here, without an
  // admin's pages for an officer.
  assert.equal(await p.getByRole('main').getByRole('link', { name: 'Users' }).count(), 0, "an officer is not offered the admin's Users");
  assert.equal(await p.getByRole('navigation', { name: 'Menu' }).getByRole('link').count(), 9, 'the officer navigation: 7 pages, Settings and Sign out');
  await check(p, 'council-settings-officer-1280');
  await p.getByRole('main').getByRole('link', { name: 'Import contracts' }).click();
  await h1Focused(p, 'Import contracts');
  await snap(p, 'contracts-import');

  // A bad file: each problem by its line, nothing imported.
  await p.getByLabel('CSV file of contracts').setInputFiles(bad);
  await p.getByRole('button', { name: 'Import contracts' }).click();
  const summary = p.locator('.govuk-error-summary');
  await summary.getByRole('link', { name: /line 4: secured £ "£1,2x" is not an amount/ }).waitFor();
  await snap(p, 'contracts-import-errors');
  assert.match(await p.title(), /^Error: /);

  // The corrected file.
  await p.getByLabel('CSV file of contracts').setInputFiles(good);
  await p.getByRole('button', { name: 'Import contracts' }).click();
  await p.locator('.govuk-notification-banner--success').filter({ hasText: 'Imported 1 contract, 2 commitments and 1 delivery' }).waitFor();
  const result = p.locator('.govuk-summary-list');
  await result.getByText('Mersey Highways Ltd').waitFor();
  assert.match(await result.innerText(), /Contracts added\s+1/);
  assert.match(await result.innerText(), /£12,500\.50/);
  await snap(p, 'contracts-import-done');

  // Again: nothing new.
  await p.getByLabel('CSV file of contracts').setInputFiles(good);
  await p.getByRole('button', { name: 'Import contracts' }).click();
  await p.locator('.govuk-notification-banner--success').filter({ hasText: 'Nothing new' }).waitFor();

  // Payments, pasted.
  await p.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Settings' }).click();
  await h1(p, 'Council settings');
  await p.getByRole('main').getByRole('link', { name: 'Import payments' }).click();
  await h1Focused(p, 'Import payments');
  await p.getByLabel('Or paste the CSV').fill(PAYMENTS);
  await p.getByRole('button', { name: 'Import payments' }).click();
  await p.locator('.govuk-notification-banner--success').filter({ hasText: 'Imported 2 payments' }).waitFor();
  await snap(p, 'payments-import-done');

  // The ledger: local spend 80.00% (£100,000 of £125,000), imported not verified.
  await p.getByRole('link', { name: 'Ledger', exact: true }).click();
  await h1Focused(p, 'Social value ledger');
  const local = p.locator('section', { has: p.getByRole('heading', { name: 'Local spend' }) });
  await local.getByText('80.00%').first().waitFor();
  assert.match(await local.innerText(), /of £125,000 paid to suppliers/);
  await p.getByText('imported, not verified here').waitFor();
  assert.match(await p.locator('main').innerText(), /£12,500\.50 came in with imported contracts/);
  await snap(p, 'ledger-local-spend');
  await p.context().close();
});

test('a supplier says where it is based on its profile', async () => {
  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'supplier');
  await p.goto('/organisation');
  await h1(p, 'Your organisation');
  await p.getByLabel('Postcode district').fill('sk 44x');
  await p.getByRole('button', { name: 'Save details' }).click();
  await p.locator('.govuk-error-summary').getByRole('link', { name: 'Enter the first part of a postcode, like SK4' }).waitFor();
  await p.getByLabel('Postcode district').fill('sk4');
  await p.getByRole('button', { name: 'Save details' }).click();
  await p.locator('.govuk-notification-banner--success').waitFor();
  assert.equal(await p.getByLabel('Postcode district').inputValue(), 'SK4');
  await snap(p, 'profile-base');
  await p.context().close();
});
