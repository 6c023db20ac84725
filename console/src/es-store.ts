//! The console's data from the analyzer's Elasticsearch indexes (I/O edge): alerts behind
//! `logs-sipward.alert-<ns>`, call records in `logs-sipward.call-<ns>`, the SIP transaction log in
//! `logs-sipward.sip-<ns>` when it exists. Filters become term/range queries; counts are aggregations.
import { isIP } from 'node:net';
import { SipwardError } from '../../lib/src/errors';
import { createElasticClient, type ElasticClientOptions } from '../../analyzer/src/index/es-client';
import { writeName } from '../../analyzer/src/index/templates';
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
import { StoreUnavailableError } from './model';
import { inTimeOrder, toSipLogEntries } from './sip-log';

/** from + size beyond this is refused by Elasticsearch (index.max_result_window): deeper pages walk search_after. */
export const MAX_RESULT_WINDOW = 10_000;
/** Calls the fraud report reads at most, in pages of FRAUD_PAGE; the page says when it stopped. */
export const FRAUD_MAX_CALLS = 200_000;
const FRAUD_PAGE = 5_000;
/** An alert names at most 1000 Call-IDs (sipward.call_ids): show every call they reach. */
const LINKED_MAX = 1000;

type Query = Record<string, unknown>;
/** Newest first; the id breaks ties so search_after never skips or repeats a document. */
const NEWEST_FIRST = [{ '@timestamp': 'desc' }, { 'event.id': 'asc' }];
/** The client of the one Elasticsearch adapter (no direct import of the library here). */
type Client = ReturnType<typeof createElasticClient>;

export interface ElasticStoreOptions {
  client: ElasticClientOptions;
  namespace: string;
}

function term(field: string, value: string | number | boolean): Query {
  return { term: { [field]: value } };
}

function timeFilter(field: string, range: TimeRange): Query[] {
  if (range.from === undefined && range.to === undefined) return [];
  return [
    {
      range: {
        [field]: {
          ...(range.from !== undefined ? { gte: range.from } : {}),
          ...(range.to !== undefined ? { lte: range.to } : {}),
        },
      },
    },
  ];
}

/** The bool query of the alert list's filters. */
export function alertFilter(q: AlertQuery): Query {
  const filter: Query[] = [...timeFilter('@timestamp', q)];
  if (q.severity !== undefined) filter.push(term('event.severity', q.severity));
  if (q.signature !== undefined) filter.push(term('rule.id', q.signature));
  if (q.theme !== undefined) filter.push(term('sipward.fs38.theme', q.theme));
  // source.ip is an ip field: a term that is no address would be a 400, and matches nothing anyway.
  if (q.source !== undefined) filter.push(isIP(q.source) === 0 ? { match_none: {} } : term('source.ip', q.source));
  if (q.account !== undefined) filter.push(term('user.name', q.account));
  if (q.campaign !== undefined) filter.push(term('sipward.campaign.id', q.campaign));
  return { bool: { filter } };
}

/** The bool query of the call list's fraud filters. */
export function callFilter(q: Omit<CallQuery, 'page' | 'pageSize'>): Query {
  const filter: Query[] = [...timeFilter('@timestamp', q)];
  const mustNot: Query[] = [];
  if (q.country !== undefined) filter.push(term('callee.country', q.country));
  if (q.numberType !== undefined) filter.push(term('callee.number_type', q.numberType));
  if (q.account !== undefined) {
    filter.push({
      bool: { should: [term('caller.user', q.account), term('caller.auth_user', q.account)], minimum_should_match: 1 },
    });
  }
  if (q.minDurationS !== undefined || q.maxDurationS !== undefined) {
    filter.push({
      range: {
        duration_s: {
          ...(q.minDurationS !== undefined ? { gte: q.minDurationS } : {}),
          ...(q.maxDurationS !== undefined ? { lte: q.maxDurationS } : {}),
        },
      },
    });
  }
  if (q.answered === true) filter.push(term('outcome', 'answered'));
  if (q.answered === false) mustNot.push(term('outcome', 'answered'));
  return { bool: { filter, must_not: mustNot } };
}

function reason(error: unknown): string {
  const e = error as { name?: string; message?: string; meta?: { statusCode?: number } };
  const status = e.meta?.statusCode;
  return `${e.name ?? 'Error'}${status !== undefined ? ` ${status}` : ''}: ${e.message ?? String(error)}`;
}

/** A request error means the cluster is gone (connection, timeout, 5xx); anything else is ours. */
function isOutage(error: unknown): boolean {
  const e = error as { name?: string; meta?: { statusCode?: number } };
  if (e.name === 'ConnectionError' || e.name === 'TimeoutError' || e.name === 'NoLivingConnectionsError') return true;
  const status = e.meta?.statusCode;
  return status !== undefined && status >= 500;
}

interface Hits<T> {
  hits: { total?: number | { value: number }; hits: Array<{ _source?: T; sort?: unknown[] }> };
  aggregations?: Record<string, { buckets?: Array<{ key: string | number; doc_count: number }> }>;
}

function totalOf(total: number | { value: number } | undefined): number {
  return typeof total === 'number' ? total : (total?.value ?? 0);
}

function sources<T>(result: Hits<T>): T[] {
  return result.hits.hits.flatMap((h) => (h._source === undefined ? [] : [h._source]));
}

/** _source filtering leaves out objects whose fields are all absent: put back what the report reads. */
function filledCall(partial: Partial<CallView>): CallView {
  return {
    ...partial,
    caller: partial.caller ?? ({} as CallView['caller']),
    callee: partial.callee ?? {},
    alert_ids: partial.alert_ids ?? [],
  } as CallView;
}

export class ElasticStore implements ConsoleStore {
  readonly description: string;
  readonly notices: string[] = [];
  private readonly alertIndex: string;
  private readonly callIndex: string;
  private readonly sipIndex: string;

  private constructor(
    private readonly client: Client,
    private readonly node: string,
    namespace: string,
  ) {
    this.alertIndex = writeName('alert', namespace);
    this.callIndex = writeName('call', namespace);
    this.sipIndex = `logs-sipward.sip-${namespace}`;
    this.description = `Elasticsearch ${node} (namespace ${namespace})`;
  }

  /** Connects and checks the cluster answers; an unreachable node is one clear error (exit 2). */
  static async open(options: ElasticStoreOptions): Promise<ElasticStore> {
    const client = createElasticClient({ maxRetries: 0, ...options.client });
    const node = Array.isArray(options.client.node) ? options.client.node.join(',') : options.client.node;
    try {
      await client.cluster.health({ timeout: '5s' });
    } catch (error) {
      await client.close();
      throw new SipwardError('SIPWARD_INDEX_UNAVAILABLE', `Elasticsearch at ${node} is unreachable: ${reason(error)}`, {
        cause: error,
      });
    }
    const store = new ElasticStore(client, node, options.namespace);
    const present = await store.exists(store.alertIndex);
    if (!present) store.notices.push(`No alert index ${store.alertIndex} yet: the analyzer has written no alert.`);
    return store;
  }

  private async exists(index: string): Promise<boolean> {
    return this.guard(() => this.client.indices.exists({ index }));
  }

  /** Runs a request; an outage becomes StoreUnavailableError (the page shows a banner). */
  private async guard<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (isOutage(error)) {
        throw new StoreUnavailableError(`Elasticsearch at ${this.node} is not answering (${reason(error)}).`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  private async search<T>(index: string, body: Query): Promise<Hits<T>> {
    return this.guard(
      async () =>
        (await this.client.search({
          index,
          ignore_unavailable: true,
          allow_no_indices: true,
          ...body,
        })) as unknown as Hits<T>,
    );
  }

  /**
   * One page, newest first. Within the first MAX_RESULT_WINDOW matches a plain from/size; deeper,
   * the sort keys of the skipped matches are walked with search_after (sort values only, a window
   * at a time) and the page is read after the last one — slower with depth, never refused.
   */
  private async pageSearch<T>(
    index: string,
    query: Query,
    page: number,
    pageSize: number,
    extra: Query = {},
  ): Promise<Hits<T>> {
    const from = (page - 1) * pageSize;
    const base = { query, sort: NEWEST_FIRST, track_total_hits: true, ...extra };
    if (from + pageSize <= MAX_RESULT_WINDOW) return this.search<T>(index, { ...base, from, size: pageSize });
    let after: unknown[] | undefined;
    let skipped = 0;
    while (skipped < from) {
      const step = Math.min(MAX_RESULT_WINDOW, from - skipped);
      const keys = await this.search<T>(index, {
        query,
        sort: NEWEST_FIRST,
        size: step,
        _source: false,
        track_total_hits: false,
        ...(after !== undefined ? { search_after: after } : {}),
      });
      const hits = keys.hits.hits;
      skipped += hits.length;
      after = hits[hits.length - 1]?.sort ?? after;
      if (hits.length < step) break;
    }
    // Past the last match: no items, but still the total and the counts.
    if (skipped < from) return this.search<T>(index, { ...base, size: 0 });
    return this.search<T>(index, { ...base, size: pageSize, ...(after !== undefined ? { search_after: after } : {}) });
  }

  async alerts(q: AlertQuery): Promise<AlertPage> {
    const result = await this.pageSearch<AlertView>(this.alertIndex, alertFilter(q), q.page, q.pageSize, {
      aggs: { by_signature: { terms: { field: 'rule.id', size: 500 } } },
    });
    const bySignature = (result.aggregations?.['by_signature']?.buckets ?? []).map((b) => ({
      key: String(b.key),
      count: b.doc_count,
    }));
    return { items: sources(result), total: totalOf(result.hits.total), bySignature };
  }

  async alert(id: string): Promise<AlertView | undefined> {
    const result = await this.search<AlertView>(this.alertIndex, { query: term('event.id', id), size: 1 });
    return sources(result)[0];
  }

  async calls(q: CallQuery): Promise<Page<CallView>> {
    const result = await this.pageSearch<CallView>(this.callIndex, callFilter(q), q.page, q.pageSize);
    return { items: sources(result), total: totalOf(result.hits.total) };
  }

  async call(id: string): Promise<CallView | undefined> {
    const result = await this.search<CallView>(this.callIndex, { query: term('event.id', id), size: 1 });
    return sources(result)[0];
  }

  async callsOfAlert(alert: AlertView): Promise<CallView[]> {
    const should: Query[] = [term('alert_ids', alert.event.id)];
    const callIds = [...alertCallIds(alert)];
    if (callIds.length > 0) should.push({ terms: { call_id: callIds } });
    return this.linked<CallView>(this.callIndex, should);
  }

  async alertsOfCall(call: CallView): Promise<AlertView[]> {
    const should: Query[] = [term('sip.call_id', call.call_id), term('sipward.call_ids', call.call_id)];
    if (call.alert_ids.length > 0) should.push({ terms: { 'event.id': call.alert_ids } });
    return this.linked<AlertView>(this.alertIndex, should);
  }

  /** Oldest-first documents of `index` matching any of `should`, at most LINKED_MAX. */
  private async linked<T>(index: string, should: Query[]): Promise<T[]> {
    const result = await this.search<T>(index, {
      query: { bool: { should, minimum_should_match: 1 } },
      size: LINKED_MAX,
      sort: [{ '@timestamp': 'asc' }],
    });
    return sources(result);
  }

  async sipLog(callId: string): Promise<SipLogEntry[]> {
    const result = await this.search<Record<string, unknown>>(this.sipIndex, {
      query: term('sip.call_id', callId),
      size: 500,
      sort: [{ '@timestamp': 'asc' }],
    });
    return inTimeOrder(sources(result).flatMap(toSipLogEntries));
  }

  /** Reads the range's calls in pages (search_after) and tallies them like the directory store. */
  async fraud(range: TimeRange): Promise<FraudReport> {
    const calls: CallView[] = [];
    let after: unknown[] | undefined;
    while (calls.length < FRAUD_MAX_CALLS) {
      const result = await this.search<CallView>(this.callIndex, {
        query: callFilter(range),
        size: FRAUD_PAGE,
        sort: [{ '@timestamp': 'asc' }, { 'event.id': 'asc' }],
        _source: [
          'event.id',
          'caller.user',
          'caller.auth_user',
          'callee.country',
          'outcome',
          'duration_s',
          'alert_ids',
        ],
        ...(after !== undefined ? { search_after: after } : {}),
      });
      const hits = result.hits.hits;
      for (const h of hits) if (h._source !== undefined) calls.push(filledCall(h._source));
      if (hits.length < FRAUD_PAGE) break;
      after = hits[hits.length - 1]?.sort;
    }
    const report = fraudReport(calls);
    if (calls.length >= FRAUD_MAX_CALLS) {
      report.limit = `The report covers the first ${FRAUD_MAX_CALLS} calls of the range: narrow the time range.`;
    }
    return report;
  }

  async alertCountsBySignature(): Promise<Count[]> {
    const result = await this.search<AlertView>(this.alertIndex, {
      size: 0,
      aggs: { by_signature: { terms: { field: 'rule.id', size: 500 } } },
    });
    return (result.aggregations?.['by_signature']?.buckets ?? []).map((b) => ({
      key: String(b.key),
      count: b.doc_count,
    }));
  }

  async health(): Promise<string | undefined> {
    try {
      await this.client.cluster.health({ timeout: '3s' }, { requestTimeout: 4_000 });
      return undefined;
    } catch (error) {
      return `Elasticsearch at ${this.node} is not answering (${reason(error)}): the data shown may be stale.`;
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
