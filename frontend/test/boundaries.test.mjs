// The boundary reader and projection on their own (no browser): matching
// by property, validation messages, and either ring winding drawing the
// same shape in the right place.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseBoundaries, project, matchProperty, ringArea, BoundaryError } from '../src/boundaries.js';

const areas = [
  { code: 'E05015018', name: 'Brinnington & Stockport Central' },
  { code: 'E05015032', name: 'Offerton' },
  { code: 'E05015015', name: 'Bramhall South & Woodford' },
  { code: 'E05015014', name: 'Bramhall North' },
];
const fixture = readFileSync(new URL('./fixtures/three-square-wards.geojson', import.meta.url), 'utf8');

test('matches by the first property whose values are ward codes', () => {
  const b = parseBoundaries(fixture, areas);
  assert.equal(b.property, 'WD23CD');
  assert.deepEqual(b.wards.map((w) => w.code).sort(), ['E05015015', 'E05015018', 'E05015032']);
  assert.equal(b.skipped, 1);
  const codes = new Set(areas.map((a) => a.code));
  assert.equal(matchProperty([{ properties: { code: 'E05015018', area_code: 'E05015014' } }], codes), 'area_code');
  assert.equal(matchProperty([{ properties: { name: 'x', code: 'E05015018' } }], codes), 'code');
  assert.equal(matchProperty([{ properties: { name: 'x' } }], codes), null);
});

test('says what is wrong with a file', () => {
  const bad = (text, re) => assert.throws(() => parseBoundaries(text, areas), (e) => e instanceof BoundaryError && re.test(e.message));
  bad('not json {', /not valid JSON/);
  bad('{"type":"Feature","properties":{},"geometry":null}', /FeatureCollection/);
  bad('[1,2]', /FeatureCollection/);
  bad('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"E0999"},"geometry":{"type":"Point","coordinates":[0,0]}}]}', /No feature/);
  bad('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"E05015018"},"geometry":{"type":"Point","coordinates":[0,0]}}]}', /No feature/);
});

test('either winding draws the same square, north up, inside the box', () => {
  const ring = [[-2.2, 53.4], [-2.1, 53.4], [-2.1, 53.5], [-2.2, 53.5], [-2.2, 53.4]];
  assert.ok(ringArea(ring) > 0, 'counter-clockwise has positive area');
  assert.ok(ringArea([...ring].reverse()) < 0);
  const wards = [
    { code: 'A', polygons: [[ring]] },
    { code: 'B', polygons: [[ring.map(([x, y]) => [x, y - 0.2]).reverse()]] },
  ];
  const [a, b] = project(wards, 640, 560);
  const nums = (d) => d.match(/-?[\d.]+/g).map(Number);
  for (const n of [...nums(a.d), ...nums(b.d)]) assert.ok(n >= 0 && n <= 640, `coordinate ${n} is inside the box`);
  assert.ok(a.label[1] < b.label[1], 'the northern ward is drawn above');
  // The squares are about 0.1° wide and tall: at 53.4° N x is scaled by cos(lat), so narrower than tall.
  const xs = nums(a.d).filter((_, i) => i % 2 === 0), ys = nums(a.d).filter((_, i) => i % 2 === 1);
  const w = Math.max(...xs) - Math.min(...xs), h = Math.max(...ys) - Math.min(...ys);
  assert.ok(Math.abs(w / h - Math.cos((53.35 * Math.PI) / 180)) < 0.02, `width/height ${w / h}`);
});
