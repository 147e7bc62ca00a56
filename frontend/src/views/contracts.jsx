// Procurement views (issue #11): the contracts list and pipeline, adding
// and changing a contract, one contract (its tier and pre-engagement
// steps, stage moves, clarification Q&A, bids side by side and the award),
// the council's directorates, the public pipeline, and the officer's
// procurement attention list.

import { useState } from 'preact/hooks';
import { api, listAll } from '../api.js';
import { navigate, queryURL } from '../router.jsx';
import { setFlash, takeFlash } from '../flash.js';
import { money, number, date, dateAndTime, plural, parsePounds, penceToPounds, parseDateParts, kindName, KINDS } from '../format.js';
import { Page, ErrorSummary, Input, Textarea, Select, Radios, Checkboxes, DateInput, Button, Tag, Banner, Loading, Problem, Inset, Warning, SummaryList, Details, useLoad } from '../govuk.jsx';
import { useWards } from '../requests.jsx';
import { councilSlug } from '../session.js';
import { ContractKPIs, KPIRatings, RemedyPlans, Reporting } from './kpis.jsx';
import { STAGES, stageName, nextStages, DATES, tierName, tierShort, nextDate, themesOf, themeName } from '../procurement.js';

const OFFICER_ROLES = ['officer', 'admin'];

function isOfficer(session) {
  return OFFICER_ROLES.includes(session.user?.role);
}

function StageTag({ stage }) {
  const [text, colour] = stageName(stage);
  return <Tag colour={colour}>{text}</Tag>;
}

function Head({ cols }) {
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

/** Priorities says a contract's social value priorities in words. */
export function Priorities({ p, wards }) {
  const ward = (code) => wards.find((w) => w.code === code)?.name || code;
  const parts = [
    ['Kinds of help', (p?.kinds || []).map(kindName)],
    ['Themes', (p?.themes || []).map(themeName)],
    ['Wards', (p?.wards || []).map(ward)],
  ].filter(([, xs]) => xs.length);
  if (!parts.length) return 'None named';
  return (
    <ul class="govuk-list">
      {parts.map(([k, xs]) => <li key={k}><strong>{k}:</strong> {xs.join(', ')}</li>)}
    </ul>
  );
}

function DatesList({ dates }) {
  const rows = DATES.filter(([k]) => dates?.[k]);
  if (!rows.length) return 'Not set';
  return (
    <ul class="govuk-list">
      {rows.map(([k, label]) => <li key={k}>{label}: {date(dates[k])}</li>)}
    </ul>
  );
}

/** ContractList lists contracts by stage: all for officers, open ones for suppliers. */
export function ContractList({ query, session }) {
  const officer = isOfficer(session);
  const [stage, setStage] = useState(query.stage || '');
  const list = useLoad(() => listAll('/contracts', { stage: query.stage }), [query.stage]);
  const [flash] = useState(takeFlash);
  const title = officer ? 'Contracts' : 'Contracts open to bid';
  return (
    <Page title={title}>
      {flash && <Banner success title={flash} />}
      {officer ? (
        <div class="app-actions">
          <Button href="/contracts/new">Add a contract to the pipeline</Button>
          <a class="govuk-link" href="/contracts/directorates">Directorates</a>
        </div>
      ) : (
        <p class="govuk-body">Contracts in pre-market engagement or open for tender. Read the social value brief, ask a question, and build a bid of at least three requests.</p>
      )}
      <form
        method="get"
        action="/contracts"
        class="app-filters"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(queryURL('/contracts', { stage }));
        }}
      >
        <Select id="stage" label="Stage" value={stage} onChange={setStage} options={[{ value: '', text: 'All stages' }, ...STAGES.filter(([k]) => officer || k === 'pre_market' || k === 'tender').map(([value, text]) => ({ value, text }))]} />
        <Button secondary>Show contracts</Button>
      </form>
      {list.loading ? <Loading /> : list.error ? <Problem error={list.error} /> : list.data.length === 0 ? (
        <p class="govuk-body">No contracts{query.stage ? ' at this stage' : ''}.</p>
      ) : (
        <div class="app-table-scroll" role="region" aria-labelledby="contracts-caption" tabIndex={0}>
          <table class="govuk-table">
            <caption class="govuk-table__caption govuk-table__caption--m" id="contracts-caption">{plural(list.data.length, 'contract')}</caption>
            <Head cols={[{ text: 'Contract' }, { text: 'Stage' }, { text: 'Next date' }]} />
            <tbody class="govuk-table__body">
              {list.data.map((c) => {
                const n = nextDate(c);
                return (
                  <tr class="govuk-table__row" key={c.id}>
                    <td class="govuk-table__cell">
                      <a class="govuk-link" href={`/contracts/${c.id}`}>{c.title}</a>
                      <br /><span class="govuk-body-s">{[c.reference, c.valuePence != null ? money(c.valuePence) : c.valueBand, c.directorate].filter(Boolean).join(' · ')}</span>
                    </td>
                    <td class="govuk-table__cell"><StageTag stage={c.stage} /></td>
                    <td class="govuk-table__cell">{n ? <>{n.label}<br />{date(n.date)}</> : ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

const CONTRACT_IDS = {
  reference: 'contract-reference',
  title: 'contract-title',
  directorateId: 'contract-directorate',
  valuePence: 'contract-value',
  contractManagerId: 'contract-manager',
  brief: 'contract-brief',
  'priorities.kinds': 'prio-kinds',
  'priorities.themes': 'prio-themes',
  'priorities.wards': 'prio-wards',
  priorities: 'prio-kinds',
};

function contractFieldId(field) {
  if (CONTRACT_IDS[field]) return CONTRACT_IDS[field];
  const m = /^dates\.(\w+)/.exec(field || '');
  if (m) return `date-${m[1]}`;
  return 'contract-reference';
}

function splitDate(s) {
  if (!s) return { day: '', month: '', year: '' };
  const [y, m, d] = s.split('-');
  return { day: String(+d), month: String(+m), year: y };
}

/** ContractForm adds a contract to the pipeline or changes one (params.id). */
export function ContractForm({ params, session }) {
  const editing = !!params.id;
  const data = useLoad(
    () => Promise.all([
      editing ? api(`/contracts/${params.id}`) : Promise.resolve(null),
      listAll('/directorates'),
      themesOf().catch(() => []),
      api('/officers').then((r) => r.items),
    ]),
    [params.id],
  );
  const title = editing ? 'Change the contract' : 'Add a contract to the pipeline';
  if (data.loading) return <Page title={title}><Loading /></Page>;
  if (data.error) return <Page title={title}><Problem error={data.error} /></Page>;
  const [c, directorates, themes, officers] = data.data;
  return <ContractFormBody contract={c} directorates={directorates} themes={themes} officers={officers} session={session} title={title} />;
}

function ContractFormBody({ contract: c, directorates, themes, officers, session, title }) {
  const wards = useWards();
  const [v, setV] = useState(() => ({
    reference: c?.reference || '',
    title: c?.title || '',
    directorateId: c?.directorateId || '',
    value: c ? penceToPounds(c.valuePence) : '',
    dates: Object.fromEntries(DATES.map(([k]) => [k, splitDate(c?.dates?.[k])])),
    kinds: c?.priorities?.kinds || [],
    themes: c?.priorities?.themes || [],
    wards: c?.priorities?.wards || [],
    contractManagerId: c?.contractManagerId || session.user.id,
    brief: c?.brief || '',
  }));
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  const set = (k) => (x) => setV((o) => ({ ...o, [k]: x }));
  const setDate = (k) => (part, x) => setV((o) => ({ ...o, dates: { ...o.dates, [k]: { ...o.dates[k], [part]: x } } }));
  const err = {};
  for (const e of errors) if (!err[e.id]) err[e.id] = e.text;
  // The council's enabled officers and admins; the current manager stays
  // on the list even if since disabled, so the form does not change it unasked.
  const managers = officers.map((o) => ({ value: o.id, text: o.id === session.user.id ? `${o.name} (you)` : o.name }));
  if (c?.contractManagerId && !officers.some((o) => o.id === c.contractManagerId)) managers.unshift({ value: c.contractManagerId, text: c.contractManagerName || 'The current contract manager' });
  const active = directorates.filter((d) => d.active !== false || d.id === c?.directorateId);

  const submit = async (e) => {
    e.preventDefault();
    const found = [];
    const add = (id, text, href = `#${id}`) => found.push({ id, href, text });
    const pence = parsePounds(v.value);
    if (!v.reference.trim()) add('contract-reference', 'Enter the contract reference');
    if (!v.title.trim()) add('contract-title', 'Enter the contract title');
    if (!v.directorateId) add('contract-directorate', 'Select the directorate');
    if (!String(v.value).trim()) add('contract-value', 'Enter the estimated value in pounds');
    else if (pence === null) add('contract-value', 'Estimated value must be an amount of money, like 60000');
    const dates = {};
    for (const [k, label] of DATES) {
      const p = v.dates[k];
      if (!`${p.day}${p.month}${p.year}`.trim()) continue;
      const r = parseDateParts(p, `The ${label.toLowerCase()} date`);
      if (r.error) add(`date-${k}`, r.error, `#date-${k}-${r.part || 'day'}`);
      else dates[k] = r.value;
    }
    if (v.brief.length > 2000) add('contract-brief', 'The brief must be 2,000 characters or fewer');
    setErrors(found);
    if (found.length) return;
    setBusy(true);
    const body = {
      reference: v.reference.trim(),
      title: v.title.trim(),
      directorateId: v.directorateId,
      valuePence: pence,
      dates,
      priorities: { kinds: v.kinds, themes: v.themes, wards: v.wards },
      contractManagerId: v.contractManagerId,
      brief: v.brief.trim(),
    };
    try {
      const saved = c
        ? await api(`/contracts/${c.id}`, { method: 'PATCH', body: { ...body, version: c.version } })
        : await api('/contracts', { method: 'POST', body });
      setFlash(c ? `‘${saved.title}’ changed` : `‘${saved.title}’ added to the pipeline`);
      navigate(`/contracts/${saved.id}`);
    } catch (ex) {
      if (ex.status === 401) return;
      if (ex.errors?.length) setErrors(ex.errors.map((x) => {
        const id = contractFieldId(x.field);
        return { id, href: id.startsWith('date-') ? `#${id}-day` : `#${id}`, text: x.detail };
      }));
      else setErrors([{ id: '', href: '#contract-reference', text: ex.message }]);
      setBusy(false);
    }
  };
  return (
    <Page title={title} error={errors.length > 0} back={{ href: c ? `/contracts/${c.id}` : '/contracts' }}>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <form method="post" action={c ? `/contracts/${c.id}/edit` : '/contracts/new'} onSubmit={submit} novalidate>
            <Input id="contract-reference" label="Reference" hint="The council's reference, for example STK-2027-014" width="20" value={v.reference} onInput={set('reference')} error={err['contract-reference']} />
            <Input id="contract-title" label="Title" value={v.title} onInput={set('title')} error={err['contract-title']} />
            <Select
              id="contract-directorate"
              label="Directorate"
              hint={active.length ? undefined : 'The council has no directorates yet: add them first.'}
              value={v.directorateId}
              onChange={set('directorateId')}
              error={err['contract-directorate']}
              options={[{ value: '', text: 'Select a directorate' }, ...active.map((d) => ({ value: d.id, text: d.name }))]}
            />
            <Input
              id="contract-value"
              label="Estimated value"
              hint="In pounds, for the whole contract. The value sets the engagement tier: £25,000 and above asks for social value, £50,000 and above for reporting."
              prefix="£"
              width="10"
              inputmode="decimal"
              value={v.value}
              onInput={set('value')}
              error={err['contract-value']}
            />
            <h2 class="govuk-heading-m">Key dates</h2>
            <p class="govuk-body">Leave a date empty if it is not known yet.</p>
            {DATES.map(([k, label]) => (
              <DateInput key={k} id={`date-${k}`} legend={label} hint={k === 'preMarket' ? 'For example, 27 3 2027' : undefined} value={v.dates[k]} onChange={setDate(k)} error={err[`date-${k}`]} />
            ))}
            <h2 class="govuk-heading-m">Social value priorities</h2>
            <p class="govuk-body">Requests that match these come first when suppliers build their bids.</p>
            <Checkboxes id="prio-kinds" legend="Kinds of help" size="s" value={v.kinds} onChange={set('kinds')} error={err['prio-kinds']} options={KINDS} />
            {themes.length > 0 && (
              <Checkboxes id="prio-themes" legend="Themes" size="s" value={v.themes} onChange={set('themes')} error={err['prio-themes']} options={themes.map((t) => ({ value: t, text: themeName(t) }))} />
            )}
            <Details summary={v.wards.length ? `Wards (${v.wards.length} chosen)` : 'Wards (none chosen)'} open={v.wards.length > 0 || !!err['prio-wards']}>
              <Checkboxes id="prio-wards" legend="Wards" size="s" value={v.wards} onChange={set('wards')} error={err['prio-wards']} options={wards.map((w) => ({ value: w.code, text: w.name }))} />
            </Details>
            <Select id="contract-manager" label="Contract manager" hint="The officer who runs this contract and answers its questions" value={v.contractManagerId} onChange={set('contractManagerId')} error={err['contract-manager']} options={managers} />
            <Textarea
              id="contract-brief"
              label="Social value brief for bidders"
              hint="In plain English: what social value means for this contract and what the council hopes for. Up to 2,000 characters."
              value={v.brief}
              onInput={set('brief')}
              error={err['contract-brief']}
              rows={6}
            />
            <Button disabled={busy}>{busy ? 'Saving…' : c ? 'Save changes' : 'Add to the pipeline'}</Button>
          </form>
        </div>
      </div>
    </Page>
  );
}

/** ContractPage is one contract: for officers everything; for suppliers the brief, Q&A and their bid. */
export function ContractPage({ params, session }) {
  const officer = isOfficer(session);
  const wards = useWards();
  const [flash, setFlashHere] = useState(takeFlash);
  const c = useLoad(() => api(`/contracts/${params.id}`), [params.id]);
  const qs = useLoad(() => listAll(`/contracts/${params.id}/questions`), [params.id]);
  const bids = useLoad(() => listAll(`/contracts/${params.id}/bids`), [params.id]);
  if (c.loading && !c.data) return <Page title="Contract"><Loading /></Page>;
  if (c.error) return <Page title="Contract"><Problem error={c.error} /></Page>;
  const x = c.data;
  const changed = (message, next) => {
    setFlashHere(message);
    if (next) c.setData(next);
    else c.reload();
    qs.reload();
  };
  const rows = [
    { key: 'Reference', value: x.reference },
    { key: 'Stage', value: <StageTag stage={x.stage} /> },
    { key: 'Directorate', value: x.directorate },
    { key: 'Estimated value', value: x.valuePence != null ? `${money(x.valuePence)} (${x.valueBand || ''})` : x.valueBand },
    { key: 'Engagement tier', value: tierName(x.tier) },
    { key: 'Key dates', value: <DatesList dates={x.dates} /> },
    { key: 'Social value priorities', value: <Priorities p={x.priorities} wards={wards} /> },
  ];
  if (x.contractManagerName) rows.push({ key: 'Contract manager', value: x.contractManagerName });
  if (x.awardedToName) rows.push({ key: 'Awarded to', value: `${x.awardedToName}${x.awardedAt ? `, ${date(x.awardedAt)}` : ''}` });
  if (officer && !['awarded', 'live', 'closed'].includes(x.stage)) rows[0].action = { href: `/contracts/${x.id}/edit`, text: 'Change', hidden: 'the contract' };
  return (
    <Page title={x.title} caption={x.reference} back={{ href: '/contracts', text: 'All contracts' }}>
      {flash && <Banner success title={flash} />}
      <SummaryList rows={rows} />
      <h2 class="govuk-heading-m">Social value brief</h2>
      {x.brief ? <p class="govuk-body app-break app-pre">{x.brief}</p> : <p class="govuk-body">No brief yet.</p>}
      {officer && <Steps contract={x} onDone={changed} />}
      {(officer || (x.kpis || []).length > 0) && <ContractKPIs contract={x} officer={officer} onDone={changed} />}
      {officer && <StageMove contract={x} onDone={changed} onRefused={() => setFlashHere(null)} />}
      <KPIRatings contract={x} officer={officer} onDone={changed} />
      {(officer || x.awardedTo === session.organisation?.id) && <Reporting contract={x} officer={officer} onDone={changed} />}
      {(officer || x.awardedTo === session.organisation?.id) && <RemedyPlans contract={x} officer={officer} session={session} onDone={changed} />}
      {!officer && <YourBid contract={x} bids={bids} />}
      <Questions contract={x} list={qs} officer={officer} onDone={changed} />
      {officer && <BidsCompared contract={x} bids={bids} />}
    </Page>
  );
}

/** Steps shows the tier's pre-engagement steps, each done or not, with who and when. */
function Steps({ contract: c, onDone }) {
  const [error, setError] = useState(null);
  const steps = c.tier?.steps || [];
  // Steps are marked before tender; afterwards they are the record.
  const open = ['pipeline', 'pre_market'].includes(c.stage);
  const mark = async (s) => {
    setError(null);
    try {
      const next = await api(`/contracts/${c.id}/steps/${s.key}`, { method: 'POST', body: { done: !s.done } });
      onDone(`${s.label}: ${s.done ? 'marked not done' : 'marked done'}`, next);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="steps-title" class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m" id="steps-title">Pre-engagement: {tierShort(c.tier)} tier</h2>
      <Problem error={error} />
      {steps.length === 0 ? <p class="govuk-body">This tier needs no pre-engagement steps.</p> : (
        <table class="govuk-table">
          <caption class="govuk-visually-hidden">Steps the {tierShort(c.tier)} tier needs before tender</caption>
          <Head cols={open ? [{ text: 'Step' }, { text: 'Status' }, { text: 'Action' }] : [{ text: 'Step' }, { text: 'Status' }]} />
          <tbody class="govuk-table__body">
            {steps.map((s) => (
              <tr class="govuk-table__row" key={s.key}>
                <td class="govuk-table__cell app-break">{s.label}{s.required === false ? ' (optional)' : ''}</td>
                <td class="govuk-table__cell">
                  {s.done ? <><Tag colour="green">Done</Tag><br /><span class="govuk-body-s">by {s.doneByName || 'an officer'}, {dateAndTime(s.doneAt)}</span></> : <Tag colour="grey">Not done</Tag>}
                </td>
                {open && <td class="govuk-table__cell">
                  <form class="app-inline-form" onSubmit={(e) => { e.preventDefault(); mark(s); }}>
                    <Button secondary class="govuk-!-margin-bottom-0" id={`step-${s.key}`}>{s.done ? 'Mark not done' : 'Mark done'}<span class="govuk-visually-hidden">: {s.label}</span></Button>
                  </form>
                </td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** StageMove moves a contract on; a refused move names the missing step. */
function StageMove({ contract: c, onDone, onRefused }) {
  const options = nextStages(c.stage);
  const [stage, setStage] = useState('');
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  const award = ['tender', 'evaluation'].includes(c.stage);
  if (!options.length && !award) return null;
  const submit = async (e) => {
    e.preventDefault();
    if (!stage) return setErrors([{ href: '#move-stage', text: 'Select the stage to move the contract to' }]);
    setBusy(true);
    try {
      const next = await api(`/contracts/${c.id}/stage`, { method: 'POST', body: { stage } });
      setErrors([]);
      setStage('');
      onDone(`Moved to ${stageName(stage)[0].toLowerCase()}`, next);
    } catch (ex) {
      // A refused move names the step that is missing: the summary links
      // to that step's button, not to the choice of stage.
      const undone = (c.tier?.steps || []).find((s) => !s.done && s.required !== false);
      const toStep = ex.errors?.[0]?.field === 'steps' && undone;
      setErrors([{ href: toStep ? `#step-${undone.key}` : '#move-stage', text: ex.message, field: toStep ? 'steps' : 'stage' }]);
      onRefused();
    }
    setBusy(false);
  };
  return (
    <section aria-labelledby="move-title" class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m" id="move-title">Stage</h2>
      <ErrorSummary errors={errors} />
      {options.length > 0 && (
        <form method="post" action={`/contracts/${c.id}/stage`} onSubmit={submit} novalidate>
          <Radios
            id="move-stage"
            legend={`Move from ${stageName(c.stage)[0].toLowerCase()} to`}
            value={stage}
            onChange={setStage}
            error={errors[0]?.field === 'steps' ? undefined : errors[0]?.text}
            options={options.map((s) => ({ value: s, text: stageName(s)[0] }))}
          />
          <Button secondary disabled={busy}>Move the contract</Button>
        </form>
      )}
      {award && <p class="govuk-body"><a class="govuk-link" href={`/contracts/${c.id}/award`}>Compare the bids and award the contract</a></p>}
    </section>
  );
}

/** Questions is the clarification Q&A: the same published answers for every bidder. */
function Questions({ contract: c, list, officer, onDone }) {
  const open = ['pre_market', 'tender'].includes(c.stage);
  const items = list.data || [];
  const waiting = items.filter((q) => q.status === 'waiting');
  const published = items.filter((q) => q.status === 'published');
  return (
    <section aria-labelledby="qa-title" class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m" id="qa-title">Questions and answers</h2>
      <p class="govuk-body">Every answer is published to every supplier. The organisation that asked is never shown to other suppliers.</p>
      {list.loading && !list.data ? <Loading /> : list.error ? <Problem error={list.error} /> : (
        <>
          {officer && waiting.length > 0 && (
            <>
              <h3 class="govuk-heading-s">{plural(waiting.length, 'question')} waiting for an answer</h3>
              {waiting.map((q) => <AnswerForm key={q.id} q={q} onDone={onDone} />)}
            </>
          )}
          {!officer && waiting.length > 0 && (
            <>
              <h3 class="govuk-heading-s">Your questions waiting for an answer</h3>
              <ul class="govuk-list govuk-list--bullet">{waiting.map((q) => <li key={q.id} class="app-break">{q.text} <span class="govuk-body-s">(asked {dateAndTime(q.askedAt)})</span></li>)}</ul>
            </>
          )}
          <h3 class="govuk-heading-s">Published</h3>
          {published.length === 0 ? <p class="govuk-body">No questions have been answered yet.</p> : (
            <ol class="govuk-list app-qa">
              {published.map((q) => (
                <li key={q.id} class="app-qa__item">
                  <p class="govuk-body govuk-!-font-weight-bold app-break govuk-!-margin-bottom-1">Q: {q.text}</p>
                  {officer && q.askedBy && <p class="govuk-body-s govuk-!-margin-bottom-1">Asked by {q.askedBy.organisationName}</p>}
                  {!officer && q.mine && <p class="govuk-body-s govuk-!-margin-bottom-1">You asked this</p>}
                  {(q.answers || []).map((a, i) => (
                    <div key={i} class="app-break">
                      <p class="govuk-body govuk-!-margin-bottom-1">{i === 0 ? 'A:' : <><Tag colour="yellow">Correction</Tag>{' '}</>} {a.text}</p>
                      <p class="govuk-body-s">{i === 0 ? 'Answered' : 'Corrected'} {dateAndTime(a.answeredAt)}{a.answeredByName ? ` by ${a.answeredByName}` : ''}</p>
                    </div>
                  ))}
                  {officer && <AnswerForm key={(q.answers || []).length} q={q} correction onDone={onDone} />}
                </li>
              ))}
            </ol>
          )}
          {!officer && open && <AskForm contract={c} onDone={onDone} />}
        </>
      )}
    </section>
  );
}

function AnswerForm({ q, correction, onDone }) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const id = `answer-${q.id}`;
  const submit = async (e) => {
    e.preventDefault();
    if (!text.trim()) return setError(correction ? 'Enter the correction' : 'Enter the answer');
    setBusy(true);
    try {
      await api(`/questions/${q.id}/answer`, { method: 'POST', body: { text: text.trim() } });
      setText('');
      setError('');
      onDone(correction ? 'Correction published beside the first answer' : 'Answer published to every supplier');
    } catch (ex) {
      setError(ex.message);
    }
    setBusy(false);
  };
  const form = (
    <form method="post" action={`/questions/${q.id}/answer`} onSubmit={submit} novalidate>
      {!correction && (
        <>
          <p class="govuk-body govuk-!-font-weight-bold app-break govuk-!-margin-bottom-1">Q: {q.text}</p>
          <p class="govuk-body-s">Asked {dateAndTime(q.askedAt)}{q.askedBy ? ` by ${q.askedBy.organisationName}` : ''}</p>
        </>
      )}
      <Textarea id={id} label={correction ? 'Correction' : 'Answer'} hint={correction ? 'Published answers are never changed: a correction is added beside the answer, with its date.' : 'The answer is published to every supplier, without saying who asked.'} value={text} onInput={setText} error={error} rows={3} />
      <Button secondary disabled={busy}>{correction ? 'Publish the correction' : 'Publish the answer'}</Button>
    </form>
  );
  return correction ? <Details summary="Add a correction">{form}</Details> : <div class="app-card">{form}</div>;
}

function AskForm({ contract: c, onDone }) {
  const [text, setText] = useState('');
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    if (!text.trim()) return setErrors([{ href: '#question', text: 'Enter your question' }]);
    setBusy(true);
    try {
      await api(`/contracts/${c.id}/questions`, { method: 'POST', body: { text: text.trim() } });
      setText('');
      setErrors([]);
      onDone('Question sent. The answer will be published to every supplier, without your name.');
    } catch (ex) {
      setErrors([{ href: '#question', text: ex.message }]);
    }
    setBusy(false);
  };
  return (
    <form method="post" action={`/contracts/${c.id}/questions`} onSubmit={submit} novalidate>
      <ErrorSummary errors={errors} />
      <Textarea id="question" label="Ask a question" hint="The council publishes every answer to all suppliers. Other suppliers will not see who asked." value={text} onInput={setText} error={errors[0]?.text} rows={3} />
      <Button disabled={busy}>Send the question</Button>
    </form>
  );
}

const BID_STATUS = { draft: ['Draft', 'grey'], submitted: ['Submitted', 'blue'], awarded: ['Awarded', 'green'], unsuccessful: ['Not successful', 'red'], withdrawn: ['Withdrawn', 'grey'] };

export function BidTag({ status }) {
  const [t, c] = BID_STATUS[status] || [status, 'grey'];
  return <Tag colour={c}>{t}</Tag>;
}

/** YourBid is the supplier's part of a contract page: its bid, or starting one. */
function YourBid({ contract: c, bids }) {
  const mine = (bids.data || []).filter((b) => b.status !== 'withdrawn');
  return (
    <section aria-labelledby="bid-title" class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m" id="bid-title">Your bid</h2>
      {bids.loading && !bids.data ? <Loading /> : mine.length ? (
        <p class="govuk-body"><BidTag status={mine[0].status} />{' '}<a class="govuk-link" href={`/contracts/${c.id}/bid`}>{mine[0].status === 'draft' ? 'Carry on building your bid' : 'See your bid'}</a></p>
      ) : c.stage === 'tender' ? (
        <Button href={`/contracts/${c.id}/bid`}>Build a bid</Button>
      ) : (
        <p class="govuk-body">Bids open when the contract goes to tender{c.dates?.tenderOpens ? `, on ${date(c.dates.tenderOpens)}` : ''}.</p>
      )}
    </section>
  );
}

/** BidsCompared shows an officer the bids of a contract side by side. */
function BidsCompared({ contract: c, bids }) {
  return (
    <section aria-labelledby="bids-title" class="govuk-!-margin-bottom-6">
      <h2 class="govuk-heading-m" id="bids-title">Bids</h2>
      {bids.loading && !bids.data ? <Loading /> : bids.error ? <Problem error={bids.error} /> : <BidTable bids={bids.data} contract={c} />}
    </section>
  );
}

function BidTable({ bids, contract: c }) {
  if (!bids.length) return <p class="govuk-body">No bids yet.</p>;
  return (
    <div class="app-table-scroll" role="region" aria-labelledby="bids-caption" tabIndex={0}>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--s" id="bids-caption">{plural(bids.length, 'bid')} on {c.reference}</caption>
        <Head cols={[{ text: 'Supplier' }, { text: 'Social value', numeric: true }, { text: 'Of contract value', numeric: true }, { text: 'Requests', numeric: true }, { text: 'Score', numeric: true }, { text: 'Wards reached' }, { text: 'Status' }]} />
        <tbody class="govuk-table__body">
          {bids.map((b) => (
            <tr class="govuk-table__row" key={b.id}>
              <td class="govuk-table__cell app-break">{b.organisationName}</td>
              <td class="govuk-table__cell govuk-table__cell--numeric">{money(b.socialValuePence || 0)}</td>
              <td class="govuk-table__cell govuk-table__cell--numeric">{b.percentOfContractValue != null ? `${Number(b.percentOfContractValue).toFixed(2)}%` : ''}</td>
              <td class="govuk-table__cell govuk-table__cell--numeric">{number(b.requestCount || 0)}</td>
              <td class="govuk-table__cell govuk-table__cell--numeric">{b.score != null ? Number(b.score).toFixed(1) : ''}</td>
              <td class="govuk-table__cell app-break">{(b.wards || []).map((w) => w.name).join(', ')}</td>
              <td class="govuk-table__cell"><BidTag status={b.status} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Award compares the submitted bids, awards one with a due date, and shows what the award did. */
export function Award({ params }) {
  const data = useLoad(() => Promise.all([api(`/contracts/${params.id}`), listAll(`/contracts/${params.id}/bids`)]), [params.id]);
  const [bidId, setBidId] = useState('');
  const [due, setDue] = useState({ day: '', month: '', year: '' });
  const [confirm, setConfirm] = useState(false);
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null);
  if (data.loading) return <Page title="Award the contract"><Loading /></Page>;
  if (data.error) return <Page title="Award the contract"><Problem error={data.error} /></Page>;
  const [c, bids] = data.data;
  if (result) return <Awarded result={result} contract={c} />;
  const submitted = bids.filter((b) => b.status === 'submitted');
  const chosen = submitted.find((b) => b.id === bidId);
  const err = Object.fromEntries(errors.map((e) => [e.href, e.text]));
  const submit = async (e) => {
    e.preventDefault();
    const found = [];
    if (!chosen) found.push({ href: '#award-bid', text: 'Select the bid to award the contract to' });
    const d = parseDateParts(due, 'The date the commitments are due');
    if (d.error) found.push({ href: '#award-due-day', text: d.error });
    if (chosen && !d.error && !confirm) found.push({ href: '#award-confirm', text: `Confirm you are awarding the contract to ${chosen.organisationName}` });
    setErrors(found);
    if (found.length) return;
    setBusy(true);
    try {
      const res = await api(`/contracts/${c.id}/award`, { method: 'POST', body: { bidId, dueDate: d.value } });
      // What each pledge offered, to show where a commitment is less (the request needed less).
      const won = await api(`/bids/${bidId}`).catch(() => null);
      setResult({ ...res, pledged: Object.fromEntries((won?.pledges || []).map((p) => [p.id, p])) });
    } catch (ex) {
      if (ex.status === 401) return;
      setErrors([{ href: ex.errors?.[0]?.field === 'dueDate' ? '#award-due-day' : '#award-bid', text: ex.message }]);
    }
    setBusy(false);
  };
  return (
    <Page title="Award the contract" caption={`${c.reference}: ${c.title}`} error={errors.length > 0} heading={false} back={{ href: `/contracts/${c.id}` }}>
      <ErrorSummary errors={errors} />
      <h1 class="govuk-heading-l app-break"><span class="govuk-caption-l">{c.reference}: {c.title}</span>Award the contract</h1>
      {!['tender', 'evaluation'].includes(c.stage) && <Inset>A contract is awarded from tender or evaluation. This one is at the {stageName(c.stage)[0].toLowerCase()} stage.</Inset>}
      <h2 class="govuk-heading-m">Bids side by side</h2>
      <BidTable bids={bids} contract={c} />
      {submitted.length === 0 ? <p class="govuk-body">No submitted bids to award.</p> : (
        <form method="post" action={`/contracts/${c.id}/award`} onSubmit={submit} novalidate>
          <Radios
            id="award-bid"
            legend="Which bid wins?"
            value={bidId}
            onChange={(x) => { setBidId(x); setConfirm(false); }}
            error={err['#award-bid']}
            options={submitted.map((b) => ({ value: b.id, text: b.organisationName, hint: `${money(b.socialValuePence || 0)} social value across ${plural(b.requestCount || 0, 'request')}` }))}
          />
          <DateInput id="award-due" legend="When are the commitments due?" hint="The winning bid's pledges become commitments due on this date. For example, 31 3 2028" value={due} onChange={(part, x) => setDue((o) => ({ ...o, [part]: x }))} error={err['#award-due-day']} />
          {chosen && (
            <>
              <Warning>Awarding declines every other bid, with the reason, and turns {chosen.organisationName}’s pledges into commitments. It cannot be undone.</Warning>
              <div class={`govuk-form-group${err['#award-confirm'] ? ' govuk-form-group--error' : ''}`}>
                {err['#award-confirm'] && <p class="govuk-error-message" id="award-confirm-error"><span class="govuk-visually-hidden">Error:</span> {err['#award-confirm']}</p>}
                <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
                  <div class="govuk-checkboxes__item">
                    <input class="govuk-checkboxes__input" id="award-confirm" name="award-confirm" type="checkbox" checked={confirm} onChange={(e) => setConfirm(e.currentTarget.checked)} aria-describedby={err['#award-confirm'] ? 'award-confirm-error' : undefined} />
                    <label class="govuk-label govuk-checkboxes__label" for="award-confirm">I confirm the award to {chosen.organisationName}</label>
                  </div>
                </div>
              </div>
            </>
          )}
          <Button warning disabled={busy}>{busy ? 'Awarding…' : 'Award the contract'}</Button>
        </form>
      )}
    </Page>
  );
}

function Awarded({ result, contract: c }) {
  const commitments = result.commitments || [];
  // "declined" is the older list of declined pledge ids; the bids declined are in declinedBids.
  const declined = result.declinedBids || [];
  const to = result.contract?.awardedToName || '';
  return (
    <Page title="Contract awarded" heading={false}>
      <div class="govuk-panel govuk-panel--confirmation">
        <h1 class="govuk-panel__title">Contract awarded</h1>
        <div class="govuk-panel__body">{c.reference}{to ? ` to ${to}` : ''}</div>
      </div>
      <h2 class="govuk-heading-m">What the award did</h2>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--s">{plural(commitments.length, 'commitment')} created</caption>
        <Head cols={[{ text: 'Request' }, { text: 'Committed', numeric: true }, { text: 'Due by' }]} />
        <tbody class="govuk-table__body">
          {commitments.map((m) => {
            const offered = result.pledged?.[m.pledgeId]?.valuePence;
            return (
              <tr class="govuk-table__row" key={m.pledgeId}>
                <td class="govuk-table__cell app-break">{m.requestTitle}</td>
                <td class="govuk-table__cell govuk-table__cell--numeric">
                  {money(m.valuePence)}
                  {offered > m.valuePence && <><br /><span class="govuk-body-s">of {money(offered)} pledged: what the request still needed</span></>}
                </td>
                <td class="govuk-table__cell">{date(m.dueDate)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {(result.notCommitted || []).length > 0 && (
        <>
          <h3 class="govuk-heading-s">{plural(result.notCommitted.length, 'pledge')} not committed</h3>
          <ul class="govuk-list govuk-list--bullet">
            {result.notCommitted.map((x) => <li key={x.pledgeId} class="app-break">{result.pledged?.[x.pledgeId]?.requestTitle ? `${result.pledged[x.pledgeId].requestTitle}: ` : ''}{x.reason}</li>)}
          </ul>
        </>
      )}
      {declined.length > 0 ? (
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--s">{plural(declined.length, 'other bid')} declined</caption>
          <Head cols={[{ text: 'Supplier' }, { text: 'Reason' }]} />
          <tbody class="govuk-table__body">
            {declined.map((d) => (
              <tr class="govuk-table__row" key={d.bidId}>
                <td class="govuk-table__cell app-break">{d.organisationName}</td>
                <td class="govuk-table__cell app-break">{d.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : <p class="govuk-body">There were no other bids to decline.</p>}
      <p class="govuk-body"><a class="govuk-link" href={`/contracts/${c.id}`}>Back to the contract</a></p>
    </Page>
  );
}

/** Directorates lets officers keep the council's directorates. */
export function Directorates() {
  const list = useLoad(() => listAll('/directorates'), []);
  const [name, setName] = useState('');
  const [errors, setErrors] = useState([]);
  const [flash, setFlashHere] = useState('');
  const add = async (e) => {
    e.preventDefault();
    if (!name.trim()) return setErrors([{ href: '#directorate-name', text: 'Enter the name of the directorate' }]);
    try {
      const d = await api('/directorates', { method: 'POST', body: { name: name.trim() } });
      setName('');
      setErrors([]);
      setFlashHere(`${d.name} added`);
      list.reload();
    } catch (ex) {
      setErrors([{ href: '#directorate-name', text: ex.message }]);
    }
  };
  const toggle = async (d) => {
    try {
      await api(`/directorates/${d.id}`, { method: 'PATCH', body: { active: !d.active } });
      setFlashHere(`${d.name} ${d.active ? 'retired' : 'brought back'}`);
      list.reload();
    } catch (ex) {
      setErrors([{ href: '#directorate-name', text: ex.message }]);
    }
  };
  return (
    <Page title="Directorates" error={errors.length > 0} back={{ href: '/contracts', text: 'Contracts' }}>
      {flash && <Banner success title={flash} />}
      <ErrorSummary errors={errors} />
      {list.loading ? <Loading /> : list.error ? <Problem error={list.error} /> : list.data.length === 0 ? <p class="govuk-body">No directorates yet.</p> : (
        <table class="govuk-table">
          <caption class="govuk-visually-hidden">The council's directorates</caption>
          <Head cols={[{ text: 'Directorate' }, { text: 'Status' }, { text: 'Action' }]} />
          <tbody class="govuk-table__body">
            {list.data.map((d) => (
              <tr class="govuk-table__row" key={d.id}>
                <td class="govuk-table__cell app-break">{d.name}</td>
                <td class="govuk-table__cell">{d.active ? <Tag colour="green">In use</Tag> : <Tag colour="grey">Retired</Tag>}</td>
                <td class="govuk-table__cell">
                  <form class="app-inline-form" onSubmit={(e) => { e.preventDefault(); toggle(d); }}>
                    <Button secondary class="govuk-!-margin-bottom-0">{d.active ? 'Retire' : 'Bring back'}<span class="govuk-visually-hidden"> {d.name}</span></Button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form method="post" action="/contracts/directorates" onSubmit={add} novalidate>
        <Input id="directorate-name" label="Add a directorate" value={name} onInput={setName} error={errors[0]?.text} />
        <Button>Add the directorate</Button>
      </form>
    </Page>
  );
}

/** Pipeline is the public list of contracts from pipeline to tender. */
export function Pipeline() {
  const wards = useWards();
  const list = useLoad(() => api('/pipeline', { query: { authority: councilSlug() } }), []);
  const items = list.data?.items || [];
  return (
    <Page title="Contracts coming up">
      <p class="govuk-body-l">Contracts the council plans to buy, from the pipeline to open tender, with the social value it hopes for.</p>
      <p class="govuk-body">Social value applies to contracts of £25,000 and above. Suppliers bidding pledge to at least three requests from community groups.</p>
      {list.loading ? <Loading /> : list.error ? <Problem error={list.error} /> : items.length === 0 ? <p class="govuk-body">No contracts are in the pipeline at the moment.</p> : (
        items.map((c) => (
          <div class="app-card" key={c.id}>
            <h2 class="govuk-heading-m app-break">{c.title}</h2>
            <SummaryList rows={[
              { key: 'Stage', value: <StageTag stage={c.stage} /> },
              { key: 'Reference', value: c.reference },
              { key: 'Directorate', value: c.directorate },
              { key: 'Value', value: c.valueBand },
              { key: 'Key dates', value: <DatesList dates={c.dates} /> },
              { key: 'Priorities', value: <Priorities p={c.priorities} wards={wards} /> },
              { key: 'Social value brief', value: c.brief ? <span class="app-pre">{c.brief}</span> : 'Not published yet' },
            ]} />
          </div>
        ))
      )}
    </Page>
  );
}

/**
 * ProcurementAttention is the procurement part of the officer's "what
 * needs attention": questions waiting, contracts whose next date is near,
 * and bids to evaluate.
 */
export function ProcurementAttention() {
  const data = useLoad(
    async () => {
      const [questions, contracts] = await Promise.all([listAll('/questions', { status: 'waiting' }).catch(() => []), listAll('/contracts')]);
      // Bids to evaluate: submitted bids on contracts at tender or evaluation.
      const open = contracts.filter((c) => c.stage === 'tender' || c.stage === 'evaluation');
      const counts = await Promise.all(open.map((c) => listAll(`/contracts/${c.id}/bids`).then((bs) => bs.filter((b) => b.status === 'submitted').length).catch(() => 0)));
      const evaluate = open.map((c, i) => ({ c, n: counts[i] })).filter((x) => x.n > 0);
      return [questions, contracts, evaluate];
    },
    [],
  );
  if (data.loading) return <Loading what="Loading contracts" />;
  if (data.error) return <Problem error={data.error} />;
  const [questions, contracts, evaluate] = data.data;
  const soon = new Date(Date.now() + 14 * 864e5).toISOString().slice(0, 10);
  const due = contracts.filter((c) => !['awarded', 'live', 'closed'].includes(c.stage)).map((c) => ({ c, n: nextDate(c) })).filter(({ n }) => n && n.date <= soon);
  const byId = Object.fromEntries(contracts.map((c) => [c.id, c]));
  return (
    <section class="govuk-!-margin-bottom-8" aria-labelledby="procurement">
      <h2 class="govuk-heading-m" id="procurement">Contracts</h2>
      <h3 class="govuk-heading-s">{plural(questions.length, 'question')} waiting for an answer</h3>
      {questions.length === 0 ? <p class="govuk-body">None.</p> : (
        <ul class="govuk-list">
          {questions.map((q) => (
            <li key={q.id} class="app-break">
              <a class="govuk-link" href={`/contracts/${q.contractId}#qa-title`}>{byId[q.contractId]?.reference || 'Contract'}</a>: {q.text}
            </li>
          ))}
        </ul>
      )}
      <h3 class="govuk-heading-s">{plural(due.length, 'contract')} with a date in the next 14 days</h3>
      {due.length === 0 ? <p class="govuk-body">None.</p> : (
        <ul class="govuk-list">
          {due.map(({ c, n }) => <li key={c.id}><a class="govuk-link" href={`/contracts/${c.id}`}>{c.reference}: {c.title}</a>, {n.label.toLowerCase()} {date(n.date)}</li>)}
        </ul>
      )}
      <h3 class="govuk-heading-s">{plural(evaluate.length, 'contract')} with bids to evaluate</h3>
      {evaluate.length === 0 ? <p class="govuk-body">None.</p> : (
        <ul class="govuk-list">
          {evaluate.map(({ c, n }) => <li key={c.id}><a class="govuk-link" href={`/contracts/${c.id}/award`}>{c.reference}: {c.title}</a>, {plural(n, 'submitted bid')}</li>)}
        </ul>
      )}
      <p class="govuk-body"><a class="govuk-link" href="/contracts">All contracts</a></p>
    </section>
  );
}
