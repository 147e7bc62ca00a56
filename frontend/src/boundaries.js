// Ward boundaries from a council's own GeoJSON file, read in the browser
// (nothing is sent to the server), matched to the council's areas by a
// property, and drawn as plain SVG paths. No map library: a GeoJSON ring
// becomes "M x,y L ... Z" and the paths use fill-rule evenodd, so it does
// not matter which way a ring winds (d3-geo's clockwise rule does not apply).

export const MAX_BYTES = 5 * 1024 * 1024;
const STORE = 'needmatch.boundaries';
let memory = null; // the boundaries, when sessionStorage is full or off

/** BoundaryError is a problem with the file, said in words for the error summary. */
export class BoundaryError extends Error {}

function finitePair(p) {
  return Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

// polygonsOf turns a Polygon or MultiPolygon geometry into a list of
// polygons, each a list of rings, each a list of [x, y]; anything else is [].
function polygonsOf(geometry) {
  if (!geometry || typeof geometry !== 'object') return [];
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  if (!Array.isArray(polys)) return [];
  const out = [];
  for (const poly of polys) {
    if (!Array.isArray(poly)) continue;
    const rings = [];
    for (const ring of poly) {
      if (!Array.isArray(ring)) continue;
      const pts = ring.filter(finitePair).map((p) => [+p[0].toFixed(6), +p[1].toFixed(6)]);
      if (pts.length >= 3) rings.push(pts);
    }
    if (rings.length) out.push(rings);
  }
  return out;
}

/**
 * matchProperty says which feature property holds the ward codes:
 * area_code, or code, or else the first property whose values match a code.
 */
export function matchProperty(features, codes) {
  const hits = (key) => features.some((f) => codes.has(String(f?.properties?.[key] ?? '').trim()));
  for (const key of ['area_code', 'code']) if (hits(key)) return key;
  const keys = [];
  for (const f of features) {
    const props = f?.properties;
    if (props && typeof props === 'object') for (const k of Object.keys(props)) if (!keys.includes(k)) keys.push(k);
  }
  return keys.find(hits) || null;
}

/**
 * parseBoundaries reads a GeoJSON FeatureCollection (text) and keeps the
 * polygons of the features that match the areas' codes. It returns
 * {property, wards: [{code, polygons}], skipped} or throws a BoundaryError.
 */
export function parseBoundaries(text, areas, example) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new BoundaryError('The file must be GeoJSON, but it is not valid JSON');
  }
  if (!doc || typeof doc !== 'object' || doc.type !== 'FeatureCollection' || !Array.isArray(doc.features)) {
    throw new BoundaryError('The file must be a GeoJSON FeatureCollection');
  }
  const codes = new Set(areas.map((a) => a.code));
  const property = matchProperty(doc.features, codes);
  const found = new Map();
  let skipped = 0;
  if (property) {
    for (const f of doc.features) {
      const code = String(f?.properties?.[property] ?? '').trim();
      const polygons = polygonsOf(f?.geometry);
      if (!codes.has(code) || !polygons.length) {
        skipped++;
        continue;
      }
      if (found.has(code)) found.get(code).polygons.push(...polygons);
      else found.set(code, { code, polygons });
    }
  }
  if (!found.size) {
    throw new BoundaryError(`No feature in the file has a ward code of this council (such as ${example || areas[0]?.code}) with a polygon boundary`);
  }
  return { property, wards: [...found.values()], skipped };
}

// ringArea is the signed (shoelace) area of a ring; its sign says the
// winding, which the drawing does not need, so callers use its size.
export function ringArea(ring) {
  let s = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  return s / 2;
}

function ringCentroid(ring) {
  let a = 0, cx = 0, cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += f;
    cx += (ring[j][0] + ring[i][0]) * f;
    cy += (ring[j][1] + ring[i][1]) * f;
  }
  if (Math.abs(a) < 1e-12) {
    const n = ring.length;
    return [ring.reduce((s, p) => s + p[0], 0) / n, ring.reduce((s, p) => s + p[1], 0) / n];
  }
  return [cx / (3 * a), cy / (3 * a)];
}

/**
 * project fits the wards into a width × height box: longitude and latitude
 * are drawn equirectangular with x scaled by the cosine of the middle
 * latitude (true shapes at a town's scale); coordinates outside ±180/±90
 * are taken as already projected metres (British National Grid, say) and
 * drawn as they are. North is up. It returns [{code, d, label: [x, y]}].
 */
export function project(wards, width, height, pad = 20) {
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const w of wards) for (const poly of w.polygons) for (const ring of poly) for (const [x, y] of ring) {
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const degrees = minX >= -180 && maxX <= 180 && minY >= -90 && maxY <= 90;
  const k = degrees ? Math.cos((((minY + maxY) / 2) * Math.PI) / 180) : 1;
  const spanX = (maxX - minX) * k || 1e-9, spanY = maxY - minY || 1e-9;
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const offX = (width - spanX * scale) / 2, offY = (height - spanY * scale) / 2;
  const px = (x) => offX + (x - minX) * k * scale;
  const py = (y) => offY + (maxY - y) * scale;
  return wards.map((w) => {
    let d = '';
    let biggest = null, biggestArea = -1;
    for (const poly of w.polygons) {
      for (const ring of poly) {
        d += 'M' + ring.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('L') + 'Z';
      }
      const a = Math.abs(ringArea(poly[0]));
      if (a > biggestArea) {
        biggestArea = a;
        biggest = poly[0];
      }
    }
    const [cx, cy] = ringCentroid(biggest);
    return { code: w.code, d, label: [px(cx), py(cy)] };
  });
}

/** saveBoundaries keeps the loaded boundaries for this browser session. */
export function saveBoundaries(b) {
  memory = b;
  try {
    sessionStorage.setItem(STORE, JSON.stringify(b));
  } catch {
    // too big for sessionStorage, or storage is off: memory will do
  }
}

/** loadBoundaries returns the boundaries kept for this session, or null. */
export function loadBoundaries() {
  if (memory) return memory;
  try {
    const raw = sessionStorage.getItem(STORE);
    if (raw) memory = JSON.parse(raw);
  } catch {
    memory = null;
  }
  return memory;
}

/** forgetBoundaries goes back to the bubble map. */
export function forgetBoundaries() {
  memory = null;
  try {
    sessionStorage.removeItem(STORE);
  } catch {
    // nothing kept
  }
}
