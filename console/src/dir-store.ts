//! The console's data from an `analyze --out-dir` directory (I/O edge): alerts.jsonl, calls.jsonl
//! and, when present, sip-log.jsonl, read once at start into memory with the indexes the pages
//! need. Filters scan the time-sorted array; 100k alerts scan in a few milliseconds.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SipwardError } from '../../lib/src/errors';
import { alertMatches, callMatches, hasFieldFilters } from './filters';
import { fraudReport } from './fraud';
import { alertCallIds } from './links';
import type {
  AlertPage,
  AlertQuery,
  AlertView,
  CallQuery,
  CallView,
  ConsoleStore,
  Count,
  FraudReport,
  Page,
  SipLogEntry,
  TimeRange,
} from './model';
import { inTimeOrder, toSipLogEntries } from './sip-log';

export const DIR_FILES = { alerts: 'alerts.jsonl', calls: 'calls.jsonl', sipLog: 'sip-log.jsonl' } as const;

export interface Timed<T> {
  doc: T;
  t: number;
}

/** Reads one JSONL file; lines that are not JSON objects are counted, not fatal. */
async function readJsonl(path: string, onDoc: (doc: Record<string, unknown>) => boolean): Promise<number> {
  let bad = 0;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      bad++;
      continue;
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !onDoc(doc as Record<string, unknown>)) bad++;
  }
  return bad;
}

function isAlert(doc: Record<string, unknown>): doc is Record<string, unknown> & AlertView {
  const d = doc as Partial<AlertView>;
  return (
    typeof d['@timestamp'] === 'string' &&
    typeof d.event?.id === 'string' &&
    typeof d.rule?.id === 'string' &&
    Array.isArray(d.sipward?.evidence) &&
    Array.isArray(d.sipward?.fs38?.theme)
  );
}

function isCall(doc: Record<string, unknown>): doc is Record<string, unknown> & CallView {
  const d = doc as Partial<CallView>;
  return (
    typeof d['@timestamp'] === 'string' &&
    typeof d.event?.id === 'string' &&
    typeof d.call_id === 'string' &&
    typeof d.caller === 'object' &&
    typeof d.callee === 'object' &&
    typeof d.duration_s === 'number' &&
    Array.isArray(d.alert_ids)
  );
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function newestFirst<T>(list: Timed<T>[]): Timed<T>[] {
  return list.sort((a, b) => b.t - a.t);
}

/**
 * The slice of a newest-first list inside a time range, by binary search: a time filter costs
 * O(log n) and the field filters then scan only the range.
 */
export function timeSlice<T>(list: readonly Timed<T>[], range: TimeRange): readonly Timed<T>[] {
  const to = range.to === undefined ? Infinity : Date.parse(range.to);
  const from = range.from === undefined ? -Infinity : Date.parse(range.from);
  // First index with t <= to, first index with t < from (the list is sorted by t descending).
  const firstAtOrBefore = (limit: number, strict: boolean): number => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = list[mid]?.t ?? -Infinity;
      if (strict ? t < limit : t <= limit) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  if (to === Infinity && from === -Infinity) return list;
  return list.slice(firstAtOrBefore(to, false), firstAtOrBefore(from, true));
}

function page<T>(matches: readonly T[], q: { page: number; pageSize: number }): T[] {
  const start = (q.page - 1) * q.pageSize;
  return matches.slice(start, start + q.pageSize);
}

function counts(map: Map<string, number>): Count[] {
  return [...map]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export class DirectoryStore implements ConsoleStore {
  readonly description: string;
  /** Unreadable lines per file, shown once in the page header. */
  readonly notices: string[] = [];
  private alertList: Timed<AlertView>[] = [];
  private callList: Timed<CallView>[] = [];
  private readonly alertById = new Map<string, AlertView>();
  private readonly callById = new Map<string, CallView>();
  private readonly alertsByCallId = new Map<string, AlertView[]>();
  private readonly callsByCallId = new Map<string, CallView[]>();
  private readonly callsByAlertId = new Map<string, CallView[]>();
  private readonly sipLogByCallId = new Map<string, SipLogEntry[]>();
  /** Alerts of one rule repeat its long description and references: one shared object each. */
  private readonly ruleObjects = new Map<string, AlertView['rule']>();
  /** The data never changes while the console runs: counts over everything are computed once. */
  private allCounts: Count[] = [];
  private readonly fraudCache = new Map<string, FraudReport>();

  private constructor(readonly dir: string) {
    this.description = `directory ${dir}`;
  }

  /** Opens DIR: it must exist and hold alerts.jsonl or calls.jsonl; sip-log.jsonl is optional. */
  static async open(dir: string): Promise<DirectoryStore> {
    if (!existsSync(dir)) throw new SipwardError('SIPWARD_INPUT_NOT_FOUND', `--from directory ${dir} does not exist`);
    if (!statSync(dir).isDirectory()) throw new SipwardError('SIPWARD_USAGE', `--from ${dir} is not a directory`);
    const present = Object.values(DIR_FILES).filter((f) => existsSync(join(dir, f)));
    if (!present.includes(DIR_FILES.alerts) && !present.includes(DIR_FILES.calls)) {
      throw new SipwardError(
        'SIPWARD_USAGE',
        `--from ${dir} holds neither alerts.jsonl nor calls.jsonl (write it with \`sipward analyze --out-dir ${dir}\`)`,
      );
    }
    const store = new DirectoryStore(dir);
    try {
      await store.load(present);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new SipwardError('SIPWARD_INPUT_UNREADABLE', `cannot read --from ${dir}: ${reason}`, { cause: error });
    }
    return store;
  }

  private async load(present: string[]): Promise<void> {
    const alerts: Timed<AlertView>[] = [];
    const calls: Timed<CallView>[] = [];
    if (present.includes(DIR_FILES.alerts)) {
      const bad = await readJsonl(join(this.dir, DIR_FILES.alerts), (doc) => {
        if (!isAlert(doc)) return false;
        doc.rule = this.sharedRule(doc.rule);
        // Re-processing an incident rewrites the same id: the last line is the final state.
        this.alertById.set(doc.event.id, doc);
        return true;
      });
      this.note(bad, DIR_FILES.alerts);
      for (const alert of this.alertById.values()) {
        alerts.push({ doc: alert, t: Date.parse(alert['@timestamp']) });
        for (const callId of alertCallIds(alert)) push(this.alertsByCallId, callId, alert);
      }
    }
    if (present.includes(DIR_FILES.calls)) {
      const bad = await readJsonl(join(this.dir, DIR_FILES.calls), (doc) => {
        if (!isCall(doc)) return false;
        this.callById.set(doc.event.id, doc);
        return true;
      });
      this.note(bad, DIR_FILES.calls);
      for (const call of this.callById.values()) {
        calls.push({ doc: call, t: Date.parse(call['@timestamp']) });
        push(this.callsByCallId, call.call_id, call);
        for (const alertId of call.alert_ids) push(this.callsByAlertId, alertId, call);
      }
    }
    if (present.includes(DIR_FILES.sipLog)) {
      const bad = await readJsonl(join(this.dir, DIR_FILES.sipLog), (doc) => {
        const entries = toSipLogEntries(doc);
        for (const entry of entries) push(this.sipLogByCallId, entry.callId, entry);
        return entries.length > 0;
      });
      this.note(bad, DIR_FILES.sipLog);
    }
    this.alertList = newestFirst(alerts);
    this.callList = newestFirst(calls);
    const byRule = new Map<string, number>();
    for (const { doc } of this.alertList) byRule.set(doc.rule.id, (byRule.get(doc.rule.id) ?? 0) + 1);
    this.allCounts = counts(byRule);
  }

  private note(bad: number, file: string): void {
    if (bad > 0) this.notices.push(`${bad} line(s) of ${file} were not readable records and are not shown`);
  }

  private sharedRule(rule: AlertView['rule']): AlertView['rule'] {
    const key = `${rule.id}\u0000${rule.version}\u0000${rule.name}`;
    const known = this.ruleObjects.get(key);
    if (known !== undefined && known.description === rule.description && known.reference === rule.reference) {
      return known;
    }
    this.ruleObjects.set(key, rule);
    return rule;
  }

  alerts(q: AlertQuery): Promise<AlertPage> {
    const inRange = timeSlice(this.alertList, q);
    if (!hasFieldFilters(q) && inRange === this.alertList) {
      const items = page(inRange, q).map(({ doc }) => doc);
      return Promise.resolve({ items, total: inRange.length, bySignature: this.allCounts });
    }
    const bySignature = new Map<string, number>();
    const matches: AlertView[] = [];
    const fields = hasFieldFilters(q);
    const fieldQuery: AlertQuery = { ...q, from: undefined, to: undefined };
    for (const { doc } of inRange) {
      if (fields && !alertMatches(doc, fieldQuery)) continue;
      matches.push(doc);
      bySignature.set(doc.rule.id, (bySignature.get(doc.rule.id) ?? 0) + 1);
    }
    return Promise.resolve({ items: page(matches, q), total: matches.length, bySignature: counts(bySignature) });
  }

  alert(id: string): Promise<AlertView | undefined> {
    return Promise.resolve(this.alertById.get(id));
  }

  calls(q: CallQuery): Promise<Page<CallView>> {
    const inRange = timeSlice(this.callList, q);
    const fieldQuery: CallQuery = { ...q, from: undefined, to: undefined };
    const matches = hasFieldFilters(q) ? inRange.filter(({ doc }) => callMatches(doc, fieldQuery)) : inRange;
    return Promise.resolve({ items: page(matches, q).map(({ doc }) => doc), total: matches.length });
  }

  call(id: string): Promise<CallView | undefined> {
    return Promise.resolve(this.callById.get(id));
  }

  callsOfAlert(alert: AlertView): Promise<CallView[]> {
    const found = new Map<string, CallView>();
    for (const callId of alertCallIds(alert)) {
      for (const call of this.callsByCallId.get(callId) ?? []) found.set(call.event.id, call);
    }
    // analyze's call tracker also links calls by evidence event: those name the alert in alert_ids.
    for (const call of this.callsByAlertId.get(alert.event.id) ?? []) found.set(call.event.id, call);
    return Promise.resolve([...found.values()]);
  }

  alertsOfCall(call: CallView): Promise<AlertView[]> {
    const found = new Map<string, AlertView>();
    for (const id of call.alert_ids) {
      const alert = this.alertById.get(id);
      if (alert !== undefined) found.set(id, alert);
    }
    for (const alert of this.alertsByCallId.get(call.call_id) ?? []) found.set(alert.event.id, alert);
    return Promise.resolve([...found.values()]);
  }

  sipLog(callId: string): Promise<SipLogEntry[]> {
    return Promise.resolve(inTimeOrder(this.sipLogByCallId.get(callId) ?? []));
  }

  fraud(range: TimeRange): Promise<FraudReport> {
    const key = `${range.from ?? ''}/${range.to ?? ''}`;
    let report = this.fraudCache.get(key);
    if (report === undefined) {
      report = fraudReport(timeSlice(this.callList, range).map(({ doc }) => doc));
      // A handful of ranges per session; bounded so a crawler cannot grow it.
      if (this.fraudCache.size >= 32) this.fraudCache.clear();
      this.fraudCache.set(key, report);
    }
    return Promise.resolve(report);
  }

  alertCountsBySignature(): Promise<Count[]> {
    return Promise.resolve(this.allCounts);
  }

  health(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
