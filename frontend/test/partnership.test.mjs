// A procurement partnership on one platform (#14): Stockport and a test
// council, Trafford (test), form region "star" from the command line
// (PARTNERSHIP, with made-up test wards for Trafford); the
// region officer compares the councils, opens one council's ledger and the
// region's one-page summary; the
// demo supplier, approved in both, switches council. Trafford's wards here
// are made-up test areas. Every view is scanned with axe and photographed
// at 1280 and 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, newPage, check, shot, h1, signIn, apiAs, PARTNERSHIP } from '../testing/browser.mjs';
import { money } from '../src/format.js';

let server, browser, csvDir;
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 360, height: 740 };
const PASS = 'correct-horse-battery';
const TRAFFORD = { email: 'officer@trafford.example', password: PASS };

before(async () => {
  csvDir = mkdtempSync(join(tmpdir(), 'needmatch-areas-'));
  const csv = join(csvDir, 'trafford-test.csv');
  writeFileSync(csv, 'code,name,lat,lon,need\nT0000001,Test ward north,53.45,-2.35,0.7\nT0000002,Test ward south,53.38,-2.35,0.3\n');
  server = await startServer({}, [
    ...PARTNERSHIP,
    { args: ['import', 'areas', csv, '--authority', 'trafford'] },
    { args: ['user', 'create', '--role', 'officer', '--email', TRAFFORD.email, '--authority', 'trafford', '--password-stdin'], stdin: PASS },
  ]);
  browser = await launch();
  // The demo supplier asks to work in Trafford; Trafford's officer approves it.
  const supplierAPI = await apiAs(server.url, 'supplier');
  const m = await supplierAPI('POST', '/me/councils', { authority: 'trafford' });
  const traffordAPI = await apiAs(server.url, TRAFFORD);
  await traffordAPI('POST', `/organisations/${m.organisationId}/approve`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (csvDir) rmSync(csvDir, { recursive: true, force: true });
});

test('a region officer compares the councils of its region and opens one', async () => {
  for (const [vp, tag] of [[WIDE, '1280'], [NARROW, '360']]) {
    const page = await newPage(browser, server.url, vp);
    await signIn(page, 'region_officer');
    await h1(page, 'STAR Procurement');
    const rows = page.locator('main table tbody tr');
    assert.equal(await rows.count(), 3, 'Stockport, Trafford and the sum');
    const text = await page.locator('main table').innerText();
    assert.match(await page.locator('.govuk-generic-header__homepage-link').innerText(), /Needmatch partnership/);
    assert.match(text, /Stockport/);
    assert.match(text, /Trafford \(test council\)/);
    assert.match(text, /All councils/);
    await check(page, `region-councils-${tag}`);
    await page.locator('main table').getByRole('link', { name: /Stockport/ }).click();
    await h1(page, 'Stockport');
    assert.match(await page.locator('main').innerText(), /By contract/);
    await check(page, `region-council-${tag}`);
    // Read only: a council's own pages are not the region officer's.
    await page.goto('/officer');
    assert.doesNotMatch(await page.locator('main').innerText(), /Needs attention/);
    await page.context().close();
  }
});

test('a region officer opens and prints the region summary', async () => {
  // The region's figures are Stockport's summary and Trafford's added up.
  const stockport = await (await apiAs(server.url, 'officer'))('GET', '/ledger/summary');
  const trafford = await (await apiAs(server.url, TRAFFORD))('GET', '/ledger/summary');
  const secured = stockport.securedPence + trafford.securedPence;
  assert.ok(stockport.securedPence > 0, 'the demo has value secured in Stockport');
  const region = await (await apiAs(server.url, 'region_officer'))('GET', '/regions/star/summary');
  assert.equal(region.total.securedPence, secured);
  for (const [vp, tag] of [[WIDE, '1280'], [NARROW, '360']]) {
    const page = await newPage(browser, server.url, vp);
    await signIn(page, 'region_officer');
    await h1(page, 'STAR Procurement');
    const head = await page.locator('main table thead').innerText();
    assert.match(head, /Share of contract value/);
    assert.match(head, /Local spend share/);
    await page.getByRole('link', { name: 'The region’s one-page summary, to print' }).click();
    await h1(page, 'Region summary');
    const main = page.locator('main');
    const figure = main.locator('.app-count', { hasText: money(secured) });
    await figure.waitFor();
    const councils = await page.locator('table', { has: page.locator('#region-summary-councils') }).innerText();
    assert.match(councils, /Stockport/);
    assert.match(councils, /Trafford \(test council\)/);
    assert.match(councils, /All councils/);
    await check(page, `region-summary-${tag}`);
    // Printed, the page keeps the figures and drops the navigation and buttons.
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('header').first().isVisible(), false, 'the header is not printed');
    assert.equal(await page.getByRole('button', { name: 'Print this summary' }).isVisible(), false, 'the print button is not printed');
    assert.equal(await figure.isVisible(), true, 'the figures are printed');
    await shot(page, `region-summary-print-${tag}`);
    await page.context().close();
  }
});

test('a supplier approved in two councils switches council, and keeps it across a reload', async () => {
  for (const [vp, tag] of [[WIDE, '1280'], [NARROW, '360']]) {
    const page = await newPage(browser, server.url, vp);
    await signIn(page, 'supplier', '/supplier/councils');
    await h1(page, 'Your councils');
    const table = await page.locator('main table').innerText();
    assert.match(table, /Stockport/);
    assert.match(table, /Trafford \(test council\)/);
    await check(page, `supplier-councils-${tag}`);
    await page.getByRole('button', { name: 'Work in Trafford (test council)' }).click();
    await page.waitForURL((u) => u.pathname === '/supplier/requests');
    await page.locator('.govuk-generic-header__homepage-link', { hasText: 'Trafford (test council)' }).waitFor();
    // A page load starts again from the refresh cookie, which keeps the council.
    await page.goto('/supplier/councils');
    await h1(page, 'Your councils');
    assert.match(await page.locator('.govuk-generic-header__homepage-link').innerText(), /Trafford \(test council\)/);
    const here = page.locator('main table tbody tr', { hasText: 'You work here now' });
    assert.match(await here.innerText(), /Trafford/);
    await page.reload();
    await h1(page, 'Your councils');
    assert.match(await page.locator('.govuk-generic-header__homepage-link').innerText(), /Trafford \(test council\)/);
    assert.match(await page.title(), /Trafford \(test council\)$/);
    await check(page, `supplier-councils-switched-${tag}`);
    // Back home, for the next run.
    await page.getByRole('button', { name: 'Work in Stockport Council' }).click();
    await page.locator('.govuk-generic-header__homepage-link', { hasText: 'Stockport Council' }).waitFor();
    await page.context().close();
  }
});

test("a second council's officer sees its own wards, and a public address can name the council", async () => {
  for (const [vp, tag] of [[WIDE, '1280'], [NARROW, '360']]) {
    const page = await newPage(browser, server.url, vp);
    await signIn(page, TRAFFORD);
    await page.goto('/wards');
    await h1(page, 'Need by ward');
    await page.locator('main table', { hasText: 'Test ward north' }).waitFor();
    const main = await page.locator('main').innerText();
    assert.match(main, /Test ward south/);
    assert.doesNotMatch(main, /Bramhall North/);
    assert.match(await page.locator('.govuk-generic-header__homepage-link').innerText(), /Trafford \(test council\)/);
    await check(page, `trafford-wards-${tag}`);
    await page.context().close();

    // Anyone: the platform's default council, unless the address names another.
    const anon = await newPage(browser, server.url, vp);
    await anon.goto('/wards');
    await h1(anon, 'Need by ward');
    await anon.locator('main table', { hasText: 'Bramhall North' }).waitFor();
    assert.match(await anon.locator('.govuk-generic-header__homepage-link').innerText(), /Stockport Council/);
    await anon.goto('/wards?council=trafford');
    await h1(anon, 'Need by ward');
    await anon.locator('main table', { hasText: 'Test ward north' }).waitFor();
    assert.doesNotMatch(await anon.locator('main').innerText(), /Bramhall North/);
    // The tab keeps the council named from page to page.
    await anon.goto('/register');
    await h1(anon, 'Register');
    assert.equal(await anon.getByLabel('Council').inputValue(), 'trafford');
    assert.match(await anon.locator('.govuk-generic-header__homepage-link').innerText(), /Trafford \(test council\)/);
    await check(anon, `register-council-${tag}`);
    await anon.context().close();
  }
});
