// Email verification: the banner that asks an unverified person to open
// the link in their email (and sends it again), and the /verify-email page
// the link opens. Until the address is verified the API refuses to post,
// pledge or bid with 403 on field "emailVerified".

import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { reloadMe } from '../session.js';
import { Page, Button, Banner, Panel, Loading, ErrorSummary } from '../govuk.jsx';
import { homeFor } from './auth.jsx';

/** VERIFY_BANNER is the id of the banner, for links from error summaries. */
export const VERIFY_BANNER = 'verify-email';

/** unverified reports whether the signed-in person must verify first. */
export function unverified(session) {
  return session?.user?.emailVerified === false;
}

/** verifyFieldId maps the API's "emailVerified" field to the banner. */
export function verifyFieldId(field) {
  return field === 'emailVerified' ? VERIFY_BANNER : undefined;
}

/** VerifyBanner asks an unverified person to open the link we sent, and
 * sends it again on request. It shows nothing for anyone else. */
export function VerifyBanner({ session }) {
  const [sent, setSent] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  if (!unverified(session)) return null;
  const resend = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      const r = await api('/auth/verify-email/resend', { method: 'POST' });
      setSent(r.message);
      setError('');
    } catch (err) {
      // 409: verified meanwhile (another tab); reload what we know.
      if (err.status === 409) await reloadMe();
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Banner id={VERIFY_BANNER} title="Check your email">
      <p class="govuk-body">
        We sent a link to <strong class="app-break">{session.user.email}</strong>. Open it to confirm your email address: until you do, you cannot post requests, pledge or bid.
      </p>
      {sent && <p class="govuk-body" role="status">{sent}</p>}
      {error && <p class="govuk-body govuk-error-message" role="alert">{error}</p>}
      <form method="post" action="/verify-email/resend" onSubmit={resend} novalidate>
        <Button secondary class="govuk-!-margin-bottom-0" disabled={busy}>Send the link again</Button>
      </form>
    </Banner>
  );
}

/** VerifyEmail posts the token of a mailed link and says what happened. */
export function VerifyEmail({ query, session }) {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let live = true;
    api('/auth/verify-email', { method: 'POST', body: { token: query.token || '' } })
      .then(async (r) => {
        await reloadMe();
        if (live) setState({ done: r.message });
      })
      .catch((err) => live && setState({ error: err }));
    return () => {
      live = false;
    };
  }, [query.token]);
  if (state.loading) {
    return (
      <Page title="Checking your link">
        <Loading />
      </Page>
    );
  }
  if (state.done) {
    return (
      <Page title="Email address confirmed" heading={false}>
        <Panel title="Email address confirmed" />
        <p class="govuk-body">{state.done}</p>
        <p class="govuk-body">
          {session.user ? <a class="govuk-link" href={homeFor(session.user)}>Continue</a> : <a class="govuk-link" href="/sign-in">Sign in to continue</a>}
        </p>
      </Page>
    );
  }
  const text = state.error.status === 400 ? state.error.message : `We could not check the link: ${state.error.message}`;
  return (
    <Page title="This link does not work" error>
      <ErrorSummary errors={[{ href: session.user ? `#${VERIFY_BANNER}` : '#sign-in', text }]} />
      {session.user ? (
        unverified(session) ? <VerifyBanner session={session} /> : <p class="govuk-body">Your email address is already confirmed. <a class="govuk-link" href={homeFor(session.user)}>Continue</a></p>
      ) : (
        <p class="govuk-body">
          <a class="govuk-link" id="sign-in" href="/sign-in">Sign in</a> to ask for a new link.
        </p>
      )}
    </Page>
  );
}
