//! One consumer-group stage of the analyzer (kafkajs). Each assigned partition gets a task that
//! holds that partition's state. A task is built by replaying its partition from the start of the
//! retained log up to the committed offset with outputs switched off, so state moves with the
//! partition on a rebalance or a restart (the log is the changelog; README "Pipeline").
//!
//! Outputs are off the per-batch path: after a batch the task's outputs are handed to a delivery
//! that runs while consumption goes on (one delivery in flight per task; what arrives meanwhile is
//! coalesced into the next). A partition's offset is committed only up to what its acknowledged
//! deliveries cover (at-least-once; ids are deterministic). A task whose undelivered outputs pass
//! a bound makes its partition wait (back-pressure).
import type { Admin, KafkaMessage } from '../../../lib/src/kafka/client';
import type { GroupBatchPayload, GroupConsumer } from '../../../lib/src/kafka/group-consumer';
import type { Logger } from '../../../lib/src/logger';
import { publishConsumerLag } from '../../../lib/src/metrics/channels';

export interface StageTask {
  /** `replaying`: rebuilding state only; outputs of this message were delivered before. */
  process(message: KafkaMessage, replaying: boolean): void;
  /** Delivers the outputs gathered since the last flush; resolves (true if anything went out) once acknowledged. */
  flush(): Promise<boolean>;
  /** Outputs gathered and not yet handed to a flush (the back-pressure measure). */
  backlog(): number;
  /** The batch left nothing behind on the broker for this partition. */
  caughtUp?(lag: number): void;
}

export interface StageRunnerOptions<T extends StageTask = StageTask> {
  /** The group's consumer (lib/src/kafka/group-consumer.ts; a plain object in unit tests). */
  consumer: GroupConsumer;
  /** Where a rebuild starts: the partition's low offset. */
  admin: Pick<Admin, 'fetchTopicOffsets'>;
  groupId: string;
  topic: string;
  log: Logger;
  createTask: (partition: number) => T;
  /** Called when partitions are no longer ours (state dropped). */
  onRevoked?: (partitions: number[]) => void;
  /** Partitions processed at once (default 1: measured no faster on 2 shared cores). */
  concurrency?: number;
  /** A task with more undelivered outputs than this waits for its delivery in flight. Default 20 000. */
  maxBacklog?: number;
  /** How often offsets covered by acknowledged outputs are committed. Default 200 ms. */
  commitEveryMs?: number;
}

/**
 * Batches that delivered nothing (watermark ticks only) commit at most this often: their offsets
 * only shorten a rebuild, and a commit per tick would be most of the broker's work.
 */
const COMMIT_INTERVAL_MS = 1000;
/** Offsets covered by acknowledged outputs are committed this often (one request for all partitions). */
const DELIVERED_COMMIT_MS = 200;
const DEFAULT_MAX_BACKLOG = 20_000;
/** Longest stretch of synchronous processing before the event loop gets a turn. */
const SLICE_MS = 100;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface TaskEntry<T extends StageTask> {
  task: T;
  /** Offsets below this are replayed (state only); the committed offset when the task was built. */
  replayUntil: number;
  /** Next offset the task expects: protects against a re-fetch of an already processed batch. */
  next: number;
  /** Wall time of the last commit (watermark-only batches commit at most once a second). */
  committedAt: number;
  committed: number;
  /** Offsets below this have had their outputs acknowledged (what a watermark may vouch for). */
  delivered: number;
  /** The delivery in flight, if any. */
  inFlight: Promise<void> | undefined;
  /** Records were processed after the delivery in flight took its outputs: deliver again when it ends. */
  again: boolean;
  /** An acknowledged delivery carried outputs since the last commit (commit soon, not once a second). */
  wrote: boolean;
}

export interface StageStats {
  partitions: number[];
  processed: number;
  replayed: number;
  commits: number;
  rebuilds: number;
  /** Deliveries acknowledged / failed (a failed one is retried with the next). */
  deliveries: number;
  delivery_failures: number;
  /** Times a partition waited for its delivery because its backlog passed the bound. */
  backpressure_waits: number;
  /**
   * Where the stage's wall time goes (ms, summed over partitions): fetched batches handled; time
   * inside them (processing, back-pressure waits, heartbeats) — the rest of the wall time is the
   * consumer fetching or idle; processing alone; back-pressure waits; and deliveries in flight
   * (they overlap processing).
   */
  batches: number;
  busy_ms: number;
  process_ms: number;
  backpressure_ms: number;
  delivery_ms: number;
}

/** A stage's counters before it has done anything (also what a stage that is not running reports). */
export function emptyStageStats(): StageStats {
  return {
    partitions: [],
    processed: 0,
    replayed: 0,
    commits: 0,
    rebuilds: 0,
    deliveries: 0,
    delivery_failures: 0,
    backpressure_waits: 0,
    batches: 0,
    busy_ms: 0,
    process_ms: 0,
    backpressure_ms: 0,
    delivery_ms: 0,
  };
}

export class StageRunner<T extends StageTask = StageTask> {
  private readonly consumer: GroupConsumer;
  private readonly tasks = new Map<number, TaskEntry<T>>();
  private assigned: number[] = [];
  private readonly stats: StageStats = emptyStageStats();
  private stopping = false;
  private committer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;

  constructor(private readonly options: StageRunnerOptions<T>) {
    this.consumer = options.consumer;
    this.consumer.onAssigned(options.topic, (mine) => {
      this.assigned = [...mine].sort((a, b) => a - b);
      const revoked = [...this.tasks.keys()].filter((p) => !mine.includes(p));
      for (const p of revoked) this.tasks.delete(p);
      if (revoked.length > 0) options.onRevoked?.(revoked);
      options.log.info(
        { group: options.groupId, topic: options.topic, partitions: this.assigned },
        'partitions assigned',
      );
    });
    this.consumer.onCrash((message, restart) => {
      options.log.error({ group: options.groupId, err: message, restart }, 'consumer crashed');
    });
  }

  /** Partitions assigned to this instance (tasks exist only once data arrived for them). */
  get partitions(): readonly number[] {
    return this.assigned;
  }

  task(partition: number): T | undefined {
    return this.tasks.get(partition)?.task;
  }

  /** Tasks that finished rebuilding (ticks and time-driven work only make sense for them). */
  liveTasks(): Array<[number, T]> {
    const out: Array<[number, T]> = [];
    for (const [p, entry] of this.tasks) if (entry.next >= entry.replayUntil) out.push([p, entry.task]);
    return out;
  }

  /** Next offset whose outputs are not yet acknowledged, for a partition with a live task. */
  deliveredPosition(partition: number): number | undefined {
    const entry = this.tasks.get(partition);
    return entry === undefined || entry.next < entry.replayUntil ? undefined : entry.delivered;
  }

  snapshot(): StageStats {
    const s = this.stats;
    const ms = (v: number): number => Math.round(v);
    return {
      ...s,
      busy_ms: ms(s.busy_ms),
      process_ms: ms(s.process_ms),
      backpressure_ms: ms(s.backpressure_ms),
      delivery_ms: ms(s.delivery_ms),
      partitions: [...this.assigned],
    };
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe(this.options.topic);
    // Tasks are per partition and independent, so more is safe; on 2 shared cores it measured no faster.
    await this.consumer.run(this.options.concurrency ?? 1, (payload) => this.onBatch(payload));
    this.committer = setInterval(() => void this.commitDelivered(), this.options.commitEveryMs ?? DELIVERED_COMMIT_MS);
  }

  /** Waits (bounded) for deliveries in flight and commits what they covered, then leaves the group. */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopping = true;
    if (this.committer !== undefined) clearInterval(this.committer);
    const inFlight = [...this.tasks.values()].flatMap((e) => (e.inFlight === undefined ? [] : [e.inFlight]));
    if (inFlight.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(inFlight),
        new Promise((r) => {
          timer = setTimeout(r, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    await this.commitDelivered(true).catch(() => undefined);
    await this.consumer.disconnect();
  }

  /**
   * Hands the task's outputs to a delivery unless one is in flight (then they wait for it and go
   * together, coalesced). When it is acknowledged, the partition's delivered offset moves to what
   * the task had processed when the delivery began.
   */
  private deliver(p: number, entry: TaskEntry<T>): void {
    if (entry.inFlight !== undefined) {
      entry.again = true;
      return;
    }
    entry.again = false;
    const upTo = entry.next;
    const started = performance.now();
    entry.inFlight = entry.task
      .flush()
      .finally(() => {
        this.stats.delivery_ms += performance.now() - started;
      })
      .then(
        (wrote) => {
          if (upTo > entry.delivered) entry.delivered = upTo;
          if (wrote) entry.wrote = true;
          this.stats.deliveries++;
          return true;
        },
        (error: unknown) => {
          // The task kept the outputs; the next batch (or stop) delivers them again.
          this.stats.delivery_failures++;
          this.options.log.debug(
            { group: this.options.groupId, partition: p, err: (error as Error).message },
            'delivery failed (kept for the next one)',
          );
          return false;
        },
      )
      .then((ok) => {
        entry.inFlight = undefined;
        if (ok && entry.again && !this.stopping && this.tasks.get(p) === entry) this.deliver(p, entry);
      });
  }

  /** One commit request for every partition whose acknowledged outputs moved past its committed offset. */
  private async commitDelivered(force = false): Promise<void> {
    if (this.committing !== undefined) return this.committing;
    const now = Date.now();
    const due: Array<[number, TaskEntry<T>, number]> = [];
    for (const [p, entry] of this.tasks) {
      const upTo = entry.delivered;
      if (upTo <= entry.replayUntil || upTo <= entry.committed) continue;
      if (!force && !entry.wrote && now - entry.committedAt < COMMIT_INTERVAL_MS) continue;
      due.push([p, entry, upTo]);
    }
    if (due.length === 0) return;
    this.committing = (async () => {
      try {
        await this.consumer.commitOffsets(
          due.map(([p, , upTo]) => ({ topic: this.options.topic, partition: p, offset: String(upTo) })),
        );
        for (const [, entry, upTo] of due) {
          entry.committed = upTo;
          entry.committedAt = now;
          entry.wrote = false;
        }
        this.stats.commits++;
      } catch (error) {
        // A rebalance in progress: the next period commits (or the new owner replays a little more).
        this.options.log.debug({ group: this.options.groupId, err: (error as Error).message }, 'commit failed');
      } finally {
        this.committing = undefined;
      }
    })();
    return this.committing;
  }

  private async lowOffset(partition: number): Promise<number> {
    const offsets = await this.options.admin.fetchTopicOffsets(this.options.topic);
    const found = offsets.find((o) => o.partition === partition);
    return found === undefined ? 0 : Number(found.low);
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: GroupBatchPayload): Promise<void> {
    const p = batch.partition;
    let entry = this.tasks.get(p);
    const first = Number(batch.firstOffset() ?? batch.messages[0]?.offset ?? 0);
    if (entry === undefined) {
      const low = await this.lowOffset(p);
      entry = {
        task: this.options.createTask(p),
        replayUntil: first,
        next: low,
        committedAt: 0,
        committed: first,
        delivered: first,
        inFlight: undefined,
        again: false,
        wrote: false,
      };
      this.tasks.set(p, entry);
      if (first > low) {
        // Rebuild: everything before the committed offset again, outputs off.
        this.stats.rebuilds++;
        this.options.log.info(
          { group: this.options.groupId, partition: p, from: low, until: first },
          'rebuilding partition state',
        );
        this.consumer.seek({ topic: this.options.topic, partition: p, offset: String(low) });
        return;
      }
      entry.next = first;
    }
    // Keep the group membership alive while outputs wait for a slow or absent Elasticsearch.
    const pump = setInterval(() => void heartbeat().catch(() => undefined), 2000);
    const batchStart = performance.now();
    this.stats.batches++;
    try {
      let last = -1;
      let sliceStart = batchStart;
      for (const message of batch.messages) {
        // A big batch is processed in slices: heartbeats and deliveries run between them.
        if (performance.now() - sliceStart > SLICE_MS) {
          this.stats.process_ms += performance.now() - sliceStart;
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
        if (!isRunning() || isStale() || this.stopping) break;
        const offset = Number(message.offset);
        // Resolved = fetched past (kafkajs fetches from the last resolved offset); never a commit:
        // commits happen below, after the outputs are acknowledged.
        resolveOffset(message.offset);
        if (offset < entry.next) continue;
        const replaying = offset < entry.replayUntil;
        entry.task.process(message, replaying);
        if (replaying) this.stats.replayed++;
        else this.stats.processed++;
        entry.next = offset + 1;
        last = offset;
      }
      this.stats.process_ms += performance.now() - sliceStart;
      if (last < 0) return;
      const lag = Number(batch.highWatermark) - (last + 1);
      entry.task.caughtUp?.(lag);
      publishConsumerLag({ topic: this.options.topic, partition: p, lag });
      this.deliver(p, entry);
      // Back-pressure: outputs pile up faster than they are acknowledged (slow or absent Elasticsearch).
      while (entry.inFlight !== undefined && entry.task.backlog() > (this.options.maxBacklog ?? DEFAULT_MAX_BACKLOG)) {
        this.stats.backpressure_waits++;
        const waitStart = performance.now();
        await entry.inFlight;
        this.stats.backpressure_ms += performance.now() - waitStart;
        if (this.stopping || this.tasks.get(p) !== entry) break;
      }
      await heartbeat();
    } finally {
      clearInterval(pump);
      this.stats.busy_ms += performance.now() - batchStart;
    }
  }
}
