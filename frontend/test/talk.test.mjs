// People reach each other (#13): a group and a supplier exchange messages
// on a pledge and each sees the other's message and its unread count; a
// message is reported and an officer closes the report; an officer
// suspends and reinstates an organisation from its page; a group fills in
// its due-diligence details with GOV.UK errors. Every view is scanned with
// axe and photographed at 1280 and 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, check, h1, signIn, apiAs, focusIs } from '../testing/browser.mjs';

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

async function unread(page) {
  const p = page.locator('.app-unread');
  await p.waitFor();
  return Number(await p.getAttribute('data-unread'));
}

test('a group and a supplier exchange messages on a pledge, with unread counts and a report to officers', async () => {
  const supplierAPI = await apiAs(server.url, 'supplier');
  const groupAPI = await apiAs(server.url, 'group');
  const mine = await groupAPI('GET', '/requests?mine=true&limit=100');
  const req = mine.items.find((r) => ['published', 'partly_matched'].includes(r.status));
  assert.ok(req, 'the seed has a published request of the demo group');
  const pledge = await supplierAPI('POST', `/requests/${req.id}/pledges`, { offer: 'Two volunteers for a day', quantity: 2, unit: 'days', valuePence: 30000 });

  // The group writes first, from the request's pledges.
  const g = await newPage(browser, server.url, WIDE);
  await signIn(g, 'group');
  await h1(g, 'Your requests');
  assert.equal(await unread(g), 0);
  await g.goto(`/requests/${req.id}`);
  await g.getByRole('link', { name: /Messages about the pledge from/ }).first().waitFor();
  await g.goto(`/pledges/${pledge.id}`);
  await h1(g, 'Pledge from');
  await g.getByText('No messages yet.').waitFor();
  await g.getByRole('button', { name: 'Send message' }).click();
  await g.locator('.govuk-error-summary').getByRole('link', { name: 'Enter your message' }).click();
  await focusIs(g, () => document.activeElement.id, 'message-body');
  await check(g, 'talk-thread-error-1280');
  await g.getByLabel('Write a message').fill('Hello! Could your volunteers come on a Saturday?\nWe open at 10am.');
  await g.getByRole('button', { name: 'Send message' }).click();
  await g.getByText('Your message is sent').waitFor();
  assert.match(await g.locator('.app-message--mine').innerText(), /You.*\n*Hello! Could your volunteers come on a Saturday\?\nWe open at 10am\./s);

  // The supplier sees one unread message on its first screen, reads it and replies.
  const s = await newPage(browser, server.url, WIDE);
  await signIn(s, 'supplier');
  await h1(s, 'Requests for you');
  assert.equal(await unread(s), 1);
  await s.goto('/supplier/pledges');
  await s.getByRole('link', { name: `Messages about your pledge to ${req.title}` }).first().click();
  await h1(s, 'Pledge from');
  await s.getByText('Could your volunteers come on a Saturday?').waitFor();
  assert.doesNotMatch(await s.locator('main').innerText(), /@stockport\.example/);
  await s.getByLabel('Write a message').fill('Saturday works. We will bring our own lunch.');
  await s.getByRole('button', { name: 'Send message' }).click();
  await s.getByText('Your message is sent').waitFor();
  await check(s, 'talk-thread-supplier-1280');
  await s.goto('/supplier/requests');
  await h1(s, 'Requests for you');
  assert.equal(await unread(s), 0);

  // The group sees the reply counted, reads it and reports it.
  await g.goto('/my/requests');
  await h1(g, 'Your requests');
  assert.equal(await unread(g), 1);
  await check(g, 'talk-group-unread-1280');
  await g.goto(`/pledges/${pledge.id}`);
  await g.getByText('Saturday works.').waitFor();
  await g.getByRole('button', { name: /Report this message/ }).click();
  await g.getByRole('button', { name: 'Report message' }).click();
  await g.getByText('Enter why you are reporting this message').first().waitFor();
  await g.getByLabel('Why are you reporting this message to the council?').fill('Testing the report: not really rude');
  await g.getByRole('button', { name: 'Report message' }).click();
  await g.getByText('Reported to the council').waitFor();
  await check(g, 'talk-thread-group-1280');
  const gn = await newPage(browser, server.url, NARROW);
  await signIn(gn, 'group');
  await gn.goto(`/pledges/${pledge.id}`);
  await gn.getByText('Saturday works.').waitFor();
  await check(gn, 'talk-thread-group-360');

  // The officer sees the report under what needs attention and closes it.
  const o = await newPage(browser, server.url, WIDE);
  await signIn(o, 'officer');
  await h1(o, 'What needs attention');
  const reported = o.locator('section[aria-labelledby=reported]');
  await reported.getByText('Testing the report').waitFor();
  assert.ok((await unread(o)) >= 2);
  await check(o, 'talk-officer-dashboard-1280');
  await reported.getByRole('button', { name: /Close report/ }).click();
  await reported.getByText('None. Messages that someone reports').waitFor();
});

test('an officer suspends and reinstates an organisation from its page; the list filters by status', async () => {
  const o = await newPage(browser, server.url, WIDE);
  await signIn(o, 'officer');
  await o.goto('/officer/organisations?status=approved');
  await h1(o, 'Organisations');
  await check(o, 'talk-organisations-1280');
  const supplierRow = o.locator('tbody tr').filter({ has: o.locator('text=Supplier') }).first();
  const name = (await supplierRow.locator('a').innerText()).trim();
  await supplierRow.locator('a').click();
  await h1(o, name);
  await o.getByRole('button', { name: 'Suspend organisation' }).click();
  await o.locator('.govuk-error-summary').getByRole('link', { name: 'Enter why you are suspending this organisation' }).waitFor();
  await check(o, 'talk-organisation-suspend-error-1280');
  await o.getByLabel('Why are you suspending this organisation?').fill('Complaint about conduct under investigation');
  await o.getByRole('button', { name: 'Suspend organisation' }).click();
  await o.getByText(`${name} is suspended`).waitFor();
  await o.goto('/officer/organisations?status=suspended');
  await o.locator('tbody tr', { hasText: name }).waitFor();
  assert.equal(await o.locator('tbody tr').count(), 1);
  await o.locator('tbody tr a', { hasText: name }).click();
  await h1(o, name);
  const on = await newPage(browser, server.url, NARROW);
  await signIn(on, 'officer');
  await on.goto(o.url());
  await h1(on, name);
  await check(on, 'talk-organisation-suspended-360');
  await o.getByLabel('Why are you reinstating this organisation?').fill('Investigation closed with no finding');
  await o.getByRole('button', { name: 'Reinstate organisation' }).click();
  await o.getByText(`${name} is reinstated`).waitFor();
  await check(o, 'talk-organisation-reinstated-1280');
});

test('a group gives its due-diligence details, with the GOV.UK error summary for wrong formats', async () => {
  const g = await newPage(browser, server.url, WIDE);
  await signIn(g, 'group');
  await g.goto('/organisation');
  await h1(g, 'Your organisation');
  await g.getByLabel('Charity number (if you have one)').fill('12');
  await g.getByLabel('Address line 1').fill('1 Wellington Road South');
  await g.getByLabel('Town or city').fill('Stockport');
  await g.getByLabel('Postcode').fill('nowhere');
  await g.getByRole('button', { name: 'Save details' }).click();
  const summary = g.locator('.govuk-error-summary');
  await summary.getByRole('link', { name: /Enter a real UK postcode/ }).click();
  await focusIs(g, () => document.activeElement.id, 'address-postcode');
  assert.match(await summary.innerText(), /charity number of 6 to 8 digits/);
  await check(g, 'talk-profile-errors-1280');
  await g.getByLabel('Charity number (if you have one)').fill('1123456');
  await g.getByLabel('Postcode').fill('sk13xe');
  await g.getByLabel('Full name').fill('Sam Jones');
  await g.getByRole('button', { name: 'Save details' }).click();
  await g.getByText('Your organisation’s details are saved').waitFor();
  assert.equal(await g.getByLabel('Postcode').inputValue(), 'SK1 3XE');
  const gn = await newPage(browser, server.url, NARROW);
  await signIn(gn, 'group');
  await gn.goto('/organisation');
  await h1(gn, 'Your organisation');
  await gn.getByRole('button', { name: 'Save details' }).click();
  await gn.getByText('Your organisation’s details are saved').waitFor();
  await check(gn, 'talk-profile-360');
});
