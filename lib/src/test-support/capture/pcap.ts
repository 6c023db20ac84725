//! Capture files: classic pcap (µs or ns, either byte order) and pcapng (sections, interfaces with
//! tsresol/tsoffset, EPB/OPB/SPB and unknown blocks) as bytes, and a streaming classic-pcap writer
//! for captures too large to hold in memory (the benchmark capture). Tests and generators only.

import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export interface TestPacket {
  data: Buffer;
  tsSec: number;
  tsNsec: number;
  originalLength?: number;
  /** pcapng: interface index (default 0). */
  interfaceId?: number;
}

export interface PcapWriteOptions {
  linkType?: number;
  nano?: boolean;
  bigEndian?: boolean;
  snaplen?: number;
}

interface FieldWriters {
  w32: (b: Buffer, v: number, off: number) => void;
  w16: (b: Buffer, v: number, off: number) => void;
}

const BIG_ENDIAN: FieldWriters = {
  w32: (b, v, off) => void b.writeUInt32BE(v >>> 0, off),
  w16: (b, v, off) => void b.writeUInt16BE(v, off),
};
const LITTLE_ENDIAN: FieldWriters = {
  w32: (b, v, off) => void b.writeUInt32LE(v >>> 0, off),
  w16: (b, v, off) => void b.writeUInt16LE(v, off),
};

/** Writes 32/16-bit fields in the file's byte order. */
function fieldWriters(bigEndian: boolean): FieldWriters {
  return bigEndian ? BIG_ENDIAN : LITTLE_ENDIAN;
}

/** The 24-byte global header of a classic pcap file. */
export function pcapHeader(o: PcapWriteOptions = {}): Buffer {
  const { w32, w16 } = fieldWriters(o.bigEndian ?? false);
  const g = Buffer.alloc(24);
  w32(g, o.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(g, 2, 4);
  w16(g, 4, 6);
  w32(g, o.snaplen ?? 262144, 16);
  w32(g, o.linkType ?? 1, 20);
  return g;
}

/** The 16-byte record header in front of one packet's bytes. */
export function pcapRecordHeader(p: TestPacket, o: PcapWriteOptions = {}): Buffer {
  const { w32 } = fieldWriters(o.bigEndian ?? false);
  const h = Buffer.alloc(16);
  w32(h, p.tsSec, 0);
  w32(h, o.nano ? p.tsNsec : Math.floor(p.tsNsec / 1000), 4);
  w32(h, p.data.length, 8);
  w32(h, p.originalLength ?? p.data.length, 12);
  return h;
}

export function pcapBytes(packets: TestPacket[], o: PcapWriteOptions = {}): Buffer {
  const parts: Buffer[] = [pcapHeader(o)];
  for (const p of packets) parts.push(pcapRecordHeader(p, o), p.data);
  return Buffer.concat(parts);
}

/** A packet at a time in µs since the epoch, as generators count time. */
export function packetAtUs(tsUs: number, data: Buffer): TestPacket {
  const tsSec = Math.floor(tsUs / 1e6);
  return { data, tsSec, tsNsec: (tsUs - tsSec * 1e6) * 1000 };
}

/**
 * A classic pcap streamed to disk: records are buffered and written in 4 MiB chunks, so a
 * generator of millions of packets neither holds the capture nor writes per packet.
 */
export class PcapStreamWriter {
  private readonly stream: WriteStream;
  private chunks: Buffer[] = [];
  private pending = 0;
  bytes = 0;
  packets = 0;

  constructor(
    path: string,
    private readonly options: PcapWriteOptions = {},
  ) {
    this.stream = createWriteStream(path);
    this.push(pcapHeader(options));
  }

  private push(buf: Buffer): void {
    this.chunks.push(buf);
    this.pending += buf.length;
    this.bytes += buf.length;
  }

  write(packet: TestPacket): void {
    this.push(pcapRecordHeader(packet, this.options));
    this.push(packet.data);
    this.packets++;
  }

  /** Hands the buffered records to the file once 4 MiB have gathered, waiting if it is behind. */
  async drainIfNeeded(): Promise<void> {
    if (this.pending < 1 << 22) return;
    const data = Buffer.concat(this.chunks);
    this.chunks = [];
    this.pending = 0;
    if (!this.stream.write(data)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.write(Buffer.concat(this.chunks));
    this.chunks = [];
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

export function writePcap(path: string, packets: TestPacket[], o: PcapWriteOptions = {}): string {
  writeFileSync(path, pcapBytes(packets, o));
  return path;
}

export interface PcapngInterface {
  linkType: number;
  snaplen?: number;
  name?: string;
  /** if_tsresol byte (default: option absent = µs). */
  tsresol?: number;
  /** if_tsoffset seconds. */
  tsoffset?: number;
}

export type PcapngBlock =
  | { kind: 'epb'; packet: TestPacket }
  | { kind: 'opb'; packet: TestPacket }
  | { kind: 'spb'; data: Buffer; originalLength?: number }
  | { kind: 'unknown'; type: number; body: Buffer };

export interface PcapngSection {
  bigEndian?: boolean;
  interfaces: PcapngInterface[];
  blocks: PcapngBlock[];
}

/** Units since the epoch for an interface resolution, as 64-bit (BigInt) value. */
function tsUnits(sec: number, nsec: number, tsresol: number | undefined, tsoffset: number): bigint {
  const r = tsresol ?? 6;
  const n = r & 0x7f;
  const ups = (r & 0x80) === 0 ? 10n ** BigInt(n) : 1n << BigInt(n);
  return BigInt(sec - tsoffset) * ups + (BigInt(nsec) * ups) / 1_000_000_000n;
}

export function pcapngBytes(sections: PcapngSection[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of sections) {
    const be = s.bigEndian ?? false;
    const { w32, w16 } = fieldWriters(be);
    const block = (type: number, body: Buffer): Buffer => {
      const padded = Buffer.alloc(Math.ceil(body.length / 4) * 4);
      body.copy(padded);
      const b = Buffer.alloc(12 + padded.length);
      w32(b, type, 0);
      w32(b, b.length, 4);
      padded.copy(b, 8);
      w32(b, b.length, b.length - 4);
      return b;
    };
    const option = (code: number, value: Buffer): Buffer => {
      const h = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
      w16(h, code, 0);
      w16(h, value.length, 2);
      value.copy(h, 4);
      return h;
    };
    const shb = Buffer.alloc(16);
    w32(shb, 0x1a2b3c4d, 0);
    w16(shb, 1, 4);
    w16(shb, 0, 6);
    shb.writeBigInt64LE(-1n, 8);
    parts.push(block(0x0a0d0d0a, shb));
    for (const i of s.interfaces) {
      const h = Buffer.alloc(8);
      w16(h, i.linkType, 0);
      w32(h, i.snaplen ?? 0, 4);
      const opts: Buffer[] = [];
      if (i.name !== undefined) opts.push(option(2, Buffer.from(i.name)));
      if (i.tsresol !== undefined) opts.push(option(9, Buffer.from([i.tsresol])));
      if (i.tsoffset !== undefined) {
        const v = Buffer.alloc(8);
        if (be) v.writeBigInt64BE(BigInt(i.tsoffset));
        else v.writeBigInt64LE(BigInt(i.tsoffset));
        opts.push(option(14, v));
      }
      if (opts.length > 0) opts.push(Buffer.alloc(4));
      parts.push(block(1, Buffer.concat([h, ...opts])));
    }
    for (const b of s.blocks) {
      if (b.kind === 'unknown') {
        parts.push(block(b.type, b.body));
      } else if (b.kind === 'spb') {
        const h = Buffer.alloc(4);
        w32(h, b.originalLength ?? b.data.length, 0);
        parts.push(block(3, Buffer.concat([h, b.data])));
      } else {
        const p = b.packet;
        const ifId = p.interfaceId ?? 0;
        const iface = s.interfaces[ifId];
        const units = tsUnits(p.tsSec, p.tsNsec, iface?.tsresol, iface?.tsoffset ?? 0);
        const h = Buffer.alloc(20);
        if (b.kind === 'epb') w32(h, ifId, 0);
        else w16(h, ifId, 0);
        w32(h, Number(units >> 32n), 4);
        w32(h, Number(units & 0xffffffffn), 8);
        w32(h, p.data.length, 12);
        w32(h, p.originalLength ?? p.data.length, 16);
        parts.push(block(b.kind === 'epb' ? 6 : 2, Buffer.concat([h, p.data])));
      }
    }
  }
  return Buffer.concat(parts);
}

export function writePcapng(path: string, sections: PcapngSection[]): string {
  writeFileSync(path, pcapngBytes(sections));
  return path;
}
