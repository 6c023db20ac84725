//! `sipward analyzer`: the two consumer-group stages, the producer that links them and the
//! Elasticsearch indexer, in one process (README "Pipeline"):
//!
//!   sip.events ─(Call-ID)─► dialog stage ─(signature+group)─► <group>.keyed ─► detect stage ─► ES alerts
//!                               └─► ES call records        └─ ticks (watermarks) to every keyed partition
//!
//! Any number of instances may run with the same --group; results do not depend on how many.
//! `threaded-analyzer.ts` runs one of these per stage, the detect stage's in a worker thread.
import { threadId } from 'node:worker_threads';
import {
  createKafkaClient,
  lostProducerState,
  observeProduce,
  type Admin,
  type Consumer,
  type Kafka,
  type Producer,
  type ProducerRecord,
} from '../../../lib/src/kafka/client';
import type { KafkaConnection } from '../../../lib/src/kafka/connection';
import { createGroupConsumer } from '../../../lib/src/kafka/group-consumer';
import { retryForever } from '../../../lib/src/retry';
import type { Alert } from '../../../schema/src/alert';
import type { Logger } from '../../../lib/src/logger';
import { compileSignature } from '../engine/compile/compile-signature';
import type { EnricherOptions } from '../engine/enrich/event-enricher';
import { loadSignatures } from '../engine/load/load-signatures';
import { tuneLoaded } from '../tuning/apply-tuning';
import type { TuningConfig } from '../tuning/tuning-config';
import type { LoadedSignature } from '../engine/signature';
import type { ElasticClientOptions } from '../index/es-client';
import { CoalescingWriter } from '../index/coalescing-writer';
import { ElasticIndexer, type IndexDoc, type WriteResult } from '../index/elastic-indexer';
import { DetectTask } from './detect-stage';
import { DialogTask, type DialogOutputs } from './dialog-stage';
import { StageRunner, emptyStageStats } from './stage-runner';
import { partitionTick, sourceBound, type SourceWatermark } from './watermarks';

export interface AnalyzerDaemonOptions {
  kafka: KafkaConnection & { clientId: string };
  topic: string;
  group: string;
  elasticsearch: ElasticClientOptions;
  namespace: string;
  rulesDirs: readonly string[];
  enricher: EnricherOptions;
  /** `tuning:` / `suppress:` from `--config`. */
  tuning?: TuningConfig;
  log: Logger;
  /** Partitions of the keyed (repartition) topic when it is created. Default 8. */
  keyedPartitions?: number;
  /** Partitions of the input topic if the analyzer has to create it. Default 4. */
  inputPartitions?: number;
  /** Watermark tick period (wall clock). Default 100 ms. */
  tickMs?: number;
  /** A caught-up partition with no record for this long no longer holds the watermark. Default 500 ms. */
  idleMs?: number;
  /** Out-of-order tolerance within one input partition. Default 100 ms of event time. */
  latenessMs?: number;
  maxGroupsPerSignature?: number;
  /** Index the SIP transaction log into `logs-sipward.sip-<ns>` (`--sip-log-mode all`). Default off. */
  sipLog?: boolean;
  /**
   * Which stages this process runs (`--stage`): both (default), or one of them, so that the two
   * stages of one analyzer can run in two processes (two cores). They talk only through Kafka, so
   * results do not depend on where each runs.
   */
  stage?: AnalyzerStage;
}

export type AnalyzerStage = 'both' | 'dialog' | 'detect';

export interface AnalyzerDaemonStats {
  dialog: ReturnType<StageRunner['snapshot']> & { events: number; duplicates: number; poison: number; calls: number };
  detect: ReturnType<StageRunner['snapshot']> & { alerts: number; late: number; duplicates: number; buffered: number };
  dead_letters: number;
  producer_resets: number;
  indexer: ReturnType<ElasticIndexer['stats']>;
  /** State entries held and evictions so far, per stage (all partitions of this instance). */
  state: { dialog: { entries: number; evictions: number }; detect: { entries: number; evictions: number } };
  /** Process memory, MiB: resident, V8 heap in use / reserved, off-heap buffers (where RSS goes). */
  memory: { rss: number; heap_used: number; heap_total: number; external: number };
  bulks: CoalescingWriter['stats'];
  /** Time (ms, summed; deliveries overlap) spent on each output of the deliveries and on ticks. */
  outputs: OutputPhases;
  /** The thread (`worker_threads.threadId`, 0 = main) that runs each stage this process runs. */
  stage_threads: StageThreads;
}

/** Per-partition reorder state of the detect stage (diagnostics). */
export type DetectTasks = Record<number, ReturnType<DetectTask['inspect']>>;

/** The SIGUSR2 dump: the counters and the detect stage's per-partition reorder state. */
export type AnalyzerDump = AnalyzerDaemonStats & { detect_tasks: DetectTasks };

export interface StageThreads {
  dialog?: number;
  detect?: number;
}

export interface OutputPhases {
  /** Keyed records produced (acks=all) and the time their sends took. */
  keyed_sends: number;
  keyed_ms: number;
  /** Deliveries waiting for their Elasticsearch bulk (the coalescing writer). */
  index_ms: number;
  /** Call ↔ alert links (refresh, search, partial updates). */
  link_ms: number;
  /** Watermark tick rounds and their time (offsets, flushes of idle tasks, the tick records). */
  ticks: number;
  tick_ms: number;
}

/** The signatures this analyzer runs: without site knowledge, those that need it are left out. */
export function activeSignatures(all: readonly LoadedSignature[], hasSite: boolean): LoadedSignature[] {
  return all.filter((s) => s.signature.status !== 'deprecated' && (hasSite || s.signature.requires_site !== true));
}

/** Short enough that a killed instance's partitions move within seconds, long enough for a GC pause. */
const SESSION_TIMEOUT_MS = 10_000;

/** Bytes of values per produce request (kept far below the broker's 1 MB record-batch limit). */
const MAX_SEND_BYTES = 256 * 1024;

/**
 * Input bytes (as stored, gzip'd) the dialog stage fetches per partition: ~750 events. Measured on
 * the uniform 200k capture: the detect stage's reorder buffer peaked at 41–73k keyed events instead
 * of 245k, the analyzer's RSS at ~1.0 instead of ~1.7 GiB, at the same rate.
 */
const DIALOG_FETCH_BYTES_PER_PARTITION = 128 * 1024;

/**
 * A collector silent this long no longer holds the watermark back (it died without its final
 * watermark). Longer than a broker outage worth riding out: a source that cannot reach the broker
 * looks silent too, and excluding it early would turn its delayed events into late ones.
 */
const SOURCE_SILENCE_MS = 60_000;

export class AnalyzerDaemon {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private producer: Producer;
  private producerResets = 0;
  private readonly indexer: ElasticIndexer;
  private readonly writer: CoalescingWriter;
  private dialog: StageRunner<DialogTask> | undefined;
  private detect: StageRunner<DetectTask> | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = false;
  private deadLetters = 0;
  private readonly loggedReasons = new Set<string>();
  private readonly keyedTopic: string;
  private readonly deadLetterTopic: string;
  /** The collectors' source watermarks (`<topic>.watermarks`, written by `sipward collect`). */
  private readonly watermarkTopic: string;
  private readonly sources = new Map<string, SourceWatermark>();
  private watermarkConsumer: Consumer | undefined;
  /** Next offset of each watermark-topic partition this instance has read. */
  private readonly watermarksRead = new Map<number, number>();
  private keyedPartitions = 0;
  private upstreamPartitions = 0;
  private readonly signatures: LoadedSignature[];
  private readonly phases: OutputPhases = {
    keyed_sends: 0,
    keyed_ms: 0,
    index_ms: 0,
    link_ms: 0,
    ticks: 0,
    tick_ms: 0,
  };

  constructor(private readonly options: AnalyzerDaemonOptions) {
    this.keyedTopic = `${options.group}.keyed`;
    this.deadLetterTopic = `${options.group}.dlq`;
    this.watermarkTopic = `${options.topic}.watermarks`;
    this.signatures = tuneLoaded(
      activeSignatures(loadSignatures({ extraDirs: options.rulesDirs }), options.enricher.site !== undefined),
      options.tuning,
      options.enricher.site,
    );
    const { clientId, ...connection } = options.kafka;
    this.kafka = createKafkaClient(connection, {
      clientId,
      log: options.log,
      logging: 'errors',
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
    });
    this.admin = this.kafka.admin();
    this.producer = this.newProducer();
    this.indexer = new ElasticIndexer({
      connection: options.elasticsearch,
      namespace: options.namespace,
      sipLog: options.sipLog === true,
      logger: options.log,
    });
    this.writer = new CoalescingWriter(this.indexer, (result, docs) => this.deadLetterRejected(result, docs));
  }

  private async ensureTopics(): Promise<void> {
    const want = [
      { topic: this.options.topic, numPartitions: this.options.inputPartitions ?? 4 },
      { topic: this.keyedTopic, numPartitions: this.options.keyedPartitions ?? 8 },
      { topic: this.deadLetterTopic, numPartitions: 1 },
      { topic: this.watermarkTopic, numPartitions: 1 },
    ];
    const existing = new Set(await this.admin.listTopics());
    const missing = want.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      try {
        await this.admin.createTopics({ topics: missing, waitForLeaders: true });
      } catch (error) {
        // A second analyzer may create them at the same time.
        if (!/already exists/i.test((error as Error).message)) throw error;
      }
    }
    const meta = await this.admin.fetchTopicMetadata({ topics: [this.options.topic, this.keyedTopic] });
    for (const t of meta.topics) {
      if (t.name === this.options.topic) this.upstreamPartitions = t.partitions.length;
      if (t.name === this.keyedTopic) this.keyedPartitions = t.partitions.length;
    }
  }

  async start(): Promise<void> {
    const log = this.options.log;
    const stopped = (): boolean => this.stopped;
    await retryForever('Elasticsearch setup', log, stopped, () => this.indexer.setup());
    await retryForever('Kafka connect', log, stopped, async () => {
      await this.admin.connect();
      await this.producer.connect();
      await this.ensureTopics();
    });
    const compiled = this.signatures.map((s) => compileSignature(s.signature));
    const stage = this.options.stage ?? 'both';
    log.info(
      {
        topic: this.options.topic,
        group: this.options.group,
        keyed_topic: this.keyedTopic,
        input_partitions: this.upstreamPartitions,
        keyed_partitions: this.keyedPartitions,
        signatures: this.signatures.length,
        // A stage thread's logger carries `stage` already (one key per line).
        ...(log.bindings().stage === undefined ? { stage } : {}),
      },
      'analyzer starting',
    );
    if (stage !== 'detect')
      this.dialog = new StageRunner<DialogTask>({
        consumer: createGroupConsumer(this.kafka, {
          groupId: this.options.group,
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
          // Small fetches keep the input partitions' event times close together: the dialog stage
          // handles one partition's fetched batch at a time, and the detect stage holds every keyed
          // event above the slowest partition (1 MiB, the default, is ~6 000 gzip'd events).
          maxBytesPerPartition: DIALOG_FETCH_BYTES_PER_PARTITION,
        }),
        admin: this.admin,
        groupId: this.options.group,
        topic: this.options.topic,
        log,
        createTask: (partition) =>
          new DialogTask({
            partition,
            signatures: compiled,
            keyedPartitions: this.keyedPartitions,
            enricher: this.options.enricher,
            sipLog: this.options.sipLog === true,
            deliver: (out) => this.deliverDialog(out),
          }),
      });
    if (stage !== 'dialog')
      this.detect = new StageRunner<DetectTask>({
        consumer: createGroupConsumer(this.kafka, {
          groupId: `${this.options.group}.detect`,
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
        }),
        admin: this.admin,
        groupId: `${this.options.group}.detect`,
        topic: this.keyedTopic,
        log,
        createTask: (partition) =>
          new DetectTask({
            partition,
            signatures: this.signatures,
            upstreamPartitions: this.upstreamPartitions,
            ...(this.options.maxGroupsPerSignature !== undefined
              ? { maxGroupsPerSignature: this.options.maxGroupsPerSignature }
              : {}),
            deliver: (alerts) => this.deliverAlerts(alerts),
          }),
      });
    if (this.dialog !== undefined) {
      // Every dialog stage reads every collector's watermark (its own throwaway group, from the start).
      this.watermarkConsumer = this.kafka.consumer({
        groupId: `${this.options.group}.wm.${process.pid}.${Date.now().toString(36)}`,
      });
      await this.watermarkConsumer.connect();
      await this.watermarkConsumer.subscribe({ topics: [this.watermarkTopic], fromBeginning: true });
      await this.watermarkConsumer.run({
        eachMessage: ({ partition, message }) => {
          this.watermarksRead.set(partition, Number(message.offset) + 1);
          try {
            const m = JSON.parse(message.value?.toString('utf8') ?? '') as SourceWatermark & { observer: string };
            if (typeof m.observer === 'string' && typeof m.t === 'number' && typeof m.w === 'number') {
              this.sources.set(m.observer, { t: m.t, w: m.w, end: m.end === true });
            }
          } catch {
            // Not ours: ignored.
          }
          return Promise.resolve();
        },
      });
    }
    await this.detect?.start();
    await this.dialog?.start();
    if (this.dialog !== undefined) this.ticker = setInterval(() => void this.tick(), this.options.tickMs ?? 100);
  }

  private newProducer(): Producer {
    return observeProduce(this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 }));
  }

  /**
   * One send. When the broker lost this producer's idempotence state (a restarted broker answers
   * OUT_OF_ORDER_SEQUENCE_NUMBER / UNKNOWN_PRODUCER_ID for ever), a new producer id takes over: its
   * resend may duplicate a keyed record, which the detect stage drops by upstream offset.
   */
  private async send(record: ProducerRecord): Promise<void> {
    // A backlog batch re-keys into more than the broker takes in one record batch
    // (message.max.bytes, 1 MB by default): send it in slices well below that.
    let start = 0;
    while (start < record.messages.length) {
      let end = start;
      let bytes = 0;
      while (end < record.messages.length && (end === start || bytes < MAX_SEND_BYTES)) {
        const value = record.messages[end]?.value;
        bytes += typeof value === 'string' ? value.length : (value?.length ?? 0);
        end++;
      }
      const slice =
        start === 0 && end === record.messages.length
          ? record
          : { ...record, messages: record.messages.slice(start, end) };
      try {
        await this.producer.send(slice);
      } catch (error) {
        if (lostProducerState(error)) await this.replaceProducer(error);
        throw error;
      }
      start = end;
    }
  }

  private replacing: Promise<void> | undefined;

  private async replaceProducer(error: unknown): Promise<void> {
    this.replacing ??= (async () => {
      this.producerResets++;
      this.options.log.warn(
        { err: (error as Error).message, producer_resets: this.producerResets },
        'broker lost the producer state: new producer',
      );
      const old = this.producer;
      this.producer = this.newProducer();
      await old.disconnect().catch(() => undefined);
      await this.producer.connect();
    })().finally(() => {
      this.replacing = undefined;
    });
    await this.replacing;
  }

  private async deliverDialog(out: DialogOutputs): Promise<void> {
    const stopped = (): boolean => this.stopped;
    const log = this.options.log;
    if (out.keyed.length > 0) {
      const started = performance.now();
      this.phases.keyed_sends++;
      await retryForever('produce to the keyed topic', log, stopped, () =>
        this.send({
          topic: this.keyedTopic,
          acks: -1,
          messages: out.keyed.map((k) => ({
            partition: k.partition,
            value: k.value,
            // The keyed encoding (records.ts): the detect stage reads older forms by its absence.
            headers: { 'content-type': k.contentType },
            // Publish time (default): time-based retention must not delete a replayed capture's records.
          })),
        }),
      );
      this.phases.keyed_ms += performance.now() - started;
    }
    if (out.dead.length > 0) {
      for (const d of out.dead) {
        // Once per reason: a flood of garbage must not become a flood of log lines (counters carry the rest).
        if (this.loggedReasons.has(d.reason)) continue;
        this.loggedReasons.add(d.reason);
        log.warn(
          { partition: d.partition, offset: d.offset, reason: d.reason, detail: d.detail },
          'poison message sent to the dead-letter topic (logged once per reason)',
        );
      }
      this.deadLetters += out.dead.length;
      await retryForever('produce to the dead-letter topic', log, stopped, () =>
        this.send({
          topic: this.deadLetterTopic,
          acks: -1,
          messages: out.dead.map((d) => ({
            key: d.key,
            value: d.value,
            headers: {
              'sipward-error': d.reason,
              'sipward-detail': d.detail.slice(0, 500),
              'sipward-source': `${this.options.topic}/${d.partition}/${d.offset}`,
            },
          })),
        }),
      );
    }
    if (out.calls.length > 0 || out.transactions.length > 0) {
      const docs: IndexDoc[] = [
        ...out.calls.map((c): IndexDoc => ({
          target: 'call',
          id: c.event.id,
          doc: c as unknown as Record<string, unknown>,
        })),
        ...out.transactions.map((t): IndexDoc => ({
          target: 'sip',
          id: t.event.id,
          doc: t as unknown as Record<string, unknown>,
        })),
      ];
      await this.index(docs);
    }
    if (out.calls.length > 0) {
      const started = performance.now();
      await this.linkCallsToAlerts(out.calls.map((c) => c.call_id));
      this.phases.link_ms += performance.now() - started;
    }
  }

  /**
   * Call → alerts, after the calls are indexed: alerts already indexed that counted them are added
   * to their records. Each side writes first and then searches the other (refreshed), so whichever
   * of an alert and a call is indexed second finds the first: no interleaving leaves both unlinked.
   */
  private async linkCallsToAlerts(callIds: string[]): Promise<void> {
    try {
      const links = await this.indexer.alertIdsForCalls(callIds);
      const byAlert = new Map<string, string[]>();
      for (const [callId, alertIds] of links) {
        for (const id of alertIds) byAlert.set(id, [...(byAlert.get(id) ?? []), callId]);
      }
      await this.indexer.linkAlertsToCalls([...byAlert].map(([alertId, callIds]) => ({ alertId, callIds })));
    } catch (error) {
      this.options.log.warn({ err: String(error) }, 'could not link call records to their alerts');
    }
  }

  private async deliverAlerts(alerts: Alert[]): Promise<void> {
    await this.index(
      alerts.map((a) => ({ target: 'alert', id: a.event.id, doc: a as unknown as Record<string, unknown> })),
    );
    const started = performance.now();
    // Alert → calls: the call records of the Call-IDs its incident counted name it back, for all
    // the alerts of the delivery at once. A failed link never holds alerts back: an alert's next
    // emission links again.
    const links = alerts.flatMap((a) =>
      (a.sipward.call_ids ?? []).length === 0 ? [] : [{ alertId: a.event.id, callIds: a.sipward.call_ids ?? [] }],
    );
    if (links.length > 0)
      await this.indexer.linkAlertsToCalls(links).catch((error: unknown) => {
        this.options.log.warn(
          { alerts: links.length, err: String(error) },
          'could not link alerts to their call records',
        );
      });
    this.phases.link_ms += performance.now() - started;
  }

  private async index(docs: IndexDoc[]): Promise<void> {
    const started = performance.now();
    try {
      await this.writer.write(docs);
    } finally {
      this.phases.index_ms += performance.now() - started;
    }
  }

  /** Documents Elasticsearch refused for good go to the dead-letter topic (before the offsets move). */
  private async deadLetterRejected(result: WriteResult, docs: readonly IndexDoc[]): Promise<void> {
    if (result.rejected.length === 0) return;
    this.options.log.error(
      { rejected: result.rejected.slice(0, 5), count: result.rejected.length },
      'Elasticsearch refused documents; sent to the dead-letter topic',
    );
    this.deadLetters += result.rejected.length;
    const byId = new Map(docs.map((d) => [`${d.target}/${d.id}`, d]));
    await retryForever(
      'produce to the dead-letter topic',
      this.options.log,
      () => this.stopped,
      () =>
        this.send({
          topic: this.deadLetterTopic,
          acks: -1,
          messages: result.rejected.map((r) => ({
            value: JSON.stringify(byId.get(`${r.target}/${r.id}`)?.doc ?? null),
            headers: {
              'sipward-error': 'index_rejected',
              'sipward-detail': r.reason.slice(0, 500),
              'sipward-target': r.target,
            },
          })),
        }),
    );
  }

  /** Watermark ticks of the dialog stage's partitions to every keyed partition. */
  private async tick(): Promise<void> {
    if (this.ticking || this.stopped || this.dialog === undefined) return;
    this.ticking = true;
    const started = performance.now();
    this.phases.ticks++;
    try {
      const now = Date.now();
      const lateness = this.options.latenessMs ?? 100;
      // Read the bound before the offsets: what the collectors vouched for is then on the log.
      const bound = sourceBound(this.sources, now, SOURCE_SILENCE_MS);
      const ends = await this.admin.fetchTopicOffsets(this.options.topic);
      const high = new Map(ends.map((o) => [o.partition, Number(o.high)]));
      const low = new Map(ends.map((o) => [o.partition, Number(o.low)]));
      const live = new Map(this.dialog.liveTasks());
      const missing = this.dialog.partitions.filter((p) => this.dialog?.deliveredPosition(p) === undefined);
      const committed = missing.length === 0 ? new Map<number, number>() : await this.committedOffsets();
      // Without a collector watermark, partitions quiet for idleMs count as idle — but only once
      // every watermark written so far has been read here: a collector announces itself before
      // its first event, and until its announcement is read, still-empty partitions must not be
      // declared idle (they released the first seconds' events ahead of partitions not yet written).
      // A watermark read since `bound` was taken (above, before the offsets) waits for the next tick.
      const settled = bound !== undefined || ((await this.watermarksCaughtUp()) && this.sources.size === 0);
      const values: string[] = [];
      for (const p of this.dialog.partitions) {
        const task = live.get(p);
        const position =
          this.dialog.deliveredPosition(p) ?? (task === undefined ? (committed.get(p) ?? low.get(p) ?? 0) : -1);
        const drained = position >= (high.get(p) ?? 0);
        // Only what is delivered: the records of a batch still in flight must not be overtaken.
        const tick = partitionTick(
          {
            drained,
            deliveredTime: task?.deliveredTime ?? -Infinity,
            quietMs: !settled ? 0 : task === undefined ? undefined : now - task.lastRecordWallMs,
          },
          bound,
          lateness,
          this.options.idleMs ?? 500,
        );
        if (task !== undefined && tick.i) {
          task.idle();
          await task.flush();
        }
        values.push(JSON.stringify({ k: 'w', p, t: tick.t, i: tick.i }));
      }
      if (values.length === 0) return;
      const messages = [];
      for (let q = 0; q < this.keyedPartitions; q++) for (const value of values) messages.push({ partition: q, value });
      await this.send({ topic: this.keyedTopic, acks: -1, messages });
    } catch (error) {
      this.options.log.debug({ err: (error as Error).message }, 'watermark tick failed (retried next period)');
    } finally {
      this.ticking = false;
      this.phases.tick_ms += performance.now() - started;
    }
  }

  /** Every record on the watermark topic (as of now) has been read; true when the topic does not exist. */
  private async watermarksCaughtUp(): Promise<boolean> {
    let ends: Array<{ partition: number; high: string; low: string }>;
    try {
      ends = await this.admin.fetchTopicOffsets(this.watermarkTopic);
    } catch {
      return true;
    }
    return ends.every(
      (o) => Number(o.high) <= Number(o.low) || (this.watermarksRead.get(o.partition) ?? 0) >= Number(o.high),
    );
  }

  private async committedOffsets(): Promise<Map<number, number>> {
    const committed = await this.admin.fetchOffsets({ groupId: this.options.group, topics: [this.options.topic] });
    const out = new Map<number, number>();
    for (const o of committed[0]?.partitions ?? []) if (Number(o.offset) >= 0) out.set(o.partition, Number(o.offset));
    return out;
  }

  /** Per-partition reorder state of the detect stage (diagnostics). */
  inspect(): DetectTasks {
    const out: DetectTasks = {};
    for (const [p, task] of this.detect?.liveTasks() ?? []) out[p] = task.inspect();
    return out;
  }

  /** The SIGUSR2 dump (asynchronous for the two-thread analyzer, whose worker is asked). */
  dump(): Promise<AnalyzerDump> {
    return Promise.resolve({ ...this.stats(), detect_tasks: this.inspect() });
  }

  /** Ids of the signatures this instance runs. */
  get signatureIds(): string[] {
    return this.signatures.map((s) => s.signature.id);
  }

  stats(): AnalyzerDaemonStats {
    let events = 0,
      duplicates = 0,
      poison = 0,
      calls = 0;
    for (const [, task] of this.dialog?.liveTasks() ?? []) {
      const s = task.stats;
      events += s.events;
      duplicates += s.duplicates;
      calls += s.calls;
      for (const n of Object.values(s.poison)) poison += n ?? 0;
    }
    let alerts = 0,
      late = 0,
      dDup = 0,
      buffered = 0;
    for (const [, task] of this.detect?.liveTasks() ?? []) {
      const s = task.stats;
      alerts += s.alerts;
      late += s.late;
      dDup += s.duplicates;
      buffered += s.buffered;
    }
    const state = { dialog: { entries: 0, evictions: 0 }, detect: { entries: 0, evictions: 0 } };
    for (const [, task] of this.dialog?.liveTasks() ?? []) addState(state.dialog, task.enricherState());
    for (const [, task] of this.detect?.liveTasks() ?? []) addState(state.detect, (task as DetectTask).engineState());
    const empty = emptyStageStats();
    const stage = this.options.stage ?? 'both';
    return {
      dialog: { ...(this.dialog?.snapshot() ?? empty), events, duplicates, poison, calls },
      detect: { ...(this.detect?.snapshot() ?? empty), alerts, late, duplicates: dDup, buffered },
      dead_letters: this.deadLetters,
      producer_resets: this.producerResets,
      indexer: this.indexer.stats(),
      state,
      memory: memoryMiB(),
      bulks: { ...this.writer.stats },
      outputs: {
        ...this.phases,
        keyed_ms: Math.round(this.phases.keyed_ms),
        index_ms: Math.round(this.phases.index_ms),
        link_ms: Math.round(this.phases.link_ms),
        tick_ms: Math.round(this.phases.tick_ms),
      },
      stage_threads: {
        ...(stage !== 'detect' ? { dialog: threadId } : {}),
        ...(stage !== 'dialog' ? { detect: threadId } : {}),
      },
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    await this.watermarkConsumer?.disconnect().catch(() => undefined);
    await this.dialog?.stop().catch(() => undefined);
    await this.detect?.stop().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
    await this.indexer.close().catch(() => undefined);
  }
}

function memoryMiB(): AnalyzerDaemonStats['memory'] {
  const m = process.memoryUsage();
  const mib = (n: number): number => Math.round(n / 2 ** 20);
  return { rss: mib(m.rss), heap_used: mib(m.heapUsed), heap_total: mib(m.heapTotal), external: mib(m.external) };
}

function addState(sum: { entries: number; evictions: number }, add: { entries: number; evictions: number }): void {
  sum.entries += add.entries;
  sum.evictions += add.evictions;
}
