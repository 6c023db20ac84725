//! Wiring for `sipward extract`: the packets behind an alert, a call or a campaign, as a pcap.
//! Pass 1 runs the same decode and detection as `analyze` over the captures and collects the event
//! ids of every message the selection covers (each one an incident counted, or every message of the
//! dialog). Pass 2 reads the captures again and writes each packet that carried one of them: a UDP
//! datagram is matched by recomputing its event id, a TCP/SCTP segment by the message of its flow
//! it was part of (the first message of that direction captured at or after it).
import { decodeInputs, type DecodeInputOptions } from '../../../collectors/src/decode';
import { PacketDecoder, type PacketDecoderOptions } from '../../../collectors/src/decode-packet';
import { openCaptureFile } from '../../../collectors/src/capture/capture-file';
import { PcapWriter } from '../../../collectors/src/capture/pcap-writer';
import { eventIdFor } from '../../../collectors/src/event/event-id';
import type { L4Segment, RawPacket } from '../../../collectors/src/packet';
import { SipwardError } from '../../../lib/src/errors';
import type { SipEvent } from '../../../schema/src/sip-event';
import { DetectionEngine } from '../../../analyzer/src/engine/engine';
import { loadSignatures } from '../../../analyzer/src/engine/load/load-signatures';
import type { SiteConfig } from '../../../analyzer/src/site/site-config';

export type ExtractSelector = { alert: string } | { call: string } | { campaign: string };

export interface ExtractOptions extends DecodeInputOptions {
  selector: ExtractSelector;
  outPath: string;
  rulesDirs: readonly string[];
  site?: SiteConfig;
}

export interface ExtractSummary {
  /** Messages the selection covers. */
  events: number;
  packets: number;
  /** Alerts the selection covers (one for --alert, those of the campaign, those naming the call). */
  alerts: string[];
}

/** One direction of a stream and the capture times (µs) and ids of its messages, in order. */
interface FlowMessages {
  us: number[];
  ids: string[];
}

function flowKey(srcIp: string, srcPort: number, dstIp: string, dstPort: number): string {
  return `${srcIp}|${srcPort}|${dstIp}|${dstPort}`;
}

/** "2026-11-28T18:08:50.410576Z" → µs since the epoch. */
function micros(ts: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?Z$/.exec(ts);
  if (m === null) return Date.parse(ts) * 1000;
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0'));
}

/** Pass 1: the event ids the selection covers, and every stream message for pass 2's matching. */
async function selectEvents(
  options: ExtractOptions,
): Promise<{ selected: Set<string>; alerts: string[]; flows: Map<string, FlowMessages> }> {
  const selector = options.selector;
  const signatures = loadSignatures({ extraDirs: options.rulesDirs });
  const eventsByAlert = new Map<string, string[]>();
  const campaignAlerts = new Set<string>();
  const callAlerts = new Set<string>();
  const engine = new DetectionEngine(signatures, {
    emitUpdates: false,
    ...(options.site !== undefined ? { site: options.site } : {}),
    onIncidentEvent: (alertId, eventId) => {
      if ('alert' in selector && alertId !== selector.alert) return;
      if ('call' in selector) return;
      let list = eventsByAlert.get(alertId);
      if (list === undefined) {
        list = [];
        eventsByAlert.set(alertId, list);
      }
      list.push(eventId);
    },
    onIncidentCall: (alertId, callId) => {
      if ('call' in selector && callId === selector.call) callAlerts.add(alertId);
    },
    onAlert: (alert, phase) => {
      if (phase !== 'final' || !('campaign' in selector)) return;
      const campaign = (alert.sipward as { campaign?: { id?: unknown } }).campaign?.id;
      if (campaign === selector.campaign) campaignAlerts.add(alert.event.id);
    },
  });
  const selected = new Set<string>();
  const flows = new Map<string, FlowMessages>();
  const onEvent = (event: SipEvent): void => {
    engine.process(event);
    if ('call' in selector && event.sip.call_id === selector.call) selected.add(event.event.id);
    if (event.network.transport === 'udp') return;
    const key = flowKey(event.source.ip, event.source.port, event.destination.ip, event.destination.port);
    let flow = flows.get(key);
    if (flow === undefined) {
      flow = { us: [], ids: [] };
      flows.set(key, flow);
    }
    flow.us.push(micros(event['@timestamp']));
    flow.ids.push(event.event.id);
  };
  await decodeInputs(options, { onEvent, afterBatch: () => Promise.resolve() });
  engine.flush();
  let alerts: string[];
  if ('alert' in selector) alerts = eventsByAlert.has(selector.alert) ? [selector.alert] : [];
  else if ('campaign' in selector) alerts = [...campaignAlerts];
  else alerts = [...callAlerts];
  for (const id of alerts) for (const eventId of eventsByAlert.get(id) ?? []) selected.add(eventId);
  return { selected, alerts, flows };
}

/** Fragments of incomplete datagrams kept at most (a datagram's fragments are written with it). */
const MAX_HELD_FRAGMENTS = 10_000;

/**
 * Whether a segment carried a selected message: a UDP datagram by its recomputed event id; a stream
 * segment by the messages of its flow completed at its capture time (coalesced ones), else by the
 * next message of the flow (a segment of a message split over several).
 */
function carriesSelected(seg: L4Segment, flows: Map<string, FlowMessages>, selected: Set<string>): boolean {
  if (seg.protocol === 'udp') return selected.has(eventIdFor(seg, seg.payload, 0, seg.payload.length));
  const flow = flows.get(flowKey(seg.srcIp, seg.srcPort, seg.dstIp, seg.dstPort));
  if (flow === undefined) return false;
  const us = seg.tsSec * 1e6 + Math.floor(seg.tsNsec / 1000);
  let i = firstAtOrAfter(flow.us, us);
  if (flow.us[i] !== us) return selected.has(flow.ids[i] ?? '');
  for (; i < flow.us.length && flow.us[i] === us; i++) if (selected.has(flow.ids[i] ?? '')) return true;
  return false;
}

/** Index of the first message at or after `us` (binary search; times are non-decreasing per flow). */
function firstAtOrAfter(list: readonly number[], us: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as number) < us) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export async function runExtract(options: ExtractOptions): Promise<ExtractSummary> {
  const { selected, alerts, flows } = await selectEvents(options);
  const selector = options.selector;
  if (selected.size === 0) {
    const what =
      'alert' in selector
        ? `alert ${selector.alert}`
        : 'call' in selector
          ? `call ${selector.call}`
          : `campaign ${selector.campaign}`;
    throw new SipwardError(
      'SIPWARD_USAGE',
      `no message of ${what} in the captures (same --rules/--config as analyze?)`,
    );
  }
  const writer = new PcapWriter(options.outPath);
  try {
    const packetOptions: PacketDecoderOptions = options.packet ?? {};
    for (const path of options.captures) {
      // A decoder of its own: the same reassembly as pass 1 without the SIP layers.
      const decoder = new PacketDecoder(packetOptions);
      const defrag = decoder.defragmenter.counters;
      // IP fragments held until their datagram completes (copies: the reader reuses its buffers).
      let fragments: RawPacket[] = [];
      const source = await openCaptureFile(path);
      try {
        for await (const batch of source) {
          for (const packet of batch) {
            const [fragmentsBefore, reassembledBefore] = [defrag.fragments, defrag.reassembled];
            const seg = decoder.decode(packet);
            if (defrag.fragments > fragmentsBefore && seg === null) {
              if (fragments.length < MAX_HELD_FRAGMENTS) fragments.push({ ...packet, data: Buffer.from(packet.data) });
              continue;
            }
            const held = defrag.reassembled > reassembledBefore ? fragments : [];
            if (held.length > 0) fragments = [];
            if (seg === null || seg.payload.length === 0) continue;
            if (carriesSelected(seg, flows, selected)) {
              for (const f of held) writer.write(f);
              writer.write(packet);
            }
          }
        }
      } finally {
        await source.close();
      }
    }
  } finally {
    writer.close();
  }
  return { events: selected.size, packets: writer.packets, alerts };
}
