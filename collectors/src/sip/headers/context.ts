//! What the header readers share while one message is parsed: the message, the fields and
//! anomalies found so far, the limits, the head text and the counts that make the mandatory-header
//! and body checks. One per parser instance, reset for every message (no per-message allocation).

import type { AnomalyCode } from '../../../../schema/src/anomalies';
import type { SipFields } from '../../../../schema/src/sip-event';
import { nextComma, skipLws, trimEnd, unfold } from '../chars';
import { HeadText } from '../head-text';
import { DEFAULT_SIP_LIMITS, type SipLimits } from '../limits';

/** One header field as offsets into the message buffer (value may span folded lines). */
export interface SipHeader {
  /** `H.*` id from header-names.ts; H.OTHER (0) for unknown names. */
  id: number;
  nameStart: number;
  nameEnd: number;
  /** First byte after the colon, and the end of the last (folded) line without CRLF. */
  valueStart: number;
  valueEnd: number;
}

const EMPTY = Buffer.alloc(0);

export class HeaderContext {
  buf: Buffer = EMPTY;
  sip: SipFields = { type: 'request', size: 0 };
  anomalies: AnomalyCode[] = [];
  limits: SipLimits = DEFAULT_SIP_LIMITS;
  readonly head = new HeadText();
  // Occurrences of the headers RFC 3261 §8.1.1 makes mandatory (and that must not repeat).
  via = 0;
  from = 0;
  to = 0;
  callId = 0;
  cseq = 0;
  maxForwards = 0;
  /** -1 absent, -2 present but invalid. */
  contentLength = -1;
  contentType: string | undefined = undefined;
  boundary: string | undefined = undefined;
  /** Element bounds of the last `split`, as [from0, to0, from1, to1, ...] (reused). */
  readonly bounds: number[] = [];

  begin(buf: Buffer, sip: SipFields, anomalies: AnomalyCode[], limits: SipLimits): void {
    this.buf = buf;
    this.sip = sip;
    this.anomalies = anomalies;
    this.limits = limits;
    this.via = 0;
    this.from = 0;
    this.to = 0;
    this.callId = 0;
    this.cseq = 0;
    this.maxForwards = 0;
    this.contentLength = -1;
    this.contentType = undefined;
    this.boundary = undefined;
  }

  /** Forgets the message (nothing of it stays reachable from the parser). */
  end(): void {
    this.buf = EMPTY;
    this.head.clear();
  }

  /** Records an anomaly code once, in order of discovery. */
  anomaly(code: AnomalyCode): void {
    addAnomaly(this.anomalies, code);
  }

  /** Header value text for the event: LWS trimmed, folding collapsed, UTF-8 decoded, capped at n. */
  text(s: number, e: number, n: number): string {
    const b = this.buf;
    const a = skipLws(b, s, e);
    return cap(this.head.text(unfold(this.head.str(a, trimEnd(b, a, e)))), n);
  }

  /**
   * Splits a multi-value header at top-level commas (RFC 3261 §7.3.1) into `bounds`; at most `max`
   * elements (the rest is one last element). Returns the number of elements.
   */
  split(s: number, e: number, max: number): number {
    const b = this.buf;
    const bounds = this.bounds;
    let p = s;
    let n = 0;
    // Each turn moves past one comma, so at most (e - s + 1) turns.
    while (p <= e) {
      const c = n + 1 >= max ? e : nextComma(b, p, e);
      bounds[2 * n] = p;
      bounds[2 * n + 1] = c;
      n++;
      p = c + 1;
    }
    return n;
  }

  /** Start of element k of the last split. */
  elementStart(k: number): number {
    return this.bounds[2 * k] ?? 0;
  }

  /** End of element k of the last split. */
  elementEnd(k: number): number {
    return this.bounds[2 * k + 1] ?? 0;
  }
}

/** Collects anomaly codes once each, in order of discovery. */
export function addAnomaly(list: AnomalyCode[], code: AnomalyCode): void {
  if (!list.includes(code)) list.push(code);
}

export function cap(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) : s;
}
