// Officer views: what needs attention (organisations, requests and pledges
// to decide; deliveries to verify and overdue commitments), the reason
// forms for rejecting, the allocation run, and the audit trail.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, listAll } from '../api.js';
import { navigate, queryURL } from '../router.jsx';
import { useDraft } from '../forms.js';
import { setFlash, takeFlash } from '../flash.js';
import { money, number, date, dateAndTime, plural, parsePounds } from '../format.js';
import { Page, ErrorSummary, Input, Textarea, Select, Radios, Button, Loading, Problem, Inset, Warning, SummaryList, useLoad, fieldErrors } from '../govuk.jsx';
import { ActionButton, ApproveAction, stillNeeded } from './public.jsx';
import { DeliveriesTable, OverdueTable } from './value.jsx';
import { ProcurementAttention } from './contracts.jsx';
import { ReturnsDue } from './kpis.jsx';
import { UnreadMessages, ReportedMessages } from './people.jsx';
import { RequestLink } from '../requests.jsx';

function Section({ id, title, children }) {
  return (
    <section class="govuk-!-margin-bottom-8" aria-labelledby={id}>
      <h2 class="govuk-heading-m" id={id}>{title}</h2>
      {children}
    </section>
  );
}

function head(cols) {
  return (
    <thead class="govuk-table__head">
      <tr class="govuk-table__row">
        {cols.map((c) => (
          <th scope="col" class={`govuk-table__header${c.numeric ? ' govuk-table__header--numeric' : ''}`} key={c.text}>{c.text}</th>
        ))}
      </tr>
    </thead>
  );
}

/** Dashboard is the officer's first screen: what needs attention. */
export function Dashboard() {
  const [flash, setFlashHere] = useState(takeFlash);
  const [error, setError] = useState(null);
  const bannerRef = useRef(null);
  const data = useLoad(
    () =>
      Promise.all([
        listAll('/organisations', { status: 'pending' }),
        listAll('/requests', { status: 'submitted' }),
        listAll('/pledges', { status: 'offered' }),
        Promise.all(['confirmed', 'reported', 'disputed'].map((status) => listAll('/deliveries', { status }))).then((x) => x.flat()),
        listAll('/overdue'),
      ])
        .then(([orgs, requests, pledges, deliveries, overdue]) =>
          Promise.all([...new Set(pledges.map((p) => p.requestId))].map((id) => api(`/requests/${id}`).catch(() => null))).then((rs) => ({
            orgs, requests, pledges, deliveries, overdue,
            need: Object.fromEntries(rs.filter(Boolean).map((r) => [r.id, stillNeeded(r)])),
          })),
        ),
    [],
  );
  useEffect(() => {
    if (flash && bannerRef.current) bannerRef.current.querySelector('[role=alert]')?.focus();
  }, [flash]);
  const done = (message) => {
    setError(null);
    setFlashHere(message);
    data.reload();
  };
  const act = async (path, message) => {
    setError(null);
    try {
      await api(path, { method: 'POST', body: {} });
      setFlashHere(message);
      data.reload();
    } catch (e) {
      setError(e);
    }
  };
  const d = data.data;
  return (
    <Page title="What needs attention">
      <div ref={bannerRef}>{flash && <FocusBanner text={flash} />}</div>
      <Problem error={error} />
      {data.loading && !d ? <Loading /> : data.error ? <Problem error={data.error} /> : (
        <>
          <ul class="govuk-list">
            <li><a class="govuk-link" href="#organisations">{plural(d.orgs.length, 'organisation')} to approve</a></li>
            <li><a class="govuk-link" href="#requests">{plural(d.requests.length, 'request')} to publish</a></li>
            <li><a class="govuk-link" href="#pledges">{plural(d.pledges.length, 'pledge')} to decide</a></li>
            <li><a class="govuk-link" href="#deliveries">{plural(d.deliveries.length, 'delivery', 'deliveries')} to verify</a></li>
            <li><a class="govuk-link" href="#overdue">{plural(d.overdue.length, 'overdue commitment')}</a></li>
            <li><a class="govuk-link" href="#procurement">Contracts: questions, dates and bids</a></li>
            <li><a class="govuk-link" href="#reported">Reported messages</a></li>
            <li><a class="govuk-link" href="/officer/organisations">All organisations</a> (approved, suspended and others)</li>
          </ul>
          <UnreadMessages where="the council's pledges" />

          <Section id="organisations" title="Organisations waiting for approval" count={d.orgs.length}>
            {d.orgs.length === 0 ? <p class="govuk-body">None.</p> : (
              <table class="govuk-table">
                {head([{ text: 'Organisation' }, { text: 'Kind' }, { text: 'Registered' }, { text: 'Actions' }])}
                <tbody class="govuk-table__body">
                  {d.orgs.map((o) => (
                    <tr class="govuk-table__row" key={o.id}>
                      <td class="govuk-table__cell app-break"><a class="govuk-link" href={`/officer/organisations/${o.id}`}>{o.name}</a></td>
                      <td class="govuk-table__cell">{o.kind === 'supplier' ? 'Supplier' : 'Community group'}</td>
                      <td class="govuk-table__cell">{date(o.createdAt)}</td>
                      <td class="govuk-table__cell app-table-actions">
                        <ActionButton label="Approve" hidden={o.name} onClick={() => act(`/organisations/${o.id}/approve`, `${o.name} approved`)} />
                        <a class="govuk-link" href={`/officer/organisations/${o.id}/reject`}>Reject<span class="govuk-visually-hidden"> {o.name}</span></a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>

          <Section id="requests" title="Requests waiting to be published" count={d.requests.length}>
            {d.requests.length === 0 ? <p class="govuk-body">None.</p> : (
              <table class="govuk-table">
                {head([{ text: 'Request' }, { text: 'Ward' }, { text: 'Value', numeric: true }, { text: 'Actions' }])}
                <tbody class="govuk-table__body">
                  {d.requests.map((r) => (
                    <tr class="govuk-table__row" key={r.id}>
                      <td class="govuk-table__cell app-break">
                        <a class="govuk-link" href={`/requests/${r.id}`}>{r.title}</a>
                        <br /><span class="govuk-body-s">{r.organisationName}</span>
                      </td>
                      <td class="govuk-table__cell">{r.areaName}</td>
                      <td class="govuk-table__cell govuk-table__cell--numeric">{money(r.valuePence)}</td>
                      <td class="govuk-table__cell app-table-actions">
                        <ActionButton label="Publish" hidden={r.title} onClick={() => act(`/requests/${r.id}/publish`, `‘${r.title}’ published`)} />
                        <a class="govuk-link" href={`/officer/requests/${r.id}/reject`}>Reject<span class="govuk-visually-hidden"> {r.title}</span></a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>

          <Section id="pledges" title="Pledges waiting for a decision" count={d.pledges.length}>
            {d.pledges.length === 0 ? <p class="govuk-body">None.</p> : (
              <>
                <p class="govuk-body">
                  Approve pledges one at a time here, or <a class="govuk-link" href="/officer/allocation">run the allocation</a> to approve the set that puts the most value where need is greatest.
                </p>
                <div class="app-table-scroll" role="region" aria-labelledby="pledges" tabIndex={0}>
                <table class="govuk-table">
                  {head([{ text: 'Supplier and offer' }, { text: 'Request' }, { text: 'Value', numeric: true }, { text: 'Still needed', numeric: true }, { text: 'Actions' }])}
                  <tbody class="govuk-table__body">
                    {d.pledges.map((p) => {
                      const need = d.need[p.requestId];
                      const label = `pledge from ${p.organisationName} to ${p.requestTitle}`;
                      return (
                      <tr class="govuk-table__row" key={p.id}>
                        <td class="govuk-table__cell app-break">
                          <a class="govuk-link" href={`/officer/suppliers/${p.organisationId}/record`}><strong>{p.organisationName}</strong></a>
                          <br />{p.offer}
                          <br /><a class="govuk-link govuk-body-s" href={`/pledges/${p.id}`}>Messages<span class="govuk-visually-hidden"> about the {label}</span></a>
                        </td>
                        <td class="govuk-table__cell app-break"><a class="govuk-link" href={`/requests/${p.requestId}`}>{p.requestTitle}</a></td>
                        <td class="govuk-table__cell govuk-table__cell--numeric">{money(p.valuePence)}</td>
                        <td class="govuk-table__cell govuk-table__cell--numeric">{need == null ? '' : money(need)}</td>
                        <td class="govuk-table__cell app-table-actions">
                          <ApproveAction pledge={p} need={need} hidden={label} onDone={done} onError={setError} />
                          <a class="govuk-link" href={`/officer/pledges/${p.id}/decline`}>Decline<span class="govuk-visually-hidden"> {label}</span></a>
                        </td>
                      </tr>
                      );
                    })}
                  </tbody>
                </table>
                </div>
              </>
            )}
          </Section>

          <Section id="deliveries" title="Deliveries to verify">
            {d.deliveries.length === 0 ? <p class="govuk-body">None. Suppliers' delivery reports will appear here for you to verify.</p> : (
              <DeliveriesTable items={d.deliveries} caption={<span class="govuk-visually-hidden">Deliveries to verify, confirmed by the group first</span>} id="verify-caption" linkText="Check and verify" />
            )}
          </Section>

          <ProcurementAttention />
          <ReturnsDue mine />
          <Section id="reported" title="Messages reported to the council">
            <ReportedMessages />
          </Section>

          <Section id="overdue" title="Overdue commitments">
            {d.overdue.length === 0 ? <p class="govuk-body">None. Approved pledges that pass their date without a verified delivery will appear here.</p> : (
              <>
                <OverdueTable items={d.overdue.slice(0, 10)} caption={<span class="govuk-visually-hidden">Overdue commitments, oldest first</span>} />
                <p class="govuk-body"><a class="govuk-link" href="/officer/overdue">See all {plural(d.overdue.length, 'overdue commitment')}</a></p>
              </>
            )}
          </Section>
        </>
      )}
    </Page>
  );
}

function FocusBanner({ text }) {
  const ref = useRef(null);
  useEffect(() => {
    ref.current?.focus();
  }, [text]);
  return (
    <div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="flash-title" tabIndex={-1} ref={ref}>
      <div class="govuk-notification-banner__header">
        <h2 class="govuk-notification-banner__title" id="flash-title">Success</h2>
      </div>
      <div class="govuk-notification-banner__content">
        <p class="govuk-notification-banner__heading app-break">{text}</p>
      </div>
    </div>
  );
}

const REASON_KINDS = {
  organisation: { load: (id) => api(`/organisations/${id}`), name: (o) => o.name, action: 'reject', path: 'organisations', title: 'Reject organisation', verb: 'rejected', hint: 'Say why, so the organisation can put it right. They will see this.' },
  request: { load: (id) => api(`/requests/${id}`), name: (r) => r.title, action: 'reject', path: 'requests', title: 'Reject request', verb: 'rejected', hint: 'Say why, so the group can change it and send it again. They will see this.' },
  pledge: { load: (id) => api(`/pledges/${id}`), name: (p) => `${p.organisationName}: ${p.requestTitle}`, action: 'decline', path: 'pledges', title: 'Decline pledge', verb: 'declined', hint: 'Say why. The supplier will see this.' },
};

/** ReasonForm asks why an organisation, request or pledge is turned down. */
export function ReasonForm({ params, kind }) {
  const k = REASON_KINDS[kind];
  const obj = useLoad(() => k.load(params.id), [params.id]);
  const [v, set, , drop] = useDraft(`reason.${kind}.${params.id}`, { reason: '' });
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    if (!v.reason.trim()) {
      const text = 'Enter the reason';
      setErrors({ list: [{ href: '#reason', text }], byField: { reason: text } });
      return;
    }
    setBusy(true);
    try {
      await api(`/${k.path}/${params.id}/${k.action}`, { method: 'POST', body: { reason: v.reason.trim() } });
      drop();
      setFlash(`${k.name(obj.data)} ${k.verb}`);
      navigate('/officer');
    } catch (err) {
      setErrors(fieldErrors(err, () => 'reason'));
      setBusy(false);
    }
  };
  return (
    <Page title={k.title} error={errors.list.length > 0} back={{ href: '/officer' }}>
      <ErrorSummary errors={errors.list} />
      {obj.loading ? <Loading /> : obj.error ? <Problem error={obj.error} /> : (
        <div class="govuk-grid-row">
          <div class="govuk-grid-column-two-thirds">
            <p class="govuk-body-l app-break">{k.name(obj.data)}</p>
            <form method="post" action={location.pathname} onSubmit={submit} novalidate>
              <Textarea id="reason" label="Reason" hint={k.hint} value={v.reason} onInput={(x) => set('reason', x)} error={errors.byField.reason} rows={4} />
              <div class="app-actions">
                <Button warning disabled={busy}>{k.title}</Button>
                <a class="govuk-link govuk-body" href="/officer">Cancel</a>
              </div>
            </form>
          </div>
        </div>
      )}
    </Page>
  );
}

const APPROVE_FIELDS = { amountPence: 'amount', version: 'amount', reason: 'reason' };

/**
 * PledgeApprove is where an officer decides how much of a pledge to
 * approve, beside what its request still needs: all of it, what is still
 * needed or another part (when the supplier allowed part), or, after the
 * service refuses an approval beyond the need, all of it anyway with a
 * reason, confirmed on a second step.
 */
export function PledgeApprove({ params }) {
  const load = useLoad(() => api(`/pledges/${params.id}`).then((p) => api(`/requests/${p.requestId}`).then((r) => ({ p, r }))), [params.id]);
  const [choice, setChoice] = useState('');
  const [other, setOther] = useState('');
  const [reason, setReason] = useState('');
  const [over, setOver] = useState(null); // the amount the service refused as beyond the need
  const [confirming, setConfirming] = useState(false);
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [busy, setBusy] = useState(false);
  const fail = (field, text) => setErrors({ list: [{ href: `#${field}`, text }], byField: { [field]: text } });
  if (load.loading) return <Page title="Approve pledge"><Loading /></Page>;
  if (load.error) return <Page title="Approve pledge"><Problem error={load.error} /></Page>;
  const { p, r } = load.data;
  const need = stillNeeded(r);
  const name = `${p.organisationName}: ${p.requestTitle}`;
  if (p.status !== 'offered') {
    return (
      <Page title="Approve pledge" back={{ href: '/officer' }}>
        <p class="govuk-body">This pledge has already been decided. <a class="govuk-link" href={`/requests/${r.id}`}>See the request</a>.</p>
      </Page>
    );
  }
  const send = async (amountPence, override) => {
    setBusy(true);
    try {
      const body = { amountPence, version: p.version, ...(override ? { override: true, reason: reason.trim() } : {}) };
      const done = await api(`/pledges/${p.id}/approve`, { method: 'POST', body });
      setFlash(`Pledge from ${p.organisationName} approved: ${money(done.approvedPence)}${override ? ', beyond the need' : ''}`);
      navigate('/officer');
    } catch (err) {
      setBusy(false);
      setConfirming(false);
      // Beyond the request's need the officer may override with a reason;
      // beyond the supplier's limit nobody may.
      if (err.status === 409 && !override && err.errors[0]?.field === 'amountPence' && amountPence > need) setOver(amountPence);
      setErrors(fieldErrors(err, (f) => APPROVE_FIELDS[f] || 'amount'));
    }
  };
  const chosenAmount = () => (choice === 'all' ? p.valuePence : choice === 'need' ? need : parsePounds(other));
  const approve = (e) => {
    e.preventDefault();
    setOver(null);
    if (!choice) return fail('amount', 'Select how much of the pledge to approve');
    const amount = chosenAmount();
    if (choice === 'part' && (amount == null || amount < 1 || amount > p.valuePence)) {
      return fail('amount-other', `Enter an amount from £0.01 to ${money(p.valuePence)}, like 600 or 600.50`);
    }
    setErrors({ list: [], byField: {} });
    send(amount, false);
  };
  const toConfirm = (e) => {
    e.preventDefault();
    if (!reason.trim()) return fail('reason', 'Enter why the request should get more than it needs');
    setErrors({ list: [], byField: {} });
    setConfirming(true);
  };
  if (confirming) {
    return (
      <Page title="Approve beyond what is needed" back={{ href: `/officer/pledges/${p.id}/approve`, text: 'Back' }}>
        <p class="govuk-body-l app-break">{name}</p>
        <SummaryList
          rows={[
            { key: 'Amount to approve', value: money(over) },
            { key: 'Still needed', value: money(need) },
            { key: 'Beyond the need', value: money(over - need) },
            { key: 'Your reason', value: reason.trim() },
          ]}
        />
        <Warning>
          The request will have {money(r.approvedPence + over)} approved against a need of {money(r.valuePence)}. Your name and reason are kept with the approval and in the audit trail.
        </Warning>
        <form method="post" action={location.pathname} onSubmit={(e) => { e.preventDefault(); send(over, true); }} novalidate>
          <div class="app-actions">
            <Button warning disabled={busy}>Approve {money(over)}</Button>
            <a class="govuk-link govuk-body" href={location.pathname} onClick={(e) => { e.preventDefault(); setConfirming(false); }}>Change the reason</a>
          </div>
        </form>
      </Page>
    );
  }
  const options = [{ value: 'all', text: `All of it: ${money(p.valuePence)}`, hint: p.valuePence > need ? `${money(p.valuePence - need)} more than the request still needs` : undefined }];
  if (p.allowPartial && need > 0 && need < p.valuePence) options.push({ value: 'need', text: `Approve ${money(need)} (what is still needed)` });
  if (p.allowPartial) {
    options.push({
      value: 'part',
      text: 'Another amount',
      conditional: <Input id="amount-other" label="Amount to approve" hint="In pounds" prefix="£" width="10" inputmode="decimal" value={other} onInput={setOther} error={errors.byField['amount-other']} />,
    });
  }
  return (
    <Page title="Approve pledge" error={errors.list.length > 0} back={{ href: '/officer' }}>
      <ErrorSummary errors={errors.list} />
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          <p class="govuk-body-l app-break">{name}</p>
          <SummaryList
            rows={[
              { key: 'Supplier', value: <a class="govuk-link" href={`/officer/suppliers/${p.organisationId}/record`}>{p.organisationName}</a> },
              { key: 'Offer', value: p.offer },
              { key: 'Pledge value', value: `${money(p.valuePence)} for ${number(p.quantity)} ${p.unit}` },
              ...(r.safeguarding ? [{ key: 'Safeguarding checks', value: p.safeguardingCheck ? `Confirmed by ${p.safeguardingCheck.byName || 'the supplier'} on ${dateAndTime(p.safeguardingCheck.at)}` : 'Not confirmed' }] : []),
              { key: 'Part approval', value: p.allowPartial ? 'The supplier allows part of it to be approved' : 'The supplier asks for all of it or none' },
              { key: 'Request value', value: money(r.valuePence) },
              { key: 'Approved so far', value: money(r.approvedPence) },
              { key: 'Still needed', value: money(need) },
            ]}
          />
          {r.safeguarding && !p.safeguardingCheck ? (
            <>
              <Warning>This request involves children or vulnerable adults, and {p.organisationName} has not confirmed that the people doing the work have the checks it needs (for example DBS). It cannot be approved until they do.</Warning>
              <p class="govuk-body"><a class="govuk-link" href={`/officer/pledges/${p.id}/decline`}>Decline the pledge</a> or <a class="govuk-link" href="/officer">go back</a> and wait for the supplier to confirm.</p>
            </>
          ) : (
          <form method="post" action={location.pathname} onSubmit={approve} novalidate>
            <Radios id="amount" legend="How much do you want to approve?" value={choice} onChange={(x) => { setChoice(x); setOver(null); }} options={options} error={errors.byField.amountPence || errors.byField.version || errors.byField.amount} />
            <div class="app-actions">
              <Button disabled={busy}>Approve</Button>
              <a class="govuk-link govuk-body" href="/officer">Cancel</a>
            </div>
          </form>
          )}
          {over != null && (
            <form class="govuk-!-margin-top-6" method="post" action={location.pathname} onSubmit={toConfirm} novalidate>
              <h2 class="govuk-heading-m">Approve {money(over)} anyway</h2>
              <p class="govuk-body">You can approve more than the request still needs if there is a good reason, for example the group has asked for more.</p>
              <Textarea id="reason" label="Why should the request get more than it needs?" hint="It is kept with the approval and in the audit trail." value={reason} onInput={setReason} error={errors.byField.reason} rows={3} />
              <Button secondary disabled={busy}>Continue</Button>
            </form>
          )}
        </div>
      </div>
    </Page>
  );
}

const REASONS = {
  zero_score: 'Left out: its score is too low to add value',
  no_need: 'Left out: the request needed nothing more',
  no_limit: 'Left out: the supplier has no room left under its commitment limit',
  need_covered: 'Other pledges cover the rest of the need',
  supplier_limit: "The supplier's commitment limit is taken up by its other pledges",
  whole_did_not_fit: 'Left out: the supplier does not allow part approval, and the whole pledge is more than the room left',
  not_chosen: 'Left out by the search, which was cut short',
};

/** reasonWords says in words why an allocation item is what it is. */
export function reasonWords(it) {
  if (!it.reason) return it.approvedPence >= it.valuePence ? 'Approve in full' : 'Approve in part';
  return REASONS[it.reason] || it.reason;
}

const SEARCH_TIMES = [
  { value: '', text: 'Up to 2 seconds (usual)' },
  { value: '10000', text: 'Up to 10 seconds' },
  { value: '30000', text: 'Up to 30 seconds, for a whole council at once' },
];

/** Allocation runs the matcher's allocation, then shows the proposal. */
export function Allocation() {
  const [state, setState] = useState({ phase: 'idle' });
  const [limit, setLimit] = useState('');
  const run = async (e) => {
    e.preventDefault();
    setState({ phase: 'running' });
    try {
      const alloc = await api('/allocations', { method: 'POST', body: limit ? { timeLimitMs: Number(limit) } : {} });
      navigate(`/officer/allocations/${alloc.id}`);
    } catch (err) {
      setState({ phase: 'error', error: err });
    }
  };
  return (
    <Page title="Allocate pledges">
      <p class="govuk-body">
        The allocation works out how much of each offered pledge to approve so that the most value goes where need is greatest, without giving a request more than it needs or a supplier more than its commitment limit. You review it before anything is approved.
      </p>
      {state.phase === 'error' && <Problem error={state.error} />}
      <form method="post" action="/officer/allocation" onSubmit={run}>
        <Select id="time-limit" label="How long to search for a better allocation" value={limit} onChange={setLimit} options={SEARCH_TIMES} />
        <Button disabled={state.phase === 'running'}>Run the allocation</Button>
      </form>
      <div role="status" aria-live="polite">
        {state.phase === 'running' && (
          <div class="app-progress">
            <span class="app-spinner" aria-hidden="true" />
            <p class="govuk-body govuk-!-margin-0">Working out the allocation. This can take up to {limit ? Number(limit) / 1000 : 2} seconds, or a little more for a whole council.</p>
          </div>
        )}
      </div>
    </Page>
  );
}

/** AllocationReview shows one proposal, its reasons, and accepts it. */
export function AllocationReview({ params }) {
  const load = useLoad(() => api(`/allocations/${params.id}`), [params.id]);
  const [selected, setSelected] = useState(null);
  const [state, setState] = useState({ phase: 'review' });
  const statusRef = useRef(null);
  useEffect(() => {
    if (state.phase === 'accepted') statusRef.current?.focus();
  }, [state.phase]);
  if (load.loading) return <Page title="Review the allocation"><Loading /></Page>;
  if (load.error) return <Page title="Review the allocation"><Problem error={load.error} /></Page>;
  const a = load.data;
  const proposed = a.items.filter((i) => i.approvedPence > 0);
  const sel = selected || Object.fromEntries(proposed.map((i) => [i.pledgeId, true]));
  const chosen = a.items.filter((i) => sel[i.pledgeId] && i.approvedPence > 0);
  const byId = Object.fromEntries(a.items.map((i) => [i.pledgeId, i]));
  const accept = async (e) => {
    e.preventDefault();
    setState({ phase: 'accepting' });
    try {
      const all = chosen.length === proposed.length;
      const res = await api(`/allocations/${a.id}/accept`, { method: 'POST', body: all ? {} : { pledgeIds: chosen.map((i) => i.pledgeId) } });
      setState({ phase: 'accepted', result: res });
    } catch (err) {
      setState({ phase: 'review', error: err });
    }
  };
  const accepted = a.status === 'accepted' || state.phase === 'accepted';
  return (
    <Page title="Review the allocation" back={{ href: '/officer/allocation', text: 'Allocate pledges' }}>
      <p class="govuk-body">
        Proposed {dateAndTime(a.createdAt)}. {accepted ? 'It proposed' : 'It would approve'} {money(a.approvedPence)} across {plural(proposed.length, 'pledge')}{accepted ? ', and it has been accepted' : ''}.
        {' '}{a.optimal || !(a.gap > 0) ? 'This is the best possible allocation.' : `It is within ${(a.gap * 100).toFixed(1)}% of the best possible.`}
      </p>
      {state.error && <Problem error={state.error} />}
      {a.items.length === 0 ? <p class="govuk-body">There were no offered pledges to allocate.</p> : (
        <form method="post" action={`/officer/allocations/${a.id}`} onSubmit={accept}>
          <div class="app-table-scroll" role="region" aria-labelledby="alloc-caption" tabIndex={0}>
            <table class="govuk-table">
              <caption class="govuk-table__caption govuk-table__caption--s" id="alloc-caption">{accepted ? 'The proposal' : 'Proposed approvals. Untick any you do not want to approve.'}</caption>
              {head([{ text: 'Approve' }, { text: 'Pledge' }, { text: 'Offered', numeric: true }, { text: 'Proposed', numeric: true }, { text: 'Why' }])}
              <tbody class="govuk-table__body">
                {a.items.map((it) => {
                  const label = `${it.organisationName} to ${it.requestTitle}`;
                  return (
                    <tr class="govuk-table__row" key={it.pledgeId}>
                      <td class="govuk-table__cell">
                        <div class="govuk-checkboxes govuk-checkboxes--small">
                          <div class="govuk-checkboxes__item">
                            <input class="govuk-checkboxes__input" type="checkbox" id={`alloc-${it.pledgeId}`} checked={it.approvedPence > 0 && !!sel[it.pledgeId]} disabled={accepted || it.approvedPence === 0} onChange={(e) => setSelected({ ...sel, [it.pledgeId]: e.currentTarget.checked })} />
                            <label class="govuk-label govuk-checkboxes__label" for={`alloc-${it.pledgeId}`}><span class="govuk-visually-hidden">Approve {label}</span></label>
                          </div>
                        </div>
                      </td>
                      <td class="govuk-table__cell app-break"><a class="govuk-link" href={`/officer/suppliers/${it.organisationId}/record`}><strong>{it.organisationName}</strong></a><br /><RequestLink id={it.requestId} title={it.requestTitle} /></td>
                      <td class="govuk-table__cell govuk-table__cell--numeric">{money(it.valuePence)}{it.unit && <><br /><span class="govuk-body-s">{number(it.quantity)} {it.unit}</span></>}</td>
                      <td class="govuk-table__cell govuk-table__cell--numeric">{money(it.approvedPence)}{it.unit && it.approvedPence > 0 && <><br /><span class="govuk-body-s">{number(it.approvedQuantity)} {it.unit}</span></>}</td>
                      <td class="govuk-table__cell app-break">
                        <strong>{reasonWords(it)}</strong>
                        {it.explanation && <><br /><span class="govuk-body-s">{it.explanation}</span></>}
                        <br /><span class="govuk-body-s">Score {Math.round(it.score * 100)} out of 100</span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {!accepted && (
            <>
              <p class="govuk-body">{plural(chosen.length, 'pledge')} selected, worth {money(chosen.reduce((t, i) => t + i.approvedPence, 0))}.</p>
              <Button disabled={state.phase === 'accepting' || chosen.length === 0}>Approve selected pledges</Button>
            </>
          )}
        </form>
      )}
      <div role="status" aria-live="polite">
        {state.phase === 'accepting' && (
          <div class="app-progress">
            <span class="app-spinner" aria-hidden="true" />
            <p class="govuk-body govuk-!-margin-0">Approving {plural(chosen.length, 'pledge')}…</p>
          </div>
        )}
      </div>
      {state.phase === 'accepted' && (
        <>
          <h2 class="govuk-heading-m" tabIndex={-1} ref={statusRef}>{plural(state.result.approved.length, 'pledge')} approved</h2>
          {state.result.skipped?.length > 0 && (
            <div class="app-table-scroll" role="region" aria-labelledby="skipped-caption" tabIndex={0}>
              <table class="govuk-table">
                <caption class="govuk-table__caption govuk-table__caption--s" id="skipped-caption">{plural(state.result.skipped.length, 'pledge was', 'pledges were')} not approved</caption>
                {head([{ text: 'Pledge' }, { text: 'Why not' }])}
                <tbody class="govuk-table__body">
                  {state.result.skipped.map((sk) => {
                    const it = byId[sk.pledgeId];
                    return (
                      <tr class="govuk-table__row" key={sk.pledgeId}>
                        <td class="govuk-table__cell app-break">{it ? <><strong>{it.organisationName}</strong><br />{it.requestTitle}</> : sk.pledgeId}</td>
                        <td class="govuk-table__cell app-break">{sk.reason}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      {accepted && <DeclineLeftOut allocation={a} />}
      {a.status === 'accepted' && state.phase !== 'accepted' && <Inset>This proposal was accepted {dateAndTime(a.acceptedAt)}. Run the allocation again for pledges offered since.</Inset>}
      {accepted && <p class="govuk-body"><a class="govuk-link" href="/officer">Back to what needs attention</a></p>}
    </Page>
  );
}

/**
 * DeclineLeftOut declines, in one step, the offered pledges an accepted
 * allocation left out, each with the reason the allocation gave.
 */
function DeclineLeftOut({ allocation }) {
  const left = allocation.items.filter((i) => i.approvedPence <= 0 && i.reason !== 'in_bid');
  const [state, setState] = useState({ phase: 'idle' });
  const ref = useRef(null);
  useEffect(() => {
    if (state.phase === 'done') ref.current?.focus();
  }, [state.phase]);
  if (left.length === 0) return null;
  const submit = async (e) => {
    e.preventDefault();
    setState({ phase: 'busy' });
    try {
      setState({ phase: 'done', result: await api(`/allocations/${allocation.id}/decline-left-out`, { method: 'POST' }) });
    } catch (err) {
      setState({ phase: 'idle', error: err });
    }
  };
  if (state.phase === 'done') {
    const { declined, skipped } = state.result;
    return (
      <div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="left-out-title" tabIndex={-1} ref={ref}>
        <div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="left-out-title">Success</h2></div>
        <div class="govuk-notification-banner__content">
          <h3 class="govuk-notification-banner__heading">{plural(declined.length, 'pledge')} declined</h3>
          <p class="govuk-body">Each supplier is told the reason the allocation gave.{skipped.length > 0 && ` ${plural(skipped.length, 'pledge was', 'pledges were')} no longer waiting for a decision and stayed as they were.`}</p>
        </div>
      </div>
    );
  }
  return (
    <form method="post" action={`/officer/allocations/${allocation.id}/decline-left-out`} onSubmit={submit}>
      <h2 class="govuk-heading-m">Pledges the allocation left out</h2>
      <p class="govuk-body">{plural(left.length, 'pledge was', 'pledges were')} left out of this allocation. Unless you decline them they stay waiting for a decision, and their suppliers are not told.</p>
      <ul class="govuk-list govuk-list--bullet">
        {left.map((it) => <li key={it.pledgeId} class="app-break"><strong>{it.organisationName}</strong>, {money(it.valuePence)} to {it.requestTitle}</li>)}
      </ul>
      {state.error && <Problem error={state.error} />}
      <Button warning disabled={state.phase === 'busy'}>Decline the pledges left out, with the allocation's reasons</Button>
    </form>
  );
}

/**
 * Audit finds a request or organisation by its title or name and shows its
 * audit trail in words: who by name, what in a sentence, and each changed
 * field by its label, before and after.
 */
export function Audit({ query }) {
  const [q, setQ] = useState(query.q || '');
  useEffect(() => setQ(query.q || ''), [query.q]);
  const found = useLoad(() => (query.q && !query.object ? api('/audit/search', { query: { q: query.q } }) : Promise.resolve(null)), [query.q, query.object]);
  const events = useLoad(() => (query.object ? listAll('/audit', { object: query.object }) : Promise.resolve(null)), [query.object]);
  return (
    <Page title="Audit trail">
      <p class="govuk-body">Every change is recorded with who made it and when. Records are chained by hash, so a change to an old record can be detected.</p>
      <form method="get" action="/officer/audit" onSubmit={(e) => { e.preventDefault(); navigate(queryURL('/officer/audit', { q: q.trim() })); }}>
        <Input id="q" name="q" label="Search for a request or an organisation" hint="Part of a request’s title or an organisation’s name" width="20" value={q} onInput={setQ} />
        <Button secondary>Search</Button>
      </form>
      {found.loading ? <Loading /> : found.error ? <Problem error={found.error} /> : found.data && (
        found.data.items.length === 0 ? <p class="govuk-body">Nothing matches ‘{query.q}’.</p> : (
          <>
            <h2 class="govuk-heading-m">{plural(found.data.items.length, 'match', 'matches')}</h2>
            <ul class="govuk-list">
              {found.data.items.map((o) => (
                <li key={o.type + o.id} class="app-break">
                  <a class="govuk-link" href={queryURL('/officer/audit', { q: query.q, object: o.id })}>{o.name}</a> <span class="govuk-body-s">({o.type === 'request' ? 'request' : o.type === 'organisation' ? 'organisation' : 'reference'})</span>
                </li>
              ))}
            </ul>
          </>
        )
      )}
      {events.loading ? <Loading /> : events.error ? <Problem error={events.error} /> : events.data && (
        events.data.length === 0 ? <p class="govuk-body">No records for this one.</p> : (
          <>
            <h2 class="govuk-heading-m">{plural(events.data.length, 'record')}</h2>
            <ol class="govuk-list app-audit">
              {events.data.map((e) => (
                <li key={e.id} class="govuk-!-margin-bottom-6 app-break">
                  <p class="govuk-body govuk-!-margin-bottom-1"><strong>{e.summary}</strong></p>
                  <p class="govuk-body-s govuk-!-margin-bottom-2">{dateAndTime(e.at)}. Record {e.seq}, <span title={e.hash}>hash {String(e.hash || '').slice(0, 12)}…</span></p>
                  {e.changes?.length > 0 && (
                    <dl class="govuk-summary-list govuk-summary-list--no-border govuk-!-margin-bottom-0">
                      {e.changes.map((c) => (
                        <div class="govuk-summary-list__row" key={c.field}>
                          <dt class="govuk-summary-list__key govuk-body-s">{c.label}</dt>
                          <dd class="govuk-summary-list__value govuk-body-s">{c.before} → {c.after}</dd>
                        </div>
                      ))}
                    </dl>
                  )}
                </li>
              ))}
            </ol>
          </>
        )
      )}
    </Page>
  );
}

