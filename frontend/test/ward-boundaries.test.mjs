// A council's own ward boundaries on the need map: the GeoJSON file is read
// in the browser, its problems shown in an error summary linked to the
// input, the matched wards drawn as shapes filled by need (checked by where
// they land, not just that axe passes), kept for the session, and "Back to
// the bubble map" — all with the keyboard.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer, launch, newPage, check, h1, signIn, focusIs } from '../testing/browser.mjs';

const FIXTURE = fileURLToPath(new URL('./fixtures/three-square-wards.geojson', import.meta.url));
const REAL = '/work/shared/data/stockport_wards2023_generalised.geojson';

let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function tabTo(p, selector) {
  for (let i = 0; i < 80; i++) {
    await p.keyboard.press('Tab');
    if (await p.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  assert.fail(`Tab never reached ${selector}`);
}

async function submitWith(p, file) {
  if (file) await p.locator('#boundary-file').setInputFiles(file);
  await tabTo(p, 'form[action="/wards"] button');
  await p.keyboard.press('Enter');
}

async function expectError(p, text) {
  const summary = p.locator('.govuk-error-summary');
  await summary.getByRole('link', { name: text }).waitFor();
  assert.equal(await summary.getByRole('link').getAttribute('href'), '#boundary-file');
  assert.ok(await summary.evaluate((el) => el === document.activeElement), 'the error summary takes focus');
  await p.locator('#boundary-file-error').filter({ hasText: text }).waitFor();
  assert.match(await p.title(), /^Error: /);
}

// boxes returns each ward shape's bounding box in SVG units, by code.
function boxes(p) {
  return p.evaluate(() => Object.fromEntries([...document.querySelectorAll('svg.app-map path[data-code]')].map((el) => {
    const b = el.getBBox();
    return [el.dataset.code, { x: b.x, y: b.y, w: b.width, h: b.height, cx: b.x + b.width / 2, cy: b.y + b.height / 2 }];
  })));
}

test('ward boundaries from a GeoJSON file, with the keyboard', async () => {
  const p = await newPage(browser, server.url);
  await signIn(p, 'officer');
  await p.goto('/wards');
  await h1(p, 'Need by ward');
  await p.locator('svg.app-map circle').first().waitFor();

  // Errors, each in the summary and linked to the input.
  await submitWith(p, null);
  await expectError(p, 'Select a GeoJSON file of ward boundaries');
  await tabTo(p, '.govuk-error-summary a');
  await p.keyboard.press('Enter'); // follow the summary's link
  await focusIs(p, () => document.activeElement.id, 'boundary-file');
  await check(p, 'wards-boundaries-error');
  await submitWith(p, { name: 'wards.geojson', mimeType: 'application/geo+json', buffer: Buffer.from('this is not JSON') });
  await expectError(p, 'The file must be GeoJSON, but it is not valid JSON');
  await submitWith(p, { name: 'ward.geojson', mimeType: 'application/geo+json', buffer: Buffer.from('{"type":"Feature","properties":{},"geometry":null}') });
  await expectError(p, 'The file must be a GeoJSON FeatureCollection');
  const elsewhere = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: 'E05000001' }, geometry: { type: 'Polygon', coordinates: [[[0, 51], [0.1, 51], [0.1, 51.1], [0, 51]]] } }] };
  await submitWith(p, { name: 'london.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(elsewhere)) });
  await expectError(p, /No feature in the file has a ward code of this council/);
  await submitWith(p, { name: 'huge.geojson', mimeType: 'application/geo+json', buffer: Buffer.alloc(5 * 1024 * 1024 + 1, 32) });
  await expectError(p, 'The file must be smaller than 5 MB');

  // The three made-up square wards: shapes in the right places.
  await submitWith(p, FIXTURE);
  await p.getByRole('button', { name: 'Back to the bubble map' }).waitFor();
  assert.equal(await p.locator('.govuk-error-summary').count(), 0);
  await focusIs(p, () => document.activeElement.textContent, 'Map of need', 'focus moves to the map');
  await p.getByText('matched to wards by the property WD23CD: 3 of 21 wards').waitFor();
  assert.equal(await p.locator('svg.app-map path').count(), 3);
  assert.equal(await p.locator('svg.app-map circle').count(), 0);
  const brin = p.getByRole('img', { name: /^\d+\. Brinnington & Stockport Central: need index \d\.\d\d$/ });
  assert.equal(await brin.count(), 1, 'each ward has an accessible name');
  assert.match(await brin.locator('title').textContent(), /Brinnington/);
  const b = await boxes(p);
  const [brinn, off, bram] = [b.E05015018, b.E05015032, b.E05015015];
  assert.ok(brinn.cy < off.cy && off.cy < bram.cy, 'north to south: Brinnington, Offerton, Bramhall South');
  assert.ok(off.cx > brinn.cx && brinn.cx > bram.cx - 40, 'Offerton is east of Brinnington');
  for (const [code, x] of Object.entries(b)) {
    assert.ok(x.w < 320 && x.h < 280, `${code} is a ward, not the whole map (${x.w}×${x.h})`);
    assert.ok(x.x >= 0 && x.y >= 0 && x.x + x.w <= 640 && x.y + x.h <= 560, `${code} is inside the map`);
  }
  assert.ok(Math.abs(brinn.w / brinn.h - 1) < 0.1, `a square ward is drawn square (${brinn.w}×${brinn.h})`);
  // Offerton's clockwise ring with a hole: evenodd leaves the hole unfilled.
  const hole = await p.evaluate(() => {
    const el = document.querySelector('path[data-code="E05015032"]');
    const b = el.getBBox();
    const pt = el.ownerSVGElement.createSVGPoint();
    pt.x = b.x + b.width / 2; pt.y = b.y + b.height / 2;
    const edge = el.ownerSVGElement.createSVGPoint();
    edge.x = b.x + 2; edge.y = b.y + 2;
    return { centre: el.isPointInFill(pt), edge: el.isPointInFill(edge) };
  });
  assert.deepEqual(hole, { centre: false, edge: true });
  assert.equal(await p.locator('table.govuk-table tbody tr').count(), 21, 'the table stays');
  await check(p, 'wards-boundaries-squares');

  // Kept for the session.
  await p.reload();
  await h1(p, 'Need by ward');
  await p.locator('svg.app-map path').first().waitFor();
  assert.equal(await p.locator('svg.app-map path').count(), 3);

  // Back to the bubble map with the keyboard.
  await tabTo(p, 'button.govuk-button--secondary[type="button"]');
  await focusIs(p, () => document.activeElement.textContent, 'Back to the bubble map');
  await p.keyboard.press('Enter');
  await p.locator('svg.app-map circle').first().waitFor();
  assert.equal(await p.locator('svg.app-map path').count(), 0);
  await p.reload();
  await p.locator('svg.app-map circle').first().waitFor();
  await check(p, 'wards-bubbles-after-boundaries');
  await p.context().close();
});

test('a real council boundary file draws all 21 wards', { skip: !existsSync(REAL) && `${REAL} is not here` }, async () => {
  const p = await newPage(browser, server.url);
  await signIn(p, 'officer');
  await p.goto('/wards');
  await p.locator('svg.app-map circle').first().waitFor();
  await p.locator('#boundary-file').setInputFiles(REAL);
  await p.getByRole('button', { name: 'Show the ward boundaries' }).click();
  await p.getByText('matched to wards by the property area_code: 21 of 21 wards').waitFor();
  assert.equal(await p.locator('svg.app-map path').count(), 21);
  const b = await boxes(p);
  const all = Object.values(b);
  const minX = Math.min(...all.map((x) => x.x)), maxX = Math.max(...all.map((x) => x.x + x.w));
  const minY = Math.min(...all.map((x) => x.y)), maxY = Math.max(...all.map((x) => x.y + x.h));
  assert.ok(minX >= 0 && minY >= 0 && maxX <= 640 && maxY <= 560, 'the wards fit the map');
  for (const [code, x] of Object.entries(b)) assert.ok(x.w < 400 && x.h < 400, `${code} is one ward, not the sphere (${x.w}×${x.h})`);
  // Brinnington & Stockport Central is north of Bramhall South & Woodford.
  assert.ok(b.E05015018.cy < b.E05015015.cy);
  await check(p, 'wards-boundaries-stockport');
  await p.context().close();
});
