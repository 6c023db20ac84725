//! The fraud report: calls per account and per destination country (answered calls, minutes,
//! spread, alerts), and its CSV form. Pure: both stores feed it the calls of the chosen time range.
import type { CallView, FraudReport, FraudRow } from './model';
import { callAccount, callDestination } from './model';

interface Tally {
  calls: number;
  answered: number;
  seconds: number;
  others: Set<string>;
  alerts: number;
}

function add(table: Map<string, Tally>, key: string, other: string, call: CallView): void {
  let t = table.get(key);
  if (t === undefined) {
    t = { calls: 0, answered: 0, seconds: 0, others: new Set(), alerts: 0 };
    table.set(key, t);
  }
  t.calls++;
  if (call.outcome === 'answered') {
    t.answered++;
    t.seconds += call.duration_s;
  }
  t.others.add(other);
  t.alerts += call.alert_ids.length;
}

function rows(table: Map<string, Tally>): FraudRow[] {
  return [...table]
    .map(([key, t]) => ({
      key,
      calls: t.calls,
      answered: t.answered,
      minutes: Math.round((t.seconds / 60) * 100) / 100,
      distinct: t.others.size,
      alerts: t.alerts,
    }))
    .sort((a, b) => b.minutes - a.minutes || b.calls - a.calls || a.key.localeCompare(b.key));
}

export function fraudReport(calls: Iterable<CallView>): FraudReport {
  const byAccount = new Map<string, Tally>();
  const byDestination = new Map<string, Tally>();
  const totals = { calls: 0, answered: 0, minutes: 0 };
  let seconds = 0;
  for (const call of calls) {
    const account = callAccount(call);
    const destination = callDestination(call);
    add(byAccount, account, destination, call);
    add(byDestination, destination, account, call);
    totals.calls++;
    if (call.outcome === 'answered') {
      totals.answered++;
      seconds += call.duration_s;
    }
  }
  totals.minutes = Math.round((seconds / 60) * 100) / 100;
  return { byAccount: rows(byAccount), byDestination: rows(byDestination), totals };
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading =+-@ is neutralised for spreadsheets. */
function csvField(value: string | number): string {
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function fraudCsv(report: FraudReport, by: 'account' | 'destination'): string {
  const other = by === 'account' ? 'destinations' : 'accounts';
  const header = [by, 'calls', 'answered', 'minutes', other, 'alerts'];
  const lines = [header.join(',')];
  for (const r of by === 'account' ? report.byAccount : report.byDestination) {
    lines.push([r.key, r.calls, r.answered, r.minutes, r.distinct, r.alerts].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
