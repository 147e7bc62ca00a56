// The partnership's views: a region officer compares the councils of its
// region side by side and opens one council's ledger (read only); a
// supplier that works in several councils chooses the one it works in now.

import { useState } from 'preact/hooks';
import { api, setAccessToken } from '../api.js';
import { money, number, date, plural } from '../format.js';
import { Page, Loading, Problem, useLoad, Button, Input, Tag, fieldErrors, ErrorSummary } from '../govuk.jsx';
import { navigate, queryURL } from '../router.jsx';
import { reloadMe } from '../session.js';
import { Th, Td, Scroll, percent, PeriodFilter, periodWords, DownloadButton, SummaryFigures, SummaryYears, TopContracts } from './value.jsx';

/** localShare writes a local spend share with its year (null: not recorded). */
function localShare(l) {
  return l ? `${percent(l.localPercent)} (${l.label})` : 'Not recorded';
}

function CouncilRow({ c, region, total, period }) {
  const t = c.totals;
  return (
    <tr class="govuk-table__row">
      {total ? <th scope="row" class="govuk-table__header">{c.name}</th> : (
        <th scope="row" class="govuk-table__header"><a class="govuk-link" href={queryURL('/region', { council: c.slug, ...period })}>{c.name}<span class="govuk-visually-hidden"> (open its ledger in {region})</span></a></th>
      )}
      <Td numeric>{money(t.approvedPence)}</Td>
      <Td numeric>{percent(t.securedPercent)}</Td>
      <Td numeric>{money(t.deliveredPence)}</Td>
      <Td numeric>{money(t.verifiedPence)}</Td>
      <Td numeric>{money(t.gapPence)}</Td>
      <Td numeric>{localShare(c.localSpend)}</Td>
      <Td numeric>{number(c.overdueCount)} ({money(c.overduePence)})</Td>
    </tr>
  );
}

/** myRegion is the region officer's region. */
async function myRegion() {
  const regions = await api('/regions');
  return regions.items[0];
}

/** Region shows the region officer's councils side by side, and one council's ledger. */
export function Region({ query = {} }) {
  const council = query.council || '';
  const period = { fy: query.fy || undefined, quarter: query.fy ? query.quarter || undefined : undefined };
  const data = useLoad(async () => {
    const r = await myRegion();
    return api(`/regions/${r.slug}/ledger`, { query: council ? { council, ...period } : period });
  }, [council, query.fy, query.quarter]);
  if (data.loading) return <Page title="Your region"><Loading /></Page>;
  if (data.error) return <Page title="Your region"><Problem error={data.error} /></Page>;
  const l = data.data;
  if (l.council) {
    const c = l.councils.find((x) => x.slug === council);
    const rows = l.council.byContract;
    return (
      <Page title={c.name} caption={l.name} back={queryURL('/region', period)}>
        <p class="govuk-body">This council's social value ledger for {periodWords(query)}, as its officers see it. You can read it; only the council's officers change it.</p>
        <Scroll id="council-contracts">
          <table class="govuk-table">
            <caption class="govuk-table__caption govuk-table__caption--m" id="council-contracts">By contract</caption>
            <thead class="govuk-table__head">
              <tr class="govuk-table__row"><Th>Contract</Th><Th numeric>Secured</Th><Th numeric>Share of contract value</Th><Th numeric>Delivered</Th><Th numeric>Verified</Th><Th numeric>Gap</Th></tr>
            </thead>
            <tbody class="govuk-table__body">
              {[...rows, { ...l.council.totals, key: 'total', label: 'Total' }].map((r) => (
                <tr class="govuk-table__row" key={r.key}>
                  <th scope="row" class="govuk-table__header app-break">{r.label}</th>
                  <Td numeric>{money(r.approvedPence)}</Td>
                  <Td numeric>{percent(r.securedPercent)}</Td>
                  <Td numeric>{money(r.deliveredPence)}</Td>
                  <Td numeric>{money(r.verifiedPence)}</Td>
                  <Td numeric>{money(r.gapPence)}</Td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      </Page>
    );
  }
  const sum = l.sum.totals;
  return (
    <Page title={l.name} caption="Your region">
      <p class="govuk-body">Social value of each council in the region, side by side, from each council's own ledger. Secured is the value of approved commitments; the gap is secured value not yet verified.</p>
      <p class="govuk-body"><a class="govuk-link" href="/region/summary">The region’s one-page summary, to print</a></p>
      <PeriodFilter path="/region" query={query} />
      <h2 class="govuk-heading-m">Figures for {periodWords(query)}</h2>
      <Scroll id="region-councils">
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--m" id="region-councils">Councils of {l.name}</caption>
          <thead class="govuk-table__head">
            <tr class="govuk-table__row"><Th>Council</Th><Th numeric>Secured</Th><Th numeric>Share of contract value</Th><Th numeric>Delivered</Th><Th numeric>Verified</Th><Th numeric>Gap</Th><Th numeric>Local spend share</Th><Th numeric>Overdue</Th></tr>
          </thead>
          <tbody class="govuk-table__body">
            {l.councils.map((c) => <CouncilRow key={c.slug} c={c} region={l.name} period={period} />)}
            <CouncilRow c={{ ...l.sum, name: 'All councils' }} total />
          </tbody>
        </table>
      </Scroll>
      <p class="govuk-body">
        Across the region, {percent(sum.securedPercent)} of contract value is secured as social value ({money(sum.contractValuePence)} of contracts),
        {' '}{percent(sum.deliveredPercent)} delivered and {percent(sum.verifiedPercent)} verified: the councils’ pounds added up, not their percentages averaged.
      </p>
      <p class="govuk-body-s">A contract counts in the share when value is secured or delivered on it. The local spend share is the share of each council’s payments to suppliers based in its area, in the year shown; without a year, each council’s latest year with payments. Overdue counts the commitments past their due date without verified delivery, today.</p>
      <p class="govuk-body"><a class="govuk-link" href={`/api/v1/regions/${l.region}/opendata`}>Open data of the region (JSON)</a></p>
    </Page>
  );
}

/**
 * RegionSummary is the region's one-page summary: each council's summary
 * figures side by side and the region's, added up from the councils' own
 * summaries. It prints on one page; the same summary is also a page served
 * by the server, to save.
 */
export function RegionSummary() {
  const r = useLoad(async () => api(`/regions/${(await myRegion()).slug}/summary`), []);
  if (r.loading) return <Page title="Region summary"><Loading /></Page>;
  if (r.error) return <Page title="Region summary"><Problem error={r.error} /></Page>;
  const x = r.data;
  const t = x.total;
  const since = t.sinceLabel ? ` since ${t.sinceLabel}` : '';
  const rows = [...x.councils, { ...t, name: 'All councils', total: true }];
  return (
    <Page title="Region summary" caption={x.name} back="/region">
      <p class="govuk-body">Figures recorded by the councils of {x.name}{since}, as of {date(x.computedAt)}, added up from each council’s own summary.</p>
      <div class="app-actions govuk-!-margin-bottom-6 app-no-print">
        <Button type="button" onClick={() => window.print()}>Print this summary</Button>
        <DownloadButton path={`/regions/${x.region}/summary`} query={{ format: 'html' }} filename="region-social-value-summary.html">Download as a web page</DownloadButton>
      </div>
      <SummaryFigures x={t} since={since} by="the councils" notRecorded="Local spend share: no council’s payments are recorded here yet" />
      <Scroll id="region-summary-councils">
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--m" id="region-summary-councils">By council</caption>
          <thead class="govuk-table__head">
            <tr class="govuk-table__row"><Th>Council</Th><Th numeric>Secured</Th><Th numeric>Share of contract value</Th><Th numeric>Delivered</Th><Th numeric>Verified</Th><Th numeric>Local spend share</Th><Th numeric>Overdue</Th></tr>
          </thead>
          <tbody class="govuk-table__body">
            {rows.map((c) => (
              <tr class="govuk-table__row" key={c.total ? 'total' : c.slug}>
                <th scope="row" class="govuk-table__header">{c.name}</th>
                <Td numeric>{money(c.securedPence)}</Td>
                <Td numeric>{percent(c.securedPercent)}</Td>
                <Td numeric>{money(c.deliveredPence)}</Td>
                <Td numeric>{money(c.verifiedPence)}</Td>
                <Td numeric>{localShare(c.localSpend)}</Td>
                <Td numeric>{number(c.overdue.count)} ({money(c.overdue.valuePence)})</Td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
      <SummaryYears rows={x.byYear} id="region-summary-year" />
      <TopContracts rows={x.topContracts} id="region-summary-contracts" council />
      <h2 class="govuk-heading-m">Overdue commitments</h2>
      <p class="govuk-body">
        {t.overdue.count === 0 ? 'No commitment in the region is past its due date without verified delivery.' : `${plural(t.overdue.count, 'commitment')} past the due date without verified delivery across the region, ${money(t.overdue.valuePence)} committed on them.`}
      </p>
    </Page>
  );
}

/** Councils lets a supplier choose the council it works in, or ask to work in another. */
export function Councils() {
  const list = useLoad(() => api('/me/councils'), []);
  const [slug, setSlug] = useState('');
  const [state, setState] = useState({ error: null, done: '' });
  const switchTo = async (m) => {
    try {
      const res = await api('/auth/switch', { method: 'POST', body: { authority: m.authority } });
      setAccessToken(res.accessToken);
      await reloadMe();
      navigate('/supplier/requests');
    } catch (error) {
      setState({ error, done: '' });
    }
  };
  const ask = async (e) => {
    e.preventDefault();
    try {
      const m = await api('/me/councils', { method: 'POST', body: { authority: slug.trim() } });
      setSlug('');
      setState({ error: null, done: `You asked to work in ${m.name}. Its officers will review your organisation.` });
      list.reload();
    } catch (error) {
      setState({ error, done: '' });
    }
  };
  const errs = fieldErrors(state.error, (f) => (f === 'authority' ? 'council-slug' : f));
  return (
    <Page title="Your councils" error={!!state.error}>
      <ErrorSummary errors={errs.list} />
      {state.done && <p class="govuk-body" role="status">{state.done}</p>}
      <p class="govuk-body">Your organisation can work in several councils. Each council approves it for itself; your pledges, bids and deliveries belong to the council you work in when you make them.</p>
      {list.loading ? <Loading /> : list.error ? <Problem error={list.error} /> : (
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--m">Councils</caption>
          <thead class="govuk-table__head"><tr class="govuk-table__row"><Th>Council</Th><Th>Status</Th><Th>Action</Th></tr></thead>
          <tbody class="govuk-table__body">
            {list.data.items.map((m) => (
              <tr class="govuk-table__row" key={m.authority}>
                <th scope="row" class="govuk-table__header">{m.name}{m.home ? ' (where you registered)' : ''}</th>
                <Td><Tag colour={m.status === 'approved' ? 'green' : m.status === 'pending' ? 'blue' : 'red'}>{m.status}</Tag></Td>
                <Td>{m.current ? <strong>You work here now</strong> : m.status === 'approved' ? (
                  <Button type="button" secondary class="govuk-!-margin-bottom-0" onClick={() => switchTo(m)}>Work in {m.name}</Button>
                ) : '–'}</Td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={ask} noValidate>
        <Input id="council-slug" name="authority" label="Ask to work in another council" hint="The council's short name, for example trafford" value={slug}
          onInput={(e) => setSlug(e.target.value)} error={errs.byField.authority} width={20} />
        <Button>Ask to work there</Button>
      </form>
    </Page>
  );
}
