// A long list and long names: 200 more requests (one with a very long
// word, from an organisation with a very long name) on the public list,
// paged with "Load more", on a desktop and on a phone. This server runs
// with rate limits off, since the test posts 600 writes in a few seconds.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, axe, shot, apiAs, verifyFromSentMail, RESULTS, focusIs } from '../testing/browser.mjs';
import { join } from 'node:path';

let server, browser;

before(async () => {
  server = await startServer({ NEEDMATCH_RATE_LIMITS: 'off' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('200 requests and long names stay readable', async () => {
  const staffer = await apiAs(server.url, 'officer');
  const longOrg = 'The Stockport and District Community Interest Company for Warm Homes, Healthy Lives and Neighbourly Help';
  const reg = await fetch(`${server.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'long@stockport.example', password: 'a long demo password', name: 'Long Name', role: 'group', organisation: { name: longOrg, authority: 'stockport' } }),
  });
  assert.equal(reg.status, 202, await reg.clone().text());
  await verifyFromSentMail(server.url, 'long@stockport.example');
  const group = await apiAs(server.url, { email: 'long@stockport.example', password: 'a long demo password' });
  const { organisation } = await group('GET', '/me');
  await staffer('POST', `/organisations/${organisation.id}/approve`, {});
  const wards = (await (await fetch(`${server.url}/api/v1/authorities/stockport`)).json()).areas;
  const kinds = ['volunteering', 'goods', 'funding', 'advice', 'jobs', 'works'];
  for (let i = 0; i < 200; i++) {
    const title = i === 0
      ? 'Supercalifragilisticexpialidociouslylongwordwithoutanyspacesatalltobreakthelayout and a title that goes on'
      : `Request number ${i + 1} for ${kinds[i % 6]}`;
    const r = await group('POST', '/requests', {
      title, description: `Generated request ${i + 1}.`, kind: kinds[i % 6], area: wards[i % wards.length].code,
      quantity: 1 + i, unit: 'items', valuePence: 10000 * (i + 1) + 1234567, deadline: `${new Date().getUTCFullYear() + 1}-12-31`,
    });
    await group('POST', `/requests/${r.id}/submit`, {});
    await staffer('POST', `/requests/${r.id}/publish`, {});
  }
  const p = await newPage(browser, server.url);
  await p.goto('/');
  await p.locator('.app-request-list__item').first().waitFor();
  for (let n = 100; n <= 200; n += 50) {
    await p.getByRole('button', { name: 'Load more' }).click();
    await p.getByText(`Showing the first ${n} requests`).waitFor();
    await focusIs(p, () => document.activeElement.tagName, 'A', 'the first new request takes focus');
  }
  await p.getByRole('button', { name: 'Load more' }).click();
  await p.getByText('Showing all 206 requests').waitFor();
  assert.equal(await p.locator('.app-request-list__item').count(), 206);
  await shot(p, 'public-home-206-requests');
  await axe(p, 'public-home-206-requests');
  await p.getByRole('link', { name: /^Supercalifragilistic/ }).click();
  await p.locator('main h1').filter({ hasText: 'Supercalifragilistic' }).waitFor();
  await shot(p, 'public-request-long-names');
  await axe(p, 'public-request-long-names');
  // On a phone: nothing overflows sideways.
  const m = await newPage(browser, server.url, { width: 360, height: 740 });
  await m.goto('/');
  await m.locator('.app-request-list__item').first().waitFor();
  const overflow = await m.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page overflows sideways by ${overflow}px on a phone`);
  await m.screenshot({ path: join(RESULTS, 'mobile-home.png') });
  await m.goto('/wards');
  await m.locator('svg.app-map circle').first().waitFor();
  const wardsOverflow = await m.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(wardsOverflow <= 0, `the ward page overflows sideways by ${wardsOverflow}px on a phone`);
  await shot(m, 'mobile-wards');
  await axe(m, 'mobile-wards');
  await p.context().close();
  await m.context().close();
});
