// The platform admin's views: every council and region of the platform,
// creating a council and a region, and a council's page where its first
// admin is invited. A council's wards, measures and thresholds are loaded
// by that council's admin (or by the operator on the command line).

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { navigate } from '../router.jsx';
import { date, plural } from '../format.js';
import { setFlash, takeFlash } from '../flash.js';
import { Page, ErrorSummary, Input, Checkboxes, Button, Tag, Banner, Loading, Problem, SummaryList, useLoad, fieldErrors } from '../govuk.jsx';

const NO_ERRORS = { list: [], byField: {} };

function Th({ children, numeric }) {
  return <th scope="col" class={`govuk-table__header${numeric ? ' govuk-table__header--numeric' : ''}`}>{children}</th>;
}

function Td({ children, numeric }) {
  return <td class={`govuk-table__cell${numeric ? ' govuk-table__cell--numeric' : ''}`}>{children}</td>;
}

/** Platform lists the councils and the regions (partnerships) of the platform. */
export function Platform() {
  const [flash] = useState(takeFlash);
  const load = useLoad(() => Promise.all([api('/authorities'), api('/regions')]), []);
  const title = 'Councils and partnerships';
  if (load.loading) return <Page title={title}><Loading /></Page>;
  if (load.error) return <Page title={title}><Problem error={load.error} /></Page>;
  const [councils, regions] = [load.data[0].items, load.data[1].items];
  const names = Object.fromEntries(councils.map((c) => [c.slug, c.name]));
  return (
    <Page title={title}>
      {flash && <Banner success title={flash} />}
      <p class="govuk-body">Each council keeps its own officers, requests, contracts and audit trail. A region groups councils that work as a partnership: its region officers read their councils side by side and change nothing.</p>
      <div class="govuk-button-group">
        <Button href="/platform/councils/new">Create a council</Button>
        <Button href="/platform/regions/new" secondary>Create a region</Button>
      </div>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--m">{plural(councils.length, 'council')}</caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row"><Th>Council</Th><Th>Code</Th><Th numeric>Wards</Th><Th numeric>Admins</Th><Th numeric>Officers</Th></tr>
        </thead>
        <tbody class="govuk-table__body">
          {councils.map((c) => (
            <tr class="govuk-table__row" key={c.slug}>
              <th scope="row" class="govuk-table__header app-break">
                <a class="govuk-link" href={`/platform/councils/${c.slug}`}>{c.name}</a>
                <br /><span class="govuk-body-s govuk-!-font-weight-regular">{c.slug}</span>
              </th>
              <Td>{c.code || 'None given'}</Td>
              <Td numeric>{c.areas}</Td>
              <Td numeric>{c.admins === 0 ? <Tag colour="yellow">No admin</Tag> : c.admins}</Td>
              <Td numeric>{c.officers}</Td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 class="govuk-heading-m">{regions.length === 0 ? 'No regions yet' : plural(regions.length, 'region')}</h2>
      {regions.map((r) => (
        <div class="govuk-summary-card" key={r.slug}>
          <div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title app-break">{r.name}</h3></div>
          <div class="govuk-summary-card__content">
            <SummaryList rows={[
              { key: 'Slug', value: r.slug },
              { key: 'Councils', value: <ul class="govuk-list">{r.authorities.map((s) => <li key={s}><a class="govuk-link" href={`/platform/councils/${s}`}>{names[s] || s}</a></li>)}</ul> },
              { key: 'Since', value: date(r.createdAt) },
            ]} />
          </div>
        </div>
      ))}
    </Page>
  );
}

// sent posts a form and shows the API's field errors on the fields.
async function sent(setErrors, setBusy, call) {
  setBusy(true);
  setErrors(NO_ERRORS);
  try {
    return await call();
  } catch (ex) {
    if (ex.status !== 401) setErrors(fieldErrors(ex));
    return null;
  } finally {
    setBusy(false);
  }
}

/** NewCouncil creates a council with the default thresholds, tiers and example measures. */
export function NewCouncil() {
  const [v, setV] = useState({ slug: '', name: '', code: '' });
  const [errors, setErrors] = useState(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const set = (k) => (x) => setV({ ...v, [k]: x });
  const submit = async (e) => {
    e.preventDefault();
    const c = await sent(setErrors, setBusy, () => api('/authorities', { method: 'POST', body: v }));
    if (!c) return;
    setFlash(`${c.name} is created. Invite its first admin.`);
    navigate(`/platform/councils/${c.slug}`);
  };
  return (
    <Page title="Create a council" error={errors.list.length > 0} back={{ href: '/platform', text: 'Councils and partnerships' }}>
      <ErrorSummary errors={errors.list} />
      <p class="govuk-body">The council starts with the default thresholds and engagement tiers and the example measures catalogue. Its admin then loads its wards and need figures and its own measures.</p>
      <form method="post" action="/platform/councils/new" onSubmit={submit} novalidate>
        <Input id="name" label="Name" hint="As people know it, for example Tameside Council" value={v.name} onInput={set('name')} error={errors.byField.name} autocomplete="off" />
        <Input id="slug" label="Short name for web addresses (slug)" hint="2 to 40 lower-case letters, digits and hyphens, for example tameside. It cannot be changed later." width="20" value={v.slug} onInput={set('slug')} error={errors.byField.slug} autocomplete="off" spellcheck={false} />
        <Input id="code" label="GSS code (optional)" hint="The council's ONS code: a capital letter and eight digits, for example E08000008" width="10" value={v.code} onInput={set('code')} error={errors.byField.code} autocomplete="off" spellcheck={false} />
        <Button disabled={busy}>Create council</Button>
      </form>
    </Page>
  );
}

/** NewRegion groups councils in a region (partnership). */
export function NewRegion() {
  const councils = useLoad(() => api('/authorities'), []);
  const [v, setV] = useState({ slug: '', name: '', authorities: [] });
  const [errors, setErrors] = useState(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const set = (k) => (x) => setV({ ...v, [k]: x });
  const title = 'Create a region';
  if (councils.loading) return <Page title={title}><Loading /></Page>;
  if (councils.error) return <Page title={title}><Problem error={councils.error} /></Page>;
  const all = councils.data.items;
  const submit = async (e) => {
    e.preventDefault();
    // In the order the councils are listed, whatever order they were ticked.
    const body = { ...v, authorities: all.map((c) => c.slug).filter((s) => v.authorities.includes(s)) };
    const r = await sent(setErrors, setBusy, () => api('/regions', { method: 'POST', body }));
    if (!r) return;
    setFlash(`Region ${r.name} is created with ${plural(r.authorities.length, 'council')}.`);
    navigate('/platform');
  };
  return (
    <Page title={title} error={errors.list.length > 0} back={{ href: '/platform', text: 'Councils and partnerships' }}>
      <ErrorSummary errors={errors.list} />
      <p class="govuk-body">A region is a partnership of councils, such as a shared procurement service. Its region officers read the councils' figures side by side; each council keeps its own data.</p>
      <form method="post" action="/platform/regions/new" onSubmit={submit} novalidate>
        <Input id="name" label="Name" hint="For example STAR Procurement" value={v.name} onInput={set('name')} error={errors.byField.name} autocomplete="off" />
        <Input id="slug" label="Short name for web addresses (slug)" hint="2 to 40 lower-case letters, digits and hyphens, for example star" width="20" value={v.slug} onInput={set('slug')} error={errors.byField.slug} autocomplete="off" spellcheck={false} />
        <Checkboxes id="authorities" legend="Councils in the region" hint="Select all that apply" size="s" value={v.authorities} onChange={set('authorities')} error={errors.byField.authorities}
          options={all.map((c) => ({ value: c.slug, text: c.name }))} />
        <Button disabled={busy}>Create region</Button>
      </form>
    </Page>
  );
}

const STAFF_ROLES = { admin: 'Admin', officer: 'Officer' };

function staffStatus(u) {
  if (u.disabled) return <Tag colour="grey">Disabled</Tag>;
  if (!u.emailVerified) return <Tag colour="yellow">Invited</Tag>;
  return <Tag colour="green">Active</Tag>;
}

/** Council shows one council to the platform admin: its details, its people, and the invitation of an admin. */
export function Council({ params }) {
  const [flash, setFlashHere] = useState(takeFlash);
  const load = useLoad(() => api(`/authorities/${params.slug}/staff`), [params.slug]);
  const [v, setV] = useState({ name: '', email: '' });
  const [errors, setErrors] = useState(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const set = (k) => (x) => setV({ ...v, [k]: x });
  const back = { href: '/platform', text: 'Councils and partnerships' };
  if (load.loading && !load.data) return <Page title="Council" back={back}><Loading /></Page>;
  if (load.error) return <Page title="Council" back={back}><Problem error={load.error} /></Page>;
  const c = load.data;
  const staff = c.staff || [];
  const submit = async (e) => {
    e.preventDefault();
    const u = await sent(setErrors, setBusy, () => api(`/authorities/${c.slug}/admins`, { method: 'POST', body: v }));
    if (!u) return;
    setV({ name: '', email: '' });
    setFlashHere(`Invitation sent to ${u.email}. They choose a password with the link in it, which also confirms their address.`);
    load.reload();
  };
  return (
    <Page title={c.name} caption="Council" error={errors.list.length > 0} back={back}>
      <ErrorSummary errors={errors.list} />
      {flash && <Banner success title={flash} />}
      <SummaryList rows={[
        { key: 'Slug', value: c.slug },
        { key: 'GSS code', value: c.code || 'None given' },
        { key: 'Wards', value: c.areas === 0 ? 'None loaded yet' : c.areas },
        { key: 'Admins', value: c.admins },
        { key: 'Officers', value: c.officers },
      ]} />
      <h2 class="govuk-heading-m">People who run it</h2>
      {staff.length === 0 ? <p class="govuk-body">Nobody yet: invite the council’s first admin below.</p> : (
        <table class="govuk-table">
          <caption class="govuk-visually-hidden">Admins and officers of {c.name}</caption>
          <thead class="govuk-table__head"><tr class="govuk-table__row"><Th>Name</Th><Th>Email</Th><Th>Role</Th><Th>Status</Th></tr></thead>
          <tbody class="govuk-table__body">
            {staff.map((u) => (
              <tr class="govuk-table__row" key={u.id}>
                <Td><span class="app-break">{u.name}</span></Td>
                <Td><span class="app-break">{u.email}</span></Td>
                <Td>{STAFF_ROLES[u.role] || u.role}</Td>
                <Td>{staffStatus(u)}</Td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form method="post" action={`/platform/councils/${c.slug}`} onSubmit={submit} novalidate>
        <h2 class="govuk-heading-m">Invite an admin</h2>
        <p class="govuk-body">We email them a link to choose their password; it works for 7 days and confirms their address. After that they can ask for a password reset link on the sign-in page.</p>
        <Input id="name" label="Full name" value={v.name} onInput={set('name')} error={errors.byField.name} autocomplete="off" />
        <Input id="email" label="Email address" type="email" value={v.email} onInput={set('email')} error={errors.byField.email} autocomplete="off" spellcheck={false} />
        <Button disabled={busy}>Send invitation</Button>
      </form>
      <h2 class="govuk-heading-m">Wards, need figures and measures</h2>
      <p class="govuk-body">The council’s admin loads these after signing in: its wards and need figures under Import areas (a CSV file of code, name, lat, lon and need or IMD deciles d1 to d10), its own measures catalogue under Measures, and, if the default engagement tiers do not suit it, its own through the API (<code>PUT /engagement/tiers</code>). Each council’s data is its own, so a platform admin does not change it from here.</p>
      <p class="govuk-body">To load the wards before the council has an admin, run on the server:</p>
      <p class="govuk-body app-break"><code>needmatch import areas FILE.csv --authority {c.slug}</code></p>
    </Page>
  );
}
