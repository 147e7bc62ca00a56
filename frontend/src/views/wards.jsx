// Need by ward: a bubble map of the council's wards drawn here in SVG
// from each ward's centroid and need index (no map library), with a table
// of the same numbers. A council can load its own ward boundaries
// (GeoJSON, read in the browser) to see the wards as shapes instead.

import { useRef, useState } from 'preact/hooks';
import { authority, councilSlug } from '../session.js';
import { listAll } from '../api.js';
import { number } from '../format.js';
import { Page, Loading, Problem, useLoad, ErrorSummary, Button } from '../govuk.jsx';
import { MAX_BYTES, BoundaryError, parseBoundaries, project, saveBoundaries, loadBoundaries, forgetBoundaries } from '../boundaries.js';

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
export function Wards({ session }) {
  const officer = ['officer', 'admin'].includes(session?.user?.role);
  const data = useLoad(
    () =>
      Promise.all([authority(), listAll('/requests', { authority: councilSlug() }).catch(() => [])]).then(([auth, requests]) => {
        const open = {};
        // Open: published and still taking pledges (not yet matched in full).
        for (const r of requests) if (r.status !== 'matched') open[r.area] = (open[r.area] || 0) + 1;
        const areas = [...auth.areas].sort((a, b) => b.needIndex - a.needIndex || a.name.localeCompare(b.name));
        return { auth, areas, open };
      }),
    [],
  );
  const [bounds, setBounds] = useState(loadBoundaries);
  const [errors, setErrors] = useState([]);
  const [status, setStatus] = useState('');
  const mapHeading = useRef(null);
  if (data.loading) return <Page title="Need by ward"><Loading /></Page>;
  if (data.error) return <Page title="Need by ward"><Problem error={data.error} /></Page>;
  const { auth, areas, open } = data.data;
  const numberOf = new Map(areas.map((a, i) => [a.code, i + 1]));
  const top = areas.slice(0, 3).map((a) => a.name).join(', ');
  const focusMap = () => setTimeout(() => mapHeading.current?.focus(), 0);
  const loaded = (b) => {
    setBounds(b);
    setErrors([]);
    if (b) {
      saveBoundaries(b);
      setStatus(`Showing the ward boundaries from ${b.file}`);
    } else {
      forgetBoundaries();
      setStatus('Showing the bubble map');
    }
    focusMap();
  };
  return (
    <Page title="Need by ward" error={errors.length > 0}>
      <ErrorSummary errors={errors} />
      <p class="govuk-body">
        The need index of each of {auth.name}'s {areas.length} wards comes from the English Indices of Deprivation 2025: the share of the ward's neighbourhoods (LSOAs) among the most deprived in England. 1 is the highest need. Requests in wards with higher need rank higher for suppliers.
      </p>
      <h2 class="govuk-heading-m" ref={mapHeading} tabIndex={-1}>Map of need</h2>
      <div role="status" aria-live="polite" class="govuk-visually-hidden">{status}</div>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          {bounds ? (
            <BoundaryMap bounds={bounds} areas={areas} numberOf={numberOf} authName={auth.name} top={top} />
          ) : (
            <BubbleMap areas={areas} numberOf={numberOf} authName={auth.name} top={top} />
          )}
          <ul class="app-legend" aria-label="Key to the map colours">
            {CLASSES.map(([c, text]) => (
              <li key={c}><span class={`app-legend__swatch app-legend__swatch--${c}`} aria-hidden="true" />Need index {text}</li>
            ))}
          </ul>
        </div>
        <div class="govuk-grid-column-one-third">
          <WardKey areas={areas} open={open} />
        </div>
      </div>
      {bounds && <Button type="button" secondary onClick={() => loaded(null)}>Back to the bubble map</Button>}
      {officer && <BoundaryForm areas={areas} errors={errors} setErrors={setErrors} onLoaded={loaded} />}
      <p class="govuk-body-s">
        No. is the ward's number on the map. Most deprived 10% counts the ward's neighbourhoods (LSOAs) that are among the most deprived 10% in England. Open requests counts the published requests in the ward that still take pledges.
      </p>
      <WardTable areas={areas} open={open} />
      <p class="govuk-body-s">
        Contains English Indices of Deprivation 2025 (MHCLG) and ONS data, Open Government Licence v3.0.
      </p>
    </Page>
  );
}

function BubbleMap({ areas, numberOf, authName, top }) {
  const nodes = layout(areas);
  return (
    <>
      <p class="govuk-body">Each circle is a ward, placed near its centre and numbered as in the table. Bigger and darker circles show higher need.</p>
      <svg class="app-map" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="map-title map-desc" focusable="false">
        <title id="map-title">Bubble map of need by ward in {authName}</title>
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
    </>
  );
}

/**
 * WardKey names the numbered wards of the map, highest need first, with
 * the open requests in each: the map's numbers in words, readable at any
 * width, each linking to the ward's requests.
 */
function WardKey({ areas, open }) {
  return (
    <>
      <h3 class="govuk-heading-s" id="ward-key">The wards on the map</h3>
      <ol class="govuk-list app-ward-key" aria-labelledby="ward-key">
        {areas.map((a, i) => (
          <li key={a.code}>
            <span class="app-ward-key__number" aria-hidden="true">{i + 1}</span>
            <span>
              <a class="govuk-link" href={`/?area=${a.code}`}>{a.name}</a>
              <span class="govuk-visually-hidden">, number {i + 1} on the map</span>: {open[a.code] ? `${number(open[a.code])} open request${open[a.code] === 1 ? '' : 's'}` : 'no open requests'}
            </span>
          </li>
        ))}
      </ol>
    </>
  );
}

function WardTable({ areas, open }) {
  return (
      <div class="app-table-scroll" role="region" aria-labelledby="ward-table-caption" tabIndex={0}>
      <table class="govuk-table app-table--keep">
        <caption class="govuk-table__caption govuk-table__caption--m" id="ward-table-caption">
          Need by ward, highest first
        </caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">No.</th>
            <th scope="col" class="govuk-table__header">Ward</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Need index</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Most deprived 10%</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Open requests</th>
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
  );
}

/**
 * BoundaryMap draws the wards from a council's own boundary file as SVG
 * paths (evenodd, so either ring winding draws the same), filled by need
 * class, each with an accessible name and a <title>.
 */
function BoundaryMap({ bounds, areas, numberOf, authName, top }) {
  const byCode = new Map(areas.map((a) => [a.code, a]));
  const shapes = project(bounds.wards, WIDTH, HEIGHT);
  const missing = areas.filter((a) => !bounds.wards.some((w) => w.code === a.code));
  return (
    <>
      <p class="govuk-body">
        Each shape is a ward from your file <strong class="app-break">{bounds.file}</strong>, numbered as in the table. Darker wards have higher need.
        Features were matched to wards by the property <code>{bounds.property}</code>: {bounds.wards.length} of {areas.length} wards.
      </p>
      {missing.length > 0 && (
        <p class="govuk-body">The file has no boundary for {missing.map((a) => a.name).join(', ')}.</p>
      )}
      <svg class="app-map" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-labelledby="map-title map-desc" focusable="false">
        <title id="map-title">Map of need by ward in {authName}, from your ward boundaries</title>
        <desc id="map-desc">Highest need: {top}. The table below gives every ward's figures.</desc>
        {shapes.map((s) => {
          const a = byCode.get(s.code);
          const c = needClass(a.needIndex);
          const name = `${numberOf.get(a.code)}. ${a.name}: need index ${a.needIndex.toFixed(2)}`;
          return (
            <path key={s.code} d={s.d} fill-rule="evenodd" class={`app-need-${c}`} stroke="#0b0c0c" stroke-width="1" stroke-linejoin="round" role="img" aria-label={name} data-code={s.code}>
              <title>{name}</title>
            </path>
          );
        })}
        {shapes.map((s) => {
          const c = needClass(byCode.get(s.code).needIndex);
          return (
            <text key={s.code} x={s.label[0].toFixed(1)} y={(s.label[1] + 4.5).toFixed(1)} text-anchor="middle" class="app-map__label" fill={c >= 4 ? '#ffffff' : '#0b0c0c'} aria-hidden="true">
              {numberOf.get(s.code)}
            </text>
          );
        })}
      </svg>
    </>
  );
}

/**
 * BoundaryForm reads a GeoJSON FeatureCollection of ward boundaries in the
 * browser (nothing is uploaded) and hands the matched wards up.
 */
function BoundaryForm({ areas, errors, setErrors, onLoaded }) {
  const [file, setFile] = useState(null);
  const [busy, setBusy] = useState(false);
  const fail = (text) => setErrors([{ href: '#boundary-file', text }]);
  const submit = async (e) => {
    e.preventDefault();
    if (!file) return fail('Select a GeoJSON file of ward boundaries');
    if (file.size > MAX_BYTES) return fail('The file must be smaller than 5 MB');
    setBusy(true);
    try {
      const text = await file.text();
      const b = parseBoundaries(text, areas);
      onLoaded({ ...b, file: file.name });
    } catch (ex) {
      fail(ex instanceof BoundaryError ? ex.message : 'The file could not be read');
    } finally {
      setBusy(false);
    }
  };
  const error = errors[0]?.text;
  return (
    <form method="post" action="/wards" onSubmit={submit} novalidate class="govuk-!-margin-bottom-6">
      <div class={`govuk-form-group${error ? ' govuk-form-group--error' : ''}`}>
        <label class="govuk-label govuk-label--s" for="boundary-file">Use your council's ward boundaries (GeoJSON)</label>
        <div id="boundary-file-hint" class="govuk-hint">
          A GeoJSON FeatureCollection in longitude and latitude, at most 5 MB. Each ward's feature needs its ward code (such as {areas[0]?.code}) in a property, for example <code>area_code</code>. The file stays on this device: it is not sent to Needmatch.
        </div>
        {error && (
          <p id="boundary-file-error" class="govuk-error-message">
            <span class="govuk-visually-hidden">Error:</span> {error}
          </p>
        )}
        <input
          class={`govuk-file-upload${error ? ' govuk-file-upload--error' : ''}`}
          id="boundary-file"
          name="boundaries"
          type="file"
          accept=".geojson,.json,application/geo+json,application/json"
          aria-describedby={`boundary-file-hint${error ? ' boundary-file-error' : ''}`}
          onChange={(e) => setFile(e.currentTarget.files[0] || null)}
        />
      </div>
      <Button secondary disabled={busy}>Show the ward boundaries</Button>
    </form>
  );
}
