//! Per-Call-ID INVITE dialog state behind the `dialog.*` enrichment fields (enrichment contract
//! "dialog.*"): start/answer/end, who the parties are, and whether an SDP moved the media elsewhere.
//! The enrichment view of the INVITE state machine in invite-dialog.ts (phases and transitions).
//! Keyed by Call-ID only: forked early dialogs share one entry (the first final response decides).
//! A 401/407 to the initial INVITE is no end: the dialog stays early, marked challenged, and the
//! authenticated retry (same From tag, higher CSeq) continues it, like the call records do. A
//! challenged dialog never retried expires silently as unanswered (no `end`: no event carries it).
//! A BYE/CANCEL from a non-party gets `from_party: false` but ends nothing: only a party's does.
//! Bounded: at most `maxDialogs` entries, expired by event time (unanswered idle 180 s, answered
//! idle 4 h, ended ones linger 32 s so the 200 to BYE and late resends still belong).
import type { SipEvent } from '../../../schema/src/sip-event';
import {
  ANSWERED_TTL_MS,
  DEFAULT_MAX_DIALOGS,
  TERMINATED_LINGER_MS,
  UNANSWERED_TTL_MS,
  dialogState,
  isInitialInvite,
  isRetryCSeq,
  nextPhase,
  responseStep,
  type InvitePhase,
  type InviteStep,
} from './invite-dialog';

/** The `dialog.*` fields a predicate can read. Reused per event; undefined = absent. */
export interface DialogInfo {
  known?: true;
  initial?: true;
  state?: 'early' | 'confirmed' | 'terminated';
  event?: 'start' | 'answer' | 'end';
  answered?: boolean;
  duration_s?: number;
  ring_s?: number;
  caller_ip?: string;
  callee_ip?: string;
  caller_user?: string;
  callee_user?: string;
  account?: string;
  from_party?: boolean;
  media_changed?: true;
  media_prev_ip?: string;
  age_s?: number;
}

/** Known hop addresses kept per dialog; a real path has a handful (UAs, proxies, NAT). */
export const MAX_HOPS = 16;
/** SDP addresses remembered per side: one per leg of a media-anchoring proxy is plenty. */
const MAX_MEDIA_PER_SIDE = 4;
/** Expired entries removed per list per observe: bounded work, still outpaces creation. */
const EXPIRE_PER_CALL = 4;

/** In-dialog requests that get `from_party` (an INVITE only when it carries a To-tag). */
const IN_DIALOG_METHODS: ReadonlySet<string> = new Set([
  'BYE',
  'CANCEL',
  'ACK',
  'INVITE',
  'UPDATE',
  'REFER',
  'INFO',
  'NOTIFY',
  'PRACK',
  'MESSAGE',
]);

/** The empty list every dialog starts with (lists are replaced, never mutated). */
const NONE: readonly string[] = Object.freeze([]);

/** Expiry lists, one per time-to-live: unanswered (early or challenged), confirmed, terminated. */
type ListIndex = 0 | 1 | 2;
function listOf(phase: InvitePhase): ListIndex {
  return phase === 'confirmed' ? 1 : phase === 'terminated' ? 2 : 0;
}

interface Dialog {
  callId: string;
  phase: InvitePhase;
  inviteMs: number;
  /** CSeq of the initial transaction; the authenticated retry after a challenge takes it over. */
  inviteSeq: number | undefined;
  callerTag: string | undefined;
  answerMs: number | undefined;
  endMs: number | undefined;
  /** Last activity (early/confirmed) or end time (terminated): the expiry clock. */
  touchMs: number;
  callerIp: string;
  calleeIp: string | undefined;
  callerUser: string | undefined;
  calleeUser: string | undefined;
  authUser: string | undefined;
  /**
   * Every address seen as a hop of the dialog (bounded by MAX_HOPS). These lists are replaced, not
   * pushed to: a push grows an array to 17 slots, and a dialog holds four lists of a few addresses.
   */
  hops: readonly string[];
  /** Caller-side hops only (initial INVITE legs): who may CANCEL. */
  callerHops: readonly string[];
  callerMedia: readonly string[];
  calleeMedia: readonly string[];
  /** Intrusive links of the expiry list for `phase`. */
  prev: Dialog | undefined;
  next: Dialog | undefined;
}

/** One expiry list per TTL: its head is the next to expire. */
interface List {
  head: Dialog | undefined;
  tail: Dialog | undefined;
}

export function emptyDialogInfo(): DialogInfo {
  return {};
}

/** Clears `out` to "not a dialog event" without allocating (fields stay, as undefined: same shape). */
export function resetDialogInfo(out: DialogInfo): void {
  out.known = undefined;
  out.initial = undefined;
  out.state = undefined;
  out.event = undefined;
  out.answered = undefined;
  out.duration_s = undefined;
  out.ring_s = undefined;
  out.caller_ip = undefined;
  out.callee_ip = undefined;
  out.caller_user = undefined;
  out.callee_user = undefined;
  out.account = undefined;
  out.from_party = undefined;
  out.media_changed = undefined;
  out.media_prev_ip = undefined;
  out.age_s = undefined;
}

export interface DialogTableOptions {
  unansweredTtlMs?: number;
  answeredTtlMs?: number;
  terminatedLingerMs?: number;
}

export class DialogTable {
  private readonly map = new Map<string, Dialog>();
  private readonly lists: [List, List, List] = [
    { head: undefined, tail: undefined },
    { head: undefined, tail: undefined },
    { head: undefined, tail: undefined },
  ];
  private readonly ttl: [number, number, number];
  private evicted = 0;
  private expiredCount = 0;

  constructor(
    readonly maxDialogs = DEFAULT_MAX_DIALOGS,
    opts: DialogTableOptions = {},
  ) {
    if (!(maxDialogs >= 1)) throw new RangeError('maxDialogs must be ≥ 1');
    this.ttl = [
      opts.unansweredTtlMs ?? UNANSWERED_TTL_MS,
      opts.answeredTtlMs ?? ANSWERED_TTL_MS,
      opts.terminatedLingerMs ?? TERMINATED_LINGER_MS,
    ];
  }

  get size(): number {
    return this.map.size;
  }

  /** Dialogs dropped because the table was full (not because they expired). */
  get evictions(): number {
    return this.evicted;
  }

  /** Dialogs dropped by event-time expiry. */
  get expired(): number {
    return this.expiredCount;
  }

  /**
   * Records `event` at event time `nowMs` and writes its `dialog.*` fields into `out`.
   * `retransmission` is the transaction table's verdict: a resent INVITE/BYE must not start/end twice.
   */
  observe(event: SipEvent, nowMs: number, retransmission: boolean, out: DialogInfo): void {
    resetDialogInfo(out);
    this.expireHeads(nowMs);
    const sip = event.sip;
    const callId = sip.call_id;
    if (callId === undefined) return;
    // Fast path: REGISTER/OPTIONS/... with a Call-ID of no dialog cost this one lookup.
    let d = this.map.get(callId);
    if (d !== undefined && nowMs - d.touchMs >= this.ttl[listOf(d.phase)]) {
      this.remove(d);
      this.expiredCount++;
      d = undefined;
    }
    const isRequest = sip.type === 'request';
    const initialInvite = isInitialInvite(sip) && !retransmission;
    if (initialInvite && (d === undefined || d.phase === 'terminated')) {
      // A fresh INVITE on an ended Call-ID (e.g. a new attempt after a 486 or 403) starts a new dialog.
      if (d !== undefined) this.remove(d);
      d = this.create(event, callId, nowMs);
      this.checkMedia(d, event, out);
      out.initial = true;
      out.event = 'start';
      this.fill(d, nowMs, out);
      return;
    }
    if (d === undefined) return;
    if (d.phase !== 'terminated') {
      d.touchMs = nowMs;
      this.moveToTail(d);
    }
    if (initialInvite && isAuthRetry(d, event)) {
      // The retry after a 401/407 is the same call: its transaction becomes the initial one (its 200
      // answers, its 486 ends), set before the media check so its SDP counts as call setup.
      this.step(d, 'retry', nowMs, out);
      d.inviteSeq = sip.cseq?.seq;
      if (sip.auth?.username !== undefined) d.authUser = sip.auth.username;
    }
    // Media first: a message must not vouch for its own SDP address through the hops it teaches.
    this.checkMedia(d, event, out);
    if (isRequest) this.onRequest(d, event, nowMs, out);
    else this.onResponse(d, event, nowMs, out);
    this.fill(d, nowMs, out);
  }

  clear(): void {
    this.map.clear();
    for (const l of this.lists) {
      l.head = undefined;
      l.tail = undefined;
    }
  }

  private create(event: SipEvent, callId: string, nowMs: number): Dialog {
    if (this.map.size >= this.maxDialogs) this.evictOne();
    const sip = event.sip;
    const d: Dialog = {
      callId,
      phase: 'early',
      inviteMs: nowMs,
      inviteSeq: sip.cseq?.seq,
      callerTag: sip.from?.tag,
      answerMs: undefined,
      endMs: undefined,
      touchMs: nowMs,
      callerIp: event.source.ip,
      calleeIp: undefined,
      callerUser: sip.from?.user,
      calleeUser: sip.request_uri_user,
      authUser: sip.auth?.username,
      hops: NONE,
      callerHops: NONE,
      callerMedia: NONE,
      calleeMedia: NONE,
      prev: undefined,
      next: undefined,
    };
    learnHops(d, event, true);
    this.map.set(callId, d);
    this.append(d);
    return d;
  }

  private onRequest(d: Dialog, event: SipEvent, nowMs: number, out: DialogInfo): void {
    const sip = event.sip;
    const method = sip.method ?? '';
    const src = event.source.ip;
    if (isInitialInvite(sip)) {
      // Another leg of the initial INVITE (a proxy relaying it) or its resend. Learn the relay only
      // when it carries a hop already known (the caller's Via stays below the proxy's): a stranger
      // guessing the Call-ID must not become a party this way.
      if (d.phase !== 'terminated' && (includes(d.hops, src) || viaHasKnownHop(d, event))) {
        learnHops(d, event, true);
        if (sip.auth?.username !== undefined) d.authUser = sip.auth.username;
      }
      return;
    }
    if (!IN_DIALOG_METHODS.has(method)) return;
    const party = method === 'CANCEL' ? includes(d.callerHops, src) : includes(d.hops, src);
    out.from_party = party;
    // Only parties teach new hops; otherwise a forged request would vouch for its sender next time.
    if (party) {
      learnHops(d, event, false);
      if (method === 'INVITE' && sip.auth?.username !== undefined) d.authUser = sip.auth.username;
    }
    // A stranger's BYE/CANCEL (a forged teardown) is flagged above but ends nothing; one `end` per
    // dialog: resent or late BYE/CANCEL change nothing either, nor does a CANCEL after the answer.
    if (!party) return;
    if (method === 'BYE') this.step(d, 'bye', nowMs, out);
    else if (method === 'CANCEL') this.step(d, 'cancel', nowMs, out);
  }

  private onResponse(d: Dialog, event: SipEvent, nowMs: number, out: DialogInfo): void {
    const sip = event.sip;
    const cseq = sip.cseq;
    const toInitial = cseq?.method === 'INVITE' && inInitialTransaction(d, event);
    // Answers to the initial INVITE introduce the callee and proxies; later ones teach only when sent
    // by a known hop, so a forged response cannot make its sender a party.
    if (toInitial || includes(d.hops, event.source.ip)) learnHops(d, event, false);
    if (!toInitial) return;
    const step = responseStep(sip.status_code);
    // Responses to the initial INVITE: the first one with a To-tag names the callee. A challenger
    // (often a proxy) is not the callee: the one answering the authenticated retry is.
    if (d.calleeIp === undefined && sip.to?.tag !== undefined && step !== 'challenge') d.calleeIp = event.source.ip;
    this.step(d, step, nowMs, out);
  }

  /**
   * Applies one step of the state machine; the moves into `confirmed` and `terminated` are the
   * dialog's single `answer` and `end` events (a party's BYE or CANCEL before answer, a final
   * ≥300 but 401/407). Steps that do nothing in the current phase leave it as it is.
   */
  private step(d: Dialog, step: InviteStep | undefined, nowMs: number, out: DialogInfo): void {
    const next = nextPhase(d.phase, step);
    if (next === undefined) return;
    if (next === 'confirmed') {
      d.answerMs = nowMs;
      out.event = 'answer';
    } else if (next === 'terminated') {
      d.endMs = nowMs;
      out.event = 'end';
      if (d.answerMs !== undefined) out.duration_s = seconds(nowMs - d.answerMs);
      else out.ring_s = seconds(nowMs - d.inviteMs);
      d.touchMs = nowMs; // the linger counts from the end and is not extended by later messages
    }
    this.setPhase(d, next);
  }

  /**
   * Flags an SDP whose address is new for the side that sent it: not one it offered before (on any
   * leg), not a hop of the dialog (a UA or proxy anchoring its own media), not the other side's.
   * The initial INVITE transaction only records: its legs may legitimately differ through a
   * media-anchoring proxy, and redirects that matter come later (re-INVITE, UPDATE).
   */
  private checkMedia(d: Dialog, event: SipEvent, out: DialogInfo): void {
    const sdp = event.sip.sdp;
    if (sdp === undefined) return;
    const sip = event.sip;
    const callerSide = sentByCaller(d, event);
    let own = callerSide ? d.callerMedia : d.calleeMedia;
    const other = callerSide ? d.calleeMedia : d.callerMedia;
    const cseqMethod = sip.cseq?.method ?? sip.method;
    const setup = (cseqMethod === 'INVITE' || cseqMethod === 'ACK') && inInitialTransaction(d, event);
    const prev = own.length > 0 ? own[own.length - 1] : undefined;
    let changed = false;
    const consider = (ip: string | undefined): void => {
      if (ip === undefined || isHoldAddress(ip) || includes(own, ip)) return;
      if (!setup && prev !== undefined && !includes(d.hops, ip) && !includes(other, ip)) changed = true;
      own = remembered(own, ip);
    };
    consider(sdp.connection_ip);
    for (const m of sdp.media) consider(m.connection_ip);
    if (callerSide) d.callerMedia = own;
    else d.calleeMedia = own;
    if (changed && prev !== undefined) {
      out.media_changed = true;
      out.media_prev_ip = prev;
    }
  }

  private fill(d: Dialog, nowMs: number, out: DialogInfo): void {
    out.known = true;
    out.state = dialogState(d.phase);
    out.answered = d.answerMs !== undefined;
    out.caller_ip = d.callerIp;
    out.callee_ip = d.calleeIp;
    out.caller_user = d.callerUser;
    out.callee_user = d.calleeUser;
    out.account = d.authUser ?? d.callerUser;
    out.age_s = seconds(nowMs - d.inviteMs);
  }

  /** Drops expired dialogs at the heads of the three lists; O(1) amortised per observe. */
  private expireHeads(nowMs: number): void {
    this.expireList(this.lists[0], this.ttl[0], nowMs);
    this.expireList(this.lists[1], this.ttl[1], nowMs);
    this.expireList(this.lists[2], this.ttl[2], nowMs);
  }

  private expireList(list: List, ttl: number, nowMs: number): void {
    for (let i = 0; i < EXPIRE_PER_CALL; i++) {
      const h = list.head;
      if (h === undefined || nowMs - h.touchMs < ttl) return;
      this.remove(h);
      this.expiredCount++;
    }
  }

  /** Full table: drop an ended dialog first (it would go within the linger anyway), else the least recently active. */
  private evictOne(): void {
    const [early, confirmed, ended] = this.lists;
    let victim = ended.head;
    if (victim === undefined) {
      const a = early.head;
      const b = confirmed.head;
      victim = a === undefined ? b : b === undefined || a.touchMs <= b.touchMs ? a : b;
    }
    if (victim === undefined) return;
    this.remove(victim);
    this.evicted++;
  }

  private setPhase(d: Dialog, phase: InvitePhase): void {
    this.unlink(d);
    d.phase = phase;
    this.append(d);
  }

  private remove(d: Dialog): void {
    this.unlink(d);
    this.map.delete(d.callId);
  }

  private append(d: Dialog): void {
    const list = this.lists[listOf(d.phase)];
    d.prev = list.tail;
    d.next = undefined;
    if (list.tail !== undefined) list.tail.next = d;
    else list.head = d;
    list.tail = d;
  }

  private unlink(d: Dialog): void {
    const list = this.lists[listOf(d.phase)];
    if (d.prev !== undefined) d.prev.next = d.next;
    else list.head = d.next;
    if (d.next !== undefined) d.next.prev = d.prev;
    else list.tail = d.prev;
    d.prev = undefined;
    d.next = undefined;
  }

  private moveToTail(d: Dialog): void {
    if (this.lists[listOf(d.phase)].tail === d) return;
    this.unlink(d);
    this.append(d);
  }
}

/**
 * The initial INVITE's CSeq number, in the caller's CSeq space: the callee numbers its own requests
 * independently, so its re-INVITE may carry the same number.
 */
function inInitialTransaction(d: Dialog, event: SipEvent): boolean {
  const sip = event.sip;
  if (sip.cseq?.seq !== d.inviteSeq) return false;
  const fromTag = sip.from?.tag;
  return d.callerTag === undefined || fromTag === undefined || fromTag === d.callerTag;
}

/**
 * Caller side = requests with the caller's From tag and responses to them (correct through proxies,
 * where the relayed INVITE comes from the proxy's address); without tags, source.ip = caller_ip.
 */
function sentByCaller(d: Dialog, event: SipEvent): boolean {
  const fromTag = event.sip.from?.tag;
  if (d.callerTag !== undefined && fromTag !== undefined) {
    return (event.sip.type === 'request') === (fromTag === d.callerTag);
  }
  return event.source.ip === d.callerIp;
}

function learnHops(d: Dialog, event: SipEvent, callerSide: boolean): void {
  const sip = event.sip;
  addHop(d, event.source.ip, callerSide);
  if (sip.via !== undefined) {
    for (const v of sip.via) {
      if (v.host !== undefined) addHop(d, stripBrackets(v.host), callerSide);
      if (v.received !== undefined) addHop(d, stripBrackets(v.received), callerSide);
    }
  }
  if (sip.contact !== undefined) {
    for (const c of sip.contact) if (c.host !== undefined) addHop(d, stripBrackets(c.host), callerSide);
  }
  if (sip.record_route !== undefined) {
    for (const value of sip.record_route) for (const h of routeHosts(value)) addHop(d, h, callerSide);
  }
}

/**
 * The INVITE answering a 401/407: same caller (From tag), a higher CSeq, sent by a caller-side hop
 * or relayed over one, so a stranger who learnt the Call-ID cannot take the dialog (or its account).
 */
function isAuthRetry(d: Dialog, event: SipEvent): boolean {
  const sip = event.sip;
  const seq = sip.cseq?.seq;
  if (d.phase !== 'challenged' || !isRetryCSeq(d.inviteSeq, seq) || sip.from?.tag !== d.callerTag) return false;
  return includes(d.callerHops, event.source.ip) || viaHasKnownHop(d, event);
}

function viaHasKnownHop(d: Dialog, event: SipEvent): boolean {
  const via = event.sip.via;
  if (via === undefined) return false;
  for (const v of via) {
    if (v.host !== undefined && includes(d.callerHops, stripBrackets(v.host))) return true;
    if (v.received !== undefined && includes(d.callerHops, stripBrackets(v.received))) return true;
  }
  return false;
}

function addHop(d: Dialog, host: string, callerSide: boolean): void {
  if (host === '') return;
  if (d.hops.length < MAX_HOPS && !includes(d.hops, host)) d.hops = d.hops.concat(host);
  if (callerSide && d.callerHops.length < MAX_HOPS && !includes(d.callerHops, host))
    d.callerHops = d.callerHops.concat(host);
}

/** `list` with `ip` last, keeping the most recent MAX_MEDIA_PER_SIDE addresses. */
function remembered(list: readonly string[], ip: string): readonly string[] {
  const kept = list.length >= MAX_MEDIA_PER_SIDE ? list.slice(1) : list;
  return kept.concat(ip);
}

/** A short array scan beats a Set at these sizes (≤ 16) and allocates nothing. */
function includes(list: readonly string[], value: string): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === value) return true;
  return false;
}

/** c=0.0.0.0 (RFC 2543 hold) and its IPv6 twin say "stop sending", not "send elsewhere". */
function isHoldAddress(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

function stripBrackets(host: string): string {
  return host.length > 1 && host.charCodeAt(0) === 91 && host.charCodeAt(host.length - 1) === 93
    ? host.slice(1, -1)
    : host;
}

/** Seconds with µs precision (event times are ms with a µs fraction; strip float noise). */
function seconds(ms: number): number {
  return Math.round(ms * 1000) / 1_000_000;
}

/**
 * Hosts of one raw Record-Route (or Route) header value: `<sip:host;lr>`, `<sips:user@[v6]:5061;lr>`,
 * several comma-separated entries, with or without angle brackets (RFC 3261 §20.30, §25.1 name-addr).
 */
export function routeHosts(value: string): string[] {
  const hosts: string[] = [];
  value = value.toLowerCase(); // scheme and host are case-insensitive (RFC 3261 §19.1.4)
  let i = 0;
  const n = value.length;
  while (i < n) {
    const at = value.indexOf('sip', i);
    if (at < 0) break;
    let p = at + 3;
    if (value.charCodeAt(p) === 115 /* s */) p++;
    if (value.charCodeAt(p) !== 58 /* : */) {
      i = at + 3;
      continue;
    }
    p++;
    // Skip userinfo when an '@' comes before the end of this URI.
    let end = p;
    while (end < n && !isUriEnd(value.charCodeAt(end))) end++;
    const userEnd = value.indexOf('@', p);
    if (userEnd >= 0 && userEnd < end) p = userEnd + 1;
    let host: string;
    if (value.charCodeAt(p) === 91 /* [ */) {
      const close = value.indexOf(']', p);
      host = close < 0 ? value.slice(p + 1, end) : value.slice(p + 1, close);
      end = close < 0 ? end : close + 1;
    } else {
      let q = p;
      while (q < end && value.charCodeAt(q) !== 58 /* : */) q++;
      host = value.slice(p, q);
    }
    if (host !== '') hosts.push(host.toLowerCase());
    // Move on to the next comma-separated entry.
    const comma = value.indexOf(',', end);
    if (comma < 0) break;
    i = comma + 1;
  }
  return hosts;
}

/** Characters ending the host[:port] part of a URI inside a route header. */
function isUriEnd(c: number): boolean {
  // ; > , ? space tab
  return c === 59 || c === 62 || c === 44 || c === 63 || c === 32 || c === 9;
}
