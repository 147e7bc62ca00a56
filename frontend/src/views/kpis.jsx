// Contract management after award (issue #12): a contract's KPIs (recorded
// before award), their ratings by financial year, remedy plans, quarterly
// reporting and the supplier's return form; the returns due on the first
// screens. Nothing here is a penalty: it records what the council decided.

import { useState } from 'preact/hooks';
import { api, listAll, upload } from '../api.js';
import { navigate } from '../router.jsx';
import { setFlash } from '../flash.js';
import { money, date, dateAndTime, plural, parseDateParts } from '../format.js';
import { Page, ErrorSummary, Input, Textarea, Select, Radios, DateInput, Button, Tag, Loading, Problem, Inset, Details, useLoad, fieldErrors } from '../govuk.jsx';

export const RATINGS = [
  ['good', 'Good', 'green'],
  ['approaching_target', 'Approaching target', 'blue'],
  ['requires_improvement', 'Requires improvement', 'orange'],
  ['inadequate', 'Inadequate', 'red'],
];
const REMEDY = { open: ['Open', 'blue'], met: ['Met', 'green'], not_met: ['Not met', 'red'], withdrawn: ['Withdrawn', 'grey'] };
const AFTER_AWARD = ['awarded', 'live', 'closed'];

/** financialYear is the April-to-March year of a day: 2026 is April 2026 to March 2027. */
export function financialYear(d = new Date()) {
  return d.getUTCMonth() < 3 ? d.getUTCFullYear() - 1 : d.getUTCFullYear();
}

/** fyName writes 2026 as "2026/27". */
export function fyName(fy) {
  return `${fy}/${String((fy + 1) % 100).padStart(2, '0')}`;
}

function RatingTag({ rating }) {
  const r = RATINGS.find(([k]) => k === rating) || [rating, rating, 'grey'];
  return <Tag colour={r[2]}>{r[1]}</Tag>;
}

function Head({ cols }) {
  return (
    <thead class="govuk-table__head">
      <tr class="govuk-table__row">{cols.map((c) => <th scope="col" class="govuk-table__header" key={c}>{c}</th>)}</tr>
    </thead>
  );
}

const KPI_FIELDS = { name: 'kpi-name', target: 'kpi-target', unit: 'kpi-unit', howMeasured: 'kpi-how' };

/** ContractKPIs lists a contract's KPIs; before award an officer adds and removes them. */
export function ContractKPIs({ contract: c, officer, onDone }) {
  const [v, setV] = useState({ name: '', target: '', unit: '', howMeasured: '' });
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [busy, setBusy] = useState(false);
  const kpis = c.kpis || [];
  const need = c.tier?.kpisRequired || 0;
  const open = officer && !AFTER_AWARD.includes(c.stage);
  const save = async (list, message) => {
    setBusy(true);
    try {
      const body = list.map(({ id, name, target, unit, howMeasured }) => ({ id, name, target, unit, howMeasured }));
      const next = await api(`/contracts/${c.id}/kpis`, { method: 'PUT', body: { kpis: body, version: c.version } });
      setV({ name: '', target: '', unit: '', howMeasured: '' });
      setErrors({ list: [], byField: {} });
      onDone(message, next);
    } catch (ex) {
      const fe = fieldErrors(ex, (f) => KPI_FIELDS[f.replace(/^kpis\[\d+\]\./, '')] || 'kpi-name');
      const byField = {};
      for (const [f, t] of Object.entries(fe.byField)) byField[f.replace(/^kpis\[\d+\]\./, '')] = t;
      setErrors({ list: fe.list, byField });
    }
    setBusy(false);
  };
  const add = (e) => {
    e.preventDefault();
    const missing = Object.entries({ name: 'Enter the KPI', target: 'Enter the target', unit: 'Enter the unit', howMeasured: 'Say how it is measured' }).filter(([k]) => !v[k].trim());
    if (missing.length) {
      return setErrors({ list: missing.map(([k, t]) => ({ href: `#${KPI_FIELDS[k]}`, text: t })), byField: Object.fromEntries(missing) });
    }
    save([...kpis, { name: v.name.trim(), target: v.target.trim(), unit: v.unit.trim(), howMeasured: v.howMeasured.trim() }], `KPI added: ${v.name.trim()}`);
  };
  const set = (k) => (x) => setV({ ...v, [k]: x });
  return (
    <section aria-labelledby="kpis-title" class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m" id="kpis-title">KPIs</h2>
      {need > 0 && (
        <Inset>
          The {c.tier.name} tier (from {money(c.tier.fromPence)}) needs at least {plural(need, 'KPI')} before award. This contract has {kpis.length}.
        </Inset>
      )}
      {kpis.length === 0 ? <p class="govuk-body">No KPIs recorded.</p> : (
        <table class="govuk-table">
          <caption class="govuk-visually-hidden">The contract's KPIs</caption>
          <Head cols={open ? ['KPI', 'Target', 'How it is measured', 'Action'] : ['KPI', 'Target', 'How it is measured']} />
          <tbody class="govuk-table__body">
            {kpis.map((k) => (
              <tr class="govuk-table__row" key={k.id}>
                <td class="govuk-table__cell app-break">{k.name}</td>
                <td class="govuk-table__cell app-break">{k.target} {k.unit}</td>
                <td class="govuk-table__cell app-break app-pre">{k.howMeasured}</td>
                {open && <td class="govuk-table__cell">
                  <Button type="button" secondary class="govuk-!-margin-bottom-0" disabled={busy} onClick={() => save(kpis.filter((x) => x.id !== k.id), `KPI removed: ${k.name}`)}>
                    Remove<span class="govuk-visually-hidden">: {k.name}</span>
                  </Button>
                </td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && (
        <form method="post" action={`/contracts/${c.id}/kpis`} onSubmit={add} novalidate class="app-card">
          <h3 class="govuk-heading-s">Add a KPI</h3>
          <ErrorSummary errors={errors.list} />
          <Input id="kpi-name" label="KPI" hint="What is measured, for example: local people employed on the contract" value={v.name} onInput={set('name')} error={errors.byField.name} />
          <Input id="kpi-target" label="Target" width="10" value={v.target} onInput={set('target')} error={errors.byField.target} />
          <Input id="kpi-unit" label="Unit" hint="For example: people, weeks, % of spend" width="20" value={v.unit} onInput={set('unit')} error={errors.byField.unit} />
          <Textarea id="kpi-how" label="How it is measured" rows={2} value={v.howMeasured} onInput={set('howMeasured')} error={errors.byField.howMeasured} />
          <Button secondary disabled={busy}>Add the KPI</Button>
        </form>
      )}
    </section>
  );
}

/** KPIRatings shows the ratings by KPI and financial year, corrections beside them; an officer rates. */
export function KPIRatings({ contract: c, officer, onDone }) {
  const kpis = c.kpis || [];
  const ratings = c.kpiRatings || [];
  const fy = financialYear();
  const [v, setV] = useState({ kpiId: kpis[0]?.id || '', fy: String(fy), rating: '', note: '' });
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [busy, setBusy] = useState(false);
  if (!AFTER_AWARD.includes(c.stage) || kpis.length === 0) return null;
  const name = Object.fromEntries(kpis.map((k) => [k.id, k.name]));
  const ids = { kpiId: 'rating-kpi', fy: 'rating-fy', rating: 'rating', note: 'rating-note' };
  const submit = async (e) => {
    e.preventDefault();
    const missing = [];
    if (!v.rating) missing.push(['rating', 'Select a rating']);
    if (!v.note.trim()) missing.push(['note', 'Enter a note on the rating']);
    if (missing.length) return setErrors({ list: missing.map(([k, t]) => ({ href: `#${ids[k]}`, text: t })), byField: Object.fromEntries(missing) });
    setBusy(true);
    try {
      const r = await api(`/contracts/${c.id}/ratings`, { method: 'POST', body: { kpiId: v.kpiId, fy: Number(v.fy), rating: v.rating, note: v.note.trim() } });
      setV({ ...v, rating: '', note: '' });
      setErrors({ list: [], byField: {} });
      onDone(r.corrects ? `Correction recorded beside the earlier rating of ${name[v.kpiId]}` : `Rating recorded: ${name[v.kpiId]}, ${fyName(Number(v.fy))}`);
    } catch (ex) {
      setErrors(fieldErrors(ex, (f) => ids[f] || 'rating'));
    }
    setBusy(false);
  };
  const sorted = [...ratings].sort((a, b) => b.fy - a.fy || kpis.findIndex((k) => k.id === a.kpiId) - kpis.findIndex((k) => k.id === b.kpiId) || a.ratedAt.localeCompare(b.ratedAt));
  return (
    <section aria-labelledby="ratings-title" class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m" id="ratings-title">KPI ratings</h2>
      <p class="govuk-body">One rating per KPI and financial year (April to March). A rating is never changed: a correction is recorded beside it, with its date.</p>
      {sorted.length === 0 ? <p class="govuk-body">No ratings yet.</p> : (
        <table class="govuk-table">
          <caption class="govuk-visually-hidden">Ratings by KPI and financial year</caption>
          <Head cols={['Year', 'KPI', 'Rating', 'Note']} />
          <tbody class="govuk-table__body">
            {sorted.map((r) => (
              <tr class="govuk-table__row" key={r.id}>
                <td class="govuk-table__cell">{fyName(r.fy)}</td>
                <td class="govuk-table__cell app-break">{name[r.kpiId] || 'A KPI'}</td>
                <td class="govuk-table__cell">{r.corrects && <><Tag colour="yellow">Correction</Tag>{' '}</>}<RatingTag rating={r.rating} /></td>
                <td class="govuk-table__cell app-break">{r.note}<br /><span class="govuk-body-s">{dateAndTime(r.ratedAt)}{r.ratedByName ? `, ${r.ratedByName}` : ''}</span></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {officer && (
        <Details summary="Rate a KPI">
          <form method="post" action={`/contracts/${c.id}/ratings`} onSubmit={submit} novalidate>
            <ErrorSummary errors={errors.list} />
            <Select id="rating-kpi" label="KPI" value={v.kpiId} onChange={(x) => setV({ ...v, kpiId: x })} options={kpis.map((k) => ({ value: k.id, text: k.name }))} error={errors.byField.kpiId} />
            <Select id="rating-fy" label="Financial year" value={v.fy} onChange={(x) => setV({ ...v, fy: x })} options={[fy, fy - 1, fy - 2].map((y) => ({ value: String(y), text: `${fyName(y)} (April ${y} to March ${y + 1})` }))} error={errors.byField.fy} />
            <Radios id="rating" legend="Rating" value={v.rating} onChange={(x) => setV({ ...v, rating: x })} options={RATINGS.map(([value, text]) => ({ value, text }))} error={errors.byField.rating} />
            <Textarea id="rating-note" label="Note" hint="What the rating rests on: figures, evidence, what was agreed." rows={3} value={v.note} onInput={(x) => setV({ ...v, note: x })} error={errors.byField.note} />
            <Button secondary disabled={busy}>Record the rating</Button>
          </form>
        </Details>
      )}
    </section>
  );
}

/** RemedyList shows remedy plans with their history. */
export function RemedyList({ items, onOutcome }) {
  if (!items.length) return <p class="govuk-body">No remedy plans.</p>;
  return (
    <ul class="govuk-list">
      {items.map((r) => {
        const [t, col] = REMEDY[r.status] || [r.status, 'grey'];
        const cause = r.cause.kind === 'kpi_rating'
          ? `KPI “${r.cause.kpiName}” rated ${RATINGS.find(([k]) => k === r.cause.rating)?.[1].toLowerCase() || r.cause.rating} for ${fyName(r.cause.fy)}`
          : `Overdue commitment: “${r.cause.requestTitle}”`;
        return (
          <li key={r.id} class="app-card app-break">
            <p class="govuk-body govuk-!-margin-bottom-1"><Tag colour={col}>{t}</Tag> {r.contractReference}: {cause}</p>
            <p class="govuk-body govuk-!-margin-bottom-1 app-pre">{r.action}</p>
            <p class="govuk-body-s govuk-!-margin-bottom-1">By {date(r.dueDate)}. Checked by {r.checkerName}.</p>
            <ul class="govuk-list govuk-body-s">
              {(r.history || []).map((h, i) => <li key={i}>{REMEDY[h.status]?.[0] || h.status}: {dateAndTime(h.at)}, {h.byName}{h.note ? `: ${h.note}` : ''}</li>)}
            </ul>
            {onOutcome && r.status === 'open' && <Outcome remedy={r} onDone={onOutcome} />}
          </li>
        );
      })}
    </ul>
  );
}

function Outcome({ remedy: r, onDone }) {
  const [status, setStatus] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const id = `outcome-${r.id}`;
  const submit = async (e) => {
    e.preventDefault();
    if (!status) return setError('Select the outcome');
    setBusy(true);
    try {
      await api(`/remedies/${r.id}/status`, { method: 'POST', body: { status, note: note.trim() } });
      onDone(`Remedy plan recorded as ${REMEDY[status][0].toLowerCase()}`);
    } catch (ex) {
      setError(ex.message);
    }
    setBusy(false);
  };
  return (
    <Details summary="Record the outcome">
      <form method="post" action={`/remedies/${r.id}/status`} onSubmit={submit} novalidate>
        <Radios id={id} legend="Outcome" value={status} onChange={setStatus} error={error} options={[['met', 'Met'], ['not_met', 'Not met'], ['withdrawn', 'Withdrawn']].map(([value, text]) => ({ value, text }))} />
        <Textarea id={`${id}-note`} label="Note (optional)" rows={2} value={note} onInput={setNote} />
        <Button secondary disabled={busy}>Save the outcome</Button>
      </form>
    </Details>
  );
}

const REMEDY_IDS = { pledgeId: 'remedy-cause', kpiId: 'remedy-cause', action: 'remedy-action', dueDate: 'remedy-due-day', checkerId: 'remedy-checker' };

/** RemedyPlans is a contract's remedy plans; an officer opens one for an overdue commitment or a KPI rated below approaching target. */
export function RemedyPlans({ contract: c, officer, session, onDone }) {
  const plans = useLoad(() => (AFTER_AWARD.includes(c.stage) && c.awardedTo ? api(`/contracts/${c.id}/remedies`).then((r) => r.items) : Promise.resolve(null)), [c.id, c.version]);
  const extra = useLoad(() => (officer && AFTER_AWARD.includes(c.stage) ? Promise.all([api(`/contracts/${c.id}/returns`), listAll('/officers')]) : Promise.resolve(null)), [c.id, c.version, officer]);
  const [v, setV] = useState({ cause: '', action: '', due: {}, checkerId: session.user?.id || '' });
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [busy, setBusy] = useState(false);
  if (!AFTER_AWARD.includes(c.stage) || !c.awardedTo) return null;
  const done = (message) => {
    plans.reload();
    onDone(message);
  };
  // The causes a plan may have: KPIs whose latest rating for a year is
  // below approaching target, and overdue commitments.
  const causes = [];
  const latest = {};
  for (const r of c.kpiRatings || []) latest[`${r.kpiId}|${r.fy}`] = r;
  for (const r of Object.values(latest)) {
    if (r.rating === 'requires_improvement' || r.rating === 'inadequate') {
      const k = (c.kpis || []).find((x) => x.id === r.kpiId);
      causes.push({ value: `kpi|${r.kpiId}|${r.fy}`, text: `KPI “${k?.name}” rated ${RATINGS.find(([x]) => x === r.rating)[1].toLowerCase()} for ${fyName(r.fy)}` });
    }
  }
  const today = new Date().toISOString().slice(0, 10);
  for (const p of extra.data?.[0]?.commitments || []) {
    if (p.status === 'lapsed' || (['approved', 'in_delivery', 'delivered', 'confirmed'].includes(p.status) && p.dueDate && p.dueDate.slice(0, 10) < today)) {
      causes.push({ value: `pledge|${p.id}`, text: `Overdue commitment: “${p.requestTitle}”, due ${date(p.dueDate)}` });
    }
  }
  const submit = async (e) => {
    e.preventDefault();
    const d = parseDateParts(v.due, 'The date');
    const missing = [];
    if (!v.cause) missing.push(['pledgeId', 'Select why the plan is needed']);
    if (!v.action.trim()) missing.push(['action', 'Say what the supplier will do']);
    if (d.error) missing.push(['dueDate', d.error]);
    if (missing.length) return setErrors({ list: missing.map(([k, t]) => ({ href: `#${REMEDY_IDS[k]}`, text: t })), byField: Object.fromEntries(missing) });
    const [kind, id, fy] = v.cause.split('|');
    const body = { action: v.action.trim(), dueDate: d.value, checkerId: v.checkerId, ...(kind === 'kpi' ? { kpiId: id, fy: Number(fy) } : { pledgeId: id }) };
    setBusy(true);
    try {
      await api(`/contracts/${c.id}/remedies`, { method: 'POST', body });
      setV({ cause: '', action: '', due: {}, checkerId: v.checkerId });
      setErrors({ list: [], byField: {} });
      done('Remedy plan opened');
    } catch (ex) {
      const fe = fieldErrors(ex, (f) => REMEDY_IDS[f] || 'remedy-cause');
      if (fe.byField.kpiId) fe.byField.pledgeId = fe.byField.kpiId;
      setErrors(fe);
    }
    setBusy(false);
  };
  return (
    <section aria-labelledby="remedies-title" class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m" id="remedies-title">Remedy plans</h2>
      <p class="govuk-body">A remedy plan records what the council agreed with the supplier when a commitment is overdue or a KPI is rated requires improvement or inadequate. The platform applies no penalty of its own.</p>
      {plans.loading && !plans.data ? <Loading /> : plans.error ? <Problem error={plans.error} /> : <RemedyList items={plans.data || []} onOutcome={officer ? done : null} />}
      {officer && extra.data && (
        <Details summary="Open a remedy plan">
          {causes.length === 0 ? <p class="govuk-body">No commitment of this contract is overdue and no KPI is rated below approaching target, so no remedy plan can be opened.</p> : (
            <form method="post" action={`/contracts/${c.id}/remedies`} onSubmit={submit} novalidate>
              <ErrorSummary errors={errors.list} />
              <Select id="remedy-cause" label="Why a plan is needed" value={v.cause} onChange={(x) => setV({ ...v, cause: x })} options={[{ value: '', text: 'Select' }, ...causes]} error={errors.byField.pledgeId} />
              <Textarea id="remedy-action" label="What the supplier will do" rows={3} value={v.action} onInput={(x) => setV({ ...v, action: x })} error={errors.byField.action} />
              <DateInput id="remedy-due" legend="By when" hint="For example, 31 3 2027" value={v.due} onChange={(part, x) => setV({ ...v, due: { ...v.due, [part]: x } })} error={errors.byField.dueDate} />
              <Select id="remedy-checker" label="Who checks it" hint="An officer of the council" value={v.checkerId} onChange={(x) => setV({ ...v, checkerId: x })} options={(extra.data[1] || []).map((o) => ({ value: o.id, text: o.name }))} error={errors.byField.checkerId} />
              <Button secondary disabled={busy}>Open the remedy plan</Button>
            </form>
          )}
        </Details>
      )}
    </section>
  );
}

/** Reporting is a live contract's quarterly returns: the officer turns them on; the supplier sends them. */
export function Reporting({ contract: c, officer, onDone }) {
  const view = useLoad(() => (['live', 'closed'].includes(c.stage) && c.awardedTo ? api(`/contracts/${c.id}/returns`) : Promise.resolve(null)), [c.id, c.version]);
  const [error, setError] = useState(null);
  if (!['live', 'closed'].includes(c.stage) || !c.awardedTo) return null;
  const toggle = async () => {
    setError(null);
    try {
      const next = await api(`/contracts/${c.id}/reporting`, { method: 'POST', body: { quarterly: !c.reporting } });
      onDone(c.reporting ? 'Quarterly returns turned off' : 'Quarterly returns turned on', next);
    } catch (ex) {
      setError(ex);
    }
  };
  const x = view.data;
  return (
    <section aria-labelledby="reporting-title" class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m" id="reporting-title">Quarterly returns</h2>
      <Problem error={error} />
      {c.reporting
        ? <p class="govuk-body">The supplier sends a return every quarter (April to June is Q1), from Q{c.reporting.fromQuarter} {fyName(c.reporting.fromFy)}. A return is due when the quarter ends and late 30 days after.</p>
        : <p class="govuk-body">This contract has no quarterly returns.</p>}
      {officer && c.stage === 'live' && <Button type="button" secondary onClick={toggle}>{c.reporting ? 'Turn quarterly returns off' : 'Ask for quarterly returns'}</Button>}
      {view.loading && !x ? <Loading /> : view.error ? <Problem error={view.error} /> : x && (
        <>
          {x.due.length > 0 && (
            <>
              <h3 class="govuk-heading-s">{plural(x.due.length, 'return')} due</h3>
              <ul class="govuk-list">{x.due.map((d) => <li key={`${d.fy}-${d.quarter}`}>Q{d.quarter} {fyName(d.fy)}: due by {date(d.dueDate)} {d.overdue && <Tag colour="red">Late</Tag>}</li>)}</ul>
            </>
          )}
          {!officer && c.reporting && c.stage === 'live' && <p class="govuk-body"><a class="govuk-link" href={`/contracts/${c.id}/return`}>Send a return</a></p>}
          <h3 class="govuk-heading-s">Returns sent</h3>
          {x.returns.length === 0 ? <p class="govuk-body">None yet.</p> : (
            <table class="govuk-table">
              <caption class="govuk-visually-hidden">Returns sent</caption>
              <Head cols={['Quarter', 'Sent', 'Delivered in the return', 'Commitments']} />
              <tbody class="govuk-table__body">
                {x.returns.map((r) => (
                  <tr class="govuk-table__row" key={r.id}>
                    <td class="govuk-table__cell">Q{r.quarter} {fyName(r.fy)}</td>
                    <td class="govuk-table__cell">{dateAndTime(r.submittedAt)}, {r.submittedByName}</td>
                    <td class="govuk-table__cell">{money(r.lines.reduce((s, l) => s + l.deliveredPence, 0))}</td>
                    <td class="govuk-table__cell app-break">{r.lines.map((l) => <span key={l.pledgeId} class="govuk-body-s" style="display:block">{l.requestTitle}: {l.deliveryIds.length ? plural(l.deliveryIds.length, 'delivery', 'deliveries') : 'nothing delivered'}{l.note ? `. ${l.note}` : ''}</span>)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

/** quarterNow is the financial-year quarter of today. */
function quarterNow() {
  const d = new Date();
  return { fy: financialYear(d), quarter: Math.floor(((d.getUTCMonth() + 9) % 12) / 3) + 1 };
}

/**
 * ReturnForm is the supplier's quarterly return: for each commitment on
 * the contract, what was delivered since the last return (reported through
 * the delivery door, with evidence) or why nothing was. Deliveries already
 * reported by a failed attempt are not reported twice.
 */
export function ReturnForm({ params }) {
  const view = useLoad(() => Promise.all([api(`/contracts/${params.id}`), api(`/contracts/${params.id}/returns`)]), [params.id]);
  const [lines, setLines] = useState({});
  const [reported, setReported] = useState({});
  const [period, setPeriod] = useState('');
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  if (view.loading) return <Page title="Quarterly return"><Loading /></Page>;
  if (view.error) return <Page title="Quarterly return"><Problem error={view.error} /></Page>;
  const [c, x] = view.data;
  const now = quarterNow();
  const periods = [...x.due.map((d) => ({ fy: d.fy, quarter: d.quarter })), ...(x.returns.some((r) => r.fy === now.fy && r.quarter === now.quarter) ? [] : [now])];
  const chosen = period || (periods[0] ? `${periods[0].fy}-${periods[0].quarter}` : '');
  const open = x.commitments.filter((p) => ['approved', 'in_delivery', 'delivered', 'confirmed'].includes(p.status));
  const line = (id) => lines[id] || { quantity: '', date: {}, note: '', files: [] };
  const set = (id, k, val) => setLines({ ...lines, [id]: { ...line(id), [k]: val } });
  const submit = async (e) => {
    e.preventDefault();
    const errs = [];
    for (const p of open) {
      const l = line(p.id);
      const q = l.quantity.trim();
      if (q && !/^\d+$/.test(q)) errs.push({ href: `#q-${p.id}`, text: `${p.requestTitle}: enter the quantity as a whole number` });
      if (q && !parseDateParts(l.date).value) errs.push({ href: `#d-${p.id}-day`, text: `${p.requestTitle}: ${parseDateParts(l.date, 'The date of delivery').error}` });
      if (!q && !l.note.trim()) errs.push({ href: `#n-${p.id}`, text: `${p.requestTitle}: say why nothing was delivered` });
    }
    if (!chosen) errs.push({ href: '#period', text: 'There is no quarter to return for' });
    if (errs.length) return setErrors(errs);
    setBusy(true);
    setErrors([]);
    const got = { ...reported };
    try {
      for (const p of open) {
        const l = line(p.id);
        if (!l.quantity.trim() || got[p.id]) continue;
        const ids = [];
        for (const f of l.files) ids.push((await upload('/evidence', f)).id);
        const d = await api(`/pledges/${p.id}/deliveries`, { method: 'POST', body: { quantity: Number(l.quantity), date: parseDateParts(l.date).value, notes: l.note.trim(), evidenceIds: ids } });
        got[p.id] = d.id;
        setReported({ ...got });
      }
      const [fy, quarter] = chosen.split('-').map(Number);
      await api(`/contracts/${c.id}/returns`, { method: 'POST', body: { fy, quarter, lines: open.map((p) => ({ pledgeId: p.id, deliveryIds: got[p.id] ? [got[p.id]] : [], note: line(p.id).note.trim() })) } });
      setFlash(`Return for Q${quarter} ${fyName(fy)} sent`);
      navigate(`/contracts/${c.id}`);
    } catch (ex) {
      setErrors(fieldErrors(ex, () => 'period').list);
    }
    setBusy(false);
  };
  return (
    <Page title="Quarterly return" caption={`${c.reference}: ${c.title}`} back={{ href: `/contracts/${c.id}`, text: 'Back to the contract' }}>
      <ErrorSummary errors={errors} />
      {periods.length === 0 ? <Inset>No return is due: the return for this quarter has been sent.</Inset> : (
        <form method="post" action={`/contracts/${c.id}/returns`} onSubmit={submit} novalidate>
          <Select id="period" label="Quarter" value={chosen} onChange={setPeriod} options={periods.map((q) => ({ value: `${q.fy}-${q.quarter}`, text: `Q${q.quarter} ${fyName(q.fy)}` }))} />
          <p class="govuk-body">For each commitment, report what you delivered since your last return, with evidence, or say why nothing was delivered. Each delivery is reported to the council as usual and the group is asked to confirm it.</p>
          {open.map((p) => {
            const l = line(p.id);
            return (
              <fieldset class="govuk-fieldset app-card" key={p.id}>
                <legend class="govuk-fieldset__legend govuk-fieldset__legend--s app-break">{p.requestTitle} ({money(p.approvedPence)}{p.dueDate ? `, due ${date(p.dueDate)}` : ''})</legend>
                {reported[p.id] ? <p class="govuk-body">Delivery reported.</p> : (
                  <>
                    <Input id={`q-${p.id}`} label={`Quantity delivered (${p.unit})`} hint="Leave empty if nothing was delivered" width="5" inputMode="numeric" value={l.quantity} onInput={(v) => set(p.id, 'quantity', v)} />
                    <DateInput id={`d-${p.id}`} legend="Date of delivery" value={l.date} onChange={(part, v) => set(p.id, 'date', { ...l.date, [part]: v })} />
                    <div class="govuk-form-group">
                      <label class="govuk-label" for={`f-${p.id}`}>Evidence (optional)</label>
                      <input class="govuk-file-upload" id={`f-${p.id}`} type="file" multiple accept=".pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/png,image/jpeg,text/plain" onChange={(e) => set(p.id, 'files', [...e.currentTarget.files])} />
                    </div>
                  </>
                )}
                <Textarea id={`n-${p.id}`} label="Note" hint="What was done, or why nothing was delivered" rows={2} value={l.note} onInput={(v) => set(p.id, 'note', v)} />
              </fieldset>
            );
          })}
          <Button disabled={busy}>Send the return</Button>
        </form>
      )}
    </Page>
  );
}

/** ReturnsDue lists returns due and not sent, for the first screens (mine: the contracts an officer manages). */
export function ReturnsDue({ mine, supplier }) {
  const due = useLoad(() => api('/returns/due', { query: mine ? { mine: 'true' } : {} }).then((r) => r.items), [mine]);
  if (due.loading) return <Loading what="Loading returns" />;
  if (due.error) return <Problem error={due.error} />;
  return (
    <section aria-labelledby="returns-due" class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m" id="returns-due">{plural(due.data.length, 'quarterly return')} due</h2>
      {due.data.length === 0 ? <p class="govuk-body">None.</p> : (
        <ul class="govuk-list">
          {due.data.map((d) => (
            <li key={`${d.contractId}-${d.fy}-${d.quarter}`} class="app-break">
              <a class="govuk-link" href={supplier ? `/contracts/${d.contractId}/return` : `/contracts/${d.contractId}#reporting-title`}>{d.contractReference}: Q{d.quarter} {fyName(d.fy)}</a>
              {!supplier && `, ${d.organisationName}`}, due by {date(d.dueDate)} {d.overdue && <Tag colour="red">{`Late by ${plural(d.daysOverdue, 'day')}`}</Tag>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** OverdueReturns is the late returns in the overdue list. */
export function OverdueReturns() {
  const due = useLoad(() => api('/returns/due').then((r) => r.items.filter((d) => d.overdue)), []);
  if (due.loading) return <Loading what="Loading returns" />;
  if (due.error) return <Problem error={due.error} />;
  return (
    <>
      <h2 class="govuk-heading-m">Late quarterly returns</h2>
      <p class="govuk-body">A return is late 30 days after its quarter ends.</p>
      {due.data.length === 0 ? <p class="govuk-body">No returns are late.</p> : (
        <table class="govuk-table">
          <caption class="govuk-visually-hidden">{plural(due.data.length, 'late return')}</caption>
          <Head cols={['Contract', 'Supplier', 'Quarter', 'Due by', 'Days late']} />
          <tbody class="govuk-table__body">
            {due.data.map((d) => (
              <tr class="govuk-table__row" key={`${d.contractId}-${d.fy}-${d.quarter}`}>
                <td class="govuk-table__cell app-break"><a class="govuk-link" href={`/contracts/${d.contractId}#reporting-title`}>{d.contractReference}</a></td>
                <td class="govuk-table__cell app-break">{d.organisationName}</td>
                <td class="govuk-table__cell">Q{d.quarter} {fyName(d.fy)}</td>
                <td class="govuk-table__cell">{date(d.dueDate)}</td>
                <td class="govuk-table__cell">{d.daysOverdue}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
