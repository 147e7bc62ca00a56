// Procurement in people's hands (issue #11), the whole life in the app:
// an officer registers a contract in the pipeline with priorities, does
// the pre-engagement steps the tier needs (a move to tender before them is
// refused, naming the missing step), opens the tender; two suppliers each
// ask a question and see the other's published answer but never who
// asked; each builds a bid of three requests (one with the keyboard
// alone); the officer compares the bids and awards one; the commitments
// show on the winner's pledges and in the ledger by contract. Every new
// view is scanned with axe and photographed at 1280 and 375 px.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, newPage, axe, h1, h1Focused, signIn, apiAs, verifyFromSentMail, ACCOUNTS, RESULTS, focusIs, textsAre } from '../testing/browser.mjs';

let server, browser;
const SHOTS = process.env.PROCUI_SHOTS || join(RESULTS, 'procurement');
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 375, height: 740 };

const DIRECTORATE = 'Place and Environment (browser test)';
const TITLE = 'Grounds maintenance for parks';
const REFERENCE = 'STK-UI-001';
const OTHER = { email: 'bids@tamevalley.example', password: 'tame-valley-pass-1', name: 'Tom Tame', org: 'Tame Valley Services' };
const Q_MERSEY = 'Can staff volunteering hours count towards social value?';
const Q_TAME = 'Is there a smallest value a pledge to a request may have?';

// What the steps share: the contract, and the two suppliers' API helpers.
const life = {};

function plusDays(n) {
  const d = new Date(Date.now() + n * 864e5);
  return { day: String(d.getUTCDate()), month: String(d.getUTCMonth() + 1), year: String(d.getUTCFullYear()), iso: d.toISOString().slice(0, 10) };
}

/** snap photographs the page at 1280 and 375 px, scans it with axe, and checks for script errors. */
async function snap(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const size = page.viewportSize();
  await page.setViewportSize(WIDE);
  await page.screenshot({ path: join(SHOTS, `${name}-1280.png`), fullPage: true });
  await axe(page, name);
  await page.setViewportSize(NARROW);
  await page.screenshot({ path: join(SHOTS, `${name}-375.png`), fullPage: true });
  await axe(page, `${name} at 375 px`);
  await page.setViewportSize(size);
  assert.deepEqual(page.errors, [], `script errors or CSP refusals on ${name}`);
}

async function banner(page, text) {
  await page.locator('.govuk-notification-banner--success').filter({ hasText: text }).waitFor();
}

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an officer keeps directorates and registers a contract in the pipeline with priorities', async () => {
  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'officer');
  await p.getByRole('link', { name: 'Contracts', exact: true }).click();
  await h1Focused(p, 'Contracts');
  await p.getByRole('link', { name: 'Directorates' }).click();
  await h1Focused(p, 'Directorates');
  await p.getByRole('button', { name: 'Add the directorate' }).click();
  await p.locator('.govuk-error-summary').getByRole('link', { name: 'Enter the name of the directorate' }).waitFor();
  await p.getByLabel('Add a directorate').fill(DIRECTORATE);
  await p.getByRole('button', { name: 'Add the directorate' }).click();
  await banner(p, `${DIRECTORATE} added`);
  await p.locator('tbody tr', { hasText: DIRECTORATE }).getByText('In use').waitFor();
  await snap(p, 'directorates');

  await p.goto('/contracts');
  await h1(p, 'Contracts');
  await p.locator('#contracts-caption').waitFor();
  await snap(p, 'contracts-list');
  await p.getByRole('button', { name: 'Add a contract to the pipeline' }).click();
  await h1Focused(p, 'Add a contract to the pipeline');
  // Sent empty: an error summary names each missing answer and its link goes to the field.
  await p.getByRole('button', { name: 'Add to the pipeline' }).click();
  const summary = p.locator('.govuk-error-summary');
  await summary.waitFor();
  await textsAre(summary.locator('li'), ['Enter the contract reference', 'Enter the contract title', 'Select the directorate', 'Enter the estimated value in pounds'], 'each missing answer is named');
  await summary.getByRole('link', { name: 'Select the directorate' }).click();
  await focusIs(p, () => document.activeElement.id, 'contract-directorate');
  assert.match(await p.title(), /^Error: /);
  await snap(p, 'contract-form-errors');

  await p.getByLabel('Reference').fill(REFERENCE);
  await p.getByLabel('Title').fill(TITLE);
  await p.getByLabel('Directorate').selectOption({ label: DIRECTORATE });
  await p.getByLabel('Estimated value').fill('60,000');
  const dates = { preMarket: plusDays(5), tenderOpens: plusDays(30), tenderCloses: plusDays(60), award: plusDays(75), start: plusDays(90), end: plusDays(800) };
  for (const [k, d] of Object.entries(dates)) {
    await p.locator(`#date-${k}-day`).fill(d.day);
    await p.locator(`#date-${k}-month`).fill(d.month);
    await p.locator(`#date-${k}-year`).fill(d.year);
  }
  const kinds = p.getByRole('group', { name: 'Kinds of help' });
  await kinds.getByLabel('Volunteering').check();
  await kinds.getByLabel('Goods or equipment').check();
  await p.getByLabel('Social value brief for bidders').fill('Social value here means time and goods for community groups near the parks.\nPledge to at least three requests.');
  await p.getByRole('button', { name: 'Add to the pipeline' }).click();
  await h1(p, TITLE);
  await banner(p, `‘${TITLE}’ added to the pipeline`);
  const facts = p.locator('.govuk-summary-list').first();
  await facts.getByText('Pipeline', { exact: true }).waitFor();
  const text = await facts.innerText();
  assert.match(text, /Directorate\s+Place and Environment \(browser test\)/);
  assert.match(text, /£60,000/);
  assert.match(text, /Kinds of help: Volunteering, Goods or equipment/);
  assert.match(text, /Contract manager\s+Demo officer/);
  life.contractId = p.url().split('/').pop();
  life.dueSoon = dates.preMarket.iso;
  await snap(p, 'contract-pipeline');
  await p.context().close();

  // The public pipeline, linked from the home page: no names of people.
  const a = await newPage(browser, server.url, WIDE);
  await a.goto('/');
  await a.getByRole('link', { name: 'See the contracts the council plans to buy' }).click();
  await h1Focused(a, 'Contracts coming up');
  const card = a.locator('.app-card', { hasText: TITLE });
  const shown = await card.innerText();
  assert.match(shown, /£50k to £5m/);
  assert.match(shown, new RegExp(DIRECTORATE.replace(/[()]/g, '\\$&')));
  assert.match(shown, /Volunteering, Goods or equipment/);
  assert.match(shown, /time and goods for community groups/);
  assert.doesNotMatch(shown, /Demo officer/);
  await snap(a, 'pipeline-public');
  await a.context().close();
});

test('pre-engagement: a move to tender before the steps is refused, naming the missing step; done steps say who and when', async () => {
  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'officer', `/contracts/${life.contractId}`);
  await h1(p, TITLE);
  // Contracts whose next date is near show on the dashboard.
  await p.goto('/officer');
  await h1(p, 'What needs attention');
  await p.locator('#procurement').waitFor();
  const attention = p.locator('section[aria-labelledby=procurement]');
  await attention.getByRole('link', { name: `${REFERENCE}: ${TITLE}` }).waitFor();
  await snap(p, 'officer-attention');
  await p.goto(`/contracts/${life.contractId}`);
  await h1(p, TITLE);

  // Changing the contract keeps what was entered and saves at its version.
  await p.getByRole('link', { name: 'Change the contract' }).click();
  await h1Focused(p, 'Change the contract');
  assert.equal(await p.getByLabel('Estimated value').inputValue(), '60000');
  assert.equal(await p.getByRole('group', { name: 'Kinds of help' }).getByLabel('Volunteering').isChecked(), true);
  await snap(p, 'contract-edit');
  await p.getByLabel('Title').fill(`${TITLE} `);
  await p.getByRole('button', { name: 'Save changes' }).click();
  await h1(p, TITLE);
  await banner(p, `‘${TITLE}’ changed`);

  await p.getByRole('heading', { name: 'Pre-engagement: Standard tier' }).waitFor();
  const move = p.getByRole('group', { name: /^Move from pipeline to/ });
  await move.getByLabel('Pre-market engagement').check();
  await p.getByRole('button', { name: 'Move the contract' }).click();
  await banner(p, 'Moved to pre-market engagement');
  await p.getByRole('group', { name: /^Move from pre-market engagement to/ }).getByLabel('Open for tender').check();
  await p.getByRole('button', { name: 'Move the contract' }).click();
  const refused = p.locator('.govuk-error-summary');
  await refused.waitFor();
  assert.match(await refused.innerText(), /is not done/);
  assert.match(await refused.innerText(), /standard tier/i);
  assert.equal(await p.locator('.govuk-notification-banner--success').count(), 0, 'the last success banner goes when a move is refused');
  await refused.getByRole('link').click();
  await focusIs(p, () => document.activeElement.id, 'step-sv_asked', 'the summary leads to the missing step');
  await snap(p, 'contract-move-refused');

  const steps = p.locator('section[aria-labelledby=steps-title] tbody tr');
  const n = await steps.count();
  assert.ok(n >= 3, 'the standard tier has at least three steps');
  for (let i = 0; i < n; i++) {
    const left = await p.getByRole('button', { name: /^Mark done/ }).count();
    await p.getByRole('button', { name: /^Mark done/ }).first().click();
    await p.waitForFunction((want) => [...document.querySelectorAll('button')].filter((b) => b.innerText.startsWith('Mark done')).length === want, left - 1);
  }
  for (const row of await steps.all()) assert.match(await row.innerText(), /Done\s+by Demo officer, \d+ \w+ \d{4} at/);
  await p.getByRole('group', { name: /^Move from pre-market engagement to/ }).getByLabel('Open for tender').check();
  await p.getByRole('button', { name: 'Move the contract' }).click();
  await banner(p, 'Moved to open for tender');
  await p.locator('.govuk-summary-list').first().getByText('Open for tender').waitFor();
  await snap(p, 'contract-tender');
  await p.context().close();
});

test('two suppliers ask questions; each sees the other’s published answer but never who asked', async () => {
  // A second supplier registers and is approved (set-up, over the API).
  let res = await fetch(`${server.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: OTHER.email, password: OTHER.password, name: OTHER.name, role: 'supplier', organisation: { name: OTHER.org, authority: 'stockport' } }),
  });
  assert.ok(res.ok, `register: ${res.status} ${await res.text()}`);
  await verifyFromSentMail(server.url, OTHER.email);
  const tame = await apiAs(server.url, { email: OTHER.email, password: OTHER.password });
  const officer = await apiAs(server.url, 'officer');
  const me = await tame('GET', '/me');
  await officer('POST', `/organisations/${me.organisation.id}/approve`, {});
  life.tame = tame;
  life.mersey = await apiAs(server.url, 'supplier');

  const ask = async (who, question) => {
    const p = await newPage(browser, server.url, WIDE);
    await signIn(p, who);
    await h1(p, 'Requests for you');
    const tenders = p.locator('section[aria-labelledby=tenders-title]');
    await tenders.getByRole('link', { name: TITLE }).waitFor();
    if (who === 'supplier') await snap(p, 'supplier-first-screen');
    await tenders.getByRole('link', { name: TITLE }).click();
    await h1Focused(p, TITLE);
    await p.getByRole('button', { name: 'Send the question' }).click();
    await p.locator('.govuk-error-summary').getByRole('link', { name: 'Enter your question' }).waitFor();
    await p.getByLabel('Ask a question').fill(question);
    await p.getByRole('button', { name: 'Send the question' }).click();
    await banner(p, 'Question sent');
    await p.getByText(question).waitFor();
    return p;
  };
  const m = await ask('supplier', Q_MERSEY);
  await snap(m, 'supplier-contract-asked');
  await m.context().close();
  const t = await ask(OTHER, Q_TAME);
  await t.context().close();

  const o = await newPage(browser, server.url, WIDE);
  await signIn(o, 'officer');
  await h1(o, 'What needs attention');
  const attention = o.locator('section[aria-labelledby=procurement]');
  await attention.getByText('2 questions waiting for an answer').waitFor();
  await attention.getByRole('link', { name: REFERENCE }).first().click();
  await h1(o, TITLE);
  for (const [q, who, answer] of [[Q_MERSEY, 'Mersey Build Ltd', 'Yes: count them at the rate in the measures catalogue.'], [Q_TAME, OTHER.org, 'No smallest value; the bid needs three different requests.']]) {
    const card = o.locator('.app-card', { hasText: q });
    assert.match(await card.innerText(), new RegExp(`by ${who}`), 'officers see who asked');
    await card.getByLabel('Answer').fill(answer);
    await card.getByRole('button', { name: 'Publish the answer' }).click();
    await banner(o, 'Answer published to every supplier');
    await o.locator('.app-qa__item', { hasText: q }).waitFor();
  }
  // A published answer is never edited: a correction is dated beside it.
  const first = o.locator('.app-qa__item', { hasText: Q_MERSEY });
  await first.getByText('Add a correction').click();
  await first.getByLabel('Correction').fill('Correction: count them at the rate in the catalogue version of the award date.');
  await first.getByRole('button', { name: 'Publish the correction' }).click();
  await banner(o, 'Correction published');
  await first.getByText('Corrected').waitFor();
  await snap(o, 'officer-qa');
  await o.context().close();

  for (const [who, other, mine, theirs] of [['supplier', OTHER.org, Q_MERSEY, Q_TAME], [OTHER, 'Mersey Build Ltd', Q_TAME, Q_MERSEY]]) {
    const p = await newPage(browser, server.url, WIDE);
    await signIn(p, who, `/contracts/${life.contractId}`);
    await h1(p, TITLE);
    const qa = p.locator('section[aria-labelledby=qa-title]');
    await qa.locator('.app-qa__item', { hasText: theirs }).waitFor();
    const text = await qa.innerText();
    assert.doesNotMatch(text, new RegExp(other), 'a supplier never sees who else asked');
    assert.doesNotMatch(text, /Asked by/);
    assert.match(await qa.locator('.app-qa__item', { hasText: mine }).innerText(), /You asked this/);
    assert.doesNotMatch(await qa.locator('.app-qa__item', { hasText: theirs }).innerText(), /You asked this/);
    assert.match(await qa.locator('.app-qa__item', { hasText: Q_MERSEY }).innerText(), /Correction[\s\S]*Corrected \d+/);
    if (who === 'supplier') await snap(p, 'supplier-qa');
    await p.context().close();
  }
});

function describe() {
  const el = document.activeElement;
  if (!el || el === document.body) return { tag: 'BODY', text: '', id: '' };
  return { tag: el.tagName, id: el.id, text: (el.innerText || el.value || '').trim().replace(/\s+/g, ' ') };
}

async function tabTo(page, matches, what, limit = 150) {
  const seen = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(describe);
    seen.push(`${f.tag}#${f.id} ${f.text}`.slice(0, 60));
    if (matches(f)) return f;
  }
  assert.fail(`could not reach ${what} with Tab; focus went through:\n  ${seen.join('\n  ')}`);
}

const byText = (t) => (f) => f.text === t || f.text.startsWith(t);
const byId = (id) => (f) => f.id === id;

test('a supplier builds a bid of three requests with the keyboard alone; the counter counts this bid only', async () => {
  // A pledge outside the bid does not count towards it.
  const requests = await life.mersey('GET', '/requests?status=published&limit=50');
  const minibus = requests.items.find((r) => r.title.startsWith('Funding for a minibus'));
  await life.mersey('POST', `/requests/${minibus.id}/pledges`, { offer: 'Minibus insurance', quantity: 1, unit: 'pounds', valuePence: 20000, allowPartial: true });

  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'supplier', `/contracts/${life.contractId}`);
  await h1(p, TITLE);
  await p.keyboard.press('Shift+Tab'); // start from the heading that has focus
  await tabTo(p, byText('Build a bid'), 'the Build a bid button');
  await p.keyboard.press('Enter');
  await h1Focused(p, 'Build your bid');
  await tabTo(p, byText('Start your bid'), 'the Start your bid button');
  await p.keyboard.press('Enter');
  await banner(p, 'Bid started');
  await p.getByText('0 of 3').waitFor();
  // Requests that match the contract's priorities come first, marked.
  const items = p.locator('.app-ranked > li');
  await items.first().waitFor();
  assert.match(await items.nth(0).innerText(), /Matches the contract’s priorities/);
  assert.match(await items.nth(1).innerText(), /Matches the contract’s priorities/);
  const matching = await p.locator('.app-ranked > li', { hasText: 'Matches the contract’s priorities' }).count();
  for (let i = matching; i < await items.count(); i++) assert.doesNotMatch(await items.nth(i).innerText(), /Matches the contract’s priorities/);
  await snap(p, 'bid-start');

  for (let n = 1; n <= 3; n++) {
    await p.keyboard.press('Shift+Tab');
    await tabTo(p, byText('Pledge to this request'), `pledge link ${n}`);
    await p.keyboard.press('Enter');
    await p.locator('#offer').waitFor();
    if (n === 1) await snap(p, 'bid-pledge-form');
    await tabTo(p, byId('offer'), 'the offer field');
    await p.keyboard.type(`Bid pledge ${n}: staff time and goods`);
    await tabTo(p, byId('pledge-quantity'), 'the quantity field');
    await p.keyboard.type('10');
    await tabTo(p, byId('pledge-value'), 'the value field');
    await p.keyboard.type(String(400 * n));
    await tabTo(p, byText('Send pledge'), 'the Send pledge button');
    await p.keyboard.press('Enter');
    await h1(p, 'Build your bid');
    await banner(p, 'Pledge added to your bid');
    await p.getByText(`${n} of 3`).waitFor();
  }
  assert.equal(await p.locator('main table tbody tr').count(), 3);
  await tabTo(p, byText('Submit your bid'), 'the Submit your bid button');
  await p.keyboard.press('Enter');
  await banner(p, `Bid submitted for ${REFERENCE}`);
  await p.getByText('Submitted', { exact: true }).waitFor();
  await snap(p, 'bid-submitted');
  await p.context().close();
});

test('a second supplier builds its bid; its social value lead is on its profile', async () => {
  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, OTHER, '/organisation');
  await h1(p, 'Your organisation');
  await p.getByRole('group', { name: 'Social value lead' }).waitFor();
  await p.locator('#contact-name').fill('Tina Tame');
  await p.locator('#contact-role').fill('Head of social value');
  await p.locator('#contact-email').fill('tina@tamevalley.example');
  await p.locator('#contact-phone').fill('0161 496 0000');
  await p.getByRole('button', { name: 'Save details' }).click();
  await banner(p, 'saved');
  await snap(p, 'supplier-profile-lead');
  const me = await life.tame('GET', '/me');
  const officer = await apiAs(server.url, 'officer');
  assert.deepEqual((await officer('GET', `/organisations/${me.organisation.id}`)).socialValueLead, { name: 'Tina Tame', role: 'Head of social value', email: 'tina@tamevalley.example', phone: '0161 496 0000' });

  await p.getByRole('link', { name: 'Tenders' }).click();
  await h1(p, 'Contracts open to bid');
  await p.getByRole('link', { name: TITLE }).waitFor();
  await snap(p, 'supplier-tenders');
  await p.getByRole('link', { name: TITLE }).click();
  await h1(p, TITLE);
  await p.getByRole('button', { name: 'Build a bid' }).click();
  await h1(p, 'Build your bid');
  await p.getByRole('button', { name: 'Start your bid' }).click();
  await p.getByText('0 of 3').waitFor();
  for (let n = 1; n <= 3; n++) {
    await p.getByRole('link', { name: /^Pledge to this request/ }).last().click();
    await p.locator('#offer').fill(`Tame Valley pledge ${n}`);
    await p.locator('#pledge-quantity').fill('5');
    await p.locator('#pledge-value').fill('250');
    await p.getByRole('button', { name: 'Send pledge' }).click();
    await h1(p, 'Build your bid');
    await p.getByText(`${n} of 3`).waitFor();
  }
  await p.getByRole('button', { name: 'Submit your bid' }).click();
  await banner(p, 'Bid submitted');
  await p.context().close();
});

test('the officer compares the bids side by side and awards one; the award shows what it did', async () => {
  const due = plusDays(200);
  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'officer');
  await h1(p, 'What needs attention');
  const attention = p.locator('section[aria-labelledby=procurement]');
  await attention.getByText('1 contract with bids to evaluate').waitFor();
  await attention.getByRole('link', { name: `${REFERENCE}: ${TITLE}` }).last().click();
  await h1Focused(p, 'Award the contract');
  const rows = p.locator('#bids-caption').locator('xpath=..').locator('tbody tr');
  assert.equal(await rows.count(), 2);
  const mersey = await rows.filter({ hasText: 'Mersey Build Ltd' }).innerText();
  // £400 + £800 + £1,200 of a £60,000 contract: 4.00%, three requests.
  assert.match(mersey, /£2,400\s+4\.00%\s+3\s/);
  assert.match(await rows.filter({ hasText: OTHER.org }).innerText(), /£750\s+1\.25%\s+3\s/);
  await p.getByRole('button', { name: 'Award the contract' }).click();
  await p.locator('.govuk-error-summary').getByRole('link', { name: 'Select the bid to award the contract to' }).waitFor();
  await snap(p, 'award-errors');
  await p.getByLabel('Mersey Build Ltd').check();
  await p.locator('#award-due-day').fill(due.day);
  await p.locator('#award-due-month').fill(due.month);
  await p.locator('#award-due-year').fill(due.year);
  await p.getByRole('button', { name: 'Award the contract' }).click();
  await p.locator('.govuk-error-summary').getByRole('link', { name: 'Confirm you are awarding the contract to Mersey Build Ltd' }).waitFor();
  await p.getByLabel('I confirm the award to Mersey Build Ltd').check();
  await snap(p, 'award-confirm');
  await p.getByRole('button', { name: 'Award the contract' }).click();
  await h1Focused(p, 'Contract awarded');
  const tables = p.locator('main table');
  const made = await tables.nth(0).innerText();
  assert.match(made, /3 commitments created/);
  assert.equal(await tables.nth(0).locator('tbody tr').count(), 3);
  const dueText = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(due.iso + 'T00:00:00Z'));
  for (const row of await tables.nth(0).locator('tbody tr').all()) assert.match(await row.innerText(), new RegExp(dueText));
  const declined = await tables.nth(1).innerText();
  assert.match(declined, new RegExp(`${OTHER.org}\\s+\\S`), 'the declined bid has a reason');
  life.dueText = dueText;
  await snap(p, 'award-done');

  await p.goto('/ledger');
  await h1(p, 'Social value ledger');
  const byContract = p.locator('table', { has: p.locator('caption', { hasText: 'By contract' }) });
  await byContract.waitFor();
  assert.match(await byContract.innerText(), new RegExp(`${REFERENCE}|${TITLE}`));
  assert.match(await byContract.innerText(), /£2,400/);
  await p.context().close();
});

test('the commitments show on the winning supplier’s pledges', async () => {
  const p = await newPage(browser, server.url, WIDE);
  await signIn(p, 'supplier', '/supplier/pledges');
  await h1(p, 'Your pledges');
  const rows = p.locator('main table tbody tr', { hasText: 'Bid pledge' });
  await rows.first().waitFor();
  assert.equal(await rows.count(), 3);
  for (const row of await rows.all()) assert.match(await row.innerText(), new RegExp(`Due by ${life.dueText}`));
  await snap(p, 'supplier-commitments');
  await p.context().close();
});
