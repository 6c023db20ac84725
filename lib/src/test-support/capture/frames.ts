//! Packet bytes, layer by layer: Ethernet/VLAN/SLL/SLL2/NULL links, IPv4/IPv6 (extensions,
//! fragments), UDP/TCP/SCTP, GRE/ERSPAN/VXLAN tunnels. Each function wraps a payload in one header,
//! so a frame reads as its protocol stack: `ethernet(0x0800, ipv4({ payload: udp(…) }))`.
//! Pure; shared by collector tests, signature fixture makers and the benchmark capture generator.
//! Tests and generators only; never shipped logic.

import { isIPv4 } from 'node:net';
import { sipPayload } from './sip';

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

/** 4 bytes of a dotted quad. */
export function ipv4Bytes(ip: string): Buffer {
  const out = Buffer.alloc(4);
  writeIpv4Address(ip, out, 0);
  return out;
}

// Digit by digit rather than split/map: the benchmark generator writes two addresses per frame,
// millions of frames, and split/map was its largest cost (11 % of a 100k-message profile).
function writeIpv4Address(ip: string, out: Buffer, at: number): void {
  let octet = 0;
  let i = at;
  for (let k = 0; k < ip.length; k++) {
    const c = ip.charCodeAt(k);
    if (c === 0x2e) {
      out[i++] = octet;
      octet = 0;
    } else octet = octet * 10 + c - 0x30;
  }
  out[i] = octet;
}

/** 16 bytes of an IPv6 text address (handles ::, and a trailing dotted quad). */
export function ipv6Bytes(ip: string): Buffer {
  let text = ip;
  let tail: Buffer = Buffer.alloc(0);
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (isIPv4(last)) {
    tail = ipv4Bytes(last);
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head = '', rest] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const r = rest === undefined ? [] : rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - h.length - r.length;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...r];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length === 4) tail.copy(out, 12);
  return out;
}

/** A transport address: an IP address (text) and a port. */
export interface Endpoint {
  ip: string;
  port: number;
}

export interface VlanTag {
  tpid?: number;
  vid: number;
}

/** A copy of `packet` with `bytes` written from offset `at`: a malformed variant of a good packet. */
export function withBytes(packet: Buffer, at: number, ...bytes: number[]): Buffer {
  const out = Buffer.from(packet);
  bytes.forEach((b, i) => (out[at + i] = b));
  return out;
}

/** Destination and source MAC, 6 bytes each. */
export interface MacPair {
  dst: Buffer;
  src: Buffer;
}

const DEFAULT_MACS: MacPair = { dst: Buffer.from('020000000002', 'hex'), src: Buffer.from('020000000001', 'hex') };

export function ethernet(etherType: number, payload: Buffer, vlans: VlanTag[] = [], macs = DEFAULT_MACS): Buffer {
  // dst, src, then each tag (TPID, TCI) outermost first, then the real ethertype.
  // One allocation per layer, not a concat of parts: generators build millions of frames.
  const out = Buffer.allocUnsafe(14 + 4 * vlans.length + payload.length);
  macs.dst.copy(out, 0);
  macs.src.copy(out, 6);
  let at = 12;
  for (const v of vlans) {
    out.writeUInt16BE(v.tpid ?? 0x8100, at);
    out.writeUInt16BE(v.vid & 0xffff, at + 2);
    at += 4;
  }
  out.writeUInt16BE(etherType, at);
  payload.copy(out, at + 2);
  return out;
}

export function sll(protocol: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0); // packet type: to us
  h.writeUInt16BE(1, 2); // ARPHRD_ETHER
  h.writeUInt16BE(6, 4);
  Buffer.from('020000000001', 'hex').copy(h, 6);
  h.writeUInt16BE(protocol, 14);
  return Buffer.concat([h, payload]);
}

export function sll2(protocol: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(protocol, 0);
  h.writeUInt32BE(2, 4); // ifindex
  h.writeUInt16BE(1, 8); // ARPHRD_ETHER
  h[10] = 0;
  h[11] = 6;
  Buffer.from('020000000001', 'hex').copy(h, 12);
  return Buffer.concat([h, payload]);
}

/** BSD loopback header: 4-byte address family in the given byte order. */
export function nullLoop(family: number, payload: Buffer, littleEndian = true): Buffer {
  const h = Buffer.alloc(4);
  if (littleEndian) h.writeUInt32LE(family);
  else h.writeUInt32BE(family);
  return Buffer.concat([h, payload]);
}

export interface Ipv4Options {
  src?: string;
  dst?: string;
  protocol: number;
  payload: Buffer;
  id?: number;
  ttl?: number;
  moreFragments?: boolean;
  /** Fragment offset in bytes (multiple of 8). */
  fragmentOffset?: number;
  dontFragment?: boolean;
  options?: Buffer;
  /** Override the total length field. */
  totalLength?: number;
}

/** The Internet checksum (RFC 1071) of `b`, as the IPv4 header carries it. */
export function internetChecksum(b: Buffer, start = 0, end = b.length): number {
  let s = 0;
  let i = start;
  for (; i + 1 < end; i += 2) s += b.readUInt16BE(i);
  if (i < end) s += (b[i] ?? 0) << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export function ipv4(o: Ipv4Options): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const ihl = 20 + opts.length;
  const h = Buffer.alloc(ihl + o.payload.length);
  h[0] = 0x40 | (ihl / 4);
  h.writeUInt16BE(o.totalLength ?? ihl + o.payload.length, 2);
  h.writeUInt16BE(o.id ?? 1, 4);
  h.writeUInt16BE((o.moreFragments ? 0x2000 : 0) | (o.dontFragment ? 0x4000 : 0) | ((o.fragmentOffset ?? 0) / 8), 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.protocol;
  writeIpv4Address(o.src ?? '10.0.0.1', h, 12);
  writeIpv4Address(o.dst ?? '10.0.0.2', h, 16);
  opts.copy(h, 20);
  h.writeUInt16BE(internetChecksum(h, 0, ihl), 10);
  o.payload.copy(h, ihl);
  return h;
}

export interface Ipv6Extension {
  /** 0 hop-by-hop, 43 routing, 60 destination options, 44 fragment, 51 AH. */
  type: number;
  /** Body after the 2-byte (next, len) prefix; padded to 8 bytes (AH: 4). */
  body?: Buffer;
}

export interface Ipv6Options {
  src?: string;
  dst?: string;
  /** Upper-layer protocol (after the extensions). */
  protocol: number;
  payload: Buffer;
  extensions?: Ipv6Extension[];
  hopLimit?: number;
}

function extensionBytes(ext: Ipv6Extension, next: number): Buffer {
  if (ext.type === 44) {
    const b = Buffer.alloc(8);
    (ext.body ?? Buffer.alloc(6)).copy(b, 2);
    b[0] = next;
    return b;
  }
  const body = ext.body ?? Buffer.alloc(6);
  const unit = ext.type === 51 ? 4 : 8;
  const total = Math.ceil((body.length + 2) / unit) * unit;
  const b = Buffer.alloc(Math.max(total, 8));
  b[0] = next;
  b[1] = ext.type === 51 ? b.length / 4 - 2 : b.length / 8 - 1;
  body.copy(b, 2);
  return b;
}

export function ipv6(o: Ipv6Options): Buffer {
  const exts = o.extensions ?? [];
  const extBufs: Buffer[] = [];
  for (let i = 0; i < exts.length; i++) {
    const next = i + 1 < exts.length ? (exts[i + 1] as Ipv6Extension).type : o.protocol;
    extBufs.push(extensionBytes(exts[i] as Ipv6Extension, next));
  }
  const rest = Buffer.concat([...extBufs, o.payload]);
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(rest.length, 4);
  h[6] = exts.length > 0 ? (exts[0] as Ipv6Extension).type : o.protocol;
  h[7] = o.hopLimit ?? 64;
  ipv6Bytes(o.src ?? '2001:db8::1').copy(h, 8);
  ipv6Bytes(o.dst ?? '2001:db8::2').copy(h, 24);
  return Buffer.concat([h, rest]);
}

export function udp(srcPort: number, dstPort: number, payload: Buffer): Buffer {
  const out = Buffer.alloc(8 + payload.length);
  out.writeUInt16BE(srcPort, 0);
  out.writeUInt16BE(dstPort, 2);
  out.writeUInt16BE(8 + payload.length, 4);
  payload.copy(out, 8);
  return out;
}

export interface TcpOptions {
  srcPort: number;
  dstPort: number;
  seq?: number;
  ack?: number;
  flags?: number;
  payload?: Buffer;
  /** TCP options bytes (padded to 4). */
  options?: Buffer;
}

export function tcp(o: TcpOptions): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const optLen = Math.ceil(opts.length / 4) * 4;
  const h = Buffer.alloc(20 + optLen);
  h.writeUInt16BE(o.srcPort, 0);
  h.writeUInt16BE(o.dstPort, 2);
  h.writeUInt32BE((o.seq ?? 0) >>> 0, 4);
  h.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  h[12] = ((20 + optLen) / 4) << 4;
  h[13] = o.flags ?? 0x18;
  h.writeUInt16BE(65535, 14);
  opts.copy(h, 20);
  return Buffer.concat([h, o.payload ?? Buffer.alloc(0)]);
}

export function sctp(srcPort: number, dstPort: number, chunks: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt32BE(0x01020304, 4);
  return Buffer.concat([h, chunks]);
}

/** One SCTP chunk: type, flags, length, value, padded to 4 bytes unless `pad` is false. */
export function sctpChunk(type: number, flags: number, value: Buffer, pad = true): Buffer {
  const len = 4 + value.length;
  const out = Buffer.alloc(pad ? (len + 3) & ~3 : len);
  out[0] = type;
  out[1] = flags;
  out.writeUInt16BE(len, 2);
  value.copy(out, 4);
  return out;
}

/** An SCTP DATA chunk (RFC 9260 §3.3.1) on stream 1: `flags` 0x03 is a whole message (B and E). */
export function sctpData(tsn: number, flags: number, payload: Buffer | string, ppid = 0): Buffer {
  const p = Buffer.from(payload);
  const v = Buffer.alloc(12 + p.length);
  v.writeUInt32BE(tsn >>> 0, 0);
  v.writeUInt16BE(1, 4);
  v.writeUInt16BE(0, 6);
  v.writeUInt32BE(ppid, 8);
  p.copy(v, 12);
  return sctpChunk(0, flags, v);
}

export interface GreOptions {
  protocol: number;
  payload: Buffer;
  checksum?: boolean;
  key?: number;
  sequence?: number;
}

export function gre(o: GreOptions): Buffer {
  let flags = 0;
  const extra: Buffer[] = [];
  if (o.checksum) {
    flags |= 0x8000;
    extra.push(Buffer.alloc(4));
  }
  if (o.key !== undefined) {
    flags |= 0x2000;
    const k = Buffer.alloc(4);
    k.writeUInt32BE(o.key >>> 0);
    extra.push(k);
  }
  if (o.sequence !== undefined) {
    flags |= 0x1000;
    const s = Buffer.alloc(4);
    s.writeUInt32BE(o.sequence >>> 0);
    extra.push(s);
  }
  return Buffer.concat([u16(flags), u16(o.protocol), ...extra, o.payload]);
}

/** ERSPAN type II header (8 bytes) + mirrored Ethernet frame. */
export function erspan2(sessionId: number, frame: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x1000 | 0, 0); // version 1, VLAN 0
  h.writeUInt16BE(sessionId & 0x3ff, 2);
  return Buffer.concat([h, frame]);
}

/** ERSPAN type III header (12 bytes, + 8-byte platform subheader when `platform`) + frame. */
export function erspan3(sessionId: number, frame: Buffer, platform = false, frameType = 0): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(0x2000, 0); // version 2
  h.writeUInt16BE(sessionId & 0x3ff, 2);
  h.writeUInt32BE(0x12345678, 4); // timestamp
  h[10] = (frameType & 0x1f) << 2;
  h[11] = platform ? 0x01 : 0x00;
  const sub = platform ? Buffer.from('0800000000000000', 'hex') : Buffer.alloc(0);
  return Buffer.concat([h, sub, frame]);
}

export function vxlan(vni: number, frame: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x08;
  h.writeUInt32BE((vni << 8) >>> 0, 4);
  return Buffer.concat([h, frame]);
}

/** Split an IPv4 upper-layer payload into fragments of `size` bytes (multiple of 8). */
export function ipv4Fragments(o: Omit<Ipv4Options, 'moreFragments' | 'fragmentOffset'>, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < o.payload.length; off += size) {
    const part = o.payload.subarray(off, Math.min(off + size, o.payload.length));
    out.push(ipv4({ ...o, payload: part, fragmentOffset: off, moreFragments: off + size < o.payload.length }));
  }
  return out;
}

/** One IPv6 fragment: fragment header (offset, M, id) then `part` of the fragmentable data. */
export function ipv6Fragment(
  o: Omit<Ipv6Options, 'payload' | 'extensions'>,
  id: number,
  offset: number,
  more: boolean,
  part: Buffer,
): Buffer {
  const body = Buffer.alloc(6);
  body.writeUInt16BE((offset & 0xfff8) | (more ? 1 : 0), 0);
  body.writeUInt32BE(id >>> 0, 2);
  return ipv6({ ...o, extensions: [{ type: 44, body }], payload: part });
}

/** Split an IPv6 fragmentable part (upper header + data) into fragments of `size` bytes. */
export function ipv6Fragments(o: Omit<Ipv6Options, 'extensions'>, id: number, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < o.payload.length; off += size) {
    const part = o.payload.subarray(off, Math.min(off + size, o.payload.length));
    out.push(ipv6Fragment(o, id, off, off + size < o.payload.length, part));
  }
  return out;
}

/** Ethernet + IPv4 + UDP in one call: the common case. */
export function udpFrame(
  srcPort = 5062,
  dstPort = 5060,
  payload = sipPayload(),
  src = '10.0.0.1',
  dst = '10.0.0.2',
): Buffer {
  return ethernet(0x0800, ipv4({ src, dst, protocol: 17, payload: udp(srcPort, dstPort, payload) }));
}
