// End-to-end journeys in a real browser against the real Go binary:
// a group posts a request, an officer publishes it, a supplier pledges to
// three requests, the officer approves the pledges. Every view is scanned
// with axe (WCAG 2.2 AA) and photographed into test-results/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, launch, newPage, check, axe, shot, h1, h1Focused, signIn, apiAs, ACCOUNTS, focusIs } from '../testing/browser.mjs';

let server, browser;
const TITLE = 'Warm coats for the winter club';

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function page(viewport) {
  return newPage(browser, server.url, viewport);
}

// A deadline inside every council's horizon (5 years by default).
const NEXT_YEAR = String(new Date().getUTCFullYear() + 1);

test('the public sees published requests, filters them, and reads one', async () => {
  const p = await page();
  await p.goto('/');
  await h1(p, 'Requests from community groups');
  assert.equal(await p.title(), 'Requests from community groups - Needmatch - Stockport Council');
  await p.locator('.app-request-list__item').first().waitFor();
  assert.equal(await p.locator('.app-request-list__item').count(), 6);
  assert.match(await p.locator('main').innerText(), /Worth £1,800/);
  await check(p, 'public-home');

  await p.getByLabel('Kind of help').selectOption('goods');
  await p.getByRole('button', { name: 'Apply filters' }).click();
  await p.waitForURL(/kind=goods/);
  await p.getByText('Showing 1 request').waitFor();
  await p.getByRole('link', { name: 'Laptops for the homework club' }).click();
  await h1Focused(p, 'Laptops for the homework club'); // focus moves to the h1 on navigation
  assert.match(await p.title(), /^Laptops for the homework club - Needmatch/);
  assert.match(await p.locator('main').innerText(), /£3,500/);
  await check(p, 'public-request');

  await p.goBack();
  await p.waitForURL(/kind=goods/);
  await p.goto('/accessibility');
  await h1(p, 'Accessibility statement');
  await check(p, 'public-accessibility');
  await p.goto('/wards');
  await h1(p, 'Need by ward');
  await p.locator('svg.app-map circle').first().waitFor();
  assert.equal(await p.locator('svg.app-map circle').count(), 21);
  assert.equal(await p.locator('main table tbody tr').count(), 21);
  assert.match(await p.locator('main').innerText(), /Contains English Indices of Deprivation 2025 \(MHCLG\) and ONS data, Open Government Licence v3\.0/);
  // The map's numbers are named beside it, with each ward's open requests.
  const key = p.locator('ol.app-ward-key li');
  assert.equal(await key.count(), 21);
  assert.match(await p.locator('ol.app-ward-key').innerText(), /open request/);
  // Loading ward boundaries is for council officers only.
  assert.equal(await p.locator('#boundary-file').count(), 0, 'a visitor is not offered the boundary upload');
  await check(p, 'public-wards');
  await p.goto('/no/such/page');
  await h1(p, 'Page not found');
  await check(p, 'public-not-found');
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('sign-in errors show in an error summary linked to the fields', async () => {
  const p = await page();
  await p.goto('/sign-in');
  await h1(p, 'Sign in');
  await check(p, 'sign-in');
  await p.getByRole('button', { name: 'Sign in' }).click();
  const summary = p.locator('.govuk-error-summary');
  await summary.waitFor();
  assert.match(await p.title(), /^Error: Sign in/);
  await focusIs(p, () => document.activeElement.classList.contains('govuk-error-summary'), true);
  await summary.getByRole('link', { name: 'Enter your email address' }).click();
  await focusIs(p, () => document.activeElement.id, 'email');
  await check(p, 'sign-in-errors');
  await p.getByLabel('Email address').fill(ACCOUNTS.group.email);
  await p.getByLabel('Password').fill('wrong password here');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByText('Enter a correct email address and password').first().waitFor();
  await p.context().close();
});

test('a new organisation registers and an officer approves it', async () => {
  const p = await page();
  await p.goto('/register');
  await h1(p, 'Register');
  await check(p, 'register');
  await p.getByRole('button', { name: 'Register' }).click();
  await p.locator('.govuk-error-summary').waitFor();
  assert.equal(await p.locator('.govuk-error-summary li').count(), 5);
  await check(p, 'register-errors');
  await p.getByLabel('A community group or charity').check();
  await p.getByLabel('Group name').fill('Reddish Repair Café');
  await p.getByLabel('Your full name').fill('Ada Lovelace');
  await p.getByLabel('Your email address').fill('ada@reddish.example');
  await p.getByLabel('Create a password').fill('correct horse battery');
  await p.getByRole('button', { name: 'Register' }).click();
  await h1(p, 'Registration received');
  await check(p, 'registered');
  await p.goto('/my/requests');
  await p.getByText('waiting for a council officer').waitFor();
  await check(p, 'group-pending');
  await p.context().close();

  // Registering an address that has an account is answered as any other
  // registration; the next step is to sign in, and the account is untouched.
  const taken = await page();
  await taken.goto('/register');
  await h1(taken, 'Register');
  await taken.getByLabel('A supplier').check();
  await taken.getByLabel('Company name').fill('Mersey Build Limited');
  await taken.getByLabel('Your full name').fill('Eve Example');
  await taken.getByLabel('Your email address').fill(ACCOUNTS.group.email);
  await taken.getByLabel('Create a password').fill('not the owner password');
  await taken.getByRole('button', { name: 'Register' }).click();
  await h1(taken, 'Sign in');
  await taken.getByText('If you already have an account with this address, sign in with your password.').waitFor();
  await check(taken, 'register-taken');
  await taken.context().close();

  const o = await page();
  await signIn(o, 'officer');
  await h1(o, 'What needs attention');
  await o.getByRole('cell', { name: 'Reddish Repair Café', exact: true }).waitFor();
  await check(o, 'officer-dashboard');
  await o.getByRole('button', { name: 'Approve Reddish Repair Café' }).click();
  await o.getByText('Reddish Repair Café approved').waitFor();
  await o.getByRole('button', { name: 'Approve Reddish Repair Café' }).waitFor({ state: 'detached' });
  await o.context().close();
});

test('a group posts a request through question pages', async () => {
  const p = await page();
  await signIn(p, 'group');
  await h1(p, 'Your requests');
  await check(p, 'group-requests');
  await p.getByRole('button', { name: 'Post a request' }).click();
  await p.waitForURL('**/requests/new/what');
  await h1(p, 'What do you need?');
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.locator('.govuk-error-summary').waitFor();
  await check(p, 'post-what-errors');
  // The lengths are the API's, read from the council's page: a title of
  // 150 characters is taken (the app once stopped at 120), 201 is not.
  await p.getByLabel('Title').fill('x'.repeat(201));
  await p.getByLabel('Description').fill('Coats');
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.locator('.govuk-error-summary').getByText('Title must be 200 characters or fewer').waitFor();
  await p.getByText('You can enter up to 5,000 characters').waitFor({ state: 'attached' });
  await p.getByLabel('Title').fill('x'.repeat(150));
  await p.getByRole('button', { name: 'Continue' }).click();
  await h1(p, 'What kind of help do you need?');
  await p.goBack();
  await h1(p, 'What do you need?');
  await p.getByLabel('Title').fill(TITLE);
  await p.getByLabel('Description').fill('Forty warm winter coats in children’s sizes for families who come to our winter club in Brinnington.');
  await p.getByRole('button', { name: 'Continue' }).click();

  await h1(p, 'What kind of help do you need?');
  await check(p, 'post-kind');
  await p.getByLabel('Goods or equipment').check();
  await p.getByRole('button', { name: 'Continue' }).click();

  await h1(p, 'Which ward is the help for?');
  await p.locator('#area option[value="E05015018"]').waitFor({ state: 'attached' });
  await check(p, 'post-area');
  await p.getByLabel('Which ward is the help for?').selectOption('E05015018');
  await p.getByRole('button', { name: 'Continue' }).click();

  await h1(p, 'How much do you need?');
  await p.getByLabel('How many').fill('forty');
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.locator('.govuk-error-summary').getByRole('link', { name: /whole number/ }).click();
  await focusIs(p, () => document.activeElement.id, 'quantity');
  await check(p, 'post-quantity-errors');
  await p.getByLabel('How many').fill('40');
  await p.getByLabel('Of what').fill('coats');
  await p.getByRole('button', { name: 'Continue' }).click();

  await h1(p, 'What is it worth?');
  await check(p, 'post-value');
  await p.getByLabel('What is it worth?').fill('1,200.50');
  await p.getByRole('button', { name: 'Continue' }).click();

  await h1(p, 'When do you need it by?');
  await p.getByLabel('Day').fill('31');
  await p.getByLabel('Month').fill('2');
  await p.getByLabel('Year').fill(NEXT_YEAR);
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.getByText('must be a real date').first().waitFor();
  await check(p, 'post-deadline-errors');
  await p.getByLabel('Month').fill('3');
  await p.getByRole('button', { name: 'Continue' }).click();

  await h1(p, 'Check your answers');
  const answers = await p.locator('.govuk-summary-list').innerText();
  assert.match(answers, /£1,200\.50/);
  assert.match(answers, new RegExp(`31 March ${NEXT_YEAR}`));
  assert.match(answers, /Brinnington & Stockport Central/);
  assert.match(answers, /40 coats/);
  await check(p, 'post-check');
  // Change an answer and come back to the check page.
  await p.getByRole('link', { name: 'Change how much' }).click();
  await h1(p, 'How much do you need?');
  await p.getByLabel('How many').fill('45');
  await p.getByRole('button', { name: 'Continue' }).click();
  await h1(p, 'Check your answers');
  assert.match(await p.locator('.govuk-summary-list').innerText(), /45 coats/);
  await p.getByRole('button', { name: 'Send for approval' }).click();

  await p.locator('.govuk-panel__title').filter({ hasText: 'Request sent for approval' }).waitFor();
  await check(p, 'post-confirmation');
  await p.getByRole('link', { name: 'go back to your requests' }).click();
  await h1(p, 'Your requests');
  const row = p.locator('tr', { hasText: TITLE });
  await row.waitFor();
  assert.match(await row.innerText(), /Waiting for approval/);
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('an officer publishes the request', async () => {
  const p = await page();
  await signIn(p, 'officer');
  await h1(p, 'What needs attention');
  const row = p.locator('#requests ~ table tr, section[aria-labelledby=requests] tr', { hasText: TITLE });
  await row.first().waitFor();
  await p.getByRole('button', { name: `Publish ${TITLE}` }).click();
  await p.getByText(`‘${TITLE}’ published`).waitFor();
  await check(p, 'officer-dashboard-after-publish');
  await p.goto('/');
  await p.getByRole('link', { name: TITLE }).waitFor();
  await p.getByRole('link', { name: TITLE }).click();
  await h1(p, TITLE);
  await check(p, 'officer-request');
  await p.getByRole('link', { name: 'See the audit trail of this request' }).click();
  await h1(p, 'Audit trail');
  await p.locator('main ol.app-audit > li').first().waitFor();
  assert.ok((await p.locator('main ol.app-audit > li').count()) >= 3, 'create, submit and publish are audited');
  // In words: who by name, what in a sentence (#18 item 5).
  await p.locator('main ol.app-audit').getByText(`Demo officer published the request “${TITLE}”`).waitFor();
  await check(p, 'officer-audit');
  await p.context().close();
});

async function pledge(p, title, offer, quantity, value) {
  await p.goto('/supplier/requests');
  await h1(p, 'Requests for you');
  await p.getByRole('link', { name: title }).click();
  await h1(p, title);
  await p.getByRole('button', { name: 'Pledge to this request' }).click();
  await h1(p, title);
  await p.getByLabel('What will you provide?').fill(offer);
  await p.getByLabel('How many').fill(quantity);
  await p.getByLabel('Value of your pledge').fill(value);
  await p.getByRole('button', { name: 'Send pledge' }).click();
  await h1(p, 'Your pledges');
}

test('a supplier pledges to three different requests', async () => {
  const p = await page();
  await signIn(p, 'supplier');
  await h1(p, 'Requests for you');
  await p.locator('.app-request-list__item').first().waitFor();
  await check(p, 'supplier-requests');

  await p.goto('/supplier/pledges');
  await h1(p, 'Your pledges');
  await p.getByText('0 of 3').waitFor();
  await check(p, 'supplier-pledges-empty');

  // Validation on the pledge form, mapped to the fields.
  await p.goto('/supplier/requests');
  await p.getByRole('link', { name: TITLE }).click();
  await h1(p, TITLE);
  await p.getByRole('button', { name: 'Pledge to this request' }).click();
  await p.getByLabel('What will you provide?').waitFor();
  await p.getByLabel('Value of your pledge').fill('lots');
  await p.getByRole('button', { name: 'Send pledge' }).click();
  await p.locator('.govuk-error-summary').waitFor();
  await check(p, 'supplier-pledge-errors');
  await p.locator('.govuk-error-summary').getByRole('link', { name: /amount of money/ }).click();
  await focusIs(p, () => document.activeElement.id, 'pledge-value');

  await pledge(p, TITLE, 'Forty new children’s coats from our winter stock', '40', '1200.50');
  await p.getByText('1 of 3').waitFor();
  await pledge(p, 'Volunteers to sort food donations', 'Six staff for two mornings a week for ten weeks', '120', '1800');
  await p.getByText('2 of 3').waitFor();
  await check(p, 'supplier-pledges-two');
  await pledge(p, 'Laptops for the homework club', 'Ten refurbished laptops with chargers', '10', '3,500');
  await p.getByText('3 of 3').waitFor();
  // The counter is not the bid rule: a bid counts the requests in that bid.
  assert.match(await p.locator('main').innerText(), /A bid on a council contract counts only the requests pledged to in that bid: it needs at least 3/);
  assert.equal(await p.locator('main table tbody tr').count(), 3);
  await check(p, 'supplier-pledges-three');
  assert.deepEqual(p.errors, []);
  await p.context().close();
});

test('the group sees the pledge on its request', async () => {
  const p = await page();
  await signIn(p, 'group');
  await p.getByRole('link', { name: TITLE }).click();
  await h1(p, TITLE);
  await p.getByRole('cell', { name: 'Mersey Build Ltd', exact: true }).waitFor();
  assert.match(await p.locator('main').innerText(), /£1,200\.50/);
  await check(p, 'group-request-pledges');
  await p.context().close();
});

test('an officer approves a pledge, declines one with a reason, and allocates the rest', async () => {
  const p = await page();
  await signIn(p, 'officer');
  await h1(p, 'What needs attention');
  await p.getByText('3 pledges to decide').waitFor();
  await p.getByRole('button', { name: `Approve pledge from Mersey Build Ltd to ${TITLE}` }).click();
  await p.getByText('Pledge from Mersey Build Ltd approved').waitFor();
  await p.getByText('2 pledges to decide').waitFor();

  await p.getByRole('link', { name: 'Decline pledge from Mersey Build Ltd to Laptops for the homework club' }).click();
  await h1(p, 'Decline pledge');
  await p.getByRole('button', { name: 'Decline pledge' }).click();
  await p.locator('.govuk-error-summary').waitFor();
  await check(p, 'officer-decline-errors');
  await p.getByLabel('Reason').fill('The group has already been given laptops.');
  await p.getByRole('button', { name: 'Decline pledge' }).click();
  await h1(p, 'What needs attention');
  await p.getByText('1 pledge to decide').waitFor();

  // The last offered pledge goes through the allocation.
  await p.getByRole('link', { name: 'Allocation', exact: true }).click();
  await h1(p, 'Allocate pledges');
  await p.getByRole('button', { name: 'Run the allocation' }).click();
  await h1(p, 'Review the allocation');
  const row = p.locator('main table tbody tr', { hasText: 'Volunteers to sort food donations' });
  assert.match(await row.innerText(), /Approve in full/);
  await check(p, 'officer-allocation-run');
  await p.getByRole('button', { name: 'Approve selected pledges' }).click();
  await p.getByRole('heading', { name: '1 pledge approved' }).waitFor();
  await p.getByRole('link', { name: 'Back to what needs attention' }).click();
  await p.getByText('0 pledges to decide').waitFor();
  await check(p, 'officer-dashboard-done');
  await p.context().close();

  const s = await page();
  await signIn(s, 'supplier');
  await s.goto('/supplier/pledges');
  await s.getByText('The group has already been given laptops.').waitFor();
  const text = await s.locator('main table').innerText();
  assert.equal((text.match(/Approved/g) || []).length, 2);
  assert.match(text, /Declined/);
  // Two live requests now: the rule is no longer met.
  await s.getByText('2 of 3').waitFor();
  await check(s, 'supplier-pledges-decided');
  await s.context().close();
});

function today() {
  const d = new Date();
  return { day: String(d.getDate()), month: String(d.getMonth() + 1), year: String(d.getFullYear()) };
}

test('the supplier reports a delivery with evidence', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'needmatch-evidence-'));
  const receipt = join(dir, 'coats-receipt.txt');
  writeFileSync(receipt, 'Received 40 children’s coats. Signed, Brinnington Community Larder.\n');
  const p = await page();
  await signIn(p, 'supplier');
  await p.goto('/supplier/pledges');
  await h1(p, 'Your pledges');
  await p.getByRole('link', { name: `Report delivery to ${TITLE}` }).click();
  await h1(p, TITLE);
  await check(p, 'delivery-form');
  await p.getByLabel(/How many coats did you deliver/).fill('41');
  await p.getByRole('button', { name: 'Report delivery' }).click();
  const summary = p.locator('.govuk-error-summary');
  await summary.getByText('You can report at most 40 more coats').waitFor();
  await summary.getByText('Enter the date of the delivery').waitFor();
  await check(p, 'delivery-form-errors');
  const t = today();
  await p.getByLabel(/How many coats did you deliver/).fill('40');
  await p.getByLabel('Day').fill(t.day);
  await p.getByLabel('Month').fill(t.month);
  await p.getByLabel('Year').fill(t.year);
  await p.getByLabel('Notes (optional)').fill('Forty coats in sizes 4 to 12, handed over at the winter club.');
  await p.getByLabel('Evidence (optional)').setInputFiles(receipt);
  await p.getByRole('button', { name: 'Report delivery' }).click();
  await h1(p, 'Your pledges');
  await p.getByText('Delivery reported: 40 coats').waitFor();
  const reports = p.locator('table', { has: p.locator('caption', { hasText: 'Your delivery reports' }) });
  assert.match(await reports.innerText(), /Waiting for the group/);
  await check(p, 'supplier-delivery-reported');
  await p.context().close();
});

test('the group confirms the delivery', async () => {
  const p = await page();
  await signIn(p, 'group');
  await h1(p, 'Your requests');
  await p.getByText('1 delivery to confirm').waitFor();
  await check(p, 'group-delivery-to-confirm');
  await p.getByRole('link', { name: /Check and confirm/ }).click();
  await h1(p, 'Delivery');
  await p.getByRole('button', { name: 'Download coats-receipt.txt' }).waitFor();
  const [dl] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: 'Download coats-receipt.txt' }).click()]);
  assert.equal(dl.suggestedFilename(), 'coats-receipt.txt');
  await check(p, 'group-delivery');
  await p.getByRole('button', { name: 'Confirm delivery' }).click();
  await p.getByText('You confirmed the delivery').waitFor();
  assert.match(await p.locator('.govuk-summary-list').innerText(), /Confirmed by the group/);
  await check(p, 'group-delivery-confirmed');
  await p.context().close();
});

test('the officer verifies the delivery and the ledger shows it', async () => {
  const p = await page();
  await signIn(p, 'officer');
  await h1(p, 'What needs attention');
  await p.getByText('1 delivery to verify').waitFor();
  await p.getByText('0 overdue commitments').waitFor();
  await check(p, 'officer-dashboard-deliveries');
  await p.getByRole('link', { name: /Check and verify/ }).click();
  await h1(p, 'Delivery');
  await check(p, 'officer-delivery');
  await p.getByRole('button', { name: 'Verify delivery' }).click();
  await p.getByText('Delivery verified').waitFor();
  await p.getByRole('link', { name: 'Ledger', exact: true }).click();
  await h1(p, 'Social value ledger');
  const main = await p.locator('main').innerText();
  // The coats and food donations (£3,000.50) and the demo seed's two awarded
  // bids (£816 of commitments) are secured.
  assert.match(main, /£3,816\.50\s*Secured/, 'coats, food donations and the seeded awards are secured');
  assert.match(main, /£1,200\.50\s*Verified/);
  assert.ok((await p.locator('svg.app-chart rect').count()) >= 3, 'the chart has bars');
  // Each bar's value is written beside it, at a readable size.
  const labels = await p.locator('svg.app-chart text').allTextContents();
  assert.ok(labels.includes('£1,200.50'), `the verified value is written on the chart: ${labels.join(' | ')}`);
  assert.equal(await p.locator('svg.app-chart text').first().evaluate((t) => getComputedStyle(t).fontSize), '16px');
  assert.match(main, /Still to verify is the value secured so far less the value verified so far/);
  await check(p, 'ledger');
  await p.getByRole('button', { name: 'Show as a table' }).click();
  const months = p.locator('table', { has: p.locator('caption', { hasText: 'Social value by month' }) });
  assert.match(await months.innerText(), /£1,200\.50/);
  assert.doesNotMatch(await months.innerText(), /−|-£/, 'no negative figure by month');
  await check(p, 'ledger-table');
  await p.getByRole('button', { name: 'Show as a chart' }).click();
  await p.locator('svg.app-chart').waitFor();
  const [csv] = await Promise.all([p.waitForEvent('download'), p.getByRole('button', { name: 'Download the ledger as CSV' }).click()]);
  assert.equal(csv.suggestedFilename(), 'ledger.csv');
  await p.goto('/officer/overdue');
  await h1(p, 'Overdue commitments');
  await check(p, 'officer-overdue');
  await p.context().close();

  const s = await page();
  await signIn(s, 'supplier');
  await s.goto('/supplier/record');
  await h1(s, 'Social value record');
  await s.locator('main').getByText('Value verified by the council').first().waitFor();
  assert.match(await s.locator('main').innerText(), /Value verified by the council\s*£1,200\.50/);
  await check(s, 'supplier-record');
  const [rec] = await Promise.all([s.waitForEvent('download'), s.getByRole('button', { name: 'Download as CSV' }).click()]);
  assert.equal(rec.suggestedFilename(), 'social-value-record.csv');
  await s.emulateMedia({ media: 'print' });
  await shot(s, 'supplier-record-print');
  assert.equal(await s.locator('header').isVisible(), false, 'the printed record leaves out the navigation');
  await s.context().close();

  const pub = await page();
  await pub.goto('/social-value');
  await h1(pub, 'Social value delivered');
  assert.match(await pub.locator('main').innerText(), /£1,200\.50\s*Verified as delivered/);
  await check(pub, 'public-social-value');
  await pub.context().close();
});

test('a session that ends keeps what the supplier typed', async () => {
  const p = await page();
  await signIn(p, 'supplier');
  await p.goto('/supplier/requests');
  await p.getByRole('link', { name: 'Help with a grant application' }).click();
  await p.getByRole('button', { name: 'Pledge to this request' }).click();
  const offer = 'Eight hours with our bid writer, who has won three lottery grants';
  await p.getByLabel('What will you provide?').fill(offer);
  await p.getByLabel('How many').fill('8');
  await p.getByLabel('Value of your pledge').fill('800');
  const form = p.url();
  // The access token expires and so does the refresh cookie.
  await p.context().clearCookies();
  let hits = 0;
  await p.route('**/api/v1/requests/*/pledges', (route) => {
    hits += 1;
    return route.fulfill({ status: 401, contentType: 'application/problem+json', body: JSON.stringify({ title: 'Unauthorized', status: 401, code: 'unauthorized' }) });
  });
  await p.getByRole('button', { name: 'Send pledge' }).click();
  await h1(p, 'Sign in');
  await p.getByText('What you typed has been kept').waitFor();
  assert.equal(hits, 1);
  await p.unroute('**/api/v1/requests/*/pledges');
  await check(p, 'session-ended');
  await p.getByLabel('Email address').fill(ACCOUNTS.supplier.email);
  await p.getByLabel('Password').fill(ACCOUNTS.supplier.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL(form);
  assert.equal(await p.getByLabel('What will you provide?').inputValue(), offer);
  assert.equal(await p.getByLabel('Value of your pledge').inputValue(), '800');
  await p.getByRole('button', { name: 'Send pledge' }).click();
  await h1(p, 'Your pledges');
  await p.getByText('3 of 3').waitFor();
  await p.context().close();
});

test('a deep link works after a reload, and signing out forgets the session', async () => {
  const p = await page();
  await signIn(p, 'group', '/my/requests');
  await h1(p, 'Your requests');
  await p.reload();
  await h1(p, 'Your requests');
  await p.goto('/sign-out');
  await h1(p, 'You have signed out');
  await check(p, 'signed-out');
  await p.goto('/my/requests');
  await h1(p, 'Sign in');
  assert.match(p.url(), /next=%2Fmy%2Frequests/);
  await p.context().close();
});
