// The app shell: council header, service navigation for the signed-in
// role, the routes, and the footer. Started once on page load.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.scss';
import { startRouter, useLocation, match, navigate, here } from './router.jsx';
import { start, useSession, clearNotice } from './session.js';
import { onSessionEnded } from './api.js';
import { Page, Loading, Banner } from './govuk.jsx';
import { routes } from './routes.jsx';
import { SETTINGS_PAGES } from './views/settings.jsx';
import { stackTables } from './stack.js';

function navItems(user) {
  if (!user) {
    return [
      ['/', 'Requests'],
      ['/wards', 'Need by ward'],
      ['/social-value', 'Social value'],
      ['/pipeline', 'Contracts coming up'],
      ['/sign-in', 'Sign in'],
      ['/register', 'Register'],
    ];
  }
  const common = [['/wards', 'Need by ward']];
  const out = [['/email-settings', 'Email settings'], ['/sign-out', 'Sign out']];
  switch (user.role) {
    case 'group':
      return [['/my/requests', 'Your requests'], ['/requests/new', 'Post a request'], ['/', 'All requests'], ['/organisation', 'Your organisation'], ...common, ...out];
    case 'supplier':
      return [['/supplier/requests', 'Requests for you'], ['/contracts', 'Tenders'], ['/supplier/pledges', 'Your pledges'], ['/supplier/record', 'Your record'], ['/ledger', 'Your ledger'], ['/organisation', 'Your organisation'], ['/supplier/councils', 'Your councils'], ...common, ...out];
    case 'region_officer':
      return [['/region', 'Your region'], ['/sign-out', 'Sign out']];
    case 'platform_admin':
      return [['/platform', 'Councils and partnerships'], ['/sign-out', 'Sign out']];
    default: {
      // The daily work; the rest is a link away under Settings (and Need by
      // ward in the footer).
      return [['/officer', 'Needs attention'], ['/officer/requests', 'Requests'], ['/contracts', 'Contracts'], ['/officer/allocation', 'Allocation'], ['/officer/overdue', 'Overdue'], ['/ledger', 'Ledger'],
        ['/officer/audit', 'Audit'], ['/officer/settings', 'Settings'], ['/sign-out', 'Sign out']];
    }
  }
}

function isActive(href, path) {
  if (href === '/') return path === '/';
  return path === href || path.startsWith(href + '/');
}

// Pages reached from a section whose path does not start with the
// section's: a proposal (/officer/allocations/:id) is the Allocation
// section's, not Needs attention's (/officer); the one-page summary is
// opened from the ledger.
const SECTIONS = [['/officer/allocations/', '/officer/allocation'], ['/officer/summary', '/ledger']];

/** sectionOf is the path whose navigation item marks path's section. */
function sectionOf(path) {
  const s = SECTIONS.find(([prefix]) => path === prefix || path.startsWith(prefix));
  return s ? s[1] : path;
}

// The GOV.UK service navigation's tablet breakpoint: narrower than this the
// links collapse behind a Menu button (as govuk-frontend's own script does).
const WIDE = '(min-width: 40.0625em)';

function useWide() {
  const [wide, setWide] = useState(() => window.matchMedia(WIDE).matches);
  useEffect(() => {
    const mql = window.matchMedia(WIDE);
    const change = () => setWide(mql.matches);
    mql.addEventListener('change', change);
    return () => mql.removeEventListener('change', change);
  }, []);
  return wide;
}

function Header({ user, path, council }) {
  const items = navItems(user);
  const wide = useWide();
  const [open, setOpen] = useState(false);
  // A link followed closes the menu; so does signing in or out.
  useEffect(() => setOpen(false), [path, user?.role]);
  // A page listed under Settings marks Settings (/officer/areas is not
  // Needs attention's, though its path starts with /officer).
  const underSettings = items.some(([h]) => h === '/officer/settings') && SETTINGS_PAGES.some((s) => s.links.some(([h]) => isActive(h, path)));
  const section = sectionOf(path);
  const active = underSettings ? '/officer/settings' : items.map(([h]) => h).filter((h) => isActive(h, section)).sort((a, b) => b.length - a.length)[0];
  return (
    <header>
      <div class="govuk-generic-header">
        <div class="govuk-generic-header__container govuk-width-container">
          <div class="govuk-generic-header__logo">
            <a href="/" class="govuk-generic-header__homepage-link">{council || 'Needmatch'}</a>
          </div>
        </div>
      </div>
      <section aria-label="Service information" class="govuk-service-navigation">
        <div class="govuk-width-container">
          <div class="govuk-service-navigation__container">
            <span class="govuk-service-navigation__service-name">
              <a href="/" class="govuk-service-navigation__link">Needmatch</a>
            </span>
            <nav aria-label="Menu" class="govuk-service-navigation__wrapper">
              <button type="button" class="govuk-service-navigation__toggle" aria-controls="navigation"
                hidden={wide} aria-hidden={wide ? 'true' : undefined} aria-expanded={wide ? undefined : String(open)}
                onClick={() => setOpen(!open)}>
                Menu
              </button>
              <ul class="govuk-service-navigation__list" id="navigation" hidden={!wide && !open}>
                {items.map(([href, text]) => (
                  <li class={`govuk-service-navigation__item${href === active ? ' govuk-service-navigation__item--active' : ''}`} key={href}>
                    <a class="govuk-service-navigation__link" href={href} aria-current={href === active ? 'page' : undefined}>
                      {href === active ? <strong class="govuk-service-navigation__active-fallback">{text}</strong> : text}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          </div>
        </div>
      </section>
    </header>
  );
}

function Footer({ council }) {
  return (
    <footer class="govuk-footer">
      <div class="govuk-width-container">
        <div class="govuk-footer__meta">
          <div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
            <h2 class="govuk-visually-hidden">Support links</h2>
            <ul class="govuk-footer__inline-list">
              <li class="govuk-footer__inline-list-item">
                <a class="govuk-footer__link" href="/accessibility">Accessibility statement</a>
              </li>
              <li class="govuk-footer__inline-list-item">
                <a class="govuk-footer__link" href="/wards">Need by ward</a>
              </li>
              <li class="govuk-footer__inline-list-item">
                <a class="govuk-footer__link" href="/social-value">Social value delivered</a>
              </li>
            </ul>
            <p class="govuk-body-s">
              Needmatch is run by {council || 'the council'} to match community needs with the social value that suppliers promise.
            </p>
          </div>
        </div>
      </div>
    </footer>
  );
}

function NotFound() {
  return (
    <Page title="Page not found">
      <p class="govuk-body">If you typed the web address, check it is correct.</p>
      <p class="govuk-body">
        <a class="govuk-link" href="/">Go to the list of requests</a>
      </p>
    </Page>
  );
}

function Forbidden({ user }) {
  return (
    <Page title="You cannot view this page">
      <p class="govuk-body">
        You are signed in as {user.email}, and this page is for a different kind of account.
      </p>
      <p class="govuk-body">
        <a class="govuk-link" href="/sign-out">Sign out</a> and sign in with the right account.
      </p>
    </Page>
  );
}

function Redirect({ to }) {
  // Replace, so Back does not bounce the person straight here again.
  useEffect(() => navigate(to, { replace: true }), [to]);
  return <Page title="Redirecting"><Loading /></Page>;
}

function App() {
  const loc = useLocation();
  const s = useSession();
  useEffect(() => clearNotice(loc.path), [loc.path]);
  let view = null;
  if (!s.ready) {
    view = <Page title="Loading"><Loading /></Page>;
  } else {
    // A platform admin's home is the platform's councils: the public home
    // page lists one council's requests.
    if (s.user?.role === 'platform_admin' && loc.path === '/') view = <Redirect to="/platform" />;
    for (const r of routes) {
      if (view) break;
      const params = match(r.path, loc.path);
      if (!params) continue;
      if (r.roles && !s.user) view = <Redirect to={`/sign-in?next=${encodeURIComponent(loc.path + loc.search)}`} />;
      else if (r.roles && !r.roles.includes(s.user.role)) view = <Forbidden user={s.user} />;
      else view = <r.view params={params} query={loc.query} session={s} key={r.path} />;
      break;
    }
    if (!view) view = <NotFound />;
  }
  return (
    <>
      <a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link" onClick={(e) => {
        e.preventDefault();
        const main = document.getElementById('main-content');
        main.setAttribute('tabindex', '-1');
        main.focus();
      }}>Skip to main content</a>
      <Header user={s.user} path={loc.path} council={s.authority?.name || (s.user && !s.authority ? 'Needmatch partnership' : undefined)} />
      <div class="govuk-width-container">
        <main class="govuk-main-wrapper" id="main-content">
          {s.notice && <Banner id="session-notice" title={s.notice} />}
          {view}
        </main>
      </div>
      <Footer council={s.authority?.name || (s.user && !s.authority ? 'the councils of the partnership' : undefined)} />
    </>
  );
}

document.body.classList.add('js-enabled', 'govuk-frontend-supported');
startRouter();
onSessionEnded(() => {
  // The form the person was filling in keeps its values in sessionStorage;
  // after signing in they come back to it.
  const next = here();
  if (!location.pathname.startsWith('/sign-in')) navigate(`/sign-in?expired=1&next=${encodeURIComponent(next)}`);
});
start();
render(<App />, document.getElementById('app'));
stackTables(document.getElementById('app'));
