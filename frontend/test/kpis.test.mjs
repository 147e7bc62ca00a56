// Contract management after award (issue #12) in an officer's hands: KPIs
// recorded on a £6m contract before award (the enhanced tier needs three),
// a KPI rated inadequate on the demo's awarded £6m contract, and a remedy
// plan opened for it, its outcome recorded and shown on the supplier's
// record. Each view is scanned with axe and photographed at 1280 and 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, newPage, axe, h1, signIn, apiAs, RESULTS } from '../testing/browser.mjs';

let server, browser;
const SHOTS = process.env.KPI_SHOTS || join(RESULTS, 'kpis');
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 360, height: 740 };

async function snap(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize();
  await page.setViewportSize(WIDE);
  await page.screenshot({ path: join(SHOTS, `${name}-1280.png`), fullPage: true });
  await axe(page, name);
  await page.setViewportSize(NARROW);
  await page.screenshot({ path: join(SHOTS, `${name}-360.png`), fullPage: true });
  await axe(page, `${name} at 360 px`);
  await page.setViewportSize(size);
  assert.deepEqual(page.errors, [], `script errors or CSP refusals on ${name}`);
}

/** part photographs one section at 360 px, to look at it closely. */
async function part(page, section, name) {
  const size = page.viewportSize();
  await page.setViewportSize(NARROW);
  await page.locator(`section[aria-labelledby="${section}"]`).screenshot({ path: join(SHOTS, `${name}-360-part.png`) });
  await page.setViewportSize(size);
}

async function banner(page, text) {
  await page.locator('.govuk-notification-banner--success').filter({ hasText: text }).waitFor();
}

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an officer records the three KPIs a £6m contract needs before award', async () => {
  const officer = await apiAs(server.url, 'officer');
  const c = await officer('POST', '/contracts', { reference: 'STK-KPI-001', title: 'Leisure centre rebuild', valuePence: 6_000_000_00 });
  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'officer');
  await p.goto(`/contracts/${c.id}`);
  await h1(p, 'Leisure centre rebuild');
  const kpis = p.locator('section[aria-labelledby="kpis-title"]');
  await kpis.getByText('needs at least 3 KPIs before award. This contract has 0.').waitFor();
  await kpis.getByRole('button', { name: 'Add the KPI' }).click();
  await kpis.locator('.govuk-error-summary').getByRole('link', { name: 'Enter the KPI' }).waitFor();
  const add = [
    ['Local people employed on the build', '40', 'people', 'Payroll return each quarter, by home postcode.'],
    ['Apprenticeship weeks', '260', 'weeks', 'Apprentice timesheets checked at the quarterly review.'],
    ['Spend with local small firms', '20', '% of subcontract spend', 'Subcontract invoices by supplier postcode.'],
  ];
  for (const [name, target, unit, how] of add) {
    await kpis.getByLabel('KPI', { exact: true }).fill(name);
    await kpis.getByLabel('Target').fill(target);
    await kpis.getByLabel('Unit').fill(unit);
    await kpis.getByLabel('How it is measured').fill(how);
    await kpis.getByRole('button', { name: 'Add the KPI' }).click();
    await banner(p, `KPI added: ${name}`);
  }
  await kpis.getByText('This contract has 3.').waitFor();
  assert.equal(await kpis.locator('tbody tr').count(), 3);
  await snap(p, 'contract-kpis');
  await part(p, 'kpis-title', 'kpis');
  const after = await officer('GET', `/contracts/${c.id}`);
  assert.deepEqual(after.kpis.map((k) => k.name), add.map((a) => a[0]));
  await p.close();
});

test('an officer rates a KPI inadequate, opens a remedy plan and records it met; the supplier record shows it', async () => {
  const officer = await apiAs(server.url, 'officer');
  const all = (await officer('GET', '/contracts?limit=200')).items;
  const c = all.find((x) => x.reference === 'SMBC/2026/022');
  assert.ok(c && c.stage === 'awarded' && c.kpis.length === 3, 'the demo awards a £6m contract with three KPIs');
  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'officer');
  await p.goto(`/contracts/${c.id}`);
  await h1(p, c.title);
  const ratings = p.locator('section[aria-labelledby="ratings-title"]');
  await ratings.getByText('No ratings yet.').waitFor();
  await ratings.getByText('Rate a KPI').click();
  await ratings.getByRole('button', { name: 'Record the rating' }).click();
  await ratings.locator('.govuk-error-summary').getByRole('link', { name: 'Select a rating' }).waitFor();
  await ratings.getByLabel('KPI', { exact: true }).selectOption({ label: c.kpis[0].name });
  await ratings.getByLabel('Inadequate').check();
  await ratings.getByLabel('Note').fill('Four of the thirty local people the contract promised are employed.');
  await ratings.getByRole('button', { name: 'Record the rating' }).click();
  await banner(p, 'Rating recorded');
  await ratings.locator('tbody tr').filter({ hasText: 'Inadequate' }).waitFor();

  const remedies = p.locator('section[aria-labelledby="remedies-title"]');
  await remedies.getByText('No remedy plans.').waitFor();
  await remedies.getByText('Open a remedy plan').click();
  await remedies.getByLabel('Why a plan is needed').selectOption({ index: 1 });
  await remedies.getByLabel('What the supplier will do').fill('Recruit ten local people through the council’s employment hub and report monthly.');
  const due = new Date(Date.now() + 90 * 864e5);
  await remedies.getByLabel('Day').fill(String(due.getUTCDate()));
  await remedies.getByLabel('Month').fill(String(due.getUTCMonth() + 1));
  await remedies.getByLabel('Year').fill(String(due.getUTCFullYear()));
  await remedies.getByRole('button', { name: 'Open the remedy plan' }).click();
  await banner(p, 'Remedy plan opened');
  await remedies.locator('.app-card').filter({ hasText: 'Recruit ten local people' }).getByText('Open', { exact: true }).waitFor();
  await snap(p, 'ratings-and-remedies');
  await part(p, 'ratings-title', 'ratings');
  await part(p, 'remedies-title', 'remedies');

  await remedies.getByText('Record the outcome').click();
  await remedies.getByLabel('Met', { exact: true }).check();
  await remedies.getByLabel('Note (optional)').fill('Twelve local people employed by the review.');
  await remedies.getByRole('button', { name: 'Save the outcome' }).click();
  await banner(p, 'Remedy plan recorded as met');
  await remedies.getByText('Twelve local people employed by the review.').waitFor();

  await p.goto(`/officer/suppliers/${c.awardedTo}/record`);
  await h1(p, 'Social value record');
  await p.locator('.app-card').filter({ hasText: 'Recruit ten local people' }).getByText('Met', { exact: true }).waitFor();
  await snap(p, 'supplier-record-remedies');
  await p.close();
});

test('a supplier sends a quarterly return on its live contract through the delivery door', async () => {
  const officer = await apiAs(server.url, 'officer');
  const supplier = await apiAs(server.url, 'supplier');
  const c = await officer('POST', '/contracts', { reference: 'STK-RET-001', title: 'Library cleaning', valuePence: 100_000_00 });
  for (const s of c.tier.steps) await officer('POST', `/contracts/${c.id}/steps/${s.key}`, { done: true });
  await officer('POST', `/contracts/${c.id}/stage`, { stage: 'tender' });
  const bid = await supplier('POST', `/contracts/${c.id}/bids`);
  const requests = (await supplier('GET', '/requests?status=published&limit=50')).items;
  let n = 0;
  for (const r of requests) {
    if (n === 3) break;
    try {
      await supplier('POST', `/requests/${r.id}/pledges`, { offer: 'Volunteering from our cleaning team', quantity: 2, measureCode: 'EX-VOL-HOUR', bidId: bid.id });
      n++;
    } catch {
      // a request this supplier already pledges to: take the next
    }
  }
  assert.equal(n, 3);
  await supplier('POST', `/bids/${bid.id}/submit`);
  const due = new Date(Date.now() + 120 * 864e5).toISOString().slice(0, 10);
  await officer('POST', `/contracts/${c.id}/award`, { bidId: bid.id, dueDate: due });
  await officer('POST', `/contracts/${c.id}/stage`, { stage: 'live' });
  await officer('POST', `/contracts/${c.id}/reporting`, { quarterly: true });

  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'supplier', `/contracts/${c.id}`);
  await h1(p, 'Library cleaning');
  await p.getByRole('link', { name: 'Send a return' }).click();
  await h1(p, 'Quarterly return');
  await p.getByRole('button', { name: 'Send the return' }).click();
  await p.locator('.govuk-error-summary').getByText('say why nothing was delivered').first().waitFor();
  const lines = p.locator('fieldset.app-card');
  assert.equal(await lines.count(), 3);
  const today = new Date();
  await lines.nth(0).getByLabel(/Quantity delivered/).fill('2');
  await lines.nth(0).getByLabel('Day').fill(String(today.getUTCDate()));
  await lines.nth(0).getByLabel('Month').fill(String(today.getUTCMonth() + 1));
  await lines.nth(0).getByLabel('Year').fill(String(today.getUTCFullYear()));
  await lines.nth(0).getByLabel('Note').fill('Two hours at the library’s reading club.');
  await lines.nth(1).getByLabel('Note').fill('Starts next quarter with the group.');
  await lines.nth(2).getByLabel('Note').fill('Waiting for the group’s dates.');
  await snap(p, 'return-form');
  await p.getByRole('button', { name: 'Send the return' }).click();
  await banner(p, 'sent');
  const reporting = p.locator('section[aria-labelledby="reporting-title"]');
  await reporting.locator('tbody tr').filter({ hasText: '1 delivery' }).waitFor();
  await snap(p, 'contract-returns');
  await part(p, 'reporting-title', 'reporting');
  const view = await officer('GET', `/contracts/${c.id}/returns`);
  assert.equal(view.returns.length, 1);
  assert.equal(view.returns[0].lines.filter((l) => l.deliveryIds.length === 1).length, 1);
  await p.close();
});
