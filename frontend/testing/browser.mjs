// Shared pieces of the browser tests: start the real needmatch binary on a
// fresh data directory and a free port, drive Debian's chromium through
// playwright-core, scan pages with axe, and save screenshots.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const here = dirname(fileURLToPath(import.meta.url)); // frontend/testing
export const FRONTEND = resolve(here, '..');
export const RESULTS = join(FRONTEND, 'test-results');
export const BIN = process.env.NEEDMATCH_BIN || resolve(FRONTEND, '../bin/needmatch');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const ACCOUNTS = {
  officer: { email: 'officer@stockport.example', password: 'officer-demo-pass' },
  admin: { email: 'admin@stockport.example', password: 'admin-demo-pass' },
  group: { email: 'group@stockport.example', password: 'group-demo-pass1' },
  supplier: { email: 'supplier@stockport.example', password: 'supplier-demo-pass' },
  region_officer: { email: 'lead@star.example', password: 'region-demo-pass' },
  platform_admin: { email: 'platform@needmatch.example', password: 'platform-demo-pass' },
};

/**
 * PARTNERSHIP is a startServer setup: a test council, "Trafford (test
 * council)", with no wards, in region "star" with Stockport, and star's
 * region officer (ACCOUNTS.region_officer).
 */
export const PARTNERSHIP = [
  { args: ['authority', 'create', '--slug', 'trafford', '--name', 'Trafford (test council)'] },
  { args: ['region', 'create', '--slug', 'star', '--name', 'STAR Procurement', '--authorities', 'stockport,trafford'] },
  { args: ['user', 'create', '--role', 'region_officer', '--email', 'lead@star.example', '--region', 'star', '--password-stdin'], stdin: 'region-demo-pass' },
];

export const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function run(args, env, stdin) {
  return new Promise((ok, fail) => {
    const p = spawn(BIN, args, { env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (stdin !== undefined) p.stdin.end(stdin);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', fail);
    p.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`${BIN} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

/**
 * startMailpit runs the Mailpit that scripts/ensure-mailpit installed (or
 * NEEDMATCH_MAILPIT) on free ports. It returns {smtpURL, messages(), body(id),
 * stop}: messages lists what arrived, newest first.
 */
export async function startMailpit() {
  const bin = process.env.NEEDMATCH_MAILPIT
    || join(process.env.NEEDMATCH_TOOLS_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'needmatch', 'mailpit-v1.33.1'), 'mailpit');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/ensure-mailpit`);
  const [smtp, http] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'needmatch-mailpit-'));
  const proc = spawn(bin, ['--smtp', `127.0.0.1:${smtp}`, '--listen', `127.0.0.1:${http}`, '--quiet', '--disable-version-check', '--database', join(dir, 'mail.db')], { stdio: 'ignore' });
  const api = `http://127.0.0.1:${http}/api/v1`;
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${http}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('mailpit did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    smtpURL: `smtp://127.0.0.1:${smtp}`,
    messages: async () => (await (await fetch(`${api}/messages?limit=500`)).json()).messages,
    body: async (id) => (await fetch(`${api}/message/${id}`)).json(),
    stop() {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * startServer seeds a fresh data directory and serves it on a free port.
 * It returns {url, stop}; stop kills the server and removes the directory.
 * setup, when given, runs commands of the binary after the seed and before
 * the server starts: each {args, stdin}, args with ${dir} for the data
 * directory (the platform's councils and regions, for example).
 */
export async function startServer(extraEnv = {}, setup = []) {
  if (!existsSync(BIN)) {
    throw new Error(`${BIN} is missing: build it with \`npm run build\` here, then \`go build -o bin/needmatch ./cmd/needmatch\` at the top (or set NEEDMATCH_BIN)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'needmatch-ui-'));
  const port = await freePort();
  // Rate limits are off unless a test asks for them: a file signs in 20 or
  // more times in under a minute from one address, past the login limit of
  // 30 a minute (burst 10), and on a fast machine CI's sign-ins were refused
  // with 429. The limits are the Go tests' to check (api/ratelimit_test.go).
  const env = { ...process.env, NEEDMATCH_RATE_LIMITS: 'off', NEEDMATCH_DATA_DIR: dir, NEEDMATCH_ADDR: `127.0.0.1:${port}`, ...extraEnv };
  await run(['seed'], env);
  for (const step of setup) await run(step.args.map((a) => a.replaceAll('${dir}', dir)), env, step.stdin);
  const proc = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const exited = new Promise((ok) => proc.on('exit', ok));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`needmatch serve did not become healthy:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => log,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** launch starts headless chromium with the flags that work here. */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * newPage opens a page in a fresh context (axe needs a context page) and
 * records page errors, which tests assert are none.
 */
export async function newPage(browser, baseURL, viewport = { width: 1100, height: 900 }) {
  const context = await browser.newContext({ baseURL, viewport });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  // A Content-Security-Policy refusal (an inline style, say) is a bug: the
  // server's policy allows only the app's own files.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) page.errors.push(m.text());
  });
  page.setDefaultTimeout(10000);
  return page;
}

/** axe scans the page against WCAG 2.2 AA and fails on any violation. */
export async function axe(page, name) {
  const result = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  const detail = result.violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => '    ' + n.target.join(' ') + ' ' + n.failureSummary.replace(/\n/g, ' ')).join('\n')}`)
    .join('\n');
  assert.equal(result.violations.length, 0, `axe found violations on ${name} (${page.url()}):\n${detail}`);
  return result;
}

/** shot saves a full-page screenshot to test-results/<name>.png. */
export async function shot(page, name) {
  mkdirSync(RESULTS, { recursive: true });
  // A full-page picture of a long list takes seconds on a loaded machine:
  // it is a record for people to look at, not a check of speed.
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true, timeout: 60000 });
}

/** check scans and photographs a view in one go. */
export async function check(page, name) {
  await shot(page, name);
  await axe(page, name);
  assert.deepEqual(page.errors || [], [], `script errors or CSP refusals on ${name}`);
}

/** h1 waits for the page's h1 to read text. */
export async function h1(page, text) {
  await page.locator('main h1').filter({ hasText: text }).first().waitFor();
  // A view renders its heading before its data arrives: reading the page
  // straight after the heading raced the load on a busy machine (the public
  // social value page was read as 'Loading…'). Wait for what the view loads.
  await page.locator('main .app-loading').first().waitFor({ state: 'detached' });
}

/**
 * h1Focused waits for the view's heading and for focus to reach it: the
 * app moves focus in an effect after the heading renders, so reading
 * document.activeElement as soon as the heading shows races that effect.
 * It fails (timeout) if focus never gets there.
 */
export async function h1Focused(page, text) {
  await h1(page, text);
  await page.waitForFunction((t) => document.activeElement?.tagName === 'H1' && document.activeElement.innerText.includes(t), text);
}

/**
 * focusIs waits for read (run in the page) to give expected, then asserts
 * it. The app moves focus in an effect after it renders, so reading
 * document.activeElement as soon as the text shows races that effect: CI
 * saw focus still on the button a moment after the result appeared. It
 * polls from here rather than with waitForFunction, which would need eval
 * under the app's CSP; after 10 s (eventually) it fails with what focus was on.
 */
export async function focusIs(page, read, expected, message) {
  const got = await eventually(() => page.evaluate(read), (v) => v === expected, message || `focus: expected ${JSON.stringify(expected)}`);
  assert.equal(got, expected, message);
}

/**
 * eventually reads (an async function of the test, e.g. a locator's
 * allInnerTexts) until ok(value) holds, for up to 10 s, and returns that
 * value; after that it fails with message and the value it last read. A
 * view that filters or reloads shows its new heading before its new rows
 * arrive: CI read a ledger table filtered to a year while it was still
 * loading (two test files at a time make such gaps longer).
 */
export async function eventually(read, ok, message) {
  const deadline = Date.now() + 10000;
  let got = await read();
  while (!ok(got) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    got = await read();
  }
  assert.ok(ok(got), `${message} (last read: ${JSON.stringify(got)})`);
  return got;
}

/** textsAre waits for the locator's texts to be expected (see eventually). */
export async function textsAre(locator, expected, message) {
  const got = await eventually(() => locator.allInnerTexts(), (texts) => JSON.stringify(texts) === JSON.stringify(expected), message);
  assert.deepEqual(got, expected, message);
}

/** signIn signs in through the form and waits to land. */
export async function signIn(page, who, next = '') {
  const a = ACCOUNTS[who] || who;
  await page.goto('/sign-in' + (next ? `?next=${encodeURIComponent(next)}` : ''));
  await page.getByLabel('Email address').fill(a.email);
  await page.getByLabel('Password').fill(a.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

/** apiAs signs in over the API and returns a fetch helper with the token. */
export async function apiAs(url, who) {
  const a = ACCOUNTS[who] || who;
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(a) });
  assert.equal(res.status, 200, `login ${a.email}: ${await res.clone().text()}`);
  const { accessToken } = await res.json();
  return async (method, path, body) => {
    const r = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${accessToken}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    const data = text ? JSON.parse(text) : null;
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return data;
  };
}

/** VERIFY_SUBJECT is the subject of the mail that confirms an address. */
export const VERIFY_SUBJECT = 'Confirm your email address for needmatch';

/**
 * verifyFromSentMail confirms a newly registered address the way a person
 * would, by the link in its mail: read (as the admin) from Sent mail, the
 * outbox a server without SMTP keeps, and opened on the real route.
 */
export async function verifyFromSentMail(url, email) {
  const admin = await apiAs(url, 'admin');
  const { items } = await admin('GET', '/mail?limit=200');
  const m = items.find((x) => x.to === email && x.subject === VERIFY_SUBJECT);
  assert.ok(m, `no verification mail to ${email} in Sent mail`);
  const token = m.text.match(/\/verify-email\?token=([A-Za-z0-9_-]+)/)?.[1];
  assert.ok(token, `no verification link in ${m.text}`);
  const res = await fetch(`${url}/api/v1/auth/verify-email`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) });
  assert.equal(res.status, 200, `verify ${email}: ${await res.clone().text()}`);
}
