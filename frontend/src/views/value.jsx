// The social value ledger: a supplier reports delivery with evidence, the
// group confirms or disputes it, an officer verifies or rejects it; the
// officer's overdue commitments; the ledger and its chart by month; the
// supplier's record (download and print); public verified totals.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, listAll, upload, download } from '../api.js';
import { navigate, queryURL } from '../router.jsx';
import { useDraft } from '../forms.js';
import { setFlash, takeFlash } from '../flash.js';
import { money, number, date, dateAndTime, plural, parseWhole, parseDateParts, amount } from '../format.js';
import { OverdueReturns, RemedyList } from './kpis.jsx';
import { Page, ErrorSummary, Textarea, Input, Select, DateInput, Button, Tag, Banner, Loading, Problem, Inset, SummaryList, useLoad, fieldErrors } from '../govuk.jsx';
import { LocalSpend } from './imports.jsx';
import { RequestLink } from '../requests.jsx';
import { councilSlug } from '../session.js';

const DELIVERY_STATUS = {
  reported: ['Waiting for the group', 'blue'],
  confirmed: ['Confirmed by the group', 'turquoise'],
  disputed: ['Disputed by the group', 'orange'],
  verified: ['Verified', 'green'],
  rejected: ['Rejected', 'red'],
};

/** deliveryStatus gives the words and tag colour of a delivery status. */
export function deliveryStatus(s) {
  return DELIVERY_STATUS[s] ?? [s, 'grey'];
}

function DeliveryTag({ status }) {
  const [s, c] = deliveryStatus(status);
  return <Tag colour={c}>{s}</Tag>;
}

export function Th({ children, numeric }) {
  return <th scope="col" class={`govuk-table__header${numeric ? ' govuk-table__header--numeric' : ''}`}>{children}</th>;
}

export function Td({ children, numeric, break: brk }) {
  return <td class={`govuk-table__cell${numeric ? ' govuk-table__cell--numeric' : ''}${brk ? ' app-break' : ''}`}>{children}</td>;
}

/** Scroll wraps a wide table in a focusable region that scrolls on phones. */
export function Scroll({ id, children }) {
  return <div class="app-table-scroll" role="region" aria-labelledby={id} tabIndex={0}>{children}</div>;
}

/** DeliveriesTable lists deliveries with a link to each. */
export function DeliveriesTable({ items, caption, id = 'deliveries-caption', linkText = 'View', who = 'supplier' }) {
  return (
    <Scroll id={id}>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--m" id={id}>{caption}</caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <Th>Delivered</Th>
            <Th>{who === 'supplier' ? 'Supplier and request' : 'Request'}</Th>
            <Th numeric>Quantity</Th>
            <Th numeric>Value</Th>
            <Th>Status</Th>
            <Th><span class="govuk-visually-hidden">Action</span></Th>
          </tr>
        </thead>
        <tbody class="govuk-table__body">
          {items.map((d) => (
            <tr class="govuk-table__row" key={d.id}>
              <Td>{date(d.date)}</Td>
              <Td break>{who === 'supplier' && <><strong>{d.organisationName}</strong><br /></>}{d.requestTitle}</Td>
              <Td numeric>{amount(d.quantity, d.unit)}</Td>
              <Td numeric>{money(d.valuePence)}</Td>
              <Td><DeliveryTag status={d.status} /></Td>
              <Td><a class="govuk-link" href={`/deliveries/${d.id}`}>{linkText}<span class="govuk-visually-hidden"> delivery of {d.requestTitle} by {d.organisationName} on {date(d.date)}</span></a></Td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

const DELIVERY_IDS = { quantity: 'delivered-quantity', date: 'delivery-date-day', notes: 'delivery-notes', evidenceIds: 'evidence', file: 'evidence' };

/** DeliveryForm is the supplier's report of a delivery, with evidence files. */
export function DeliveryForm({ params }) {
  const pledge = useLoad(() => Promise.all([api(`/pledges/${params.id}`), listAll('/deliveries', { pledge: params.id })]), [params.id]);
  const [v, set, , drop] = useDraft(`delivery.${params.id}`, { quantity: '', day: '', month: '', year: '', notes: '' });
  const [files, setFiles] = useState([]);
  const [errors, setErrors] = useState([]);
  const [progress, setProgress] = useState('');
  if (pledge.loading) return <Page title="Report a delivery"><Loading /></Page>;
  if (pledge.error) return <Page title="Report a delivery"><Problem error={pledge.error} /></Page>;
  const [p, earlier] = pledge.data;
  const done = earlier.filter((d) => d.status !== 'rejected').reduce((t, d) => t + d.quantity, 0);
  const left = Math.max(0, p.deliverableQuantity - done);
  const err = Object.fromEntries(errors.map((e) => [e.field, e.text]));
  const submit = async (e) => {
    e.preventDefault();
    const found = [];
    const add = (field, text, href) => found.push({ field, href: href || `#${DELIVERY_IDS[field]}`, text });
    const q = parseWhole(v.quantity);
    if (!String(v.quantity).trim()) add('quantity', 'Enter how many you delivered');
    else if (q === null || q < 1) add('quantity', 'How many must be a whole number, like 10');
    else if (q > left) add('quantity', `You can report at most ${number(left)} more ${p.unit}`);
    const d = parseDateParts(v, 'The date of the delivery');
    if (d.error) add('date', d.error, `#delivery-date-${d.part || 'day'}`);
    else if (new Date(d.value + 'T00:00:00Z') > new Date()) add('date', 'The date of the delivery must be today or in the past');
    for (const f of files) {
      if (f.size > 10 * 1024 * 1024) add('file', `${f.name} is larger than 10 MB`);
    }
    if (files.length > 10) add('file', 'Attach at most 10 files');
    setErrors(found);
    if (found.length) return;
    try {
      const ids = [];
      for (let i = 0; i < files.length; i++) {
        setProgress(`Uploading evidence: file ${i + 1} of ${files.length}, ${files[i].name}…`);
        try {
          ids.push((await upload('/evidence', files[i])).id);
        } catch (ex) {
          ex.file = files[i].name;
          throw ex;
        }
      }
      setProgress('Sending the report…');
      await api(`/pledges/${p.id}/deliveries`, { method: 'POST', body: { quantity: q, date: d.value, notes: v.notes.trim(), evidenceIds: ids } });
      drop();
      setFlash(`Delivery reported: ${number(q)} ${p.unit} to ‘${p.requestTitle}’. The group will be asked to confirm it.`);
      navigate('/supplier/pledges');
    } catch (ex) {
      setProgress('');
      if (ex.status === 401) return;
      const { list } = fieldErrors(ex, (f) => DELIVERY_IDS[f] || 'delivered-quantity');
      setErrors(list.map((x, i) => ({ ...x, field: ex.errors?.[i]?.field === 'evidenceIds' || ex.file ? 'file' : ex.errors?.[i]?.field || '', text: ex.file ? `${ex.file}: ${x.text}` : x.text })));
    }
  };
  return (
    <Page title="Report a delivery" heading={false} error={errors.length > 0} back={{ href: '/supplier/pledges', text: 'Your pledges' }}>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 class="govuk-heading-l app-break"><span class="govuk-caption-l">Report a delivery to</span>{p.requestTitle}</h1>
          <SummaryList rows={[
            { key: 'You pledged', value: `${amount(p.quantity, p.unit)}: ${p.offer}` },
            { key: 'Approved', value: p.approvedQuantity < p.quantity ? `${amount(p.approvedQuantity, p.unit)} (${money(p.approvedPence)})` : `All of it (${money(p.approvedPence)})` },
            { key: 'Already reported', value: amount(done, p.unit) },
            ...(p.dueDate ? [{ key: 'Due by', value: date(p.dueDate) }] : []),
          ]} />
          {left === 0 ? <Inset>Everything approved has been reported.</Inset> : (
            <form method="post" action={`/supplier/pledges/${p.id}/deliver`} onSubmit={submit} novalidate>
              <Input id="delivered-quantity" label={`How many ${p.unit} did you deliver?`} hint={`At most ${number(left)}.`} width="5" inputmode="numeric" value={v.quantity} onInput={(x) => set('quantity', x)} error={err.quantity} />
              <DateInput id="delivery-date" legend="When did you deliver them?" hint="For example, 27 3 2026" value={v} onChange={set} error={err.date} />
              <Textarea id="delivery-notes" label="Notes (optional)" hint="What was delivered, and to whom." value={v.notes} onInput={(x) => set('notes', x)} error={err.notes} rows={3} maxlength={5000} />
              <div class={`govuk-form-group${err.file ? ' govuk-form-group--error' : ''}`}>
                <label class="govuk-label govuk-label--s" for="evidence">Evidence (optional)</label>
                <div id="evidence-hint" class="govuk-hint">Photos, receipts, timesheets or letters: PDF, PNG, JPEG or text, at most 10 MB each.</div>
                {err.file && <p id="evidence-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {err.file}</p>}
                <input class={`govuk-file-upload${err.file ? ' govuk-file-upload--error' : ''}`} id="evidence" name="file" type="file" multiple accept=".pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/png,image/jpeg,text/plain" aria-describedby={`evidence-hint${err.file ? ' evidence-error' : ''}`} onChange={(e) => setFiles([...e.currentTarget.files])} />
              </div>
              <Button disabled={!!progress}>Report delivery</Button>
            </form>
          )}
          <div role="status" aria-live="polite">
            {progress && (
              <div class="app-progress">
                <span class="app-spinner" aria-hidden="true" />
                <p class="govuk-body govuk-!-margin-0">{progress}</p>
              </div>
            )}
          </div>
        </div>
      </div>
    </Page>
  );
}

function EvidenceList({ ids }) {
  const ev = useLoad(() => Promise.all(ids.map((id) => api(`/evidence/${id}`))), [ids.join()]);
  const [error, setError] = useState(null);
  if (!ids.length) return <p class="govuk-body">No evidence was attached.</p>;
  if (ev.loading) return <Loading what="Loading evidence" />;
  if (ev.error) return <Problem error={ev.error} />;
  return (
    <>
      <Problem error={error} />
      <ul class="govuk-list">
        {ev.data.map((e) => (
          <li key={e.id}>
            <button type="button" class="app-link-button govuk-link" onClick={() => download(`/evidence/${e.id}/file`, {}, e.fileName).catch(setError)}>
              Download {e.fileName}
            </button>
            <span class="govuk-body-s"> ({number(Math.ceil(e.size / 1024))} KB, SHA-256 {e.sha256.slice(0, 12)}…)</span>
          </li>
        ))}
      </ul>
    </>
  );
}

/** DeliveryDetail shows one delivery and what the signed-in role can do with it. */
export function DeliveryDetail({ params, session }) {
  const [flash, setFlashHere] = useState(takeFlash);
  const d = useLoad(() => api(`/deliveries/${params.id}`), [params.id]);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [busy, setBusy] = useState(false);
  if (d.loading && !d.data) return <Page title="Delivery"><Loading /></Page>;
  if (d.error) return <Page title="Delivery"><Problem error={d.error} /></Page>;
  const x = d.data;
  const role = session.user.role;
  const officer = role === 'officer' || role === 'admin';
  const group = role === 'group' && session.organisation?.id === x.requestOrganisationId;
  const open = ['reported', 'confirmed', 'disputed'].includes(x.status);
  const unconfirmed = !x.confirmed || x.status === 'disputed';
  const act = async (move, body, message) => {
    setBusy(true);
    setErrors({ list: [], byField: {} });
    try {
      const updated = await api(`/deliveries/${x.id}/${move}`, { method: 'POST', body });
      d.setData(updated);
      setFlashHere(message);
    } catch (ex) {
      setErrors(fieldErrors(ex, () => 'verify-reason'));
    }
    setBusy(false);
  };
  const verify = (e) => {
    e.preventDefault();
    if (unconfirmed && !reason.trim()) {
      const text = 'Enter why you are verifying a delivery the group has not confirmed';
      setErrors({ list: [{ href: '#verify-reason', text }], byField: { reason: text } });
      return;
    }
    act('verify', reason.trim() ? { reason: reason.trim() } : {}, 'Delivery verified. It now counts in the ledger.');
  };
  const back = officer ? { href: '/officer#deliveries', text: 'Needs attention' } : group ? { href: '/my/requests', text: 'Your requests' } : { href: '/supplier/pledges', text: 'Your pledges' };
  return (
    <Page title="Delivery" caption={x.requestTitle} back={back} error={errors.list.length > 0}>
      {flash && <Banner success title={flash} />}
      <ErrorSummary errors={errors.list} />
      <SummaryList rows={[
        { key: 'Status', value: <DeliveryTag status={x.status} /> },
        { key: 'Supplier', value: x.organisationName },
        { key: 'Request', value: <RequestLink id={x.requestId} title={x.requestTitle} /> },
        { key: 'Delivered', value: `${amount(x.quantity, x.unit)} on ${date(x.date)}` },
        { key: 'Value', value: money(x.valuePence) },
        ...(x.notes ? [{ key: 'Notes', value: x.notes }] : []),
        { key: 'Group', value: x.confirmed ? `Confirmed ${dateAndTime(x.confirmedAt)}` : x.status === 'disputed' ? `Disputed: ${x.disputeReason}` : 'Not confirmed yet' },
        ...(x.reason ? [{ key: x.status === 'rejected' ? 'Why rejected' : 'Officer’s note', value: x.reason }] : []),
        ...(x.decidedAt ? [{ key: x.status === 'rejected' ? 'Rejected' : 'Verified', value: dateAndTime(x.decidedAt) }] : []),
      ]} />
      <h2 class="govuk-heading-m">Evidence</h2>
      <EvidenceList ids={x.evidenceIds || []} />
      {group && (x.status === 'reported' || x.status === 'disputed') && (
        <>
          <h2 class="govuk-heading-m">Did you receive this?</h2>
          <div class="app-actions govuk-!-margin-bottom-6">
            <form class="app-inline-form" onSubmit={(e) => { e.preventDefault(); act('confirm', undefined, 'Thank you. You confirmed the delivery.'); }}>
              <Button disabled={busy}>Confirm delivery</Button>
            </form>
            {x.status === 'reported' && <a class="govuk-button govuk-button--warning" href={`/deliveries/${x.id}/dispute`}>Dispute delivery</a>}
          </div>
        </>
      )}
      {officer && open && (
        <>
          <h2 class="govuk-heading-m">Verify this delivery</h2>
          {unconfirmed && <Inset>The group has not confirmed this delivery. You can still verify it if you have other proof; say what it is.</Inset>}
          <form method="post" action={`/deliveries/${x.id}`} onSubmit={verify} novalidate>
            <Textarea id="verify-reason" label={unconfirmed ? 'Why are you verifying it?' : 'Note (optional)'} value={reason} onInput={setReason} error={errors.byField.reason} rows={3} maxlength={2000} />
            <div class="app-actions">
              <Button disabled={busy}>Verify delivery</Button>
              <a class="govuk-button govuk-button--warning" href={`/deliveries/${x.id}/reject`}>Reject delivery</a>
            </div>
          </form>
        </>
      )}
    </Page>
  );
}

/** DeliveryReason asks why a group disputes, or an officer rejects, a delivery. */
export function DeliveryReason({ params, move }) {
  const d = useLoad(() => api(`/deliveries/${params.id}`), [params.id]);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [busy, setBusy] = useState(false);
  const title = move === 'dispute' ? 'Dispute a delivery' : 'Reject a delivery';
  const submit = async (e) => {
    e.preventDefault();
    if (!reason.trim()) {
      const text = 'Enter the reason';
      setErrors({ list: [{ href: '#reason', text }], byField: { reason: text } });
      return;
    }
    setBusy(true);
    try {
      await api(`/deliveries/${params.id}/${move}`, { method: 'POST', body: { reason: reason.trim() } });
      setFlash(move === 'dispute' ? 'You disputed the delivery. A council officer will look into it.' : 'Delivery rejected. It does not count in the ledger.');
      navigate(`/deliveries/${params.id}`);
    } catch (ex) {
      setErrors(fieldErrors(ex, () => 'reason'));
      setBusy(false);
    }
  };
  return (
    <Page title={title} error={errors.list.length > 0} back={{ href: `/deliveries/${params.id}` }}>
      <ErrorSummary errors={errors.list} />
      {d.loading ? <Loading /> : d.error ? <Problem error={d.error} /> : (
        <div class="govuk-grid-row">
          <div class="govuk-grid-column-two-thirds">
            <p class="govuk-body-l app-break">{d.data.organisationName}: {amount(d.data.quantity, d.data.unit)} to ‘{d.data.requestTitle}’ on {date(d.data.date)}</p>
            <form method="post" action={location.pathname} onSubmit={submit} novalidate>
              <Textarea id="reason" label="Reason" hint={move === 'dispute' ? 'Say what was not delivered or was wrong. The supplier and the council will see this.' : 'The supplier will see this.'} value={reason} onInput={setReason} error={errors.byField.reason} rows={4} maxlength={2000} />
              <div class="app-actions">
                <Button warning disabled={busy}>{title}</Button>
                <a class="govuk-link govuk-body" href={`/deliveries/${params.id}`}>Cancel</a>
              </div>
            </form>
          </div>
        </div>
      )}
    </Page>
  );
}

/** OverdueTable lists commitments past due, oldest first. */
export function OverdueTable({ items, caption = 'Overdue commitments', id = 'overdue-caption' }) {
  return (
    <Scroll id={id}>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--m" id={id}>{caption}</caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <Th>Supplier and request</Th>
            <Th numeric>Approved</Th>
            <Th>Due</Th>
            <Th numeric>Days overdue</Th>
            <Th>Lapses on</Th>
          </tr>
        </thead>
        <tbody class="govuk-table__body">
          {items.map((it) => (
            <tr class="govuk-table__row" key={it.pledge.id}>
              <Td break><strong>{it.pledge.organisationName}</strong><br /><RequestLink id={it.pledge.requestId} title={it.pledge.requestTitle} /></Td>
              <Td numeric>{money(it.pledge.approvedPence)}</Td>
              <Td>{date(it.dueDate)}</Td>
              <Td numeric>{number(it.daysOverdue)}</Td>
              <Td>{it.lapsesOn ? date(it.lapsesOn) : '–'}</Td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

export function DownloadButton({ path, query, filename, children }) {
  const [state, setState] = useState({ busy: false, error: null });
  return (
    <>
      <Button type="button" secondary disabled={state.busy} onClick={async () => {
        setState({ busy: true, error: null });
        try {
          await download(path, query, filename);
          setState({ busy: false, error: null });
        } catch (error) {
          setState({ busy: false, error });
        }
      }}>
        {state.busy ? 'Preparing the file…' : children}
      </Button>
      <span role="status" class="govuk-visually-hidden">{state.busy ? 'Preparing the file' : ''}</span>
      {state.error && <Problem error={state.error} />}
    </>
  );
}

/** Overdue is the officer's list of commitments past their due date. */
export function Overdue() {
  const list = useLoad(() => listAll('/overdue'), []);
  return (
    <Page title="Overdue commitments">
      <p class="govuk-body">Approved pledges past their due date without a verified delivery, oldest first. A commitment still undelivered 30 days after its date lapses and counts against the supplier's record.</p>
      {list.loading ? <Loading /> : list.error ? <Problem error={list.error} /> : list.data.length === 0 ? (
        <p class="govuk-body">No commitments are overdue.</p>
      ) : (
        <>
          <OverdueTable items={list.data} caption={plural(list.data.length, 'overdue commitment')} />
          <DownloadButton path="/overdue" query={{ format: 'csv' }} filename="overdue.csv">Download as CSV</DownloadButton>
        </>
      )}
      <OverdueReturns />
    </Page>
  );
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** monthName turns "2026-11" into "November 2026". */
export function monthName(key) {
  const m = /^(\d{4})-(\d{2})$/.exec(key || '');
  return m ? `${MONTHS[Number(m[2]) - 1]} ${m[1]}` : key;
}

const SERIES = [
  ['approvedPence', 'Secured (approved)', '#1d70b8', 'the value of pledges the council approved, counted in the month each pledge was made'],
  ['deliveredPence', 'Delivered (reported)', '#f47738', 'the value suppliers report they delivered, counted in the month the delivery happened'],
  ['verifiedPence', 'Verified by the council', '#00703c', 'the delivered value the council has checked, counted in the month the delivery happened'],
];

/** useWidth follows an element's width in CSS pixels. */
function useWidth(ref, initial) {
  const [w, setW] = useState(initial);
  useEffect(() => {
    if (!ref.current) return undefined;
    const ro = new ResizeObserver(([e]) => setW(Math.max(200, Math.floor(e.contentRect.width))));
    ro.observe(ref.current);
    return () => ro.disconnect();
  }, []);
  return w;
}

/**
 * MonthChart draws secured, delivered and verified value by month as
 * horizontal bars with each value written beside its bar. The SVG is drawn
 * at the width it is shown at (not scaled), so its text stays at 16px on a
 * phone and on a desktop.
 */
export function MonthChart({ rows, title }) {
  const box = useRef(null);
  const W = Math.min(useWidth(box, 640), 960);
  const max = Math.max(1, ...rows.flatMap((r) => SERIES.map(([k]) => r[k])));
  const BAR = 22, GAP = 4, HEAD = 28, AFTER = 16;
  const group = HEAD + SERIES.length * (BAR + GAP) + AFTER;
  const H = Math.max(group * rows.length, 40);
  // Room for the longest value beside a full bar: about 9px a character.
  const room = 9 * Math.max(...rows.flatMap((r) => SERIES.map(([k]) => money(r[k]).length)), 2) + 8;
  const len = (v) => Math.max(v > 0 ? 2 : 0, (W - room) * (v / max));
  const last = rows[rows.length - 1];
  return (
    <figure class="app-figure" ref={box}>
      <svg class="app-chart" width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="chart-title chart-desc" focusable="false">
        <title id="chart-title">{title}</title>
        <desc id="chart-desc">
          {rows.length === 0 ? 'No value recorded yet.' : `${rows.length} months, from ${monthName(rows[0].key)} to ${monthName(last.key)}. In ${monthName(last.key)}: ${money(last.approvedPence)} secured, ${money(last.deliveredPence)} delivered, ${money(last.verifiedPence)} verified. The table gives every figure.`}
        </desc>
        {rows.map((r, i) => {
          const y0 = group * i;
          return (
            <g key={r.key}>
              <text x="0" y={y0 + 18} class="app-chart__text app-chart__text--month">{monthName(r.key)}</text>
              {SERIES.map(([k, , colour], j) => {
                const y = y0 + HEAD + j * (BAR + GAP);
                return (
                  <g key={k}>
                    <rect x="0" y={y} width={len(r[k])} height={BAR} fill={colour} />
                    <text x={len(r[k]) + 6} y={y + 16} class="app-chart__text">{money(r[k])}</text>
                  </g>
                );
              })}
            </g>
          );
        })}
      </svg>
      <ul class="app-legend" aria-label="Key to the chart">
        {SERIES.map(([k, text, colour]) => (
          <li key={k}><svg class="app-legend__key" viewBox="0 0 20 20" aria-hidden="true" focusable="false"><rect width="20" height="20" fill={colour} /></svg>{text}</li>
        ))}
      </ul>
    </figure>
  );
}

/** SeriesMeaning says in a sentence what each figure of the ledger counts. */
function SeriesMeaning() {
  return (
    <ul class="govuk-list govuk-list--bullet">
      <li><strong>Pledged</strong> is the value suppliers offered, counted in the month each pledge was made.</li>
      {SERIES.map(([k, text, , meaning]) => <li key={k}><strong>{text}</strong> is {meaning}.</li>)}
      <li><strong>Confirmed</strong> is the delivered value the group said it received.</li>
      <li>
        <strong>Still to verify</strong> is the value secured so far less the value verified so far. A pledge made in one month is often delivered in a later one,
        so in the table by month it is given to the end of each month, never for that month alone.
      </li>
    </ul>
  );
}

/**
 * toDate gives each month's "still to verify" as it stood at the end of
 * that month: everything secured up to then less everything verified up
 * to then. A month alone can verify more than it secured (the pledge was
 * made earlier), so the month's own difference would go below zero.
 */
export function toDate(rows) {
  let secured = 0, verified = 0;
  return rows.map((r) => {
    secured += r.approvedPence;
    verified += r.verifiedPence;
    return { ...r, gapPence: Math.max(0, secured - verified) };
  });
}

// Pledges not tied to a social value measure have no theme: the ledger
// calls them "No measure", which reads as a measure called that.
const NO_THEME = 'Not tied to a measure';

function rowName(first, r, isTotal) {
  if (isTotal) return r.label || 'Total';
  if (first === 'Month') return monthName(r.key);
  if (first === 'Theme' && !r.key) return NO_THEME;
  return r.label || '–';
}

/** hasThemes tells whether any row has a theme (not only the untied ones). */
function hasThemes(rows) {
  return (rows || []).some((r) => r.key);
}

/** percent writes a share of contract value (null: not known). */
export function percent(p) {
  return p === null || p === undefined ? 'Not known' : `${Number(p).toFixed(2)}%`;
}

function LedgerTable({ rows, caption, id, first, total, link, share }) {
  return (
    <Scroll id={id}>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--m" id={id}>{caption}</caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <Th>{first}</Th>
            {share && <Th numeric>Contract value</Th>}
            {share && <Th numeric>Secured, % of contract value</Th>}
            <Th numeric>Pledged</Th>
            <Th numeric>Secured</Th>
            <Th numeric>Delivered</Th>
            <Th numeric>Confirmed</Th>
            <Th numeric>Verified</Th>
            <Th numeric>{first === 'Month' ? 'Still to verify, to date' : 'Still to verify'}</Th>
          </tr>
        </thead>
        <tbody class="govuk-table__body">
          {[...rows, ...(total ? [total] : [])].map((r, i) => (
            <tr class="govuk-table__row" key={r.key + i}>
              <th scope="row" class="govuk-table__header app-break">{link && r.key && r !== total && first !== 'Month' ? <a class="govuk-link" href={link(r)}>{rowName(first, r, false)}</a> : rowName(first, r, r === total)}</th>
              {share && <Td numeric>{r.contractValuePence ? money(r.contractValuePence) : 'Not known'}</Td>}
              {share && <Td numeric>{percent(r.securedPercent)}</Td>}
              <Td numeric>{money(r.pledgedPence)}</Td>
              <Td numeric>{money(r.approvedPence)}</Td>
              <Td numeric>{money(r.deliveredPence)}</Td>
              <Td numeric>{money(r.confirmedPence)}</Td>
              <Td numeric>{money(r.verifiedPence)}</Td>
              <Td numeric>{money(Math.max(0, r.gapPence))}</Td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

/**
 * ChartOrTable shows the months as a chart or, at the press of a button, as
 * a table with every figure (and back).
 */
function ChartOrTable({ rows, total }) {
  const [table, setTable] = useState(false);
  if (!rows.length) return <p class="govuk-body">No value has been pledged yet, so there is nothing to show by month.</p>;
  return (
    <>
      <Button type="button" secondary onClick={() => setTable(!table)}>
        {table ? 'Show as a chart' : 'Show as a table'}
      </Button>
      {table
        ? <LedgerTable rows={toDate(rows)} caption="Social value by month" id="ledger-month" first="Month" total={total} />
        : <MonthChart rows={rows} title="Social value secured, delivered and verified by month" />}
    </>
  );
}

/** fyLabel names a financial year: 2025 is "2025/26". */
export function fyLabel(fy) {
  const y = Number(fy);
  return `${y}/${String((y + 1) % 100).padStart(2, '0')}`;
}

/** currentFY is the financial year (April to March) of today. */
function currentFY() {
  const now = new Date();
  return now.getUTCMonth() < 3 ? now.getUTCFullYear() - 1 : now.getUTCFullYear();
}

const QUARTERS = [
  { value: '', text: 'The whole year' },
  { value: '1', text: 'April to June' },
  { value: '2', text: 'July to September' },
  { value: '3', text: 'October to December' },
  { value: '4', text: 'January to March' },
];

/** PeriodFilter chooses a financial year and quarter for a view at path. */
export function PeriodFilter({ path, query }) {
  const [fy, setFY] = useState(query.fy || '');
  const [quarter, setQuarter] = useState(query.quarter || '');
  const years = [];
  for (let y = currentFY(); y >= 2019; y -= 1) years.push({ value: String(y), text: fyLabel(y) });
  return (
    <form method="get" action={path} class="app-filters app-no-print" onSubmit={(e) => {
      e.preventDefault();
      navigate(queryURL(path, { fy, quarter: fy ? quarter : '' }));
    }}>
      <Select id="fy" name="fy" label="Financial year" value={fy} onChange={setFY} options={[{ value: '', text: 'Every year' }, ...years]} />
      <Select id="quarter" name="quarter" label="Quarter" hint={fy ? undefined : 'Choose a year first'} value={fy ? quarter : ''} onChange={setQuarter} options={QUARTERS} />
      <Button secondary>Show the figures</Button>
    </form>
  );
}

/** periodWords says which period the figures cover. */
export function periodWords(query) {
  if (!query.fy) return 'every year on record';
  const q = QUARTERS.find((x) => x.value === query.quarter && x.value);
  return q ? `${q.text} ${fyLabel(query.fy)}` : `the financial year ${fyLabel(query.fy)}`;
}

/** Ledger shows the social value ledger with its chart and tables. */
export function Ledger({ session, query = {} }) {
  const period = { fy: query.fy, quarter: query.fy ? query.quarter : undefined };
  const l = useLoad(() => api('/ledger', { query: period }), [query.fy, query.quarter]);
  const officer = ['officer', 'admin'].includes(session.user.role);
  return (
    <Page title="Social value ledger">
      <p class="govuk-body">
        What suppliers have pledged, what the council has secured (approved), what suppliers report delivered, what groups confirmed, and what the council has verified.
        {officer ? '' : ' You see your own organisation’s figures.'}
      </p>
      {officer && <p class="govuk-body"><a class="govuk-link" href="/officer/summary">The council’s one-page summary, to print</a></p>}
      <PeriodFilter path="/ledger" query={query} />
      <h2 class="govuk-heading-m">Figures for {periodWords(query)}</h2>
      {l.loading ? <Loading /> : l.error ? <Problem error={l.error} /> : (
        <>
          <div class="govuk-grid-row">
            {[['approvedPence', 'Secured'], ['deliveredPence', 'Delivered'], ['verifiedPence', 'Verified']].map(([k, text]) => (
              <div class="govuk-grid-column-one-third" key={k}>
                <p class="govuk-body"><span class="app-count">{money(l.data.totals[k])}</span>{text}</p>
              </div>
            ))}
          </div>
          {l.data.totals.securedPercent !== null && (
            <p class="govuk-body">
              <span class="app-count">{percent(l.data.totals.securedPercent)}</span>
              of contract value secured as social value: {money(l.data.totals.approvedPence)} is counted on contracts worth {money(l.data.totals.contractValuePence)};
              {' '}{percent(l.data.totals.deliveredPercent)} delivered and {percent(l.data.totals.verifiedPercent)} verified.
            </p>
          )}
          <p class="govuk-body-s">A contract counts in the share when value is secured or delivered on it. Pledges without a contract, or on a contract of unknown value, are in the pounds but not in the share.</p>
          {l.data.totals.importedPence > 0 && (
            <p class="govuk-body">Of the delivered figure, {money(l.data.totals.importedPence)} came in with imported contracts and is <strong>imported, not verified here</strong> until an officer verifies it.</p>
          )}
          {officer && <LocalSpend />}
          <h2 class="govuk-heading-m">By month</h2>
          <SeriesMeaning />
          <ChartOrTable rows={l.data.byMonth} total={l.data.totals} />
          {l.data.byWard.length > 0 && <LedgerTable rows={l.data.byWard} caption="By ward" id="ledger-ward" first="Ward" />}
          {(l.data.byYear || []).length > 0 && <LedgerTable rows={l.data.byYear} caption="By financial year" id="ledger-year" first="Financial year" link={(r) => queryURL('/ledger', { fy: r.key })} />}
          {officer && l.data.bySupplier.length > 0 && <LedgerTable rows={l.data.bySupplier} caption="By supplier" id="ledger-supplier" first="Supplier" share link={(r) => `/officer/suppliers/${r.key}/record`} />}
          {l.data.byContract.length > 0 && <LedgerTable rows={l.data.byContract} caption="By contract" id="ledger-contract" first="Contract" share />}
          {officer && (l.data.byDirectorate || []).length > 0 && <LedgerTable rows={l.data.byDirectorate} caption="By directorate" id="ledger-directorate" first="Directorate" share />}
          {hasThemes(l.data.byTheme) && (
            <>
              <LedgerTable rows={l.data.byTheme} caption="By theme" id="ledger-theme" first="Theme" />
              <p class="govuk-body-s">A pledge has a theme when it is tied to one of the council's social value measures. “{NO_THEME}” counts the pledges made without one.</p>
            </>
          )}
          <p class="govuk-body-s">Figures as of {dateAndTime(l.data.computedAt)}.</p>
          <div class="app-actions govuk-!-margin-bottom-6">
            <DownloadButton path="/ledger" query={{ ...period, format: 'excel' }} filename="social-value-ledger.csv">Download for a spreadsheet (pounds and names)</DownloadButton>
            <DownloadButton path="/ledger" query={{ ...period, format: 'csv' }} filename="ledger.csv">Download the ledger as CSV (pence and ids)</DownloadButton>
            <DownloadButton path="/deliveries" query={{ format: 'csv' }} filename="deliveries.csv">Download every delivery as CSV</DownloadButton>
          </div>
        </>
      )}
    </Page>
  );
}

/** SupplierRecord is the supplier's printable record, with a CSV download. */
export function SupplierRecord({ session, params }) {
  const id = params.id || session.organisation?.id;
  const r = useLoad(() => api(`/suppliers/${id}/record`), [id]);
  if (r.loading) return <Page title="Social value record"><Loading /></Page>;
  if (r.error) return <Page title="Social value record"><Problem error={r.error} /></Page>;
  const x = r.data;
  return (
    <Page title="Social value record" caption={x.organisationName}>
      <p class="govuk-body">Delivered and verified social value recorded by {session.authority?.name || 'the council'}, as of {date(x.computedAt)}. Use it as evidence of your record in bids.</p>
      <div class="app-actions govuk-!-margin-bottom-6 app-no-print">
        <DownloadButton path={`/suppliers/${id}/record`} query={{ format: 'csv' }} filename="social-value-record.csv">Download as CSV</DownloadButton>
        <Button type="button" secondary onClick={() => window.print()}>Print this record</Button>
      </div>
      <SummaryList rows={[
        { key: 'Commitments (approved pledges)', value: number(x.pledged) },
        { key: 'Verified in full', value: number(x.verified) },
        { key: 'Lapsed undelivered', value: number(x.lapsed) },
        { key: 'Value approved', value: money(x.approvedPence) },
        { key: 'Value delivered (reported)', value: money(x.deliveredPence) },
        { key: 'Value verified by the council', value: money(x.verifiedPence) },
        ...(x.importedPence > 0 ? [{ key: 'Imported, not verified here', value: money(x.importedPence) }] : []),
      ]} />
      {(x.deliveries || []).length === 0 ? <p class="govuk-body">No verified deliveries yet.</p> : (
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--m">Verified deliveries</caption>
          <thead class="govuk-table__head">
            <tr class="govuk-table__row"><Th>Date</Th><Th>Request</Th><Th numeric>Quantity</Th><Th numeric>Value</Th></tr>
          </thead>
          <tbody class="govuk-table__body">
            {x.deliveries.map((d) => (
              <tr class="govuk-table__row" key={d.id}>
                <Td>{date(d.date)}</Td>
                <Td break>{d.requestTitle}{d.source === 'import' ? ' (imported)' : ''}</Td>
                <Td numeric>{amount(d.quantity, d.unit)}</Td>
                <Td numeric>{money(d.valuePence)}</Td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 class="govuk-heading-m">Remedy plans</h2>
      <p class="govuk-body">What the council agreed with the supplier when a commitment was overdue or a KPI was rated below approaching target, and how it ended.</p>
      <RemedyList items={x.remedies || []} />
    </Page>
  );
}

/** SummaryFigures are a one-page summary's headline figures (a council's or a region's). */
export function SummaryFigures({ x, since, by, notRecorded }) {
  const local = x.localSpend;
  return (
    <div class="govuk-grid-row app-summary-figures">
      <div class="govuk-grid-column-one-half">
        <p class="govuk-body"><span class="app-count">{percent(x.securedPercent)}</span>of contract value secured as social value ({money(x.contractValuePence)} of contracts)</p>
      </div>
      <div class="govuk-grid-column-one-half">
        <p class="govuk-body"><span class="app-count">{money(x.securedPence)}</span>secured{since}</p>
      </div>
      <div class="govuk-grid-column-one-half">
        <p class="govuk-body"><span class="app-count">{money(x.deliveredPence)}</span>recorded as delivered, of which {money(x.verifiedPence)} verified by {by}</p>
      </div>
      <div class="govuk-grid-column-one-half">
        <p class="govuk-body">
          <span class="app-count">{local ? percent(local.localPercent) : 'Not recorded'}</span>
          {local ? `of spend with local suppliers in ${local.label} (${money(local.localPence)} of ${money(local.totalPence)})` : notRecorded}
        </p>
      </div>
    </div>
  );
}

/** SummaryYears is a summary's trend by financial year. */
export function SummaryYears({ rows, id }) {
  if (rows.length === 0) return <p class="govuk-body">No social value recorded yet.</p>;
  return (
    <Scroll id={id}>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--m" id={id}>By financial year</caption>
        <thead class="govuk-table__head"><tr class="govuk-table__row"><Th>Year</Th><Th numeric>Secured</Th><Th numeric>Delivered</Th><Th numeric>Verified</Th></tr></thead>
        <tbody class="govuk-table__body">
          {rows.map((y) => (
            <tr class="govuk-table__row" key={y.key}>
              <th scope="row" class="govuk-table__header">{y.label}</th>
              <Td numeric>{money(y.approvedPence)}</Td>
              <Td numeric>{money(y.deliveredPence)}</Td>
              <Td numeric>{money(y.verifiedPence)}</Td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

/** TopContracts lists a summary's contracts with most value secured, with their council when council is set. */
export function TopContracts({ rows, id, council }) {
  if (rows.length === 0) return null;
  return (
    <Scroll id={id}>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--m" id={id}>Contracts with most value secured</caption>
        <thead class="govuk-table__head"><tr class="govuk-table__row"><Th>Contract</Th>{council && <Th>Council</Th>}<Th numeric>Contract value</Th><Th numeric>Secured</Th><Th numeric>Share</Th><Th numeric>Verified</Th></tr></thead>
        <tbody class="govuk-table__body">
          {rows.map((c) => (
            <tr class="govuk-table__row" key={`${c.council || ''}${c.key}`}>
              <th scope="row" class="govuk-table__header app-break">{c.label}</th>
              {council && <Td>{c.councilName}</Td>}
              <Td numeric>{c.contractValuePence ? money(c.contractValuePence) : 'Not known'}</Td>
              <Td numeric>{money(c.approvedPence)}</Td>
              <Td numeric>{percent(c.securedPercent)}</Td>
              <Td numeric>{money(c.verifiedPence)}</Td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

/**
 * CouncilSummary is the council's one-page summary for officers and the
 * scrutiny panel: the panel's figures, the trend by financial year, the
 * contracts with most secured and the overdue commitments. It prints on one
 * page; the same summary is also a page served by the server, to save.
 */
export function CouncilSummary() {
  const r = useLoad(() => api('/ledger/summary'), []);
  if (r.loading) return <Page title="Social value summary"><Loading /></Page>;
  if (r.error) return <Page title="Social value summary"><Problem error={r.error} /></Page>;
  const x = r.data;
  const since = x.sinceLabel ? ` since ${x.sinceLabel}` : '';
  return (
    <Page title="Social value summary" caption={x.name}>
      <p class="govuk-body">Figures recorded by the council{since}, as of {date(x.computedAt)}.</p>
      <div class="app-actions govuk-!-margin-bottom-6 app-no-print">
        <Button type="button" onClick={() => window.print()}>Print this summary</Button>
        <DownloadButton path="/ledger/summary" query={{ format: 'html' }} filename="social-value-summary.html">Download as a web page</DownloadButton>
        <a class="govuk-link" href="/ledger">Back to the ledger</a>
      </div>
      <SummaryFigures x={x} since={since} by="the council" notRecorded="Local spend share: the council’s payments are not recorded here yet" />
      <SummaryYears rows={x.byYear} id="summary-year" />
      <TopContracts rows={x.topContracts} id="summary-contracts" />
      <h2 class="govuk-heading-m">Overdue commitments</h2>
      <p class="govuk-body">
        {x.overdue.count === 0 ? 'No commitment is past its due date without verified delivery.' : `${plural(x.overdue.count, 'commitment')} past the due date without verified delivery, ${money(x.overdue.valuePence)} committed on them.`}
        {x.overdue.count > 0 && <> <a class="govuk-link app-no-print" href="/officer/overdue">See the overdue commitments</a></>}
      </p>
    </Page>
  );
}

/** PublicValue shows the council's verified totals to anyone (open data). */
export function PublicValue() {
  const o = useLoad(() => api('/opendata', { query: { authority: councilSlug() } }), []);
  return (
    <Page title="Social value delivered">
      {o.loading ? <Loading /> : o.error ? <Problem error={o.error} /> : (
        <div>
          <p class="govuk-body">Social value that suppliers to {o.data.name} have committed and the council has verified as delivered to community groups.</p>
          <div class="govuk-grid-row">
            <div class="govuk-grid-column-one-half"><p class="govuk-body"><span class="app-count">{money(o.data.approvedPence)}</span>Secured (approved pledges)</p></div>
            <div class="govuk-grid-column-one-half"><p class="govuk-body"><span class="app-count">{money(o.data.verifiedPence)}</span>Verified as delivered</p></div>
          </div>
          {!o.data.approvedPence && !o.data.verifiedPence && (
            <Inset>
              No social value has been secured yet, so both figures are £0. A pledge counts as secured when a council officer approves a supplier’s offer to meet a group’s request,
              and as verified when the council has checked that it was delivered. <a class="govuk-link" href="/">See the requests waiting for pledges</a>.
            </Inset>
          )}
          {o.data.securedPercent !== null && o.data.securedPercent !== undefined && (
            <p class="govuk-body"><span class="app-count">{percent(o.data.securedPercent)}</span>of the value of the council’s contracts secured as social value (on contracts worth {money(o.data.contractValuePence)})</p>
          )}
          <p class="govuk-body-s">Secured is the value of the pledges the council has approved. Verified is the part of it the council has checked was delivered. The share of contract value counts the contracts with social value secured or delivered.</p>
          {[['byWard', 'By ward', 'Ward'], ['byMonth', 'By month', 'Month'], ['byTheme', 'By theme', 'Theme']].map(([k, caption, first]) => (o.data[k] || []).length > 0 && (k !== 'byTheme' || hasThemes(o.data[k])) && (
            <Scroll id={`open-${k}`} key={k}>
              <table class="govuk-table">
                <caption class="govuk-table__caption govuk-table__caption--m" id={`open-${k}`}>{caption}</caption>
                <thead class="govuk-table__head"><tr class="govuk-table__row"><Th>{first}</Th><Th numeric>Secured</Th><Th numeric>Verified</Th></tr></thead>
                <tbody class="govuk-table__body">
                  {o.data[k].map((t) => (
                    <tr class="govuk-table__row" key={t.key}>
                      <th scope="row" class="govuk-table__header app-break">{rowName(first, t, false)}</th>
                      <Td numeric>{money(t.approvedPence)}</Td>
                      <Td numeric>{money(t.verifiedPence)}</Td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Scroll>
          ))}
          <p class="govuk-body-s">Published as open data under the {o.data.licence}, {dateAndTime(o.data.generatedAt)}. No personal data is included. <a class="govuk-link" href={`/api/v1/opendata?authority=${o.data.authority}`} data-external>Get the data as JSON</a></p>
        </div>
      )}
    </Page>
  );
}
