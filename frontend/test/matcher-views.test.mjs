// The views that show the matcher's work: the ranked requests with their
// score explained, and the allocation run, review and accept. They use the
// real server; where it does not have the matcher routes yet (404), the
// browser is answered with bodies shaped exactly as the API contract says,
// so the views are tested now and run against the real matcher once it is
// there.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, check, signIn, apiAs } from '../testing/browser.mjs';

let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** orContract answers a route from the server, or with fake() if it 404s. */
async function orContract(page, glob, fake) {
  const used = { fake: false };
  await page.route(glob, async (route) => {
    const res = await route.fetch();
    if (res.status() !== 404) return route.fulfill({ response: res });
    used.fake = true;
    const [status, body] = await fake(route.request());
    return route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  });
  return used;
}

const BREAKDOWN = [
  { name: 'need', weight: 0.4, value: 0.92, contribution: 0.368, explanation: 'Brinnington & Stockport Central is among the most deprived wards in Stockport.' },
  { name: 'fit', weight: 0.25, value: 1, contribution: 0.25, explanation: 'You offer goods and equipment, which this request asks for.' },
  { name: 'share', weight: 0.15, value: 0.5, contribution: 0.075, explanation: 'Half of the need is still open.' },
  { name: 'urgency', weight: 0.2, value: 0.4, contribution: 0.08, explanation: 'It is needed within three months.' },
];

test('a supplier sees requests ranked for it, with the score explained in words', async () => {
  const p = await newPage(browser, server.url);
  await signIn(p, 'supplier');
  const used = await orContract(p, '**/api/v1/matches/requests?**', async (req) => {
    const url = new URL(req.url());
    const list = await (await fetch(`${server.url}/api/v1/requests${url.search}`)).json();
    const items = list.items.map((r, i) => ({ request: r, score: Math.max(0.1, 0.77 - i * 0.1), breakdown: BREAKDOWN }));
    return [200, { items, next: list.next }];
  });
  await p.goto('/supplier/requests');
  await p.locator('main h1').filter({ hasText: 'Requests for you' }).waitFor();
  await p.getByText(/Match score: \d+ out of 100/).first().waitFor();
  const first = p.locator('.app-request-list__item').first();
  await first.getByText('Why this score').click();
  const why = await first.locator('.govuk-details__text').innerText();
  assert.ok(why.length > 40, 'the breakdown is explained in words');
  assert.match(why, /out of 100/);
  await check(p, used.fake ? 'supplier-ranked-contract' : 'supplier-ranked');
  await p.context().close();
});

test('an officer runs the allocation, sees progress, reviews the reasons and accepts', async () => {
  // Two offered pledges to allocate.
  const supplier = await apiAs(server.url, 'supplier');
  const list = (await (await fetch(`${server.url}/api/v1/requests`)).json()).items;
  const pledges = [];
  for (const r of list.slice(0, 2)) {
    pledges.push(await supplier('POST', `/requests/${r.id}/pledges`, { offer: `Help with ${r.title}`, quantity: 1, unit: r.unit, valuePence: r.valuePence + 50000, allowPartial: true }));
  }
  const p = await newPage(browser, server.url);
  await signIn(p, 'officer');
  let release;
  const slow = new Promise((r) => (release = r));
  const usedRun = await orContract(p, '**/api/v1/allocations', async () => {
    await slow; // hold the answer so the progress state can be seen
    return [201, {
      id: 'alloc-contract-1', objective: 1234.5, bound: 1250, gap: 0.0124, createdAt: new Date().toISOString(),
      items: pledges.map((pl, i) => ({ pledgeId: pl.id, requestId: pl.requestId, valuePence: pl.valuePence, approvedPence: pl.valuePence - 50000 * (i + 1), reason: i === 0 ? 'Covers the rest of the request in the ward with the highest need.' : 'Part approved: the request needs less than is pledged.' })),
    }];
  });
  await orContract(p, '**/api/v1/allocations/*/accept', async (req) => {
    const { pledgeIds } = JSON.parse(req.postData() || '{}');
    return [200, { approved: pledgeIds, skipped: [] }];
  });
  await p.goto('/officer/allocation');
  await p.getByRole('button', { name: 'Run the allocation' }).click();
  if (usedRun.fake || true) {
    await p.getByText('Working out the allocation').waitFor();
    await check(p, 'officer-allocation-progress');
    release();
  }
  await p.getByRole('heading', { name: 'Review the allocation' }).waitFor();
  assert.equal(await p.evaluate(() => document.activeElement.innerText), 'Review the allocation');
  const table = await p.locator('main table').innerText();
  assert.match(table, /Mersey Build Ltd/);
  assert.match(table, /highest need|need/i);
  await check(p, 'officer-allocation-review');
  await p.getByRole('button', { name: 'Approve selected pledges' }).click();
  await p.getByRole('heading', { name: /2 pledges approved/ }).waitFor();
  await check(p, 'officer-allocation-accepted');
  await p.context().close();
});
