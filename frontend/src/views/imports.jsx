// Imports: an officer brings in live and older contracts (with their
// commitments and what was delivered so far) and the council's payments
// to suppliers, from a CSV file or pasted text; and the local spend
// figures those payments give, shown on the officer's ledger.

import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { money, number, plural } from '../format.js';
import { Page, ErrorSummary, Textarea, Button, Banner, SummaryList, Loading, Problem, Inset, useLoad } from '../govuk.jsx';

const KINDS = {
  contracts: {
    title: 'Import contracts',
    noun: 'contracts',
    intro: 'Bring in contracts already running, or finished, with their social value commitments and what has been delivered so far. One row per commitment; rows with the same contract reference are one contract.',
    columns: ['contract reference', 'title', 'directorate', 'supplier name', 'supplier company number', 'contract value', 'measure or description', 'quantity', 'secured £', 'delivered £', 'commitment due date', 'delivery date'],
    optional: ['contract start date', 'contract end date', 'ward'],
    notes: [
      'The directorate must be one of the council’s directorates. A supplier not yet on the platform is added as waiting for approval, with no users.',
      'Delivered £ is what has been delivered so far. It counts as “imported, not verified here” until an officer verifies each delivery.',
      'Importing the same file again changes nothing.',
    ],
  },
  payments: {
    title: 'Import payments',
    noun: 'payments',
    intro: 'Bring in the council’s payments to suppliers, for the share of spend that stays in the borough.',
    columns: ['contract reference', 'supplier', 'amount', 'payment date'],
    optional: ['supplier postcode district or ward code'],
    notes: [
      'The contract must be one of the council’s and the supplier one on the platform (import its contract first).',
      'Without a postcode district or ward code, the supplier’s own profile says where it is based. Importing the same file again changes nothing.',
    ],
  },
};

function ResultList({ kind, r }) {
  if (kind === 'payments') {
    return <SummaryList rows={[
      { key: 'Payments added', value: number(r.payments) },
      { key: 'Already imported', value: number(r.kept) },
      { key: 'Total in the file', value: money(r.totalPence) },
    ]} />;
  }
  return <SummaryList rows={[
    { key: 'Contracts added', value: number(r.contracts) },
    { key: 'Contracts already here', value: number(r.contractsKept) },
    { key: 'Commitments added', value: number(r.commitments) },
    { key: 'Commitments already here', value: number(r.commitmentsKept) },
    { key: 'Deliveries added', value: `${number(r.deliveries)} (${money(r.deliveredPence)})` },
    { key: 'Secured in the file', value: money(r.securedPence) },
    { key: 'Suppliers added, waiting for approval', value: r.suppliersCreated.length ? r.suppliersCreated.join(', ') : 'None' },
  ]} />;
}

/** ImportCSV is the officer's import of contracts or payments. */
export function ImportCSV({ kind }) {
  const k = KINDS[kind];
  const [file, setFile] = useState(null);
  const [text, setText] = useState('');
  const [errors, setErrors] = useState([]);
  const [state, setState] = useState({ phase: 'idle' });
  const submit = async (e) => {
    e.preventDefault();
    const at = file ? '#csv-file' : '#csv-text';
    if (!file && !text.trim()) {
      setErrors([{ href: '#csv-file', text: 'Select a CSV file, or paste the CSV' }]);
      return;
    }
    if (file && file.size > 5 * 1024 * 1024) {
      setErrors([{ href: '#csv-file', text: 'The file must be smaller than 5 MB' }]);
      return;
    }
    setErrors([]);
    setState({ phase: 'importing' });
    try {
      const csv = file ? await file.text() : text;
      const res = await api(`/imports/${kind}`, { method: 'POST', body: { csv } });
      setState({ phase: 'done', res });
    } catch (ex) {
      setState({ phase: 'idle' });
      if (ex.errors?.length) setErrors(ex.errors.map((x) => ({ href: at, text: x.detail })));
      else setErrors([{ href: at, text: ex.message || 'The file could not be read' }]);
    }
  };
  const busy = state.phase === 'importing';
  const res = state.res;
  return (
    <Page title={k.title} error={errors.length > 0}>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          {state.phase === 'done' && (
            <Banner success title={res.unchanged ? 'Nothing new: everything in the file was already imported' : `Imported ${kind === 'payments' ? plural(res.payments, 'payment') : `${plural(res.contracts, 'contract')}, ${plural(res.commitments, 'commitment')} and ${plural(res.deliveries, 'delivery', 'deliveries')}`}`}>
              <p class="govuk-body"><a class="govuk-notification-banner__link" href="/ledger">See the ledger</a></p>
            </Banner>
          )}
          {state.phase === 'done' && <ResultList kind={kind} r={res} />}
          <p class="govuk-body">{k.intro} If any row has a problem nothing is imported, and each problem is listed with its line number.</p>
          <p class="govuk-body">The first row names the columns, in any order: {k.columns.map((c, i) => <span key={c}>{i ? ', ' : ''}<code>{c}</code></span>)}; and if you have them, {k.optional.map((c, i) => <span key={c}>{i ? ', ' : ''}<code>{c}</code></span>)}. Amounts are in pounds, like 1250 or £1,250.50; dates like 2025-03-31 or 31/03/2025.</p>
          <ul class="govuk-list govuk-list--bullet">{k.notes.map((n) => <li key={n}>{n}</li>)}</ul>
          <form method="post" action={`/officer/imports/${kind}`} onSubmit={submit} novalidate>
            <div class={`govuk-form-group${errors.length && file ? ' govuk-form-group--error' : ''}`}>
              <label class="govuk-label govuk-label--m" for="csv-file">CSV file of {k.noun}</label>
              <div id="csv-file-hint" class="govuk-hint">At most 5 MB</div>
              {errors.length > 0 && file && (
                <p id="csv-file-error" class="govuk-error-message">
                  <span class="govuk-visually-hidden">Error:</span> {errors.length === 1 ? errors[0].text : `The file has ${errors.length} problems, listed above`}
                </p>
              )}
              <input
                class={`govuk-file-upload${errors.length && file ? ' govuk-file-upload--error' : ''}`}
                id="csv-file"
                name="csv"
                type="file"
                accept=".csv,text/csv"
                aria-describedby={`csv-file-hint${errors.length && file ? ' csv-file-error' : ''}`}
                onChange={(e) => setFile(e.currentTarget.files[0] || null)}
              />
            </div>
            <Textarea
              id="csv-text"
              label="Or paste the CSV"
              hint="Used when no file is selected"
              rows={6}
              value={text}
              onInput={setText}
              error={errors.length > 0 && !file ? (errors.length === 1 ? errors[0].text : `The CSV has ${errors.length} problems, listed above`) : undefined}
              spellcheck={false}
            />
            <Button disabled={busy}>{k.title}</Button>
          </form>
          <div role="status" aria-live="polite">
            {busy && (
              <div class="app-progress">
                <span class="app-spinner" aria-hidden="true" />
                <p class="govuk-body govuk-!-margin-0">Checking and importing the {k.noun}…</p>
              </div>
            )}
          </div>
        </div>
      </div>
    </Page>
  );
}

export const ContractsImport = () => <ImportCSV kind="contracts" />;
export const PaymentsImport = () => <ImportCSV kind="payments" />;

function pct(p) {
  return p === null || p === undefined ? 'No spend' : `${p.toFixed(2)}%`;
}

function SpendTable({ rows, caption, id, first }) {
  if (!rows.length) return null;
  return (
    <div class="app-table-scroll" role="region" aria-labelledby={id} tabIndex={0}>
      <table class="govuk-table">
        <caption class="govuk-table__caption govuk-table__caption--s" id={id}>{caption}</caption>
        <thead class="govuk-table__head">
          <tr class="govuk-table__row">
            <th scope="col" class="govuk-table__header">{first}</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Spend</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">With local suppliers</th>
            <th scope="col" class="govuk-table__header govuk-table__header--numeric">Local share</th>
          </tr>
        </thead>
        <tbody class="govuk-table__body">
          {rows.map((r) => (
            <tr class="govuk-table__row" key={r.key}>
              <th scope="row" class="govuk-table__header app-break">{r.label}</th>
              <td class="govuk-table__cell govuk-table__cell--numeric">{money(r.totalPence)}</td>
              <td class="govuk-table__cell govuk-table__cell--numeric">{money(r.localPence)}</td>
              <td class="govuk-table__cell govuk-table__cell--numeric">{pct(r.localPercent)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** LocalSpend shows the share of the council's spend with suppliers based in the borough. */
export function LocalSpend() {
  const s = useLoad(() => api('/ledger/local-spend'), []);
  if (s.loading) return <Loading />;
  if (s.error) return <Problem error={s.error} />;
  const d = s.data;
  const aw = d.awarded;
  return (
    <section aria-labelledby="local-spend">
      <h2 class="govuk-heading-m" id="local-spend">Local spend</h2>
      {d.totalPence === 0 ? (
        <Inset>No payments have been imported yet. <a class="govuk-link" href="/officer/imports/payments">Import the council’s payments</a> to see how much of its spend stays in the borough.</Inset>
      ) : (
        <>
          <p class="govuk-body"><span class="app-count">{pct(d.localPercent)}</span>of {money(d.totalPence)} paid to suppliers went to suppliers based in the borough ({money(d.localPence)}).</p>
          <SpendTable rows={d.byYear} caption="By financial year (April to March)" id="spend-year" first="Year" />
          <SpendTable rows={d.byDirectorate} caption="By directorate" id="spend-directorate" first="Directorate" />
          <SpendTable rows={d.byContract} caption="By contract" id="spend-contract" first="Contract" />
        </>
      )}
      {aw.contracts > 0 && (
        <p class="govuk-body">Local suppliers hold {number(aw.localContracts)} of {plural(aw.contracts, 'contract')} awarded, worth {money(aw.localValuePence)} of {money(aw.valuePence)} ({pct(aw.localPercent)} by value).</p>
      )}
      <p class="govuk-body-s">A supplier is local when it is based in one of the borough’s wards or postcode districts ({d.postcodeDistricts.join(', ') || 'none set'}).</p>
    </section>
  );
}
