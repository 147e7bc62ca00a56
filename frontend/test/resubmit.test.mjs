// A rejected request is no dead end: the group changes it and sends it
// again, and the officer sees the earlier reason and what changed since.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, check, h1, h1Focused, signIn, apiAs, focusIs } from '../testing/browser.mjs';

let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const TITLE = 'Paint for the larder shelves';
const REASON = 'Say how many tins of paint you need and what they cost.';

test('the group changes a rejected request and sends it again; the officer sees what changed', async () => {
  const group = await apiAs(server.url, 'group');
  const officer = await apiAs(server.url, 'officer');
  const deadline = `${new Date().getUTCFullYear() + 1}-03-31`;
  const r = await group('POST', '/requests', { title: TITLE, description: 'Paint for the shelves.', kind: 'goods', area: 'E05015018', quantity: 1, unit: 'lot', valuePence: 5000, deadline });
  await group('POST', `/requests/${r.id}/submit`, {});
  await officer('POST', `/requests/${r.id}/reject`, { reason: REASON });

  const p = await newPage(browser, server.url, { width: 1280, height: 900 });
  await signIn(p, 'group', `/requests/${r.id}`);
  await h1(p, TITLE);
  assert.match(await p.locator('.govuk-summary-list').innerText(), new RegExp(`Reason\\s+${REASON}`));
  await p.getByRole('link', { name: 'Change this request and send it again' }).click();
  await h1Focused(p, 'Change your request');
  await p.getByText(`A council officer did not publish this request: ${REASON}`).waitFor();
  await p.getByLabel('What is it worth?').fill('a lot');
  await p.getByRole('button', { name: 'Send for approval again' }).click();
  await p.locator('.govuk-error-summary').getByRole('link', { name: /amount of money/ }).click();
  await focusIs(p, () => document.activeElement.id, 'value');
  await check(p, 'resubmit-edit-errors-1280');
  await p.getByLabel('Description').fill('Twelve tins of white gloss paint for the larder shelves, £8.50 each.');
  await p.getByLabel('How many').fill('12');
  await p.getByLabel('Of what').fill('tins');
  await p.getByLabel('What is it worth?').fill('102');
  await p.getByRole('button', { name: 'Send for approval again' }).click();
  await h1(p, TITLE);
  await p.getByText('Request changed and sent for approval again').waitFor();
  await p.waitForFunction(() => document.activeElement?.classList.contains('govuk-notification-banner--success'));
  assert.match(await p.locator('.govuk-summary-list').innerText(), /Waiting for approval/);
  await check(p, 'resubmit-sent-1280');
  await p.context().close();

  for (const [name, viewport] of [['1280', { width: 1280, height: 900 }], ['360', { width: 360, height: 740 }]]) {
    const o = await newPage(browser, server.url, viewport);
    await signIn(o, 'officer', `/requests/${r.id}`);
    await h1(o, TITLE);
    await o.getByRole('heading', { name: 'Changed since it was rejected' }).waitFor();
    const text = await o.locator('main').innerText();
    assert.match(text, new RegExp(`Rejected before because\\s+${REASON}`));
    assert.match(text, /Estimated value\s+£102\s+Was: £50/);
    assert.match(text, /How many\s+12\s+Was: 1/);
    assert.match(text, /Of what\s+tins\s+Was: lot/);
    assert.doesNotMatch(text, /Title\s+Paint/, 'the unchanged title is not listed as changed');
    await check(o, `resubmit-officer-${name}`);
    if (name === '360') {
      // The Publish button is far down a narrow page: the success banner
      // takes focus and comes into view.
      await o.getByRole('button', { name: `Publish ${TITLE}` }).click();
      await o.getByText('Request published').waitFor();
      await o.waitForFunction(() => document.activeElement?.classList.contains('govuk-notification-banner--success'));
      const box = await o.locator('.govuk-notification-banner--success').boundingBox();
      assert.ok(box.y >= 0 && box.y < 740, `the banner is in view (y=${box.y})`);
      await check(o, 'publish-banner-360');
    }
    await o.context().close();
  }
  const events = await officer('GET', `/audit?object=${r.id}`);
  assert.deepEqual(events.items.map((e) => e.action), ['request.create', 'request.submit', 'request.reject', 'request.update', 'request.resubmit', 'request.publish']);
});
