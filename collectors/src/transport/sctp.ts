//! SIP over SCTP (RFC 4168): walk the chunks of each packet (RFC 9260 §3.2), take DATA / I-DATA
//! user messages, join fragmented ones by TSN (bounded), and emit one SIP message per user message.

import type { L4Segment } from '../packet';
import { isSipStartLine, START_LINE_YES } from './sip-framing';
import { newStreamAnomalyCounters } from './stream-anomalies';
import type { StreamAnomalyCode, StreamAnomalyCounters } from './stream-anomalies';
import type { StreamMessage } from './stream-message';

export const SctpChunkType = { DATA: 0, INIT: 1, ABORT: 6, SHUTDOWN: 7, I_DATA: 64 } as const;

/** DATA / I-DATA chunk flags. */
const FLAG_E = 0x01;
const FLAG_B = 0x02;
const FLAG_U = 0x04;

const DATA_HEADER = 16;
const IDATA_HEADER = 20;

export interface SctpChunk {
  type: number;
  flags: number;
  /** Offset of the chunk value (after the 4-byte chunk header) in the scanned buffer. */
  valueOffset: number;
  valueLength: number;
}

/**
 * Chunks of [pos, buf.length): each chunk's declared length covers its header and value, the next
 * chunk starts at the length rounded up to 4. `bad` when a length is impossible; chunks before it are kept.
 */
export function parseSctpChunks(buf: Buffer, pos = 0): { chunks: SctpChunk[]; bad: boolean } {
  const chunks: SctpChunk[] = [];
  while (pos < buf.length) {
    if (buf.length - pos < 4) return { chunks, bad: true };
    const type = buf[pos] ?? 0;
    const flags = buf[pos + 1] ?? 0;
    const length = buf.readUInt16BE(pos + 2);
    if (length < 4 || pos + length > buf.length) return { chunks, bad: true };
    chunks.push({ type, flags, valueOffset: pos + 4, valueLength: length - 4 });
    // The last chunk's padding may be missing from a truncated capture: that is fine.
    pos += (length + 3) & ~3;
  }
  return { chunks, bad: false };
}

export interface SctpOptions {
  /** Fragments held per direction before the oldest partial message is dropped. */
  maxFragments: number;
  /** Largest reassembled user message. */
  maxMessageBytes: number;
  /** Partial messages older than this (packet time) are dropped. */
  fragmentTimeoutMs: number;
  /** Directions with reassembly or duplicate-TSN state. */
  maxAssociations: number;
  /** Recent TSNs remembered per direction to drop retransmitted DATA. */
  tsnHistory: number;
}

export const DEFAULT_SCTP_OPTIONS: SctpOptions = {
  maxFragments: 64,
  maxMessageBytes: 128 * 1024,
  fragmentTimeoutMs: 5_000,
  maxAssociations: 10_000,
  tsnHistory: 64,
};

export interface SctpCounters extends StreamAnomalyCounters {
  packets: number;
  chunks: number;
  dataChunks: number;
  idataChunks: number;
  fragments: number;
  reassembledMessages: number;
  duplicateTsn: number;
  /** User messages that do not start with a SIP start line (other PPIDs on the port, garbage). */
  nonSipMessages: number;
  messages: number;
}

interface Fragment {
  tsn: number;
  flags: number;
  data: Buffer;
  ms: number;
}

interface Direction {
  fragments: Fragment[];
  recentTsn: number[];
  recentPos: number;
  pending: StreamAnomalyCode[];
}

export class SctpSipExtractor {
  readonly counters: SctpCounters;
  private readonly opts: SctpOptions;
  private readonly dirs = new Map<string, Direction>();

  constructor(
    private readonly onMessage: (m: StreamMessage) => void,
    options: Partial<SctpOptions> = {},
  ) {
    this.opts = { ...DEFAULT_SCTP_OPTIONS, ...options };
    this.counters = {
      ...newStreamAnomalyCounters(),
      packets: 0,
      chunks: 0,
      dataChunks: 0,
      idataChunks: 0,
      fragments: 0,
      reassembledMessages: 0,
      duplicateTsn: 0,
      nonSipMessages: 0,
      messages: 0,
    };
  }

  /** One SCTP packet; `seg.payload` holds the chunks (common header already removed). Never throws. */
  push(seg: L4Segment): void {
    if (seg.protocol !== 'sctp') return;
    this.counters.packets++;
    const buf = seg.payload;
    const { chunks, bad } = parseSctpChunks(buf);
    const key = `${seg.srcIp}|${seg.srcPort}|${seg.dstIp}|${seg.dstPort}`;
    if (bad) {
      this.counters.sctp_bad_chunk++;
      this.dir(key).pending.push('sctp_bad_chunk');
    }
    const ms = seg.tsSec * 1000 + seg.tsNsec / 1e6;
    for (const c of chunks) {
      this.counters.chunks++;
      if (c.type === SctpChunkType.DATA) {
        this.counters.dataChunks++;
        this.onData(seg, key, buf, c, DATA_HEADER - 4, ms);
      } else if (c.type === SctpChunkType.I_DATA) {
        this.counters.idataChunks++;
        this.onData(seg, key, buf, c, IDATA_HEADER - 4, ms);
      } else if (c.type === SctpChunkType.ABORT || c.type === SctpChunkType.SHUTDOWN) {
        this.dirs.delete(key);
      }
    }
  }

  private dir(key: string): Direction {
    let d = this.dirs.get(key);
    if (d === undefined) {
      if (this.dirs.size >= this.opts.maxAssociations) {
        const oldest = this.dirs.keys().next();
        if (!oldest.done) this.dirs.delete(oldest.value);
      }
      d = { fragments: [], recentTsn: [], recentPos: 0, pending: [] };
      this.dirs.set(key, d);
    }
    return d;
  }

  private onData(seg: L4Segment, key: string, buf: Buffer, c: SctpChunk, header: number, ms: number): void {
    // A DATA chunk must carry at least one byte (RFC 9260 §3.3.1).
    if (c.valueLength <= header) {
      this.counters.sctp_bad_chunk++;
      this.dir(key).pending.push('sctp_bad_chunk');
      return;
    }
    const tsn = buf.readUInt32BE(c.valueOffset);
    const d = this.dir(key);
    if (d.recentTsn.includes(tsn)) {
      this.counters.duplicateTsn++;
      return;
    }
    if (d.recentTsn.length < this.opts.tsnHistory) d.recentTsn.push(tsn);
    else {
      d.recentTsn[d.recentPos] = tsn;
      d.recentPos = (d.recentPos + 1) % this.opts.tsnHistory;
    }
    const start = c.valueOffset + header;
    const end = c.valueOffset + c.valueLength;
    if ((c.flags & (FLAG_B | FLAG_E)) === (FLAG_B | FLAG_E)) {
      this.emit(seg, key, d, buf.subarray(start, end), true);
      return;
    }
    this.counters.fragments++;
    if (c.type === SctpChunkType.I_DATA) {
      // I-DATA fragments are ordered by MID/FSN, not TSN; SIP stacks do not use it in practice.
      this.counters.sctp_fragment_dropped++;
      d.pending.push('sctp_fragment_dropped');
      return;
    }
    this.addFragment(seg, key, d, { tsn, flags: c.flags & ~FLAG_U, data: Buffer.from(buf.subarray(start, end)), ms });
  }

  /**
   * Fragments of one user message have consecutive TSNs from B to E (RFC 9260 §6.9). Keep them
   * sorted by TSN distance to the oldest; emit once a B..E run is complete.
   */
  private addFragment(seg: L4Segment, key: string, d: Direction, f: Fragment): void {
    const o = this.opts;
    d.fragments = d.fragments.filter((x) => f.ms - x.ms < o.fragmentTimeoutMs);
    d.fragments.push(f);
    d.fragments.sort((a, b) => ((a.tsn - f.tsn) | 0) - ((b.tsn - f.tsn) | 0));
    const fr = d.fragments;
    for (let i = 0; i < fr.length; i++) {
      const b = fr[i] as Fragment;
      if ((b.flags & FLAG_B) === 0) continue;
      let bytes = b.data.length;
      let j = i;
      let last = b;
      while ((last.flags & FLAG_E) === 0 && j + 1 < fr.length) {
        const next = fr[j + 1] as Fragment;
        if ((next.tsn - last.tsn) >>> 0 !== 1 || (next.flags & FLAG_B) !== 0) break;
        bytes += next.data.length;
        last = next;
        j++;
      }
      if ((last.flags & FLAG_E) === 0) continue;
      const parts = fr.slice(i, j + 1).map((x) => x.data);
      fr.splice(i, j - i + 1);
      if (bytes > o.maxMessageBytes) {
        this.counters.sctp_fragment_dropped++;
        d.pending.push('sctp_fragment_dropped');
        return;
      }
      this.counters.reassembledMessages++;
      this.emit(seg, key, d, Buffer.concat(parts, bytes), false);
      return;
    }
    let held = 0;
    for (const x of fr) held += x.data.length;
    while (fr.length > o.maxFragments || held > o.maxMessageBytes) {
      const dropped = fr.shift();
      held -= dropped?.data.length ?? 0;
      this.counters.sctp_fragment_dropped++;
      if (!d.pending.includes('sctp_fragment_dropped')) d.pending.push('sctp_fragment_dropped');
    }
  }

  private emit(seg: L4Segment, key: string, d: Direction, data: Buffer, copy: boolean): void {
    if (isSipStartLine(data, 0, data.length) !== START_LINE_YES) {
      this.counters.nonSipMessages++;
      return;
    }
    this.counters.messages++;
    const anomalies = d.pending.length === 0 ? [] : [...new Set(d.pending)];
    d.pending = [];
    this.onMessage({
      flowKey: key,
      srcIp: seg.srcIp,
      srcPort: seg.srcPort,
      dstIp: seg.dstIp,
      dstPort: seg.dstPort,
      ipVersion: seg.ipVersion,
      protocol: 'sctp',
      interfaceId: seg.interfaceId,
      vlan: seg.vlan,
      tunnel: seg.tunnel,
      transport: 'sctp',
      tsSec: seg.tsSec,
      tsNsec: seg.tsNsec,
      data: copy ? Buffer.from(data) : data,
      missingContentLength: false,
      anomalies,
    });
  }
}
