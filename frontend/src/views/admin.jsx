// Officer and admin views: every request of the council with a status
// filter, the council's users (disable and enable), and the measures
// catalogue (its versions and the import of a new one).

import { useState } from 'preact/hooks';
import { api, listAll } from '../api.js';
import { navigate, queryURL } from '../router.jsx';
import { money, date, dateAndTime, plural, requestStatus } from '../format.js';
import { Page, ErrorSummary, Input, Select, Button, Tag, Banner, Loading, Problem, SummaryList, useLoad } from '../govuk.jsx';

// The statuses an officer filters by: the stored ones (partly matched and
// matched are published requests with approvals).
const STATUSES = ['submitted', 'published', 'rejected', 'draft', 'expired', 'closed', 'withdrawn'];

/** OfficerRequests lists the council's requests in every status, filtered by one. */
export function OfficerRequests({ query }) {
  const status = STATUSES.includes(query.status) ? query.status : '';
  const [choice, setChoice] = useState(status);
  const list = useLoad(() => listAll('/requests', status ? { status } : {}), [status]);
  return (
    <Page title="All requests">
      <form method="get" action="/officer/requests" onSubmit={(e) => { e.preventDefault(); navigate(queryURL('/officer/requests', { status: choice })); }}>
        <Select id="status" name="status" label="Status" value={choice} onChange={setChoice}
          options={[{ value: '', text: 'Every status' }, ...STATUSES.map((s) => ({ value: s, text: requestStatus(s)[0] }))]} />
        <Button secondary>Show requests</Button>
      </form>
      {list.loading ? <Loading /> : list.error ? <Problem error={list.error} /> : list.data.length === 0 ? (
        <p class="govuk-body">No requests {status ? `are ${requestStatus(status)[0].toLowerCase()}` : 'yet'}.</p>
      ) : (
        <>
          <h2 class="govuk-heading-m" role="status">{plural(list.data.length, 'request')}{status ? `: ${requestStatus(status)[0].toLowerCase()}` : ''}</h2>
          <ul class="govuk-list app-request-list">
            {list.data.map((r) => {
              const [s, c] = requestStatus(r.status);
              return (
                <li key={r.id} class="govuk-!-margin-bottom-4 app-break">
                  <a class="govuk-link govuk-!-font-weight-bold" href={`/requests/${r.id}`}>{r.title}</a> <Tag colour={c}>{s}</Tag>
                  <br /><span class="govuk-body-s">{r.organisationName}, {r.areaName}. {money(r.approvedPence || 0)} of {money(r.valuePence)} approved; needed by {date(r.deadline)}.</span>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </Page>
  );
}

const ROLE_NAMES = { group: 'Community group', supplier: 'Supplier', officer: 'Officer', admin: 'Admin' };

/** Users lets an admin see the council's users and disable or enable them. */
export function Users({ session }) {
  const list = useLoad(() => listAll('/users'), []);
  const [said, setSaid] = useState('');
  const [error, setError] = useState(null);
  if (list.loading) return <Page title="Users"><Loading /></Page>;
  if (list.error) return <Page title="Users"><Problem error={list.error} /></Page>;
  const toggle = async (u) => {
    setError(null);
    try {
      const next = await api(`/users/${u.id}/${u.disabled ? 'enable' : 'disable'}`, { method: 'POST' });
      list.setData(list.data.map((x) => (x.id === u.id ? next : x)));
      setSaid(`${u.name || u.email} ${next.disabled ? 'is disabled: they are signed out and cannot sign in' : 'can sign in again'}.`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Page title="Users">
      {said && <Banner success title={said} />}
      <Problem error={error} />
      <p class="govuk-body">{plural(list.data.length, 'person', 'people')} can sign in to this council’s service. A disabled account is signed out at once.</p>
      {list.data.map((u) => (
        <div class="govuk-summary-card" key={u.id}>
          <div class="govuk-summary-card__title-wrapper">
            <h2 class="govuk-summary-card__title app-break">{u.name || u.email}{u.disabled && <> <Tag colour="grey">Disabled</Tag></>}</h2>
            {u.id !== session.user?.id && (
              <ul class="govuk-summary-card__actions">
                <li class="govuk-summary-card__action">
                  <button type="button" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" onClick={() => toggle(u)}>
                    {u.disabled ? 'Enable' : 'Disable'}<span class="govuk-visually-hidden"> {u.name || u.email}</span>
                  </button>
                </li>
              </ul>
            )}
          </div>
          <div class="govuk-summary-card__content">
            <SummaryList rows={[
              { key: 'Email', value: u.email },
              { key: 'Role', value: ROLE_NAMES[u.role] || u.role },
              { key: 'Since', value: date(u.createdAt) },
            ]} />
          </div>
        </div>
      ))}
    </Page>
  );
}

/** Measures shows the measures catalogue's versions and imports a new one (admin). */
export function Measures({ session }) {
  const admin = session.user?.role === 'admin';
  const load = useLoad(() => Promise.all([api('/measures'), api('/measures/versions')]), []);
  const [file, setFile] = useState(null);
  const [label, setLabel] = useState('');
  const [errors, setErrors] = useState([]);
  const [done, setDone] = useState(null);
  const [busy, setBusy] = useState(false);
  if (load.loading) return <Page title="Measures catalogue"><Loading /></Page>;
  const [current, versions] = load.error ? [null, { items: [] }] : load.data;
  const submit = async (e) => {
    e.preventDefault();
    const found = [];
    if (!file) found.push({ href: '#measures-file', text: 'Select a CSV file of measures' });
    else if (file.size > 5 * 1024 * 1024) found.push({ href: '#measures-file', text: 'The file must be smaller than 5 MB' });
    if (!label.trim()) found.push({ href: '#measures-label', text: 'Enter a label for this version, like “2027 values”' });
    setErrors(found);
    if (found.length) return;
    setBusy(true);
    try {
      const cat = await api('/measures/import', { method: 'POST', body: { csv: await file.text(), label: label.trim() } });
      setDone(cat);
      load.reload();
    } catch (ex) {
      setErrors(ex.errors?.length ? ex.errors.map((x) => ({ href: '#measures-file', text: x.detail })) : [{ href: '#measures-file', text: ex.message }]);
    }
    setBusy(false);
  };
  const items = versions.items || versions;
  return (
    <Page title="Measures catalogue" error={errors.length > 0}>
      <ErrorSummary errors={errors} />
      {done && <Banner success title={`Version ${done.version} imported: ${plural(done.measures.length, 'measure')}`} />}
      <p class="govuk-body">Pledges are valued with the measures of the version current when they are made; an older pledge keeps its version.</p>
      {current ? (
        <>
          <h2 class="govuk-heading-m">Current: version {current.version}, {current.label}</h2>
          {current.example && <p class="govuk-body">These are example values shipped with needmatch, not the council’s own: import the council’s measures.</p>}
          {current.measures.map((m) => (
            <div class="govuk-summary-card" key={m.code}>
              <div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title app-break">{m.name}</h3></div>
              <div class="govuk-summary-card__content">
                <SummaryList rows={[{ key: 'Code', value: m.code }, { key: 'Value', value: `${money(m.proxyPence)} per ${m.unit}` }, { key: 'Theme', value: m.theme }]} />
              </div>
            </div>
          ))}
        </>
      ) : <Problem error={load.error} />}
      {items.length > 0 && (
        <>
          <h2 class="govuk-heading-m">Versions</h2>
          <ul class="govuk-list">
            {items.map((v) => <li key={v.version} class="app-break">Version {v.version}: {v.label}, {dateAndTime(v.createdAt)}{v.measures ? `, ${plural(v.measures.length, 'measure')}` : ''}</li>)}
          </ul>
        </>
      )}
      {admin && (
        <form method="post" action="/admin/measures" onSubmit={submit} novalidate>
          <h2 class="govuk-heading-m">Import a new version</h2>
          <p class="govuk-body">A CSV file whose first row names the columns <code>code</code>, <code>name</code>, <code>unit</code>, <code>proxy_gbp</code> (or <code>proxy_pence</code>) and <code>theme</code> (and optionally <code>source</code>). If any row has a problem nothing changes.</p>
          <Input id="measures-label" label="Label of the version" width="20" value={label} onInput={setLabel} error={errors.find((x) => x.href === '#measures-label')?.text} />
          <div class="govuk-form-group">
            <label class="govuk-label" for="measures-file">CSV file of measures</label>
            <input class="govuk-file-upload" id="measures-file" type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.currentTarget.files[0] || null)} />
          </div>
          <Button disabled={busy}>Import measures</Button>
        </form>
      )}
    </Page>
  );
}
