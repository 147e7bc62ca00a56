// The ledger by financial year and the council's one-page summary (#12):
// an officer reads the ledger for a financial year and a quarter, sees
// social value as a share of contract value, opens the summary and its
// printable page (served by Go with its own CSP); the public page shows
// the council's share. Each view scanned with axe and photographed at
// 1280 and 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, check, h1, signIn, textsAre, ACCOUNTS } from '../testing/browser.mjs';

let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const now = new Date();
const fy = now.getUTCMonth() < 3 ? now.getUTCFullYear() - 1 : now.getUTCFullYear();
const fyLabel = `${fy}/${String((fy + 1) % 100).padStart(2, '0')}`;

for (const [width, height] of [[1280, 900], [360, 780]]) {
  test(`an officer reads the ledger by financial year and opens the summary at ${width} px`, async () => {
    const p = await newPage(browser, server.url, { width, height });
    await signIn(p, 'officer');
    await p.goto('/ledger');
    await h1(p, 'Social value ledger');
    await p.getByRole('heading', { name: 'Figures for every year on record' }).waitFor();
    await p.getByText('of contract value secured as social value').waitFor();
    await p.getByRole('table', { name: 'By financial year' }).waitFor();
    await p.getByRole('table', { name: 'By directorate' }).waitFor();
    await p.getByLabel('Financial year', { exact: true }).selectOption(String(fy));
    await p.getByLabel('Quarter', { exact: true }).selectOption('');
    await p.getByRole('button', { name: 'Show the figures' }).click();
    await p.waitForURL((u) => u.searchParams.get('fy') === String(fy));
    await p.getByRole('heading', { name: `Figures for the financial year ${fyLabel}` }).waitFor();
    await textsAre(p.getByRole('table', { name: 'By financial year' }).locator('tbody th'), [fyLabel], 'a year filter leaves one year');
    await check(p, `ledger-fy-${width}`);
    // A quarter with nothing in it still reads well.
    await p.goto(`/ledger?fy=${fy - 3}&quarter=1`);
    await p.getByRole('heading', { name: `Figures for April to June ${fy - 3}/${String((fy - 2) % 100).padStart(2, '0')}` }).waitFor();
    await p.getByText('No value has been pledged yet').waitFor();
    await check(p, `ledger-quarter-empty-${width}`);
    await p.goto('/ledger');
    await p.getByRole('link', { name: 'The council’s one-page summary, to print' }).click();
    await h1(p, 'Social value summary');
    assert.equal(await p.locator('nav[aria-label="Menu"] [aria-current="page"]').textContent(), 'Ledger', 'the summary is in the Ledger section');
    await p.getByText('of contract value secured as social value').waitFor();
    await p.getByText('Not recorded').waitFor();
    await p.getByRole('table', { name: 'Contracts with most value secured' }).waitFor();
    await check(p, `council-summary-${width}`);
    await p.emulateMedia({ media: 'print' });
    assert.equal(await p.getByRole('button', { name: 'Print this summary' }).isVisible(), false, 'the buttons are not printed');
    await p.emulateMedia({ media: 'screen' });
    await p.context().close();
  });
}

test('the printable summary is served by the server with its own CSP', async () => {
  const res = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ACCOUNTS.officer) });
  const { accessToken } = await res.json();
  for (const [width, height] of [[1280, 900], [360, 780]]) {
    const p = await newPage(browser, server.url, { width, height });
    await p.setExtraHTTPHeaders({ Authorization: `Bearer ${accessToken}` });
    const r = await p.goto('/api/v1/ledger/summary?format=html');
    assert.equal(r.status(), 200);
    assert.match(r.headers()['content-security-policy'], /^default-src 'none'; style-src 'sha256-/);
    await p.getByRole('heading', { level: 1, name: /Social value summary/ }).waitFor();
    assert.equal(await p.locator('.fig').first().evaluate((e) => getComputedStyle(e).borderLeftStyle), 'solid', 'its style is allowed by its hash');
    await check(p, `council-summary-page-${width}`);
    await p.context().close();
  }
});

test('the public page shows the council’s share of contract value', async () => {
  const p = await newPage(browser, server.url, { width: 1280, height: 900 });
  await p.goto('/social-value');
  await h1(p, 'Social value delivered');
  await p.getByText('of the value of the council’s contracts secured as social value').waitFor();
  await check(p, 'public-share-1280');
  await p.context().close();
});
