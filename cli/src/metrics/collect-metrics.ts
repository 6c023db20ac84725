//! `collect --metrics-port`: the collector's metrics, read from the decode stages and the Kafka
//! publisher at scrape time, plus SIP messages by method / response class counted per event.
import type { Registry } from 'prom-client';
import { ANOMALY_CODES } from '../../../schema/src/anomalies';
import type { SipEvent } from '../../../schema/src/sip-event';
import type { CaptureStats } from '../../../collectors/src/capture/capture-stats';
import type { HepInput } from '../../../collectors/src/capture/hep-input';
import type { HepListener } from '../../../collectors/src/capture/hep-listener';
import type { DecodeStage } from '../../../collectors/src/decode';
import type { PublisherStats } from '../../../collectors/src/publish/kafka-publisher';
import type { SipDecoder } from '../../../collectors/src/sip-decoder';
import { fieldsOf, newRegistry, pulledCounter, pulledGauge, type Labels } from '../../../lib/src/metrics/registry';
import { SipTrafficMetrics } from '../../../lib/src/metrics/sip-traffic';

/** Decode counters that are volumes, not drops (they have their own metrics). */
const NOT_DROPS = new Set(['packets', 'segments', 'udp', 'tcp', 'sctp', 'reassembled', 'fragment_held']);

export class CollectMetrics {
  readonly registry: Registry = newRegistry('collect');
  private readonly traffic = new SipTrafficMetrics(this.registry);
  private decoder: SipDecoder | undefined;
  /** Every capture opened so far (files one after another, or the live interface). */
  private readonly captures: Array<Readonly<CaptureStats>> = [];
  private hep: { input: HepInput; listener: HepListener } | undefined;

  constructor(publisher: () => PublisherStats) {
    const r = this.registry;
    const decoder =
      (read: (d: SipDecoder) => number): (() => number) =>
      () =>
        this.decoder === undefined ? 0 : read(this.decoder);
    const captureSum = (field: keyof CaptureStats): number => this.captures.reduce((n, c) => n + (c[field] ?? 0), 0);
    pulledCounter(
      r,
      'sipward_packets_total',
      'Packets (or HEP messages) decoded',
      [],
      decoder((d) => d.stats.packets),
    );
    pulledCounter(
      r,
      'sipward_bytes_total',
      'Bytes of those packets',
      [],
      decoder((d) => d.stats.bytes),
    );
    pulledCounter(r, 'sipward_capture_dropped_total', 'Packets lost before decoding, by where', ['where'], () =>
      this.captureDrops(captureSum),
    );
    pulledCounter(
      r,
      'sipward_capture_bad_records_total',
      'Capture records cut or unreadable',
      [],
      () => captureSum('truncatedRecords') + captureSum('badRecords'),
    );
    pulledCounter(
      r,
      'sipward_sip_messages_total',
      'SIP messages decoded into events',
      [],
      decoder((d) => d.stats.sip_messages),
    );
    pulledCounter(r, 'sipward_sip_anomalies_total', 'SIP anomalies, by code', ['code'], () =>
      ANOMALY_CODES.map((code): [Labels, number] => [{ code }, this.decoder?.stats.anomalies[code] ?? 0]).filter(
        ([, n]) => n > 0,
      ),
    );
    pulledCounter(
      r,
      'sipward_mirror_duplicates_total',
      'Mirror duplicates suppressed',
      [],
      decoder((d) => d.stats.mirror_duplicates),
    );
    pulledCounter(r, 'sipward_decode_drops_total', 'Packets the decoder could not use, by reason', ['reason'], () =>
      this.decoder === undefined
        ? []
        : fieldsOf(this.decoder.packetDecoder.counters, 'reason').filter(([l]) => !NOT_DROPS.has(l.reason ?? '')),
    );
    pulledCounter(r, 'sipward_ip_defrag_total', 'IP defragmentation counters', ['counter'], () =>
      this.decoder === undefined ? [] : fieldsOf(this.decoder.packetDecoder.defragmenter.counters, 'counter'),
    );
    pulledCounter(r, 'sipward_tcp_reassembly_total', 'TCP reassembly counters', ['counter'], () =>
      this.decoder === undefined ? [] : fieldsOf(this.decoder.tcp.counters, 'counter'),
    );
    pulledCounter(r, 'sipward_hep_packets_total', 'HEP packets received', [], () => this.hep?.input.stats.packets ?? 0);
    pulledCounter(r, 'sipward_hep_dropped_total', 'HEP packets dropped, by reason', ['reason'], () => {
      if (this.hep === undefined) return [];
      const out = fieldsOf(this.hep.input.stats.dropped, 'reason');
      out.push([{ reason: 'queue_full' }, this.hep.listener.stats.dropped]);
      out.push([{ reason: 'stream_out_of_sync' }, this.hep.listener.stats.streams_dropped]);
      return out;
    });
    pulledGauge(r, 'sipward_publish_queue_depth', 'Events waiting for the broker', [], () => publisher().queued);
    pulledGauge(
      r,
      'sipward_publish_queue_high_water',
      'Largest queue depth seen',
      [],
      () => publisher().queue_high_water,
    );
    pulledCounter(r, 'sipward_published_events_total', 'Events acknowledged by Kafka', [], () => publisher().published);
    pulledCounter(
      r,
      'sipward_published_bytes_total',
      'Bytes of acknowledged event values',
      [],
      () => publisher().bytes,
    );
    pulledCounter(r, 'sipward_publish_dropped_total', 'Events dropped before Kafka, by reason', ['reason'], () =>
      fieldsOf(publisher().dropped, 'reason'),
    );
    pulledCounter(r, 'sipward_publish_retries_total', 'Failed send or connect attempts', [], () => publisher().retries);
    pulledCounter(r, 'sipward_broker_outages_total', 'Broker outages', [], () => publisher().outages);
    pulledCounter(
      r,
      'sipward_broker_outage_seconds_total',
      'Seconds without a broker',
      [],
      () => publisher().outage_seconds,
    );
  }

  /** DecodeInputOptions.onStage */
  readonly onStage = (stage: DecodeStage): void => {
    if (stage.kind === 'decoder') this.decoder = stage.decoder;
    else if (stage.kind === 'capture') this.captures.push(stage.stats);
    else this.hep = { input: stage.input, listener: stage.listener };
  };

  /** Per event: SIP method / response class. */
  observe(event: SipEvent): void {
    this.traffic.observe(event);
  }

  private captureDrops(sum: (field: keyof CaptureStats) => number): Array<[Labels, number]> {
    const out: Array<[Labels, number]> = [[{ where: 'queue' }, sum('dropped')]];
    let kernel = 0;
    let iface = 0;
    for (const c of this.captures) {
      if ('kernelDropped' in c) kernel += Number(c.kernelDropped) || 0;
      if ('interfaceDropped' in c) iface += Number(c.interfaceDropped) || 0;
    }
    out.push([{ where: 'kernel' }, kernel], [{ where: 'interface' }, iface]);
    return out;
  }
}
