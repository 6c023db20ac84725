//! Stage 1 of the analyzer, one task per partition of `sip.events` (keyed by Call-ID): drops
//! poison and duplicate events, enriches each event (transaction, dialog, site, numbers), builds
//! call records, and re-keys the event to the detect stage — one record per keyed partition that
//! owns a group the event can change. Everything here is per Call-ID, so a partition's task holds
//! all the state its events need.
import type { KafkaMessage } from '../../../lib/src/kafka/client';
import type { CallRecord } from '../../../schema/src/call-record';
import type { SipTransaction } from '../../../schema/src/sip-transaction';
import { CallTracker } from '../calls/call-tracker';
import type { CompiledSignature } from '../engine/compile/compile-signature';
import { EventEnricher, type EnricherOptions } from '../engine/enrich/event-enricher';
import { SipTransactionLog } from '../siplog/transaction-log';
import { RecentIds } from '../state/recent-ids';
import { recordEncoding, splitEventBatch } from '../../../schema/src/event-records';
import {
  decodeSipEvent,
  EVENT_SLOTS,
  headerText,
  KEYED_LINES,
  keyedLinesValue,
  type KeyedItem,
  type PoisonReason,
} from './records';
import { Projector } from './projection';
import { Router } from './routing';

/** One record of the keyed topic: a batch of keyed events for one partition. */
export interface KeyedOut {
  partition: number;
  value: string;
  /** The record's content-type header (records.ts KEYED_LINES). */
  contentType: string;
  /** Keyed events in the record. */
  count: number;
}

/**
 * Keyed events per keyed partition, cut into v3 records (records.ts) at delivery, each below
 * `maxRecordBytes` (the broker refuses record batches over message.max.bytes, 1 MB by default).
 */
export function keyedRecords(
  upstreamPartition: number,
  byPartition: ReadonlyMap<number, readonly KeyedItem[]>,
  maxRecordBytes: number,
): KeyedOut[] {
  const out: KeyedOut[] = [];
  const cut = (partition: number, items: readonly KeyedItem[]): void => {
    const value = keyedLinesValue(upstreamPartition, items);
    out.push({ partition, value, contentType: KEYED_LINES, count: items.length });
  };
  for (const [partition, items] of byPartition) {
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < items.length; i++) {
      // The line, its newline and its header columns (position, time, two set indices).
      const size = (items[i] as KeyedItem).line.length + 40;
      if (i > start && bytes + size > maxRecordBytes) {
        cut(partition, items.slice(start, i));
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (start < items.length) cut(partition, start === 0 ? items : items.slice(start));
  }
  return out;
}

/** Bytes of serialised keyed events per keyed record (well below the broker's 1 MB default). */
export const MAX_KEYED_RECORD_BYTES = 256 * 1024;

export interface DeadLetter {
  partition: number;
  offset: string;
  reason: PoisonReason;
  detail: string;
  value: Buffer | null;
  key: Buffer | null;
}

/** What one batch of a dialog task produced, delivered by the daemon before the commit. */
export interface DialogOutputs {
  keyed: KeyedOut[];
  calls: CallRecord[];
  /** SIP transaction log records (only with `sipLog`). */
  transactions: SipTransaction[];
  dead: DeadLetter[];
}

export interface DialogTaskOptions {
  partition: number;
  signatures: readonly CompiledSignature[];
  keyedPartitions: number;
  enricher: EnricherOptions;
  /** Event ids remembered to drop a re-published event (collector restart). */
  dedupeEntries?: number;
  /** Build the SIP transaction log (transactions are per Call-ID, so per partition like calls). */
  sipLog?: boolean;
  deliver: (outputs: DialogOutputs) => Promise<void>;
}

export interface DialogTaskStats {
  events: number;
  duplicates: number;
  poison: Partial<Record<PoisonReason, number>>;
  keyedRecords: number;
  calls: number;
  transactions: number;
}

export class DialogTask {
  private readonly enricher: EventEnricher;
  private readonly router: Router;
  private readonly projector: Projector;
  private readonly tracker: CallTracker;
  private readonly sipLog: SipTransactionLog | undefined;
  private readonly seen: RecentIds;
  /** Keyed events (each line serialised once) per keyed partition, not yet handed to a delivery. */
  private keyed = new Map<number, KeyedItem[]>();
  private keyedPending = 0;
  private out: DialogOutputs = { keyed: [], calls: [], transactions: [], dead: [] };
  private replaying = false;
  /** Highest event time seen in this partition (ms). */
  streamTime = -Infinity;
  /**
   * Highest event time whose re-keyed records are acknowledged: what a watermark tick may vouch
   * for. Ticking with `streamTime` instead lets a tick overtake the records of a batch still
   * being delivered, and the detect stage would see them late.
   */
  deliveredTime = -Infinity;
  lag = Infinity;
  lastRecordWallMs = 0;
  readonly stats: DialogTaskStats = {
    events: 0,
    duplicates: 0,
    poison: {},
    keyedRecords: 0,
    calls: 0,
    transactions: 0,
  };

  constructor(private readonly options: DialogTaskOptions) {
    this.enricher = new EventEnricher(options.enricher);
    this.router = new Router(options.signatures, options.keyedPartitions);
    this.projector = new Projector(options.signatures.map((c) => c.signature));
    this.seen = new RecentIds(options.dedupeEntries ?? 500_000);
    this.tracker = new CallTracker({
      onCall: (record) => {
        if (this.replaying) return;
        this.out.calls.push(record);
        this.stats.calls++;
      },
    });
    this.sipLog =
      options.sipLog === true
        ? new SipTransactionLog({
            onTransaction: (record) => {
              if (this.replaying) return;
              this.out.transactions.push(record);
              this.stats.transactions++;
            },
          })
        : undefined;
  }

  process(message: KafkaMessage, replaying: boolean): void {
    this.replaying = replaying;
    this.lastRecordWallMs = Date.now();
    const base = Number(message.offset) * EVENT_SLOTS;
    const contentType = headerText(message.headers?.['content-type']);
    const encoding = recordEncoding(contentType);
    if (encoding === 'event') {
      this.processEvent(message, message.value, base);
      return;
    }
    if (encoding === undefined || message.value === null) {
      this.poison(
        message,
        encoding === undefined ? 'unknown_encoding' : 'empty',
        encoding === undefined ? `content-type ${contentType ?? ''} is not one this analyzer reads` : 'empty batch',
        message.value,
      );
      return;
    }
    const lines = splitEventBatch(message.value.toString('utf8'));
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (i >= EVENT_SLOTS) {
        this.poison(
          message,
          'batch_too_large',
          `event ${i} of a record of ${lines.length} (at most ${EVENT_SLOTS})`,
          line,
        );
        continue;
      }
      this.processEvent(message, line, base + i);
    }
  }

  private poison(message: KafkaMessage, reason: PoisonReason, detail: string, value: Buffer | string | null): void {
    this.stats.poison[reason] = (this.stats.poison[reason] ?? 0) + 1;
    if (this.replaying) return;
    this.out.dead.push({
      partition: this.options.partition,
      offset: message.offset,
      reason,
      detail,
      value: typeof value === 'string' ? Buffer.from(value) : value,
      key: message.key,
    });
  }

  /** One event of a record; `o` is its upstream position (offset × EVENT_SLOTS + index). */
  private processEvent(message: KafkaMessage, value: Buffer | string | null, o: number): void {
    const replaying = this.replaying;
    const decoded = decodeSipEvent(value);
    if (!decoded.ok) {
      this.poison(message, decoded.reason, decoded.detail, value);
      return;
    }
    const { event, t } = decoded;
    // A collector that restarts re-publishes what it had sent: its event ids are deterministic.
    if (!this.seen.add(event.event.id)) {
      this.stats.duplicates++;
      return;
    }
    this.stats.events++;
    if (t > this.streamTime) this.streamTime = t;
    const now = this.streamTime;
    const ctx = this.enricher.enrich(event, now);
    this.tracker.process(event);
    this.sipLog?.process(event);
    const { targets, all } = this.router.route(event, ctx);
    if (targets.length === 0 || replaying) return;
    // Projected once for all its targets (the union of their signatures' fields), so the detect
    // stage parses only what it reads.
    const { line, shape } = this.projector.project(all, event, ctx);
    for (const { partition, ids, escalate } of targets) {
      const list = this.keyed.get(partition);
      const item: KeyedItem = { o, t, line, shape, ids, escalate };
      if (list === undefined) this.keyed.set(partition, [item]);
      else list.push(item);
    }
    this.keyedPending += targets.length;
    this.stats.keyedRecords += targets.length;
  }

  caughtUp(lag: number): void {
    this.lag = lag;
  }

  /**
   * The partition is idle (caught up and quiet): calls that ended are emitted without waiting for
   * later events to move time past their linger — no later event of theirs is coming.
   */
  idle(): void {
    // Only live (rebuilt) tasks go idle: what is emitted now was never delivered, even when the
    // last record this task saw was a replayed one.
    this.replaying = false;
    if (this.streamTime === -Infinity) return;
    this.tracker.releaseIdle(this.streamTime, 32_000);
    this.sipLog?.advance(this.streamTime + 32_000);
  }

  /** Flushes run one after another (a batch and the idle timer may both ask). */
  private flushing: Promise<unknown> = Promise.resolve();

  flush(): Promise<boolean> {
    const run = this.flushing.then(() => this.flushNow());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  backlog(): number {
    let kept = 0;
    // Records put back by a failed delivery count as much as the events not yet cut into records.
    for (const k of this.out.keyed) kept += k.count;
    return this.keyedPending + kept + this.out.calls.length + this.out.transactions.length;
  }

  private async flushNow(): Promise<boolean> {
    if (this.keyedPending > 0) {
      this.out.keyed.push(...keyedRecords(this.options.partition, this.keyed, MAX_KEYED_RECORD_BYTES));
      this.keyed = new Map();
      this.keyedPending = 0;
    }
    const out = this.out;
    const upTo = this.streamTime;
    if (out.keyed.length === 0 && out.calls.length === 0 && out.transactions.length === 0 && out.dead.length === 0) {
      this.deliveredTime = upTo;
      return false;
    }
    this.out = { keyed: [], calls: [], transactions: [], dead: [] };
    try {
      await this.options.deliver(out);
    } catch (error) {
      // Kept for the next flush: the batch is not committed, and nothing it produced is dropped.
      this.out = {
        keyed: [...out.keyed, ...this.out.keyed],
        calls: [...out.calls, ...this.out.calls],
        transactions: [...out.transactions, ...this.out.transactions],
        dead: [...out.dead, ...this.out.dead],
      };
      throw error;
    }
    if (upTo > this.deliveredTime) this.deliveredTime = upTo;
    return true;
  }

  /** Entries of the tables this task holds: enricher, remembered event ids, half_open routes (calls: not counted). */
  stateSize(): number {
    return this.enricher.stateEntries + this.seen.size + this.router.pendingSize;
  }

  /** Transaction and dialog state held and evicted by this partition's enricher (metrics). */
  enricherState(): { entries: number; evictions: number } {
    return { entries: this.enricher.stateEntries, evictions: this.enricher.evictions };
  }
}
