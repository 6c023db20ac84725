//! Minimal SIP message framing for stream transports (RFC 3261 §18.3): where a message ends in a
//! byte stream, and where the next one starts after a gap. Shares the parser's method table.

import { KNOWN_METHODS as SIP_METHODS } from '../sip/start-line';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/** A request or status line longer than this is not treated as a SIP start line. */
export const MAX_START_LINE_BYTES = 8192;

export type SipFrame =
  /** A whole message: start line, headers and `Content-Length` bytes of body. */
  | { kind: 'message'; length: number; headerLength: number }
  /**
   * Headers complete but no usable Content-Length (absent or not a number). RFC 3261 §18.3 makes
   * it mandatory on streams, so the only safe cut is after the headers.
   */
  | { kind: 'missing_content_length'; length: number; headerLength: number }
  /**
   * Not all there yet. `length` is the total once the headers are complete (-1 before); pass
   * `scannedTo` back as `resumeFrom` so a long partial header block is not rescanned.
   */
  | { kind: 'need_more'; scannedTo: number; length: number }
  /** No end of headers within the header budget: not a frameable message. */
  | { kind: 'invalid' };

const NEED_MORE_CACHE: { kind: 'need_more'; scannedTo: number; length: number } = {
  kind: 'need_more',
  scannedTo: 0,
  length: -1,
};
const INVALID: SipFrame = { kind: 'invalid' };

/**
 * Offset just past the empty line that ends the headers (CRLFCRLF, or LFLF from sloppy stacks;
 * mixed LF CRLF too), or -1. `from` lets a caller resume a scan without rereading bytes.
 */
export function findHeaderEnd(buf: Buffer, start: number, end: number, from = start): number {
  // A byte loop, not Buffer#indexOf per line: the native call costs ~100 ns each (measured on
  // Node 20 here), more than scanning a typical 40-byte header line in JS.
  for (let i = from > start ? from : start; i < end; i++) {
    if (buf[i] !== LF) continue;
    const c = buf[i + 1];
    if (c === LF && i + 1 < end) return i + 2;
    if (c === CR && i + 2 < end && buf[i + 2] === LF) return i + 3;
  }
  return -1;
}

/**
 * Frame one message that starts at `start`; `message` and `missing_content_length` are complete in
 * [start, end). `resumeFrom` (an earlier `need_more.scannedTo`) keeps one-byte segments linear.
 * The returned `need_more` object is shared: read it before the next call.
 */
export function frameSipMessage(
  buf: Buffer,
  start: number,
  end: number,
  maxHeaderBytes: number,
  resumeFrom = start,
): SipFrame {
  // A fresh message (the common case: it came whole) is scanned once for both its header end and
  // its Content-Length; a resumed one has its early lines behind it and reads the length apart.
  const fresh = resumeFrom <= start;
  const headerEnd = fresh ? scanHead(buf, start, end) : findHeaderEnd(buf, start, end, resumeFrom - 3);
  if (headerEnd < 0) {
    if (end - start > maxHeaderBytes) return INVALID;
    NEED_MORE_CACHE.scannedTo = end;
    NEED_MORE_CACHE.length = -1;
    return NEED_MORE_CACHE;
  }
  const headerLength = headerEnd - start;
  if (headerLength > maxHeaderBytes) return INVALID;
  const cl = fresh ? headContentLength : readContentLength(buf, start, headerEnd);
  if (cl < 0) return { kind: 'missing_content_length', length: headerLength, headerLength };
  const length = headerLength + cl;
  if (start + length > end) {
    NEED_MORE_CACHE.scannedTo = headerEnd;
    NEED_MORE_CACHE.length = length;
    return NEED_MORE_CACHE;
  }
  return { kind: 'message', length, headerLength };
}

/** The Content-Length the last scanHead found (as readContentLength would read it). */
let headContentLength = -1;

/**
 * findHeaderEnd(buf, start, end) and, in the same pass, readContentLength of those headers into
 * headContentLength: the first Content-Length line decides, and it always ends before the empty line.
 */
function scanHead(buf: Buffer, start: number, end: number): number {
  let length = NOT_CONTENT_LENGTH;
  for (let i = start; i < end; i++) {
    if (buf[i] !== LF) continue;
    const c = buf[i + 1];
    if (c === LF && i + 1 < end) {
      headContentLength = length === NOT_CONTENT_LENGTH ? -1 : length;
      return i + 2;
    }
    if (c === CR && i + 2 < end && buf[i + 2] === LF) {
      headContentLength = length === NOT_CONTENT_LENGTH ? -1 : length;
      return i + 3;
    }
    if (length === NOT_CONTENT_LENGTH && i + 1 < end) length = contentLengthAt(buf, i + 1, end);
  }
  return -1;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');

/**
 * Value of the first Content-Length (or compact `l`, RFC 3261 §7.3.3) header at a line start in
 * [start, headerEnd), or -1 when absent or not a plain decimal (the stream cannot trust it).
 */
export function readContentLength(buf: Buffer, start: number, headerEnd: number): number {
  for (let p = start; p < headerEnd; p++) {
    if (buf[p] !== LF) continue;
    if (p + 1 >= headerEnd) return -1;
    const value = contentLengthAt(buf, p + 1, headerEnd);
    if (value !== NOT_CONTENT_LENGTH) return value;
  }
  return -1;
}

/** contentLengthAt: the line is some other header. */
const NOT_CONTENT_LENGTH = -2;

/** The line at `i` as a Content-Length header: its value, -1 when unusable, or NOT_CONTENT_LENGTH. */
function contentLengthAt(buf: Buffer, i: number, limit: number): number {
  let nameEnd = -1;
  const c0 = lower(buf[i] ?? 0);
  if (c0 === 0x6c /* l */) {
    nameEnd = i + 1;
  } else if (c0 === 0x63 /* c */ && i + CONTENT_LENGTH.length <= limit) {
    let k = 1;
    while (k < CONTENT_LENGTH.length && lower(buf[i + k] ?? 0) === CONTENT_LENGTH[k]) k++;
    if (k === CONTENT_LENGTH.length) nameEnd = i + k;
  }
  if (nameEnd < 0) return NOT_CONTENT_LENGTH;
  i = nameEnd;
  while (i < limit && (buf[i] === SP || buf[i] === HT)) i++;
  return buf[i] === COLON ? parseLengthValue(buf, i + 1, limit) : NOT_CONTENT_LENGTH;
}

function parseLengthValue(buf: Buffer, i: number, end: number): number {
  while (i < end && (buf[i] === SP || buf[i] === HT)) i++;
  let value = 0;
  let digits = 0;
  while (i < end) {
    const c = buf[i] ?? 0;
    if (c < 0x30 || c > 0x39) break;
    // Nine digits is already far past any frameable message; more would lose integer precision.
    if (++digits > 9) return -1;
    value = value * 10 + (c - 0x30);
    i++;
  }
  if (digits === 0) return -1;
  while (i < end && (buf[i] === SP || buf[i] === HT || buf[i] === CR)) i++;
  return i < end && buf[i] === LF ? value : -1;
}

/** RFC 3261 §25.1 token characters, which is what a method name is. */
const TOKEN = new Uint8Array(256);
for (const c of "-.!%*_+`'~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

const SIP_VERSION = Buffer.from('SIP/2.0', 'latin1');

export const START_LINE_NO = 0;
export const START_LINE_YES = 1;
export const START_LINE_NEED_MORE = -1;
export type StartLineVerdict = typeof START_LINE_NO | typeof START_LINE_YES | typeof START_LINE_NEED_MORE;

/**
 * Does a plausible SIP start line begin at `pos`? Request: `<token> sip:|sips:|tel:... SIP/2.0`
 * at the line end; status: `SIP/2.0 <3 digits> `. NEED_MORE when the bytes so far fit but the
 * line is not complete yet. Scans at most one line.
 */
export function isSipStartLine(buf: Buffer, pos: number, end: number): StartLineVerdict {
  if (pos >= end) return START_LINE_NEED_MORE;
  // Status line: decided within its first 13 bytes.
  if (buf[pos] === 0x53 /* S */) {
    let k = 0;
    while (k < 12 && pos + k < end) {
      const c = buf[pos + k] ?? 0;
      const ok =
        k < 7
          ? c === SIP_VERSION[k]
          : k === 7
            ? c === SP
            : k < 11
              ? c >= 0x30 && c <= 0x39
              : c === SP || c === CR || c === LF;
      if (!ok) break;
      k++;
    }
    if (k === 12) return START_LINE_YES;
    if (pos + k >= end) return START_LINE_NEED_MORE;
    // "SIP..." can still be a request whose method is a token starting with S: fall through.
  }
  let i = pos;
  const methodLimit = Math.min(end, pos + 32);
  while (i < methodLimit && TOKEN[buf[i] ?? 0] === 1) i++;
  if (i === pos) return START_LINE_NO;
  if (i >= end) return START_LINE_NEED_MORE;
  if (buf[i] !== SP) return START_LINE_NO;
  i++;
  const scheme = matchScheme(buf, i, end);
  if (scheme === 0) return START_LINE_NO;
  if (scheme < 0) return START_LINE_NEED_MORE;
  const lineLimit = Math.min(end, pos + MAX_START_LINE_BYTES);
  const lf = buf.indexOf(LF, i);
  if (lf < 0 || lf >= lineLimit) return end - pos >= MAX_START_LINE_BYTES ? START_LINE_NO : START_LINE_NEED_MORE;
  let e = lf;
  if (e > i && buf[e - 1] === CR) e--;
  const v = e - SIP_VERSION.length;
  if (v - 1 < i || buf[v - 1] !== SP) return START_LINE_NO;
  for (let k = 0; k < SIP_VERSION.length; k++) if (buf[v + k] !== SIP_VERSION[k]) return START_LINE_NO;
  return START_LINE_YES;
}

const SCHEMES = [Buffer.from('sip:'), Buffer.from('sips:'), Buffer.from('tel:')];

/** 1 when a URI scheme SIP uses starts at i, 0 when none can, -1 when the bytes run out first. */
function matchScheme(buf: Buffer, i: number, end: number): number {
  let short = false;
  for (const s of SCHEMES) {
    let k = 0;
    while (k < s.length && i + k < end && lower(buf[i + k] ?? 0) === s[k]) k++;
    if (k === s.length) return 1;
    if (i + k >= end) short = true;
  }
  return short ? -1 : 0;
}

/** The parser's method table (sip/start-line.ts): one grammar for parsing and for resync. */
const KNOWN_METHODS: ReadonlySet<string> = new Set(SIP_METHODS);

/**
 * Like isSipStartLine, but a request must use a well-known method. For a position that may sit
 * inside a line (stream picked up mid-way, bytes after a gap): "VITE sip:b SIP/2.0" is the tail
 * of an INVITE line, not a message.
 */
export function isStrictSipStartLine(buf: Buffer, pos: number, end: number): StartLineVerdict {
  const v = isSipStartLine(buf, pos, end);
  if (
    v !== START_LINE_YES ||
    (buf[pos] === 0x53 /* S */ && buf[pos + 1] === 0x49 && buf[pos + 2] === 0x50 && buf[pos + 3] === 0x2f)
  ) {
    return v;
  }
  const sp = buf.indexOf(SP, pos);
  return sp > pos && KNOWN_METHODS.has(buf.toString('latin1', pos, sp)) ? START_LINE_YES : START_LINE_NO;
}

/**
 * Offset of the next line, at or after `from`, that is a SIP start line; -1 if none is complete in
 * [from, end). `from` itself is a candidate (after a TCP gap the stream resumes at an arbitrary
 * segment boundary, often a message start). `strict` holds every candidate to
 * isStrictSipStartLine: after a loss, a body line such as "%INVITE sip:..." must not pass.
 * Linear: each line is looked at once.
 */
export function findSipStart(buf: Buffer, from: number, end = buf.length, strict = false): number {
  let c = from;
  while (c < end) {
    const v = strict ? isStrictSipStartLine(buf, c, end) : isSipStartLine(buf, c, end);
    if (v === START_LINE_YES) return c;
    const lf = buf.indexOf(LF, c);
    if (lf < 0 || lf >= end) return -1;
    c = lf + 1;
  }
  return -1;
}

/** Offset of the last line start in [from, end): where a resync scan must keep bytes from. */
export function lastLineStart(buf: Buffer, from: number, end: number): number {
  if (end <= from) return from;
  const lf = buf.lastIndexOf(LF, end - 1);
  return lf < from ? from : lf + 1;
}
