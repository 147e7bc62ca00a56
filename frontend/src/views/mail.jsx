// Password reset (asked for from sign in, set from the mailed link) and the
// admin's Sent mail: the council's outbox.

import { useState } from 'preact/hooks';
import { api, listAll } from '../api.js';
import { navigate } from '../router.jsx';
import { dateAndTime, plural } from '../format.js';
import { Page, ErrorSummary, Input, Radios, Button, Banner, Loading, Problem, Details, Tag, Warning, useLoad, fieldErrors } from '../govuk.jsx';

/** ForgotPassword asks for the address to mail a reset link to. */
export function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [sent, setSent] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    if (!email.trim()) {
      const text = 'Enter your email address';
      setErrors({ list: [{ href: '#email', text }], byField: { email: text } });
      return;
    }
    setBusy(true);
    try {
      const r = await api('/auth/password-reset', { method: 'POST', body: { email: email.trim() } });
      setSent(r.message);
      setErrors({ list: [], byField: {} });
    } catch (err) {
      setErrors(err.status === 429
        ? { list: [{ href: '#email', text: 'Too many requests. Wait a minute and try again.' }], byField: {} }
        : fieldErrors(err));
    } finally {
      setBusy(false);
    }
  };
  if (sent) {
    return (
      <Page title="Check your email">
        <p class="govuk-body">{sent}</p>
        <p class="govuk-body"><a class="govuk-link" href="/sign-in">Back to sign in</a></p>
      </Page>
    );
  }
  return (
    <Page title="Reset your password" error={errors.list.length > 0}>
      <ErrorSummary errors={errors.list} />
      <p class="govuk-body">We will email you a link to set a new password. It works once, for 30 minutes.</p>
      <form method="post" action="/forgot-password" onSubmit={submit} novalidate>
        <Input id="email" label="Email address" type="email" autocomplete="email" spellcheck={false} value={email} onInput={setEmail} error={errors.byField.email} />
        <Button disabled={busy}>Send the link</Button>
      </form>
    </Page>
  );
}

/** ResetPassword sets a new password with the token of a mailed link. */
export function ResetPassword({ query }) {
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    if (password.length < 12) {
      const text = 'Password must be 12 characters or more';
      setErrors({ list: [{ href: '#password', text }], byField: { password: text } });
      return;
    }
    setBusy(true);
    try {
      await api('/auth/password-reset/confirm', { method: 'POST', body: { token: query.token || '', password } });
      navigate('/sign-in?reset=1', { replace: true });
    } catch (err) {
      setPassword('');
      setErrors(fieldErrors(err, (f) => (f === 'token' ? 'password' : f)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Page title="Set a new password" error={errors.list.length > 0}>
      <ErrorSummary errors={errors.list} />
      {errors.byField.token && <p class="govuk-body"><a class="govuk-link" href="/forgot-password">Ask for a new link</a></p>}
      <form method="post" action="/reset-password" onSubmit={submit} novalidate>
        <Input id="password" label="New password" hint="12 characters or more" type="password" autocomplete="new-password" value={password} onInput={setPassword} error={errors.byField.password || errors.byField.token} />
        <Button disabled={busy}>Set password</Button>
      </form>
    </Page>
  );
}

const STATUS = {
  pending: ['Waiting', 'grey'],
  sending: ['Sending', 'blue'],
  handover: ['Sending', 'blue'],
  sent: ['Sent', 'green'],
  failed: ['Failed', 'red'],
  uncertain: ['Maybe sent', 'orange'],
};

/** SentMail lists the council's outbox for an admin, who can send again
 * a mail that may not have arrived (its sender stopped after handing it
 * to the mail server). */
export function SentMail() {
  const mail = useLoad(() => listAll('/mail', {}, 500), []);
  const [done, setDone] = useState('');
  const [errors, setErrors] = useState([]);
  const [busy, setBusy] = useState('');
  const retry = async (m) => {
    setBusy(m.id);
    try {
      const n = await api(`/mail/${m.id}/retry`, { method: 'POST', body: {} });
      mail.setData(mail.data.map((x) => (x.id === n.id ? n : x)));
      setErrors([]);
      setDone(`The email to ${m.to} will be sent again`);
    } catch (err) {
      setDone('');
      if (err.status !== 401) setErrors([{ href: `#retry-${m.id}`, text: err.message }]);
    } finally {
      setBusy('');
    }
  };
  return (
    <Page title="Sent mail" error={errors.length > 0}>
      {done && <Banner success title={done} />}
      <ErrorSummary errors={errors} />
      <p class="govuk-body">Every email the service sends, newest first. Without a mail server configured, email waits here and is not sent.</p>
      {mail.loading ? <Loading /> : mail.error ? <Problem error={mail.error} /> : mail.data.length === 0 ? <p class="govuk-body">No email yet.</p> : (
        <>
          <p class="govuk-body">{plural(mail.data.length, 'email')}</p>
          {mail.data.map((m) => {
            const [label, colour] = STATUS[m.status] || [m.status, 'grey'];
            return (
              <div class="app-mail" key={m.id}>
                <h2 class="govuk-heading-s">{m.subject}</h2>
                <p class="govuk-body-s">
                  To {m.to}, {dateAndTime(m.createdAt)} <Tag colour={colour}>{label}</Tag>
                </p>
                <Details summary={`Read the email to ${m.to}`}>
                  <pre class="app-mail__text">{m.text}</pre>
                  <p class="govuk-body-s">{plural(m.attempts.length, 'attempt')}{m.attempts.length > 0 && `: ${m.attempts.map((a) => `${dateAndTime(a.at)} ${a.result}`).join('; ')}`}</p>
                </Details>
                {m.status === 'uncertain' && (
                  <form method="post" action={`/admin/mail/${m.id}/retry`} onSubmit={(e) => { e.preventDefault(); retry(m); }} novalidate>
                    <Warning>
                      Sending stopped after this email was handed to the mail server, so it may have arrived. If you send it again, {m.to} may get it twice.
                    </Warning>
                    <Button secondary id={`retry-${m.id}`} disabled={busy === m.id}>Send again<span class="govuk-visually-hidden"> the email to {m.to}</span></Button>
                  </form>
                )}
              </div>
            );
          })}
        </>
      )}
    </Page>
  );
}

const PREF_OPTIONS = [
  { value: 'immediately', text: 'Immediately' },
  { value: 'digest', text: 'Once a week, in one combined email' },
  { value: 'off', text: 'Off' },
];

/** EmailSettings lets a signed-in person choose, per kind, how they hear. */
export function EmailSettings() {
  const settings = useLoad(() => api('/me/email-settings'), []);
  const [prefs, setPrefs] = useState(null);
  const [errors, setErrors] = useState({ list: [], byField: {} });
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const items = settings.data?.items || [];
  const current = prefs || Object.fromEntries(items.map((i) => [i.kind, i.pref]));
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const changeable = Object.fromEntries(items.filter((i) => !i.required).map((i) => [i.kind, current[i.kind]]));
      const r = await api('/me/email-settings', { method: 'PUT', body: { prefs: changeable } });
      setPrefs(Object.fromEntries(r.items.map((i) => [i.kind, i.pref])));
      setErrors({ list: [], byField: {} });
      setSaved(true);
    } catch (err) {
      setSaved(false);
      setErrors(fieldErrors(err, (f) => `pref-${f.replace('prefs.', '')}`));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Page title="Email settings" error={errors.list.length > 0}>
      {saved && <Banner success title="Your email settings are saved" />}
      <ErrorSummary errors={errors.list} />
      {settings.loading ? <Loading /> : settings.error ? <Problem error={settings.error} /> : (
        <form method="post" action="/email-settings" onSubmit={submit} novalidate>
          <p class="govuk-body">Choose how you hear about each kind of change. Emails about your password and account always come straight away.</p>
          <p class="govuk-body">Everything you choose to get once a week comes together in one email on Monday at 8am (UTC), with a link to each item.</p>
          {items.filter((i) => !i.required).map((i) => (
            <Radios key={i.kind} id={`pref-${i.kind}`} legend={i.label} inline value={current[i.kind]} options={PREF_OPTIONS}
              onChange={(v) => { setSaved(false); setPrefs({ ...current, [i.kind]: v }); }} error={errors.byField[`prefs.${i.kind}`]} />
          ))}
          <Button disabled={busy}>Save email settings</Button>
        </form>
      )}
    </Page>
  );
}

/** Unsubscribe turns off the kind of email a mail's link names. */
export function Unsubscribe({ query }) {
  const done = useLoad(() => api('/unsubscribe', { method: 'POST', body: { token: query.token || '' } }), [query.token]);
  return (
    <Page title={done.error ? 'This link does not work' : 'You are unsubscribed'}>
      {done.loading ? <Loading /> : done.error ? (
        <p class="govuk-body">This unsubscribe link is not valid. <a class="govuk-link" href="/email-settings">Sign in to change your email settings</a>.</p>
      ) : (
        <>
          <p class="govuk-body">You will no longer get these emails: {done.data.label.toLowerCase()}.</p>
          <p class="govuk-body"><a class="govuk-link" href="/email-settings">Change your email settings</a></p>
        </>
      )}
    </Page>
  );
}
