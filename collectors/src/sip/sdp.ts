//! SDP body summary (RFC 4566): connection and origin addresses, media lines with their codecs,
//! crypto/fingerprint presence. Reads the Buffer by offsets; never throws.

import type { SdpMedia, SipSdp } from '../../../schema/src/sip-event';
import { latin1 } from './chars';

export interface ParsedSdp {
  sdp: SipSdp;
  /** The body did not follow `<type>=<value>` lines starting with v= (RFC 4566 §5). */
  bad: boolean;
}

/** Bounds on what one body can make us allocate. */
const MAX_MEDIA = 16;
const MAX_CODECS = 32;
/** Longest media type, proto, codec name or address kept (real ones are far shorter). */
const MAX_TOKEN = 64;
const MAX_ADDRESS = 256;

function cut(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}

/** Static RTP payload types (RFC 3551 §6, table 4-5) named when no a=rtpmap gives one. */
const STATIC_PT: Readonly<Record<string, string>> = {
  '0': 'PCMU',
  '3': 'GSM',
  '4': 'G723',
  '5': 'DVI4',
  '6': 'DVI4',
  '7': 'LPC',
  '8': 'PCMA',
  '9': 'G722',
  '10': 'L16',
  '11': 'L16',
  '12': 'QCELP',
  '13': 'CN',
  '14': 'MPA',
  '15': 'G728',
  '16': 'DVI4',
  '17': 'DVI4',
  '18': 'G729',
  '25': 'CelB',
  '26': 'JPEG',
  '28': 'nv',
  '31': 'H261',
  '32': 'MPV',
  '33': 'MP2T',
  '34': 'H263',
};

interface MediaDraft {
  media: SdpMedia;
  fmts: string[];
  rtpmap: Map<string, string> | undefined;
}

/** The n-th (0-based) SP-separated field of a latin1 line, or undefined. */
function field(line: string, n: number): string | undefined {
  let s = 0;
  for (let k = 0; k < n; k++) {
    const sp = line.indexOf(' ', s);
    if (sp < 0) return undefined;
    s = sp + 1;
    while (line.charCodeAt(s) === 0x20) s++;
  }
  let e = line.indexOf(' ', s);
  if (e < 0) e = line.length;
  return e > s ? line.slice(s, e) : undefined;
}

/** c= address without the multicast /ttl/count suffix. */
function connectionAddress(value: string): string | undefined {
  const addr = field(value, 2);
  if (addr === undefined) return undefined;
  const slash = addr.indexOf('/');
  return cut(slash < 0 ? addr : addr.slice(0, slash), MAX_ADDRESS);
}

/**
 * session-description = proto-version origin-field session-name-field ... time-fields ...
 *                       *media-descriptions                                 (RFC 4566 §9)
 * Each line is `<type>=<value>` ended by CRLF (LF tolerated, §5).
 * m=<media> <port>[/<number of ports>] <proto> <fmt> ...   c=<nettype> <addrtype> <connection-address>
 * o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
 * a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
 */
export function parseSdp(buf: Buffer, start: number, end: number): ParsedSdp {
  const sdp: SipSdp = { media: [], has_crypto: false };
  const out: ParsedSdp = { sdp, bad: false };
  // One latin1 string for the body; lines and fields are slices of it (one native call instead
  // of one per line: the body was 9% of parse time with per-line decoding).
  const t = latin1(buf, start, end);
  if (t.length < 2 || t.charCodeAt(0) !== 0x76 || t.charCodeAt(1) !== 0x3d) out.bad = true;
  let cur: MediaDraft | undefined;
  const drafts: MediaDraft[] = [];
  let p = 0;
  const n = t.length;
  while (p < n) {
    let le = t.indexOf('\n', p);
    if (le < 0) le = n;
    let lineEnd = le;
    if (lineEnd > p && t.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--;
    if (lineEnd > p) {
      const type = t.charCodeAt(p);
      if (lineEnd - p < 2 || t.charCodeAt(p + 1) !== 0x3d || type < 0x61 || type > 0x7a) {
        out.bad = true;
      } else {
        switch (type) {
          case 0x63: {
            // c=
            const addr = connectionAddress(t.slice(p + 2, lineEnd));
            if (addr === undefined) out.bad = true;
            else if (cur) cur.media.connection_ip = addr;
            else sdp.connection_ip = addr;
            break;
          }
          case 0x6f: {
            // o=
            const addr = field(t.slice(p + 2, lineEnd), 5);
            if (addr === undefined) out.bad = true;
            else sdp.origin_ip = cut(addr, MAX_ADDRESS);
            break;
          }
          case 0x6d: {
            // m=
            cur = undefined;
            const d = mediaLine(t, p + 2, lineEnd);
            if (d === undefined) out.bad = true;
            else if (drafts.length < MAX_MEDIA) {
              cur = d;
              drafts.push(d);
            }
            break;
          }
          case 0x61: {
            // a=: only three attributes matter; compare before making any string.
            if (t.startsWith('rtpmap:', p + 2)) {
              if (cur) rtpmap(t, p + 9, lineEnd, cur);
            } else if (t.startsWith('crypto:', p + 2)) sdp.has_crypto = true;
            else if (t.startsWith('fingerprint:', p + 2)) sdp.has_fingerprint = true;
            break;
          }
          default:
            break;
        }
      }
    }
    p = le + 1;
  }
  for (const d of drafts) {
    if (d.media.connection_ip !== undefined && d.media.connection_ip === sdp.connection_ip)
      delete d.media.connection_ip;
    if (d.fmts.length > 0) {
      const codecs: string[] = [];
      for (const f of d.fmts) codecs.push(d.rtpmap?.get(f) ?? STATIC_PT[f] ?? f);
      d.media.codecs = codecs;
    }
    sdp.media.push(d.media);
  }
  return out;
}

/** m=<media> <port>[/<number of ports>] <proto> <fmt> ...; undefined when malformed. */
function mediaLine(t: string, s: number, e: number): MediaDraft | undefined {
  let sp = t.indexOf(' ', s);
  if (sp < 0 || sp >= e || sp === s) return undefined;
  const media: SdpMedia = { type: cut(t.slice(s, sp), MAX_TOKEN), port: 0 };
  let q = sp + 1;
  let port = 0;
  const ps = q;
  while (q < e) {
    const c = t.charCodeAt(q);
    if (c < 0x30 || c > 0x39) break;
    if (port <= 65535) port = port * 10 + (c - 0x30);
    q++;
  }
  if (q === ps || port > 65535) return undefined;
  media.port = port;
  sp = t.indexOf(' ', q);
  if (sp < 0 || sp >= e) sp = e;
  const fmts: string[] = [];
  const d: MediaDraft = { media, fmts, rtpmap: undefined };
  q = sp + 1;
  if (q >= e) return d;
  sp = t.indexOf(' ', q);
  if (sp < 0 || sp > e) sp = e;
  if (sp > q) media.proto = cut(t.slice(q, sp), MAX_TOKEN);
  q = sp + 1;
  while (q < e && fmts.length < MAX_CODECS) {
    sp = t.indexOf(' ', q);
    if (sp < 0 || sp > e) sp = e;
    if (sp > q) fmts.push(cut(t.slice(q, sp), MAX_TOKEN));
    q = sp + 1;
  }
  return d;
}

/** a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] */
function rtpmap(t: string, s: number, e: number, cur: MediaDraft): void {
  const sp = t.indexOf(' ', s);
  if (sp <= s || sp >= e) return;
  let slash = t.indexOf('/', sp);
  if (slash < 0 || slash > e) slash = e;
  const name = t.slice(sp + 1, slash).trim();
  if (name) (cur.rtpmap ??= new Map()).set(t.slice(s, sp), cut(name, MAX_TOKEN));
}
