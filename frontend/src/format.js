// Formatting for people: money in pounds, dates as "31 March 2027",
// and the parsing of what people type into money and date fields.

const pounds = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP', minimumFractionDigits: 0, maximumFractionDigits: 2 });
const poundsExact = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const longDate = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const dateTime = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', hour12: true, timeZone: 'Europe/London' });
const whole = new Intl.NumberFormat('en-GB');

/** money formats integer pence as "£1,800" or "£1,800.50". */
export function money(pence) {
  if (pence == null || Number.isNaN(Number(pence))) return '';
  const p = Number(pence);
  return (p % 100 === 0 ? pounds : poundsExact).format(p / 100);
}

/** number formats a whole number with thousands separators. */
export function number(n) {
  return n == null ? '' : whole.format(n);
}

/**
 * amount reads a quantity and its unit as people say it: "1 coat" and
 * "500 coats", "£1,200" where the unit is pounds (not "1200 pounds"),
 * "1 hour" for one of "hours".
 */
export function amount(quantity, unit) {
  const u = String(unit || '').trim();
  if (/^(pounds?|£|gbp|pounds sterling)$/i.test(u)) return money(Number(quantity) * 100);
  if (Number(quantity) === 1 && !/\s/.test(u)) {
    if (/ies$/i.test(u)) return `1 ${u.slice(0, -3)}y`;
    if (/(ches|shes|sses|xes)$/i.test(u)) return `1 ${u.slice(0, -2)}`;
    if (/[^s]s$/i.test(u)) return `1 ${u.slice(0, -1)}`;
  }
  return `${number(quantity)} ${u}`.trim();
}

/** date formats an RFC 3339 time or a plain date as "31 March 2027". */
export function date(value) {
  if (!value) return '';
  const d = new Date(value.length === 10 ? value + 'T00:00:00Z' : value);
  return Number.isNaN(d.getTime()) ? '' : longDate.format(d);
}

/** dateTime formats an RFC 3339 time as "31 March 2027 at 2:05pm" (UK time). */
export function dateAndTime(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  return dateTime.format(d).replace(',', ' at').replace(' am', 'am').replace(' pm', 'pm');
}

/**
 * parsePounds turns what someone typed ("1,800", "£1800.50") into pence,
 * or returns null when it is not an amount of money.
 */
export function parsePounds(text) {
  const s = String(text ?? '').trim().replace(/^£/, '').replace(/,/g, '').trim();
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return null;
  const [p, f = ''] = s.split('.');
  const pence = Number(p) * 100 + Number((f + '00').slice(0, 2));
  return Number.isSafeInteger(pence) ? pence : null;
}

/** penceToPounds turns pence back into the text of a money field ("1800.50"). */
export function penceToPounds(pence) {
  if (pence == null || pence === '') return '';
  const p = Number(pence);
  return p % 100 === 0 ? String(p / 100) : (p / 100).toFixed(2);
}

/** parseWhole turns "1,200" into 1200, or null. */
export function parseWhole(text) {
  const s = String(text ?? '').trim().replace(/,/g, '');
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * parseDateParts checks a GOV.UK date input's day, month and year and
 * returns "YYYY-MM-DD", or an error message naming what is wrong.
 */
export function parseDateParts({ day, month, year }, what = 'The date') {
  const d = String(day ?? '').trim(), m = String(month ?? '').trim(), y = String(year ?? '').trim();
  if (!d && !m && !y) return { error: `Enter ${what.toLowerCase()}` };
  const missing = [!d && 'day', !m && 'month', !y && 'year'].filter(Boolean);
  if (missing.length) return { error: `${what} must include a ${missing.join(' and ')}`, part: missing[0] };
  if (!/^\d{1,2}$/.test(d) || !/^\d{1,2}$/.test(m) || !/^\d{4}$/.test(y)) return { error: `${what} must be a real date` };
  const dt = new Date(Date.UTC(+y, +m - 1, +d));
  if (dt.getUTCFullYear() !== +y || dt.getUTCMonth() !== +m - 1 || dt.getUTCDate() !== +d) return { error: `${what} must be a real date` };
  return { value: `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}` };
}

/** plural picks "1 request" or "2 requests". */
export function plural(n, one, many = one + 's') {
  return `${number(n)} ${n === 1 ? one : many}`;
}

export const KINDS = [
  { value: 'volunteering', text: 'Volunteering', hint: 'People giving their time, for example sorting donations or mentoring' },
  { value: 'goods', text: 'Goods or equipment', hint: 'Things, for example laptops, furniture or food' },
  { value: 'funding', text: 'Funding', hint: 'Money towards a cost' },
  { value: 'advice', text: 'Expert advice', hint: 'Professional help, for example with accounts, bids or legal questions' },
  { value: 'jobs', text: 'Jobs and training', hint: 'Work placements, apprenticeships or training for local people' },
  { value: 'works', text: 'Works', hint: 'Building, repair or decorating work' },
];

/** kindName names a request kind for people. */
export function kindName(kind) {
  return KINDS.find((k) => k.value === kind)?.text ?? kind;
}

const REQUEST_STATUS = {
  draft: ['Draft', 'grey'],
  submitted: ['Waiting for approval', 'blue'],
  published: ['Published', 'green'],
  rejected: ['Rejected', 'red'],
  partly_matched: ['Partly matched', 'yellow'],
  matched: ['Matched', 'teal'],
  in_delivery: ['In delivery', 'purple'],
  delivered: ['Delivered', 'turquoise'],
  closed: ['Closed', 'grey'],
  withdrawn: ['Withdrawn', 'grey'],
  expired: ['Expired', 'orange'],
};

const PLEDGE_STATUS = {
  offered: ['Waiting for decision', 'blue'],
  approved: ['Approved', 'green'],
  declined: ['Declined', 'red'],
  in_delivery: ['In delivery', 'purple'],
  delivered: ['Delivered', 'turquoise'],
  confirmed: ['Confirmed by group', 'teal'],
  verified: ['Verified', 'green'],
  lapsed: ['Lapsed', 'orange'],
  withdrawn: ['Withdrawn', 'grey'],
};

/** requestStatus gives the words and tag colour of a request status. */
export function requestStatus(s) {
  return REQUEST_STATUS[s] ?? [s, 'grey'];
}

/** pledgeStatus gives the words and tag colour of a pledge status. */
export function pledgeStatus(s) {
  return PLEDGE_STATUS[s] ?? [s, 'grey'];
}

// The matcher explains a score about "the supplier"; a supplier reading
// its own ranked list is addressed as "you". Longest phrases first.
const YOU = [
  [/\bThe supplier has not said what it offers\b/g, 'You have not said what you offer'],
  [/\bNew supplier with no delivery record yet\b/g, 'You have no delivery record yet'],
  [/\bthe supplier offers\b/g, 'you offer'],
  [/\bthe supplier works\b/g, 'you work'],
  [/\bthe supplier does not offer\b/g, 'you do not offer'],
  [/\bThe supplier's base is\b/g, 'Your base is'],
  [/\bno location for the supplier\b/g, 'no location for you'],
  [/\bthe supplier asked\b/g, 'you asked'],
  [/\band allows part of it\b/g, 'and allow part of it'],
  [/\bThe supplier\b/g, 'You'],
  [/\bthe supplier\b/g, 'you'],
];

/** toYou rewrites a matcher explanation for the supplier it is about. */
export function toYou(text) {
  return YOU.reduce((t, [re, to]) => t.replace(re, to), String(text ?? ''));
}
