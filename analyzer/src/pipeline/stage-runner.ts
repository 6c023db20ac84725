//! One consumer-group stage of the analyzer (kafkajs). Each assigned partition gets a task that
//! holds that partition's state. A task is built by replaying its partition from the start of the
//! retained log up to the committed offset with outputs switched off, so state moves with the
//! partition on a rebalance or a restart (the log is the changelog; README "Pipeline"). Offsets
//! are committed only after the outputs of the batch are acknowledged (Kafka and Elasticsearch).
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from '../../../lib/src/kafka/client';
import type { Logger } from '../../../lib/src/logger';
import { publishConsumerLag } from '../../../lib/src/metrics/channels';

export interface StageTask {
  /** `replaying`: rebuilding state only; outputs of this message were delivered before. */
  process(message: KafkaMessage, replaying: boolean): void;
  /** Delivers the outputs gathered since the last flush; resolves (true if anything went out) once acknowledged. */
  flush(): Promise<boolean>;
  /** The batch left nothing behind on the broker for this partition. */
  caughtUp?(lag: number): void;
}

export interface StageRunnerOptions {
  kafka: Kafka;
  admin: Admin;
  groupId: string;
  topic: string;
  log: Logger;
  createTask: (partition: number) => StageTask;
  /** Called when partitions are no longer ours (state dropped). */
  onRevoked?: (partitions: number[]) => void;
  sessionTimeoutMs?: number;
  /** Partitions processed at once (default 1: measured no faster on 2 shared cores). */
  concurrency?: number;
}

/**
 * Batches that delivered nothing (watermark ticks only) commit at most this often: their offsets
 * only shorten a rebuild, and a commit per tick would be most of the broker's work.
 */
const COMMIT_INTERVAL_MS = 1000;

interface TaskEntry {
  task: StageTask;
  /** Offsets below this are replayed (state only); the committed offset when the task was built. */
  replayUntil: number;
  /** Next offset the task expects: protects against a re-fetch of an already processed batch. */
  next: number;
  /** Wall time of the last commit (watermark-only batches commit at most once a second). */
  committedAt: number;
  committed: number;
  /** Offsets below this have had their outputs acknowledged (what a watermark may vouch for). */
  delivered: number;
}

export interface StageStats {
  partitions: number[];
  processed: number;
  replayed: number;
  commits: number;
  rebuilds: number;
}

export class StageRunner {
  private readonly consumer: Consumer;
  private readonly tasks = new Map<number, TaskEntry>();
  private assigned: number[] = [];
  private readonly stats: StageStats = { partitions: [], processed: 0, replayed: 0, commits: 0, rebuilds: 0 };
  private stopping = false;

  constructor(private readonly options: StageRunnerOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      // Short enough that a killed instance's partitions move within seconds, long enough for a GC pause.
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 3000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
      readUncommitted: false,
    });
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      const mine = e.payload.memberAssignment[options.topic] ?? [];
      this.assigned = [...mine].sort((a, b) => a - b);
      const revoked = [...this.tasks.keys()].filter((p) => !mine.includes(p));
      for (const p of revoked) this.tasks.delete(p);
      if (revoked.length > 0) options.onRevoked?.(revoked);
      options.log.info(
        { group: options.groupId, topic: options.topic, partitions: this.assigned },
        'partitions assigned',
      );
    });
    this.consumer.on(CRASH, (e) => {
      options.log.error(
        { group: options.groupId, err: e.payload.error.message, restart: e.payload.restart },
        'consumer crashed',
      );
    });
  }

  /** Partitions assigned to this instance (tasks exist only once data arrived for them). */
  get partitions(): readonly number[] {
    return this.assigned;
  }

  task(partition: number): StageTask | undefined {
    return this.tasks.get(partition)?.task;
  }

  /** Tasks that finished rebuilding (ticks and time-driven work only make sense for them). */
  liveTasks(): Array<[number, StageTask]> {
    const out: Array<[number, StageTask]> = [];
    for (const [p, entry] of this.tasks) if (entry.next >= entry.replayUntil) out.push([p, entry.task]);
    return out;
  }

  /** Next offset whose outputs are not yet acknowledged, for a partition with a live task. */
  deliveredPosition(partition: number): number | undefined {
    const entry = this.tasks.get(partition);
    return entry === undefined || entry.next < entry.replayUntil ? undefined : entry.delivered;
  }

  snapshot(): StageStats {
    return { ...this.stats, partitions: [...this.assigned] };
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Tasks are per partition and independent, so more is safe; on 2 shared cores it measured no faster.
      partitionsConsumedConcurrently: this.options.concurrency ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
  }

  private async lowOffset(partition: number): Promise<number> {
    const offsets = await this.options.admin.fetchTopicOffsets(this.options.topic);
    const found = offsets.find((o) => o.partition === partition);
    return found === undefined ? 0 : Number(found.low);
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
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
    try {
      let last = -1;
      for (const message of batch.messages) {
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
      if (last < 0) return;
      const lag = Number(batch.highWatermark) - (last + 1);
      entry.task.caughtUp?.(lag);
      publishConsumerLag({ topic: this.options.topic, partition: p, lag });
      const delivered = await entry.task.flush();
      entry.delivered = last + 1;
      const due = delivered || Date.now() - entry.committedAt >= COMMIT_INTERVAL_MS;
      if (due && last + 1 > entry.replayUntil && last + 1 > entry.committed && this.tasks.get(p) === entry) {
        await this.consumer.commitOffsets([{ topic: this.options.topic, partition: p, offset: String(last + 1) }]);
        entry.committed = last + 1;
        entry.committedAt = Date.now();
        this.stats.commits++;
      }
      await heartbeat();
    } finally {
      clearInterval(pump);
    }
  }
}
