//! `analyzer --metrics-port`: the daemon's counters read at scrape time, plus what the pipeline
//! publishes on diagnostics channels (alerts by signature, ES bulk latency, consumer lag).
import { subscribe, unsubscribe, type Channel } from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AnalyzerDaemonStats } from '../../../analyzer/src/pipeline/analyzer-daemon';
import {
  alertChannel,
  consumerLagChannel,
  esBulkChannel,
  type AlertMessage,
  type ConsumerLagMessage,
  type EsBulkMessage,
} from '../../../lib/src/metrics/channels';
import { bounded, newRegistry, pulledCounter, pulledGauge, type Labels } from '../../../lib/src/metrics/registry';

export class AnalyzerMetrics {
  readonly registry: Registry = newRegistry('analyzer');
  private readonly unsubscribe: Array<() => void> = [];

  /** `signatures`: the ids this analyzer runs (the bounded label set of alerts by signature). */
  constructor(stats: () => AnalyzerDaemonStats, signatures: readonly string[]) {
    const r = this.registry;
    const stages =
      (read: (s: AnalyzerDaemonStats, stage: 'dialog' | 'detect') => number): (() => Array<[Labels, number]>) =>
      () => {
        const s = stats();
        return [
          [{ stage: 'dialog' }, read(s, 'dialog')],
          [{ stage: 'detect' }, read(s, 'detect')],
        ];
      };
    // Per-stage readings: [kind, name, help, read].
    const perStage: ReadonlyArray<
      readonly ['counter' | 'gauge', string, string, (s: AnalyzerDaemonStats, stage: 'dialog' | 'detect') => number]
    > = [
      ['counter', 'sipward_consumed_records_total', 'Kafka records processed, by stage', (s, k) => s[k].processed],
      [
        'counter',
        'sipward_replayed_records_total',
        'Records replayed to rebuild state, by stage',
        (s, k) => s[k].replayed,
      ],
      ['counter', 'sipward_offset_commits_total', 'Offset commits, by stage', (s, k) => s[k].commits],
      ['counter', 'sipward_state_rebuilds_total', 'Partition state rebuilds, by stage', (s, k) => s[k].rebuilds],
      [
        'gauge',
        'sipward_assigned_partitions',
        'Partitions assigned to this instance, by stage',
        (s, k) => s[k].partitions.length,
      ],
      [
        'gauge',
        'sipward_state_entries',
        'State entries held (transactions, dialogs, signature windows), by stage',
        (s, k) => s.state[k].entries,
      ],
      [
        'counter',
        'sipward_state_evictions_total',
        'State entries evicted at the size bounds, by stage',
        (s, k) => s.state[k].evictions,
      ],
    ];
    for (const [kind, name, help, read] of perStage)
      (kind === 'counter' ? pulledCounter : pulledGauge)(r, name, help, ['stage'], stages(read));
    pulledCounter(
      r,
      'sipward_events_total',
      'SIP events taken in by the dialog stage',
      [],
      () => stats().dialog.events,
    );
    pulledCounter(r, 'sipward_events_dropped_total', 'Events dropped, by reason', ['reason'], () => {
      const s = stats();
      return [
        [{ reason: 'duplicate' }, s.dialog.duplicates + s.detect.duplicates],
        [{ reason: 'poison' }, s.dialog.poison],
        [{ reason: 'late' }, s.detect.late],
      ];
    });
    pulledCounter(
      r,
      'sipward_dead_letters_total',
      'Records sent to the dead-letter topic',
      [],
      () => stats().dead_letters,
    );
    pulledCounter(r, 'sipward_call_records_total', 'Call records built', [], () => stats().dialog.calls);
    pulledCounter(
      r,
      'sipward_alerts_emitted_total',
      'Alert versions delivered to Elasticsearch',
      [],
      () => stats().detect.alerts,
    );
    pulledGauge(
      r,
      'sipward_reorder_buffered',
      'Events waiting in the reorder buffer',
      [],
      () => stats().detect.buffered,
    );
    pulledCounter(r, 'sipward_es_documents_total', 'Elasticsearch documents, by result', ['result'], () => {
      const i = stats().indexer;
      return [
        [{ result: 'indexed' }, i.indexed],
        [{ result: 'duplicate' }, i.duplicates],
        [{ result: 'rejected' }, i.rejected],
      ];
    });
    pulledCounter(r, 'sipward_es_retries_total', 'Elasticsearch bulk retries', [], () => stats().indexer.retries);
    pulledCounter(r, 'sipward_es_outages_total', 'Elasticsearch outages', [], () => stats().indexer.outages);

    const known = new Set(signatures);
    const alerts = new Counter({
      name: 'sipward_alerts_total',
      help: 'Alert versions delivered, by signature id',
      labelNames: ['signature'],
      registers: [r],
    });
    const bulkSeconds = new Histogram({
      name: 'sipward_es_bulk_seconds',
      help: 'Elasticsearch bulk request latency',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
    const bulkFailures = new Counter({
      name: 'sipward_es_bulk_failures_total',
      help: 'Elasticsearch bulk requests that failed as a whole',
      registers: [r],
    });
    const lag = new Gauge({
      name: 'sipward_consumer_lag',
      help: 'Records behind the partition end after the last batch, per topic and partition',
      labelNames: ['topic', 'partition'],
      registers: [r],
    });
    this.subscribe(alertChannel, (m: AlertMessage) => alerts.inc({ signature: bounded(m.signature, known) }));
    this.subscribe(esBulkChannel, (m: EsBulkMessage) => {
      bulkSeconds.observe({ result: m.ok ? 'ok' : 'failed' }, m.seconds);
      if (!m.ok) bulkFailures.inc();
    });
    this.subscribe(consumerLagChannel, (m: ConsumerLagMessage) =>
      lag.set({ topic: m.topic, partition: String(m.partition) }, m.lag),
    );
  }

  /** Stops listening on the channels (the process keeps running in tests). */
  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private subscribe<T>(ch: Channel, fn: (m: T) => void): void {
    const listener = (m: unknown): void => fn(m as T);
    subscribe(ch.name, listener);
    this.unsubscribe.push(() => void unsubscribe(ch.name, listener));
  }
}
