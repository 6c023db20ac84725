//! HEP v3 (EEP, https://github.com/sipcapture/HEP): the encapsulation SBCs and proxies (Kamailio
//! siptrace, OpenSIPS proto_hep, FreeSWITCH, Asterisk res_hep) use to export the SIP they handle,
//! including legs a mirror port cannot read (TLS, IPsec). Pure: bytes in, a message or a drop
//! reason out; the sockets live in hep-listener.ts.
import { gunzipSync } from 'node:zlib';
import { formatIpv4, formatIpv6 } from '../net/ip-address';

/** "HEP3" */
const HEP3_MAGIC = 0x48455033;
const HEADER_LENGTH = 6;
const CHUNK_HEADER_LENGTH = 6;
/** Decompressed payloads above this are refused (a SIP message is far smaller). */
const MAX_PAYLOAD = 256 * 1024;

/** Generic chunk types of vendor 0 that sipward reads. */
const Chunk = {
  IP_FAMILY: 0x01,
  IP_PROTOCOL: 0x02,
  IPV4_SRC: 0x03,
  IPV4_DST: 0x04,
  IPV6_SRC: 0x05,
  IPV6_DST: 0x06,
  SRC_PORT: 0x07,
  DST_PORT: 0x08,
  TS_SEC: 0x09,
  TS_USEC: 0x0a,
  PROTOCOL_TYPE: 0x0b,
  CAPTURE_ID: 0x0c,
  AUTH_KEY: 0x0e,
  PAYLOAD: 0x0f,
  COMPRESSED_PAYLOAD: 0x10,
  CORRELATION_ID: 0x11,
  VLAN: 0x12,
  NODE_NAME: 0x13,
} as const;

/** HEP protocol type of SIP (chunk 0x000b). */
export const HEP_PROTOCOL_SIP = 1;

/** Why a HEP packet was dropped; each has its own counter. */
export type HepDropReason =
  /** Does not start with "HEP3" (HEP v1/v2 and other traffic alike). */
  | 'not_hep3'
  /** Total length shorter than the header or longer than the bytes received. */
  | 'bad_length'
  /** A chunk length below 6 or past the end of the packet, or a fixed-size chunk of the wrong size. */
  | 'bad_chunk'
  /** No source/destination address, port or timestamp chunk, or an unknown IP family. */
  | 'missing_fields'
  /** No payload chunk, or a compressed payload that does not inflate. */
  | 'bad_payload'
  /** A well-formed packet of another protocol type (RTCP, logs, QoS reports): not ours. */
  | 'not_sip'
  /** --hep-auth-key-file is set and the packet's key is missing or different. */
  | 'auth_failed';

export const HEP_DROP_REASONS: readonly HepDropReason[] = [
  'not_hep3',
  'bad_length',
  'bad_chunk',
  'missing_fields',
  'bad_payload',
  'not_sip',
  'auth_failed',
];

export interface HepMessage {
  ipVersion: 4 | 6;
  /** IANA protocol number of the original packet (17 UDP, 6 TCP, 132 SCTP). */
  ipProtocol: number;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  tsSec: number;
  tsUsec: number;
  protocolType: number;
  nodeId?: number;
  nodeName?: string;
  authKey?: string;
  correlationId?: string;
  vlan?: number;
  payload: Buffer;
}

export type HepDecodeResult = { ok: true; message: HepMessage } | { ok: false; reason: HepDropReason };

/**
 * Length of the HEP v3 packet starting at `buf[offset]` (for stream framing over TCP): the total
 * length from its header, 'need_more' when the header is incomplete, 'not_hep3' when the bytes
 * cannot start a packet (the stream is then out of sync and must be dropped).
 */
export function hepPacketLength(buf: Buffer, offset: number): number | 'need_more' | 'not_hep3' {
  const available = buf.length - offset;
  // Check the magic byte by byte as it arrives, so garbage is refused before 6 bytes are in.
  for (let i = 0; i < Math.min(4, available); i++) {
    if (buf[offset + i] !== 'HEP3'.charCodeAt(i)) return 'not_hep3';
  }
  if (available < HEADER_LENGTH) return 'need_more';
  const length = buf.readUInt16BE(offset + 4);
  return length < HEADER_LENGTH ? 'not_hep3' : length;
}

/**
 * Cuts a TCP byte stream into HEP v3 packets (HEP over TCP has no framing of its own: each packet
 * says its length). Once the bytes stop being HEP v3 the stream cannot be resynchronised.
 */
export class HepStreamFramer {
  private pending: Buffer = Buffer.alloc(0);

  /** Appends `data`; the whole packets now available (copies), or 'out_of_sync'. */
  push(data: Buffer): Buffer[] | 'out_of_sync' {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    const packets: Buffer[] = [];
    for (;;) {
      const length = hepPacketLength(this.pending, 0);
      if (length === 'not_hep3') return 'out_of_sync';
      if (length === 'need_more' || this.pending.length < length) break;
      // Copy: a view would pin the whole received chunk for as long as the packet is queued.
      packets.push(Buffer.from(this.pending.subarray(0, length)));
      this.pending = this.pending.subarray(length);
    }
    return packets;
  }

  /** Bytes held waiting for the rest of a packet. */
  get buffered(): number {
    return this.pending.length;
  }
}

/** Decodes one HEP v3 packet (exactly `buf`); never throws. */
export function decodeHep(buf: Buffer): HepDecodeResult {
  if (buf.length < 4 || buf.readUInt32BE(0) !== HEP3_MAGIC) return drop('not_hep3');
  if (buf.length < HEADER_LENGTH) return drop('bad_length');
  const total = buf.readUInt16BE(4);
  if (total < HEADER_LENGTH || total > buf.length) return drop('bad_length');
  const fields = readChunks(buf.subarray(0, total));
  if (fields === null) return drop('bad_chunk');
  return toMessage(fields);
}

interface RawFields {
  family?: number;
  ipProtocol?: number;
  src4?: Buffer;
  dst4?: Buffer;
  src6?: Buffer;
  dst6?: Buffer;
  srcPort?: number;
  dstPort?: number;
  tsSec?: number;
  tsUsec?: number;
  protocolType?: number;
  nodeId?: number;
  nodeName?: string;
  authKey?: string;
  correlationId?: string;
  vlan?: number;
  payload?: Buffer;
  compressed?: Buffer;
}

/** Walks the chunks; null when one is malformed. Vendor chunks and unknown types are skipped. */
function readChunks(buf: Buffer): RawFields | null {
  const f: RawFields = {};
  let pos = HEADER_LENGTH;
  while (pos < buf.length) {
    if (buf.length - pos < CHUNK_HEADER_LENGTH) return null;
    const vendor = buf.readUInt16BE(pos);
    const type = buf.readUInt16BE(pos + 2);
    const length = buf.readUInt16BE(pos + 4);
    if (length < CHUNK_HEADER_LENGTH || pos + length > buf.length) return null;
    const body = buf.subarray(pos + CHUNK_HEADER_LENGTH, pos + length);
    pos += length;
    if (vendor !== 0) continue;
    if (!readChunk(f, type, body)) return null;
  }
  return f;
}

/** Stores one generic chunk; false when a fixed-size chunk has the wrong size. */
function readChunk(f: RawFields, type: number, body: Buffer): boolean {
  switch (type) {
    case Chunk.IP_FAMILY:
      return (f.family = u8(body)) !== undefined;
    case Chunk.IP_PROTOCOL:
      return (f.ipProtocol = u8(body)) !== undefined;
    case Chunk.IPV4_SRC:
      return body.length === 4 && (f.src4 = body) !== undefined;
    case Chunk.IPV4_DST:
      return body.length === 4 && (f.dst4 = body) !== undefined;
    case Chunk.IPV6_SRC:
      return body.length === 16 && (f.src6 = body) !== undefined;
    case Chunk.IPV6_DST:
      return body.length === 16 && (f.dst6 = body) !== undefined;
    case Chunk.SRC_PORT:
      return (f.srcPort = u16(body)) !== undefined;
    case Chunk.DST_PORT:
      return (f.dstPort = u16(body)) !== undefined;
    case Chunk.TS_SEC:
      return (f.tsSec = u32(body)) !== undefined;
    case Chunk.TS_USEC:
      return (f.tsUsec = u32(body)) !== undefined;
    case Chunk.PROTOCOL_TYPE:
      return (f.protocolType = u8(body)) !== undefined;
    case Chunk.CAPTURE_ID:
      // Some agents send a 16-bit capture id (HEP v2 habit): accept both widths.
      return (f.nodeId = body.length === 2 ? u16(body) : u32(body)) !== undefined;
    case Chunk.VLAN:
      return (f.vlan = u16(body)) !== undefined;
    case Chunk.AUTH_KEY:
      f.authKey = text(body);
      return true;
    case Chunk.CORRELATION_ID:
      f.correlationId = text(body);
      return true;
    case Chunk.NODE_NAME:
      f.nodeName = text(body);
      return true;
    case Chunk.PAYLOAD:
      f.payload = body;
      return true;
    case Chunk.COMPRESSED_PAYLOAD:
      f.compressed = body;
      return true;
    default:
      return true;
  }
}

function toMessage(f: RawFields): HepDecodeResult {
  const v4 = f.family === 2 || (f.family === undefined && f.src4 !== undefined);
  const v6 = f.family === 10 || (f.family === undefined && f.src6 !== undefined);
  const src = v4 ? f.src4 : v6 ? f.src6 : undefined;
  const dst = v4 ? f.dst4 : v6 ? f.dst6 : undefined;
  if (src === undefined || dst === undefined) return drop('missing_fields');
  if (f.srcPort === undefined || f.dstPort === undefined || f.tsSec === undefined) return drop('missing_fields');
  if (f.protocolType !== undefined && f.protocolType !== HEP_PROTOCOL_SIP) return drop('not_sip');
  const payload = f.payload ?? inflate(f.compressed);
  if (payload === undefined || payload.length === 0) return drop('bad_payload');
  const message: HepMessage = {
    ipVersion: v4 ? 4 : 6,
    ipProtocol: f.ipProtocol ?? 17,
    srcIp: v4 ? formatIpv4(src, 0) : formatIpv6(src, 0),
    dstIp: v4 ? formatIpv4(dst, 0) : formatIpv6(dst, 0),
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    tsSec: f.tsSec,
    // A microsecond value past one second is an agent bug: clamp rather than shift the second.
    tsUsec: Math.min(f.tsUsec ?? 0, 999_999),
    protocolType: f.protocolType ?? HEP_PROTOCOL_SIP,
    payload,
  };
  if (f.nodeId !== undefined) message.nodeId = f.nodeId;
  if (f.nodeName !== undefined && f.nodeName !== '') message.nodeName = f.nodeName;
  if (f.authKey !== undefined) message.authKey = f.authKey;
  if (f.correlationId !== undefined && f.correlationId !== '') message.correlationId = f.correlationId;
  if (f.vlan !== undefined) message.vlan = f.vlan;
  return { ok: true, message };
}

function inflate(compressed: Buffer | undefined): Buffer | undefined {
  if (compressed === undefined) return undefined;
  try {
    return gunzipSync(compressed, { maxOutputLength: MAX_PAYLOAD });
  } catch {
    return undefined;
  }
}

function drop(reason: HepDropReason): HepDecodeResult {
  return { ok: false, reason };
}

function u8(b: Buffer): number | undefined {
  return b.length === 1 ? b[0] : undefined;
}

function u16(b: Buffer): number | undefined {
  return b.length === 2 ? b.readUInt16BE(0) : undefined;
}

function u32(b: Buffer): number | undefined {
  return b.length === 4 ? b.readUInt32BE(0) : undefined;
}

/** Strings are C-style in some agents: stop at the first NUL. */
function text(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.toString('latin1', 0, nul === -1 ? b.length : nul);
}
