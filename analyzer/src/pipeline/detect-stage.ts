//! Stage 2 of the analyzer, one task per partition of the keyed topic: every group of every
//! signature lives in exactly one of these partitions (routing.ts). The task drops re-delivered
//! records, puts events back into event-time order across the upstream partitions
//! (reorder-buffer.ts), runs the signatures the record names, and hands alerts to the indexer.
import type { KafkaMessage } from '../../../lib/src/kafka/client';
import type { Alert } from '../../../schema/src/alert';
import { DetectionEngine } from '../engine/engine';
import type { LoadedSignature, Signature } from '../engine/signature';
import type { SipEvent } from '../../../schema/src/sip-event';
import type { Enrichment } from '../engine/enrich/enrichment';
import {
  decodeKeyed,
  decodeKeyedLines,
  headerText,
  KEYED_LINES,
  LineBuilders,
  parseKeyedLine,
  type KeyedEvent,
  type LineBuilder,
} from './records';
import { ReorderBuffer } from './reorder-buffer';
import { publishAlert } from '../../../lib/src/metrics/channels';

/** An event waiting for its turn: v3 events keep their line as text until released. */
interface Pending {
  t: number;
  p: number;
  o: number;
  ids: ReadonlySet<string>;
  escalate: ReadonlySet<string> | undefined;
  /** The values of a v3 event (JSON text), parsed and rebuilt on release. */
  line: string | undefined;
  build: LineBuilder | undefined;
  /** An event of an older record, parsed with it. */
  event: { e: SipEvent; c: Enrichment } | undefined;
}

/** Distinct signature-id lists kept as sets (few: one per routing outcome); cleared past this. */
const MAX_ID_SETS = 4096;

export interface DetectTaskOptions {
  partition: number;
  signatures: ReadonlyArray<LoadedSignature | Signature>;
  upstreamPartitions: number;
  maxGroupsPerSignature?: number;
  deliver: (alerts: Alert[]) => Promise<void>;
}

export interface DetectTaskStats {
  records: number;
  ticks: number;
  duplicates: number;
  malformed: number;
  late: number;
  evaluated: number;
  alerts: number;
  buffered: number;
}

export class DetectTask {
  private readonly engine: DetectionEngine;
  private readonly buffer: ReorderBuffer<Pending>;
  /** Highest upstream offset seen per upstream partition: a re-enriched record is a duplicate. */
  private readonly seen = new Map<number, number>();
  private alerts = new Map<string, Alert>();
  private readonly idSets = new Map<string, ReadonlySet<string>>();
  private readonly builders = new LineBuilders();
  private replaying = false;
  readonly stats: DetectTaskStats = {
    records: 0,
    ticks: 0,
    duplicates: 0,
    malformed: 0,
    late: 0,
    evaluated: 0,
    alerts: 0,
    buffered: 0,
  };

  constructor(private readonly options: DetectTaskOptions) {
    this.buffer = new ReorderBuffer(options.upstreamPartitions);
    this.engine = new DetectionEngine(options.signatures, {
      emitUpdates: false,
      ...(options.maxGroupsPerSignature !== undefined ? { maxGroupsPerSignature: options.maxGroupsPerSignature } : {}),
      onAlert: (alert) => {
        if (this.replaying) return;
        // Open, update and final share the id: the newest version is the one to index.
        this.alerts.set(alert.event.id, alert);
      },
    });
  }

  process(message: KafkaMessage, replaying: boolean): void {
    this.replaying = replaying;
    const contentType = headerText(message.headers?.['content-type']);
    if (contentType === KEYED_LINES) {
      const lines =
        message.value === null ? undefined : decodeKeyedLines(message.value.toString('utf8'), this.builders);
      if (lines === undefined) {
        this.stats.malformed++;
        return;
      }
      // A record's events share its header's id arrays: each is looked up once per record.
      const sets = new Map<readonly string[], ReadonlySet<string>>();
      const setOf = (ids: readonly string[]): ReadonlySet<string> => {
        let set = sets.get(ids);
        if (set === undefined) sets.set(ids, (set = this.idSet(ids)));
        return set;
      };
      for (const l of lines)
        this.accept(
          l.p,
          l.o,
          l.t,
          setOf(l.ids),
          l.escalate.length === 0 ? undefined : setOf(l.escalate),
          l.line,
          l.build,
          undefined,
        );
      return;
    }
    const record = decodeKeyed(message.value, contentType);
    if (record === undefined) {
      this.stats.malformed++;
      return;
    }
    if (record.k === 'w') {
      this.stats.ticks++;
      this.buffer.tick({ p: record.p, t: record.t, idle: record.i });
      this.release();
      return;
    }
    for (const item of record.k === 'b' ? record.r : [record]) this.acceptEvent(item);
  }

  private acceptEvent(r: KeyedEvent): void {
    const escalate = r.x === undefined || r.x.length === 0 ? undefined : this.idSet(r.x);
    this.accept(r.p, r.o, r.t, this.idSet(r.s), escalate, undefined, undefined, { e: r.e, c: r.c });
  }

  private accept(
    p: number,
    o: number,
    t: number,
    ids: ReadonlySet<string>,
    escalate: ReadonlySet<string> | undefined,
    line: string | undefined,
    build: LineBuilder | undefined,
    event: Pending['event'],
  ): void {
    this.stats.records++;
    const last = this.seen.get(p);
    if (last !== undefined && o <= last) {
      this.stats.duplicates++;
      return;
    }
    this.seen.set(p, o);
    this.buffer.push({
      t,
      p,
      o,
      ids,
      escalate,
      line,
      build,
      event,
    });
    this.stats.late = this.buffer.late;
    this.stats.buffered = this.buffer.size;
  }

  /** One set per distinct id list, shared by every event that names it. */
  private idSet(ids: readonly string[]): ReadonlySet<string> {
    const key = ids.join('\u001f');
    let set = this.idSets.get(key);
    if (set === undefined) {
      if (this.idSets.size >= MAX_ID_SETS) this.idSets.clear();
      set = new Set(ids);
      this.idSets.set(key, set);
    }
    return set;
  }

  /** The reorder state (diagnostics: `kill -USR2` on the daemon prints it). */
  /** Signature state held and evicted by this partition's engine (metrics). */
  engineState(): { entries: number; evictions: number } {
    const { stateEntries, evictions } = this.engine.stats();
    return { entries: stateEntries, evictions };
  }

  inspect(): { buffered: number; watermark: ReturnType<ReorderBuffer<Pending>['watermark']>; engineTime: number } {
    return { buffered: this.buffer.size, watermark: this.buffer.watermark(), engineTime: this.engine.watermark };
  }

  private release(): void {
    const { items, advanceTo } = this.buffer.release();
    for (const item of items) {
      const event =
        item.line === undefined || item.build === undefined ? item.event : parseKeyedLine(item.line, item.build);
      if (event === undefined) {
        // A line that is not JSON in a record whose header holds together: that event alone.
        this.stats.malformed++;
        continue;
      }
      this.engine.evaluateOnly(event.e, event.c, item.t, item.ids, item.escalate);
      this.stats.evaluated++;
    }
    if (advanceTo !== undefined) this.engine.advance(advanceTo);
    this.stats.buffered = this.buffer.size;
  }

  backlog(): number {
    return this.alerts.size;
  }

  async flush(): Promise<boolean> {
    if (!this.replaying) this.engine.emitPending();
    if (this.alerts.size === 0) return false;
    const alerts = [...this.alerts.values()];
    const held = this.alerts;
    this.alerts = new Map();
    try {
      await this.options.deliver(alerts);
    } catch (error) {
      // Newer versions that arrived meanwhile win over the ones being put back.
      for (const [id, alert] of this.alerts) held.set(id, alert);
      this.alerts = held;
      throw error;
    }
    this.stats.alerts += alerts.length;
    for (const alert of alerts) publishAlert({ signature: alert.rule.id, id: alert.event.id });
    return true;
  }
}
