//! `sipward analyzer`: the analyzer daemon (README "Pipeline"). Consumes SIP events from Kafka in
//! a consumer group, re-keys what needs another key through the group's own topic, indexes alerts
//! and call records into Elasticsearch, and commits offsets only after Elasticsearch acknowledged.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { SipwardError } from '../../../lib/src/errors';
import { commandLogger } from '../command-logger';
import { loadAnalyzerMetrics } from '../metrics/load';
import { addMetricsOptions, serveMetrics, type MetricsFlags } from '../metrics/options';
import { loadAnalyzerConfig } from '../../../analyzer/src/config';
import { AnalyzerDaemon, type AnalyzerStage } from '../../../analyzer/src/pipeline/analyzer-daemon';
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
}

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
    .action(async (flags: AnalyzerFlags, command: Command) => {
      const log = commandLogger(command, 'sipward-analyzer');
      const kafka = flags.kafka ?? process.env.SIPWARD_KAFKA ?? '';
      if (kafka.trim() === '')
        throw new SipwardError('SIPWARD_USAGE', 'analyzer needs --kafka host:port (or SIPWARD_KAFKA)');
      const connection = kafkaConnection({ ...flags, kafka }, (p) => readFileSync(p, 'utf8'));
      const esUrl = flags.elasticsearch ?? process.env.SIPWARD_ELASTICSEARCH ?? 'http://127.0.0.1:9200';
      const secret = (file: string): string => readFileSync(file, 'utf8').trim();
      const config = flags.config === undefined ? {} : loadAnalyzerConfig(flags.config);
      const daemon = new AnalyzerDaemon({
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
        stage: flags.stage,
        log,
      });
      if (config.site === undefined) {
        log.warn('no site knowledge (--config with a site: section): signatures that need it are not run');
      }
      const statsEvery = flags.statsInterval * 1000;
      let stopping = false;
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
      await daemon.start();
      started = true;
      const timer = setInterval(() => log.info({ stats: daemon.stats() }, 'analyzer stats'), statsEvery);
      // Tests read the counters without parsing logs: SIGUSR2 prints them as one JSON line on stdout.
      onDumpSignal(() =>
        process.stdout.write(JSON.stringify({ ...daemon.stats(), detect_tasks: daemon.inspect() }) + '\n'),
      );
      await done;
      clearInterval(timer);
      await server?.close();
      metrics?.close();
    });
}
