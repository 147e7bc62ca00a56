// Mail in the browser: a reset link read from a real Mailpit signs a user
// back in; an admin reads the council's mail under Sent mail.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startMailpit, launch, newPage, check, h1, signIn, ACCOUNTS } from '../testing/browser.mjs';

let server, browser, mailpit;

before(async () => {
  mailpit = await startMailpit();
  server = await startServer({ NEEDMATCH_SMTP_URL: mailpit.smtpURL });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  mailpit?.stop();
});

/** resetPath waits for the reset mail to email and returns the link's path. */
async function resetPath(email) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const m = (await mailpit.messages()).find((x) => x.To[0].Address === email && x.Subject === 'Reset your needmatch password');
    if (m) {
      const { Text } = await mailpit.body(m.ID);
      const found = Text.match(/\/reset-password\?token=[A-Za-z0-9_-]+/);
      assert.ok(found, `no reset link in ${Text}`);
      return found[0];
    }
    assert.ok(Date.now() < deadline, `no reset mail to ${email}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a reset link from Mailpit signs the group back in', async () => {
  const p = await newPage(browser, server.url, { width: 1280, height: 900 });
  await p.goto('/sign-in');
  await p.getByRole('link', { name: 'Forgotten your password?' }).click();
  await h1(p, 'Reset your password');
  await p.getByRole('button', { name: 'Send the link' }).click();
  await p.locator('.govuk-error-summary').getByRole('link', { name: 'Enter your email address' }).waitFor();
  await check(p, 'reset-ask-errors-1280');
  await p.getByLabel('Email address').fill(ACCOUNTS.group.email);
  await p.getByRole('button', { name: 'Send the link' }).click();
  await h1(p, 'Check your email');
  await check(p, 'reset-sent-1280');

  const path = await resetPath(ACCOUNTS.group.email);
  for (const [name, viewport] of [['1280', { width: 1280, height: 900 }], ['360', { width: 360, height: 740 }]]) {
    const v = await newPage(browser, server.url, viewport);
    await v.goto(path);
    await h1(v, 'Set a new password');
    await check(v, `reset-new-${name}`);
    await v.context().close();
  }
  await p.goto(path);
  await h1(p, 'Set a new password');
  await p.getByLabel('New password').fill('a-brand-new-password');
  await p.getByRole('button', { name: 'Set password' }).click();
  await p.waitForURL((u) => u.pathname === '/sign-in');
  await p.getByText('Your password is changed').waitFor();
  await check(p, 'reset-done-1280');
  await p.getByLabel('Email address').fill(ACCOUNTS.group.email);
  await p.getByLabel('Password').fill('a-brand-new-password');
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL((u) => u.pathname === '/my/requests');

  // The link works once.
  await p.goto(path);
  await p.getByLabel('New password').fill('yet-another-password');
  await p.getByRole('button', { name: 'Set password' }).click();
  await p.locator('.govuk-error-summary').getByText(/This reset link is not valid/).waitFor();
  await p.getByRole('link', { name: 'Ask for a new link' }).waitFor();
  await check(p, 'reset-used-1280');
  await p.context().close();
});

test('an admin reads the mail under Sent mail', async () => {
  for (const [name, viewport] of [['1280', { width: 1280, height: 900 }], ['360', { width: 360, height: 740 }]]) {
    const p = await newPage(browser, server.url, viewport);
    await signIn(p, 'admin');
    await p.goto('/admin/mail');
    await h1(p, 'Sent mail');
    const first = p.locator('.app-mail').filter({ hasText: 'Reset your needmatch password' }).first();
    await first.waitFor();
    assert.match(await first.innerText(), new RegExp(`To ${ACCOUNTS.group.email}`));
    await first.getByText(`Read the email to ${ACCOUNTS.group.email}`).click();
    assert.match(await first.locator('pre').innerText(), /reset-password\?token=/);
    await check(p, `sent-mail-${name}`);
    await p.context().close();
  }
});

test('a supplier changes email settings; an unsubscribe link works without signing in', async () => {
  for (const [name, viewport] of [['1280', { width: 1280, height: 900 }], ['360', { width: 360, height: 740 }]]) {
    const p = await newPage(browser, server.url, viewport);
    await signIn(p, 'supplier');
    await p.goto('/email-settings');
    await h1(p, 'Email settings');
    const group = p.getByRole('group', { name: 'Your pledge approved, part approved or declined' });
    await group.getByLabel('Off').check();
    await p.getByRole('group', { name: 'Overdue commitments (weekly)' }).getByLabel('Once a week, in one combined email').check();
    await p.getByRole('button', { name: 'Save email settings' }).click();
    await p.getByText('Your email settings are saved').waitFor();
    await check(p, `email-settings-saved-${name}`);
    await p.reload();
    await h1(p, 'Email settings');
    assert.equal(await p.getByRole('group', { name: 'Your pledge approved, part approved or declined' }).getByLabel('Off').isChecked(), true);
    assert.equal(await p.getByRole('group', { name: 'Overdue commitments (weekly)' }).getByLabel('Once a week, in one combined email').isChecked(), true);
    await p.context().close();
  }

  // The seed published the group's requests: their mail carries a link.
  const m = (await mailpit.messages()).find((x) => x.To[0].Address === ACCOUNTS.group.email && x.Subject.startsWith('Your request is published'));
  assert.ok(m, 'no "request published" mail to the group');
  const { Text } = await mailpit.body(m.ID);
  const link = Text.match(/\/unsubscribe\?token=[A-Za-z0-9_.-]+/);
  assert.ok(link, `no unsubscribe link in ${Text}`);
  const p = await newPage(browser, server.url, { width: 1280, height: 900 });
  await p.goto(link[0]);
  await h1(p, 'You are unsubscribed');
  await p.getByText('You will no longer get these emails: your request published or rejected.').waitFor();
  await check(p, 'unsubscribed-1280');
  await p.goto('/unsubscribe?token=nonsense');
  await h1(p, 'This link does not work');
  await check(p, 'unsubscribe-bad-1280');
  await p.context().close();
});
