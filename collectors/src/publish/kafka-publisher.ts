//! `sipward collect`'s output edge: SIP events → Kafka through a bounded queue, with an idempotent
//! producer and an outer retry loop that survives any broker outage (kafkajs' own retries are kept
//! short). Events leave the queue only once the broker acknowledged them. Many events travel in
//! one record: one per partition per produce request (schema/src/event-records.ts).
import {
  CompressionTypes,
  SHORT_RETRY,
  createIdempotentProducer,
  createKafkaClient,
  isTooLarge,
  keyPartition,
  lostProducerState,
  type Message,
} from '../../../lib/src/kafka/client';
import type { Compression, KafkaConnection } from '../../../lib/src/kafka/connection';
import type { SipEvent } from '../../../schema/src/sip-event';
import { SCHEMA_VERSION } from '../../../schema/src/sip-event';
import { CONTENT_TYPE_EVENT, CONTENT_TYPE_EVENT_BATCH, encodeEventBatch } from '../../../schema/src/event-records';
import { SipwardError } from '../../../lib/src/errors';
import type { Logger } from '../../../lib/src/logger';
import { Backoff } from '../../../lib/src/retry';
import { toJsonLine } from '../event/jsonl';
import { DropCounter, PublishQueue, type DropReason } from './publish-queue';

/** One Kafka record of the `sip.events` topic. */
export interface SipEventRecord {
  key: string;
  value: string;
  headers: { 'schema-version': string; 'content-type': string };
  /** Publish time in ms since the epoch, as kafkajs wants it (a string); the event time is in the value. */
  timestamp: string;
  /** The event's own capture time (ms): what the source watermark vouches for. */
  eventMs: number;
}

const HEADERS = { 'schema-version': String(SCHEMA_VERSION), 'content-type': CONTENT_TYPE_EVENT } as const;

/** Limits of one batch record: well below the broker's 1 MB default, and events a reader holds at once. */
export const MAX_BATCH_RECORD_BYTES = 256 * 1024;
export const MAX_BATCH_RECORD_EVENTS = 1000;

/**
 * Pure: the Kafka records of a produce request. Each event goes to the partition its key (Call-ID)
 * hashes to, as before; the events of one partition share records, in queue order, cut at the
 * size and count limits. Record time = the first event's publish time.
 */
export function batchRecords(
  batch: readonly SipEventRecord[],
  topic: string,
  partitions: number,
  maxBytes = MAX_BATCH_RECORD_BYTES,
  maxEvents = MAX_BATCH_RECORD_EVENTS,
): Message[] {
  const byPartition = new Map<number, SipEventRecord[]>();
  for (const record of batch) {
    const p = keyPartition(topic, record.key, partitions);
    const list = byPartition.get(p);
    if (list === undefined) byPartition.set(p, [record]);
    else list.push(record);
  }
  const out: Message[] = [];
  for (const [partition, records] of byPartition) {
    let start = 0;
    let bytes = 0;
    const cut = (end: number): void => {
      const slice = records.slice(start, end);
      out.push({
        partition,
        value: encodeEventBatch(slice.map((r) => r.value)),
        timestamp: slice[0]?.timestamp ?? String(Date.now()),
        headers: {
          'schema-version': String(SCHEMA_VERSION),
          'content-type': CONTENT_TYPE_EVENT_BATCH,
          events: String(slice.length),
        },
      });
      start = end;
      bytes = 0;
    };
    for (let i = 0; i < records.length; i++) {
      const size = (records[i]?.value.length ?? 0) + 1;
      if (i > start && (bytes + size > maxBytes || i - start >= maxEvents)) cut(i);
      bytes += size;
    }
    if (start < records.length) cut(records.length);
  }
  return out;
}

/**
 * Key = Call-ID so every message of a dialog lands on one partition (kafkajs' default partitioner
 * is murmur2 on the key; the analyzer relies on it); a message without Call-ID falls back to its
 * own id. Value = exactly the `sipward decode` line without its newline.
 */
export function toSipEventRecord(event: SipEvent): SipEventRecord {
  const line = toJsonLine(event);
  const ms = Date.parse(event['@timestamp']);
  return {
    key: event.sip.call_id ?? event.event.id,
    value: line.slice(0, -1),
    headers: HEADERS,
    // Publish time, not capture time: the broker's time-based retention and its future-timestamp
    // check work on the record time, and a replayed capture from last month must neither be deleted
    // while it is being read nor refused. The capture time is in the value (@timestamp).
    timestamp: String(Date.now()),
    eventMs: Number.isFinite(ms) ? ms : 0,
  };
}

/** The part of a kafkajs Producer the publisher uses (a fake in unit tests). */
export interface ProducerPort {
  connect(): Promise<void>;
  send(record: { topic: string; messages: Message[]; acks: number; compression: CompressionTypes }): Promise<unknown>;
  disconnect(): Promise<void>;
}

/** The part of a kafkajs Admin the publisher uses. */
export interface AdminPort {
  connect(): Promise<void>;
  createTopics(options: {
    topics: { topic: string; numPartitions: number; replicationFactor: number }[];
    waitForLeaders: boolean;
  }): Promise<boolean>;
  fetchTopicMetadata(options: { topics: string[] }): Promise<{ topics: { name: string; partitions: unknown[] }[] }>;
  disconnect(): Promise<void>;
}

export interface KafkaPorts {
  /** A new producer; a second one is made only when the broker lost the first one's state. */
  createProducer(): ProducerPort;
  admin(): AdminPort;
}

export interface KafkaPublisherOptions {
  brokers: string[];
  topic: string;
  partitions: number;
  replicationFactor: number;
  /** live: drop the newest events when the queue is full; file: `afterBatch` waits for space. */
  mode: 'live' | 'file';
  queueMax: number;
  batchMax: number;
  lingerMs: number;
  compression: Compression;
  /** Give up (SIPWARD_BROKER_UNAVAILABLE) after an outage this long; default: never. */
  giveUpAfterMs?: number;
  /** Backoff of the outer retry loop: doubles from `retryInitialMs` up to `retryMaxMs`. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How often an ongoing outage is logged again (default 30 s). */
  outageReminderMs?: number;
  /** Minimum interval between queue-full warnings (default 10 s). */
  dropWarnIntervalMs?: number;
  /**
   * Source watermarks: every `heartbeatMs` (and once with `end: true` when a file is done) the
   * publisher writes `{observer, t, w, end}` to `<topic>.watermarks` — "every event of mine with
   * capture time ≤ t is acknowledged" — so the analyzer can order events across partitions without
   * guessing from wall-clock idleness. Off when `observerId` is undefined.
   */
  observerId?: string;
  heartbeatMs?: number;
  /** Called once when the publisher gives up (live capture must then be stopped by the caller). */
  onFatal?: (error: SipwardError) => void;
  log: Logger;
  now?: () => number;
}

export interface PublisherStats {
  /** Events acknowledged by the broker. */
  published: number;
  dropped: Partial<Record<DropReason, number>>;
  dropped_total: number;
  /** Failed send or connect attempts of the outer loop. */
  retries: number;
  queued: number;
  queue_high_water: number;
  /** Bytes of the acknowledged values (UTF-8, before compression). */
  bytes: number;
  outages: number;
  outage_seconds: number;
  /** New producer ids taken because the broker lost the producer state (0 in a normal run). */
  producer_resets: number;
}

export class KafkaPublisher {
  readonly queue: PublishQueue<SipEventRecord>;
  private readonly drops: DropCounter;
  private readonly now: () => number;
  private published = 0;
  private retries = 0;
  private bytes = 0;
  private outages = 0;
  private outageMs = 0;
  private outageStart: number | undefined;
  private lastReminder = 0;
  private connected = false;
  private topicReady = false;
  /** No more input: drain the queue, then stop. */
  private closing = false;
  /** Stop at once (drain timeout, give-up). */
  private aborted = false;
  private inputStopped = false;
  private fatalError: SipwardError | undefined;
  private producer: ProducerPort;
  private producerResets = 0;
  private loop: Promise<void> | undefined;
  /** Capture time (ms) of the newest acknowledged event: the source watermark. */
  private ackedUpTo = -1;
  private lastHeartbeat = 0;
  private watermarkTopicReady = false;
  /** The observer's first watermark (t = -1) is acknowledged: see announce(). */
  private announced = false;
  /** Partitions of the topic (from creation or its metadata): where each key's events go. */
  private partitionCount: number;
  private wakeSleep: (() => void) | undefined;

  constructor(
    private readonly ports: KafkaPorts,
    private readonly options: KafkaPublisherOptions,
  ) {
    this.queue = new PublishQueue(options.queueMax);
    this.drops = new DropCounter(options.dropWarnIntervalMs ?? 10_000);
    this.now = options.now ?? Date.now;
    this.producer = ports.createProducer();
    this.partitionCount = options.partitions;
  }

  /** Starts connecting and sending in the background. */
  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      // A bug in the loop must not leave file input waiting for space forever.
      this.fatalError = new SipwardError('SIPWARD_BROKER_UNAVAILABLE', `kafka publisher failed: ${String(error)}`, {
        cause: error,
      });
      this.abort();
    });
  }

  /** Set once the publisher gave up (broker unreachable beyond --give-up-after). */
  get fatal(): SipwardError | undefined {
    return this.fatalError;
  }

  /** The decoder's per-event sink. */
  publish(event: SipEvent): void {
    if (this.options.mode === 'live') {
      // Checked before encoding: a full queue must not cost a JSON.stringify per dropped event.
      if (this.queue.full || this.closing) {
        this.drop(this.closing ? 'shutdown' : 'queue_full', 1);
        return;
      }
      this.queue.offer(toSipEventRecord(event));
    } else {
      this.queue.add(toSipEventRecord(event));
    }
  }

  /**
   * The decoder's after-batch hook: file input waits here until the queue is back under its bound
   * (back-pressure); live input never waits. Throws once the publisher has given up.
   */
  async afterBatch(): Promise<void> {
    if (this.options.mode === 'file') {
      while (this.queue.full && !this.aborted && !this.inputStopped) await this.queue.waitForSpace();
    }
    if (this.fatalError !== undefined) throw this.fatalError;
  }

  /** Releases a file-input `afterBatch` waiting for space (shutdown requested). */
  stopInput(): void {
    this.inputStopped = true;
    this.queue.wakeAll();
  }

  /** Connected to the broker with the topic in place, and not given up (readiness for /readyz). */
  get ready(): boolean {
    return this.connected && this.topicReady && this.fatalError === undefined;
  }

  get stats(): PublisherStats {
    const outageNow = this.outageStart === undefined ? 0 : this.now() - this.outageStart;
    return {
      published: this.published,
      dropped: { ...this.drops.byReason },
      dropped_total: this.drops.total,
      retries: this.retries,
      queued: this.queue.length,
      queue_high_water: this.queue.maxLength,
      bytes: this.bytes,
      outages: this.outages,
      outage_seconds: Math.round((this.outageMs + outageNow) / 100) / 10,
      producer_resets: this.producerResets,
    };
  }

  /**
   * Flushes what is queued (at most `drainTimeoutMs`; Infinity: until the queue is empty, the give-up
   * policy fails or `abortDrain` is called), counts the rest as dropped ('shutdown'),
   * disconnects, and returns the final stats. Throws the give-up error when there was one.
   */
  async close(drainTimeoutMs: number): Promise<PublisherStats> {
    this.closing = true;
    this.inputStopped = true;
    this.queue.wakeAll();
    if (this.loop === undefined && this.queue.length > 0) this.start();
    const loop = this.loop ?? Promise.resolve();
    if (!(await settlesWithin(loop, drainTimeoutMs))) {
      this.options.log.warn(
        { queued: this.queue.length, drain_timeout_s: drainTimeoutMs / 1000 },
        'drain timeout: events still queued are dropped',
      );
      this.abort();
      // A send in flight cannot be cancelled; do not wait for it longer than its own timeouts.
      await settlesWithin(loop, 5_000);
    }
    const left = this.queue.clear().length;
    if (left > 0) this.drop('shutdown', left);
    this.endOutage();
    await settlesWithin(
      this.producer.disconnect().catch(() => undefined),
      5_000,
    );
    if (this.fatalError !== undefined) throw this.fatalError;
    return this.stats;
  }

  /** Stops sending at once (a second SIGINT): what is still queued is dropped by `close`. */
  abortDrain(): void {
    this.abort();
  }

  private abort(): void {
    this.aborted = true;
    this.queue.wakeAll();
    this.wakeSleep?.();
  }

  private drop(reason: DropReason, n: number): void {
    const report = this.drops.count(reason, n, this.now());
    if (report === undefined) return;
    const message =
      reason === 'queue_full'
        ? `publish queue full (${this.options.queueMax} events): dropping the newest events`
        : `events dropped (${reason})`;
    this.options.log.warn({ dropped: report, queued: this.queue.length }, message);
  }

  private async run(): Promise<void> {
    const { batchMax, lingerMs } = this.options;
    const backoff = new Backoff({
      initialMs: this.options.retryInitialMs ?? 100,
      maxMs: this.options.retryMaxMs ?? 5_000,
    });
    // The batch in flight stays the same records until acked: a resend after a failure reuses
    // the producer's sequence numbers, so the broker drops what it had already written.
    let batch: SipEventRecord[] | undefined;
    // Its Kafka records, built once per batch: a resend is then the very same records.
    let records: Message[] = [];
    let recordsOf: SipEventRecord[] | undefined;
    for (;;) {
      if (this.aborted) return;
      // Connect (and create the topic) before the first event, so an outage shows at start.
      if (!this.connected || !this.topicReady) {
        if (this.closing && this.queue.length === 0) return;
        try {
          await this.ensureReady();
        } catch (error) {
          this.onFailure(error);
          if (this.aborted) return;
          await this.sleep(backoff.next());
          continue;
        }
        backoff.reset();
        this.endOutage();
      }
      if (batch === undefined) {
        if (this.queue.length === 0) {
          if (this.closing) {
            await this.heartbeat(true);
            return;
          }
          await this.heartbeat(false);
          await Promise.race([this.queue.waitForItems(), this.sleep(this.options.heartbeatMs ?? 200)]);
          continue;
        }
        if (!this.closing && lingerMs > 0 && this.queue.length < batchMax) await this.sleep(lingerMs);
        if (this.aborted) return;
        batch = this.queue.peek(batchMax);
      }
      if (recordsOf !== batch) {
        records = batchRecords(batch, this.options.topic, this.partitionCount);
        recordsOf = batch;
      }
      try {
        await this.ensureReady();
        await this.announce();
        await this.producer.send({
          topic: this.options.topic,
          messages: records,
          acks: -1,
          compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        });
      } catch (error) {
        if (isTooLarge(error)) {
          // Split it, or drop the one record it holds. Other partitions of the same request may
          // have been written: their resend can at worst duplicate (via a new producer), never lose.
          if (batch.length > 1) batch = batch.slice(0, Math.ceil(batch.length / 2));
          else {
            this.options.log.error(
              { key: batch[0]?.key, size: batch[0]?.value.length },
              'event rejected by the broker (too large)',
            );
            this.queue.remove(1);
            this.drop('rejected_by_broker', 1);
            batch = undefined;
          }
          continue;
        }
        if (lostProducerState(error)) await this.replaceProducer(error);
        this.onFailure(error);
        if (this.aborted) return;
        await this.sleep(backoff.next());
        continue;
      }
      backoff.reset();
      this.queue.remove(batch.length);
      this.published += batch.length;
      for (const record of batch) {
        this.bytes += Buffer.byteLength(record.value);
        const t = record.eventMs;
        if (t > this.ackedUpTo) this.ackedUpTo = t;
      }
      batch = undefined;
      this.endOutage();
      await this.heartbeat(false);
    }
  }

  /**
   * The broker no longer knows our producer id or sequence (its state was lost or expired): resending
   * with the same id would fail for ever. A new producer id recovers, at the price of possible
   * duplicates of the batch in flight (written before the failure, resent now).
   */
  private async replaceProducer(error: unknown): Promise<void> {
    this.producerResets++;
    this.options.log.warn(
      { error: errorText(error), producer_resets: this.producerResets },
      'broker lost the idempotent producer state: new producer (the batch in flight may be duplicated)',
    );
    const old = this.producer;
    this.producer = this.ports.createProducer();
    this.connected = false;
    await settlesWithin(
      old.disconnect().catch(() => undefined),
      5_000,
    );
  }

  private async ensureReady(): Promise<void> {
    if (!this.connected) {
      await this.producer.connect();
      this.connected = true;
    }
    if (!this.topicReady) {
      await this.ensureTopic();
      this.topicReady = true;
    }
  }

  /** Creates the topic when absent; an existing one with another partition count is kept (logged). */
  private async ensureTopic(): Promise<void> {
    const { topic, partitions, replicationFactor, log } = this.options;
    const admin = this.ports.admin();
    await admin.connect();
    try {
      const created = await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor }],
        waitForLeaders: true,
      });
      if (created) {
        log.info({ topic, partitions, replication_factor: replicationFactor }, 'topic created');
        return;
      }
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const existing = meta.topics.find((t) => t.name === topic)?.partitions.length;
      if (existing !== undefined && existing > 0) this.partitionCount = existing;
      if (existing !== undefined && existing !== partitions)
        log.warn(
          { topic, partitions: existing, requested_partitions: partitions },
          'topic exists with another partition count: using it as it is',
        );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Before its first event, the observer writes a watermark vouching for nothing (t = -1), and
   * waits for it to be acknowledged: an analyzer that has read the watermark topic up to its end
   * then knows a collector is live before any of its events is delivered, and holds the detect
   * stage's order on it instead of declaring still-empty partitions idle (which released events
   * of the first seconds ahead of partitions not yet written). A failure throws: the send loop
   * retries it like an event send.
   */
  private async announce(): Promise<void> {
    const observer = this.options.observerId;
    if (observer === undefined || this.announced) return;
    await this.ensureWatermarkTopic();
    await this.producer.send({
      topic: `${this.options.topic}.watermarks`,
      messages: [{ key: observer, value: JSON.stringify({ observer, t: -1, w: this.now(), end: false }) }],
      acks: -1,
      compression: CompressionTypes.None,
    });
    this.announced = true;
  }

  private async ensureWatermarkTopic(): Promise<void> {
    if (this.watermarkTopicReady) return;
    const admin = this.ports.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [
          {
            topic: `${this.options.topic}.watermarks`,
            numPartitions: 1,
            replicationFactor: this.options.replicationFactor,
          },
        ],
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    this.watermarkTopicReady = true;
  }

  /** Writes the source watermark when due (or the final one); a failure waits for the next one. */
  private async heartbeat(end: boolean): Promise<void> {
    const observer = this.options.observerId;
    if (observer === undefined || !this.connected) return;
    const now = this.now();
    if (!end && now - this.lastHeartbeat < (this.options.heartbeatMs ?? 200)) return;
    this.lastHeartbeat = now;
    // A quiet live link still moves forward: nothing older than "now minus a margin" can still come.
    const t =
      this.options.mode === 'live' && this.queue.length === 0 ? Math.max(this.ackedUpTo, now - 1000) : this.ackedUpTo;
    if (t < 0 && !end) return;
    const topic = `${this.options.topic}.watermarks`;
    try {
      await this.ensureWatermarkTopic();
      await this.producer.send({
        topic,
        messages: [{ key: observer, value: JSON.stringify({ observer, t, w: now, end }) }],
        acks: -1,
        compression: CompressionTypes.None,
      });
    } catch (error) {
      this.options.log.debug({ error: errorText(error) }, 'source watermark not written (next period retries)');
    }
  }

  private onFailure(error: unknown): void {
    const now = this.now();
    this.retries++;
    const { log, brokers } = this.options;
    if (this.outageStart === undefined) {
      this.outageStart = now;
      this.lastReminder = now;
      this.outages++;
      log.warn(
        { brokers, error: errorText(error), queued: this.queue.length },
        'kafka unavailable: events are queued and sending is retried',
      );
    } else if (now - this.lastReminder >= (this.options.outageReminderMs ?? 30_000)) {
      this.lastReminder = now;
      log.warn(
        {
          brokers,
          error: errorText(error),
          outage_s: Math.round((now - this.outageStart) / 1000),
          queued: this.queue.length,
          dropped: this.drops.total,
        },
        'kafka still unavailable',
      );
    }
    const giveUp = this.options.giveUpAfterMs;
    if (giveUp !== undefined && now - this.outageStart >= giveUp) {
      this.fatalError = new SipwardError(
        'SIPWARD_BROKER_UNAVAILABLE',
        `broker unreachable at ${brokers.join(',')} after ${Math.round((now - this.outageStart) / 1000)} s`,
        { cause: error },
      );
      this.abort();
      this.options.onFatal?.(this.fatalError);
    }
  }

  private endOutage(): void {
    if (this.outageStart === undefined) return;
    const ms = this.now() - this.outageStart;
    this.outageMs += ms;
    this.outageStart = undefined;
    if (!this.aborted)
      this.options.log.info(
        { outage_s: Math.round(ms / 100) / 10, queued: this.queue.length },
        'kafka available again',
      );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeSleep === done) this.wakeSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleep = done;
    });
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms === Infinity)
    return promise.then(
      () => true,
      () => true,
    );
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/**
 * kafkajs client for the publisher. Its own retries are short (the publisher's loop retries for
 * ever); its logs go to pino at debug (outages are logged once by the publisher instead of once
 * per failed request).
 */
export function createKafkaPorts(connection: KafkaConnection, clientId: string, log: Logger): KafkaPorts {
  const kafka = createKafkaClient(connection, { clientId, log });
  return {
    createProducer: () => createIdempotentProducer(kafka, SHORT_RETRY),
    admin: () => kafka.admin({ retry: SHORT_RETRY }),
  };
}
