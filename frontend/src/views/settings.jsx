// Settings: an organisation's profile (name, base ward, what a supplier
// offers and its commitment limit), the matcher's weights (admins set
// them, officers read them), and the import of the council's areas from
// a CSV file read in the browser.

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { reloadMe, forgetAuthority } from '../session.js';
import { money, number, dateAndTime, parsePounds, penceToPounds, KINDS, plural } from '../format.js';
import { Page, ErrorSummary, Input, Select, Checkboxes, Button, Banner, Loading, Problem, SummaryList, useLoad } from '../govuk.jsx';
import { useWards, partName } from '../requests.jsx';
import { DetailsFields, detailsState, detailsBody, detailField, DETAIL_IDS, orgStatus } from './people.jsx';

const PROFILE_IDS = { name: 'org-name', area: 'org-area', offers: 'offers', commitmentLimitPence: 'commitment-limit' };

function fieldOf(apiField) {
  return detailField(apiField);
}

function idOf(field) {
  return PROFILE_IDS[field] || DETAIL_IDS[field] || 'org-name';
}

/** Profile lets a group or supplier keep its organisation's details. */
export function Profile({ session }) {
  const id = session.organisation?.id;
  const org = useLoad(() => api(`/organisations/${id}`), [id]);
  if (org.loading) return <Page title="Your organisation"><Loading /></Page>;
  if (org.error) return <Page title="Your organisation"><Problem error={org.error} /></Page>;
  return <ProfileForm org={org.data} onSaved={org.setData} />;
}

function ProfileForm({ org, onSaved }) {
  const wards = useWards();
  const supplier = org.kind === 'supplier';
  const [v, setV] = useState({ name: org.name, area: org.area || '', offers: org.offers || [], limit: org.commitmentLimitPence ? penceToPounds(org.commitmentLimitPence) : '', ...detailsState(org) });
  const [errors, setErrors] = useState([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const set = (k) => (x) => setV((o) => ({ ...o, [k]: x }));
  const err = Object.fromEntries(errors.map((e) => [e.field, e.text]));
  const submit = async (e) => {
    e.preventDefault();
    setSaved(false);
    const found = [];
    const add = (field, text) => found.push({ field, href: `#${idOf(field)}`, text });
    const limit = String(v.limit).trim() === '' ? 0 : parsePounds(v.limit);
    if (!v.name.trim()) add('name', 'Enter the name of your organisation');
    if (supplier && limit === null) add('commitmentLimitPence', 'Commitment limit must be an amount of money, like 50000, or left empty');
    setErrors(found);
    if (found.length) return;
    setBusy(true);
    try {
      const body = { name: v.name.trim(), area: v.area, version: org.version, ...detailsBody(org.kind, v) };
      if (supplier) Object.assign(body, { offers: v.offers, commitmentLimitPence: limit });
      const o = await api(`/organisations/${org.id}`, { method: 'PATCH', body });
      onSaved(o);
      // Show the details as kept: the postcode and numbers come back cleaned.
      setV((cur) => ({ ...cur, ...detailsState(o) }));
      setSaved(true);
      await reloadMe();
    } catch (ex) {
      if (ex.errors?.length) setErrors(ex.errors.map((x) => ({ field: fieldOf(x.field), href: `#${idOf(fieldOf(x.field))}`, text: x.detail })));
      else setErrors([{ field: '', href: '#org-name', text: ex.message }]);
    }
    setBusy(false);
  };
  return (
    <Page title="Your organisation" error={errors.length > 0}>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          {saved && <Banner success title="Your organisation’s details are saved" />}
          <ErrorSummary errors={errors} />
          <SummaryList rows={[
            { key: 'Kind', value: supplier ? 'Supplier' : 'Community group or charity' },
            { key: 'Status', value: `${orgStatus(org.status)[0]}${org.reason && org.status !== 'approved' ? `: ${org.reason}` : ''}` },
          ]} />
          <form method="post" action="/organisation" onSubmit={submit} novalidate>
            <Input id="org-name" label="Name" value={v.name} onInput={set('name')} error={err.name} />
            <Select
              id="org-area"
              label="Ward you are based in"
              hint={supplier ? 'Requests near you rank higher for you.' : undefined}
              value={v.area}
              onChange={set('area')}
              error={err.area}
              options={[{ value: '', text: 'Not in one of these wards, or not saying' }, ...wards.map((w) => ({ value: w.code, text: w.name }))]}
            />
            {supplier && (
              <>
                <Checkboxes id="offers" legend="What do you usually offer?" hint="Select all that apply. Requests for these kinds of help rank higher for you." value={v.offers} onChange={set('offers')} error={err.offers} options={KINDS} />
                <Input
                  id="commitment-limit"
                  label="Commitment limit"
                  hint="The most social value, in pounds, the council may approve from you in all. Leave empty for no limit."
                  prefix="£"
                  width="10"
                  inputmode="decimal"
                  value={v.limit}
                  onInput={set('limit')}
                  error={err.commitmentLimitPence}
                />
                <fieldset class="govuk-fieldset" role="group" aria-describedby="base-hint">
                  <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Where your business is based</legend>
                  <div id="base-hint" class="govuk-hint">The council counts how much of its spend goes to suppliers based in the borough. Give the first part of your postcode, or the ward, of the place the council pays.</div>
                  <Input id="base-district" label="Postcode district" hint="The first part of the postcode, for example SK4 or M1" width="5" value={v.basePostcodeDistrict} onInput={set('basePostcodeDistrict')} error={err.basePostcodeDistrict} spellcheck={false} />
                  <Select
                    id="base-ward"
                    label="Ward (optional)"
                    value={v.baseWard}
                    onChange={set('baseWard')}
                    error={err.baseWard}
                    options={[{ value: '', text: 'Not in one of these wards, or not saying' }, ...wards.map((w) => ({ value: w.code, text: w.name }))]}
                  />
                </fieldset>
              </>
            )}
            <DetailsFields kind={org.kind} v={v} set={set} err={err} />
            <Button disabled={busy}>{busy ? 'Saving…' : 'Save details'}</Button>
          </form>
        </div>
      </div>
    </Page>
  );
}

const WEIGHT_PARTS = ['need', 'fit', 'coverage', 'urgency', 'distance', 'record'];
const WEIGHT_HINTS = {
  need: 'How deprived the ward is',
  fit: 'Whether the supplier usually offers this kind of help',
  coverage: 'How much of the request the pledge would cover',
  urgency: 'How soon the request is needed',
  distance: 'How near the supplier is based',
  record: 'How much the supplier has delivered of what it promised before',
};

function shares(w) {
  const sum = WEIGHT_PARTS.reduce((t, k) => t + (w[k] || 0), 0) || 1;
  return Object.fromEntries(WEIGHT_PARTS.map((k) => [k, Math.round(((w[k] || 0) / sum) * 100)]));
}

/** Weights shows the matcher's weights; an admin sets new ones. */
export function Weights({ session }) {
  const data = useLoad(() => api('/matcher/weights'), []);
  const admin = session.user.role === 'admin';
  const [v, setV] = useState(null);
  const [errors, setErrors] = useState([]);
  const [saved, setSaved] = useState(null);
  const [busy, setBusy] = useState(false);
  if (data.loading && !data.data) return <Page title="Matcher weights"><Loading /></Page>;
  if (data.error) return <Page title="Matcher weights"><Problem error={data.error} /></Page>;
  const cur = data.data.current;
  const form = v || Object.fromEntries(WEIGHT_PARTS.map((k) => [k, String(cur[k])]));
  const err = Object.fromEntries(errors.map((e) => [e.field, e.text]));
  const share = shares(cur);
  const history = [...(data.data.history || [])].sort((a, b) => b.version - a.version);
  const submit = async (e) => {
    e.preventDefault();
    setSaved(null);
    const found = [];
    const body = {};
    for (const k of WEIGHT_PARTS) {
      const s = String(form[k]).trim();
      const x = Number(s);
      if (s === '' || !Number.isFinite(x) || x < 0 || x > 1) found.push({ field: k, href: `#weight-${k}`, text: `${partName(k)} must be a number from 0 to 1, like 0.25` });
      else body[k] = x;
    }
    if (!found.length && WEIGHT_PARTS.every((k) => body[k] === 0)) found.push({ field: 'need', href: '#weight-need', text: 'At least one weight must be more than 0' });
    setErrors(found);
    if (found.length) return;
    setBusy(true);
    try {
      const res = await api('/matcher/weights', { method: 'PUT', body });
      data.setData({ ...data.data, ...res });
      setV(null);
      setSaved(res.current.version);
    } catch (ex) {
      if (ex.errors?.length) setErrors(ex.errors.map((x) => ({ field: fieldOf(x.field), href: `#weight-${WEIGHT_PARTS.includes(fieldOf(x.field)) ? fieldOf(x.field) : 'need'}`, text: x.detail })));
      else setErrors([{ field: '', href: '#weight-need', text: ex.message }]);
    }
    setBusy(false);
  };
  return (
    <Page title="Matcher weights" error={errors.length > 0}>
      {saved && <Banner success title={`Version ${saved} of the weights is now in use`} />}
      <ErrorSummary errors={errors} />
      <p class="govuk-body">
        Each request's match score adds up six parts. The weights say how much each part counts. Only their sizes relative to each other matter. Every change makes a new version, and every score says which version it used.
      </p>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--m">In use: version {cur.version}</caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <th scope="col" class="govuk-table__header">Part of the score</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Weight</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Share of the score</th>
          </tr>
        </thead>
        <tbody class="govuk-table__body">
          {WEIGHT_PARTS.map((k) => (
            <tr class="govuk-table__row" key={k}>
              <th scope="row" class="govuk-table__header">{partName(k)}</th>
              <td class="govuk-table__cell govuk-table__cell--numeric">{cur[k]}</td>
              <td class="govuk-table__cell govuk-table__cell--numeric">{share[k]}%</td>
            </tr>
          ))}
        </tbody>
      </table>
      {admin ? (
        <form method="post" action="/admin/weights" onSubmit={submit} novalidate>
          <fieldset class="govuk-fieldset">
            <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">Set new weights</legend>
            <div class="govuk-hint">Each a number from 0 to 1.</div>
            {WEIGHT_PARTS.map((k) => (
              <Input key={k} id={`weight-${k}`} label={partName(k)} hint={WEIGHT_HINTS[k]} width="4" inputmode="decimal" value={form[k]} onInput={(x) => setV({ ...form, [k]: x })} error={err[k]} />
            ))}
          </fieldset>
          <Button disabled={busy}>{busy ? 'Saving…' : 'Save as a new version'}</Button>
        </form>
      ) : (
        <p class="govuk-body">Only an administrator can change the weights.</p>
      )}
      {history.length > 0 && (
        <div class="app-table-scroll" role="region" aria-labelledby="weights-history" tabIndex={0}>
          <table class="govuk-table">
            <caption class="govuk-table__caption govuk-table__caption--m" id="weights-history">Earlier versions</caption>
            <thead class="govuk-table__head">
              <tr class="govuk-table__row">
                <th scope="col" class="govuk-table__header">Version</th>
                <th scope="col" class="govuk-table__header">Set</th>
                {WEIGHT_PARTS.map((k) => <th scope="col" class="govuk-table__header govuk-table__header--numeric" key={k}>{partName(k)}</th>)}
              </tr>
            </thead>
            <tbody class="govuk-table__body">
              {history.map((h) => (
                <tr class="govuk-table__row" key={h.version}>
                  <td class="govuk-table__cell">{h.version}</td>
                  <td class="govuk-table__cell">{dateAndTime(h.setAt)}</td>
                  {WEIGHT_PARTS.map((k) => <td class="govuk-table__cell govuk-table__cell--numeric" key={k}>{h[k]}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

/** AreasImport replaces the council's areas from a CSV file. */
export function AreasImport() {
  const [file, setFile] = useState(null);
  const [errors, setErrors] = useState([]);
  const [state, setState] = useState({ phase: 'idle' });
  const submit = async (e) => {
    e.preventDefault();
    if (!file) {
      setErrors([{ href: '#csv-file', text: 'Select a CSV file of areas' }]);
      return;
    }
    if (file.size > 5 * 1024 * 1024) {
      setErrors([{ href: '#csv-file', text: 'The file must be smaller than 5 MB' }]);
      return;
    }
    setErrors([]);
    setState({ phase: 'reading' });
    try {
      const csv = await file.text();
      setState({ phase: 'importing' });
      const res = await api('/areas/import', { method: 'POST', body: { csv } });
      forgetAuthority();
      setState({ phase: 'done', areas: res.areas });
    } catch (ex) {
      setState({ phase: 'idle' });
      if (ex.errors?.length) setErrors(ex.errors.map((x) => ({ href: '#csv-file', text: x.detail })));
      else setErrors([{ href: '#csv-file', text: ex.message || 'The file could not be read' }]);
    }
  };
  const busy = state.phase === 'reading' || state.phase === 'importing';
  return (
    <Page title="Import areas" error={errors.length > 0}>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <p class="govuk-body">Replace the council's wards and their need figures from a CSV file. If any row has a problem nothing is changed, and each problem is listed with its line number.</p>
          <p class="govuk-body">The first row names the columns: <code>code</code>, <code>name</code>, <code>lat</code>, <code>lon</code>, and either <code>need</code> (a need index from 0 to 1) or <code>d1</code> to <code>d10</code> (how many neighbourhoods of the ward are in each national deprivation decile).</p>
          {state.phase === 'done' && <Banner success title={`${plural(state.areas.length, 'area')} imported`}><p class="govuk-body"><a class="govuk-notification-banner__link" href="/wards">See need by ward</a></p></Banner>}
          <form method="post" action="/officer/areas" onSubmit={submit} novalidate>
            <div class={`govuk-form-group${errors.length ? ' govuk-form-group--error' : ''}`}>
              <label class="govuk-label govuk-label--m" for="csv-file">CSV file of areas</label>
              <div id="csv-file-hint" class="govuk-hint">At most 5 MB and 5,000 areas</div>
              {errors.length > 0 && (
                <p id="csv-file-error" class="govuk-error-message">
                  <span class="govuk-visually-hidden">Error:</span> {errors.length === 1 ? errors[0].text : `The file has ${errors.length} problems, listed above`}
                </p>
              )}
              <input
                class={`govuk-file-upload${errors.length ? ' govuk-file-upload--error' : ''}`}
                id="csv-file"
                name="csv"
                type="file"
                accept=".csv,text/csv"
                aria-describedby={`csv-file-hint${errors.length ? ' csv-file-error' : ''}`}
                onChange={(e) => setFile(e.currentTarget.files[0] || null)}
              />
            </div>
            <Button disabled={busy}>Import areas</Button>
          </form>
          <div role="status" aria-live="polite">
            {busy && (
              <div class="app-progress">
                <span class="app-spinner" aria-hidden="true" />
                <p class="govuk-body govuk-!-margin-0">{state.phase === 'reading' ? 'Reading the file…' : 'Checking and importing the areas…'}</p>
              </div>
            )}
          </div>
        </div>
      </div>
      {state.phase === 'done' && (
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--m">The council's areas now</caption>
          <thead class="govuk-table__head">
            <tr class="govuk-table__row">
              <th scope="col" class="govuk-table__header">Code</th>
              <th scope="col" class="govuk-table__header">Name</th>
              <th scope="col" class="govuk-table__header govuk-table__header--numeric">Need index</th>
            </tr>
          </thead>
          <tbody class="govuk-table__body">
            {state.areas.map((a) => (
              <tr class="govuk-table__row" key={a.code}>
                <td class="govuk-table__cell">{a.code}</td>
                <td class="govuk-table__cell app-break">{a.name}</td>
                <td class="govuk-table__cell govuk-table__cell--numeric">{Number(a.needIndex ?? 0).toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

export { money, number };

/**
 * The pages an officer needs now and then rather than every day: the
 * council's data, how the matcher scores, people and mail. They were all
 * in the navigation (15 links in three rows at 1280 px); the navigation
 * keeps the daily work and links here.
 */
export const SETTINGS_PAGES = [
  { heading: 'The council’s data', links: [
    ['/officer/areas', 'Import areas', 'The wards and their need figures, from a CSV file.'],
    ['/officer/imports/contracts', 'Import contracts', 'Live and older contracts, with their commitments and deliveries so far.'],
    ['/officer/imports/payments', 'Import payments', 'Payments to suppliers, for the share of spend that stays local.'],
    ['/contracts/directorates', 'Directorates', 'The council’s directorates that contracts belong to.'],
  ] },
  { heading: 'How pledges are scored', links: [
    ['/admin/measures', 'Measures', 'The social value measures catalogue and its versions.'],
    ['/admin/weights', 'Weights', 'How much need, fit and value count when pledges are matched.'],
  ] },
  { heading: 'People and mail', admin: true, links: [
    ['/admin/users', 'Users', 'Officers and admins of the council: invite, disable or enable.'],
    ['/admin/mail', 'Sent mail', 'Every email the platform sent for the council, and what failed.'],
  ] },
  { heading: 'Your account', links: [
    ['/email-settings', 'Email settings', 'Which emails you get, and how often.'],
  ] },
];

/** CouncilSettings lists the pages of SETTINGS_PAGES the officer may open. */
export function CouncilSettings({ session }) {
  const admin = session.user?.role === 'admin';
  return (
    <Page title="Council settings">
      <p class="govuk-body-l">Data, scoring, people and mail for {session.authority?.name || 'the council'}.</p>
      {SETTINGS_PAGES.filter((s) => admin || !s.admin).map((s) => (
        <section key={s.heading}>
          <h2 class="govuk-heading-m">{s.heading}</h2>
          <dl class="app-settings-list">
            {s.links.map(([href, name, what]) => (
              <div key={href} class="govuk-!-margin-bottom-4">
                <dt class="govuk-body govuk-!-font-weight-bold govuk-!-margin-bottom-1"><a class="govuk-link" href={href}>{name}</a></dt>
                <dd class="govuk-body govuk-!-margin-left-0">{what}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
    </Page>
  );
}
