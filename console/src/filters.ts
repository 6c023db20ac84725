//! Page filters: query string → typed query (bad values are dropped, never an error page), the
//! predicates the directory store applies, and the query string again for links and paging.
import type { AlertQuery, AlertView, CallQuery, CallView, TimeRange } from './model';

export const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
const SEVERITIES = new Set([21, 47, 73, 99]);

function text(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name)?.trim();
  return value === undefined || value === '' ? undefined : value.slice(0, 256);
}

function positiveInt(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const n = Number(params.get(name));
  return Number.isInteger(n) && n >= 1 ? Math.min(n, max) : fallback;
}

function nonNegative(params: URLSearchParams, name: string): number | undefined {
  const raw = text(params, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A date or date-time the browser's inputs send ("2026-11-28", "2026-11-28T18:10"), as ISO UTC. */
function instant(params: URLSearchParams, name: string): string | undefined {
  const raw = text(params, name);
  if (raw === undefined) return undefined;
  const withZone = /[zZ]|[+-]\d\d:?\d\d$/.test(raw) ? raw : `${raw}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function timeRange(params: URLSearchParams): TimeRange {
  const from = instant(params, 'from');
  const to = instant(params, 'to');
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function parseAlertQuery(params: URLSearchParams): AlertQuery {
  const severity = Number(params.get('severity'));
  return defined({
    ...timeRange(params),
    severity: SEVERITIES.has(severity) ? severity : undefined,
    signature: text(params, 'signature'),
    theme: text(params, 'theme'),
    source: text(params, 'source'),
    account: text(params, 'account'),
    campaign: text(params, 'campaign'),
    page: positiveInt(params, 'page', 1, 1_000_000),
    pageSize: positiveInt(params, 'size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  });
}

export function parseCallQuery(params: URLSearchParams): CallQuery {
  const answered = params.get('answered');
  return defined({
    ...timeRange(params),
    country: text(params, 'country'),
    numberType: text(params, 'number_type'),
    account: text(params, 'account'),
    minDurationS: nonNegative(params, 'min_duration'),
    maxDurationS: nonNegative(params, 'max_duration'),
    answered: answered === 'yes' ? true : answered === 'no' ? false : undefined,
    page: positiveInt(params, 'page', 1, 1_000_000),
    pageSize: positiveInt(params, 'size', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
  });
}

export function parseTimeRange(params: URLSearchParams): TimeRange {
  return timeRange(params);
}

function inRange(timestamp: string, range: TimeRange): boolean {
  const t = Date.parse(timestamp);
  if (range.from !== undefined && t < Date.parse(range.from)) return false;
  if (range.to !== undefined && t > Date.parse(range.to)) return false;
  return true;
}

/** Does the query filter on anything but time and paging? (Time is cut by binary search in the directory store.) */
export function hasFieldFilters(q: AlertQuery | CallQuery): boolean {
  return Object.entries(q).some(([k, v]) => v !== undefined && !['page', 'pageSize', 'from', 'to'].includes(k));
}

export function alertMatches(alert: AlertView, q: AlertQuery): boolean {
  if (q.severity !== undefined && alert.event.severity !== q.severity) return false;
  if (q.signature !== undefined && alert.rule.id !== q.signature) return false;
  if (q.theme !== undefined && !alert.sipward.fs38.theme.includes(q.theme)) return false;
  if (q.source !== undefined && alert.source?.ip !== q.source) return false;
  if (q.account !== undefined && alert.user?.name !== q.account) return false;
  if (q.campaign !== undefined && alert.sipward.campaign?.id !== q.campaign) return false;
  return inRange(alert['@timestamp'], q);
}

export function callMatches(call: CallView, q: CallQuery): boolean {
  if (q.country !== undefined && call.callee.country !== q.country) return false;
  if (q.numberType !== undefined && call.callee.number_type !== q.numberType) return false;
  if (q.account !== undefined && call.caller.user !== q.account && call.caller.auth_user !== q.account) return false;
  if (q.minDurationS !== undefined && call.duration_s < q.minDurationS) return false;
  if (q.maxDurationS !== undefined && call.duration_s > q.maxDurationS) return false;
  if (q.answered !== undefined && (call.outcome === 'answered') !== q.answered) return false;
  return inRange(call['@timestamp'], q);
}

/** The filters of a query as URL parameters (page left out: the caller sets it). */
export function alertQueryParams(q: AlertQuery): URLSearchParams {
  return new URLSearchParams(
    defined({
      severity: q.severity?.toString(),
      signature: q.signature,
      theme: q.theme,
      source: q.source,
      account: q.account,
      campaign: q.campaign,
      from: q.from,
      to: q.to,
      size: q.pageSize === DEFAULT_PAGE_SIZE ? undefined : String(q.pageSize),
    }) as Record<string, string>,
  );
}

export function callQueryParams(q: CallQuery): URLSearchParams {
  return new URLSearchParams(
    defined({
      country: q.country,
      number_type: q.numberType,
      account: q.account,
      min_duration: q.minDurationS?.toString(),
      max_duration: q.maxDurationS?.toString(),
      answered: q.answered === undefined ? undefined : q.answered ? 'yes' : 'no',
      from: q.from,
      to: q.to,
      size: q.pageSize === DEFAULT_PAGE_SIZE ? undefined : String(q.pageSize),
    }) as Record<string, string>,
  );
}
