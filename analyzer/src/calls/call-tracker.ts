//! Call records (docs/contracts.md "Call record"): one record per INVITE dialog, built passively from the
//! SIP events `analyze` sees. The call-record view of the INVITE state machine (state/invite-dialog.ts):
//! keyed by Call-ID + the caller's From tag, it follows INVITE → provisional → final (or CANCEL) →
//! BYE and emits the record once the call is over.
//! Bounded (LRU with an eviction counter; an evicted call is emitted, never lost) and driven by
//! event time only, so replaying a capture gives the same records as watching it live.
import { createHash } from 'node:crypto';
import type { CallCallee, CallCaller, CallEndedBy, CallOutcome, CallRecord } from '../../../schema/src/call-record';
import type { SipEvent, SipFields, SipSdp } from '../../../schema/src/sip-event';
import { eventTimeMs } from '../engine/event-time';
import {
  ANSWERED_TTL_MS,
  DEFAULT_MAX_DIALOGS,
  TERMINATED_LINGER_MS,
  UNANSWERED_TTL_MS,
  isRetryCSeq,
  nextPhase,
  responseStep,
  type InvitePhase,
} from '../state/invite-dialog';
import { LruTable } from '../state/lru-table';
import { publishCallRecord } from '../../../lib/src/metrics/channels';
import { recordNumber } from './numbers';

export interface CallTrackerOptions {
  onCall: (record: CallRecord) => void;
  /** Open (and lingering) calls held at once; the least recently active is emitted early beyond it. */
  maxCalls?: number;
  /** An answered call with no signalling for this long (no BYE seen) expires. Default 4 h. */
  idleTimeoutS?: number;
  /** A call with no final response for this long expires as `timeout`. Default 180 s. */
  setupTimeoutS?: number;
  /**
   * How long an ended call is held before it is emitted: absorbs retransmitted BYEs and finals, the
   * INVITE that answers a 401/407 challenge, and alerts that open shortly after the call. Default 32 s
   * (SIP Timer B/F).
   */
  lingerS?: number;
  /** Alert ids kept per call; more are dropped. Default 64. */
  maxAlertsPerCall?: number;
}

export interface CallTrackerStats {
  calls: number;
  open: number;
  evictions: number;
  expired: number;
  alert_links: number;
}

interface CallState {
  key: string;
  callId: string;
  fromTag: string;
  phase: InvitePhase;
  startMs: number;
  startTs: string;
  inviteCseq: number | undefined;
  lastMs: number;
  answerTs?: string;
  answerMs?: number;
  finalMs?: number;
  finalStatus?: number;
  endMs?: number;
  endTs?: string;
  endedBy?: CallEndedBy;
  cancelled: boolean;
  record: Pick<CallRecord, 'caller' | 'callee' | 'path' | 'media'>;
  alertIds: string[];
}

const SWEEP_INTERVAL_MS = 1000;

function keyOf(callId: string, tag: string): string {
  return `${callId}\u0000${tag}`;
}

function callEventId(callId: string, fromTag: string, startTs: string): string {
  return createHash('sha256').update(`${callId}\u0000${fromTag}\u0000${startTs}`).digest('hex').slice(0, 32);
}

/** First media stream's address: its own c= line, else the session-level one. */
function mediaOf(sdp: SipSdp | undefined): { ip?: string; port?: number } | undefined {
  if (sdp === undefined) return undefined;
  const m = sdp.media.find((x) => x.type === 'audio') ?? sdp.media[0];
  const ip = m?.connection_ip ?? sdp.connection_ip;
  return { ...(ip !== undefined ? { ip } : {}), ...(m !== undefined ? { port: m.port } : {}) };
}

// The parties are built by assignment, in the record's field order: an object literal spreading
// optional members costs ~3× the heap per object, and every held call keeps three of them.

function callerOf(event: SipEvent): CallCaller {
  const sip = event.sip;
  const caller: Partial<CallCaller> = {};
  if (sip.from?.user !== undefined) caller.user = sip.from.user;
  if (sip.from?.host !== undefined) caller.host = sip.from.host;
  if (sip.from?.display_name !== undefined) caller.display_name = sip.from.display_name;
  if (sip.auth?.username !== undefined) caller.auth_user = sip.auth.username;
  caller.ip = event.source.ip;
  caller.port = event.source.port;
  if (sip.user_agent !== undefined) caller.user_agent = sip.user_agent;
  return caller as CallCaller;
}

function calleeOf(sip: SipFields): CallCallee {
  const callee: CallCallee = {};
  if (sip.request_uri_user !== undefined) callee.request_uri_user = sip.request_uri_user;
  if (sip.to?.user !== undefined) callee.to_user = sip.to.user;
  const host = sip.request_uri_host ?? sip.to?.host;
  if (host !== undefined) callee.host = host;
  const dialled =
    sip.request_uri_user ?? (sip.request_uri_scheme === 'tel' ? sip.request_uri : undefined) ?? sip.to?.user;
  if (dialled !== undefined) Object.assign(callee, recordNumber(dialled));
  return callee;
}

function pathOf(sip: SipFields): string[] {
  const path: string[] = [];
  for (const v of sip.via ?? []) if (v.host !== undefined) path.push(v.host);
  // A pushed-to array has room for 17; the call holds this one until it ends.
  return path.slice();
}

function outcomeOf(call: CallState, expiredInSetup: boolean): CallOutcome {
  if (call.answerMs !== undefined) return 'answered';
  const status = call.finalStatus;
  if (status !== undefined && status >= 300) {
    if (call.phase === 'challenged') return 'rejected';
    if (status === 486 || status === 600) return 'busy';
    if (status === 487 || call.cancelled) return 'cancelled';
    if (status === 408 || status === 480) return 'no_answer';
    if (status >= 500 && status < 600) return 'failed';
    return 'rejected';
  }
  if (call.cancelled) return 'cancelled';
  return expiredInSetup ? 'timeout' : 'unknown';
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export class CallTracker {
  private readonly calls: LruTable<string, CallState>;
  /** Call-ID → keys of held calls: alerts carry only the Call-ID. */
  private readonly byCallId = new Map<string, string[]>();
  /** SIP event id → key of the held call it belongs to: alert evidence names events, not calls. */
  private readonly onCall: (record: CallRecord) => void;
  private readonly idleMs: number;
  private readonly setupMs: number;
  private readonly lingerMs: number;
  private readonly maxAlertsPerCall: number;
  /** Latest event time seen: the clock for expiry and the end of flushed calls. */
  private nowMs = -Infinity;
  private nextSweepMs = -Infinity;
  private emitted = 0;
  private expiredCount = 0;
  private alertLinks = 0;

  constructor(opts: CallTrackerOptions) {
    this.onCall = opts.onCall;
    this.idleMs = opts.idleTimeoutS !== undefined ? opts.idleTimeoutS * 1000 : ANSWERED_TTL_MS;
    this.setupMs = opts.setupTimeoutS !== undefined ? opts.setupTimeoutS * 1000 : UNANSWERED_TTL_MS;
    this.lingerMs = opts.lingerS !== undefined ? opts.lingerS * 1000 : TERMINATED_LINGER_MS;
    this.maxAlertsPerCall = opts.maxAlertsPerCall ?? 64;
    // Eviction emits the call as it stands: a full table must cost completeness, not records.
    this.calls = new LruTable<string, CallState>(opts.maxCalls ?? DEFAULT_MAX_DIALOGS, (_key, call) => {
      this.unindex(call);
      this.finish(call, 'evicted');
    });
  }

  process(event: SipEvent): void {
    const now = eventTimeMs(event['@timestamp']);
    if (Number.isNaN(now)) return;
    this.advance(now);
    const sip = event.sip;
    const callId = sip.call_id;
    if (callId === undefined) return;
    if (sip.type === 'request') this.onRequest(event, callId, now);
    else this.onResponse(event, callId, now);
  }

  /** Links an alert to the held calls with this Call-ID (an incident counted one of its messages). */
  linkCall(alertId: string, callId: string): boolean {
    let matched = false;
    for (const key of this.byCallId.get(callId) ?? []) matched = this.link(key, alertId) || matched;
    return matched;
  }

  private link(key: string, alertId: string): boolean {
    const call = this.calls.peek(key);
    if (call === undefined) return false;
    if (!call.alertIds.includes(alertId) && call.alertIds.length < this.maxAlertsPerCall) {
      call.alertIds.push(alertId);
      this.alertLinks++;
    }
    return true;
  }

  /** Emits every call whose timeout or linger has passed by event time `now`. */
  advance(now: number): void {
    if (now > this.nowMs) this.nowMs = now;
    if (this.nowMs < this.nextSweepMs) return;
    this.nextSweepMs = this.nowMs + SWEEP_INTERVAL_MS;
    // Deadlines differ by phase, so the LRU order alone cannot say what is due: sweep once per second
    // of event time, collect first, then remove (no mutation while walking the list).
    const due: CallState[] = [];
    for (const call of this.calls.values()) if (this.deadlineOf(call) <= this.nowMs) due.push(call);
    for (const call of due) this.remove(call, call.phase === 'terminated' ? 'ended' : 'timeout');
  }

  /**
   * The stream went quiet at event time `now` (nothing more is queued for it): calls that ended, or
   * were challenged, are emitted without waiting for their linger, since no later message of theirs
   * is coming; calls in progress only advance by `graceMs`. The linger can be as long as the longest
   * signature window (minutes), so advancing by it would expire ringing calls early instead.
   */
  releaseIdle(now: number, graceMs: number): void {
    this.advance(now + graceMs);
    const done: CallState[] = [];
    for (const call of this.calls.values())
      if (call.phase === 'terminated' || call.phase === 'challenged') done.push(call);
    for (const call of done) this.remove(call, call.phase === 'terminated' ? 'ended' : 'timeout');
  }

  /** End of input: every held call is emitted; calls still in progress are marked expired. */
  flush(): void {
    const all = [...this.calls.values()];
    for (const call of all) this.remove(call, call.phase === 'terminated' ? 'ended' : 'flush');
  }

  stats(): CallTrackerStats {
    return {
      calls: this.emitted,
      open: this.calls.size,
      evictions: this.calls.evictions,
      expired: this.expiredCount,
      alert_links: this.alertLinks,
    };
  }

  private deadlineOf(call: CallState): number {
    switch (call.phase) {
      case 'terminated':
        return (call.endMs ?? call.lastMs) + this.lingerMs;
      case 'challenged':
        return call.lastMs + this.lingerMs;
      case 'early':
        return call.lastMs + this.setupMs;
      case 'confirmed':
        return call.lastMs + this.idleMs;
    }
  }

  /** In-dialog messages carry the caller's tag as From (caller → callee) or as To (callee → caller). */
  private lookup(
    callId: string,
    fromTag: string | undefined,
    toTag: string | undefined,
  ): [CallState, boolean] | undefined {
    const byFrom = this.calls.get(keyOf(callId, fromTag ?? ''));
    if (byFrom !== undefined) return [byFrom, true];
    if (toTag === undefined) return undefined;
    const byTo = this.calls.get(keyOf(callId, toTag));
    return byTo === undefined ? undefined : [byTo, false];
  }

  private onRequest(event: SipEvent, callId: string, now: number): void {
    const sip = event.sip;
    const method = sip.method;
    if (method === 'INVITE') {
      this.onInvite(event, callId, now);
      return;
    }
    const found = this.lookup(callId, sip.from?.tag, sip.to?.tag);
    if (found === undefined) return;
    const [call, fromCaller] = found;
    call.lastMs = now;
    if (method === 'CANCEL') {
      // The call ends when the 487 (or a late 200) arrives; the CANCEL time is the end if none does.
      if (nextPhase(call.phase, 'cancel') !== undefined) {
        call.cancelled = true;
        call.endMs ??= now;
        call.endTs ??= event['@timestamp'];
        call.endedBy ??= 'cancel';
      }
    } else if (method === 'BYE') {
      const next = nextPhase(call.phase, 'bye');
      if (next === undefined) return; // retransmission, or a BYE after a final error
      call.phase = next;
      call.endMs = now;
      call.endTs = event['@timestamp'];
      // The tag decides, not the address: a proxy in the path makes both sides share one IP.
      call.endedBy = fromCaller ? 'caller' : 'callee';
    }
  }

  private onInvite(event: SipEvent, callId: string, now: number): void {
    const sip = event.sip;
    const fromTag = sip.from?.tag ?? '';
    const toTag = sip.to?.tag;
    const existing = this.calls.get(keyOf(callId, fromTag));
    const cseq = sip.cseq?.seq;
    if (existing !== undefined) {
      existing.lastMs = Math.max(existing.lastMs, now);
      if (toTag !== undefined) {
        // re-INVITE in the dialog from the caller: only the media may change.
        this.updateMedia(existing, true, sip.sdp);
        return;
      }
      if (cseq === undefined || cseq === existing.inviteCseq) return; // retransmission
      const retried = isRetryCSeq(existing.inviteCseq, cseq) ? nextPhase(existing.phase, 'retry') : undefined;
      if (retried !== undefined) {
        // The authenticated INVITE answering a 401/407: the same call, now with credentials.
        existing.phase = retried;
        existing.inviteCseq = cseq;
        delete existing.finalStatus;
        delete existing.finalMs;
        if (sip.auth?.username !== undefined) existing.record.caller.auth_user = sip.auth.username;
        this.updateMedia(existing, true, sip.sdp);
      }
      return;
    }
    if (toTag !== undefined) {
      // re-INVITE from the callee (its From tag is the callee's); one for a dialog whose start was
      // never seen creates nothing: a record without setup time would mislead.
      const byCallee = this.calls.get(keyOf(callId, toTag));
      if (byCallee !== undefined) {
        byCallee.lastMs = Math.max(byCallee.lastMs, now);
        this.updateMedia(byCallee, false, sip.sdp);
      }
      return;
    }
    this.create(event, callId, fromTag, now);
  }

  private create(event: SipEvent, callId: string, fromTag: string, now: number): void {
    const call: CallState = {
      key: keyOf(callId, fromTag),
      callId,
      fromTag,
      phase: 'early',
      startMs: now,
      startTs: event['@timestamp'],
      inviteCseq: event.sip.cseq?.seq,
      lastMs: now,
      cancelled: false,
      record: { caller: callerOf(event), callee: calleeOf(event.sip), path: pathOf(event.sip), media: {} },
      alertIds: [],
    };
    this.updateMedia(call, true, event.sip.sdp);
    this.calls.set(call.key, call);
    const keys = this.byCallId.get(callId);
    if (keys === undefined) this.byCallId.set(callId, [call.key]);
    else keys.push(call.key);
  }

  private onResponse(event: SipEvent, callId: string, now: number): void {
    const sip = event.sip;
    const found = this.lookup(callId, sip.from?.tag, sip.to?.tag);
    if (found === undefined) return;
    const [call, toCallerRequest] = found;
    call.lastMs = Math.max(call.lastMs, now);
    if (sip.cseq?.method !== 'INVITE') return;
    const status = sip.status_code;
    if (status === undefined) return;
    // Only an unchallenged early call takes finals: a challenged one waits for the retry's.
    const initial = call.phase === 'early' && (sip.cseq.seq === undefined || sip.cseq.seq === call.inviteCseq);
    const step = responseStep(status);
    if (!initial) {
      // A re-INVITE's answer: the side that answers is the one that did not send the offer.
      if (step === 'answer' && call.phase === 'confirmed') this.updateMedia(call, !toCallerRequest, sip.sdp);
      return;
    }
    const next = nextPhase(call.phase, step);
    if (next === undefined) {
      if (sip.sdp !== undefined) this.updateMedia(call, false, sip.sdp); // early media (183)
      return;
    }
    call.finalMs = now;
    call.finalStatus = status;
    call.phase = next;
    if (next === 'confirmed') {
      // A 200 that crosses a CANCEL wins: the call is up and the caller must BYE it.
      call.answerMs = now;
      call.answerTs = event['@timestamp'];
      call.cancelled = false;
      delete call.endMs;
      delete call.endTs;
      delete call.endedBy;
      this.updateMedia(call, false, sip.sdp);
      return;
    }
    // A challenge is not the end of the call: the caller usually re-sends the INVITE with credentials.
    if (next === 'challenged') return;
    call.endMs ??= now;
    call.endTs ??= event['@timestamp'];
    call.endedBy ??= 'callee';
  }

  private updateMedia(call: CallState, caller: boolean, sdp: SipSdp | undefined): void {
    const m = mediaOf(sdp);
    if (m === undefined) return;
    const media = call.record.media;
    if (caller) {
      if (m.ip !== undefined) media.caller_ip = m.ip;
      if (m.port !== undefined) media.caller_port = m.port;
    } else {
      if (m.ip !== undefined) media.callee_ip = m.ip;
      if (m.port !== undefined) media.callee_port = m.port;
    }
  }

  private remove(call: CallState, why: 'ended' | 'timeout' | 'flush'): void {
    this.calls.delete(call.key);
    this.unindex(call);
    this.finish(call, why);
  }

  private unindex(call: CallState): void {
    const keys = this.byCallId.get(call.callId);
    if (keys === undefined) return;
    const rest = keys.filter((k) => k !== call.key);
    if (rest.length === 0) this.byCallId.delete(call.callId);
    else this.byCallId.set(call.callId, rest);
  }

  /**
   * Builds and emits the record. `timeout`: a deadline passed in event time (end = that deadline);
   * `flush`/`evicted`: input ended or the table was full while the call was in progress (end = the
   * latest event time seen, the last instant the call is known to have been up).
   */
  private finish(call: CallState, why: 'ended' | 'timeout' | 'flush' | 'evicted'): void {
    let endMs = call.endMs;
    let endTs = call.endTs;
    let endedBy = call.endedBy;
    let expired = false;
    const challengedOut = call.phase === 'challenged';
    if (call.phase !== 'terminated' && !challengedOut) {
      // Still in progress (setup or answered), or a CANCEL still waiting for its 487.
      const cancelledInSetup = call.cancelled && call.endMs !== undefined;
      if (!cancelledInSetup) {
        expired = true;
        endMs = why === 'timeout' ? this.deadlineOf(call) : Math.max(this.nowMs, call.lastMs);
        endTs = new Date(endMs).toISOString();
        endedBy = 'expired';
      }
    } else if (challengedOut) {
      endMs ??= call.finalMs ?? call.lastMs;
      endTs ??= new Date(endMs).toISOString();
      endedBy ??= 'callee';
    }
    endMs ??= call.lastMs;
    endTs ??= new Date(endMs).toISOString();
    const outcome = outcomeOf(call, expired && why === 'timeout' && call.phase === 'early');
    const record: CallRecord = {
      '@timestamp': call.startTs,
      event: { kind: 'event', dataset: 'sipward.call', id: callEventId(call.callId, call.fromTag, call.startTs) },
      call_id: call.callId,
      start: call.startTs,
      ...(call.answerTs !== undefined ? { answer: call.answerTs } : {}),
      end: endTs,
      duration_s: call.answerMs === undefined ? 0 : Math.max(0, round((endMs - call.answerMs) / 1000, 6)),
      ...(call.finalMs !== undefined ? { setup_ms: round(call.finalMs - call.startMs, 3) } : {}),
      ...(call.finalStatus !== undefined ? { final_status: call.finalStatus } : {}),
      outcome,
      ...(endedBy !== undefined ? { ended_by: endedBy } : {}),
      caller: call.record.caller,
      callee: call.record.callee,
      path: call.record.path,
      media: call.record.media,
      alert_ids: call.alertIds,
      ...(expired ? { expired: true as const } : {}),
    };
    if (expired) this.expiredCount++;
    this.emitted++;
    this.onCall(record);
    publishCallRecord({ record });
  }
}
