// The supplier's bid on a contract (issue #11): start a bid, pledge to
// requests from its ranked list (those matching the contract's priorities
// first, marked), watch the "N of 3" counter of this bid's requests, and
// submit. Also the supplier's open tenders on its first screen.

import { useState } from 'preact/hooks';
import { api, listAll } from '../api.js';
import { takeFlash } from '../flash.js';
import { money, number, date, plural, kindName } from '../format.js';
import { Page, Button, Tag, Banner, Loading, Problem, Inset, ErrorSummary, useLoad } from '../govuk.jsx';
import { BidTag } from './contracts.jsx';
import { stageName } from '../procurement.js';
import { useWards } from '../requests.jsx';
import { VerifyBanner, verifyFieldId } from './verify.jsx';

const LIVE = new Set(['offered', 'approved', 'in_delivery', 'delivered', 'confirmed', 'verified']);

/** BidBuilder is where a supplier builds and submits its bid on a contract. */
export function BidBuilder({ params, session }) {
  const wards = useWards();
  const [flash, setFlashHere] = useState(takeFlash);
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  const data = useLoad(async () => {
    const [c, bids] = await Promise.all([api(`/contracts/${params.id}`), listAll(`/contracts/${params.id}/bids`)]);
    const mine = bids.find((b) => b.status !== 'withdrawn');
    const bid = mine ? await api(`/bids/${mine.id}`) : null;
    return { c, bid };
  }, [params.id]);
  const ranked = useLoad(() => api('/matches/requests', { query: { contract: params.id, limit: 50 } }), [params.id]);
  const title = 'Build your bid';
  if (data.loading && !data.data) return <Page title={title}><Loading /></Page>;
  if (data.error) return <Page title={title}><Problem error={data.error} /></Page>;
  const { c, bid } = data.data;
  const act = async (path, message) => {
    setBusy(true);
    try {
      await api(path, { method: 'POST', body: {} });
      setErrors([]);
      setFlashHere(message);
      data.reload();
    } catch (ex) {
      if (ex.status !== 401) setErrors([{ href: `#${verifyFieldId(ex.errors?.[0]?.field) || 'bid-counter'}`, text: ex.message }]);
    }
    setBusy(false);
  };
  const min = bid?.compliance?.minRequests || c.rules?.minRequests || 3;
  const count = bid?.compliance?.distinctRequests ?? 0;
  const pledges = (bid?.pledges || []).filter((p) => LIVE.has(p.status));
  const inBid = new Set(pledges.map((p) => p.requestId));
  return (
    <Page title={title} caption={`${c.reference}: ${c.title}`} error={errors.length > 0} back={{ href: `/contracts/${c.id}`, text: 'The contract' }}>
      {flash && <Banner success title={flash} />}
      <ErrorSummary errors={errors} />
      <VerifyBanner session={session} />
      {!bid ? (
        c.stage === 'tender' ? (
          <>
            <p class="govuk-body">A bid pledges social value to at least {min} different requests from community groups. Start your bid, then pledge to requests from the list.</p>
            <form method="post" action={`/contracts/${c.id}/bids`} onSubmit={(e) => { e.preventDefault(); act(`/contracts/${c.id}/bids`, 'Bid started. Pledge to requests from the list below.'); }}>
              <Button disabled={busy}>Start your bid</Button>
            </form>
          </>
        ) : <Inset>This contract is at the {stageName(c.stage)[0].toLowerCase()} stage: bids open at tender.</Inset>
      ) : (
        <>
          <div id="bid-counter" tabIndex={-1}>
            <h2 class="govuk-heading-m">Requests in this bid</h2>
            <p class="govuk-body">
              <BidTag status={bid.status} />{' '}
              <Tag colour={count >= min ? 'green' : 'yellow'}>{Math.min(count, min)} of {min}</Tag>
            </p>
            <p class="govuk-body">
              {count >= min
                ? `Your bid pledges to ${plural(count, 'different request')}, so it meets the council's rule of at least ${min}.`
                : `Your bid pledges to ${plural(count, 'different request')}. Pledge to ${min - count} more to meet the council's rule of at least ${min}.`}
            </p>
          </div>
          {pledges.length > 0 && (
            <table class="govuk-table">
              <caption class="govuk-table__caption govuk-table__caption--s">Your pledges in this bid</caption>
              <thead class="govuk-table__head">
                <tr class="govuk-table__row">
                  <th scope="col" class="govuk-table__header">Request</th>
                  <th scope="col" class="govuk-table__header">Ward</th>
                  <th scope="col" class="govuk-table__header govuk-table__header--numeric">Value</th>
                </tr>
              </thead>
              <tbody class="govuk-table__body">
                {pledges.map((p) => (
                  <tr class="govuk-table__row" key={p.id}>
                    <td class="govuk-table__cell app-break"><a class="govuk-link" href={`/requests/${p.requestId}`}>{p.requestTitle}</a></td>
                    <td class="govuk-table__cell">{wards.find((w) => w.code === p.area)?.name || p.area || ''}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{money(p.valuePence)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {bid.status === 'draft' && (
            count >= min ? (
              <form method="post" action={`/bids/${bid.id}/submit`} onSubmit={(e) => { e.preventDefault(); act(`/bids/${bid.id}/submit`, `Bid submitted for ${c.reference}`); }}>
                <Button disabled={busy}>Submit your bid</Button>
              </form>
            ) : <p class="govuk-body">You can submit once the bid has {min} requests.</p>
          )}
          {bid.status === 'submitted' && <Inset>Your bid is submitted{bid.submittedAt ? ` (${date(bid.submittedAt)})` : ''}. The council will tell you its decision.</Inset>}
          {bid.status === 'draft' && <RankedForBid contract={c} bid={bid} ranked={ranked} inBid={inBid} />}
        </>
      )}
    </Page>
  );
}

function RankedForBid({ contract: c, bid, ranked, inBid }) {
  const items = ranked.data?.items || [];
  return (
    <section aria-labelledby="ranked-title">
      <h2 class="govuk-heading-m" id="ranked-title">Requests for this bid</h2>
      <p class="govuk-body">Ranked for you. Requests that match the contract's social value priorities come first.</p>
      {ranked.loading && !ranked.data ? <Loading /> : ranked.error ? <Problem error={ranked.error} /> : items.length === 0 ? <p class="govuk-body">No published requests to pledge to.</p> : (
        <ol class="govuk-list app-ranked">
          {items.map((m) => {
            const r = m.request;
            return (
              <li class="app-card" key={r.id}>
                <h3 class="govuk-heading-s app-break govuk-!-margin-bottom-1"><a class="govuk-link" href={`/requests/${r.id}`}>{r.title}</a></h3>
                <p class="govuk-body-s govuk-!-margin-bottom-1">
                  {m.matchesPriorities && <><strong class="govuk-tag govuk-tag--turquoise app-tag-wide">Matches the contract’s priorities</strong>{' '}</>}
                  {inBid.has(r.id) && <><Tag colour="green">In your bid</Tag>{' '}</>}
                </p>
                <p class="govuk-body-s govuk-!-margin-bottom-1">{kindName(r.kind)} in {r.areaName}. They need {number(r.quantity)} {r.unit}, worth {money(r.valuePence)}{r.deadline ? `, by ${date(r.deadline)}` : ''}.</p>
                {m.score != null && <p class="govuk-body-s govuk-!-margin-bottom-1">Match score: {Math.round(m.score * 100)} out of 100</p>}
                <a class="govuk-link" href={`/requests/${r.id}/pledge?bid=${bid.id}&contract=${c.id}`}>
                  {inBid.has(r.id) ? 'Pledge more' : 'Pledge to this request'}<span class="govuk-visually-hidden">: {r.title}</span>
                </a>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

/** OpenTenders lists contracts open to bid, those matching what the supplier offers first. */
export function OpenTenders({ offers = [] }) {
  const list = useLoad(() => listAll('/contracts', { stage: 'tender' }), []);
  if (list.loading) return <Loading what="Loading open tenders" />;
  if (list.error) return null;
  const fits = (c) => (c.priorities?.kinds || []).some((k) => offers.includes(k));
  const items = [...list.data].sort((a, b) => Number(fits(b)) - Number(fits(a)));
  return (
    <section aria-labelledby="tenders-title" class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m" id="tenders-title">Open tenders</h2>
      {items.length === 0 ? <p class="govuk-body">No contracts are open for tender at the moment. <a class="govuk-link" href="/contracts">See contracts in pre-market engagement</a>.</p> : (
        <ul class="govuk-list">
          {items.map((c) => (
            <li key={c.id} class="app-break">
              <a class="govuk-link" href={`/contracts/${c.id}`}>{c.title}</a> ({c.reference})
              {fits(c) && <>{' '}<strong class="govuk-tag govuk-tag--turquoise app-tag-wide">Matches what you offer</strong></>}
              {c.dates?.tenderCloses && <span class="govuk-body-s">. Closes {date(c.dates.tenderCloses)}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
