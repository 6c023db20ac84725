//! `sipward analyzer`: the analyzer daemon (README "Pipeline"). Consumes SIP events from Kafka in
//! a consumer group, re-keys what needs another key through the group's own topic, indexes alerts
//! and call records into Elasticsearch, and commits offsets only after Elasticsearch acknowledged.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SipwardError } from '../../../lib/src/errors';
import { commandLogger } from '../command-logger';
import { defaultLogFormat, type LogFormat, type Logger } from '../../../lib/src/logger';
import { loadAnalyzerMetrics } from '../metrics/load';
import { addMetricsOptions, serveMetrics, type MetricsFlags } from '../metrics/options';
import { loadAnalyzerConfig } from '../../../analyzer/src/config';
import { AnalyzerDaemon, type AnalyzerStage } from '../../../analyzer/src/pipeline/analyzer-daemon';
import {
  ThreadedAnalyzer,
  stageWorkerScript,
  type AnalyzerProcess,
} from '../../../analyzer/src/pipeline/threaded-analyzer';
import { kafkaConnection } from '../../../lib/src/kafka/connection';
import { onDumpSignal, onStopSignals } from '../../../lib/src/signals';
import { addKafkaSecurityOptions, type KafkaSecurityFlags } from '../kafka-options';
import { parsePositiveInteger } from '../parse-options';

interface AnalyzerFlags extends MetricsFlags, KafkaSecurityFlags {
  kafka?: string;
  topic: string;
  group: string;
  elasticsearch?: string;
  esUsername?: string;
  esPasswordFile?: string;
  esApiKeyFile?: string;
  esCa?: string;
  esInsecure?: boolean;
  namespace: string;
  rules: string[];
  config?: string;
  keyedPartitions: number;
  statsInterval: number;
  sipLogMode: 'all' | 'none';
  stage: AnalyzerStage;
  stageThreads: 1 | 2;
}

const LOG_NAME = 'sipward-analyzer';

/** After a stage thread crashed, the other stage gets this long to commit what is acknowledged. */
const CRASH_STOP_MS = 10_000;

/** Exit status of a crashed stage thread: an internal error, like any uncaught one (main.ts). */
const CRASH_EXIT = 70;

export function analyzerCommand(): Command {
  const command = addMetricsOptions(new Command('analyzer'))
    .description('analyzer daemon: Kafka consumer group → FS.38 signatures → Elasticsearch (alerts, call records)')
    .option('--kafka <brokers>', 'Kafka bootstrap brokers host:port,... (env SIPWARD_KAFKA)')
    .option('--topic <name>', 'topic of the SIP events', 'sip.events')
    .option(
      '--group <id>',
      'consumer group (also names the group’s own topics <group>.keyed and <group>.dlq)',
      'sipward-analyzer',
    )
    .option('--elasticsearch <url>', 'Elasticsearch URL(s), comma separated (env SIPWARD_ELASTICSEARCH)')
    .option('--es-username <user>', 'Elasticsearch user (password from --es-password-file)')
    .option('--es-password-file <file>', 'file holding the Elasticsearch password')
    .option('--es-api-key-file <file>', 'file holding a base64 Elasticsearch API key')
    .option('--es-ca <file>', 'PEM CA bundle of the Elasticsearch certificate')
    .option('--es-insecure', 'do not verify the Elasticsearch certificate (lab use only)')
    .option('--namespace <ns>', 'data stream namespace: logs-sipward.alert-<ns>, logs-sipward.call-<ns>', 'default')
    .option('--rules <dir>', 'extra signature folder; repeatable', (dir: string, all: string[]) => [...all, dir], [])
    .option('--config <file>', 'YAML configuration (engine bounds, site knowledge)')
    .addOption(
      new Option('--keyed-partitions <n>', 'partitions of <group>.keyed when the analyzer creates it')
        .argParser(parsePositiveInteger)
        .default(8),
    );
  return addKafkaSecurityOptions(command)
    .addOption(
      new Option('--stats-interval <s>', 'log pipeline counters every N seconds')
        .argParser(parsePositiveInteger)
        .default(30),
    )
    .addOption(
      new Option(
        '--sip-log-mode <mode>',
        'SIP transaction log into logs-sipward.sip-<ns>: all or none (alerted: analyze --sip-log only, for now)',
      )
        .choices(['all', 'none'])
        .default('none'),
    )
    .addOption(
      new Option(
        '--stage <stage>',
        'stages this process runs: both, or dialog / detect to run them in two processes (two cores)',
      )
        .choices(['both', 'dialog', 'detect'])
        .default('both'),
    )
    .addOption(
      new Option(
        '--stage-threads <n>',
        'with --stage both: 2 runs the detect stage in a worker thread (two cores, one process), 1 both on one',
      )
        // choices() would be replaced by argParser(): the parser checks the value itself.
        .argParser(parseStageThreads)
        .default(availableParallelism() >= 2 ? 2 : 1, '2 on ≥ 2 cores'),
    )
    .action(async (flags: AnalyzerFlags, command: Command) => {
      const log = commandLogger(command, LOG_NAME);
      const kafka = flags.kafka ?? process.env.SIPWARD_KAFKA ?? '';
      if (kafka.trim() === '')
        throw new SipwardError('SIPWARD_USAGE', 'analyzer needs --kafka host:port (or SIPWARD_KAFKA)');
      const connection = kafkaConnection({ ...flags, kafka }, (p) => readFileSync(p, 'utf8'));
      const esUrl = flags.elasticsearch ?? process.env.SIPWARD_ELASTICSEARCH ?? 'http://127.0.0.1:9200';
      const secret = (file: string): string => readFileSync(file, 'utf8').trim();
      const config = flags.config === undefined ? {} : loadAnalyzerConfig(flags.config);
      if (
        flags.stage !== 'both' &&
        command.getOptionValueSource('stageThreads') !== 'default' &&
        flags.stageThreads > 1
      )
        throw new SipwardError(
          'SIPWARD_USAGE',
          `--stage ${flags.stage} runs one stage: --stage-threads 2 needs --stage both`,
        );
      const options = {
        kafka: { clientId: `sipward-analyzer-${process.pid}`, ...connection },
        topic: flags.topic,
        group: flags.group,
        elasticsearch: {
          node: esUrl.split(','),
          ...(flags.esUsername !== undefined ? { username: flags.esUsername } : {}),
          ...(flags.esPasswordFile !== undefined ? { password: secret(flags.esPasswordFile) } : {}),
          ...(flags.esApiKeyFile !== undefined ? { apiKey: secret(flags.esApiKeyFile) } : {}),
          ...(flags.esCa !== undefined ? { caFile: flags.esCa } : {}),
          ...(flags.esInsecure === true ? { insecure: true } : {}),
        },
        namespace: flags.namespace,
        rulesDirs: flags.rules,
        enricher: {
          ...(config.site !== undefined ? { site: config.site } : {}),
          ...(config.maxTransactions !== undefined ? { maxTransactions: config.maxTransactions } : {}),
          ...(config.maxDialogs !== undefined ? { maxDialogs: config.maxDialogs } : {}),
        },
        ...(config.maxGroupsPerSignature !== undefined ? { maxGroupsPerSignature: config.maxGroupsPerSignature } : {}),
        ...(config.tuning !== undefined ? { tuning: config.tuning } : {}),
        keyedPartitions: flags.keyedPartitions,
        sipLog: flags.sipLogMode === 'all',
      };
      const workerScript = stageWorkerScript();
      const threaded = flags.stage === 'both' && flags.stageThreads === 2;
      if (threaded && workerScript === undefined)
        log.warn('stage-worker.js is missing (running from source without a build): both stages on one thread');
      const daemon: AnalyzerProcess =
        threaded && workerScript !== undefined
          ? new ThreadedAnalyzer({ ...options, log, logName: LOG_NAME, logFormat: logFormatOf(command), workerScript })
          : new AnalyzerDaemon({ ...options, stage: flags.stage, log });
      if (config.site === undefined) {
        log.warn('no site knowledge (--config with a site: section): signatures that need it are not run');
      }
      const statsEvery = flags.statsInterval * 1000;
      let stopping = false;
      // A crashed stage thread: never a half-process. The other stage commits what is acknowledged
      // (bounded), then the process exits non-zero; a restart rebuilds state by replay, as after kill -9.
      let crashing: Promise<never> | undefined;
      if (daemon instanceof ThreadedAnalyzer)
        daemon.onCrash((error) => {
          crashing ??= exitAfterCrash(daemon, error, log, () => (stopping = true));
        });
      const done = new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          if (stopping) return;
          stopping = true;
          log.info({ signal }, 'stopping');
          void daemon.stop().then(() => {
            log.info({ stats: daemon.stats() }, 'analyzer stopped');
            resolve();
          });
        };
        onStopSignals(stop, { once: true });
      });
      let started = false;
      const metrics =
        flags.metricsPort === undefined
          ? undefined
          : new (loadAnalyzerMetrics().AnalyzerMetrics)(() => daemon.stats(), daemon.signatureIds);
      const server = await serveMetrics(
        flags,
        metrics?.registry,
        {
          stopping: () => stopping,
          ready: () => started,
          starting: 'starting: Kafka topics, Elasticsearch templates',
        },
        log,
      );
      try {
        await daemon.start();
      } catch (error) {
        if (crashing !== undefined) await crashing;
        throw error;
      }
      started = true;
      const timer = setInterval(() => log.info({ stats: daemon.stats() }, 'analyzer stats'), statsEvery);
      // Tests read the counters without parsing logs: SIGUSR2 prints them as one JSON line on stdout.
      onDumpSignal(() => void daemon.dump().then((dump) => process.stdout.write(JSON.stringify(dump) + '\n')));
      await done;
      clearInterval(timer);
      await server?.close();
      metrics?.close();
    });
}

function logFormatOf(command: Command): LogFormat {
  return command.optsWithGlobals<{ logFormat?: LogFormat }>().logFormat ?? defaultLogFormat();
}

/** `--stage-threads`: 1 or 2 (the analyzer has two stages). */
function parseStageThreads(value: string): 1 | 2 {
  if (value === '1' || value === '2') return value === '1' ? 1 : 2;
  throw new InvalidArgumentError(`1 or 2 (the analyzer has two stages), not ${value}`);
}

/** How a crashed analyzer ends (tests give their own exit and a short bound). */
export interface CrashExit {
  stopMs: number;
  exit: (code: number) => never;
}

/**
 * A stage thread crashed: one fatal line, the other stage stopped within `stopMs` (it commits what
 * its acknowledged deliveries cover), then exit 70 — whether or not the stop finished.
 */
export async function exitAfterCrash(
  daemon: Pick<AnalyzerProcess, 'stop'>,
  error: Error,
  log: Logger,
  markStopping: () => void,
  how: CrashExit = { stopMs: CRASH_STOP_MS, exit: (code) => process.exit(code) },
): Promise<never> {
  markStopping();
  log.fatal(
    { stage: 'detect', err: error.message, stack: error.stack },
    'detect stage thread crashed: the analyzer exits (restart it: state is rebuilt from the log)',
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    daemon.stop().catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, how.stopMs))),
  ]);
  clearTimeout(timer);
  return how.exit(CRASH_EXIT);
}
