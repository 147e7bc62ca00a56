// Issue #18 items 3, 4, 9 and 13 as people meet them: a supplier warned
// before pledging beyond the need; the allocation's part in whole coats; an
// officer declining the pledges an accepted allocation left out; the
// delivery form's "at most" from the approved part; the officer's requests
// list, navigation and admin screens; the safeguarding confirmation. Every
// view is scanned with axe and photographed at 1280 and 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, check, h1, signIn, apiAs, focusIs, eventually } from '../testing/browser.mjs';

let server, browser;
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

/** post publishes a group's request and returns it. */
async function post(title, valuePence, extra = {}) {
  const group = await apiAs(server.url, 'group');
  const officer = await apiAs(server.url, 'officer');
  const deadline = new Date(Date.now() + 60 * 864e5).toISOString().slice(0, 10);
  const r = await group('POST', '/requests', { title, description: 'For the winter', kind: 'goods', area: 'E05015018', quantity: 100, unit: 'coats', valuePence, deadline, ...extra });
  await group('POST', `/requests/${r.id}/submit`);
  return officer('POST', `/requests/${r.id}/publish`);
}

test('a supplier is warned before pledging beyond the need; the officer declines what the allocation left out; deliveries stop at the approved coats', async () => {
  const req = await post('Winter coats for the night shelter', 120000);
  const supplier = await apiAs(server.url, 'supplier');
  const officer = await apiAs(server.url, 'officer');
  for (const size of [WIDE, NARROW]) {
    const p = await newPage(browser, server.url, size);
    await signIn(p, 'supplier', `/requests/${req.id}/pledge`);
    await h1(p, 'Winter coats for the night shelter');
    await p.getByLabel('What will you provide?').fill('Five hundred new winter coats');
    await p.getByLabel('How many').fill('500');
    await p.getByLabel('Value of your pledge').fill('12345');
    await p.getByText('Your pledge of £12,345 is more than this request still needs (£1,200 of £1,200).').waitFor();
    await check(p, `ui18a-over-pledge-${size.width}`);
    if (size === NARROW) break;
    await p.getByRole('button', { name: 'Send pledge' }).click();
    await h1(p, 'Your pledges');
    await p.getByText('Pledge sent: £12,345 to ‘Winter coats for the night shelter’. Your pledge of £12,345 is more than this request still needs').waitFor();
    await p.close();
  }
  const mine = await supplier('GET', `/pledges?request=${req.id}`);
  const coats = mine.items.find((x) => x.valuePence === 1234500);
  assert.ok(coats, 'the pledge was sent');
  const whole = await supplier('POST', `/requests/${req.id}/pledges`, { offer: 'Thirty coats, all or none', quantity: 30, unit: 'coats', valuePence: 130000, allowPartial: false });
  assert.match(whole.warnings[0], /more than this request still needs/);

  const o = await newPage(browser, server.url, WIDE);
  await signIn(o, 'officer', '/officer/allocation');
  await o.getByRole('button', { name: 'Run the allocation' }).click();
  await h1(o, 'Review the allocation');
  const row = o.locator('tbody tr', { hasText: 'Winter coats for the night shelter' }).filter({ hasText: '£12,345' });
  assert.match(await row.innerText(), /£1,185\.12\s+48 coats/);
  assert.match(await row.innerText(), /Rounded down from £1,200 to £1,185\.12, the value of 48 whole coats of the 500 pledged: coats are counted in whole units\./);
  await check(o, 'ui18a-allocation-units-1280');
  await o.getByRole('button', { name: 'Approve selected pledges' }).click();
  await o.getByRole('heading', { name: 'Pledges the allocation left out' }).waitFor();
  assert.match(await o.locator('form', { hasText: 'left out of this allocation' }).innerText(), /Thirty coats|£1,300 to Winter coats for the night shelter/);
  await check(o, 'ui18a-left-out-1280');
  await o.getByRole('button', { name: "Decline the pledges left out, with the allocation's reasons" }).click();
  await o.getByText(/\d+ pledges? declined/).waitFor();
  await focusIs(o, () => document.activeElement.getAttribute('role'), 'alert', 'focus moves to the result');
  await check(o, 'ui18a-left-out-declined-1280');
  const declined = await officer('GET', `/pledges/${whole.id}`);
  assert.equal(declined.status, 'declined');
  assert.match(declined.reason, /^Not in the allocation the council accepted\. /);
  const approved = await officer('GET', `/pledges/${coats.id}`);
  assert.equal(approved.approvedPence, 118512);
  assert.equal(approved.approvedQuantity, 48);

  for (const size of [WIDE, NARROW]) {
    const p = await newPage(browser, server.url, size);
    await signIn(p, 'supplier', `/supplier/pledges/${coats.id}/deliver`);
    await h1(p, 'Winter coats for the night shelter');
    assert.match(await p.locator('.govuk-summary-list').innerText(), /Approved\s+48 coats \(£1,185\.12\)/);
    await p.getByText('At most 48.').waitFor();
    await p.getByLabel('How many coats did you deliver?').fill('49');
    await p.getByRole('button', { name: /Report/ }).click();
    await p.locator('.govuk-error-summary').getByText('You can report at most 48 more coats').waitFor();
    await check(p, `ui18a-deliver-at-most-${size.width}`);
    await p.close();
  }
});

test('an officer finds every request by status, overdue commitments and supplier records from the navigation; an admin manages users and measures; a supplier reaches its ledger', async () => {
  const submitted = await apiAs(server.url, 'group').then((g) => g('POST', '/requests', { title: 'Paint for the community centre', description: 'Two rooms', kind: 'goods', area: 'E05015018', quantity: 20, unit: 'tins', valuePence: 40000, deadline: new Date(Date.now() + 60 * 864e5).toISOString().slice(0, 10) }));
  await apiAs(server.url, 'group').then((g) => g('POST', `/requests/${submitted.id}/submit`));
  for (const size of [WIDE, NARROW]) {
    const o = await newPage(browser, server.url, size);
    await signIn(o, 'officer');
    await h1(o, 'What needs attention');
    const nav = o.getByRole('navigation', { name: 'Menu' });
    if (size === WIDE) {
      await nav.getByRole('link', { name: 'Overdue' }).waitFor();
      await nav.getByRole('link', { name: 'Requests' }).click();
    } else {
      await o.goto('/officer/requests');
    }
    await h1(o, 'All requests');
    await o.getByLabel('Status').selectOption('submitted');
    await o.getByRole('button', { name: 'Show requests' }).click();
    await o.waitForURL(/status=submitted/);
    await o.getByRole('link', { name: 'Paint for the community centre' }).waitFor();
    await eventually(() => o.locator('main .govuk-tag').allInnerTexts(), (tags) => tags.length > 0 && tags.every((t) => t === 'Waiting for approval'), 'only submitted requests');
    await check(o, `ui18a-officer-requests-${size.width}`);
    await o.goto('/ledger');
    await h1(o, 'Social value ledger');
    const record = o.locator('#ledger-supplier').getByRole('link').first();
    if (await record.count()) {
      await record.click();
      await h1(o, 'Social value record');
    }
    await o.close();
  }

  const a = await newPage(browser, server.url, WIDE);
  await signIn(a, 'admin');
  await a.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Settings' }).click();
  await h1(a, 'Council settings');
  await a.getByRole('main').getByRole('link', { name: 'Users', exact: true }).click();
  await h1(a, 'Users');
  const card = a.locator('.govuk-summary-card', { hasText: 'supplier@stockport.example' });
  await card.getByRole('button', { name: /^Disable/ }).click();
  await a.getByText(/is disabled: they are signed out and cannot sign in/).waitFor();
  await card.getByText('Disabled').waitFor();
  await check(a, 'ui18a-admin-users-1280');
  await card.getByRole('button', { name: /^Enable/ }).click();
  await a.getByText(/can sign in again/).waitFor();
  await a.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Settings' }).click();
  await h1(a, 'Council settings');
  await a.getByRole('main').getByRole('link', { name: 'Measures', exact: true }).click();
  await h1(a, 'Measures catalogue');
  await a.getByRole('heading', { name: /^Current: version \d+/ }).waitFor();
  await a.getByRole('heading', { name: 'Import a new version' }).waitFor();
  await check(a, 'ui18a-admin-measures-1280');
  const narrow = await newPage(browser, server.url, NARROW);
  await signIn(narrow, 'admin', '/admin/users');
  await h1(narrow, 'Users');
  await check(narrow, 'ui18a-admin-users-360');
  await narrow.goto('/admin/measures');
  await h1(narrow, 'Measures catalogue');
  await check(narrow, 'ui18a-admin-measures-360');

  // The audit trail, found by the request's title and read in words (#18 item 5).
  for (const size of [WIDE, NARROW]) {
    const o = await newPage(browser, server.url, size);
    await signIn(o, 'officer', '/officer/audit');
    await h1(o, 'Audit trail');
    await o.getByLabel('Search for a request or an organisation').fill('community centre');
    await o.getByRole('button', { name: 'Search' }).click();
    await o.getByRole('link', { name: 'Paint for the community centre' }).click();
    const trail = o.locator('main ol.app-audit');
    await trail.getByText('Demo group created the request “Paint for the community centre”').waitFor();
    await trail.getByText('Demo group sent for approval the request “Paint for the community centre”').waitFor();
    assert.match(await trail.innerText(), /Status\s+draft → submitted/);
    assert.doesNotMatch(await trail.innerText(), /organisationId|Version/);
    await check(o, `ui18a-audit-words-${size.width}`);
    await o.close();
  }

  const s = await newPage(browser, server.url, WIDE);
  await signIn(s, 'supplier');
  await s.getByRole('navigation', { name: 'Menu' }).getByRole('link', { name: 'Your ledger' }).click();
  await h1(s, 'Social value ledger');
});

test('a supplier confirms the safeguarding checks when pledging; the officer sees it, and cannot approve a pledge without it', async () => {
  const req = await post('Coats for the children’s holiday club', 50000, { safeguarding: true });
  const supplier = await apiAs(server.url, 'supplier');
  const unconfirmed = await supplier('POST', `/requests/${req.id}/pledges`, { offer: 'Fitting coats at the club', quantity: 10, unit: 'coats', valuePence: 20000 });
  assert.match(unconfirmed.warnings.join(' '), /DBS/);

  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'supplier', `/requests/${req.id}/pledge`);
  await h1(p, 'Coats for the children’s holiday club');
  await p.getByLabel('What will you provide?').fill('Ten coats handed out by our staff');
  await p.getByLabel('How many').fill('10');
  await p.getByLabel('Value of your pledge').fill('200');
  await p.getByRole('button', { name: 'Send pledge' }).click();
  await p.locator('.govuk-error-summary').getByRole('link', { name: 'Confirm that the people doing the work have the checks it needs, or do not pledge yet' }).click();
  await focusIs(p, () => document.activeElement.id, 'safeguarding-confirmed');
  await check(p, 'ui18a-safeguarding-pledge-1280');
  await p.getByLabel(/I confirm that everyone who will do this work has the checks/).check();
  await p.getByRole('button', { name: 'Send pledge' }).click();
  await h1(p, 'Your pledges');

  for (const size of [WIDE, NARROW]) {
    const o = await newPage(browser, server.url, size);
    await signIn(o, 'officer', `/officer/pledges/${unconfirmed.id}/approve`);
    await h1(o, 'Approve pledge');
    assert.match(await o.locator('.govuk-summary-list').innerText(), /Safeguarding checks\s+Not confirmed/);
    await o.getByText(/has not confirmed that the people doing the work have the checks/).waitFor();
    assert.equal(await o.getByRole('button', { name: 'Approve' }).count(), 0);
    await check(o, `ui18a-safeguarding-approve-${size.width}`);
    await o.close();
  }
  await supplier('POST', `/pledges/${unconfirmed.id}/confirm-safeguarding`);
  const o = await newPage(browser, server.url, WIDE);
  await signIn(o, 'officer', `/officer/pledges/${unconfirmed.id}/approve`);
  await h1(o, 'Approve pledge');
  assert.match(await o.locator('.govuk-summary-list').innerText(), /Safeguarding checks\s+Confirmed by .+ on /);
  await o.getByRole('button', { name: 'Approve' }).waitFor();
});
