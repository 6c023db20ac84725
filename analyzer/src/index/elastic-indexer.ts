//! Writes alerts and call records to Elasticsearch for the analyzer daemon (I/O edge, docs/contracts.md
//! "Elasticsearch"). An outage delays indexing, it never loses a document: write() resolves only when
//! every document is acknowledged or permanently rejected, retrying transient failures forever.
import { setTimeout as sleep } from 'node:timers/promises';
import { errors } from '@elastic/elasticsearch';
import type { Client } from '@elastic/elasticsearch';
import { SipwardError } from '../../../lib/src/errors';
import type { Logger } from '../../../lib/src/logger';
import { backoffDelay, type BackoffPolicy } from '../../../lib/src/retry';
import { createElasticClient, type ElasticClientOptions } from './es-client';
import {
  alertTemplate,
  callTemplate,
  dataset,
  sipTemplate,
  firstIndexName,
  ingestPipeline,
  INGEST_PIPELINE,
  namespaceError,
  writeName,
  type IndexTemplateBody,
  type Target,
} from './templates';
import { publishEsBulk } from '../../../lib/src/metrics/channels';

export type { Target } from './templates';

export interface IndexDoc {
  target: Target;
  /** Deterministic _id: the alert's or call record's event.id. */
  id: string;
  doc: Record<string, unknown>;
}

export interface RejectedDoc {
  target: Target;
  id: string;
  /** HTTP status of the item (or of the whole bulk when the request itself was refused). */
  status: number;
  reason: string;
}

export interface WriteResult {
  /** Created or updated. */
  indexed: number;
  /** Call records already in the data stream (409 on create): a re-delivery, counted as success. */
  duplicates: number;
  /** Earlier versions of an id given twice in the same write(); only the last was sent. */
  superseded: number;
  /** Permanently refused (mapping conflict, bad request): the caller dead-letters them. */
  rejected: RejectedDoc[];
}

export interface IndexerStats {
  indexed: number;
  duplicates: number;
  retries: number;
  rejected: number;
  outages: number;
}

/** How event.ingested is set: by the `sipward-ingested` pipeline, or by the indexer before each attempt. */
export type IngestedMode = 'pipeline' | 'client';
/** Where call records go: a data stream, or (server without data streams) a concrete index behind an alias. */
export type CallMode = 'data_stream' | 'alias';

export interface SetupResult {
  ingested: IngestedMode;
  calls: CallMode;
  alertAlias: string;
  callTarget: string;
  /** Only with `sipLog`: where SIP transaction records go, as call records do. */
  sip?: CallMode;
  sipTarget?: string;
}

/** Retry pause while Elasticsearch is unavailable: 100 ms doubling to 10 s, jittered (lib/src/retry). */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 10_000, jitter: true };
export const MAX_BULK_BYTES = 5 * 1024 * 1024;
export const MAX_BULK_DOCS = 2000;

export interface ElasticIndexerOptions {
  /** A client the caller owns (not closed by close()), or connection options (client owned and closed). */
  client?: Client;
  connection?: ElasticClientOptions;
  /** Data stream namespace (default `default`). */
  namespace?: string;
  /** Also set up `logs-sipward.sip-<ns>` for the SIP transaction log (target `sip`). */
  sipLog?: boolean;
  logger: Logger;
  maxBulkBytes?: number;
  maxBulkDocs?: number;
  backoff?: Partial<BackoffPolicy>;
  /** Jitter source, [0, 1). */
  random?: () => number;
}

// ---------------------------------------------------------------------------------------------
// Pure parts

/** Keeps the last document of each (target, id), in the order of their last appearance. */
export function dedupeLast(docs: readonly IndexDoc[]): { docs: IndexDoc[]; superseded: number } {
  const byKey = new Map<string, IndexDoc>();
  for (const d of docs) {
    const key = `${d.target}\u0000${d.id}`;
    byKey.delete(key);
    byKey.set(key, d);
  }
  return { docs: [...byKey.values()], superseded: docs.length - byKey.size };
}

/** Splits items of known byte size into bulks of at most maxBytes and maxDocs; an oversized item goes alone. */
export function chunkBySize<T extends { bytes: number }>(
  items: readonly T[],
  maxBytes: number,
  maxDocs: number,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    if (current.length > 0 && (size + item.bytes > maxBytes || current.length >= maxDocs)) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += item.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export interface BulkItemError {
  type?: string;
  reason?: string | null;
  caused_by?: { type?: string; reason?: string | null };
}

export type ItemOutcome = 'indexed' | 'duplicate' | 'retry' | 'missing_target' | 'reject';

// Cluster-side conditions that pass: a red shard, a read-only block, a full queue, a tripped breaker.
const TRANSIENT_ITEM_TYPES = new Set([
  'cluster_block_exception',
  'unavailable_shards_exception',
  'no_shard_available_action_exception',
  'primary_missing_action_exception',
  'es_rejected_execution_exception',
  'circuit_breaking_exception',
  'node_not_connected_exception',
  'node_closed_exception',
  'connect_transport_exception',
  'process_cluster_event_timeout_exception',
  'security_exception',
]);

/** What to do with one bulk item, from its status and error. */
export function classifyItem(target: Target, status: number, error: BulkItemError | undefined): ItemOutcome {
  if (error === undefined && status >= 200 && status < 300) return 'indexed';
  if (status === 409 && target !== 'alert') return 'duplicate'; // create of an id already there
  // 401/403: credentials or privileges — an outage to fix, not bad data to dead-letter.
  if (status === 429 || status >= 500 || status === 401 || status === 403) return 'retry';
  if (error?.type !== undefined && TRANSIENT_ITEM_TYPES.has(error.type)) return 'retry';
  if (status === 404 && error?.type === 'index_not_found_exception') return 'missing_target';
  return 'reject';
}

export function describeItemError(error: BulkItemError | undefined, status: number): string {
  if (error === undefined) return `status ${status}`;
  const cause = error.caused_by?.reason ? ` (${error.caused_by.type ?? 'cause'}: ${error.caused_by.reason})` : '';
  return `${error.type ?? 'error'}: ${error.reason ?? ''}${cause}`;
}

/** True for failures that pass by themselves: no connection, timeout, overload, 5xx, auth outage. */
export function isTransientRequestError(e: unknown): boolean {
  if (
    e instanceof errors.ConnectionError ||
    e instanceof errors.TimeoutError ||
    e instanceof errors.NoLivingConnectionsError ||
    e instanceof errors.DeserializationError ||
    e instanceof errors.ProductNotSupportedError
  ) {
    return true;
  }
  if (e instanceof errors.ResponseError) {
    const s = e.meta.statusCode ?? 0;
    if (s === 0 || s === 408 || s === 429 || s >= 500 || s === 401 || s === 403) return true;
    const type = responseErrorType(e);
    return type !== undefined && TRANSIENT_ITEM_TYPES.has(type);
  }
  return false;
}

function responseErrorType(e: errors.ResponseError): string | undefined {
  const body: unknown = e.meta.body;
  if (body !== null && typeof body === 'object' && 'error' in body) {
    const err = (body as { error: unknown }).error;
    if (err !== null && typeof err === 'object' && 'type' in err) {
      const type = (err as { type: unknown }).type;
      return typeof type === 'string' ? type : undefined;
    }
  }
  return undefined;
}

/** One line: the server's own reason when it gave one. */
export function errorText(e: unknown): string {
  let text: string;
  if (e instanceof errors.ResponseError) {
    const type = responseErrorType(e);
    const body: unknown = e.meta.body;
    const err = isRecord(body) && isRecord(body.error) ? body.error : undefined;
    const reason = typeof err?.reason === 'string' ? err.reason : e.message;
    text = `HTTP ${e.meta.statusCode ?? '?'}${type !== undefined ? ` ${type}` : ''}: ${reason}`;
  } else {
    text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  return text.replace(/\s*\n\s*/g, ' ');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// The indexer

interface Prepared {
  target: Target;
  id: string;
  action: string;
  /** The document with data_stream.* set; event.ingested is added per attempt in client mode. */
  doc: Record<string, unknown>;
  bytes: number;
}

class ClosedError extends SipwardError {
  readonly pending: number;

  /** pending undefined: closed before or during setup. */
  constructor(pending?: number) {
    super(
      'SIPWARD_INDEX_UNAVAILABLE',
      pending === undefined
        ? 'Elasticsearch indexer closed before its requests to Elasticsearch completed'
        : `Elasticsearch indexer closed while ${pending} document(s) were not yet acknowledged (they were not committed; re-delivery will index them)`,
      { retriable: true },
    );
    this.pending = pending ?? 0;
  }
}

/** Search-and-update rounds for call links when concurrent updates conflict. */
const LINK_ATTEMPTS = 8;
/** Call-IDs per link search (a terms query; far below index.max_terms_count and the result window). */
const LINK_SEARCH_CALLS = 1000;

/** One alert and the Call-IDs its incident counted (whose call records should name it). */
export interface AlertCallLinks {
  alertId: string;
  callIds: readonly string[];
}

/** Pure: for each Call-ID, the alerts that name it (each once, in the order given). */
export function alertsByCall(links: readonly AlertCallLinks[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const { alertId, callIds } of links) {
    for (const callId of callIds) {
      const list = out.get(callId);
      if (list === undefined) out.set(callId, [alertId]);
      else if (!list.includes(alertId)) list.push(alertId);
    }
  }
  return out;
}

/**
 * Pure: the `alert_ids` a call record should get — what it has plus the wanted alerts it lacks;
 * undefined when it lacks none (or is not one of the wanted Call-IDs).
 */
export function linkUpdate(
  record: { call_id?: string; alert_ids?: string[] },
  wanted: ReadonlyMap<string, readonly string[]>,
): { callId: string; alertIds: string[] } | undefined {
  const callId = record.call_id;
  const alerts = callId === undefined ? undefined : wanted.get(callId);
  if (callId === undefined || alerts === undefined) return undefined;
  const have = record.alert_ids ?? [];
  const missing = alerts.filter((id) => !have.includes(id));
  return missing.length === 0 ? undefined : { callId, alertIds: [...have, ...missing] };
}

export class ElasticIndexer {
  private readonly client: Client;
  private readonly ownsClient: boolean;
  readonly namespace: string;
  private readonly sipLog: boolean;
  private readonly logger: Logger;
  private readonly maxBulkBytes: number;
  private readonly maxBulkDocs: number;
  private readonly backoff: BackoffPolicy;
  private readonly random: () => number;
  private readonly abort = new AbortController();
  private closed = false;
  private mode: SetupResult | undefined;
  private outageSince: number | undefined;
  private outageAttempts = 0;
  private readonly counters: IndexerStats = { indexed: 0, duplicates: 0, retries: 0, rejected: 0, outages: 0 };

  constructor(options: ElasticIndexerOptions) {
    const nsError = namespaceError(options.namespace ?? 'default');
    if (nsError !== undefined) throw new SipwardError('SIPWARD_CONFIG_INVALID', nsError);
    if (options.client !== undefined) {
      this.client = options.client;
      this.ownsClient = false;
    } else if (options.connection !== undefined) {
      this.client = createElasticClient(options.connection);
      this.ownsClient = true;
    } else {
      throw new SipwardError('SIPWARD_CONFIG_INVALID', 'ElasticIndexer needs a client or connection options');
    }
    this.namespace = options.namespace ?? 'default';
    this.sipLog = options.sipLog === true;
    this.logger = options.logger;
    this.maxBulkBytes = options.maxBulkBytes ?? MAX_BULK_BYTES;
    this.maxBulkDocs = options.maxBulkDocs ?? MAX_BULK_DOCS;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.random = options.random ?? Math.random;
  }

  /**
   * Installs the pipeline (when the server can run it), both templates, the alert index + write
   * alias, and picks the call-record mode. Idempotent: run at every start, by racing analyzers too.
   * Transient failures (Elasticsearch down) are retried until close().
   */
  async setup(): Promise<SetupResult> {
    const alertAlias = writeName('alert', this.namespace);
    const callTarget = writeName('call', this.namespace);
    const health = await this.untilDone(() => this.client.cluster.health({}, this.requestOptions()));
    this.logger.debug({ cluster: health.cluster_name, status: health.status }, 'Elasticsearch reachable');

    const ingested = await this.installPipeline();
    const pipeline = ingested === 'pipeline' ? { pipeline: INGEST_PIPELINE } : {};

    await this.putTemplate(alertTemplate(pipeline));
    await this.ensureAliasIndex('alert');

    const calls = await this.streamMode('call', pipeline);
    const sip = this.sipLog ? await this.streamMode('sip', pipeline) : undefined;
    this.mode = {
      ingested,
      calls,
      alertAlias,
      callTarget,
      ...(sip !== undefined ? { sip, sipTarget: writeName('sip', this.namespace) } : {}),
    };
    this.logger.info(
      { alerts: alertAlias, calls: callTarget, call_mode: calls, ingested_by: ingested },
      `Elasticsearch ready: alerts → alias ${alertAlias}, call records → ${calls === 'data_stream' ? 'data stream' : 'alias'} ${callTarget}, event.ingested set by ${ingested === 'pipeline' ? `ingest pipeline ${INGEST_PIPELINE}` : 'the indexer (no ingest processors on this server)'}`,
    );
    return this.mode;
  }

  /**
   * Indexes every document; resolves when each one is acknowledged or permanently rejected.
   * Rejects only when close() interrupts it (SIPWARD_INDEX_UNAVAILABLE, retriable).
   */
  async write(docs: readonly IndexDoc[]): Promise<WriteResult> {
    if (this.closed) throw new ClosedError(docs.length);
    const mode = this.mode;
    if (mode === undefined)
      throw new SipwardError('SIPWARD_USAGE', 'ElasticIndexer.setup() must finish before write()');
    const { docs: unique, superseded } = dedupeLast(docs);
    const result: WriteResult = { indexed: 0, duplicates: 0, superseded, rejected: [] };
    const prepared = unique.map((d) => this.prepare(d, mode));
    const queue = chunkBySize(prepared, this.maxBulkBytes, this.maxBulkDocs);
    for (;;) {
      const chunk = queue.shift();
      if (chunk === undefined) break;
      try {
        await this.writeChunk(chunk, mode, result, queue);
      } catch (e) {
        if (e instanceof ClosedError) throw new ClosedError(e.pending + queue.reduce((n, c) => n + c.length, 0));
        throw e;
      }
    }
    return result;
  }

  /**
   * Alert → calls: adds `alertId` to `alert_ids` of the call records with these Call-IDs that lack
   * it (a search, then partial updates on their backing indices with optimistic concurrency — the
   * integ-test build has no scripting). A record not yet searchable, or updated concurrently, is
   * linked by the alert's next emission (updates while the incident is open, then 'final').
   * Returns the records changed.
   */
  linkAlertToCalls(alertId: string, callIds: readonly string[]): Promise<number> {
    return this.linkAlertsToCalls([{ alertId, callIds }]);
  }

  /**
   * `linkAlertToCalls` for many alerts at once: one refresh, one search per chunk of Call-IDs and
   * one bulk of partial updates for all of them (was a refresh, a search and a bulk per alert, one
   * after another — the longest part of a detect delivery with incidents open).
   */
  async linkAlertsToCalls(links: readonly AlertCallLinks[]): Promise<number> {
    // Deliveries of several partitions run at once, so the alert side and the call side of one
    // record can update it concurrently: a version conflict (409) is searched and applied again
    // (bounded), instead of being left to an emission of the alert that may never come.
    let wanted = alertsByCall(links);
    let changed = 0;
    for (let attempt = 0; attempt < LINK_ATTEMPTS && wanted.size > 0; attempt++) {
      const { updated, conflicted } = await this.linkOnce(wanted);
      changed += updated;
      wanted = new Map([...conflicted].map((callId) => [callId, wanted.get(callId) ?? []]));
    }
    return changed;
  }

  private async linkOnce(
    wanted: ReadonlyMap<string, readonly string[]>,
  ): Promise<{ updated: number; conflicted: Set<string> }> {
    const mode = this.mode;
    const conflicted = new Set<string>();
    if (mode === undefined || wanted.size === 0) return { updated: 0, conflicted };
    // Call records written a moment ago must be searchable (see the daemon for why this closes the race).
    await this.untilDone(() =>
      this.client.indices.refresh({ index: mode.callTarget, ignore_unavailable: true }, this.requestOptions()),
    );
    const callIds = [...wanted.keys()];
    const operations: object[] = [];
    const opCalls: string[] = [];
    for (let i = 0; i < callIds.length; i += LINK_SEARCH_CALLS) {
      const chunk = callIds.slice(i, i + LINK_SEARCH_CALLS);
      const found = await this.untilDone(() =>
        this.client.search<{ call_id?: string; alert_ids?: string[] }>(
          {
            index: mode.callTarget,
            ignore_unavailable: true,
            size: chunk.length,
            seq_no_primary_term: true,
            _source: ['call_id', 'alert_ids'],
            query: { bool: { filter: [{ terms: { call_id: chunk } }] } },
          },
          this.requestOptions(),
        ),
      );
      for (const hit of found.hits.hits) {
        if (hit._id === undefined || hit._seq_no === undefined || hit._primary_term === undefined) continue;
        const update = linkUpdate(hit._source ?? {}, wanted);
        if (update === undefined) continue;
        operations.push(
          { update: { _index: hit._index, _id: hit._id, if_seq_no: hit._seq_no, if_primary_term: hit._primary_term } },
          { doc: { alert_ids: update.alertIds } },
        );
        opCalls.push(update.callId);
      }
    }
    if (operations.length === 0) return { updated: 0, conflicted };
    const result = await this.untilDone(() => this.client.bulk({ operations }, this.requestOptions()));
    let updated = 0;
    result.items.forEach((item, i) => {
      const status = item.update?.status ?? 500;
      if (status < 300) updated++;
      else if (status === 409) conflicted.add(opCalls[i] ?? '');
    });
    conflicted.delete('');
    return { updated, conflicted };
  }

  /** Call → alerts: the ids of indexed alerts whose `sipward.call_ids` name each Call-ID. */
  async alertIdsForCalls(callIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const mode = this.mode;
    if (mode === undefined || callIds.length === 0) return out;
    const wanted = new Set(callIds);
    await this.untilDone(() =>
      this.client.indices.refresh({ index: mode.alertAlias, ignore_unavailable: true }, this.requestOptions()),
    );
    const found = await this.untilDone(() =>
      this.client.search<{ event?: { id?: string }; sipward?: { call_ids?: string[] } }>(
        {
          index: mode.alertAlias,
          ignore_unavailable: true,
          size: 1000,
          _source: ['event.id', 'sipward.call_ids'],
          query: { terms: { 'sipward.call_ids': [...wanted] } },
        },
        this.requestOptions(),
      ),
    );
    for (const hit of found.hits.hits) {
      const id = hit._source?.event?.id;
      if (id === undefined) continue;
      for (const callId of hit._source?.sipward?.call_ids ?? []) {
        if (!wanted.has(callId)) continue;
        const list = out.get(callId) ?? [];
        if (!list.includes(id)) list.push(id);
        out.set(callId, list);
      }
    }
    return out;
  }

  /** Makes everything written so far searchable (tests). */
  async refresh(): Promise<void> {
    const mode = this.mode;
    const names = mode !== undefined ? [mode.alertAlias, mode.callTarget, ...(mode.sipTarget ?? [])] : [];
    if (names.length === 0) return;
    await this.client.indices.refresh(
      { index: names, ignore_unavailable: true, allow_no_indices: true },
      this.requestOptions(),
    );
  }

  stats(): IndexerStats {
    return { ...this.counters };
  }

  /** Aborts pending retries and in-flight requests (their write() rejects) and closes an owned client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    if (this.ownsClient) await this.client.close();
  }

  // -------------------------------------------------------------------------------------------

  private requestOptions(): { signal: AbortSignal; maxRetries: number } {
    return { signal: this.abort.signal, maxRetries: 0 };
  }

  private prepare(d: IndexDoc, mode: SetupResult): Prepared {
    if (d.target === 'sip' && mode.sipTarget === undefined) {
      throw new SipwardError('SIPWARD_USAGE', 'ElasticIndexer: SIP transaction records need the sipLog option');
    }
    const index =
      d.target === 'alert' ? mode.alertAlias : d.target === 'call' ? mode.callTarget : (mode.sipTarget as string);
    // Alerts overwrite (update while the incident is open); call and transaction records are written once.
    const op = d.target === 'alert' ? 'index' : 'create';
    // require_alias: a missing alias must not auto-create a concrete index under the alias's name.
    const requireAlias = d.target === 'alert' || (d.target === 'call' ? mode.calls : mode.sip) === 'alias';
    const action = JSON.stringify({
      [op]: { _index: index, _id: d.id, ...(requireAlias ? { require_alias: true } : {}) },
    });
    const doc: Record<string, unknown> = isRecord(d.doc.data_stream)
      ? { ...d.doc }
      : { ...d.doc, data_stream: { type: 'logs', dataset: dataset(d.target), namespace: this.namespace } };
    // event.ingested (a date) adds < 64 bytes per attempt.
    const bytes = Buffer.byteLength(action) + Buffer.byteLength(JSON.stringify(doc)) + 66;
    return { target: d.target, id: d.id, action, doc, bytes };
  }

  private operations(items: readonly Prepared[], mode: SetupResult): string[] {
    const ops: string[] = [];
    const ingested = mode.ingested === 'client' ? new Date().toISOString() : undefined;
    for (const item of items) {
      ops.push(item.action);
      if (ingested === undefined) ops.push(JSON.stringify(item.doc));
      else {
        const event = isRecord(item.doc.event) ? item.doc.event : {};
        ops.push(JSON.stringify({ ...item.doc, event: { ...event, ingested } }));
      }
    }
    return ops;
  }

  /** Sends one chunk until none of its items is left to retry. Split chunks go back on `queue`. */
  private async writeChunk(
    chunk: Prepared[],
    mode: SetupResult,
    result: WriteResult,
    queue: Prepared[][],
  ): Promise<void> {
    let pending = chunk;
    let attempt = 0;
    while (pending.length > 0) {
      if (this.closed) throw new ClosedError(pending.length);
      if (attempt > 0) {
        this.counters.retries++;
        const waiting = pending.length;
        await this.pause(attempt - 1).catch(() => {
          throw new ClosedError(waiting);
        });
      }
      attempt++;
      let items;
      const started = performance.now();
      try {
        const res = await this.client.bulk({ operations: this.operations(pending, mode) }, this.requestOptions());
        items = res.items;
        publishEsBulk({ seconds: (performance.now() - started) / 1000, ok: true, documents: pending.length });
      } catch (e) {
        publishEsBulk({ seconds: (performance.now() - started) / 1000, ok: false, documents: pending.length });
        if (this.closed) throw new ClosedError(pending.length);
        if (isTransientRequestError(e)) {
          this.noteFailure(errorText(e));
          continue;
        }
        // The whole request was refused (400, 413): halve it to isolate the culprit; one doc → reject.
        if (pending.length > 1) {
          const half = Math.ceil(pending.length / 2);
          queue.unshift(pending.slice(0, half), pending.slice(half));
          return;
        }
        const only = pending[0];
        if (only !== undefined)
          this.reject(result, only, e instanceof errors.ResponseError ? (e.meta.statusCode ?? 0) : 0, errorText(e));
        return;
      }
      const retry: Prepared[] = [];
      let missingTarget = false;
      let retryReason: string | undefined;
      pending.forEach((p, i) => {
        const item = items[i];
        const r = item === undefined ? undefined : Object.values(item)[0];
        if (r === undefined) {
          retry.push(p); // a short response: send it again
          return;
        }
        const outcome = classifyItem(p.target, r.status, r.error ?? undefined);
        switch (outcome) {
          case 'indexed':
            result.indexed++;
            this.counters.indexed++;
            break;
          case 'duplicate':
            result.duplicates++;
            this.counters.duplicates++;
            break;
          case 'missing_target':
            missingTarget = true;
            retry.push(p);
            break;
          case 'retry':
            retryReason ??= describeItemError(r.error ?? undefined, r.status);
            retry.push(p);
            break;
          case 'reject':
            this.reject(result, p, r.status, describeItemError(r.error ?? undefined, r.status));
            break;
        }
      });
      if (retryReason !== undefined) this.noteFailure(retryReason);
      else this.noteRecovered();
      pending = missingTarget ? await this.recreateTargets(retry, result) : retry;
    }
  }

  /** The write alias vanished (deleted by hand, or a wiped cluster): create index + alias again. */
  private async recreateTargets(retry: Prepared[], result: WriteResult): Promise<Prepared[]> {
    const failed = new Set<Target>();
    for (const target of new Set(retry.map((p) => p.target))) {
      this.logger.warn(
        { target: writeName(target, this.namespace) },
        'Elasticsearch write alias missing: creating it again',
      );
      try {
        await this.ensureAliasIndex(target);
      } catch (e) {
        if (e instanceof ClosedError) throw e;
        failed.add(target);
        for (const p of retry) if (p.target === target) this.reject(result, p, 404, errorText(e));
      }
    }
    return retry.filter((p) => !failed.has(p.target));
  }

  private reject(result: WriteResult, p: Prepared, status: number, reason: string): void {
    result.rejected.push({ target: p.target, id: p.id, status, reason });
    this.counters.rejected++;
  }

  private async pause(attempt: number): Promise<void> {
    try {
      await sleep(backoffDelay(attempt, this.backoff, this.random), undefined, { signal: this.abort.signal });
    } catch {
      throw new ClosedError();
    }
  }

  private noteFailure(reason: string): void {
    this.outageAttempts++;
    if (this.outageSince !== undefined) return;
    this.outageSince = Date.now();
    this.counters.outages++;
    this.logger.warn({ reason }, 'Elasticsearch unavailable: indexing paused, retrying with backoff until it is back');
  }

  private noteRecovered(): void {
    if (this.outageSince === undefined) return;
    const outageMs = Date.now() - this.outageSince;
    this.logger.info(
      { outage_ms: outageMs, failed_attempts: this.outageAttempts },
      `Elasticsearch back after ${(outageMs / 1000).toFixed(1)} s: indexing resumed`,
    );
    this.outageSince = undefined;
    this.outageAttempts = 0;
  }

  /** Runs a request until it succeeds or fails permanently; transient failures wait with backoff. */
  private async untilDone<T>(request: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new ClosedError();
      try {
        const out = await request();
        this.noteRecovered();
        return out;
      } catch (e) {
        if (this.closed) throw new ClosedError();
        if (!isTransientRequestError(e)) throw e;
        this.noteFailure(errorText(e));
        this.counters.retries++;
        await this.pause(attempt);
      }
    }
  }

  /**
   * Data stream when the server takes the template and a write creates the stream (probed with a
   * document that is rejected after the stream exists, so nothing is indexed); index + alias otherwise.
   */
  private async streamMode(target: 'call' | 'sip', pipeline: { pipeline?: string }): Promise<CallMode> {
    const name = writeName(target, this.namespace);
    const template = target === 'call' ? callTemplate : sipTemplate;
    const existing = async (): Promise<'data_stream' | 'alias' | 'index' | undefined> => {
      let r;
      try {
        r = await this.untilDone(() =>
          this.client.indices.resolveIndex({ name, expand_wildcards: 'all' }, this.requestOptions()),
        );
      } catch (e) {
        if (e instanceof errors.ResponseError && e.meta.statusCode === 404) return undefined; // nothing yet
        throw e;
      }
      if (r.data_streams.some((d) => d.name === name)) return 'data_stream';
      if (r.aliases.some((a) => a.name === name)) return 'alias';
      if (r.indices.some((i) => i.name === name)) return 'index';
      return undefined;
    };
    let refused: string | undefined;
    try {
      await this.putTemplate(template({ ...pipeline, dataStream: true }));
    } catch (e) {
      if (e instanceof ClosedError) throw e;
      refused = `the data stream template was refused (${errorText(e)})`;
    }
    if (refused === undefined) {
      let found = await existing();
      // An alias left by an earlier fallback run keeps working; the template stays a data stream one.
      if (found === 'alias') return 'alias';
      if (found === 'index') {
        throw new SipwardError(
          'SIPWARD_INDEX_UNAVAILABLE',
          `${name} is a plain index, neither a data stream nor a write alias: move or delete it`,
        );
      }
      if (found === undefined) {
        const probe = [
          JSON.stringify({ create: { _index: name, _id: 'sipward-setup-probe' } }),
          JSON.stringify({ '@timestamp': 'sipward setup probe: not a date, never indexed' }),
        ];
        await this.untilDone(() => this.client.bulk({ operations: probe }, this.requestOptions()));
        found = await existing();
      }
      if (found === 'data_stream') return 'data_stream';
      refused = 'a write did not create the data stream';
    }
    this.logger.warn(
      { reason: refused, target: name },
      `Elasticsearch without data streams: ${target === 'call' ? 'call records' : 'SIP transaction records'} go to an index behind a write alias`,
    );
    await this.putTemplate(template({ ...pipeline, dataStream: false }));
    await this.ensureAliasIndex(target);
    return 'alias';
  }

  private async installPipeline(): Promise<IngestedMode> {
    try {
      await this.untilDone(() => this.client.ingest.putPipeline(ingestPipeline(), this.requestOptions()));
      return 'pipeline';
    } catch (e) {
      if (e instanceof ClosedError) throw e;
      // integ-test-zip: "No processor type exists with name [set]" (no ingest-common module).
      this.logger.info({ err: errorText(e) }, 'no ingest pipeline: the indexer sets event.ingested itself');
      return 'client';
    }
  }

  private async putTemplate(body: IndexTemplateBody): Promise<void> {
    await this.untilDone(() => this.client.indices.putIndexTemplate(body, this.requestOptions()));
  }

  /** Creates `<name>-000001` with `<name>` as its write alias unless the alias exists. Race-safe. */
  private async ensureAliasIndex(target: Target): Promise<void> {
    const alias = writeName(target, this.namespace);
    const index = firstIndexName(target, this.namespace);
    const exists = await this.untilDone(() => this.client.indices.existsAlias({ name: alias }, this.requestOptions()));
    if (exists) return;
    try {
      await this.untilDone(() =>
        this.client.indices.create({ index, aliases: { [alias]: { is_write_index: true } } }, this.requestOptions()),
      );
      this.logger.info({ index, alias }, 'created Elasticsearch index and write alias');
      return;
    } catch (e) {
      if (e instanceof ClosedError) throw e;
      const raced = e instanceof errors.ResponseError && responseErrorType(e) === 'resource_already_exists_exception';
      if (!raced) {
        throw new SipwardError(
          'SIPWARD_INDEX_UNAVAILABLE',
          `cannot create ${index} with write alias ${alias}: ${errorText(e)}`,
          {
            cause: e,
          },
        );
      }
    }
    // Another analyzer created the index first; it created the alias in the same request, but an
    // index left without one (deleted alias) gets it back here.
    const again = await this.untilDone(() => this.client.indices.existsAlias({ name: alias }, this.requestOptions()));
    if (!again) {
      await this.untilDone(() =>
        this.client.indices.updateAliases(
          { actions: [{ add: { index, alias, is_write_index: true } }] },
          this.requestOptions(),
        ),
      );
    }
  }
}
