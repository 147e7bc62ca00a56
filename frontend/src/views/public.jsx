// Views anyone can see: the published requests, one request (with the
// actions each role has on it), and the accessibility statement.

import { useState } from 'preact/hooks';
import { api, listAll } from '../api.js';
import { navigate } from '../router.jsx';
import { setFlash, takeFlash } from '../flash.js';
import { money, date, dateAndTime, number, kindName, requestStatus, pledgeStatus, amount } from '../format.js';
import { Page, SummaryList, Tag, Button, Banner, Loading, Problem, Inset, Warning, useLoad } from '../govuk.jsx';
import { Filters, RequestItem, LoadMoreList, fetchRequests, useWards, MatchScore, MatchedMeaning } from '../requests.jsx';

/** Home lists published requests with filters and "Load more". */
export function Home({ query, session }) {
  const wards = useWards();
  const filters = { area: query.area, kind: query.kind, text: query.text };
  const filtered = query.area || query.kind || query.text;
  return (
    <Page title="Requests from community groups">
      <p class="govuk-body-l">
        Community groups working with {session.authority?.name || 'the council'} say what they need. Suppliers bidding for council contracts pledge to meet those needs as part of their social value.
      </p>
      {!session.user && (
        <p class="govuk-body">
          <a class="govuk-link" href="/sign-in">Sign in</a> or <a class="govuk-link" href="/register">register your group or company</a> to post a request or pledge.
        </p>
      )}
      <p class="govuk-body"><a class="govuk-link" href="/pipeline">See the contracts the council plans to buy</a> and the social value each asks for.</p>
      <Filters path="/" query={query} wards={wards} />
      <h2 class="govuk-heading-m">{filtered ? 'Matching requests' : 'Published requests'}</h2>
      <MatchedMeaning />
      <LoadMoreList
        deps={[query.area, query.kind, query.text]}
        fetchPage={(cursor) => fetchRequests(filters, cursor)}
        render={(r) => <RequestItem key={r.id} request={r} headingLevel={3} />}
        empty={<p class="govuk-body">{filtered ? 'No published requests match these filters.' : 'There are no published requests at the moment.'}</p>}
      />
    </Page>
  );
}

function ActionButton({ label, hidden, onClick, warning, secondary }) {
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="app-inline-form"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          await onClick();
        } finally {
          setBusy(false);
        }
      }}
    >
      <Button warning={warning} secondary={secondary} disabled={busy}>
        {label}
        {hidden && <span class="govuk-visually-hidden"> {hidden}</span>}
      </Button>
    </form>
  );
}

export { ActionButton };

/** stillNeeded is what a request still needs: its value less what is approved. */
export function stillNeeded(r) {
  return Math.max(0, r.valuePence - r.approvedPence);
}

/**
 * ApproveAction approves a pledge in one click when all of it fits in
 * what its request still needs (need); otherwise it links to the page
 * where the officer approves part, or all of it with a reason.
 */
export function ApproveAction({ pledge: p, need, hidden, onDone, onError }) {
  if (need == null || p.valuePence > need) {
    return <a class="govuk-link" href={`/officer/pledges/${p.id}/approve`}>Decide how much to approve<span class="govuk-visually-hidden"> of the {hidden}</span></a>;
  }
  return (
    <ActionButton label="Approve" hidden={hidden} onClick={async () => {
      try {
        await api(`/pledges/${p.id}/approve`, { method: 'POST', body: { version: p.version } });
        onDone(`Pledge from ${p.organisationName} approved`);
      } catch (e) {
        onError(e);
      }
    }} />
  );
}

function PledgesTable({ pledges, officer, need, onDone, onError, caption = 'Pledges on this request' }) {
  if (!pledges.length) return <p class="govuk-body">No pledges yet.</p>;
  return (
    <table class="govuk-table">
      <caption class="govuk-table__caption govuk-table__caption--m">{caption}</caption>
      <thead class="govuk-table__head">
        <tr class="govuk-table__row">
          <th scope="col" class="govuk-table__header">Supplier</th>
          <th scope="col" class="govuk-table__header">Offer</th>
          <th scope="col" class="govuk-table__header govuk-table__header--numeric">Value</th>
          <th scope="col" class="govuk-table__header">Status</th>
          {officer && <th scope="col" class="govuk-table__header">Actions</th>}
        </tr>
      </thead>
      <tbody class="govuk-table__body">
        {pledges.map((p) => {
          const [s, c] = pledgeStatus(p.status);
          return (
            <tr class="govuk-table__row" key={p.id}>
              <td class="govuk-table__cell app-break">{p.organisationName}</td>
              <td class="govuk-table__cell app-break">
                {p.offer}
                <br />
                <span class="govuk-body-s">{amount(p.quantity, p.unit)}{p.allowPartial ? ', part approval allowed' : ''}</span>
                <br />
                <a class="govuk-link govuk-body-s" href={`/pledges/${p.id}`}>Messages<span class="govuk-visually-hidden"> about the pledge from {p.organisationName}</span></a>
              </td>
              <td class="govuk-table__cell govuk-table__cell--numeric">
                {money(p.valuePence)}
                {p.approvedPence > 0 && p.approvedPence !== p.valuePence && <><br /><span class="govuk-body-s">{money(p.approvedPence)} approved</span></>}
              </td>
              <td class="govuk-table__cell"><Tag colour={c}>{s}</Tag></td>
              {officer && (
                <td class="govuk-table__cell app-table-actions">
                  {p.status === 'offered' && (
                    <>
                      <ApproveAction pledge={p} need={need} hidden={`pledge from ${p.organisationName}`} onDone={onDone} onError={onError} />
                      <a class="govuk-link" href={`/officer/pledges/${p.id}/decline`}>Decline<span class="govuk-visually-hidden"> pledge from {p.organisationName}</span></a>
                    </>
                  )}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export { PledgesTable };

/**
 * RankedPledges is the officer's ranked table of the offered pledges on a
 * request, best first, with each score's parts in words.
 */
function RankedPledges({ request: r, items, onDone, onError }) {
  if (!items.length) return null;
  return (
    <div class="app-table-scroll" role="region" aria-labelledby="ranked-caption" tabIndex={0}>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--m" id="ranked-caption">Offered pledges, best match first</caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Rank</th>
            <th scope="col" class="govuk-table__header">Supplier and offer</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Value</th>
            <th scope="col" class="govuk-table__header">Score and why</th>
            <th scope="col" class="govuk-table__header">Actions</th>
          </tr>
        </thead>
        <tbody class="govuk-table__body">
          {items.map(({ pledge: p, score, breakdown }, i) => (
            <tr class="govuk-table__row" key={p.id}>
              <td class="govuk-table__cell govuk-table__cell--numeric">{i + 1}</td>
              <td class="govuk-table__cell app-break">
                <strong>{p.organisationName}</strong>
                <br />{p.offer}
                <br /><span class="govuk-body-s">{amount(p.quantity, p.unit)}{p.allowPartial ? ', part approval allowed' : ''}</span>
              </td>
              <td class="govuk-table__cell govuk-table__cell--numeric">{money(p.valuePence)}</td>
              <td class="govuk-table__cell"><MatchScore score={score} breakdown={breakdown} label="Score" summary={`Why ${p.organisationName} scores this`} /></td>
              <td class="govuk-table__cell app-table-actions">
                <ApproveAction pledge={p} need={stillNeeded(r)} hidden={`pledge from ${p.organisationName}`} onDone={onDone} onError={onError} />
                <a class="govuk-link" href={`/officer/pledges/${p.id}/decline`}>Decline<span class="govuk-visually-hidden"> pledge from {p.organisationName} to {r.title}</span></a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const FIELD_NAMES = { title: 'Title', description: 'Description', kind: 'Kind of help', areaName: 'Ward', quantity: 'How many', unit: 'Of what', valuePence: 'Estimated value', deadline: 'Needed by', safeguarding: 'Safeguarding' };

function shown(field, value) {
  if (field === 'valuePence') return money(value);
  if (field === 'deadline') return date(value);
  if (field === 'kind') return kindName(value);
  if (field === 'safeguarding') return value ? 'Yes' : 'No';
  return String(value ?? '');
}

/**
 * SinceRejection tells the officer what the group changed in a
 * resubmitted request since it was last rejected, from the audit trail.
 */
function SinceRejection({ request: r }) {
  const events = useLoad(() => listAll('/audit', { object: r.id }), [r.id, r.version]);
  if (events.loading || events.error) return null;
  const rejection = [...events.data].reverse().find((e) => e.action === 'request.reject');
  if (!rejection) return null;
  const was = rejection.after || {};
  const changed = Object.keys(FIELD_NAMES).filter((f) => JSON.stringify(was[f]) !== JSON.stringify(r[f]));
  return (
    <div class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m">Changed since it was rejected</h2>
      <p class="govuk-body">Rejected {dateAndTime(rejection.at)}. The group has sent it again.</p>
      {changed.length === 0 ? <p class="govuk-body">Nothing was changed.</p> : (
        <SummaryList rows={changed.map((f) => ({ key: FIELD_NAMES[f], value: <>{shown(f, r[f])}<br /><span class="govuk-body-s">Was: {shown(f, was[f])}</span></> }))} />
      )}
    </div>
  );
}

/** RequestDetail shows one request and what the signed-in role can do. */
export function RequestDetail({ params, session }) {
  const { user, organisation } = session;
  const [flash, setFlashHere] = useState(takeFlash);
  const [actionError, setActionError] = useState(null);
  const req = useLoad(() => api(`/requests/${params.id}`), [params.id]);
  const r = req.data;
  const owner = r && user?.role === 'group' && organisation?.id === r.organisationId;
  const officer = user && (user.role === 'officer' || user.role === 'admin');
  const supplier = user?.role === 'supplier';
  const pledges = useLoad(
    () => ((owner || officer || supplier) && r ? listAll('/pledges', { request: r.id }) : Promise.resolve([])),
    [r?.id, owner, officer, supplier, r?.version],
  );
  const ranked = useLoad(
    () => (officer && r && ['published', 'partly_matched'].includes(r.status) ? api(`/requests/${r.id}/ranked-pledges`).then((x) => x.items) : Promise.resolve([])),
    [r?.id, officer, r?.version, pledges.data],
  );
  if (req.loading && !r) return <Page title="Request"><Loading /></Page>;
  if (req.error) return <Page title="Request not found"><Problem error={req.error} /></Page>;
  const [status, colour] = requestStatus(r.status);
  const act = async (path, message, body = {}) => {
    setActionError(null);
    try {
      const updated = await api(`/requests/${r.id}/${path}`, { method: 'POST', body });
      req.setData(updated);
      setFlashHere(message);
    } catch (e) {
      setActionError(e);
    }
  };
  const done = (message) => {
    setActionError(null);
    setFlashHere(message);
    req.reload();
    pledges.reload();
  };
  const open = ['published', 'partly_matched'].includes(r.status);
  const back = owner ? { href: '/my/requests', text: 'Your requests' } : officer ? { href: '/officer', text: 'Needs attention' } : supplier ? { href: '/supplier/requests', text: 'Requests for you' } : { href: '/', text: 'All requests' };
  return (
    <Page title={r.title} caption={kindName(r.kind)} back={back}>
      {flash && <Banner success title={flash} />}
      <Problem error={actionError} />
      {r.safeguarding && <Warning>This request involves working with children or adults who may be at risk. Safeguarding checks apply.</Warning>}
      <p class="govuk-body app-break">{r.description}</p>
      <SummaryList
        rows={[
          { key: 'Status', value: <Tag colour={colour}>{status}</Tag> },
          { key: 'Posted by', value: r.organisationName },
          { key: 'Ward', value: r.areaName },
          { key: 'How much', value: amount(r.quantity, r.unit) },
          { key: 'Estimated value', value: money(r.valuePence) },
          { key: 'Needed by', value: date(r.deadline) },
          { key: 'Pledged so far', value: money(r.pledgedPence || 0) },
          { key: 'Approved so far', value: money(r.approvedPence || 0) },
          ...(officer && r.status !== 'draft' ? [{ key: 'Still needed', value: money(stillNeeded(r)) }] : []),
          ...(r.reason ? [{ key: r.status === 'submitted' ? 'Rejected before because' : 'Reason', value: r.reason }] : []),
        ]}
      />
      {supplier && open && (
        <Button href={`/requests/${r.id}/pledge`}>Pledge to this request</Button>
      )}
      {owner && r.status === 'draft' && (
        <div class="app-actions govuk-!-margin-bottom-6">
          <ActionButton label="Send for approval" onClick={() => act('submit', 'Request sent for approval')} />
        </div>
      )}
      {owner && ['submitted', 'rejected'].includes(r.status) && (
        <p class="govuk-body"><a class="govuk-link" href={`/requests/${r.id}/edit`}>{r.status === 'rejected' ? 'Change this request and send it again' : 'Change this request'}</a></p>
      )}
      {officer && r.status === 'submitted' && r.reason && <SinceRejection request={r} />}
      {officer && r.status === 'submitted' && (
        <div class="app-actions govuk-!-margin-bottom-6">
          <ActionButton label="Publish" hidden={r.title} onClick={() => act('publish', 'Request published')} />
          <a class="govuk-button govuk-button--warning" href={`/officer/requests/${r.id}/reject`}>Reject<span class="govuk-visually-hidden"> {r.title}</span></a>
        </div>
      )}
      {officer && (ranked.error ? <Problem error={ranked.error} /> : ranked.data && <RankedPledges request={r} items={ranked.data} onDone={done} onError={setActionError} />)}
      {(owner || officer || supplier) && (
        pledges.loading ? <Loading what="Loading pledges" /> : pledges.error ? <Problem error={pledges.error} /> : (
          officer && ranked.data?.length ? (
            pledges.data.some((p) => p.status !== 'offered') && (
              <PledgesTable pledges={pledges.data.filter((p) => p.status !== 'offered')} officer={false} onDone={done} caption="Decided pledges" />
            )
          ) : (
            <PledgesTable pledges={pledges.data} officer={officer} need={stillNeeded(r)} onDone={done} onError={setActionError} caption={supplier ? 'Your pledges on this request' : 'Pledges on this request'} />
          )
        )
      )}
      {(owner || officer) && !['withdrawn', 'closed', 'rejected', 'delivered', 'expired'].includes(r.status) && (
        <details class="govuk-details">
          <summary class="govuk-details__summary">
            <span class="govuk-details__summary-text">Withdraw this request</span>
          </summary>
          <div class="govuk-details__text">
            <p class="govuk-body">Withdrawing takes the request down. Suppliers can no longer pledge to it.</p>
            <ActionButton warning label="Withdraw request" onClick={() => act('withdraw', 'Request withdrawn')} />
          </div>
        </details>
      )}
      {officer && (
        <p class="govuk-body"><a class="govuk-link" href={`/officer/audit?object=${r.id}`}>See the audit trail of this request</a></p>
      )}
    </Page>
  );
}

/** Accessibility is the accessibility statement the 2018 regulations require. */
export function Accessibility({ session }) {
  const council = session.authority?.name || 'the council';
  return (
    <Page title="Accessibility statement for Needmatch">
      <p class="govuk-body">
        This statement applies to Needmatch, run by {council}. We want as many people as possible to be able to use it. For example, you should be able to:
      </p>
      <ul class="govuk-list govuk-list--bullet">
        <li>change colours, contrast levels and fonts using your browser or device settings</li>
        <li>zoom in up to 400% without the text spilling off the screen</li>
        <li>navigate the whole service using just a keyboard</li>
        <li>navigate most of the service using speech recognition software</li>
        <li>listen to the service using a screen reader</li>
      </ul>
      <p class="govuk-body">We have also made the text as simple as possible to understand.</p>
      <h2 class="govuk-heading-m">How accessible this service is</h2>
      <p class="govuk-body">
        We test every page with automated checks against the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA, and we test the main journeys using only a keyboard. The map of need by ward is also given as a table.
      </p>
      <h2 class="govuk-heading-m">Feedback and contact information</h2>
      <p class="govuk-body">
        If you need information in a different format, or you find a problem, contact the procurement team of {council}. We will reply within 10 working days.
      </p>
      <h2 class="govuk-heading-m">Enforcement procedure</h2>
      <p class="govuk-body">
        The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018. If you are not happy with how we respond to your complaint, contact the Equality Advisory and Support Service (EASS).
      </p>
      <h2 class="govuk-heading-m">Compliance status</h2>
      <p class="govuk-body">
        This service is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard, while it is new and parts of it are still being built.
      </p>
      <Inset>
        This statement was prepared in 2026. It will be reviewed when the service changes.
      </Inset>
    </Page>
  );
}

export { setFlash, navigate };
