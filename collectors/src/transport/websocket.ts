//! SIP over WebSocket (RFC 7118): spot the HTTP Upgrade handshake on a TCP stream, then cut the
//! ordered stream bytes into RFC 6455 frames and reassemble fragmented messages, one SIP message each.

import { findHeaderEnd } from './sip-framing';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

export type WsHandshake =
  | { kind: 'need_more' }
  /** Not an HTTP message at all, or HTTP without a SIP WebSocket upgrade. */
  | { kind: 'not_ws'; http: boolean }
  /** Client GET or server 101 upgrading to WebSocket; frames start `headerLength` bytes in. */
  | { kind: 'ws'; role: 'client' | 'server'; headerLength: number; sipProtocol: boolean };

const NEED_MORE: WsHandshake = { kind: 'need_more' };
const GET = Buffer.from('GET ', 'latin1');
const HTTP = Buffer.from('HTTP/1.', 'latin1');

/** Does the stream at `pos` begin like an HTTP request or response? NEED_MORE-style -1 when too short. */
export function looksLikeHttp(buf: Buffer, pos: number, end: number): number {
  for (const prefix of [GET, HTTP]) {
    let k = 0;
    while (k < prefix.length && pos + k < end && buf[pos + k] === prefix[k]) k++;
    if (k === prefix.length) return 1;
    if (pos + k >= end) return -1;
  }
  return 0;
}

/**
 * Classify an HTTP head at `pos`: `GET` with `Upgrade: websocket` (client side) or `HTTP/1.1 101`
 * with `Upgrade: websocket` (server side). `sipProtocol` reports `Sec-WebSocket-Protocol: sip`
 * (RFC 7118 §4); the caller decides how strict to be about it.
 */
export function parseWsHandshake(buf: Buffer, pos: number, end: number, maxHeaderBytes: number): WsHandshake {
  const http = looksLikeHttp(buf, pos, end);
  if (http < 0) return NEED_MORE;
  if (http === 0) return { kind: 'not_ws', http: false };
  const headerEnd = findHeaderEnd(buf, pos, end);
  if (headerEnd < 0) return end - pos > maxHeaderBytes ? { kind: 'not_ws', http: true } : NEED_MORE;
  const isGet = buf[pos] === GET[0];
  let role: 'client' | 'server' = 'client';
  if (!isGet) {
    // "HTTP/1.x 101"
    const s = pos + HTTP.length + 2;
    if (buf[s - 1] !== SP || buf[s] !== 0x31 || buf[s + 1] !== 0x30 || buf[s + 2] !== 0x31) {
      return { kind: 'not_ws', http: true };
    }
    role = 'server';
  }
  let upgrade = false;
  let sipProtocol = false;
  let p = buf.indexOf(LF, pos);
  while (p >= 0 && p + 1 < headerEnd) {
    const lineStart = p + 1;
    const lineEnd = buf.indexOf(LF, lineStart);
    const stop = lineEnd < 0 || lineEnd > headerEnd ? headerEnd : lineEnd;
    const colon = buf.indexOf(COLON, lineStart);
    if (colon > lineStart && colon < stop) {
      const name = buf.toString('latin1', lineStart, colon).trim().toLowerCase();
      if (name === 'upgrade') {
        upgrade ||= headerHasToken(buf, colon + 1, stop, 'websocket');
      } else if (name === 'sec-websocket-protocol') {
        sipProtocol ||= headerHasToken(buf, colon + 1, stop, 'sip');
      }
    }
    p = lineEnd;
  }
  if (!upgrade) return { kind: 'not_ws', http: true };
  return { kind: 'ws', role, headerLength: headerEnd - pos, sipProtocol };
}

function headerHasToken(buf: Buffer, start: number, end: number, token: string): boolean {
  let e = end;
  while (e > start && (buf[e - 1] === CR || buf[e - 1] === SP || buf[e - 1] === HT)) e--;
  for (const part of buf.toString('latin1', start, e).split(',')) {
    if (part.trim().toLowerCase() === token) return true;
  }
  return false;
}

export const WsOpcode = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** One decoded frame header (RFC 6455 §5.2). Offsets are absolute in the scanned buffer. */
export interface WsFrameHeader {
  fin: boolean;
  opcode: number;
  masked: boolean;
  maskOffset: number;
  payloadOffset: number;
  payloadLength: number;
}

export type WsFrameParse = WsFrameHeader | 'need_more' | 'invalid';

/**
 * Parse the frame header at `pos`. `invalid` for reserved bits or opcodes, control frames that are
 * fragmented or longer than 125, or payloads above `maxPayload` (never buffered whole).
 */
export function parseWsFrameHeader(buf: Buffer, pos: number, end: number, maxPayload: number): WsFrameParse {
  if (end - pos < 2) return 'need_more';
  const b0 = buf[pos] ?? 0;
  const b1 = buf[pos + 1] ?? 0;
  const fin = (b0 & 0x80) !== 0;
  // No extension is negotiated for SIP (permessage-deflate would set RSV1): reject instead of guessing.
  if ((b0 & 0x70) !== 0) return 'invalid';
  const opcode = b0 & 0x0f;
  const control = opcode >= 8;
  if ((opcode > 2 && opcode < 8) || opcode > 10) return 'invalid';
  const masked = (b1 & 0x80) !== 0;
  let len = b1 & 0x7f;
  let off = pos + 2;
  if (control && (!fin || len > 125)) return 'invalid';
  if (len === 126) {
    if (end - off < 2) return 'need_more';
    len = buf.readUInt16BE(off);
    off += 2;
  } else if (len === 127) {
    if (end - off < 8) return 'need_more';
    const hi = buf.readUInt32BE(off);
    const lo = buf.readUInt32BE(off + 4);
    if (hi !== 0) return 'invalid';
    len = lo;
    off += 8;
  }
  if (len > maxPayload) return 'invalid';
  const maskOffset = off;
  if (masked) off += 4;
  if (off > end) return 'need_more';
  return { fin, opcode, masked, maskOffset, payloadOffset: off, payloadLength: len };
}

/** Copy the payload of `h` out of `buf` into `dst` at `at`, unmasking client frames. */
export function copyUnmasked(buf: Buffer, h: WsFrameHeader, dst: Buffer, at: number): void {
  const n = h.payloadLength;
  buf.copy(dst, at, h.payloadOffset, h.payloadOffset + n);
  if (!h.masked) return;
  const m0 = buf[h.maskOffset] ?? 0;
  const m1 = buf[h.maskOffset + 1] ?? 0;
  const m2 = buf[h.maskOffset + 2] ?? 0;
  const m3 = buf[h.maskOffset + 3] ?? 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    dst[at + i] = (dst[at + i] ?? 0) ^ m0;
    dst[at + i + 1] = (dst[at + i + 1] ?? 0) ^ m1;
    dst[at + i + 2] = (dst[at + i + 2] ?? 0) ^ m2;
    dst[at + i + 3] = (dst[at + i + 3] ?? 0) ^ m3;
  }
  const mask = [m0, m1, m2, m3];
  for (; i < n; i++) dst[at + i] = (dst[at + i] ?? 0) ^ (mask[i & 3] ?? 0);
}

/**
 * Per-direction frame decoder: consumes frames from an ordered byte view and yields whole data
 * messages (continuations joined). Bounded: a message above `maxMessage` is an error.
 */
export class WsMessageDecoder {
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private inMessage = false;
  closed = false;

  constructor(private readonly maxMessage: number) {}

  /**
   * Decode frames in [pos, end). Calls `onMessage` for each complete data message (owned bytes).
   * Returns bytes consumed, or -1 on a protocol error (the direction cannot be resynchronised).
   */
  decode(buf: Buffer, pos: number, end: number, onMessage: (data: Buffer) => void): number {
    const start = pos;
    while (!this.closed && pos < end) {
      const h = parseWsFrameHeader(buf, pos, end, this.maxMessage);
      if (h === 'need_more') break;
      if (h === 'invalid') return -1;
      const frameEnd = h.payloadOffset + h.payloadLength;
      if (frameEnd > end) break;
      pos = frameEnd;
      if (h.opcode >= 8) {
        // Ping/pong carry no SIP; close ends the data in this direction (RFC 6455 §5.5.1).
        if (h.opcode === WsOpcode.CLOSE) this.closed = true;
        continue;
      }
      if (h.opcode === WsOpcode.CONTINUATION ? !this.inMessage : this.inMessage) return -1;
      if (this.partsBytes + h.payloadLength > this.maxMessage) return -1;
      const part = Buffer.allocUnsafe(h.payloadLength);
      copyUnmasked(buf, h, part, 0);
      if (h.fin && !this.inMessage) {
        onMessage(part);
        continue;
      }
      this.parts.push(part);
      this.partsBytes += part.length;
      this.inMessage = true;
      if (h.fin) {
        const whole = Buffer.concat(this.parts, this.partsBytes);
        this.parts = [];
        this.partsBytes = 0;
        this.inMessage = false;
        onMessage(whole);
      }
    }
    return pos - start;
  }

  /** Bytes held in an unfinished fragmented message (for memory accounting). */
  get heldBytes(): number {
    return this.partsBytes;
  }
}
