// Community group views: its requests, and posting a request as one
// question per page, check your answers, then a confirmation panel.

import { useEffect, useState } from 'preact/hooks';
import { api, listAll } from '../api.js';
import { navigate } from '../router.jsx';
import { useDraft, loadDraft, dropDraft } from '../forms.js';
import { takeFlash, setFlash } from '../flash.js';
import { money, date, number, plural, kindName, requestStatus, parsePounds, parseWhole, parseDateParts, KINDS, amount } from '../format.js';
import { Page, ErrorSummary, Input, Textarea, Select, Radios, Checkbox, DateInput, Button, Tag, Panel, SummaryList, Banner, Loading, Problem, Inset, useLoad, fieldErrors } from '../govuk.jsx';
import { useWards } from '../requests.jsx';
import { authority, councilName } from '../session.js';
import { DeliveriesTable } from './value.jsx';
import { UnreadMessages } from './people.jsx';
import { VerifyBanner, verifyFieldId } from './verify.jsx';

const DRAFT = 'request.new';
const EMPTY = { title: '', description: '', safeguarding: false, kind: '', area: '', quantity: '', unit: '', value: '', day: '', month: '', year: '' };

function NotApproved({ organisation }) {
  if (!organisation || organisation.status === 'approved') return null;
  return (
    <Inset>
      {organisation.status === 'rejected'
        ? `Your organisation was not approved${organisation.reason ? `: ${organisation.reason}` : '.'}`
        : organisation.status === 'suspended'
        ? `A council officer has suspended your organisation${organisation.reason ? `: ${organisation.reason}` : ''}. You cannot post requests until it is reinstated; what suppliers have already committed to stays.`
        : <>
          <p class="govuk-body">You cannot post a request yet: {organisation.name ? <span class="app-break">{organisation.name}</span> : 'your organisation'} is waiting for a council officer to approve it.
            The council checks every group before suppliers see its requests.</p>
          <p class="govuk-body govuk-!-margin-bottom-0">Once it is approved, you can post requests here. Until then you can <a class="govuk-link" href="/">look at what other groups have asked for</a> or <a class="govuk-link" href="/organisation">check your organisation’s details</a>.</p>
        </>}
    </Inset>
  );
}

/** MyRequests lists the group's requests in every status. */
export function MyRequests({ session }) {
  const [flash] = useState(takeFlash);
  const [settled, setSettled] = useState({}); // expired requests extended or closed here, and what was said
  const list = useLoad(() => listAll('/requests', { mine: true }), []);
  const deliveries = useLoad(() => (session.organisation?.status === 'approved' ? listAll('/deliveries') : Promise.resolve([])), []);
  const toConfirm = (deliveries.data || []).filter((d) => d.status === 'reported');
  const approved = session.organisation?.status === 'approved';
  return (
    <Page title="Your requests" caption={session.organisation?.name}>
      {flash && <Banner success title={flash} />}
      <VerifyBanner session={session} />
      <NotApproved organisation={session.organisation} />
      <UnreadMessages />
      {approved && <Button href="/requests/new">Post a request</Button>}
      <Problem error={deliveries.error} />
      {toConfirm.length > 0 && (
        <DeliveriesTable items={toConfirm} caption={`${plural(toConfirm.length, 'delivery', 'deliveries')} to confirm`} id="confirm-caption" linkText="Check and confirm" />
      )}
      {list.data && list.data.filter((r) => r.status === 'expired' || settled[r.id]).map((r) => (
        <ExpiredRequest key={r.id} request={r} done={settled[r.id]} onDone={(next, text) => { setSettled((o) => ({ ...o, [r.id]: text })); list.setData(list.data.map((x) => (x.id === r.id ? next : x))); }} />
      ))}
      {list.loading ? <Loading /> : list.error ? <Problem error={list.error} /> : list.data.length === 0 ? (
        <p class="govuk-body">You have not posted any requests yet.</p>
      ) : (
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--m">{number(list.data.length)} {list.data.length === 1 ? 'request' : 'requests'}</caption>
          <thead class="govuk-table__head">
            <tr class="govuk-table__row">
              <th scope="col" class="govuk-table__header">Request</th>
              <th scope="col" class="govuk-table__header">Needed by</th>
              <th scope="col" class="govuk-table__header govuk-table__header--numeric">Value</th>
              <th scope="col" class="govuk-table__header govuk-table__header--numeric">Pledged</th>
              <th scope="col" class="govuk-table__header">Status</th>
            </tr>
          </thead>
          <tbody class="govuk-table__body">
            {list.data.map((r) => {
              const [s, c] = requestStatus(r.status);
              return (
                <tr class="govuk-table__row" key={r.id}>
                  <td class="govuk-table__cell app-break">
                    <a class="govuk-link" href={`/requests/${r.id}`}>{r.title}</a>
                    <br />
                    <span class="govuk-body-s">{r.areaName}</span>
                  </td>
                  <td class="govuk-table__cell">{date(r.deadline)}</td>
                  <td class="govuk-table__cell govuk-table__cell--numeric">{money(r.valuePence)}</td>
                  <td class="govuk-table__cell govuk-table__cell--numeric">{money(r.pledgedPence || 0)}</td>
                  <td class="govuk-table__cell"><Tag colour={c}>{s}</Tag></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Page>
  );
}

const STEPS = ['what', 'kind', 'area', 'quantity', 'value', 'deadline'];

/** stepFor says which question page asks for an API field. */
const STEP_OF_FIELD = { title: 'what', description: 'what', safeguarding: 'what', kind: 'kind', area: 'area', quantity: 'quantity', unit: 'quantity', valuePence: 'value', deadline: 'deadline' };
const ID_OF_FIELD = { title: 'title', description: 'description', safeguarding: 'safeguarding', kind: 'kind', area: 'area', quantity: 'quantity', unit: 'unit', valuePence: 'value', deadline: 'deadline-day' };

/**
 * useRules gives the council's rules for a request, from its public page:
 * maxima, the most a request of each kind may be worth, and text, how long
 * the title and description may be (both {} while loading; the API checks
 * them again, so nothing here is the only check).
 */
function useRules() {
  const [m, setM] = useState({ maxima: {}, text: {} });
  useEffect(() => {
    authority().then((a) => setM({ maxima: a.maxRequestPence || {}, text: a.requestText || {} })).catch(() => setM({ maxima: {}, text: {} }));
  }, []);
  return m;
}

/** chars counts characters as the API does: code points, trimmed. */
const chars = (x) => [...x.trim()].length;

function validate(step, v, rules = {}) {
  const { maxima = {}, text = {} } = rules;
  const e = [];
  const add = (id, text, extra) => e.push({ href: `#${id}`, id, text, ...extra });
  if (step === 'what') {
    if (!v.title.trim()) add('title', 'Enter a short title for what you need');
    else if (text.titleMin && chars(v.title) < text.titleMin) add('title', `Title must be at least ${plural(text.titleMin, 'character')}`);
    else if (text.titleMax && chars(v.title) > text.titleMax) add('title', `Title must be ${plural(text.titleMax, 'character')} or fewer`);
    if (!v.description.trim()) add('description', 'Describe what you need and who it will help');
    else if (text.descriptionMax && chars(v.description) > text.descriptionMax) add('description', `Description must be ${plural(text.descriptionMax, 'character')} or fewer`);
  }
  if (step === 'kind' && !v.kind) add('kind', 'Select the kind of help you need');
  if (step === 'area' && !v.area) add('area', 'Select the ward where the help is needed');
  if (step === 'quantity') {
    const q = parseWhole(v.quantity);
    if (!String(v.quantity).trim()) add('quantity', 'Enter how many you need');
    else if (q === null || q < 1) add('quantity', 'How many must be a whole number, like 10');
    if (!v.unit.trim()) add('unit', 'Enter what you are counting, like hours or laptops');
  }
  if (step === 'value') {
    const p = parsePounds(v.value);
    if (!String(v.value).trim()) add('value', 'Enter an estimated value in pounds');
    else if (p === null) add('value', 'Value must be an amount of money, like 1500 or 1,500.50');
    else if (p < 100) add('value', 'Value must be £1 or more');
    else if (maxima[v.kind] && p > maxima[v.kind]) add('value', `A request for ${kindName(v.kind).toLowerCase()} can be worth at most ${money(maxima[v.kind])}`);
  }
  if (step === 'deadline') {
    const d = parseDateParts(v, 'The date you need it by');
    if (d.error) add(`deadline-${d.part || 'day'}`, d.error, { part: d.part });
    else if (new Date(d.value + 'T00:00:00Z') <= new Date()) add('deadline-day', 'The date you need it by must be in the future');
  }
  return e;
}

function byId(errors) {
  return Object.fromEntries(errors.map((x) => [x.id.startsWith('deadline') ? 'deadline' : x.id, x.text]));
}

/** NewRequestStep is one question page of posting a request. */
export function NewRequestStep({ params, query, session }) {
  const step = params.step;
  const [v, set] = useDraft(DRAFT, EMPTY);
  const [errors, setErrors] = useState([]);
  const wards = useWards();
  const rules = useRules();
  const { maxima } = rules;
  const i = STEPS.indexOf(step);
  if (i < 0) return <Page title="Page not found"><p class="govuk-body">There is no such question.</p></Page>;
  if (session.organisation?.status !== 'approved') return <Page title="Post a request"><NotApproved organisation={session.organisation} /></Page>;
  const changing = query.change === '1';
  const back = changing ? '/requests/new/check' : i === 0 ? '/my/requests' : `/requests/new/${STEPS[i - 1]}`;
  const err = byId(errors);
  const submit = (e) => {
    e.preventDefault();
    const found = validate(step, v, rules);
    setErrors(found);
    if (found.length) return;
    navigate(changing || i === STEPS.length - 1 ? '/requests/new/check' : `/requests/new/${STEPS[i + 1]}`);
  };
  const titles = {
    what: 'What do you need?',
    kind: 'What kind of help do you need?',
    area: 'Which ward is the help for?',
    quantity: 'How much do you need?',
    value: 'What is it worth?',
    deadline: 'When do you need it by?',
  };
  const caption = <span class="govuk-caption-l">Post a request</span>;
  let body;
  switch (step) {
    case 'what':
      body = (
        <>
          <h1 class="govuk-heading-l">{caption}{titles.what}</h1>
          <Input id="title" label="Title" hint="A few words, for example ‘Laptops for the homework club’" value={v.title} onInput={(x) => set('title', x)} error={err.title} />
          <Textarea id="description" label="Description" hint="Say what the help is for, who it will reach and anything a supplier needs to know." value={v.description} onInput={(x) => set('description', x)} error={err.description} maxlength={rules.text.descriptionMax} />
          <Checkbox id="safeguarding" legend="Safeguarding" label="This involves working with children or adults who may be at risk" hint="Suppliers will be told that safeguarding checks apply." checked={v.safeguarding} onChange={(x) => set('safeguarding', x)} />
        </>
      );
      break;
    case 'kind':
      body = (
        <Radios id="kind" name="kind" asHeading legend={<>{caption}{titles.kind}</>} value={v.kind} onChange={(x) => set('kind', x)} error={err.kind} options={KINDS} />
      );
      break;
    case 'area':
      body = (
        <Select
          id="area"
          asHeading
          label={<>{caption}{titles.area}</>}
          hint={`The wards of ${councilName()}. Choose the one where the people you help live, or where your group meets.`}
          value={v.area}
          onChange={(x) => set('area', x)}
          error={err.area}
          options={[{ value: '', text: wards.length ? 'Select a ward' : 'Loading wards…' }, ...wards.map((w) => ({ value: w.code, text: w.name }))]}
        />
      );
      break;
    case 'quantity':
      body = (
        <>
          <h1 class="govuk-heading-l">{caption}{titles.quantity}</h1>
          <Input id="quantity" label="How many" inputmode="numeric" width="5" value={v.quantity} onInput={(x) => set('quantity', x)} error={err.quantity} />
          <Input id="unit" label="Of what" hint="For example hours, laptops, placements or pounds" width="20" value={v.unit} onInput={(x) => set('unit', x)} error={err.unit} />
        </>
      );
      break;
    case 'value':
      body = (
        <Input
          id="value"
          asHeading
          label={<>{caption}{titles.value}</>}
          hint={`An estimate in pounds is fine. It tells suppliers how big the need is and counts towards the social value they promise.${maxima[v.kind] ? ` A request for ${kindName(v.kind).toLowerCase()} can be worth up to ${money(maxima[v.kind])}.` : ''}`}
          prefix="£"
          width="10"
          inputmode="decimal"
          value={v.value}
          onInput={(x) => set('value', x)}
          error={err.value}
        />
      );
      break;
    case 'deadline':
      body = (
        <DateInput
          id="deadline"
          asHeading
          legend={<>{caption}{titles.deadline}</>}
          hint="For example, 31 3 2027"
          value={v}
          onChange={(part, x) => set(part, x)}
          error={err.deadline}
          errorPart={errors.find((x) => x.id.startsWith('deadline'))?.part}
        />
      );
      break;
  }
  return (
    <Page title={titles[step]} heading={false} error={errors.length > 0} back={{ href: back }}>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <VerifyBanner session={session} />
          <form method="post" action={`/requests/new/${step}`} onSubmit={submit} novalidate>
            {body}
            <Button>Continue</Button>
          </form>
        </div>
      </div>
    </Page>
  );
}

/** CheckRequest shows every answer with change links, then sends it. */
export function CheckRequest({ session }) {
  const v = loadDraft(DRAFT, EMPTY);
  const wards = useWards();
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  const missing = STEPS.find((s) => validate(s, v).length);
  if (session.organisation?.status !== 'approved') return <Page title="Post a request"><NotApproved organisation={session.organisation} /></Page>;
  if (missing && !errors.length) {
    return (
      <Page title="Check your answers before sending your request">
        <p class="govuk-body">Some answers are missing.</p>
        <Button href={`/requests/new/${missing}`}>Continue your request</Button>
      </Page>
    );
  }
  const change = (step, hidden) => ({ href: `/requests/new/${step}?change=1`, hidden });
  const deadline = parseDateParts(v).value;
  const pence = parsePounds(v.value);
  const send = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErrors([]);
    try {
      const body = {
        title: v.title.trim(),
        description: v.description.trim(),
        kind: v.kind,
        area: v.area,
        quantity: parseWhole(v.quantity),
        unit: v.unit.trim(),
        valuePence: pence,
        deadline,
        safeguarding: !!v.safeguarding,
      };
      const created = await api('/requests', { method: 'POST', body });
      const sent = await api(`/requests/${created.id}/submit`, { method: 'POST', body: {} });
      dropDraft(DRAFT);
      navigate(`/requests/${sent.id}/sent`);
    } catch (err) {
      if (err.errors?.length) {
        setErrors(err.errors.map((x) => ({ href: verifyFieldId(x.field) ? `#${verifyFieldId(x.field)}` : `/requests/new/${STEP_OF_FIELD[x.field] || 'what'}?change=1`, text: x.detail })));
      } else {
        setErrors([{ href: '#main-content', text: err.message }]);
      }
      setBusy(false);
    }
  };
  const ward = wards.find((w) => w.code === v.area);
  return (
    <Page title="Check your answers before sending your request" error={errors.length > 0} back={{ href: '/requests/new/deadline' }}>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <VerifyBanner session={session} />
          <SummaryList
            rows={[
              { key: 'Title', value: v.title, action: change('what', 'title') },
              { key: 'Description', value: v.description, action: change('what', 'description') },
              { key: 'Safeguarding', value: v.safeguarding ? 'Involves children or adults who may be at risk' : 'No safeguarding checks needed', action: change('what', 'safeguarding') },
              { key: 'Kind of help', value: kindName(v.kind), action: change('kind', 'kind of help') },
              { key: 'Ward', value: ward?.name || v.area, action: change('area', 'ward') },
              { key: 'How much', value: amount(parseWhole(v.quantity), v.unit), action: change('quantity', 'how much') },
              { key: 'Estimated value', value: money(pence), action: change('value', 'estimated value') },
              { key: 'Needed by', value: date(deadline), action: change('deadline', 'date needed by') },
            ]}
          />
          <h2 class="govuk-heading-m">Now send your request</h2>
          <p class="govuk-body">A council officer checks each request before it is published for suppliers to see.</p>
          <form method="post" action="/requests/new/check" onSubmit={send} novalidate>
            <Button disabled={busy}>{busy ? 'Sending…' : 'Send for approval'}</Button>
          </form>
        </div>
      </div>
    </Page>
  );
}

/** RequestSent is the confirmation page after sending a request. */
export function RequestSent({ params }) {
  const r = useLoad(() => api(`/requests/${params.id}`), [params.id]);
  return (
    <Page title="Request sent for approval" heading={false}>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          <Panel title="Request sent for approval">
            {r.data && <span class="app-break">{r.data.title}</span>}
          </Panel>
          <h2 class="govuk-heading-m">What happens next</h2>
          <p class="govuk-body">A council officer will check your request. Once it is published, suppliers can pledge to it and you will see their pledges on your request.</p>
          <p class="govuk-body">
            <a class="govuk-link" href={`/requests/${params.id}`}>See your request</a> or <a class="govuk-link" href="/my/requests">go back to your requests</a>.
          </p>
        </div>
      </div>
    </Page>
  );
}

/** NewRequestStart starts (or resumes) posting a request. */
export function NewRequestStart() {
  useEffect(() => navigate('/requests/new/what', { replace: true }), []);
  return <Page title="Post a request"><Loading /></Page>;
}

const EDIT_IDS = { title: 'title', description: 'description', quantity: 'quantity', unit: 'unit', valuePence: 'value', version: 'title' };

/**
 * RequestEdit lets a group change a request an officer has not published:
 * one waiting for approval, or a rejected one, which it then sends for
 * approval again.
 */
export function RequestEdit({ params }) {
  const rules = useRules();
  const req = useLoad(() => api(`/requests/${params.id}`), [params.id]);
  const [v, setV] = useState(null);
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const r = req.data;
    if (r) setV({ title: r.title, description: r.description, quantity: String(r.quantity), unit: r.unit, value: String(r.valuePence / 100) });
  }, [req.data]);
  if (req.loading || (req.data && !v)) return <Page title="Change your request"><Loading /></Page>;
  if (req.error) return <Page title="Change your request"><Problem error={req.error} /></Page>;
  const r = req.data;
  const set = (k) => (x) => setV({ ...v, [k]: x });
  const rejected = r.status === 'rejected';
  if (!['submitted', 'rejected'].includes(r.status)) {
    return <Page title="Change your request" back={{ href: `/requests/${r.id}` }}><p class="govuk-body">A request that is {requestStatus(r.status)[0].toLowerCase()} can no longer be changed.</p></Page>;
  }
  const save = async (e) => {
    e.preventDefault();
    const list = [];
    const byField = {};
    const add = (field, text) => {
      list.push({ href: `#${EDIT_IDS[field]}`, text });
      byField[field] = text;
    };
    const quantity = parseWhole(v.quantity);
    const pence = parsePounds(v.value);
    if (!v.title.trim()) add('title', 'Enter a title');
    if (quantity == null || quantity < 1) add('quantity', 'Enter how many as a whole number, like 40');
    if (!v.unit.trim()) add('unit', 'Enter what the quantity counts, like coats or hours');
    if (pence == null) add('valuePence', 'Enter what it is worth as an amount of money, like 1200 or 1200.50');
    setErrors({ list, byField });
    if (list.length) return;
    setBusy(true);
    try {
      const body = { title: v.title.trim(), description: v.description.trim(), quantity, unit: v.unit.trim(), valuePence: pence, version: r.version };
      await api(`/requests/${r.id}`, { method: 'PATCH', body });
      if (rejected) await api(`/requests/${r.id}/resubmit`, { method: 'POST', body: {} });
      setFlash(rejected ? 'Request changed and sent for approval again' : 'Request changed');
      navigate(`/requests/${r.id}`);
    } catch (err) {
      const fe = fieldErrors(err, (f) => EDIT_IDS[f] || 'title');
      setErrors(fe);
      setBusy(false);
    }
  };
  return (
    <Page title="Change your request" error={errors.list.length > 0} back={{ href: `/requests/${r.id}` }}>
      <ErrorSummary errors={errors.list} />
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          {rejected && r.reason && <Inset>A council officer did not publish this request: {r.reason}</Inset>}
          <form method="post" action={location.pathname} onSubmit={save} novalidate>
            <Input id="title" label="Title" value={v.title} onInput={set('title')} error={errors.byField.title} />
            <Textarea id="description" label="Description" value={v.description} onInput={set('description')} error={errors.byField.description} maxlength={rules.text.descriptionMax} />
            <Input id="quantity" label="How many" width="5" inputmode="numeric" value={v.quantity} onInput={set('quantity')} error={errors.byField.quantity} />
            <Input id="unit" label="Of what" hint="For example coats, hours or laptops" width="10" value={v.unit} onInput={set('unit')} error={errors.byField.unit} />
            <Input id="value" label="What is it worth?" hint="In pounds" prefix="£" width="10" inputmode="decimal" value={v.value} onInput={set('value')} error={errors.byField.valuePence} />
            <div class="app-actions">
              <Button disabled={busy}>{rejected ? 'Send for approval again' : 'Save changes'}</Button>
              <a class="govuk-link govuk-body" href={`/requests/${r.id}`}>Cancel</a>
            </div>
          </form>
        </div>
      </div>
    </Page>
  );
}

/**
 * ExpiredRequest tells the group a request passed its deadline without
 * being fully matched, and lets it extend the deadline once or close it.
 */
function ExpiredRequest({ request: r, done, onDone }) {
  const [v, setV] = useState({ day: '', month: '', year: '' });
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const id = `extend-${r.id}`;
  const act = async (path, body) => {
    setBusy(true);
    try {
      const next = await api(`/requests/${r.id}/${path}`, { method: 'POST', body });
      setError('');
      onDone(next, path === 'close' ? `‘${r.title}’ is closed.` : `‘${r.title}’ is open for pledges again until ${date(next.deadline)}.`);
    } catch (ex) {
      setError(ex.errors?.[0]?.detail || ex.message);
    }
    setBusy(false);
  };
  const extend = (e) => {
    e.preventDefault();
    const d = parseDateParts(v, 'The new deadline');
    if (d.error) return setError(d.error);
    act('extend', { deadline: d.value });
  };
  if (done) return <Banner success title={done} />;
  return (
    <div class="govuk-notification-banner" role="region" aria-labelledby={`${id}-title`}>
      <div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id={`${id}-title`}>Request expired</h2></div>
      <div class="govuk-notification-banner__content">
        <p class="govuk-notification-banner__heading app-break">‘{r.title}’ passed its deadline of {date(r.deadline)} with {money(r.approvedPence || 0)} of {money(r.valuePence)} approved.</p>
        <p class="govuk-body">It no longer takes pledges. Pledges already approved go ahead.</p>
        {r.deadlineExtended ? <p class="govuk-body">You have extended its deadline once already, so you can only close it now, and post a new request if you still need help.</p> : (
          <form method="post" action={`/requests/${r.id}/extend`} onSubmit={extend} novalidate>
            <DateInput id={id} legend="Extend the deadline (you can do this once)" hint="For example, 27 3 2027" value={v} onChange={(k, x) => setV((o) => ({ ...o, [k]: x }))} error={error} />
            <Button disabled={busy}>Extend the deadline</Button>
          </form>
        )}
        {r.deadlineExtended && error && <p class="govuk-error-message">{error}</p>}
        <form method="post" action={`/requests/${r.id}/close`} onSubmit={(e) => { e.preventDefault(); act('close'); }}>
          <Button secondary disabled={busy}>Close the request</Button>
        </form>
      </div>
    </div>
  );
}
