//! `sipward analyzer` on two threads of one process (`--stage-threads 2`, the default on ≥ 2 cores):
//! the dialog stage runs here, the detect stage in a worker thread (stage-worker.ts) running the
//! same daemon code as `--stage detect`. The stages share nothing but Kafka (each has its own
//! consumer group, producer and indexer), so this is the two-process mode inside one process:
//! results do not depend on it. What the operator sees stays one process — one log stream (both
//! threads write pino lines to fd 2, each stage's lines carry `stage`), one set of counters (the
//! worker's merged into `stats()` in the same shape), one set of metrics (the worker's diagnostics
//! channel messages are re-published here), one stop. A crashed worker is reported through
//! `onCrash`; the caller exits (a supervisor restarts it, state is rebuilt by replay).
import { channel, type Channel } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LevelWithSilent } from 'pino';
import type { LogFormat, Logger } from '../../../lib/src/logger';
import {
  alertChannel,
  callRecordChannel,
  consumerLagChannel,
  esBulkChannel,
  kafkaCommitChannel,
  kafkaProduceChannel,
} from '../../../lib/src/metrics/channels';
import type { EnricherOptions } from '../engine/enrich/event-enricher';
import {
  AnalyzerDaemon,
  type AnalyzerDaemonOptions,
  type AnalyzerDaemonStats,
  type AnalyzerDump,
  type DetectTasks,
} from './analyzer-daemon';
import { emptyStageStats } from './stage-runner';

/** The daemon's options as plain data (they cross to the worker by structured clone). */
export type ThreadableOptions = Omit<AnalyzerDaemonOptions, 'log' | 'stage' | 'enricher'> & {
  enricher: Omit<EnricherOptions, 'highRisk'>;
};

/** What the worker is started with (workerData). */
export interface StageWorkerConfig {
  options: ThreadableOptions;
  /** Pino settings of the process's logger: the worker writes the same stream (fd 2). */
  log: { level: LevelWithSilent; name: string; format: LogFormat };
  /** Diagnostics channels the main thread listens to: the worker forwards their messages. */
  forward: string[];
  /** How often the worker pushes its counters unasked (what `stats()` reads between dumps). */
  statsEveryMs: number;
}

/** Main → worker. */
export type ToStageWorker = { type: 'dump'; id: number } | { type: 'stop' };

/** Worker → main. */
export type FromStageWorker =
  | { type: 'started' }
  | { type: 'stats'; stats: AnalyzerDaemonStats }
  | { type: 'dump'; id: number; stats: AnalyzerDaemonStats; tasks: DetectTasks }
  | { type: 'stopped'; stats: AnalyzerDaemonStats }
  | { type: 'channel'; name: string; message: unknown };

/** What the CLI drives: the one-thread daemon or the two-thread one. */
export interface AnalyzerProcess {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Counters now (the worker's part as of its last report, at most STATS_EVERY_MS old). */
  stats(): AnalyzerDaemonStats;
  /** Counters and reorder state asked of every thread now. */
  dump(): Promise<AnalyzerDump>;
  readonly signatureIds: string[];
}

/** The worker reports its counters this often unasked (metrics scrapes, the periodic stats line). */
const STATS_EVERY_MS = 1000;

/** A dump waits this long for the worker's answer (it yields to its event loop every 100 ms). */
const DUMP_WAIT_MS = 2000;

/** A stopping worker that has not answered within this is terminated (its offsets stay uncommitted: replayed). */
const WORKER_STOP_MS = 20_000;

/** Channels the worker's stage publishes on that the main thread's metrics may listen to. */
const FORWARDED_CHANNELS: readonly Channel[] = [
  alertChannel,
  callRecordChannel,
  esBulkChannel,
  kafkaProduceChannel,
  kafkaCommitChannel,
  consumerLagChannel,
];

/** The compiled worker script; undefined when running from source without a build. */
export function stageWorkerScript(): string | undefined {
  const path = join(__dirname, 'stage-worker.js');
  return existsSync(path) ? path : undefined;
}

export interface ThreadedAnalyzerOptions extends ThreadableOptions {
  log: Logger;
  /** The process logger's name and format, for the worker's own pino instance on the same fd. */
  logName: string;
  logFormat: LogFormat;
  /** stageWorkerScript() */
  workerScript: string;
}

export class ThreadedAnalyzer implements AnalyzerProcess {
  private readonly dialog: AnalyzerDaemon;
  private worker: Worker | undefined;
  /** The worker's counters as last reported (undefined before its first report). */
  private detectStats: AnalyzerDaemonStats | undefined;
  private readonly dumps = new Map<number, (reply: { stats: AnalyzerDaemonStats; tasks: DetectTasks }) => void>();
  private nextDump = 0;
  private stopping = false;
  private workerGone: Promise<void> = Promise.resolve();
  private readonly crashListeners: Array<(error: Error) => void> = [];
  private crash: Error | undefined;

  constructor(private readonly options: ThreadedAnalyzerOptions) {
    const { logName: _name, logFormat: _format, workerScript: _script, ...daemon } = options;
    this.dialog = new AnalyzerDaemon({ ...daemon, stage: 'dialog', log: options.log.child({ stage: 'dialog' }) });
  }

  /** Called once if the detect worker dies (error or exit) other than through stop(). */
  onCrash(listener: (error: Error) => void): void {
    if (this.crash !== undefined) listener(this.crash);
    else this.crashListeners.push(listener);
  }

  get signatureIds(): string[] {
    return this.dialog.signatureIds;
  }

  async start(): Promise<void> {
    const started = this.startWorker();
    try {
      await Promise.all([this.dialog.start(), started]);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private startWorker(): Promise<void> {
    const { log, logName, logFormat, workerScript, ...options } = this.options;
    const config: StageWorkerConfig = {
      options,
      log: { level: log.level as LevelWithSilent, name: logName, format: logFormat },
      forward: FORWARDED_CHANNELS.filter((c) => c.hasSubscribers).map((c) => c.name as string),
      statsEveryMs: STATS_EVERY_MS,
    };
    const worker = new Worker(workerScript, { workerData: config });
    this.worker = worker;
    let exited!: () => void;
    this.workerGone = new Promise((resolve) => (exited = resolve));
    return new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void => {
        reject(error);
        if (this.stopping || this.crash !== undefined) return;
        this.crash = error;
        for (const listener of this.crashListeners.splice(0)) listener(error);
      };
      worker.on('message', (message: FromStageWorker) => {
        switch (message.type) {
          case 'started':
            resolve();
            break;
          case 'stats':
            this.detectStats = message.stats;
            break;
          case 'stopped':
            this.detectStats = message.stats;
            // Its outputs are delivered and committed: open client timers must not hold the thread.
            void worker.terminate();
            break;
          case 'dump':
            this.detectStats = message.stats;
            this.dumps.get(message.id)?.({ stats: message.stats, tasks: message.tasks });
            this.dumps.delete(message.id);
            break;
          case 'channel':
            channel(message.name).publish(message.message);
            break;
        }
      });
      worker.on('error', (error) => fail(error));
      worker.on('exit', (code) => {
        exited();
        this.worker = undefined;
        for (const answer of this.dumps.values()) answer({ stats: this.detectStatsOrEmpty(), tasks: {} });
        this.dumps.clear();
        fail(new Error(`detect stage thread exited with code ${code}`));
      });
    });
  }

  stats(): AnalyzerDaemonStats {
    return mergeThreadStats(this.dialog.stats(), this.detectStatsOrEmpty());
  }

  async dump(): Promise<AnalyzerDump> {
    const worker = this.worker;
    const reply =
      worker === undefined
        ? { stats: this.detectStatsOrEmpty(), tasks: {} }
        : await new Promise<{ stats: AnalyzerDaemonStats; tasks: DetectTasks }>((resolve) => {
            const id = this.nextDump++;
            // A worker deep in a batch answers late: the dump then carries its last report.
            const timer = setTimeout(() => {
              this.dumps.delete(id);
              resolve({ stats: this.detectStatsOrEmpty(), tasks: {} });
            }, DUMP_WAIT_MS);
            this.dumps.set(id, (reply) => {
              clearTimeout(timer);
              resolve(reply);
            });
            worker.postMessage({ type: 'dump', id } satisfies ToStageWorker);
          });
    return { ...mergeThreadStats(this.dialog.stats(), reply.stats), detect_tasks: reply.tasks };
  }

  private detectStatsOrEmpty(): AnalyzerDaemonStats {
    return this.detectStats ?? emptyDaemonStats({ detect: this.worker?.threadId ?? -1 });
  }

  /** Both stages stop at once, each committing what its acknowledged deliveries cover. */
  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    const workerStopped = (async (): Promise<void> => {
      if (worker === undefined) return;
      worker.postMessage({ type: 'stop' } satisfies ToStageWorker);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), WORKER_STOP_MS)));
      const late = await Promise.race([this.workerGone.then(() => false), timedOut]);
      clearTimeout(timer);
      if (late) {
        this.options.log.warn(
          { stage: 'detect', wait_ms: WORKER_STOP_MS },
          'detect stage thread did not stop in time: terminated',
        );
        await worker.terminate();
      }
    })();
    await Promise.all([this.dialog.stop(), workerStopped]);
  }
}

/**
 * Pure: the counters of the thread that runs the dialog stage and of the one that runs the detect
 * stage, as one process's (the shape of a one-thread daemon's). Per-thread sums where each thread
 * has its own (indexer, bulks, outputs, V8 heaps); RSS is the process's, read by the dialog side.
 */
export function mergeThreadStats(dialog: AnalyzerDaemonStats, detect: AnalyzerDaemonStats): AnalyzerDaemonStats {
  const sum = <T extends object>(a: T, b: T): T => {
    const out = { ...a } as Record<string, unknown>;
    for (const [key, value] of Object.entries(b)) {
      const mine = out[key];
      if (typeof value === 'number' && typeof mine === 'number') out[key] = mine + value;
    }
    return out as T;
  };
  return {
    dialog: dialog.dialog,
    detect: detect.detect,
    dead_letters: dialog.dead_letters + detect.dead_letters,
    producer_resets: dialog.producer_resets + detect.producer_resets,
    indexer: sum(dialog.indexer, detect.indexer),
    state: { dialog: dialog.state.dialog, detect: detect.state.detect },
    memory: {
      rss: dialog.memory.rss,
      heap_used: dialog.memory.heap_used + detect.memory.heap_used,
      heap_total: dialog.memory.heap_total + detect.memory.heap_total,
      external: dialog.memory.external + detect.memory.external,
    },
    bulks: {
      ...sum(dialog.bulks, detect.bulks),
      largest_bulk: Math.max(dialog.bulks.largest_bulk, detect.bulks.largest_bulk),
    },
    outputs: sum(dialog.outputs, detect.outputs),
    stage_threads: { ...dialog.stage_threads, ...detect.stage_threads },
  };
}

/** Counters of a daemon that has done nothing yet (the worker before its first report). */
function emptyDaemonStats(stageThreads: AnalyzerDaemonStats['stage_threads']): AnalyzerDaemonStats {
  const empty = emptyStageStats();
  return {
    dialog: { ...empty, events: 0, duplicates: 0, poison: 0, calls: 0 },
    detect: { ...empty, alerts: 0, late: 0, duplicates: 0, buffered: 0 },
    dead_letters: 0,
    producer_resets: 0,
    indexer: { indexed: 0, duplicates: 0, retries: 0, rejected: 0, outages: 0 },
    state: { dialog: { entries: 0, evictions: 0 }, detect: { entries: 0, evictions: 0 } },
    memory: { rss: 0, heap_used: 0, heap_total: 0, external: 0 },
    bulks: { bulks: 0, submitted: 0, sent: 0, largest_bulk: 0, queued: 0 },
    outputs: { keyed_sends: 0, keyed_ms: 0, index_ms: 0, link_ms: 0, ticks: 0, tick_ms: 0 },
    stage_threads: stageThreads,
  };
}
