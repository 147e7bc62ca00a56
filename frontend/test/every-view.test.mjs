// Every view, on a phone and on a desktop: the sweep reads the route table
// (src/routes.jsx) itself, so a view added there later is visited too. Each
// route is opened by the roles it allows (signed out when it allows anyone;
// the home page by every role as well, for each role's navigation), at
// 360 px and at 1280 px. At 360 px nothing may scroll sideways
// (document.documentElement.scrollWidth > innerWidth); at both widths axe
// finds no WCAG 2.2 AA violation and the page throws no script error.
//
// A route with a parameter needs an example: EXAMPLES below names one per
// parameter (by the path segment before it); a new kind of parameter makes
// the sweep fail and say what to add.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, newPage, axe, shot, signIn, apiAs, FRONTEND, PARTNERSHIP } from '../testing/browser.mjs';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 900 };
// Every account the app has; anyone-routes are visited by each and signed out.
const ROLES = ['group', 'supplier', 'officer', 'admin', 'platform_admin'];

/**
 * readRoutes parses src/routes.jsx: each `{ path: '...', view: X, roles: R }`
 * entry, with R a list of quoted roles, a constant naming one (GROUP), or a
 * list spreading one ([...OFFICER]).
 */
export function readRoutes(src) {
  const consts = {};
  for (const m of src.matchAll(/const ([A-Z_]+) = (\[[^\]]*\]);/g)) consts[m[1]] = m[2];
  const list = (expr) => {
    expr = expr.trim();
    if (consts[expr]) return list(consts[expr]);
    assert.ok(expr.startsWith('[') && expr.endsWith(']'), `cannot read roles ${expr}`);
    const out = [];
    for (const part of expr.slice(1, -1).split(',').map((x) => x.trim()).filter(Boolean)) {
      if (part.startsWith('...')) out.push(...list(part.slice(3)));
      else if (/^'[^']+'$/.test(part)) out.push(part.slice(1, -1));
      else out.push(...list(part));
    }
    return out;
  };
  const routes = [];
  for (const m of src.matchAll(/\{ path: '([^']+)', view: \w+(?:, roles: ([^}]+?))? \}/g)) {
    routes.push({ path: m[1], roles: m[2] ? list(m[2]) : null });
  }
  const declared = (src.match(/\bpath: '/g) || []).length;
  assert.equal(routes.length, declared, 'every route in routes.jsx is read (keep the one-line { path, view, roles } form)');
  return routes;
}

let server, browser;
const EXAMPLES = {}; // "segment/:param" or ":param" -> [concrete values]
const OVERRIDES = {}; // full pattern -> [concrete values] where the generic one would be the wrong state

before(async () => {
  server = await startServer({ NEEDMATCH_RATE_LIMITS: 'off' }, PARTNERSHIP);
  browser = await launch();
  const officer = await apiAs(server.url, 'officer');
  const supplier = await apiAs(server.url, 'supplier');
  const group = await apiAs(server.url, 'group');
  const published = (await (await fetch(`${server.url}/api/v1/requests?limit=50`)).json()).items;
  const today = new Date().toISOString().slice(0, 10);
  const pledge = (r, valuePence) => supplier('POST', `/requests/${r.id}/pledges`, { offer: `Our help with ${r.title.toLowerCase()}`, quantity: 1, unit: r.unit, valuePence, allowPartial: true });
  // One pledge approved and delivered, two left offered (one for the allocation).
  const approved = await pledge(published[0], 20000);
  await officer('POST', `/pledges/${approved.id}/approve`, {});
  const delivery = await supplier('POST', `/pledges/${approved.id}/deliveries`, { quantity: 1, date: today, notes: 'Delivered in full', evidenceIds: [] });
  const offered = await pledge(published[1], 30000);
  await pledge(published[2], 40000);
  const allocation = await officer('POST', '/allocations', {});
  // A request sent to the council and not yet published.
  const sent = await group('POST', '/requests', {
    title: 'Paint for the community hall', description: 'Twenty tins of white emulsion.', kind: 'goods', area: published[0].area,
    quantity: 20, unit: 'tins', valuePence: 40000, deadline: `${new Date().getUTCFullYear() + 1}-06-30`,
  });
  await group('POST', `/requests/${sent.id}/submit`, {});
  // An organisation waiting for approval.
  const reg = await fetch(`${server.url}/api/v1/auth/register`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'pending@stockport.example', password: 'a pending demo password', name: 'Pat Pending', role: 'group', organisation: { name: 'Heaton Mersey Allotment Society', authority: 'stockport' } }),
  });
  assert.equal(reg.status, 202, await reg.clone().text());
  const pendingOrg = (await apiAs(server.url, { email: 'pending@stockport.example', password: 'a pending demo password' }))('GET', '/me');
  const me = await supplier('GET', '/me');
  // A contract at tender (the seed has one in each stage): its page, the
  // supplier's bid builder, the officer's award and edit pages.
  const tender = (await officer('GET', '/contracts?stage=tender')).items[0];
  assert.ok(tender, 'the seed has a contract at tender');
  Object.assign(EXAMPLES, {
    'contracts/:id': [tender.id],
    'requests/:id': [published[0].id],
    'organisations/:id': [(await pendingOrg).organisation.id],
    'pledges/:id': [offered.id],
    'allocations/:id': [allocation.id],
    'deliveries/:id': [delivery.id],
    'suppliers/:id': [me.organisation.id],
    'new/:step': ['what', 'kind', 'area', 'quantity', 'value', 'deadline'],
    'councils/:slug': ['trafford'],
  });
  Object.assign(OVERRIDES, {
    '/requests/:id/edit': [sent.id],
    '/requests/:id/sent': [sent.id],
    '/officer/requests/:id/reject': [sent.id],
    '/supplier/pledges/:id/deliver': [approved.id],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** expand turns a pattern into the concrete paths to visit. */
function expand(pattern) {
  if (OVERRIDES[pattern]) return OVERRIDES[pattern].map((v) => pattern.replace(/:\w+/, v));
  let paths = [pattern];
  const segs = pattern.split('/');
  segs.forEach((s, i) => {
    if (!s.startsWith(':')) return;
    const key = `${segs[i - 1]}/${s}`;
    const values = EXAMPLES[key];
    assert.ok(values, `the sweep has no example for ${key} in ${pattern}: add one to EXAMPLES in test/every-view.test.mjs`);
    paths = paths.flatMap((p) => values.map((v) => p.replace(s, v)));
  });
  return paths;
}

/** settle waits for the view's heading and for nothing to be loading. */
async function settle(page) {
  await page.locator('main h1').first().waitFor();
  await page.waitForFunction(() => ![...document.querySelectorAll('main [role=status]')].some((e) => /Loading|Redirecting/.test(e.textContent)));
  await page.waitForLoadState('networkidle');
}

async function sideways(page) {
  return page.evaluate(() => {
    const over = document.documentElement.scrollWidth - window.innerWidth;
    if (over <= 0) return null;
    // Name the widest things, to say what to fix.
    const wide = [...document.querySelectorAll('main *, header *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''} (right edge ${Math.round(e.getBoundingClientRect().right)}px)`);
    return `${over}px too wide: ${wide.join(', ')}`;
  });
}

test('every view fits a 360 px phone without sideways scrolling, and axe finds nothing at 360 and 1280 px', async () => {
  const routes = readRoutes(readFileSync(join(FRONTEND, 'src/routes.jsx'), 'utf8'));
  assert.ok(routes.length >= 30, `only ${routes.length} routes read`);
  const who = new Map([[null, []]]);
  for (const r of routes) {
    // Each role opens what it may open; an admin sees the officer's views
    // as the officer does, so those shared with the officer are opened by
    // the officer. Anyone's views are opened signed out, and the home page
    // by every role too (each has its own navigation).
    let visitors = r.roles ? r.roles.filter((x) => x !== 'admin' || !r.roles.includes('officer')) : [null];
    if (r.path === '/') visitors = [null, ...ROLES];
    for (const v of visitors) {
      if (!who.has(v)) who.set(v, []);
      who.get(v).push(...expand(r.path));
    }
  }
  const failures = [];
  let visits = 0;
  const only = process.env.SWEEP_ONLY ? new RegExp(process.env.SWEEP_ONLY) : null;
  // The visits go in runs of at most RUN paths, each run on its own page
  // signed in as its role, and two runs at a time: a visit mostly waits (for
  // the network to go quiet, for axe), so two pages at once take about half
  // the time on two cores, and the runs keep the last ones from waiting on
  // one long role.
  const RUN = 12;
  const runs = [];
  for (const [role, paths] of who) {
    const mine = paths.filter((path) => !only || only.test(`${role || 'anonymous'} ${path}`));
    for (let i = 0; i < mine.length; i += RUN) runs.push({ role, paths: mine.slice(i, i + RUN) });
  }
  const visit = async ({ role, paths }) => {
    const page = await newPage(browser, server.url, PHONE);
    if (role) await signIn(page, role);
    for (const path of paths) {
      const name = `sweep-${role || 'anonymous'}${path.replace(/[^a-z0-9]+/gi, '-')}`.replace(/-$/, '');
      // Opened on the phone, then the same page widened to a desktop.
      await page.setViewportSize(PHONE);
      await page.goto(path);
      try {
        await settle(page);
      } catch (e) {
        failures.push(`${role || 'anonymous'} ${path}: the view never settled (${e.message.split('\n')[0]})`);
        continue;
      }
      for (const viewport of [PHONE, DESKTOP]) {
        if (viewport !== PHONE) {
          await page.setViewportSize(viewport);
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        }
        visits++;
        if (process.env.SWEEP_LOG) appendFileSync(process.env.SWEEP_LOG, `${new Date().toISOString()} ${role || 'anonymous'} ${path} ${viewport.width}\n`);
        if (viewport === PHONE) {
          const over = await sideways(page);
          if (over) failures.push(`${role || 'anonymous'} ${path} at 360 px: ${over}`);
        }
        if (process.env.SWEEP_SHOTS) await shot(page, `${name}-${viewport.width}`);
        try {
          await axe(page, `${path} as ${role || 'anonymous'} at ${viewport.width} px`);
        } catch (e) {
          failures.push(e.message);
        }
        if (page.errors.length) failures.push(`${role || 'anonymous'} ${path}: ${page.errors.splice(0).join('; ')}`);
      }
    }
    await page.context().close();
  };
  const worker = async () => {
    for (let run = runs.shift(); run; run = runs.shift()) await visit(run);
  };
  await Promise.all([worker(), worker()]);
  assert.ok(only || visits >= 2 * routes.length, `only ${visits} views visited`);
  assert.deepEqual(failures, [], `${failures.length} problems in ${visits} views:\n${failures.join('\n')}`);
});
