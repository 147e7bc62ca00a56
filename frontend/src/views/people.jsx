// People reaching each other (#13): an organisation's due-diligence
// details (form fields shared by the profile), the officer's list and
// page of organisations with suspend and reinstate, and the message thread
// on a pledge with unread counts and reports to officers.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { navigate, queryURL } from '../router.jsx';
import { money, number, date, dateAndTime, pledgeStatus, plural } from '../format.js';
import { Page, ErrorSummary, Input, Textarea, Select, Checkbox, Button, Tag, Banner, Loading, Problem, SummaryList, useLoad, fieldErrors } from '../govuk.jsx';
import { RequestLink } from '../requests.jsx';

/** DETAIL_IDS maps the API's detail fields to the form's input ids. */
export const DETAIL_IDS = {
  legalName: 'legal-name',
  charityNumber: 'charity-number',
  companyNumber: 'company-number',
  'address.line1': 'address-line1',
  'address.line2': 'address-line2',
  'address.town': 'address-town',
  'address.postcode': 'address-postcode',
  phone: 'org-phone',
  website: 'org-website',
  'contact.name': 'contact-name',
  'contact.role': 'contact-role',
  'contact.email': 'contact-email',
  'contact.phone': 'contact-phone',
  shareContact: 'share-contact',
  baseWard: 'base-ward',
  basePostcodeDistrict: 'base-district',
};

/** contactField is the API's name of the organisation's named contact. */
export function contactField(kind) {
  return kind === 'supplier' ? 'socialValueLead' : 'mainContact';
}

/** detailField maps an API field ("socialValueLead.email") to DETAIL_IDS' key. */
export function detailField(f) {
  return String(f || '').replace(/^(socialValueLead|mainContact)\b/, 'contact');
}

/** detailsState is the form state of an organisation's details. */
export function detailsState(org) {
  const c = org[contactField(org.kind)] || {};
  const a = org.address || {};
  return {
    legalName: org.legalName || '', charityNumber: org.charityNumber || '', companyNumber: org.companyNumber || '',
    line1: a.line1 || '', line2: a.line2 || '', town: a.town || '', postcode: a.postcode || '',
    phone: org.phone || '', website: org.website || '',
    contactName: c.name || '', contactRole: c.role || '', contactEmail: c.email || '', contactPhone: c.phone || '',
    shareContact: !!org.shareContact,
    baseWard: org.baseWard || '', basePostcodeDistrict: org.basePostcodeDistrict || '',
  };
}

/** detailsBody is the API body of the form's details (all of them). */
export function detailsBody(kind, v) {
  const t = (s) => String(s || '').trim();
  const address = [v.line1, v.line2, v.town, v.postcode].some((x) => t(x)) ? { line1: t(v.line1), line2: t(v.line2), town: t(v.town), postcode: t(v.postcode) } : null;
  const contact = [v.contactName, v.contactRole, v.contactEmail, v.contactPhone].some((x) => t(x))
    ? { name: t(v.contactName), role: t(v.contactRole), email: t(v.contactEmail), phone: t(v.contactPhone) }
    : null;
  return {
    legalName: t(v.legalName), charityNumber: t(v.charityNumber), companyNumber: t(v.companyNumber), address,
    phone: t(v.phone), website: t(v.website), [contactField(kind)]: contact, shareContact: !!v.shareContact,
    baseWard: t(v.baseWard), basePostcodeDistrict: t(v.basePostcodeDistrict),
  };
}

/** DetailsFields are the due-diligence inputs of the profile form. */
export function DetailsFields({ kind, v, set, err, intro }) {
  const supplier = kind === 'supplier';
  const who = supplier ? 'social value lead' : 'main contact';
  return (
    <>
      <h2 class="govuk-heading-m">Details the council checks</h2>
      <p class="govuk-body">{intro || 'Council officers see these when they approve your organisation. They are never published.'}</p>
      <Input id="legal-name" label="Legal name" hint="As registered, if it differs from the name you use" value={v.legalName} onInput={set('legalName')} error={err.legalName} autocomplete="organization" />
      <Input id="charity-number" label="Charity number (if you have one)" hint="6 to 8 digits, for example 1123456" width="10" inputmode="numeric" value={v.charityNumber} onInput={set('charityNumber')} error={err.charityNumber} spellcheck={false} />
      <Input id="company-number" label="Company number (if you have one)" hint="8 characters, for example 01234567 or SC123456" width="10" value={v.companyNumber} onInput={set('companyNumber')} error={err.companyNumber} spellcheck={false} />
      <fieldset class="govuk-fieldset" role="group">
        <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Address</legend>
        <Input id="address-line1" label="Address line 1" value={v.line1} onInput={set('line1')} error={err['address.line1']} autocomplete="address-line1" />
        <Input id="address-line2" label="Address line 2 (optional)" value={v.line2} onInput={set('line2')} error={err['address.line2']} autocomplete="address-line2" />
        <Input id="address-town" label="Town or city" width="20" value={v.town} onInput={set('town')} error={err['address.town']} autocomplete="address-level2" />
        <Input id="address-postcode" label="Postcode" width="10" value={v.postcode} onInput={set('postcode')} error={err['address.postcode']} autocomplete="postal-code" spellcheck={false} />
      </fieldset>
      <Input id="org-phone" label="Phone number" hint="A UK number, for example 0161 474 4000" width="20" type="tel" value={v.phone} onInput={set('phone')} error={err.phone} autocomplete="tel" />
      <Input id="org-website" label="Website (optional)" hint="For example https://www.example.org" type="url" value={v.website} onInput={set('website')} error={err.website} autocomplete="url" spellcheck={false} />
      <fieldset class="govuk-fieldset" role="group">
        <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{supplier ? 'Social value lead' : 'Main contact'}</legend>
        <Input id="contact-name" label="Full name" value={v.contactName} onInput={set('contactName')} error={err['contact.name']} autocomplete="off" />
        <Input id="contact-role" label="Role (optional)" value={v.contactRole} onInput={set('contactRole')} error={err['contact.role']} />
        <Input id="contact-email" label="Email address" type="email" value={v.contactEmail} onInput={set('contactEmail')} error={err['contact.email']} spellcheck={false} autocomplete="off" />
        <Input id="contact-phone" label="Phone number (optional)" type="tel" width="20" value={v.contactPhone} onInput={set('contactPhone')} error={err['contact.phone']} autocomplete="off" />
      </fieldset>
      <Checkbox id="share-contact" label={`Show our ${who} to the ${supplier ? 'groups' : 'suppliers'} we work with on a pledge`} hint="Otherwise they see only your organisation's name and can write to you through the messages on the pledge." checked={v.shareContact} onChange={set('shareContact')} />
    </>
  );
}

const STATUSES = [
  { value: '', text: 'All' },
  { value: 'pending', text: 'Waiting for approval' },
  { value: 'approved', text: 'Approved' },
  { value: 'rejected', text: 'Not approved' },
  { value: 'suspended', text: 'Suspended' },
];

/** orgStatus is an organisation status as words and a tag colour. */
export function orgStatus(s) {
  return { pending: ['Waiting for approval', 'yellow'], approved: ['Approved', 'green'], rejected: ['Not approved', 'red'], suspended: ['Suspended', 'orange'] }[s] || [s, 'grey'];
}

/** Organisations is the officer's list of the council's organisations, by status. */
export function Organisations({ query }) {
  const status = STATUSES.some((s) => s.value === query.status) ? query.status || '' : '';
  const [pick, setPick] = useState(status);
  const list = useLoad(() => api('/organisations', { query: { status: status || undefined, limit: 200 } }), [status]);
  return (
    <Page title="Organisations" back={{ href: '/officer', text: 'Needs attention' }}>
      <form method="get" action="/officer/organisations" class="app-filters" onSubmit={(e) => { e.preventDefault(); navigate(queryURL('/officer/organisations', { status: pick || undefined })); }}>
        <Select id="org-status" label="Status" value={pick} onChange={setPick} options={STATUSES} />
        <Button secondary>Show organisations</Button>
      </form>
      {list.loading ? <Loading /> : list.error ? <Problem error={list.error} /> : list.data.items.length === 0 ? <p class="govuk-body">No organisations.</p> : (
        <table class="govuk-table">
          <caption class="govuk-table__caption govuk-table__caption--m">{plural(list.data.items.length, 'organisation')}</caption>
          <thead class="govuk-table__head">
            <tr class="govuk-table__row">
              <th scope="col" class="govuk-table__header">Organisation</th>
              <th scope="col" class="govuk-table__header">Kind</th>
              <th scope="col" class="govuk-table__header">Status</th>
              <th scope="col" class="govuk-table__header">Registered</th>
            </tr>
          </thead>
          <tbody class="govuk-table__body">
            {list.data.items.map((o) => {
              const [s, c] = orgStatus(o.status);
              return (
                <tr class="govuk-table__row" key={o.id}>
                  <td class="govuk-table__cell app-break"><a class="govuk-link" href={`/officer/organisations/${o.id}`}>{o.name}</a></td>
                  <td class="govuk-table__cell">{o.kind === 'supplier' ? 'Supplier' : 'Community group'}</td>
                  <td class="govuk-table__cell"><Tag colour={c}>{s}</Tag></td>
                  <td class="govuk-table__cell">{date(o.createdAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Page>
  );
}

function contactText(c) {
  if (!c) return 'Not given';
  return [c.name, c.role, c.email, c.phone].filter(Boolean).join(', ');
}

/** detailRows are an organisation's details as summary list rows. */
export function detailRows(o) {
  const a = o.address;
  return [
    { key: 'Legal name', value: o.legalName || 'Not given' },
    { key: 'Charity number', value: o.charityNumber || 'Not given' },
    { key: 'Company number', value: o.companyNumber || 'Not given' },
    { key: 'Address', value: a ? [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join(', ') : 'Not given' },
    { key: 'Phone', value: o.phone || 'Not given' },
    { key: 'Website', value: o.website || 'Not given' },
    { key: o.kind === 'supplier' ? 'Social value lead' : 'Main contact', value: contactText(o[contactField(o.kind)]) },
    { key: 'Contact shared with the other side of a pledge', value: o.shareContact ? 'Yes' : 'No' },
  ];
}

/** OrganisationDetail is the officer's page of one organisation: its details, and approve, suspend or reinstate. */
export function OrganisationDetail({ params }) {
  const org = useLoad(() => api(`/organisations/${params.id}`), [params.id]);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [done, setDone] = useState(null);
  const [busy, setBusy] = useState(false);
  if (org.loading && !org.data) return <Page title="Organisation"><Loading /></Page>;
  if (org.error) return <Page title="Organisation"><Problem error={org.error} /></Page>;
  const o = org.data;
  const [s, c] = orgStatus(o.status);
  const move = o.status === 'approved' ? 'suspend' : o.status === 'suspended' ? 'reinstate' : null;
  const act = async (path, body, message) => {
    setBusy(true);
    setDone(null);
    try {
      const next = await api(`/organisations/${o.id}/${path}`, { method: 'POST', body });
      org.setData(next);
      setReason('');
      setErrors({ list: [], byField: {} });
      setDone(message);
    } catch (err) {
      setErrors(fieldErrors(err, () => 'move-reason'));
    }
    setBusy(false);
  };
  const submit = (e) => {
    e.preventDefault();
    if (!reason.trim()) {
      const text = move === 'suspend' ? 'Enter why you are suspending this organisation' : 'Enter why you are reinstating this organisation';
      setErrors({ list: [{ href: '#move-reason', text }], byField: { reason: text } });
      return;
    }
    act(move, { reason: reason.trim() }, move === 'suspend' ? `${o.name} is suspended` : `${o.name} is reinstated`);
  };
  return (
    <Page title={o.name} caption={o.kind === 'supplier' ? 'Supplier' : 'Community group'} error={errors.list.length > 0} back={{ href: '/officer/organisations', text: 'Organisations' }}>
      {done && <Banner success title={done} />}
      <ErrorSummary errors={errors.list} />
      <SummaryList rows={[
        { key: 'Status', value: <><Tag colour={c}>{s}</Tag>{o.reason && <><br /><span class="govuk-body-s">{o.reason}</span></>}</> },
        { key: 'Registered', value: dateAndTime(o.createdAt) },
        ...detailRows(o),
      ]} />
      {o.status === 'pending' && (
        <div class="govuk-button-group">
          <Button type="button" disabled={busy} onClick={() => act('approve', {}, `${o.name} approved`)}>Approve</Button>
          <a class="govuk-link" href={`/officer/organisations/${o.id}/reject`}>Reject</a>
        </div>
      )}
      {move && (
        <form method="post" action={`/officer/organisations/${o.id}`} onSubmit={submit} novalidate>
          <Textarea
            id="move-reason"
            label={move === 'suspend' ? 'Why are you suspending this organisation?' : 'Why are you reinstating this organisation?'}
            hint={move === 'suspend' ? 'A suspended organisation cannot post requests, pledge or bid. What it has already committed to stays. The organisation sees this reason.' : 'The organisation can post, pledge and bid again.'}
            value={reason}
            onInput={setReason}
            error={errors.byField.reason}
            rows={3}
          />
          <Button warning={move === 'suspend'} disabled={busy}>{move === 'suspend' ? 'Suspend organisation' : 'Reinstate organisation'}</Button>
        </form>
      )}
    </Page>
  );
}

/** useUnread loads the signed-in person's unread message count. */
function useUnread() {
  return useLoad(() => api('/messages/unread'), []);
}

/** UnreadMessages says on a first screen how many messages wait unread. */
export function UnreadMessages({ href, where = 'your pledges' }) {
  const n = useUnread();
  if (!n.data) return null;
  const count = n.data.count;
  return (
    <p class="govuk-body app-unread" data-unread={count}>
      {count === 0 ? 'No unread messages.' : <><strong class="govuk-tag govuk-tag--blue">{number(count)}</strong> {count === 1 ? 'unread message' : 'unread messages'} on {where}. {href && <a class="govuk-link" href={href}>See the pledges</a>}</>}
    </p>
  );
}

/** ReportedMessages is the officers' list of messages reported to them. */
export function ReportedMessages() {
  const list = useLoad(() => api('/messages/reported'), []);
  const [error, setError] = useState(null);
  if (list.loading && !list.data) return <Loading what="Loading reported messages" />;
  if (list.error) return <Problem error={list.error} />;
  const items = list.data.items;
  const resolve = async (m) => {
    setError(null);
    try {
      await api(`/messages/${m.id}/resolve`, { method: 'POST' });
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <Problem error={error} />
      {items.length === 0 ? <p class="govuk-body">None. Messages that someone reports to the council will appear here.</p> : (
        <ul class="govuk-list">
          {items.map((m) => (
            <li key={m.id} class="app-message app-message--reported">
              <p class="govuk-body-s govuk-!-margin-bottom-1">{m.authorName}, {m.authorOrganisation}, {dateAndTime(m.createdAt)}</p>
              <p class="govuk-body app-message__body">{m.body}</p>
              <p class="govuk-body-s">Reported: {m.report.reason}</p>
              <div class="govuk-button-group">
                <a class="govuk-link" href={`/pledges/${m.pledgeId}`}>See the conversation</a>
                <Button type="button" secondary onClick={() => resolve(m)}>Close report<span class="govuk-visually-hidden"> on the message from {m.authorName}</span></Button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** PledgeMessages is a pledge's page for its group, its supplier and officers: the pledge and its message thread. */
export function PledgeMessages({ params, session }) {
  const pledge = useLoad(() => api(`/pledges/${params.id}`), [params.id]);
  const p = pledge.data;
  const role = session.user.role;
  const back = role === 'supplier' ? { href: '/supplier/pledges', text: 'Your pledges' } : role === 'group' ? { href: p ? `/requests/${p.requestId}` : '/my/requests', text: 'The request' } : { href: '/officer', text: 'Needs attention' };
  if (pledge.loading && !p) return <Page title="Pledge"><Loading /></Page>;
  if (pledge.error) return <Page title="Pledge"><Problem error={pledge.error} /></Page>;
  const [s, c] = pledgeStatus(p.status);
  return (
    <Page title={`Pledge from ${p.organisationName}`} caption={p.requestTitle} back={back}>
      <SummaryList rows={[
        { key: 'Request', value: <RequestLink id={p.requestId} title={p.requestTitle} /> },
        { key: 'Offer', value: `${p.offer} (${number(p.quantity)} ${p.unit})` },
        { key: 'Value', value: money(p.valuePence) },
        { key: 'Status', value: <Tag colour={c}>{s}</Tag> },
      ]} />
      <Thread pledgeId={p.id} session={session} />
    </Page>
  );
}

function Party({ title, party }) {
  return (
    <div class="govuk-grid-column-one-half">
      <h3 class="govuk-heading-s govuk-!-margin-bottom-1">{title}</h3>
      <p class="govuk-body-s app-break">
        {party.name}
        {party.contact && <><br />{contactText(party.contact)}</>}
      </p>
    </div>
  );
}

/** Thread shows a pledge's messages, oldest first, the form to write one and a way to report one. */
export function Thread({ pledgeId, session }) {
  const thread = useLoad(() => api(`/pledges/${pledgeId}/messages`, { query: { limit: 200 } }), [pledgeId]);
  const [body, setBody] = useState('');
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [reporting, setReporting] = useState(null);
  const send = async (e) => {
    e.preventDefault();
    setSent(false);
    if (!body.trim()) {
      const text = 'Enter your message';
      setErrors({ list: [{ href: '#message-body', text }], byField: { body: text } });
      return;
    }
    if (body.length > 2000) {
      const text = 'Your message must be 2000 characters or fewer';
      setErrors({ list: [{ href: '#message-body', text }], byField: { body: text } });
      return;
    }
    setBusy(true);
    try {
      await api(`/pledges/${pledgeId}/messages`, { method: 'POST', body: { body } });
      setBody('');
      setErrors({ list: [], byField: {} });
      setSent(true);
      thread.reload();
    } catch (err) {
      setErrors(fieldErrors(err, () => 'message-body'));
    }
    setBusy(false);
  };
  const t = thread.data;
  return (
    <section aria-labelledby="messages-heading" class="govuk-!-margin-top-6">
      <h2 class="govuk-heading-m" id="messages-heading">Messages</h2>
      {thread.loading && !t ? <Loading what="Loading messages" /> : thread.error ? <Problem error={thread.error} /> : (
        <>
          <div class="govuk-grid-row">
            <Party title="Community group" party={t.group} />
            <Party title="Supplier" party={t.supplier} />
          </div>
          <p class="govuk-body-s">Council officers can read and write in this conversation. Email addresses are not shown unless an organisation chooses to share its contact.</p>
          {t.messages.length === 0 ? <p class="govuk-body">No messages yet.</p> : (
            <ol class="govuk-list app-messages" aria-label="Messages, oldest first">
              {t.messages.map((m) => (
                <li key={m.id} class={`app-message${m.mine ? ' app-message--mine' : ''}`}>
                  <p class="govuk-body-s govuk-!-margin-bottom-1">
                    <strong>{m.mine ? 'You' : m.authorName}</strong>, {m.authorOrganisation}{m.authorRole === 'officer' || m.authorRole === 'admin' ? ' (council officer)' : ''}, {dateAndTime(m.createdAt)}
                  </p>
                  <p class="govuk-body app-message__body">{m.body}</p>
                  {m.report ? <p class="govuk-body-s">Reported to the council{m.report.resolvedAt ? ' (closed)' : ''}</p> : !m.mine && (
                    reporting === m.id
                      ? <ReportForm message={m} onDone={() => { setReporting(null); thread.reload(); }} onCancel={() => setReporting(null)} />
                      : <button type="button" class="app-link-button app-link-button--small" onClick={() => setReporting(m.id)}>Report this message<span class="govuk-visually-hidden"> from {m.authorName}</span></button>
                  )}
                </li>
              ))}
            </ol>
          )}
          {sent && <Banner success title="Your message is sent" />}
          <ErrorSummary errors={errors.list} />
          <form method="post" action={`/pledges/${pledgeId}`} onSubmit={send} novalidate>
            <Textarea id="message-body" label="Write a message" hint="Plain text, up to 2000 characters. Do not share personal details you would not want kept: messages are stored and the council can read them." value={body} onInput={setBody} error={errors.byField.body} rows={4} maxLength={2000} />
            <Button disabled={busy}>{busy ? 'Sending…' : 'Send message'}</Button>
          </form>
        </>
      )}
    </section>
  );
}

function ReportForm({ message, onDone, onCancel }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const ref = useRef(null);
  useEffect(() => ref.current?.querySelector('textarea')?.focus(), []);
  const submit = async (e) => {
    e.preventDefault();
    if (reason.trim().length < 3) {
      setError('Enter why you are reporting this message');
      return;
    }
    try {
      await api(`/messages/${message.id}/report`, { method: 'POST', body: { reason: reason.trim() } });
      onDone();
    } catch (err) {
      setError(err.errors?.[0]?.detail || err.message);
    }
  };
  const id = `report-${message.id}`;
  return (
    <form ref={ref} onSubmit={submit} novalidate>
      <Textarea id={id} label="Why are you reporting this message to the council?" value={reason} onInput={setReason} error={error} rows={2} />
      <div class="govuk-button-group">
        <Button warning>Report message</Button>
        <button type="button" class="govuk-button govuk-button--secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
