//! TCP stream reassembly per direction (src → dst): orders segments by 32-bit sequence number,
//! trims retransmissions, skips holes, and hands ordered bytes to a StreamConsumer (SIP or WebSocket).

import type { L4Segment } from '../packet';
import { TcpFlag } from '../packet';
import { DEFAULT_STREAM_LIMITS, StreamConsumer } from './stream-consumer';
import type { ConsumedMessage, StreamLimits } from './stream-consumer';
import { OutOfOrderSegments, seqDiff } from './out-of-order-segments';
import { newStreamAnomalyCounters } from './stream-anomalies';
import type { StreamAnomalyCounters } from './stream-anomalies';
import type { StreamMessage } from './stream-message';

export type { StreamMessage } from './stream-message';

export interface TcpReassemblerOptions extends StreamLimits {
  /** Flow table size; the least recently active flow is evicted beyond it (tcp_flow_evicted). */
  maxFlows: number;
  /** Bytes buffered across all flows (pending + out of order). Oldest flows are evicted first. */
  maxTotalBufferBytes: number;
  /** Out-of-order segments one direction may hold before the hole is skipped. */
  maxHeldSegments: number;
  /** A direction silent this long (packet time) is flushed and forgotten. */
  flowIdleTimeoutMs: number;
  /** Out-of-order data waiting this long (packet time) for a hole to fill: skip the hole. */
  holeTimeoutMs: number;
  /**
   * After the receiver ACKs past a hole, wait this long before skipping it: on a SPAN of both
   * directions the ACK can be mirrored before the data it acknowledges.
   */
  ackGraceMs: number;
  /** Sequence distance beyond which a segment is out of window (not buffered). */
  maxWindowBytes: number;
}

export const DEFAULT_TCP_OPTIONS: TcpReassemblerOptions = {
  ...DEFAULT_STREAM_LIMITS,
  maxFlows: 100_000,
  maxTotalBufferBytes: 64 * 1024 * 1024,
  maxHeldSegments: 256,
  // SIP over TCP connections live long and idle between REGISTER refreshes; keep-alives come
  // every 30-120 s, so 5 minutes of silence means the flow is gone or we lost it.
  flowIdleTimeoutMs: 300_000,
  holeTimeoutMs: 1_000,
  ackGraceMs: 20,
  maxWindowBytes: 16 * 1024 * 1024,
};

export interface TcpReassemblerCounters extends StreamAnomalyCounters {
  segments: number;
  payloadBytes: number;
  messages: number;
  wsMessages: number;
  flowsCreated: number;
  flowsClosed: number;
  flowsExpired: number;
  midstreamPickups: number;
  outOfOrderSegments: number;
  retransmittedSegments: number;
  overlapTrimmedBytes: number;
  outOfWindowSegments: number;
}

class TcpFlow {
  started = false;
  nextSeq = 0;
  synSeq = -1;
  finSeq = -1;
  closed = false;
  readonly held = new OutOfOrderSegments();
  /** Packet time since when the oldest hole has been waiting. */
  holeSinceMs = 0;
  holeAckedAtMs = -1;
  lastSeenMs = 0;
  accounted = 0;
  outOfWindowStreak = 0;
  peer: TcpFlow | undefined;
  vlan: number[];
  tunnel: string[];
  interfaceId: number;
  consumer!: StreamConsumer;

  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  readonly ipVersion: 4 | 6;

  constructor(
    readonly key: string,
    seg: Readonly<L4Segment>,
  ) {
    // Copy the fields, never keep the segment: its payload may pin a whole capture read chunk.
    this.srcIp = seg.srcIp;
    this.srcPort = seg.srcPort;
    this.dstIp = seg.dstIp;
    this.dstPort = seg.dstPort;
    this.ipVersion = seg.ipVersion;
    this.vlan = seg.vlan;
    this.tunnel = seg.tunnel;
    this.interfaceId = seg.interfaceId;
  }
}

const HOLE_SWEEP_INTERVAL_MS = 100;
const IDLE_SWEEP_INTERVAL_MS = 1_000;
/** Flows looked at for eviction when the total buffer is over its cap, per segment. */
const EVICTION_SCAN = 64;

export class TcpReassembler {
  readonly counters: TcpReassemblerCounters;
  private readonly opts: TcpReassemblerOptions;
  /** Insertion order = least recently active first (touch re-inserts). */
  private readonly flows = new Map<string, TcpFlow>();
  private readonly holeFlows = new Set<TcpFlow>();
  private totalBuffered = 0;
  private nowMs = 0;
  private lastHoleSweepMs = 0;
  private lastIdleSweepMs = 0;
  private lastTouched: TcpFlow | undefined;

  constructor(
    private readonly onMessage: (m: StreamMessage) => void,
    options: Partial<TcpReassemblerOptions> = {},
  ) {
    this.opts = { ...DEFAULT_TCP_OPTIONS, ...options };
    this.counters = {
      ...newStreamAnomalyCounters(),
      segments: 0,
      payloadBytes: 0,
      messages: 0,
      wsMessages: 0,
      flowsCreated: 0,
      flowsClosed: 0,
      flowsExpired: 0,
      midstreamPickups: 0,
      outOfOrderSegments: 0,
      retransmittedSegments: 0,
      overlapTrimmedBytes: 0,
      outOfWindowSegments: 0,
    };
  }

  get flowCount(): number {
    return this.flows.size;
  }

  get bufferedBytes(): number {
    return this.totalBuffered;
  }

  /** Feed one TCP segment (other protocols are ignored). Never throws on segment contents. */
  push(seg: L4Segment): void {
    const tcp = seg.tcp;
    if (seg.protocol !== 'tcp' || tcp === undefined) return;
    this.counters.segments++;
    const now = seg.tsSec * 1000 + seg.tsNsec / 1e6;
    if (now > this.nowMs) this.nowMs = now;
    this.sweepIfDue();

    const flags = tcp.flags;
    const seq = tcp.seq >>> 0;
    const key = `${seg.srcIp}|${seg.srcPort}|${seg.dstIp}|${seg.dstPort}`;
    let flow = this.flows.get(key);

    if ((flags & TcpFlag.ACK) !== 0) this.noteAck(flow, seg, tcp.ack >>> 0);

    let dataSeq = seq;
    if ((flags & TcpFlag.SYN) !== 0) {
      dataSeq = (seq + 1) >>> 0;
      if (flow === undefined || flow.synSeq !== seq) {
        // A new connection (or port reuse): whatever the old flow held is finished.
        if (flow !== undefined) this.remove(flow, true);
        flow = this.create(key, seg, true);
        flow.started = true;
        flow.synSeq = seq;
        flow.nextSeq = dataSeq;
      }
    }
    if ((flags & TcpFlag.RST) !== 0) {
      // RST aborts both directions at once; whatever is complete has been emitted already.
      const rev = flow?.peer ?? this.flows.get(`${seg.dstIp}|${seg.dstPort}|${seg.srcIp}|${seg.srcPort}`);
      if (flow !== undefined) this.close(flow);
      if (rev !== undefined) this.close(rev);
      return;
    }
    const len = seg.payload.length;
    if (flow === undefined) {
      // Pure ACKs and stray FINs create no state.
      if (len === 0) return;
      flow = this.create(key, seg, false);
      this.counters.midstreamPickups++;
    }
    this.touch(flow, seg);
    if (flow.closed) return;
    if (len > 0) {
      this.counters.payloadBytes += len;
      if (flow.consumer.accepting) this.insert(flow, dataSeq, seg.payload, seg.tsSec, seg.tsNsec);
      if (!flow.consumer.accepting && flow.held.count > 0) {
        // Not SIP after all: stop holding its bytes.
        flow.held.clear();
        this.holeFlows.delete(flow);
      }
    }
    if ((flags & TcpFlag.FIN) !== 0) {
      if (!flow.started) {
        flow.started = true;
        flow.nextSeq = (dataSeq + len) >>> 0;
      }
      flow.finSeq = (dataSeq + len) >>> 0;
    }
    if (flow.finSeq >= 0 && (flow.nextSeq === flow.finSeq || !flow.consumer.accepting)) this.close(flow);
    else this.checkHole(flow);
    this.account(flow);
  }

  /** Advance packet time without a segment (e.g. idle capture) and expire what is due. */
  advanceTime(tsSec: number, tsNsec: number): void {
    const now = tsSec * 1000 + tsNsec / 1e6;
    if (now > this.nowMs) this.nowMs = now;
    this.sweepIfDue();
  }

  /** End of input: skip remaining holes, emit what is complete (and truncated tails), forget all. */
  flush(): void {
    for (const flow of [...this.flows.values()]) this.remove(flow, true);
  }

  private create(key: string, seg: L4Segment, atBoundary: boolean): TcpFlow {
    if (this.flows.size >= this.opts.maxFlows) {
      const oldest = this.flows.values().next();
      if (!oldest.done) this.evict(oldest.value);
    }
    const reverseKey = `${seg.dstIp}|${seg.dstPort}|${seg.srcIp}|${seg.srcPort}`;
    const flow = new TcpFlow(key, seg);
    flow.consumer = new StreamConsumer(
      this.opts,
      atBoundary,
      this.counters,
      (m) => this.emit(flow, m),
      () => flow.peer?.consumer.wsRequestedSip ?? false,
    );
    const peer = this.flows.get(reverseKey);
    if (peer !== undefined) {
      flow.peer = peer;
      peer.peer = flow;
    }
    flow.lastSeenMs = this.nowMs;
    this.flows.set(key, flow);
    this.lastTouched = flow;
    this.counters.flowsCreated++;
    return flow;
  }

  private touch(flow: TcpFlow, seg: L4Segment): void {
    flow.lastSeenMs = this.nowMs;
    flow.vlan = seg.vlan;
    flow.tunnel = seg.tunnel;
    flow.interfaceId = seg.interfaceId;
    if (this.lastTouched !== flow) {
      this.flows.delete(flow.key);
      this.flows.set(flow.key, flow);
      this.lastTouched = flow;
    }
  }

  private emit(flow: TcpFlow, m: ConsumedMessage): void {
    this.counters.messages++;
    if (m.transport === 'ws') this.counters.wsMessages++;
    this.onMessage({
      flowKey: flow.key,
      srcIp: flow.srcIp,
      srcPort: flow.srcPort,
      dstIp: flow.dstIp,
      dstPort: flow.dstPort,
      ipVersion: flow.ipVersion,
      protocol: 'tcp',
      interfaceId: flow.interfaceId,
      vlan: flow.vlan,
      tunnel: flow.tunnel,
      transport: m.transport,
      tsSec: m.tsSec,
      tsNsec: m.tsNsec,
      data: m.data,
      missingContentLength: m.missingContentLength,
      anomalies: m.anomalies,
    });
  }

  /** Place payload bytes at `seq`: deliver in order, hold ahead of a hole, trim what was seen. */
  private insert(flow: TcpFlow, seq: number, payload: Buffer, tsSec: number, tsNsec: number): void {
    if (!flow.started) {
      // Mid-stream pickup: the first byte we see is where the stream starts for us.
      flow.started = true;
      flow.nextSeq = seq;
    }
    const len = payload.length;
    let rel = seqDiff(seq, flow.nextSeq);
    if (rel > this.opts.maxWindowBytes || rel + len < -this.opts.maxWindowBytes) {
      this.counters.outOfWindowSegments++;
      // A few in a row means the stream really moved on (we lost more than a window): follow it.
      if (++flow.outOfWindowStreak < 4) return;
      this.skipTo(flow, seq);
      rel = 0;
    }
    flow.outOfWindowStreak = 0;
    let start = 0;
    if (rel < 0) {
      const seen = Math.min(-rel, len);
      // A keep-alive probe re-sends the last byte with arbitrary content (RFC 9293 §3.8.4): no conflict.
      if (!(rel === -1 && len === 1)) this.checkDelivered(flow, seq, payload, seen);
      if (rel + len <= 0) {
        this.counters.retransmittedSegments++;
        return;
      }
      this.counters.overlapTrimmedBytes += seen;
      start = seen;
      rel = 0;
    }
    if (rel === 0 && flow.held.count === 0) {
      this.deliver(flow, payload, start, len, tsSec, tsNsec);
      return;
    }
    if (rel > 0) this.counters.outOfOrderSegments++;
    if (flow.held.insert(flow.nextSeq, (seq + start) >>> 0, payload, start, len, tsSec, tsNsec) > 0)
      this.conflict(flow);
    if (!this.holeFlows.has(flow)) {
      this.holeFlows.add(flow);
      flow.holeSinceMs = this.nowMs;
    }
    this.drain(flow);
    this.enforceHeldBounds(flow);
  }

  /** Compare a retransmitted prefix with the delivered bytes still pending in the consumer. */
  private checkDelivered(flow: TcpFlow, seq: number, payload: Buffer, seen: number): void {
    const pending = flow.consumer.pendingView();
    if (pending.length === 0) return;
    const pendingStart = (flow.nextSeq - pending.length) >>> 0;
    const from = Math.max(0, seqDiff(pendingStart, seq));
    const to = Math.min(seen, from + pending.length);
    if (to <= from) return;
    const at = seqDiff((seq + from) >>> 0, pendingStart);
    if (at < 0) return;
    if (payload.compare(pending, at, at + (to - from), from, to) !== 0) this.conflict(flow);
  }

  private conflict(flow: TcpFlow): void {
    this.counters.tcp_overlap_conflict++;
    flow.consumer.flag('tcp_overlap_conflict');
  }

  private deliver(flow: TcpFlow, buf: Buffer, start: number, end: number, tsSec: number, tsNsec: number): void {
    flow.nextSeq = (flow.nextSeq + (end - start)) >>> 0;
    flow.consumer.push(buf, start, end, tsSec, tsNsec);
  }

  /** Deliver held pieces that the stream has reached. */
  private drain(flow: TcpFlow): void {
    const removed = flow.held.drain(flow.nextSeq, (data, start, end, tsSec, tsNsec) => {
      this.deliver(flow, data, start, end, tsSec, tsNsec);
      return flow.nextSeq;
    });
    if (removed > 0) {
      flow.holeAckedAtMs = -1;
      flow.holeSinceMs = this.nowMs;
    }
    if (flow.held.count === 0) this.holeFlows.delete(flow);
  }

  private enforceHeldBounds(flow: TcpFlow): void {
    const o = this.opts;
    while (
      flow.held.count > 0 &&
      (flow.held.count > o.maxHeldSegments || flow.held.bytes + flow.consumer.bufferedBytes > o.maxBufferBytes)
    ) {
      this.skipHole(flow);
    }
  }

  /** Give up on the bytes before the first held piece: count a gap and resync after it. */
  private skipHole(flow: TcpFlow): void {
    const h = flow.held.first;
    if (h === undefined) return;
    this.skipTo(flow, h.seq);
    this.drain(flow);
  }

  private skipTo(flow: TcpFlow, seq: number): void {
    this.counters.tcp_gap++;
    flow.consumer.gap();
    flow.consumer.flag('tcp_gap');
    if (seqDiff(seq, flow.nextSeq) < 0) {
      // Jumping backwards (out-of-window resync): held pieces are meaningless now.
      flow.held.clear();
      this.holeFlows.delete(flow);
    }
    flow.nextSeq = seq;
    flow.holeAckedAtMs = -1;
    flow.holeSinceMs = this.nowMs;
  }

  /** An ACK from the receiver beyond the hole start means the missing bytes passed us by. */
  private noteAck(flow: TcpFlow | undefined, seg: L4Segment, ack: number): void {
    let rev = flow?.peer;
    if (rev === undefined) {
      if (this.holeFlows.size === 0) return;
      rev = this.flows.get(`${seg.dstIp}|${seg.dstPort}|${seg.srcIp}|${seg.srcPort}`);
    }
    if (rev === undefined || rev.held.count === 0) return;
    if (seqDiff(ack, rev.nextSeq) > 0 && rev.holeAckedAtMs < 0) rev.holeAckedAtMs = this.nowMs;
    this.checkHole(rev);
    this.account(rev);
  }

  private checkHole(flow: TcpFlow): void {
    while (flow.held.count > 0) {
      const acked = flow.holeAckedAtMs >= 0 && this.nowMs - flow.holeAckedAtMs >= this.opts.ackGraceMs;
      if (!acked && this.nowMs - flow.holeSinceMs < this.opts.holeTimeoutMs) return;
      this.skipHole(flow);
    }
    if (flow.finSeq >= 0 && flow.nextSeq === flow.finSeq) this.close(flow);
  }

  /** Keep the global byte count, and enforce the total cap by evicting the stalest buffering flows. */
  private account(flow: TcpFlow): void {
    const now = flow.closed ? 0 : flow.held.bytes + flow.consumer.bufferedBytes;
    this.totalBuffered += now - flow.accounted;
    flow.accounted = now;
    if (this.totalBuffered <= this.opts.maxTotalBufferBytes) return;
    let scanned = 0;
    for (const victim of this.flows.values()) {
      if (this.totalBuffered <= this.opts.maxTotalBufferBytes || ++scanned > EVICTION_SCAN) break;
      if (victim !== flow && victim.accounted > 0) this.evict(victim);
    }
    if (this.totalBuffered > this.opts.maxTotalBufferBytes) {
      // Nobody old enough to evict: this flow pays for its own appetite.
      this.counters.tcp_buffer_overflow++;
      flow.held.clear();
      this.holeFlows.delete(flow);
      flow.consumer.gap();
      flow.consumer.flag('tcp_buffer_overflow');
      this.totalBuffered -= flow.accounted;
      flow.accounted = flow.consumer.bufferedBytes;
      this.totalBuffered += flow.accounted;
    }
  }

  private evict(flow: TcpFlow): void {
    this.counters.tcp_flow_evicted++;
    flow.consumer.abandon();
    flow.held.clear();
    this.unlink(flow);
  }

  /** Close one direction: skip remaining holes, deliver held data, flush the consumer. */
  private close(flow: TcpFlow): void {
    if (flow.closed) return;
    while (flow.held.count > 0 && flow.consumer.accepting) this.skipHole(flow);
    flow.consumer.finish();
    flow.closed = true;
    flow.held.clear();
    this.holeFlows.delete(flow);
    this.counters.flowsClosed++;
    this.account(flow);
  }

  /** Forget a flow; `flushFirst` emits what it still holds. */
  private remove(flow: TcpFlow, flushFirst: boolean): void {
    if (flushFirst) this.close(flow);
    this.unlink(flow);
  }

  private unlink(flow: TcpFlow): void {
    this.totalBuffered -= flow.accounted;
    flow.accounted = 0;
    this.holeFlows.delete(flow);
    if (this.flows.get(flow.key) === flow) this.flows.delete(flow.key);
    if (flow.peer !== undefined) flow.peer.peer = undefined;
    flow.peer = undefined;
    if (this.lastTouched === flow) this.lastTouched = undefined;
  }

  private sweepIfDue(): void {
    const now = this.nowMs;
    if (this.holeFlows.size > 0 && now - this.lastHoleSweepMs >= HOLE_SWEEP_INTERVAL_MS) {
      this.lastHoleSweepMs = now;
      for (const flow of [...this.holeFlows]) {
        this.checkHole(flow);
        this.account(flow);
      }
    }
    if (now - this.lastIdleSweepMs < IDLE_SWEEP_INTERVAL_MS) return;
    this.lastIdleSweepMs = now;
    for (const flow of this.flows.values()) {
      if (now - flow.lastSeenMs < this.opts.flowIdleTimeoutMs) break;
      this.counters.flowsExpired++;
      // Deleting the current entry while iterating a Map is safe and keeps the walk O(expired).
      this.remove(flow, true);
    }
  }
}
