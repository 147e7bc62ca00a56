// Email verification in the browser: a new group registers with the
// details the council checks, is asked to confirm its address, cannot post
// until it does (and is told why), confirms with the link read from a real
// Mailpit, and then posts a request.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startMailpit, launch, newPage, check, h1, signIn, apiAs, VERIFY_SUBJECT, focusIs } from '../testing/browser.mjs';

let server, browser, mailpit;
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 360, height: 740 };
const BEA = { email: 'bea@brinnington.example', password: 'bea breakfast password' };
const NEXT_YEAR = String(new Date().getUTCFullYear() + 1);

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

/** verifyPaths waits for n verification mails to email and returns their links' paths, newest first. */
async function verifyPaths(email, n) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const ms = (await mailpit.messages()).filter((x) => x.To[0].Address === email && x.Subject === VERIFY_SUBJECT);
    if (ms.length >= n) {
      const out = [];
      for (const m of ms) {
        const { Text } = await mailpit.body(m.ID);
        const found = Text.match(/\/verify-email\?token=[A-Za-z0-9_-]+/);
        assert.ok(found, `no verification link in ${Text}`);
        out.push(found[0]);
      }
      return out;
    }
    assert.ok(Date.now() < deadline, `${ms.length} verification mails to ${email}, want ${n}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a new group registers with its details, confirms its address from Mailpit and posts a request', async () => {
  const small = await newPage(browser, server.url, NARROW);
  await small.goto('/register');
  await h1(small, 'Register');
  await small.getByLabel('A supplier').check();
  await small.getByRole('group', { name: 'Social value lead' }).waitFor();
  await check(small, 'register-supplier-360');
  await small.context().close();

  const p = await newPage(browser, server.url, WIDE);
  await p.goto('/register');
  await h1(p, 'Register');
  await p.getByLabel('A community group or charity').check();
  await p.getByLabel('Group name').fill('Brinnington Breakfast Club');
  await p.getByLabel('Your full name').fill('Bea Baker');
  await p.getByLabel('Your email address').fill(BEA.email);
  await p.getByLabel('Create a password').fill(BEA.password);
  await p.getByLabel('Ward you are based in (optional)').selectOption({ label: 'Brinnington & Stockport Central' });
  await p.getByLabel('Legal name').fill('Brinnington Breakfast Club CIO');
  await p.getByLabel('Charity number (if you have one)').fill('12');
  await p.getByLabel('Address line 1').fill('1 Brinnington Road');
  await p.getByLabel('Town or city').fill('Stockport');
  await p.getByLabel('Postcode').fill('not a postcode');
  await p.getByRole('button', { name: 'Register' }).click();
  // The API's field errors land on the details' own inputs.
  const summary = p.locator('.govuk-error-summary');
  await summary.getByRole('link', { name: /charity number of 6 to 8 digits/ }).waitFor();
  await summary.getByRole('link', { name: /real UK postcode/ }).click();
  await focusIs(p, () => document.activeElement.id, 'address-postcode');
  assert.match(await p.locator('#charity-number-error').innerText(), /6 to 8 digits/);
  await check(p, 'register-details-errors-1280');
  await p.getByLabel('Charity number (if you have one)').fill('1123456');
  await p.getByLabel('Postcode').fill('sk5 6aa');
  await p.getByRole('group', { name: 'Main contact' }).getByLabel('Full name').fill('Bea Baker');
  await p.getByRole('button', { name: 'Register' }).click();
  await h1(p, 'Registration received');
  await p.getByText('Check your email').waitFor();
  await check(p, 'registered-verify-1280');

  // The first screen asks for the link, and sends it again.
  await p.goto('/my/requests');
  await h1(p, 'Your requests');
  const banner = p.locator('#verify-email');
  await banner.getByText(BEA.email).waitFor();
  await banner.getByRole('button', { name: 'Send the link again' }).click();
  await banner.getByText('We have sent you a new link').waitFor();
  await check(p, 'verify-banner-1280');
  const narrow = await newPage(browser, server.url, NARROW);
  await signIn(narrow, BEA);
  await h1(narrow, 'Your requests');
  await narrow.locator('#verify-email').getByRole('button', { name: 'Send the link again' }).waitFor();
  await check(narrow, 'verify-banner-360');
  await narrow.context().close();

  // An officer approves the group (set-up): it still cannot post, and the
  // form says why.
  const bea = await apiAs(server.url, BEA);
  const me = await bea('GET', '/me');
  assert.equal(me.user.emailVerified, false);
  assert.equal(me.organisation.charityNumber, '1123456');
  assert.equal(me.organisation.address.postcode, 'SK5 6AA');
  await (await apiAs(server.url, 'officer'))('POST', `/organisations/${me.organisation.id}/approve`, {});
  await p.goto('/requests/new/what');
  await h1(p, 'What do you need?');
  await p.locator('#verify-email').waitFor();
  await p.getByLabel('Title').fill('Toast and cereal for the breakfast club');
  await p.getByLabel('Description').fill('Bread, spreads and cereal for forty children each school morning.');
  await p.getByRole('button', { name: 'Continue' }).click();
  await h1(p, 'What kind of help do you need?');
  await p.getByLabel('Goods or equipment').check();
  await p.getByRole('button', { name: 'Continue' }).click();
  await h1(p, 'Which ward is the help for?');
  await p.locator('#area option[value="E05015018"]').waitFor({ state: 'attached' });
  await p.getByLabel('Which ward is the help for?').selectOption('E05015018');
  await p.getByRole('button', { name: 'Continue' }).click();
  await h1(p, 'How much do you need?');
  await p.getByLabel('How many').fill('40');
  await p.getByLabel('Of what').fill('breakfasts');
  await p.getByRole('button', { name: 'Continue' }).click();
  await h1(p, 'What is it worth?');
  await p.getByLabel('What is it worth?').fill('300');
  await p.getByRole('button', { name: 'Continue' }).click();
  await h1(p, 'When do you need it by?');
  await p.getByLabel('Day').fill('31');
  await p.getByLabel('Month').fill('3');
  await p.getByLabel('Year').fill(NEXT_YEAR);
  await p.getByRole('button', { name: 'Continue' }).click();
  await h1(p, 'Check your answers');
  await p.getByRole('button', { name: 'Send for approval' }).click();
  await summary.getByRole('link', { name: /Verify your email address first/ }).click();
  await focusIs(p, () => document.activeElement.id, 'verify-email');
  await check(p, 'post-unverified-1280');

  // The first link (from registration) still works: it confirms the address.
  const paths = await verifyPaths(BEA.email, 2);
  for (const [name, viewport] of [['1280', WIDE], ['360', NARROW]]) {
    const v = await newPage(browser, server.url, viewport);
    await v.goto('/verify-email?token=not-a-real-token-at-all-but-long');
    await h1(v, 'This link does not work');
    await v.getByText(/This verification link is not valid/).first().waitFor();
    await check(v, `verify-bad-${name}`);
    await v.context().close();
  }
  await p.goto(paths[paths.length - 1]);
  await p.locator('.govuk-panel__title').filter({ hasText: 'Email address confirmed' }).waitFor();
  await check(p, 'verify-done-1280');
  // Once only.
  const again = await newPage(browser, server.url, WIDE);
  await again.goto(paths[paths.length - 1]);
  await h1(again, 'This link does not work');
  await again.context().close();

  // The answers were kept: now the request goes.
  await p.goto('/requests/new/check');
  await h1(p, 'Check your answers');
  assert.equal(await p.locator('#verify-email').count(), 0);
  await p.getByRole('button', { name: 'Send for approval' }).click();
  await p.locator('.govuk-panel__title').filter({ hasText: 'Request sent for approval' }).waitFor();
  await p.context().close();
});
