//! A parse worker of `--threads N` (parallel-decode.ts): SIP message bytes + metadata → SipEvent →
//! JSON lines (UTF-8), one batch at a time, answered in the order received.
import { parentPort, workerData } from 'node:worker_threads';
import type { StreamAnomalyCode } from './transport/stream-anomalies';
import { toJsonLine } from './event/jsonl';
import { PROTOCOLS, TRANSPORTS, type BatchResult, type MessageBatch } from './parallel-decode';
import {
  countEvent,
  SipMessageDecoder,
  type MessageCounters,
  type MessageDecodeOptions,
  type RawSipMessage,
} from './sip-message';

const decoder = new SipMessageDecoder(workerData as MessageDecodeOptions);
const NONE: readonly never[] = [];
// Shared empties: toSipEvent reads vlan/tunnel only when non-empty and never mutates them.
const NO_VLAN: number[] = [];
const NO_TUNNEL: string[] = [];

function decodeBatch(batch: MessageBatch): BatchResult {
  const counters: MessageCounters = { sip_messages: 0, sip_messages_with_anomalies: 0, anomalies: {} };
  const bytes = Buffer.from(batch.bytes);
  const extras = new Map(batch.extras.map((e) => [e.index, e]));
  let text = '';
  for (let i = 0; i < batch.flags.length; i++) {
    const flags = batch.flags[i] ?? 0;
    const extra = extras.get(i);
    const raw: RawSipMessage = {
      data: bytes.subarray(batch.offsets[i], batch.offsets[i + 1]),
      meta: {
        tsSec: batch.tsSec[i] ?? 0,
        tsNsec: batch.tsNsec[i] ?? 0,
        srcIp: batch.srcIp[i] ?? '',
        dstIp: batch.dstIp[i] ?? '',
        srcPort: batch.ports[2 * i] ?? 0,
        dstPort: batch.ports[2 * i + 1] ?? 0,
        protocol: PROTOCOLS[(flags >> 3) & 3] ?? 'udp',
        vlan: extra?.vlan ?? NO_VLAN,
        tunnel: extra?.tunnel ?? NO_TUNNEL,
      },
      transport: TRANSPORTS[flags & 7] ?? 'udp',
      streamAnomalies: (extra?.anomalies as StreamAnomalyCode[] | undefined) ?? NONE,
      missingContentLength: (flags & 32) !== 0,
      ...(extra?.hep !== undefined ? { hep: extra.hep } : {}),
    };
    const event = decoder.decode(raw);
    countEvent(counters, event);
    text += toJsonLine(event);
  }
  return { seq: batch.seq, lines: Buffer.from(text, 'utf8'), counters };
}

parentPort?.on('message', (batch: MessageBatch) => {
  const result = decodeBatch(batch);
  // Buffer.from(string) may share a pooled ArrayBuffer: transfer only a buffer of our own.
  const lines = result.lines;
  if (lines.byteLength === lines.buffer.byteLength) {
    parentPort?.postMessage(result, [lines.buffer as ArrayBuffer]);
  } else parentPort?.postMessage(result);
});
