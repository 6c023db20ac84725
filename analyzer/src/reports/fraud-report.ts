//! `sipward report fraud`: call records → per account, per destination (country / number type,
//! high-risk category) and per trunk (the address the INVITE came from): calls, answered, minutes,
//! cost with a rate table, peak concurrency, first/last call, linked alerts — ranked, with totals.
//! Pure: the records come from a file or Elasticsearch (call-source.ts), the text goes to the CLI.
import type { CallRecord } from '../../../schema/src/call-record';
import type { HighRiskList } from '../calls/numbers';

export type ReportDimension = 'account' | 'destination' | 'trunk';

export interface RateTable {
  /** Price per minute of the longest matching E.164 prefix, or undefined when none matches. */
  rateOf(e164: string): number | undefined;
}

export interface FraudRow {
  key: string;
  calls: number;
  answered: number;
  minutes: number;
  /** minutes × rate per minute (only with a rate table; calls with no matching rate cost 0). */
  cost?: number;
  /** Most calls in progress at once (first INVITE → end). */
  peak_concurrency: number;
  first_call: string;
  last_call: string;
  /** Distinct alert ids linked to the calls. */
  alerts: number;
  alert_ids: string[];
  /** Destination rows: the high-risk list category of the destination, when listed. */
  high_risk?: string;
}

export interface FraudReport {
  from?: string;
  to?: string;
  totals: Omit<FraudRow, 'key' | 'high_risk'>;
  by_account: FraudRow[];
  by_destination: FraudRow[];
  by_trunk: FraudRow[];
}

export interface FraudReportOptions {
  from?: string;
  to?: string;
  rates?: RateTable;
  highRisk?: HighRiskList;
  /** Rows kept per dimension after ranking (totals always cover every call). */
  top?: number;
}

/** Alert ids listed per row; the count stays exact. */
const MAX_ROW_ALERT_IDS = 20;

export function accountOf(call: CallRecord): string {
  return call.caller.auth_user ?? call.caller.user ?? call.caller.ip;
}

/** "GB MOBILE", "SATELLITE" (non-geographic), "national" for numbers not dialled internationally. */
export function destinationOf(call: CallRecord): string {
  const c = call.callee;
  if (c.country !== undefined) return c.number_type !== undefined ? `${c.country} ${c.number_type}` : c.country;
  if (c.number_type !== undefined) return c.number_type;
  return c.e164 !== undefined ? 'international, unclassified' : 'national or unknown';
}

class RowBuilder {
  calls = 0;
  answered = 0;
  minutes = 0;
  cost = 0;
  firstMs = Infinity;
  lastMs = -Infinity;
  first = '';
  last = '';
  readonly alertIds = new Set<string>();
  readonly intervals: Array<[number, number]> = [];
  highRisk: string | undefined;

  add(call: CallRecord, cost: number | undefined): void {
    this.calls++;
    if (call.outcome === 'answered') this.answered++;
    this.minutes += call.duration_s / 60;
    if (cost !== undefined) this.cost += cost;
    const startMs = Date.parse(call.start);
    const endMs = Math.max(startMs, Date.parse(call.end));
    if (startMs < this.firstMs) [this.firstMs, this.first] = [startMs, call.start];
    if (startMs > this.lastMs) [this.lastMs, this.last] = [startMs, call.start];
    this.intervals.push([startMs, endMs]);
    for (const id of call.alert_ids) this.alertIds.add(id);
  }

  build(key: string, withCost: boolean): FraudRow {
    return {
      key,
      calls: this.calls,
      answered: this.answered,
      minutes: round(this.minutes),
      ...(withCost ? { cost: round(this.cost) } : {}),
      peak_concurrency: peakConcurrency(this.intervals),
      first_call: this.first,
      last_call: this.last,
      alerts: this.alertIds.size,
      alert_ids: [...this.alertIds].sort().slice(0, MAX_ROW_ALERT_IDS),
      ...(this.highRisk !== undefined ? { high_risk: this.highRisk } : {}),
    };
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Most intervals open at one instant; an interval ending when another starts does not overlap it. */
export function peakConcurrency(intervals: ReadonlyArray<readonly [number, number]>): number {
  const edges: Array<[number, number]> = [];
  for (const [a, b] of intervals) edges.push([a, 1], [b, -1]);
  // Ends before starts at the same instant.
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let peak = 0;
  for (const [, d] of edges) {
    open += d;
    if (open > peak) peak = open;
  }
  return peak;
}

/** Highest cost first (with rates), then minutes, calls, key. */
function rank(a: FraudRow, b: FraudRow): number {
  return (b.cost ?? 0) - (a.cost ?? 0) || b.minutes - a.minutes || b.calls - a.calls || (a.key < b.key ? -1 : 1);
}

export function inPeriod(call: CallRecord, from: string | undefined, to: string | undefined): boolean {
  const t = Date.parse(call.start);
  if (from !== undefined && t < Date.parse(from)) return false;
  if (to !== undefined && t >= Date.parse(to)) return false;
  return true;
}

/** Streams call records in (only per-row counters and call intervals are kept), then ranks. */
export class FraudReportBuilder {
  private readonly withCost: boolean;
  private readonly totals = new RowBuilder();
  private readonly rows: Record<ReportDimension, Map<string, RowBuilder>> = {
    account: new Map(),
    destination: new Map(),
    trunk: new Map(),
  };

  constructor(private readonly options: FraudReportOptions = {}) {
    this.withCost = options.rates !== undefined;
  }

  add(call: CallRecord): void {
    const options = this.options;
    if (!inPeriod(call, options.from, options.to)) return;
    const e164 = call.callee.e164;
    const rate = e164 === undefined ? undefined : options.rates?.rateOf(e164);
    const cost = this.withCost ? (call.duration_s / 60) * (rate ?? 0) : undefined;
    this.totals.add(call, cost);
    this.rowOf('account', accountOf(call)).add(call, cost);
    const dest = this.rowOf('destination', destinationOf(call));
    dest.add(call, cost);
    const risk = e164 === undefined ? undefined : options.highRisk?.match(e164);
    if (risk !== undefined) dest.highRisk ??= risk.category;
    this.rowOf('trunk', call.caller.ip).add(call, cost);
  }

  build(): FraudReport {
    const options = this.options;
    const ranked = (dim: ReportDimension): FraudRow[] => {
      const list = [...this.rows[dim]].map(([key, row]) => row.build(key, this.withCost)).sort(rank);
      return options.top !== undefined ? list.slice(0, options.top) : list;
    };
    const { key: _key, ...totals } = this.totals.build('total', this.withCost);
    return {
      ...(options.from !== undefined ? { from: options.from } : {}),
      ...(options.to !== undefined ? { to: options.to } : {}),
      totals,
      by_account: ranked('account'),
      by_destination: ranked('destination'),
      by_trunk: ranked('trunk'),
    };
  }

  private rowOf(dim: ReportDimension, key: string): RowBuilder {
    let row = this.rows[dim].get(key);
    if (row === undefined) {
      row = new RowBuilder();
      this.rows[dim].set(key, row);
    }
    return row;
  }
}

/** `prefix,rate_per_minute[,label]` per line (also tab-separated), `#` comments; longest prefix wins. */
export function parseRateTable(text: string, file: string): RateTable {
  const rates = new Map<string, number>();
  text.split(/\r?\n/).forEach((line, i) => {
    const content = line.replace(/#.*$/, '').trim();
    if (content === '') return;
    const [prefixField, rateField] = content.split(/[,\t]/).map((f) => f.trim());
    const prefix = (prefixField ?? '').replace(/^\+/, '');
    const rate = Number(rateField);
    if (!/^[0-9]{1,15}$/.test(prefix))
      throw new Error(`${file}:${i + 1}: prefix "${prefixField ?? ''}" is not E.164 digits`);
    if (rateField === undefined || rateField === '' || !Number.isFinite(rate) || rate < 0) {
      throw new Error(`${file}:${i + 1}: rate "${rateField ?? ''}" is not a price per minute ≥ 0`);
    }
    rates.set(prefix, rate);
  });
  const lengths = [...new Set([...rates.keys()].map((p) => p.length))].sort((a, b) => b - a);
  return {
    rateOf(e164) {
      for (const len of lengths) {
        const r = rates.get(e164.slice(0, len));
        if (r !== undefined) return r;
      }
      return undefined;
    },
  };
}

const CSV_COLUMNS = [
  'section',
  'key',
  'calls',
  'answered',
  'minutes',
  'cost',
  'peak_concurrency',
  'first_call',
  'last_call',
  'alerts',
  'high_risk',
  'alert_ids',
] as const;

function csvField(value: unknown): string {
  const s = value === undefined ? '' : Array.isArray(value) ? value.join(' ') : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function sections(report: FraudReport): Array<[string, FraudRow[]]> {
  return [
    ['account', report.by_account],
    ['destination', report.by_destination],
    ['trunk', report.by_trunk],
  ];
}

/** One row per account/destination/trunk plus a `total` row; what fraud tools import. */
export function fraudReportCsv(report: FraudReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const [section, list] of sections(report)) {
    for (const row of list) lines.push(CSV_COLUMNS.map((c) => csvField(c === 'section' ? section : row[c])).join(','));
  }
  const total = { ...report.totals, key: 'total' } as Record<string, unknown>;
  lines.push(CSV_COLUMNS.map((c) => csvField(c === 'section' ? 'total' : total[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function fraudReportTable(report: FraudReport): string {
  const withCost = report.totals.cost !== undefined;
  const head = [
    'key',
    'calls',
    'answered',
    'minutes',
    ...(withCost ? ['cost'] : []),
    'peak',
    'first call',
    'last call',
    'alerts',
  ];
  const cells = (r: Omit<FraudRow, 'key'> & { key: string }): string[] => [
    r.key + (r.high_risk !== undefined ? ` [${r.high_risk}]` : ''),
    String(r.calls),
    String(r.answered),
    r.minutes.toFixed(1),
    ...(withCost ? [(r.cost ?? 0).toFixed(2)] : []),
    String(r.peak_concurrency),
    r.first_call.slice(0, 19),
    r.last_call.slice(0, 19),
    String(r.alerts),
  ];
  const out: string[] = [];
  const period = `${report.from ?? 'start'} → ${report.to ?? 'end'}`;
  out.push(`fraud report, calls started ${period}`);
  for (const [section, list] of sections(report)) {
    const rows = [head, ...list.map(cells), cells({ ...report.totals, key: 'total' })];
    const widths = head.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    out.push('', `by ${section}`);
    rows.forEach((r, n) => {
      if (n === rows.length - 1) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
      out.push(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
    });
  }
  return out.join('\n') + '\n';
}
