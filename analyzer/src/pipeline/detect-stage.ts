//! Stage 2 of the analyzer, one task per partition of the keyed topic: every group of every
//! signature lives in exactly one of these partitions (routing.ts). The task drops re-delivered
//! records, puts events back into event-time order across the upstream partitions
//! (reorder-buffer.ts), runs the signatures the record names, and hands alerts to the indexer.
import type { KafkaMessage } from '../../../lib/src/kafka/client';
import type { Alert } from '../../../schema/src/alert';
import { DetectionEngine } from '../engine/engine';
import type { LoadedSignature, Signature } from '../engine/signature';
import { decodeKeyed, type KeyedEvent } from './records';
import { ReorderBuffer } from './reorder-buffer';
import { publishAlert } from '../../../lib/src/metrics/channels';

interface Pending {
  t: number;
  p: number;
  o: number;
  record: KeyedEvent;
}

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
    const record = decodeKeyed(message.value);
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
    if (record.k === 'b') {
      for (const item of record.r) this.accept(item);
    } else {
      this.accept(record);
    }
  }

  private accept(record: KeyedEvent): void {
    this.stats.records++;
    const last = this.seen.get(record.p);
    if (last !== undefined && record.o <= last) {
      this.stats.duplicates++;
      return;
    }
    this.seen.set(record.p, record.o);
    this.buffer.push({ t: record.t, p: record.p, o: record.o, record });
    this.stats.late = this.buffer.late;
    this.stats.buffered = this.buffer.size;
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
    for (const { record } of items) {
      this.engine.evaluateOnly(
        record.e,
        record.c,
        record.t,
        new Set(record.s),
        record.x === undefined ? undefined : new Set(record.x),
      );
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
