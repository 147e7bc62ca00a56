// The platform admin's screens (#14): signing in lands on Councils and
// partnerships; a council is created from the form (a taken slug is shown
// on the slug field), its first admin invited from its page, and a region
// made of it and Stockport; both are then listed. The invited admin takes
// up the invitation from a real Mailpit and signs in to its council. Every
// view is scanned with axe and photographed at 1280 and 360 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, startMailpit, launch, newPage, check, h1, signIn, apiAs, PARTNERSHIP } from '../testing/browser.mjs';

let server, browser, mailpit;
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 360, height: 740 };

before(async () => {
  mailpit = await startMailpit();
  server = await startServer({ NEEDMATCH_RATE_LIMITS: 'off', NEEDMATCH_SMTP_URL: mailpit.smtpURL }, PARTNERSHIP);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  mailpit?.stop();
});

/** summary waits for the error summary and reads it. */
async function summary(page) {
  const box = page.locator('.govuk-error-summary');
  await box.waitFor();
  return box.innerText();
}

test('a platform admin creates a council and a region from the screens and finds them listed', async () => {
  for (const [vp, tag, slug, name, region] of [[WIDE, '1280', 'tameside', 'Tameside (test council)', 'gm-east'], [NARROW, '360', 'wigan', 'Wigan (test council)', 'gm-west']]) {
    const page = await newPage(browser, server.url, vp);
    await signIn(page, 'platform_admin');
    await page.waitForURL((u) => u.pathname === '/platform');
    await h1(page, 'Councils and partnerships');
    const nav = await page.locator('.govuk-service-navigation__list').evaluate((ul) => [...ul.querySelectorAll('a')].map((a) => a.getAttribute('href')));
    assert.deepEqual(nav, ['/platform', '/sign-out'], 'the platform admin sees only what it can use');
    const councils = await page.locator('main table').innerText();
    assert.match(councils, /Stockport/);
    assert.match(councils, /Trafford \(test council\)/);
    assert.match(councils, /No admin/, 'Trafford has no admin yet');
    assert.match(await page.locator('main').innerText(), /STAR Procurement/);
    await check(page, `platform-list-${tag}`);

    // A council: nothing entered, then a taken slug, then right.
    await page.getByRole('button', { name: 'Create a council' }).click();
    await h1(page, 'Create a council');
    await page.getByRole('button', { name: 'Create council' }).click();
    assert.match(await summary(page), /slug/i);
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel(/slug/).fill('stockport');
    await page.getByRole('button', { name: 'Create council' }).click();
    await page.locator('#slug-error', { hasText: 'There is already a council "stockport"' }).waitFor();
    assert.match(await summary(page), /There is already a council "stockport"/);
    assert.match(await page.title(), /^Error: /);
    await check(page, `platform-council-taken-${tag}`);
    await page.getByLabel(/slug/).fill(slug);
    await page.getByLabel(/GSS code/).fill('E08000008');
    await page.getByRole('button', { name: 'Create council' }).click();
    await page.waitForURL((u) => u.pathname === `/platform/councils/${slug}`);
    await h1(page, name);
    assert.match(await page.locator('.govuk-notification-banner').innerText(), new RegExp(`${name.replace(/[()]/g, '\\$&')} is created`));
    assert.match(await page.locator('main').innerText(), /Nobody yet/);

    // Its first admin: a bad address, then right.
    await page.getByLabel('Full name').fill('Ada Admin');
    await page.getByLabel('Email address').fill('not-an-address');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.locator('#email-error').waitFor();
    await page.getByLabel('Email address').fill(`admin@${slug}.example`);
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.locator('.govuk-notification-banner', { hasText: `Invitation sent to admin@${slug}.example` }).waitFor();
    const people = await page.locator('main table').innerText();
    assert.match(people, new RegExp(`admin@${slug}\\.example`));
    assert.match(people, /Invited/);
    assert.match(await page.locator('main').innerText(), new RegExp(`needmatch import areas FILE\\.csv --authority ${slug}`));
    await check(page, `platform-council-${tag}`);

    // A region of the new council and Stockport.
    await page.getByRole('link', { name: 'Councils and partnerships' }).first().click();
    await h1(page, 'Councils and partnerships');
    await page.getByRole('button', { name: 'Create a region' }).click();
    await h1(page, 'Create a region');
    await page.getByLabel('Name', { exact: true }).fill(`Test partnership ${region}`);
    await page.getByLabel(/slug/).fill('star');
    await page.getByLabel(name).check();
    await page.getByLabel('Stockport', { exact: false }).first().check();
    await page.getByRole('button', { name: 'Create region' }).click();
    await page.locator('#slug-error', { hasText: 'There is already a region "star"' }).waitFor();
    await check(page, `platform-region-taken-${tag}`);
    await page.getByLabel(/slug/).fill(region);
    await page.getByRole('button', { name: 'Create region' }).click();
    await page.waitForURL((u) => u.pathname === '/platform');
    await h1(page, 'Councils and partnerships');
    await page.locator('.govuk-notification-banner', { hasText: `Region Test partnership ${region} is created with 2 councils` }).waitFor();
    const row = page.locator('main table tbody tr', { hasText: name });
    assert.match(await row.innerText(), /E08000008/);
    const card = page.locator('.govuk-summary-card', { hasText: `Test partnership ${region}` });
    const members = await card.innerText();
    assert.match(members, new RegExp(name.replace(/[()]/g, '\\$&')));
    assert.match(members, /Stockport/);
    await check(page, `platform-list-after-${tag}`);
    await page.context().close();
  }
});

test('a council admin cannot open the platform screens', async () => {
  const page = await newPage(browser, server.url, WIDE);
  await signIn(page, 'admin');
  await page.goto('/platform');
  await h1(page, 'You cannot view this page');
  await page.context().close();
});

test('an invited admin chooses a password with the mailed link and runs its council', async () => {
  const platform = await apiAs(server.url, 'platform_admin');
  const email = 'first.admin@trafford.example';
  await platform('POST', '/authorities/trafford/admins', { email, name: 'Tess Trafford' });
  let text = '';
  for (const deadline = Date.now() + 20000; !text; await new Promise((r) => setTimeout(r, 200))) {
    const m = (await mailpit.messages()).find((x) => x.To[0].Address === email && x.Subject === 'You are invited to run Trafford (test council) on needmatch');
    if (m) text = (await mailpit.body(m.ID)).Text;
    assert.ok(Date.now() < deadline, `no invitation mail to ${email}`);
  }
  const link = text.match(/\/reset-password\?token=[A-Za-z0-9_-]+/);
  assert.ok(link, `no link in ${text}`);
  const page = await newPage(browser, server.url, NARROW);
  await page.goto(link[0]);
  await h1(page, 'Set a new password');
  await page.getByLabel('New password').fill('tess-trafford-pass');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.waitForURL((u) => u.pathname === '/sign-in');
  await signIn(page, { email, password: 'tess-trafford-pass' });
  await h1(page, 'Needs attention');
  assert.match(await page.locator('.govuk-generic-header__homepage-link').innerText(), /Trafford \(test council\)/);
  // The link verified the address: no "Check your email" banner, and the
  // platform admin sees the admin active.
  const staff = await platform('GET', '/authorities/trafford/staff');
  assert.deepEqual(staff.staff.map((u) => [u.email, u.emailVerified]), [[email, true]]);
  assert.equal(staff.admins, 1);
  await page.context().close();
});
