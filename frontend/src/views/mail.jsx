// Password reset (asked for from sign in, set from the mailed link) and the
// admin's Sent mail: the council's outbox.

import { useState } from 'preact/hooks';
import { api, listAll } from '../api.js';
import { navigate } from '../router.jsx';
import { dateAndTime, plural } from '../format.js';
import { Page, ErrorSummary, Input, Button, Loading, Problem, Details, Tag, useLoad, fieldErrors } from '../govuk.jsx';

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

/** SentMail lists the council's outbox for an admin. */
export function SentMail() {
  const mail = useLoad(() => listAll('/mail', {}, 500), []);
  return (
    <Page title="Sent mail">
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
              </div>
            );
          })}
        </>
      )}
    </Page>
  );
}
