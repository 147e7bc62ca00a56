// Words and small helpers for procurement (issue #11): contract stages,
// key dates, engagement tiers and the priorities a contract names. The
// rules themselves live in the service; this only says them for people.

import { api } from './api.js';

export const STAGES = [
  ['pipeline', 'Pipeline', 'grey'],
  ['pre_market', 'Pre-market engagement', 'light-blue'],
  ['tender', 'Open for tender', 'blue'],
  ['evaluation', 'Evaluation', 'purple'],
  ['awarded', 'Awarded', 'green'],
  ['live', 'Live', 'turquoise'],
  ['closed', 'Closed', 'grey'],
];

/** stageName gives a stage's words and tag colour. */
export function stageName(s) {
  const x = STAGES.find(([k]) => k === s);
  return x ? [x[1], x[2]] : [s, 'grey'];
}

/**
 * nextStages lists the moves an officer may ask for from stage s: the next
 * stage in order (a contract whose tier needs no pre-market engagement may
 * go from the pipeline straight to tender; award has its own page) and
 * closing. The service decides; this only offers the moves.
 */
export function nextStages(s) {
  const order = STAGES.map(([k]) => k);
  const i = order.indexOf(s);
  const out = [];
  const next = order[i + 1];
  if (next && next !== 'awarded' && next !== 'closed') out.push(next);
  if (s === 'pipeline') out.push('tender');
  if (s !== 'closed') out.push('closed');
  return out;
}

export const DATES = [
  ['preMarket', 'Pre-market engagement'],
  ['tenderOpens', 'Tender opens'],
  ['tenderCloses', 'Tender closes'],
  ['award', 'Award'],
  ['start', 'Contract starts'],
  ['end', 'Contract ends'],
];

export const TIERS = {
  none: 'No social value',
  light: 'Light',
  standard: 'Standard',
  enhanced: 'Enhanced',
};

/** tierName says a tier for people, preferring the label the service gives. */
export function tierName(t) {
  if (!t) return '';
  return t.label || TIERS[t.name] || t.name;
}

/** tierShort names a tier in a word ("Standard"). */
export function tierShort(t) {
  if (!t) return '';
  return TIERS[t.name] || t.name;
}

/** nextDate is the first of a contract's key dates on or after today. */
export function nextDate(c, today = new Date().toISOString().slice(0, 10)) {
  const d = c.dates || {};
  return DATES.map(([k, label]) => ({ key: k, label, date: d[k] })).filter((x) => x.date && x.date >= today).sort((a, b) => a.date.localeCompare(b.date))[0] || null;
}

/** themesOf lists the distinct themes of the council's measures catalogue. */
export async function themesOf() {
  const cat = await api('/measures');
  return [...new Set((cat.measures || []).map((m) => m.theme).filter(Boolean))].sort();
}

/** themeName capitalises a theme code ("jobs" -> "Jobs"). */
export function themeName(t) {
  return t ? t.charAt(0).toUpperCase() + t.slice(1).replace(/_/g, ' ') : '';
}
