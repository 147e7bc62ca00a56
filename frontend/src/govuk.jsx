// Thin Preact components that emit the documented GOV.UK Frontend markup.
// No maintained wrapper exists for govuk-frontend v6, and the app needs
// only a few, so these are ours; none needs the library's JavaScript.

import { useEffect, useRef, useState } from 'preact/hooks';
import { currentNavigation } from './router.jsx';
import { SessionEnded } from './api.js';
import { session } from './session.js';

const SERVICE = 'Needmatch';
let focusedNavigation = 0;
let focusedHeading = null;

function cx(...names) {
  return names.filter(Boolean).join(' ');
}

/**
 * Page sets the document title and, once per navigation, moves focus to
 * the page's h1 so screen reader and keyboard users start at the new
 * content. Views that make the h1 a label or legend pass heading={false}.
 */
export function Page({ title, caption, heading = true, error = false, back, children }) {
  useEffect(() => {
    const council = session().authority?.name;
    document.title = `${error ? 'Error: ' : ''}${title} - ${SERVICE}${council ? ` - ${council}` : ''}`;
  }, [title, error]);
  useEffect(() => {
    const nav = currentNavigation();
    if (nav === 0) return;
    // Once per navigation; again only if a loading heading that had focus
    // was replaced by the real one and focus fell back to the body.
    const lost = focusedHeading && !focusedHeading.isConnected && (!document.activeElement || document.activeElement === document.body);
    if (focusedNavigation === nav && !lost) return;
    const h1 = document.querySelector('main h1');
    if (!h1) return;
    focusedNavigation = nav;
    focusedHeading = h1;
    // A success banner carried from the last page says what just happened:
    // it keeps the focus it took (see Banner).
    if (document.activeElement?.matches?.('.govuk-notification-banner--success')) return;
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: false });
  });
  return (
    <>
      {back && <a href={back.href} class="govuk-back-link">{back.text || 'Back'}</a>}
      {heading && (
        <h1 class="govuk-heading-l app-break">
          {caption && <span class="govuk-caption-l">{caption}</span>}
          {title}
        </h1>
      )}
      {children}
    </>
  );
}

/**
 * ErrorSummary lists errors [{href, text}] at the top of a form, takes
 * focus when it appears, and moves focus to the field a link names.
 */
export function ErrorSummary({ errors }) {
  const ref = useRef(null);
  const key = errors.map((e) => e.text).join('|');
  useEffect(() => {
    if (errors.length && ref.current) ref.current.focus();
  }, [key]);
  if (!errors.length) return null;
  const jump = (e, href) => {
    if (!href.startsWith('#')) return;
    const el = document.getElementById(href.slice(1));
    if (!el) return;
    e.preventDefault();
    const label = el.closest('fieldset')?.querySelector('legend') || document.querySelector(`label[for="${el.id}"]`) || el;
    label.scrollIntoView();
    el.focus({ preventScroll: true });
  };
  return (
    <div class="govuk-error-summary" ref={ref} tabIndex={-1} data-module="govuk-error-summary">
      <div role="alert">
        <h2 class="govuk-error-summary__title">There is a problem</h2>
        <div class="govuk-error-summary__body">
          <ul class="govuk-list govuk-error-summary__list">
            {errors.map((e) => (
              <li key={e.href + e.text}>
                <a href={e.href} onClick={(ev) => jump(ev, e.href)}>{e.text}</a>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}

function ErrorMessage({ id, text }) {
  if (!text) return null;
  return (
    <p id={id} class="govuk-error-message">
      <span class="govuk-visually-hidden">Error:</span> {text}
    </p>
  );
}

function Hint({ id, children }) {
  return children ? <div id={id} class="govuk-hint">{children}</div> : null;
}

function describedBy(id, hint, error) {
  return cx(hint && `${id}-hint`, error && `${id}-error`) || undefined;
}

function Label({ id, label, asHeading }) {
  if (asHeading) {
    return (
      <h1 class="govuk-label-wrapper">
        <label class="govuk-label govuk-label--l" for={id}>{label}</label>
      </h1>
    );
  }
  return <label class="govuk-label" for={id}>{label}</label>;
}

/** Input is a labelled text input with hint, error, prefix and suffix. */
export function Input({ id, name, label, hint, error, value, onInput, type = 'text', width, prefix, suffix, asHeading, ...rest }) {
  const input = (
    <input
      class={cx('govuk-input', width && `govuk-input--width-${width}`, error && 'govuk-input--error')}
      id={id}
      name={name || id}
      type={type}
      value={value ?? ''}
      onInput={(e) => onInput(e.currentTarget.value)}
      aria-describedby={describedBy(id, hint, error)}
      {...rest}
    />
  );
  return (
    <div class={cx('govuk-form-group', error && 'govuk-form-group--error')}>
      <Label id={id} label={label} asHeading={asHeading} />
      <Hint id={`${id}-hint`}>{hint}</Hint>
      <ErrorMessage id={`${id}-error`} text={error} />
      {prefix || suffix ? (
        <div class="govuk-input__wrapper">
          {prefix && <div class="govuk-input__prefix" aria-hidden="true">{prefix}</div>}
          {input}
          {suffix && <div class="govuk-input__suffix" aria-hidden="true">{suffix}</div>}
        </div>
      ) : input}
    </div>
  );
}

/**
 * Textarea is a labelled multi-line input. With maxlength it is the GOV.UK
 * character count: the limit is said to screen readers with the field,
 * the characters left show under it (in red when over), and a polite live
 * region says the same a moment after typing stops.
 */
export function Textarea({ id, name, label, hint, error, value, onInput, rows = 5, asHeading, maxlength, ...rest }) {
  const length = [...(value ?? '')].length;
  const left = maxlength ? maxlength - length : 0;
  const message = left >= 0
    ? `You have ${left.toLocaleString('en-GB')} character${left === 1 ? '' : 's'} remaining`
    : `You have ${(-left).toLocaleString('en-GB')} character${left === -1 ? '' : 's'} too many`;
  const [spoken, setSpoken] = useState('');
  useEffect(() => {
    if (!maxlength) return undefined;
    const t = setTimeout(() => setSpoken(message), 1000);
    return () => clearTimeout(t);
  }, [message, maxlength]);
  const over = maxlength && left < 0;
  return (
    <div class={cx('govuk-form-group', maxlength && 'govuk-character-count', error && 'govuk-form-group--error')}>
      <Label id={id} label={label} asHeading={asHeading} />
      <Hint id={`${id}-hint`}>{hint}</Hint>
      <ErrorMessage id={`${id}-error`} text={error} />
      <textarea
        class={cx('govuk-textarea', (error || over) && 'govuk-textarea--error')}
        id={id}
        name={name || id}
        rows={rows}
        value={value ?? ''}
        onInput={(e) => onInput(e.currentTarget.value)}
        aria-describedby={cx(describedBy(id, hint, error), maxlength && `${id}-info`) || undefined}
        {...rest}
      />
      {maxlength && (
        <>
          <div id={`${id}-info`} class="govuk-hint govuk-character-count__message govuk-visually-hidden">
            You can enter up to {maxlength.toLocaleString('en-GB')} characters
          </div>
          <div class={cx('govuk-character-count__status', over ? 'govuk-error-message' : 'govuk-hint')} aria-hidden="true">{message}</div>
          <div class="govuk-character-count__sr-status govuk-visually-hidden" aria-live="polite">{spoken}</div>
        </>
      )}
    </div>
  );
}

/** Select is a labelled select; options are [{value, text}]. */
export function Select({ id, name, label, hint, error, value, onChange, options, asHeading }) {
  return (
    <div class={cx('govuk-form-group', error && 'govuk-form-group--error')}>
      <Label id={id} label={label} asHeading={asHeading} />
      <Hint id={`${id}-hint`}>{hint}</Hint>
      <ErrorMessage id={`${id}-error`} text={error} />
      <select
        class={cx('govuk-select', error && 'govuk-select--error')}
        id={id}
        name={name || id}
        value={value ?? ''}
        onChange={(e) => onChange(e.currentTarget.value)}
        aria-describedby={describedBy(id, hint, error)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>{o.text}</option>
        ))}
      </select>
    </div>
  );
}

function Legend({ legend, asHeading, size = 'l' }) {
  if (asHeading) {
    return (
      <legend class={`govuk-fieldset__legend govuk-fieldset__legend--${size}`}>
        <h1 class="govuk-fieldset__heading">{legend}</h1>
      </legend>
    );
  }
  return <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">{legend}</legend>;
}

/**
 * Radios is a fieldset of radios; the first radio's id is `id`. An option
 * may carry a conditional question (GOV.UK conditional reveal).
 */
export function Radios({ id, name, legend, hint, error, value, onChange, options, asHeading, inline }) {
  return (
    <div class={cx('govuk-form-group', error && 'govuk-form-group--error')}>
      <fieldset class="govuk-fieldset" aria-describedby={describedBy(id, hint, error)}>
        <Legend legend={legend} asHeading={asHeading} />
        <Hint id={`${id}-hint`}>{hint}</Hint>
        <ErrorMessage id={`${id}-error`} text={error} />
        <div class={cx('govuk-radios', inline && 'govuk-radios--inline')} data-module="govuk-radios">
          {options.map((o, i) => {
            const rid = i === 0 ? id : `${id}-${i + 1}`;
            const item = (
              <div class="govuk-radios__item" key={o.value}>
                <input
                  class="govuk-radios__input"
                  id={rid}
                  name={name || id}
                  type="radio"
                  value={o.value}
                  checked={value === o.value}
                  onChange={() => onChange(o.value)}
                  aria-describedby={o.hint ? `${rid}-item-hint` : undefined}
                />
                <label class="govuk-label govuk-radios__label" for={rid}>{o.text}</label>
                {o.hint && <div id={`${rid}-item-hint`} class="govuk-hint govuk-radios__hint">{o.hint}</div>}
              </div>
            );
            // An option's conditional question shows under it while it is chosen.
            if (o.conditional && value === o.value) {
              return [item, <div class="govuk-radios__conditional" id={`${rid}-conditional`} key={`${o.value}-conditional`}>{o.conditional}</div>];
            }
            return item;
          })}
        </div>
      </fieldset>
    </div>
  );
}

/** Checkbox is one checkbox in its own form group. */
export function Checkbox({ id, name, label, hint, checked, onChange, legend }) {
  const box = (
    <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
      <div class="govuk-checkboxes__item">
        <input
          class="govuk-checkboxes__input"
          id={id}
          name={name || id}
          type="checkbox"
          checked={!!checked}
          onChange={(e) => onChange(e.currentTarget.checked)}
          aria-describedby={hint ? `${id}-item-hint` : undefined}
        />
        <label class="govuk-label govuk-checkboxes__label" for={id}>{label}</label>
        {hint && <div id={`${id}-item-hint`} class="govuk-hint govuk-checkboxes__hint">{hint}</div>}
      </div>
    </div>
  );
  return (
    <div class="govuk-form-group">
      {legend ? (
        <fieldset class="govuk-fieldset">
          <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{legend}</legend>
          {box}
        </fieldset>
      ) : box}
    </div>
  );
}

/**
 * DateInput is the GOV.UK day, month, year input. value is {day, month,
 * year}; errorPart marks the part at fault (all three when unset).
 */
export function DateInput({ id, legend, hint, error, errorPart, value, onChange, asHeading }) {
  const parts = [
    ['day', 'Day', 2],
    ['month', 'Month', 2],
    ['year', 'Year', 4],
  ];
  return (
    <div class={cx('govuk-form-group', error && 'govuk-form-group--error')}>
      <fieldset class="govuk-fieldset" role="group" aria-describedby={describedBy(id, hint, error)}>
        <Legend legend={legend} asHeading={asHeading} />
        <Hint id={`${id}-hint`}>{hint}</Hint>
        <ErrorMessage id={`${id}-error`} text={error} />
        <div class="govuk-date-input" id={id}>
          {parts.map(([part, text, w]) => (
            <div class="govuk-date-input__item" key={part}>
              <div class="govuk-form-group">
                <label class="govuk-label govuk-date-input__label" for={`${id}-${part}`}>{text}</label>
                <input
                  class={cx('govuk-input govuk-date-input__input', `govuk-input--width-${w}`, error && (!errorPart || errorPart === part) && 'govuk-input--error')}
                  id={`${id}-${part}`}
                  name={`${id}-${part}`}
                  type="text"
                  inputMode="numeric"
                  value={value?.[part] ?? ''}
                  onInput={(e) => onChange(part, e.currentTarget.value)}
                />
              </div>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}

/** Button is a GOV.UK button; pass href for a link styled as a button. */
export function Button({ children, secondary, warning, start, href, type = 'submit', class: extra, ...rest }) {
  const className = cx('govuk-button', secondary && 'govuk-button--secondary', warning && 'govuk-button--warning', start && 'govuk-button--start', extra);
  if (href) {
    return (
      <a
        href={href}
        role="button"
        draggable="false"
        class={className}
        data-module="govuk-button"
        onKeyDown={(e) => {
          if (e.key === ' ') {
            e.preventDefault();
            e.currentTarget.click();
          }
        }}
        {...rest}
      >
        {children}
      </a>
    );
  }
  return (
    <button type={type} class={className} data-module="govuk-button" {...rest}>
      {children}
    </button>
  );
}

/** Tag shows a status; colour is a GOV.UK tag colour (blue is the default). */
export function Tag({ colour, children }) {
  return <strong class={cx('govuk-tag', colour && colour !== 'blue' && `govuk-tag--${colour}`)}>{children}</strong>;
}

/** Panel is the confirmation panel; its title is the page's h1. */
export function Panel({ title, children }) {
  return (
    <div class="govuk-panel govuk-panel--confirmation">
      <h1 class="govuk-panel__title">{title}</h1>
      {children && <div class="govuk-panel__body">{children}</div>}
    </div>
  );
}

/** SummaryList shows rows [{key, value, action: {href, text, hidden}}]. */
export function SummaryList({ rows }) {
  return (
    <dl class="govuk-summary-list">
      {rows.map((r) => (
        <div class={cx('govuk-summary-list__row', !r.action && 'govuk-summary-list__row--no-actions')} key={r.key}>
          <dt class="govuk-summary-list__key">{r.key}</dt>
          <dd class="govuk-summary-list__value app-break">{r.value}</dd>
          {r.action && (
            <dd class="govuk-summary-list__actions">
              <a class="govuk-link" href={r.action.href}>
                {r.action.text || 'Change'}
                <span class="govuk-visually-hidden"> {r.action.hidden || r.key.toLowerCase()}</span>
              </a>
            </dd>
          )}
        </div>
      ))}
    </dl>
  );
}

/**
 * Banner is a notification banner; a success banner is announced and
 * takes focus when it appears (GOV.UK's pattern), so after Publish, Verify
 * or Confirm the page scrolls to it instead of staying at the button.
 */
export function Banner({ success, title, children, id }) {
  const ref = useRef(null);
  useEffect(() => {
    if (success) ref.current?.focus();
  }, [success, title]);
  const titleId = id ? `${id}-title` : 'govuk-notification-banner-title';
  return (
    <div
      ref={ref}
      id={id}
      tabIndex={-1}
      class={cx('govuk-notification-banner', success && 'govuk-notification-banner--success')}
      role={success ? 'alert' : 'region'}
      aria-labelledby={titleId}
      data-module="govuk-notification-banner"
    >
      <div class="govuk-notification-banner__header">
        <h2 class="govuk-notification-banner__title" id={titleId}>
          {success ? 'Success' : 'Important'}
        </h2>
      </div>
      <div class="govuk-notification-banner__content">
        {title && <p class="govuk-notification-banner__heading">{title}</p>}
        {children}
      </div>
    </div>
  );
}

/** Inset is GOV.UK inset text. */
export function Inset({ children }) {
  return <div class="govuk-inset-text">{children}</div>;
}

/** Warning is GOV.UK warning text. */
export function Warning({ children }) {
  return (
    <div class="govuk-warning-text">
      <span class="govuk-warning-text__icon" aria-hidden="true">!</span>
      <strong class="govuk-warning-text__text">
        <span class="govuk-visually-hidden">Warning</span>
        {children}
      </strong>
    </div>
  );
}

/** Details is GOV.UK details (native <details>). */
export function Details({ summary, children, open }) {
  return (
    <details class="govuk-details" open={open}>
      <summary class="govuk-details__summary">
        <span class="govuk-details__summary-text">{summary}</span>
      </summary>
      <div class="govuk-details__text">{children}</div>
    </details>
  );
}

/**
 * useLoad runs an async loader when deps change and returns
 * {data, error, loading, reload, setData}.
 */
export function useLoad(loader, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    loader()
      .then((data) => live && setState({ data, error: null, loading: false }))
      .catch((error) => live && setState({ data: null, error, loading: false }));
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1), setData: (data) => setState((s) => ({ ...s, data })) };
}

/** Loading says content is on its way, politely, to screen readers too. */
export function Loading({ what = 'Loading' }) {
  return <p class="govuk-body app-loading" role="status">{what}…</p>;
}

/** Problem shows a failed load or action in words. */
export function Problem({ error }) {
  if (!error) return null;
  if (error instanceof SessionEnded) return <p class="govuk-body">Your session has ended. <a class="govuk-link" href="/sign-in">Sign in again</a>.</p>;
  if (error.status === 404) return <p class="govuk-body">We could not find this. It may have been removed, or you may not have access to it.</p>;
  if (error.status === 403) return <p class="govuk-body">Your account cannot do this.</p>;
  return (
    <div class="govuk-error-summary" role="alert">
      <h2 class="govuk-error-summary__title">Sorry, there is a problem</h2>
      <div class="govuk-error-summary__body">
        <p class="govuk-body">{error.message || 'Try again later.'}</p>
      </div>
    </div>
  );
}

/**
 * fieldErrors turns an ApiError's field errors into [{href, text}] for
 * ErrorSummary and a {field: text} map for the fields, using idFor to map
 * the API's field names (for example "organisation.name") to input ids.
 */
export function fieldErrors(err, idFor = (f) => f) {
  const list = [];
  const byField = {};
  if (err?.errors?.length) {
    for (const e of err.errors) {
      const id = idFor(e.field);
      if (!byField[e.field]) byField[e.field] = e.detail;
      list.push({ href: `#${id}`, text: e.detail });
    }
  } else if (err) {
    list.push({ href: '#main-content', text: err.message });
  }
  return { list, byField };
}

/** Checkboxes is a fieldset of checkboxes; value is an array of values. */
export function Checkboxes({ id, legend, hint, error, value = [], onChange, options, size }) {
  const toggle = (v, on) => onChange(on ? [...value.filter((x) => x !== v), v] : value.filter((x) => x !== v));
  return (
    <div class={cx('govuk-form-group', error && 'govuk-form-group--error')}>
      <fieldset class="govuk-fieldset" aria-describedby={describedBy(id, hint, error)}>
        <legend class={`govuk-fieldset__legend govuk-fieldset__legend--${size || 'm'}`}>{legend}</legend>
        <Hint id={`${id}-hint`}>{hint}</Hint>
        <ErrorMessage id={`${id}-error`} text={error} />
        <div class="govuk-checkboxes" data-module="govuk-checkboxes">
          {options.map((o, i) => {
            const cid = i === 0 ? id : `${id}-${i + 1}`;
            return (
              <div class="govuk-checkboxes__item" key={o.value}>
                <input class="govuk-checkboxes__input" id={cid} name={id} type="checkbox" value={o.value} checked={value.includes(o.value)} onChange={(e) => toggle(o.value, e.currentTarget.checked)} />
                <label class="govuk-label govuk-checkboxes__label" for={cid}>{o.text}</label>
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}
