//! `sipward collect`: the collector daemon. Decodes capture files (`--file`) or a live interface and
//! publishes one SIP event per SIP message to Kafka (same JSON as `sipward decode`), through a
//! bounded queue that survives broker outages; SIGINT/SIGTERM flush the queue and exit 0.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Command, Option } from 'commander';
import { SipwardError } from '../../../lib/src/errors';
import type { Logger } from '../../../lib/src/logger';
import { commandLogger } from '../command-logger';
import { decodeInputs, type DecodeSummary } from '../../../collectors/src/decode';
import { COMPRESSIONS, kafkaConnection, type Compression } from '../../../lib/src/kafka/connection';
import { onStopSignals } from '../../../lib/src/signals';
import { addKafkaSecurityOptions, type KafkaSecurityFlags } from '../kafka-options';
import { KafkaPublisher, createKafkaPorts, type PublisherStats } from '../../../collectors/src/publish/kafka-publisher';
import { addInputOptions, releaseLiveCapture, toDecodeInputOptions, type InputFlags } from '../input-options';
import {
  parseNonNegativeInteger,
  parseNonNegativeNumber,
  parsePositiveInteger,
  parsePositiveNumber,
} from '../parse-options';
import { loadCollectMetrics } from '../metrics/load';
import { addMetricsOptions, serveMetrics, type MetricsFlags } from '../metrics/options';

export interface CollectFlags extends InputFlags, MetricsFlags, KafkaSecurityFlags {
  file?: string[];
  kafka?: string;
  topic: string;
  partitions: number;
  replicationFactor: number;
  queueMax: number;
  batchMax: number;
  lingerMs: number;
  compression: Compression;
  drainTimeout: number;
  giveUpAfter?: number;
}

/** Thrown from the decoder's after-batch hook to stop reading files on SIGINT/SIGTERM. */
class Interrupted extends Error {}

export function collectCommand(): Command {
  const command = addMetricsOptions(
    addInputOptions(
      new Command('collect').description(
        'collector daemon: decode capture files, a live interface or HEP and publish one SIP event per message to Kafka',
      ),
    ),
  )
    .option('--file <paths...>', 'pcap or pcapng files, read in the order given (same as positional captures)')
    .addOption(new Option('--kafka <brokers>', 'Kafka bootstrap servers, host:port,host:port').env('SIPWARD_KAFKA'))
    .option('--topic <name>', 'topic of the SIP events', 'sip.events')
    .addOption(
      new Option('--partitions <n>', 'partitions when the topic is created').argParser(parsePositiveInteger).default(4),
    )
    .addOption(
      new Option('--replication-factor <n>', 'replication factor when the topic is created')
        .argParser(parsePositiveInteger)
        .default(1),
    )
    .addOption(
      new Option('--queue-max <n>', 'events held while the broker is slow or away (live input drops beyond it)')
        .argParser(parsePositiveInteger)
        .default(100_000),
    )
    .addOption(
      new Option('--batch-max <n>', 'events per produce request').argParser(parsePositiveInteger).default(2000),
    )
    .addOption(
      new Option('--linger-ms <ms>', 'wait this long for a fuller batch')
        .argParser(parseNonNegativeInteger)
        .default(20),
    )
    .addOption(new Option('--compression <codec>', 'record batch compression').choices(COMPRESSIONS).default('gzip'));
  addKafkaSecurityOptions(command)
    .addOption(
      new Option('--drain-timeout <seconds>', 'on shutdown, flush the queue for at most this long')
        .argParser(parseNonNegativeNumber)
        .default(10),
    )
    .addOption(
      new Option(
        '--give-up-after <seconds>',
        'exit 2 when the broker stays unreachable this long (default: retry for ever)',
      ).argParser(parsePositiveNumber),
    )
    .action(async (captures: string[], flags: CollectFlags, cmd: Command) => {
      const log = commandLogger(cmd, 'sipward-collect');
      const files = [...(flags.file ?? []), ...captures];
      // SIPWARD_INTERFACE is the deployment's default; explicit files or --hep win over it.
      const inputFlags: InputFlags =
        (files.length > 0 || flags.hep !== undefined) && cmd.getOptionValueSource('interface') === 'env'
          ? { ...flags, interface: undefined }
          : flags;
      try {
        await runCollect(files, inputFlags, flags, log);
      } finally {
        releaseLiveCapture(inputFlags);
      }
    });
  command.options.find((o) => o.long === '--interface')?.env('SIPWARD_INTERFACE');
  return command;
}

async function runCollect(files: string[], inputFlags: InputFlags, flags: CollectFlags, log: Logger): Promise<void> {
  const input = toDecodeInputOptions('collect', files, inputFlags, log, () => undefined);
  if (flags.kafka === undefined)
    throw new SipwardError('SIPWARD_USAGE', 'collect needs --kafka host:port (or SIPWARD_KAFKA)');
  const connection = kafkaConnection({ ...flags, kafka: flags.kafka }, (path) => readFileSync(path, 'utf8'));
  // HEP input runs until a signal, like a live interface.
  const live = input.interface !== undefined || input.hep !== undefined;
  const clientId = `sipward-collect-${flags.observerId ?? hostname()}`;
  const publisher = new KafkaPublisher(createKafkaPorts(connection, clientId, log), {
    brokers: connection.brokers,
    topic: flags.topic,
    partitions: flags.partitions,
    replicationFactor: flags.replicationFactor,
    mode: live ? 'live' : 'file',
    queueMax: flags.queueMax,
    batchMax: flags.batchMax,
    lingerMs: flags.lingerMs,
    compression: flags.compression,
    // Stable across restarts: a restarted collector takes over its own watermark entry at once.
    observerId: flags.observerId ?? hostname(),
    ...(flags.giveUpAfter !== undefined ? { giveUpAfterMs: flags.giveUpAfter * 1000 } : {}),
    // Live capture only stops on a signal (decode.ts listens for it): send ourselves one.
    onFatal: () => {
      if (live) process.kill(process.pid, 'SIGTERM');
    },
    log,
  });
  log.info(
    { brokers: connection.brokers, topic: flags.topic, mode: live ? 'live' : 'file', queue_max: flags.queueMax },
    'collect starting',
  );

  let signals = 0;
  let interrupted = false;
  const metrics =
    flags.metricsPort === undefined ? undefined : new (loadCollectMetrics().CollectMetrics)(() => publisher.stats);
  const server = await serveMetrics(
    flags,
    metrics?.registry,
    { stopping: () => interrupted, ready: () => publisher.ready, starting: 'not connected to Kafka yet' },
    log,
  );
  // A file that ended is flushed without a deadline (the give-up policy bounds a dead broker);
  // a signal during that final flush gives it --drain-timeout from then on, as during capture.
  let finalFlush = false;
  let drainTimer: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      if (publisher.fatal === undefined) log.info({ signal }, 'stopping: capture ends, the queue is flushed');
      interrupted = true;
      publisher.stopInput();
      if (finalFlush) drainTimer = setTimeout(() => publisher.abortDrain(), flags.drainTimeout * 1000);
    } else {
      log.warn({ signal }, 'second signal: stopping without flushing');
      publisher.abortDrain();
    }
  };
  const unwireSignals = onStopSignals(onSignal);
  // File input connects on its first event, so a bad file fails before any broker traffic.
  if (live) publisher.start();

  let decode: DecodeSummary | undefined;
  let failure: unknown;
  try {
    decode = await decodeInputs(metrics === undefined ? input : { ...input, onStage: metrics.onStage }, {
      onEvent: (event) => {
        publisher.start();
        publisher.publish(event);
        metrics?.observe(event);
      },
      afterBatch: async () => {
        await publisher.afterBatch();
        if (interrupted && !live) throw new Interrupted();
      },
    });
  } catch (error) {
    if (!(error instanceof Interrupted)) failure = error;
  }

  let stats: PublisherStats | undefined;
  try {
    // A failed input has nothing worth waiting for; a give-up is reported by close. A file read to
    // its end must reach Kafka whole, so it waits as long as the give-up policy lets it.
    finalFlush = !live && !interrupted && failure === undefined;
    const drainMs =
      failure !== undefined && publisher.fatal === undefined ? 0 : finalFlush ? Infinity : flags.drainTimeout * 1000;
    stats = await publisher.close(drainMs);
  } finally {
    clearTimeout(drainTimer);
    unwireSignals();
    await server?.close();
  }
  if (failure !== undefined) throw failure;
  log.info(
    {
      published: stats.published,
      dropped: stats.dropped,
      dropped_total: stats.dropped_total,
      retries: stats.retries,
      outages: stats.outages,
      outage_seconds: stats.outage_seconds,
      queue_high_water: stats.queue_high_water,
      producer_resets: stats.producer_resets,
      bytes: stats.bytes,
      interrupted,
      ...(decode !== undefined ? { decode } : {}),
    },
    'collect finished',
  );
  // Events lost without being asked to stop are data loss: say so in the exit status, not only in
  // the log. (A signal's drain timeout and a second signal drop by the operator's choice: exit 0.)
  if (stats.dropped_total > 0 && !interrupted) {
    log.error({ dropped_total: stats.dropped_total, dropped: stats.dropped }, 'not every event reached Kafka');
    process.exitCode = EXIT_EVENTS_DROPPED;
  }
}

/** `collect` read its input to the end but not every event reached Kafka. */
const EXIT_EVENTS_DROPPED = 3;
