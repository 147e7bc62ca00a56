// Pieces shared by the lists of requests: the filter form, one request in
// a list, the ward options and the "Load more" list.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { authority, councilSlug } from './session.js';
import { navigate, queryURL } from './router.jsx';
import { money, date, kindName, requestStatus, pledgeStatus, KINDS, number, toYou } from './format.js';
import { Button, Input, Select, Tag, Loading, Problem, useLoad } from './govuk.jsx';

/**
 * RequestLink links a pledge or delivery to its request; a commitment
 * imported with its contract has no request and shows as imported.
 */
export function RequestLink({ id, title }) {
  if (!id) return <>{title} <span class="govuk-body-s">(imported)</span></>;
  return <a class="govuk-link" href={`/requests/${id}`}>{title}</a>;
}

/** useWards returns the wards of the pages' council (or of the council
 * slug) sorted by name ([] while loading). */
export function useWards(slug) {
  const [wards, setWards] = useState([]);
  useEffect(() => {
    authority(slug || undefined)
      .then((a) => setWards([...a.areas].sort((x, y) => x.name.localeCompare(y.name))))
      .catch(() => setWards([]));
  }, [slug]);
  return wards;
}

/** Filters is a GET-style form whose values live in the URL. */
export function Filters({ path, query, wards }) {
  const [text, setText] = useState(query.text || '');
  const [area, setArea] = useState(query.area || '');
  const [kind, setKind] = useState(query.kind || '');
  useEffect(() => {
    setText(query.text || '');
    setArea(query.area || '');
    setKind(query.kind || '');
  }, [query.text, query.area, query.kind]);
  const submit = (e) => {
    e.preventDefault();
    navigate(queryURL(path, { text: text.trim(), area, kind }));
  };
  const any = query.text || query.area || query.kind;
  return (
    <form class="app-filters" method="get" action={path} onSubmit={submit} role="search" aria-label="Filter requests">
      <h2 class="govuk-heading-m">Filter requests</h2>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-one-third">
          <Input id="filter-text" name="text" label="Words in the title or description" value={text} onInput={setText} type="search" />
        </div>
        <div class="govuk-grid-column-one-third">
          <Select
            id="filter-area"
            name="area"
            label="Ward"
            value={area}
            onChange={setArea}
            options={[{ value: '', text: 'All wards' }, ...wards.map((w) => ({ value: w.code, text: w.name }))]}
          />
        </div>
        <div class="govuk-grid-column-one-third">
          <Select
            id="filter-kind"
            name="kind"
            label="Kind of help"
            value={kind}
            onChange={setKind}
            options={[{ value: '', text: 'All kinds' }, ...KINDS.map((k) => ({ value: k.value, text: k.text }))]}
          />
        </div>
      </div>
      <div class="app-actions govuk-!-padding-bottom-3">
        <Button secondary>Apply filters</Button>
        {any && <a class="govuk-link govuk-body" href={path}>Clear filters</a>}
      </div>
    </form>
  );
}

/** RequestItem is one request in a list, with an optional match score. */
export function RequestItem({ request: r, score, breakdown, showStatus, headingLevel = 2, yours, forSupplier }) {
  const [status, colour] = requestStatus(r.status);
  const H = `h${headingLevel}`;
  return (
    <li class="app-request-list__item">
      <H class="govuk-heading-m app-request-list__title">
        <a class="govuk-link" href={`/requests/${r.id}`}>{r.title}</a>
      </H>
      <p class="app-request-list__meta">
        <span class="app-request-list__meta-item">{kindName(r.kind)}</span>
        <span class="app-request-list__meta-item">{r.areaName}</span>
        <span class="app-request-list__meta-item">Worth {money(r.valuePence)}</span>
        <span class="app-request-list__meta-item">Needed by {date(r.deadline)}</span>
      </p>
      <p class="app-request-list__meta app-break">Posted by {r.organisationName}</p>
      {r.approvedPence > 0 && <NeedMet request={r} />}
      {yours && (
        <p class="app-request-list__meta">
          <Tag colour="purple">You pledged</Tag> {money(yours.valuePence)} ({pledgeStatus(yours.status)[0].toLowerCase()}). <a class="govuk-link" href="/supplier/pledges">See your pledges</a>
        </p>
      )}
      {showStatus && <Tag colour={colour}>{status}</Tag>}
      {score != null && <MatchScore score={score} breakdown={breakdown} forSupplier={forSupplier} />}
    </li>
  );
}

/**
 * NeedMet says how much of a request approved pledges already cover: a
 * matched request needs no more pledges (see MatchedMeaning).
 */
export function NeedMet({ request: r }) {
  const left = Math.max(0, r.valuePence - r.approvedPence);
  return (
    <p class="app-request-list__meta">
      {left === 0
        ? <><Tag colour="teal">Matched</Tag> Approved pledges meet all of this need</>
        : <><Tag colour="yellow">Partly matched</Tag> {money(r.approvedPence)} of {money(r.valuePence)} met, {money(left)} still needed</>}
    </p>
  );
}

/** MatchedMeaning explains the words Matched and Partly matched. */
export function MatchedMeaning() {
  return (
    <details class="govuk-details">
      <summary class="govuk-details__summary">
        <span class="govuk-details__summary-text">What "Matched" and "Partly matched" mean</span>
      </summary>
      <div class="govuk-details__text">
        A request is <strong>matched</strong> when the council has approved pledges from suppliers that meet all of its value: it needs no more pledges.
        It is <strong>partly matched</strong> when approved pledges meet some of it: the rest is still open to pledges.
        A pledge counts only once the council approves it, not when a supplier offers it.
      </div>
    </details>
  );
}

export const PART_NAMES = {
  need: 'Local need',
  fit: 'Fit with what is offered',
  share: 'Share of the need still open',
  coverage: 'Share of the need still open',
  urgency: 'Urgency',
  distance: 'Distance',
  record: 'Delivery record',
  history: 'Delivery record',
};

export function partName(name) {
  return PART_NAMES[name] || name;
}

function share(x) {
  return `${Math.round(x * 100)}`;
}

/** MatchScore explains a match score and its parts in words. */
export function MatchScore({ score, breakdown = [], label = 'Match score', summary = 'Why this score', forSupplier }) {
  const words = forSupplier ? toYou : (x) => x;
  const parts = [...breakdown].sort((a, b) => b.contribution - a.contribution);
  return (
    <div>
      <p class="govuk-body govuk-!-margin-bottom-1">
        <span class="app-score">{label}: {share(score)} out of 100</span>
      </p>
      {parts.length > 0 && (
        <details class="govuk-details govuk-!-margin-bottom-0">
          <summary class="govuk-details__summary">
            <span class="govuk-details__summary-text">{summary}</span>
          </summary>
          <div class="govuk-details__text">
            <ul class="govuk-list govuk-list--bullet">
              {parts.map((p) => (
                <li key={p.name}>
                  <strong>{partName(p.name)}</strong>: {p.explanation ? words(p.explanation) : `${share(p.value)} out of 100`}{' '}
                  <span class="govuk-body-s">({share(p.value)} out of 100, counting for {share(p.weight)}% of the score: adds {share(p.contribution)} points)</span>
                </li>
              ))}
            </ul>
          </div>
        </details>
      )}
    </div>
  );
}

/**
 * LoadMoreList shows a cursor-paged list with a "Load more" button;
 * newly loaded items take focus so keyboard users carry on from there.
 * fetchPage(cursor) returns {items, next}; render(item) gives an <li>.
 */
export function LoadMoreList({ fetchPage, render, deps, empty, noun = ['request', 'requests'] }) {
  const first = useLoad(() => fetchPage(''), deps);
  const [extra, setExtra] = useState({ items: [], next: null, loading: false, error: null });
  const listRef = useRef(null);
  const focusIndex = useRef(-1);
  useEffect(() => setExtra({ items: [], next: null, loading: false, error: null }), [first.data]);
  useEffect(() => {
    if (focusIndex.current >= 0 && listRef.current) {
      const link = listRef.current.children[focusIndex.current]?.querySelector('a');
      focusIndex.current = -1;
      if (link) link.focus();
    }
  });
  if (first.loading) return <Loading what="Loading requests" />;
  if (first.error) return <Problem error={first.error} />;
  const items = [...first.data.items, ...extra.items];
  const next = extra.next ?? first.data.next;
  const more = async () => {
    setExtra((x) => ({ ...x, loading: true, error: null }));
    try {
      const page = await fetchPage(next);
      focusIndex.current = items.length;
      setExtra((x) => ({ items: [...x.items, ...page.items], next: page.next || '', loading: false, error: null }));
    } catch (error) {
      setExtra((x) => ({ ...x, loading: false, error }));
    }
  };
  if (!items.length) return empty;
  return (
    <>
      <p class="govuk-body" role="status">
        {next
          ? `Showing the first ${number(items.length)} ${noun[1]}: there are more below`
          : items.length === 1 ? `Showing 1 ${noun[0]}` : `Showing all ${number(items.length)} ${noun[1]}`}
      </p>
      <ul class="app-request-list" ref={listRef}>
        {items.map(render)}
      </ul>
      {extra.error && <Problem error={extra.error} />}
      {next && (
        <Button type="button" secondary onClick={more} disabled={extra.loading} aria-disabled={extra.loading}>
          {extra.loading ? 'Loading…' : 'Load more'}
        </Button>
      )}
    </>
  );
}

/** fetchRequests reads one page of /requests of the pages' council with the given filters. */
export function fetchRequests(query, cursor, limit = 50) {
  return api('/requests', { query: { ...query, authority: councilSlug(), cursor, limit } });
}

/** isNotFound tells whether an error is a 404 (a route not there yet). */
export function isNotFound(e) {
  return e instanceof ApiError && e.status === 404;
}
