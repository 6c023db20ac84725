//! What one TCP direction's ordered bytes become: SIP messages framed by Content-Length, or
//! WebSocket messages after an HTTP Upgrade. The reassembler feeds it; it owns the pending bytes.

import { ByteQueue } from './byte-queue';
import {
  findHeaderEnd,
  findSipStart,
  frameSipMessage,
  isSipStartLine,
  isStrictSipStartLine,
  lastLineStart,
  MAX_START_LINE_BYTES,
  START_LINE_NEED_MORE,
  START_LINE_YES,
} from './sip-framing';
import type { StreamAnomalyCode, StreamAnomalyCounters } from './stream-anomalies';
import { looksLikeHttp, parseWsHandshake, WsMessageDecoder } from './websocket';

const CR = 0x0d;
const LF = 0x0a;

/** Bytes of a non-SIP stream handed on with its `stream_not_sip` event (its size and event id). */
const NOT_SIP_SAMPLE_BYTES = 2048;

export interface StreamLimits {
  /** Largest SIP message (headers + body) or WebSocket message framed; larger ones are skipped. */
  maxMessageBytes: number;
  /** Largest header block searched for its end before the bytes are declared unframeable. */
  maxHeaderBytes: number;
  /** Pending bytes one direction may hold; above it they are dropped (tcp_buffer_overflow). */
  maxBufferBytes: number;
  /** Bytes a stream may show without any SIP start line before it is declared not SIP. */
  notSipProbeBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxMessageBytes: 128 * 1024,
  maxHeaderBytes: 32 * 1024,
  maxBufferBytes: 256 * 1024,
  notSipProbeBytes: 8 * 1024,
};

export interface ConsumedMessage {
  /** Owned copy. */
  data: Buffer;
  tsSec: number;
  tsNsec: number;
  transport: 'tcp' | 'ws';
  missingContentLength: boolean;
  /** Stream anomalies since the previous message of this direction (gap, overlap conflict ...). */
  anomalies: StreamAnomalyCode[];
}

export type StreamMode =
  /** Nothing decided yet: SIP start line, HTTP upgrade, or garbage? */
  | 'probe'
  | 'sip'
  /** Looking for the next SIP start line after a gap or garbage. */
  | 'resync'
  /** Collecting an HTTP head that may upgrade to WebSocket. */
  | 'http'
  | 'ws'
  /** Not SIP, or broken beyond repair: bytes are dropped unread. */
  | 'dead'
  | 'closed';

const NO_ANOMALIES: StreamAnomalyCode[] = [];

/** Past the line at pos: a start line that led nowhere must not match again on resync. */
function afterLine(b: Buffer, pos: number, end: number): number {
  const lf = b.indexOf(LF, pos);
  return lf < 0 || lf >= end ? end : lf + 1;
}

export class StreamConsumer {
  mode: StreamMode = 'probe';
  /** Client side asked for `Sec-WebSocket-Protocol: sip`: lets the server's 101 through. */
  wsRequestedSip = false;

  private readonly queue = new ByteQueue();
  private ws: WsMessageDecoder | undefined;
  /** Still looking for the first SIP start line of the stream (not-SIP verdict pending). */
  private probing = true;
  private unsyncedBytes = 0;
  /** Framing state of the message at the queue head, so partial messages are not rescanned. */
  private msgLength = -1;
  private scanOffset = 0;
  private pendingAnomalies: StreamAnomalyCode[] = [];
  // Capture time of the newest segment whose bytes are in the partial message at the queue head.
  private carrySec = -1;
  private carryNsec = 0;
  private curSec = 0;
  private curNsec = 0;
  private emitted = false;

  constructor(
    private readonly limits: StreamLimits,
    /** The stream starts at a SYN: the first byte is a message boundary. */
    private readonly atBoundary: boolean,
    private readonly counters: StreamAnomalyCounters,
    private readonly sink: (m: ConsumedMessage) => void,
    /** Did the opposite direction request a SIP WebSocket? Read lazily when a 101 shows up. */
    private readonly peerRequestedSipWs: () => boolean,
  ) {}

  /** Bytes this direction holds (pending stream bytes + unfinished WebSocket fragments). */
  get bufferedBytes(): number {
    return this.queue.length + (this.ws?.heldBytes ?? 0);
  }

  get accepting(): boolean {
    return this.mode !== 'dead' && this.mode !== 'closed';
  }

  /** Record an anomaly to attach to the next message of this direction. */
  flag(code: StreamAnomalyCode): void {
    if (!this.pendingAnomalies.includes(code)) this.pendingAnomalies.push(code);
  }

  /** Ordered stream bytes [start, end) of `chunk` (may be a shared view), captured at ts. */
  push(chunk: Buffer, start: number, end: number, tsSec: number, tsNsec: number): void {
    if (!this.accepting || end <= start) return;
    this.curSec = tsSec;
    this.curNsec = tsNsec;
    this.emitted = false;
    if (this.queue.length === 0) {
      // Fast path: whole messages straight from the segment, only leftovers are copied.
      this.carrySec = -1;
      const used = this.run(chunk, start, end);
      if (this.accepting) this.queue.append(chunk, start + used, end);
    } else {
      this.queue.append(chunk, start, end);
      const v = this.queue.view();
      const used = this.run(v, 0, v.length);
      if (this.accepting) this.queue.consume(used);
    }
    if (!this.accepting) {
      this.queue.clear();
      return;
    }
    if (this.queue.length > 0 && (this.emitted || this.newerThanCarry(tsSec, tsNsec))) {
      this.carrySec = tsSec;
      this.carryNsec = tsNsec;
    }
    if (this.queue.length > this.limits.maxBufferBytes) {
      this.counters.tcp_buffer_overflow++;
      this.dropPending('tcp_buffer_overflow');
    }
  }

  /** Bytes of the stream were lost just before the next push. */
  gap(): void {
    if (!this.accepting) return;
    this.dropPending('tcp_gap');
  }

  /** The direction closed (FIN/RST) or expired: emit a trailing partial SIP message, then stop. */
  finish(): void {
    if (this.mode === 'sip' && this.queue.length > 0) {
      const v = this.queue.view();
      // Only a message whose headers arrived is worth an event; a torn start line is noise.
      if (isSipStartLine(v, 0, v.length) === START_LINE_YES && findHeaderEnd(v, 0, v.length) >= 0) {
        this.counters.stream_truncated++;
        this.flag('stream_truncated');
        this.emit(v, 0, v.length, false, 'tcp');
      }
    }
    this.queue.clear();
    this.mode = 'closed';
    this.ws = undefined;
  }

  /** The queued (undelivered to framing) bytes: the last `length` bytes of the stream so far. */
  pendingView(): Buffer {
    return this.queue.view();
  }

  /** Drop everything without emitting (flow evicted). */
  abandon(): void {
    this.queue.clear();
    this.mode = 'closed';
    this.ws = undefined;
  }

  private dropPending(code: StreamAnomalyCode): void {
    if (this.mode === 'ws' || this.mode === 'http') {
      // Dropping bytes loses the frame boundary, and WebSocket has no way to find the next one.
      this.counters.ws_protocol_error++;
      this.kill();
      return;
    }
    this.queue.clear();
    this.resetMessage();
    this.carrySec = -1;
    this.flag(code);
    if (this.mode === 'sip' || this.mode === 'probe') this.mode = 'resync';
  }

  private kill(): void {
    this.mode = 'dead';
    this.queue.clear();
    this.ws = undefined;
  }

  /**
   * The direction is not SIP: counted, and its first bytes handed on flagged `stream_not_sip` (the
   * decoder turns them into a `not_sip` event when the port is a SIP port), then ignored.
   */
  private notSip(b: Buffer, pos: number, end: number): void {
    this.counters.stream_not_sip++;
    this.flag('stream_not_sip');
    const len = Math.min(end - pos, NOT_SIP_SAMPLE_BYTES);
    if (len > 0) this.emit(b, pos, len, false, 'tcp');
    this.kill();
  }

  private resetMessage(): void {
    this.msgLength = -1;
    this.scanOffset = 0;
  }

  private newerThanCarry(sec: number, nsec: number): boolean {
    return sec > this.carrySec || (sec === this.carrySec && nsec > this.carryNsec);
  }

  private emit(b: Buffer, pos: number, len: number, missingContentLength: boolean, transport: 'tcp' | 'ws'): void {
    const data = Buffer.allocUnsafe(len);
    b.copy(data, 0, pos, pos + len);
    this.deliver(data, missingContentLength, transport);
  }

  private deliver(data: Buffer, missingContentLength: boolean, transport: 'tcp' | 'ws'): void {
    // The first message completed by this segment may hold bytes of a later-captured (reordered)
    // segment: its time is the newest of its segments. Later ones lie wholly in this segment.
    let sec = this.curSec;
    let nsec = this.curNsec;
    if (!this.emitted && this.carrySec >= 0 && this.newerThanCarry(sec, nsec) === false) {
      sec = this.carrySec;
      nsec = this.carryNsec;
    }
    this.emitted = true;
    this.carrySec = -1;
    let anomalies = this.pendingAnomalies.length === 0 ? NO_ANOMALIES : this.pendingAnomalies;
    if (anomalies !== NO_ANOMALIES) this.pendingAnomalies = [];
    if (missingContentLength) {
      this.counters.missing_content_length++;
      anomalies = [...anomalies, 'missing_content_length'];
    }
    this.sink({ data, tsSec: sec, tsNsec: nsec, transport, missingContentLength, anomalies });
  }

  /** Consume what can be consumed of [pos, end); returns the byte count used. */
  private run(b: Buffer, pos: number, end: number): number {
    const begin = pos;
    const L = this.limits;
    for (;;) {
      if (pos >= end) break;
      if (this.mode === 'probe') {
        while (pos < end && (b[pos] === CR || b[pos] === LF)) pos++;
        if (pos >= end) break;
        // Picked up mid-stream, the first byte may sit inside a start line: be strict there.
        const sip = this.atBoundary ? isSipStartLine(b, pos, end) : isStrictSipStartLine(b, pos, end);
        if (sip === START_LINE_YES) {
          this.mode = 'sip';
          this.probing = false;
          continue;
        }
        const http = looksLikeHttp(b, pos, end);
        if (http === 1) {
          this.mode = 'http';
          continue;
        }
        if ((sip === START_LINE_NEED_MORE || http < 0) && end - pos < MAX_START_LINE_BYTES) break;
        if (this.atBoundary) {
          // A connection we saw open must start with a message: HTTP, TLS and friends go here.
          this.notSip(b, pos, end);
          return end - begin;
        }
        this.mode = 'resync';
        continue;
      }
      if (this.mode === 'http') {
        // Find the end of the HTTP head incrementally: a head dribbled in byte by byte stays linear.
        if (findHeaderEnd(b, pos, end, pos + this.scanOffset - 3) < 0) {
          if (end - pos > L.maxHeaderBytes) {
            this.notSip(b, pos, end);
            return end - begin;
          }
          this.scanOffset = end - pos;
          break;
        }
        this.scanOffset = 0;
        const h = parseWsHandshake(b, pos, end, L.maxHeaderBytes);
        if (h.kind === 'need_more') break;
        const ok = h.kind === 'ws' && (h.sipProtocol || (h.role === 'server' && this.peerRequestedSipWs()));
        if (h.kind !== 'ws' || !ok) {
          this.notSip(b, pos, end);
          return end - begin;
        }
        if (h.role === 'client') this.wsRequestedSip = true;
        this.mode = 'ws';
        this.probing = false;
        this.ws = new WsMessageDecoder(L.maxMessageBytes);
        pos += h.headerLength;
        continue;
      }
      if (this.mode === 'ws') {
        const ws = this.ws;
        if (ws === undefined) break;
        const used = ws.decode(b, pos, end, (data) => this.deliver(data, false, 'ws'));
        if (used < 0) {
          this.counters.ws_protocol_error++;
          this.kill();
          return end - begin;
        }
        pos += used;
        if (ws.closed) {
          this.mode = 'closed';
          return end - begin;
        }
        break;
      }
      if (this.mode === 'sip') {
        if (this.msgLength < 0 && this.scanOffset === 0) {
          // CRLF keep-alives (RFC 5626 §3.5.1) sit between messages.
          while (pos < end && (b[pos] === CR || b[pos] === LF)) pos++;
          if (pos >= end) break;
          const v = isSipStartLine(b, pos, end);
          if (v === START_LINE_NEED_MORE) break;
          if (v !== START_LINE_YES) {
            this.counters.stream_resync++;
            this.flag('stream_resync');
            this.mode = 'resync';
            continue;
          }
        }
        if (this.msgLength >= 0) {
          if (end - pos < this.msgLength) break;
          const n = this.msgLength;
          this.emit(b, pos, n, false, 'tcp');
          pos += n;
          this.resetMessage();
          continue;
        }
        const f = frameSipMessage(b, pos, end, L.maxHeaderBytes, pos + this.scanOffset);
        if (f.kind === 'message' || f.kind === 'missing_content_length') {
          this.emit(b, pos, f.length, f.kind === 'missing_content_length', 'tcp');
          pos += f.length;
          this.resetMessage();
          continue;
        }
        if (f.kind === 'need_more') {
          if (f.length > L.maxMessageBytes) {
            // Declared too large to buffer: treat it as noise and look for the next message.
            this.counters.tcp_buffer_overflow++;
            this.flag('tcp_buffer_overflow');
            this.resetMessage();
            this.mode = 'resync';
            pos = afterLine(b, pos, end);
            continue;
          }
          this.scanOffset = f.scannedTo - pos;
          this.msgLength = f.length;
          break;
        }
        this.counters.stream_resync++;
        this.flag('stream_resync');
        this.resetMessage();
        this.mode = 'resync';
        pos = afterLine(b, pos, end);
        continue;
      }
      if (this.mode === 'resync') {
        // Strict: resync follows a loss or garbage, where lookalike lines are likelier than
        // extension methods; a lost extension request is the price.
        const at = findSipStart(b, pos, end, true);
        if (at >= 0) {
          this.unsyncedBytes += at - pos;
          pos = at;
          this.mode = 'sip';
          this.probing = false;
          continue;
        }
        let keep = lastLineStart(b, pos, end);
        if (end - keep >= MAX_START_LINE_BYTES) keep = end;
        this.unsyncedBytes += keep - pos;
        pos = keep;
        if (this.probing && this.unsyncedBytes + (end - pos) >= L.notSipProbeBytes) {
          this.notSip(b, pos, end);
          return end - begin;
        }
        break;
      }
      // dead / closed
      return end - begin;
    }
    return pos - begin;
  }
}
