// Supplier views: requests ranked for it (with the score explained),
// the pledge form, and its pledges with the "at least three" status.

import { useState } from 'preact/hooks';
import { api, listAll, ApiError } from '../api.js';
import { navigate } from '../router.jsx';
import { useDraft } from '../forms.js';
import { setFlash, takeFlash } from '../flash.js';
import { money, number, date, pledgeStatus, parsePounds, parseWhole, penceToPounds, kindName, amount } from '../format.js';
import { Page, ErrorSummary, Input, Textarea, Checkbox, Button, Tag, Banner, Loading, Problem, Inset, SummaryList, Warning, useLoad } from '../govuk.jsx';
import { Filters, RequestItem, LoadMoreList, useWards, RequestLink } from '../requests.jsx';
import { DeliveriesTable } from './value.jsx';
import { OpenTenders } from './bids.jsx';
import { ReturnsDue } from './kpis.jsx';
import { UnreadMessages } from './people.jsx';
import { VerifyBanner, verifyFieldId } from './verify.jsx';

/** BID_MINIMUM is how many different requests a bid must pledge to. */
export const BID_MINIMUM = 3;

// An organisation not yet approved is refused a ranking (403): it sees the
// newest requests instead.
async function rankedPage(filters, cursor) {
  try {
    const page = await api('/matches/requests', { query: { ...filters, cursor, limit: 50 } });
    return { ...page, ranked: true };
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 403)) throw e;
  }
  const page = await api('/requests', { query: { ...filters, cursor, limit: 50 } });
  return { items: page.items.map((r) => ({ request: r })), next: page.next, ranked: false };
}

/** SupplierRequests lists requests ranked for the supplier. */
export function SupplierRequests({ query, session }) {
  const wards = useWards();
  const [ranked, setRanked] = useState(null);
  const filters = { area: query.area, kind: query.kind, text: query.text };
  const approved = session.organisation?.status === 'approved';
  // The requests this supplier has a live pledge on, marked in the list.
  const pledges = useLoad(() => (approved ? listAll('/pledges') : Promise.resolve([])), [approved]);
  const mine = new Map((pledges.data || []).filter((p) => LIVE.has(p.status)).map((p) => [p.requestId, p]));
  return (
    <Page title="Requests for you" caption={session.organisation?.name}>
      {session.organisation?.status === 'suspended' ? <Inset>A council officer has suspended your company: you cannot pledge or bid until it is reinstated. What you have already committed to stays.</Inset>
        : !approved && <Inset>Your company is waiting for a council officer to approve it. You can pledge once it is approved.</Inset>}
      <VerifyBanner session={session} />
      <UnreadMessages href="/supplier/pledges" />
      {approved && <ReturnsDue supplier />}
      <OpenTenders offers={session.organisation?.offers} />
      <p class="govuk-body">
        Requests are ranked by how well they fit: how great the need is in the ward, how well the request fits what you offer, how much of the need is still open, how soon it is needed, how near it is and your delivery record.
        {' '}<a class="govuk-link" href="/organisation">Say what you offer and where you are based</a> to improve the ranking.
      </p>
      {ranked === false && <Inset>Requests are ranked for you once your company is approved. Until then the newest are shown first.</Inset>}
      <Filters path="/supplier/requests" query={query} wards={wards} />
      <LoadMoreList
        deps={[query.area, query.kind, query.text]}
        fetchPage={async (cursor) => {
          const page = await rankedPage(filters, cursor);
          setRanked(page.ranked);
          return page;
        }}
        render={(m) => <RequestItem key={m.request.id} request={m.request} score={m.score} breakdown={m.breakdown} yours={mine.get(m.request.id)} forSupplier />}
        empty={<p class="govuk-body">No published requests match. Try clearing the filters.</p>}
      />
    </Page>
  );
}

const PLEDGE_IDS = { offer: 'offer', quantity: 'pledge-quantity', unit: 'pledge-unit', valuePence: 'pledge-value', allowPartial: 'allow-partial', safeguardingConfirmed: 'safeguarding-confirmed' };

/** PledgeForm offers social value against one request. */
export function PledgeForm({ params, query = {}, session }) {
  // From a bid (issue #11): the pledge joins the bid, and the supplier
  // goes back to building it.
  const bidId = query.bid || '';
  const back = bidId && query.contract ? `/contracts/${query.contract}/bid` : '';
  const req = useLoad(() => api(`/requests/${params.id}`), [params.id]);
  const [v, set, , drop] = useDraft(`pledge.${params.id}`, { offer: '', quantity: '', unit: '', value: '', allowPartial: true, safeguarding: false });
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  if (req.loading) return <Page title="Pledge to a request"><Loading /></Page>;
  if (req.error) return <Page title="Pledge to a request"><Problem error={req.error} /></Page>;
  const r = req.data;
  const unit = v.unit === '' ? r.unit : v.unit;
  const err = Object.fromEntries(errors.map((e) => [e.field, e.text]));
  const submit = async (e) => {
    e.preventDefault();
    const found = [];
    const add = (field, text) => found.push({ field, href: `#${PLEDGE_IDS[field]}`, text });
    const q = parseWhole(v.quantity);
    const pence = parsePounds(v.value);
    if (!v.offer.trim()) add('offer', 'Describe what you will provide');
    if (!String(v.quantity).trim()) add('quantity', 'Enter how many you will provide');
    else if (q === null || q < 1) add('quantity', 'How many must be a whole number, like 10');
    if (!unit.trim()) add('unit', 'Enter what you are counting, like hours or laptops');
    if (!String(v.value).trim()) add('valuePence', 'Enter the value of your pledge in pounds');
    else if (pence === null) add('valuePence', 'Value must be an amount of money, like 1500 or 1,500.50');
    else if (pence < 100) add('valuePence', 'Value must be £1 or more');
    if (r.safeguarding && !v.safeguarding) add('safeguardingConfirmed', 'Confirm that the people doing the work have the checks it needs, or do not pledge yet');
    setErrors(found);
    if (found.length) return;
    setBusy(true);
    try {
      const p = await api(`/requests/${r.id}/pledges`, {
        method: 'POST',
        body: { offer: v.offer.trim(), quantity: q, unit: unit.trim(), valuePence: pence, allowPartial: !!v.allowPartial, safeguardingConfirmed: !!(r.safeguarding && v.safeguarding), ...(bidId ? { bidId } : {}) },
      });
      drop();
      setFlash([`Pledge ${bidId ? 'added to your bid' : 'sent'}: ${money(p.valuePence)} to ‘${r.title}’.`, ...(p.warnings || [])].join(' '));
      navigate(back || '/supplier/pledges');
    } catch (ex) {
      if (ex.errors?.length) setErrors(ex.errors.map((x) => ({ field: x.field, href: `#${PLEDGE_IDS[x.field] || verifyFieldId(x.field) || 'offer'}`, text: x.detail })));
      else if (ex.status === 401) return; // the app sends the person to sign in; the draft is kept
      else setErrors([{ field: '', href: '#offer', text: ex.message }]);
      setBusy(false);
    }
  };
  // What the request still needs: its value less what is already approved
  // (the rule of the API's warning, domain.OverPledgeWarning).
  const need = Math.max(0, r.valuePence - (r.approvedPence || 0));
  const entered = parsePounds(v.value);
  const over = entered !== null && entered > need;
  return (
    <Page title="Pledge to a request" heading={false} error={errors.length > 0} back={back ? { href: back, text: 'Back to your bid' } : { href: `/requests/${r.id}` }}>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <VerifyBanner session={session} />
          <h1 class="govuk-heading-l app-break">
            <span class="govuk-caption-l">Pledge to</span>
            {r.title}
          </h1>
          {r.safeguarding && (
            <Warning>
              This request involves working with children or adults who may be at risk. Everyone who does the work must have the safeguarding checks it needs, such as a DBS check, before they start.
            </Warning>
          )}
          <SummaryList
            rows={[
              { key: 'Posted by', value: r.organisationName },
              { key: 'Kind', value: kindName(r.kind) },
              { key: 'Ward', value: r.areaName },
              { key: 'They need', value: `${amount(r.quantity, r.unit)}, worth ${money(r.valuePence)}` },
              { key: 'Still needed', value: `${money(need)}, after what the council has approved` },
              ...(r.pledgedPence > (r.approvedPence || 0) ? [{ key: 'Offered, not yet decided', value: money(r.pledgedPence - (r.approvedPence || 0)) }] : []),
              { key: 'Needed by', value: date(r.deadline) },
            ]}
          />
          {bidId && <Inset>This pledge joins your bid on the contract.</Inset>}
          <form method="post" action={`/requests/${r.id}/pledge`} onSubmit={submit} novalidate>
            <Textarea id="offer" label="What will you provide?" hint="For example ‘Ten staff volunteering one morning a week for 12 weeks’" value={v.offer} onInput={(x) => set('offer', x)} error={err.offer} rows={4} maxlength={2000} />
            <Input id="pledge-quantity" label="How many" inputmode="numeric" width="5" value={v.quantity} onInput={(x) => set('quantity', x)} error={err.quantity} />
            <Input id="pledge-unit" label="Of what" hint="The request counts in this unit" width="20" value={unit} onInput={(x) => set('unit', x)} error={err.unit} />
            <Input id="pledge-value" label="Value of your pledge" hint={`In pounds. The request still needs ${money(need)}.`} prefix="£" width="10" inputmode="decimal" value={v.value} onInput={(x) => set('value', x)} error={err.valuePence} />
            <div aria-live="polite">
              {over && <Warning>Your pledge of {money(entered)} is more than this request still needs ({money(need)} of {money(r.valuePence)}). The council may approve only part of it, or none.</Warning>}
            </div>
            <Checkbox
              id="allow-partial"
              legend="Part approval"
              label="The council may approve part of this pledge"
              hint="If more is pledged than the request needs, officers can approve a share of your pledge instead of declining it."
              checked={v.allowPartial}
              onChange={(x) => set('allowPartial', x)}
            />
            {r.safeguarding && (
              <div class={`govuk-form-group${err.safeguardingConfirmed ? ' govuk-form-group--error' : ''}`}>
                <Warning>This request involves children or vulnerable adults. The people who do the work must have the checks it needs, such as an enhanced DBS check.</Warning>
                {err.safeguardingConfirmed && <p id="safeguarding-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {err.safeguardingConfirmed}</p>}
                <Checkbox
                  id="safeguarding-confirmed"
                  legend="Safeguarding checks"
                  label="I confirm that everyone who will do this work has the checks it needs (for example DBS)"
                  hint="The council records who confirmed this and when, and cannot approve the pledge without it."
                  checked={v.safeguarding}
                  onChange={(x) => set('safeguarding', x)}
                />
              </div>
            )}
            <Button disabled={busy}>{busy ? 'Sending…' : 'Send pledge'}</Button>
          </form>
        </div>
      </div>
    </Page>
  );
}

const LIVE = new Set(['offered', 'approved', 'in_delivery', 'delivered', 'confirmed', 'verified']);

/** bidStatus counts the distinct requests a supplier has live pledges on. */
export function bidStatus(pledges) {
  const requests = new Set(pledges.filter((p) => LIVE.has(p.status)).map((p) => p.requestId));
  return { count: requests.size, met: requests.size >= BID_MINIMUM };
}

/** MyPledges lists the supplier's pledges and the "at least three" status. */
export function MyPledges({ session }) {
  const [flash] = useState(takeFlash);
  const list = useLoad(() => Promise.all([listAll('/pledges'), listAll('/deliveries')]), []);
  return (
    <Page title="Your pledges" caption={session.organisation?.name}>
      {flash && <Banner success title={flash} />}
      {list.loading ? <Loading /> : list.error ? <Problem error={list.error} /> : (
        <>
          <PledgeSummary pledges={list.data[0]} />
          {list.data[1].length > 0 && <DeliveriesTable items={list.data[1]} caption="Your delivery reports" who="group" />}
          <p class="govuk-body"><a class="govuk-link" href="/supplier/record">See and download your social value record</a></p>
        </>
      )}
    </Page>
  );
}

function PledgeSummary({ pledges }) {
  const { count, met } = bidStatus(pledges);
  const shown = Math.min(count, BID_MINIMUM);
  return (
    <>
      <h2 class="govuk-heading-m">Different requests you pledge to</h2>
      <p class="govuk-body">
        <Tag colour={met ? 'green' : 'yellow'}>{shown} of {BID_MINIMUM}</Tag>
      </p>
      <p class="govuk-body">
        {met
          ? `You have pledged to ${number(count)} different requests. A bid on a council contract counts only the requests pledged to in that bid: it needs at least ${BID_MINIMUM}.`
          : `You have pledged to ${number(count)} different ${count === 1 ? 'request' : 'requests'}. A bid on a council contract needs pledges to at least ${BID_MINIMUM} different requests in that bid.`}
      </p>
      <p class="govuk-body"><a class="govuk-link" href="/contracts">Build a bid on an open tender</a> or <a class="govuk-link" href="/supplier/requests">find requests to pledge to</a>.</p>
      {pledges.length === 0 ? (
        <p class="govuk-body">You have not made any pledges yet.</p>
      ) : (
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--m">{number(pledges.length)} {pledges.length === 1 ? 'pledge' : 'pledges'}</caption>
          <thead class="govuk-table__head">
            <tr class="govuk-table__row">
              <th scope="col" class="govuk-table__header">Request</th>
              <th scope="col" class="govuk-table__header">Your offer</th>
              <th scope="col" class="govuk-table__header govuk-table__header--numeric">Value</th>
              <th scope="col" class="govuk-table__header">Status</th>
            </tr>
          </thead>
          <tbody class="govuk-table__body">
            {pledges.map((p) => {
              const [s, c] = pledgeStatus(p.status);
              return (
                <tr class="govuk-table__row" key={p.id}>
                  <td class="govuk-table__cell app-break"><RequestLink id={p.requestId} title={p.requestTitle} /></td>
                  <td class="govuk-table__cell app-break">{p.offer}<br /><span class="govuk-body-s">{amount(p.quantity, p.unit)}</span><br /><a class="govuk-link govuk-body-s" href={`/pledges/${p.id}`}>Messages<span class="govuk-visually-hidden"> about your pledge to {p.requestTitle}</span></a>
                    {p.bidId && p.contractId && <><br /><a class="govuk-link govuk-body-s" href={`/contracts/${p.contractId}/bid`}>In your bid on a contract<span class="govuk-visually-hidden">: {p.requestTitle}</span></a></>}
                  </td>
                  <td class="govuk-table__cell govuk-table__cell--numeric">
                    {money(p.valuePence)}
                    {p.approvedPence > 0 && p.approvedPence !== p.valuePence && <><br /><span class="govuk-body-s">{money(p.approvedPence)} approved</span></>}
                  </td>
                  <td class="govuk-table__cell">
                    <Tag colour={c}>{s}</Tag>
                    {p.reason && <><br /><span class="govuk-body-s">{p.reason}</span></>}
                    {(p.status === 'approved' || p.status === 'in_delivery') && (
                      <><br /><a class="govuk-link" href={`/supplier/pledges/${p.id}/deliver`}>Report delivery<span class="govuk-visually-hidden"> to {p.requestTitle}</span></a></>
                    )}
                    {p.dueDate && ['approved', 'in_delivery'].includes(p.status) && <><br /><span class="govuk-body-s">Due by {date(p.dueDate)}</span></>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}

export { penceToPounds };
