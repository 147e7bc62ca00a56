// Need by ward: a bubble map of Stockport's 21 wards drawn here in SVG
// from each ward's centroid and need index (no map library), with a table
// of the same numbers.

import { authority } from '../session.js';
import { listAll } from '../api.js';
import { number } from '../format.js';
import { Page, Loading, Problem, useLoad } from '../govuk.jsx';

const WIDTH = 640;
const HEIGHT = 560;
const PAD = 40;

/** needClass puts a need index (0 to 1) into one of five classes. */
export function needClass(n) {
  return Math.min(5, Math.floor(n * 5) + 1);
}

const CLASSES = [
  [1, '0 to 0.2, lowest need'],
  [2, '0.2 to 0.4'],
  [3, '0.4 to 0.6'],
  [4, '0.6 to 0.8'],
  [5, '0.8 to 1, highest need'],
];

/**
 * layout projects centroids (equirectangular, scaled by the cosine of the
 * mean latitude), sizes bubbles by need, then nudges overlapping bubbles
 * apart while pulling each towards its true place. Deterministic: same
 * wards, same picture.
 */
export function layout(areas) {
  const lat0 = areas.reduce((s, a) => s + a.lat, 0) / areas.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = areas.map((a) => a.lon * k);
  const ys = areas.map((a) => -a.lat);
  const minX = Math.min(...xs), maxX = Math.max(...xs), minY = Math.min(...ys), maxY = Math.max(...ys);
  const scale = Math.min((WIDTH - 2 * PAD) / (maxX - minX || 1), (HEIGHT - 2 * PAD) / (maxY - minY || 1));
  const nodes = areas.map((a, i) => {
    const x = PAD + (xs[i] - minX) * scale + ((WIDTH - 2 * PAD) - (maxX - minX) * scale) / 2;
    const y = PAD + (ys[i] - minY) * scale + ((HEIGHT - 2 * PAD) - (maxY - minY) * scale) / 2;
    return { area: a, x0: x, y0: y, x, y, r: 20 + 24 * Math.sqrt(Math.max(0, Math.min(1, a.needIndex))) };
  });
  for (let iter = 0; iter < 300; iter++) {
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const a = nodes[i], b = nodes[j];
        let dx = b.x - a.x, dy = b.y - a.y;
        let d = Math.hypot(dx, dy);
        const min = a.r + b.r + 3;
        if (d >= min) continue;
        if (d < 0.01) {
          dx = 1; dy = 0; d = 1;
        }
        const push = (min - d) / 2;
        a.x -= (dx / d) * push; a.y -= (dy / d) * push;
        b.x += (dx / d) * push; b.y += (dy / d) * push;
      }
    }
    for (const n of nodes) {
      n.x += (n.x0 - n.x) * 0.02;
      n.y += (n.y0 - n.y) * 0.02;
      n.x = Math.max(n.r + 2, Math.min(WIDTH - n.r - 2, n.x));
      n.y = Math.max(n.r + 2, Math.min(HEIGHT - n.r - 2, n.y));
    }
  }
  return nodes;
}

/** Wards shows the need map and table. */
export function Wards() {
  const data = useLoad(
    () =>
      Promise.all([authority(), listAll('/requests').catch(() => [])]).then(([auth, requests]) => {
        const open = {};
        for (const r of requests) open[r.area] = (open[r.area] || 0) + 1;
        const areas = [...auth.areas].sort((a, b) => b.needIndex - a.needIndex || a.name.localeCompare(b.name));
        return { auth, areas, open };
      }),
    [],
  );
  if (data.loading) return <Page title="Need by ward"><Loading /></Page>;
  if (data.error) return <Page title="Need by ward"><Problem error={data.error} /></Page>;
  const { auth, areas, open } = data.data;
  const nodes = layout(areas);
  const numberOf = new Map(areas.map((a, i) => [a.code, i + 1]));
  const top = areas.slice(0, 3).map((a) => a.name).join(', ');
  return (
    <Page title="Need by ward">
      <p class="govuk-body">
        The need index of each of {auth.name}'s {areas.length} wards comes from the English Indices of Deprivation 2025: the share of the ward's neighbourhoods (LSOAs) among the most deprived in England. 1 is the highest need. Requests in wards with higher need rank higher for suppliers.
      </p>
      <h2 class="govuk-heading-m">Map of need</h2>
      <p class="govuk-body">Each circle is a ward, placed near its centre and numbered as in the table. Bigger and darker circles show higher need.</p>
      <svg class="app-map" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="map-title map-desc" focusable="false">
        <title id="map-title">Bubble map of need by ward in {auth.name}</title>
        <desc id="map-desc">Highest need: {top}. The table below gives every ward's figures.</desc>
        {nodes.map((n) => {
          const c = needClass(n.area.needIndex);
          return (
            <g key={n.area.code}>
              <circle cx={n.x.toFixed(1)} cy={n.y.toFixed(1)} r={n.r.toFixed(1)} class={`app-need-${c}`} stroke="#0b0c0c" stroke-width="1" />
              <text x={n.x.toFixed(1)} y={(n.y + 4.5).toFixed(1)} text-anchor="middle" class="app-map__label" fill={c >= 4 ? '#ffffff' : '#0b0c0c'}>
                {numberOf.get(n.area.code)}
              </text>
            </g>
          );
        })}
      </svg>
      <ul class="app-legend" aria-label="Key to the map colours">
        {CLASSES.map(([c, text]) => (
          <li key={c}><span class={`app-legend__swatch app-legend__swatch--${c}`} aria-hidden="true" />Need index {text}</li>
        ))}
      </ul>
      <p class="govuk-body-s">
        No. is the ward's number on the map. Most deprived 10% counts the ward's neighbourhoods (LSOAs) that are among the most deprived 10% in England. Requests counts the published requests in the ward.
      </p>
      <div class="app-table-scroll" role="region" aria-labelledby="ward-table-caption" tabIndex={0}>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--m" id="ward-table-caption">
          Need by ward, highest first
        </caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">No.</th>
            <th scope="col" class="govuk-table__header">Ward</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Need index</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Most deprived 10%</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Requests</th>
          </tr>
        </thead>
        <tbody class="govuk-table__body">
          {areas.map((a, i) => {
            const total = (a.deciles || []).reduce((s, x) => s + x, 0);
            return (
              <tr class="govuk-table__row" key={a.code}>
                <td class="govuk-table__cell govuk-table__cell--numeric">{i + 1}</td>
                <th scope="row" class="govuk-table__header">{a.name}</th>
                <td class="govuk-table__cell govuk-table__cell--numeric">{a.needIndex.toFixed(2)}</td>
                <td class="govuk-table__cell govuk-table__cell--numeric">{number(a.deciles?.[0] ?? 0)} of {number(total)}</td>
                <td class="govuk-table__cell govuk-table__cell--numeric">{number(open[a.code] || 0)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      </div>
      <p class="govuk-body-s">
        Contains English Indices of Deprivation 2025 (MHCLG) and ONS data, Open Government Licence v3.0.
      </p>
    </Page>
  );
}
