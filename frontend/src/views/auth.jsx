// Sign in, register (group or supplier) and sign out.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { navigate } from '../router.jsx';
import { signIn, signOut, councils, councilSlug } from '../session.js';
import { useDraft } from '../forms.js';
import { Page, ErrorSummary, Input, Radios, Select, Button, Banner, Panel, fieldErrors } from '../govuk.jsx';
import { useWards } from '../requests.jsx';
import { DetailsFields, detailsState, detailsBody, detailField, DETAIL_IDS } from './people.jsx';
import { VerifyBanner } from './verify.jsx';

/** homeFor is where each role starts after signing in. */
export function homeFor(user) {
  switch (user?.role) {
    case 'group':
      return '/my/requests';
    case 'supplier':
      return '/supplier/requests';
    case 'officer':
    case 'admin':
      return '/officer';
    case 'region_officer':
      return '/region';
    default:
      return '/';
  }
}

function safeNext(next) {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-') ? next : '';
}

/** SignIn asks for email and password, then returns to `next`. */
export function SignIn({ query, session }) {
  const [email, setEmail] = useState(session.user?.email || '');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const list = [];
    if (!email.trim()) list.push({ href: '#email', text: 'Enter your email address' });
    if (!password) list.push({ href: '#password', text: 'Enter your password' });
    if (list.length) {
      setErrors({ list, byField: Object.fromEntries(list.map((l) => [l.href.slice(1), l.text])) });
      return;
    }
    setBusy(true);
    try {
      const user = await signIn(email.trim(), password);
      navigate(safeNext(query.next) || homeFor(user), { replace: true });
    } catch (err) {
      setPassword('');
      if (err.status === 401 || err.status === 400) {
        const text = 'Enter a correct email address and password';
        setErrors({ list: [{ href: '#email', text }], byField: { email: text } });
      } else if (err.status === 429) {
        setErrors({ list: [{ href: '#email', text: 'Too many attempts. Wait a minute and try again.' }], byField: {} });
      } else {
        setErrors(fieldErrors(err));
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <Page title="Sign in" error={errors.list.length > 0}>
      {query.registered && (
        <Banner title="Registration received">
          <p class="govuk-body">If this address can be used, your account is created: sign in to continue. If you already have an account with this address, sign in with your password.</p>
        </Banner>
      )}
      {query.reset && (
        <Banner title="Your password is changed">
          <p class="govuk-body">Sign in with your new password. Every other session has been signed out.</p>
        </Banner>
      )}
      {query.expired && (
        <Banner title="Your session has ended">
          <p class="govuk-body">Sign in again to carry on. What you typed has been kept.</p>
        </Banner>
      )}
      <ErrorSummary errors={errors.list} />
      <form method="post" action="/sign-in" onSubmit={submit} novalidate>
        <Input id="email" label="Email address" type="email" autocomplete="email" spellcheck={false} value={email} onInput={setEmail} error={errors.byField.email} />
        <Input id="password" label="Password" type="password" autocomplete="current-password" value={password} onInput={setPassword} error={errors.byField.password} />
        <Button disabled={busy}>Sign in</Button>
      </form>
      <p class="govuk-body">
        <a class="govuk-link" href="/forgot-password">Forgotten your password?</a>
      </p>
      <p class="govuk-body">
        No account yet? <a class="govuk-link" href="/register">Register your group or company</a>.
      </p>
    </Page>
  );
}

const REGISTER_IDS = {
  email: 'reg-email',
  password: 'reg-password',
  name: 'reg-name',
  role: 'reg-role',
  'organisation.name': 'reg-org',
  'organisation.authority': 'reg-council',
  organisation: 'reg-org',
  area: 'reg-area',
};

/** registerId is the form's input id of an API field at registration:
 * the account's own, or the organisation's due-diligence details. */
function registerId(field) {
  return REGISTER_IDS[field] || DETAIL_IDS[detailField(field)] || 'reg-email';
}

/** Register creates an account and its organisation (with the details
 * the council checks, all optional), then signs in. */
export function Register() {
  const [v, set, , drop] = useDraft('register', { role: '', orgName: '', name: '', email: '', area: '', council: '', ...detailsState({}) });
  // A platform of several councils asks which one; its officers check the organisation.
  const [all, setAll] = useState(null);
  useEffect(() => {
    councils().then(setAll).catch(() => setAll(null));
  }, []);
  const several = all?.items?.length > 1;
  const council = (several && all.items.some((c) => c.slug === v.council) && v.council) || councilSlug();
  const wards = useWards(council);
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const list = [];
    const add = (field, text) => list.push({ field, href: `#${REGISTER_IDS[field]}`, text });
    if (!v.role) add('role', 'Select whether you are a community group or a supplier');
    if (!v.orgName.trim()) add('organisation.name', v.role === 'supplier' ? 'Enter the name of your company' : 'Enter the name of your group');
    if (!v.name.trim()) add('name', 'Enter your full name');
    if (!v.email.trim()) add('email', 'Enter your email address');
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email.trim())) add('email', 'Enter an email address in the correct format, like name@example.org');
    if (password.length < 12) add('password', 'Password must be 12 characters or more');
    if (list.length) {
      setErrors({ list, byField: Object.fromEntries(list.map((l) => [l.field, l.text])) });
      return;
    }
    setBusy(true);
    try {
      // The answer is the same whether or not the address has an account
      // (registration must not tell who has one), so signing in is what
      // tells this person: a new account signs in, an address someone
      // already uses does not, and they are sent to sign in themselves.
      await api('/auth/register', {
        method: 'POST',
        body: {
          email: v.email.trim(), password, name: v.name.trim(), role: v.role,
          organisation: { name: v.orgName.trim(), authority: council, area: v.area, ...detailsBody(v.role, v) },
        },
      });
      drop();
      try {
        await signIn(v.email.trim(), password);
      } catch (err) {
        if (err.status !== 401) throw err;
        navigate('/sign-in?registered=1', { replace: true });
        return;
      }
      navigate('/registered', { replace: true });
    } catch (err) {
      const fe = fieldErrors(err, registerId);
      // The details' inputs read their errors by the profile's names ("contact.name").
      setErrors({ list: fe.list, byField: Object.fromEntries(Object.entries(fe.byField).map(([f, t]) => [detailField(f), t])) });
    } finally {
      setBusy(false);
    }
  };
  const orgLabel = v.role === 'supplier' ? 'Company name' : v.role === 'group' ? 'Group name' : 'Name of your group or company';
  const setter = (k) => (x) => set(k, x);
  return (
    <Page title="Register" error={errors.list.length > 0}>
      <div class="govuk-grid-row">
        <div class="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors.list} />
          <p class="govuk-body">
            Register your community group to post what it needs, or your company to pledge social value. A council officer checks every organisation before it can post or pledge.
          </p>
          <form method="post" action="/register" onSubmit={submit} novalidate>
            <Radios
              id="reg-role"
              name="role"
              legend="What are you registering?"
              value={v.role}
              onChange={(x) => set('role', x)}
              error={errors.byField.role}
              options={[
                { value: 'group', text: 'A community group or charity', hint: 'You will post requests for help' },
                { value: 'supplier', text: 'A supplier', hint: 'You bid for council contracts and will pledge social value' },
              ]}
            />
            {several && (
              <Select
                id="reg-council"
                label="Council"
                hint="The council whose officers check your organisation. A supplier can ask to work in other councils later."
                value={council}
                onChange={(x) => {
                  set('council', x);
                  set('area', '');
                }}
                error={errors.byField['organisation.authority']}
                options={all.items.map((c) => ({ value: c.slug, text: c.name }))}
              />
            )}
            <Input id="reg-org" label={orgLabel} value={v.orgName} onInput={(x) => set('orgName', x)} error={errors.byField['organisation.name'] || errors.byField.organisation} autocomplete="organization" />
            <Input id="reg-name" label="Your full name" value={v.name} onInput={(x) => set('name', x)} error={errors.byField.name} autocomplete="name" spellcheck={false} />
            <Input id="reg-email" label="Your email address" type="email" value={v.email} onInput={(x) => set('email', x)} error={errors.byField.email} autocomplete="email" spellcheck={false} />
            <Input id="reg-password" label="Create a password" hint="Use 12 characters or more. A few words you will remember work well." type="password" value={password} onInput={setPassword} error={errors.byField.password} autocomplete="new-password" />
            <Select
              id="reg-area"
              label="Ward you are based in (optional)"
              hint={v.role === 'supplier' ? 'Requests near you rank higher for you.' : undefined}
              value={v.area}
              onChange={setter('area')}
              error={errors.byField.area}
              options={[{ value: '', text: 'Not in one of these wards, or not saying' }, ...wards.map((w) => ({ value: w.code, text: w.name }))]}
            />
            <DetailsFields
              kind={v.role || 'group'}
              v={v}
              set={setter}
              err={errors.byField}
              intro="All optional now: giving them helps a council officer approve your organisation sooner. You can add or change them later on your organisation’s page. Council officers see them; they are never published."
            />
            <Button disabled={busy}>Register</Button>
          </form>
        </div>
      </div>
    </Page>
  );
}

/** Registered confirms a new registration. */
export function Registered({ session }) {
  const o = session.organisation;
  return (
    <Page title="Registration received" heading={false}>
      <Panel title="Registration received">
        {o ? <span class="app-break">{o.name}</span> : null}
      </Panel>
      <VerifyBanner session={session} />
      <h2 class="govuk-heading-m">What happens next</h2>
      <ol class="govuk-list govuk-list--number">
        <li>Open the link we sent to your email address, to confirm it.</li>
        <li>An officer of {session.authority?.name || 'the council'} checks your organisation.</li>
      </ol>
      <p class="govuk-body">
        You can {session.user?.role === 'supplier' ? 'pledge to requests' : 'post requests'} once both are done.
      </p>
      <p class="govuk-body">
        <a class="govuk-link" href="/">See the requests community groups have posted</a>
      </p>
    </Page>
  );
}

/** SignOut ends the session and forgets anything typed. */
export function SignOut() {
  const [done, setDone] = useState(false);
  useEffect(() => {
    signOut().then(() => setDone(true));
  }, []);
  return (
    <Page title={done ? 'You have signed out' : 'Signing out'}>
      {done && (
        <p class="govuk-body">
          <a class="govuk-link" href="/sign-in">Sign in again</a> or <a class="govuk-link" href="/">see the published requests</a>.
        </p>
      )}
    </Page>
  );
}
