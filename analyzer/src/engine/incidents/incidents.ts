//! Open incidents of one signature: one per group per `suppress` period. A crossing opens one (alert
//! 'open'); later evidence updates it ('update', throttled in event time); when its period has passed
//! in event time, or at end of input, it is emitted once more as 'final'.
import type { Alert, Severity } from '../../../../schema/src/alert';
import type { SipEvent } from '../../../../schema/src/sip-event';
import { alertId } from '../../alerts/alert-id';
import { buildAlert } from '../../alerts/build-alert';
import type { Incident } from '../../alerts/incident';
import { IncidentTally } from '../../alerts/aggregates';
import { FIRST_EVIDENCE, LAST_EVIDENCE, partsOf, type CrossingSample, type EvidenceParts } from '../../alerts/evidence';
import { LruTable } from '../../state/lru-table';
import { eventTimeMs } from '../event-time';
import { copyEnrichment, emptyEnrichment, type Enrichment } from '../enrich/enrichment';
import type { CompiledSignature } from '../compile/compile-signature';

export type AlertPhase = 'open' | 'update' | 'final';
export type AlertSink = (alert: Alert, phase: AlertPhase) => void;
/** Told each Call-ID an incident takes in, the moment it does (call records link back before they are written). */
export type IncidentCallSink = (alertId: string, callId: string) => void;

export interface IncidentOptions {
  maxIncidents: number;
  /** Minimum event time between two 'update' emissions of one incident; 0 = every change. */
  updateIntervalMs: number;
  emitUpdates: boolean;
  onCall?: IncidentCallSink;
  /** Told the event id of every message an incident counts (`sipward extract` collects its packets). */
  onEvent?: (alertId: string, eventId: string) => void;
}

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Distinct values remembered per value_count incident; past it new values still count. */
const MAX_INCIDENT_VALUES = 10_000;

/** Shared by every incident whose last evidence had no enrichment worth keeping (plain requests). */
const NOTHING: Readonly<Enrichment> = Object.freeze(emptyEnrichment());

function copyTxn(ctx: Enrichment): Enrichment {
  // Floods of requests update incidents per packet: skip the copy when there is nothing to keep.
  const t = ctx.txn;
  if (
    !t.retransmission &&
    t.request_method === undefined &&
    isBlank(ctx.dialog) &&
    isBlank(ctx.site) &&
    isBlank(ctx.num)
  ) {
    return NOTHING;
  }
  return copyEnrichment(ctx);
}

/** No member set. for-in, not Object.values: this runs per flood event and must not allocate. */
function isBlank(part: object): boolean {
  for (const key in part) if ((part as Record<string, unknown>)[key] !== undefined) return false;
  return true;
}

export class IncidentBook {
  /**
   * Never touched after insertion, so LRU order = open order = suppress-expiry order (suppress is
   * constant per signature). Full: the oldest incident is finalised early.
   */
  private readonly open: LruTable<string, Incident>;
  opened = 0;

  constructor(
    private readonly compiled: CompiledSignature,
    private readonly sink: AlertSink,
    private readonly options: IncidentOptions,
  ) {
    this.open = new LruTable(options.maxIncidents, (_key, incident) => this.emitFinal(incident));
  }

  get size(): number {
    return this.open.size;
  }

  /** The group's incident if its suppress period still runs at `now`. */
  live(key: string): Incident | undefined {
    // Most signatures have no open incident most of the time: no hash lookup of the key then.
    return this.open.size === 0 ? undefined : this.open.peek(key);
  }

  /** Emits 'final' for every incident whose suppress period has passed by `now`. */
  finalizeDue(now: number): void {
    // Called for every signature on every event: oldestValue() allocates nothing when none is due.
    for (let oldest = this.open.oldestValue(); oldest !== undefined && oldest.suppressUntilMs <= now;) {
      this.finalize(oldest);
      oldest = this.open.oldestValue();
    }
  }

  start(
    key: string,
    event: SipEvent,
    txn: Enrichment,
    now: number,
    count: number,
    startMs: number,
    sample: CrossingSample,
  ): Incident {
    const sig = this.compiled.signature;
    const groupValues = this.compiled.groupValues(event, txn);
    const crossing = partsOf(event, txn.txn, true);
    const incident: Incident = {
      key,
      groupValues,
      id: alertId(sig.id, groupValues, now, sig.suppressMs),
      openMs: now,
      suppressUntilMs: now + sig.suppressMs,
      startMs: Math.min(startMs, now),
      endMs: now,
      count,
      groupedOnResponse: event.sip.type === 'response',
      firstEvidence: sample.first.filter((p) => p.id !== crossing.id).slice(0, FIRST_EVIDENCE),
      thresholdEvidence: crossing,
      lastEvidence: [],
      lastHead: 0,
      tally: new IncidentTally(),
      lastEvent: event,
      lastTxn: copyTxn(txn),
      values: undefined,
      lastEmitMs: now,
      dirty: false,
      escalation: undefined,
    };
    // The kinds push the crossing event into their sample too: count it once.
    for (const p of sample.tallied) if (p.id !== crossing.id) this.tally(incident, p, eventTimeMs(p.timestamp));
    this.tally(incident, crossing, now);
    this.open.set(key, incident);
    this.opened++;
    this.sink(buildAlert(this.compiled, incident), 'open');
    return incident;
  }

  /** More evidence for a live incident. */
  add(incident: Incident, event: SipEvent, txn: Enrichment, now: number, n = 1): void {
    incident.count += n;
    if (now > incident.endMs) incident.endMs = now;
    if (incident.lastEvidence.length < LAST_EVIDENCE) incident.lastEvidence.push(event);
    else {
      incident.lastEvidence[incident.lastHead] = event;
      incident.lastHead = (incident.lastHead + 1) % LAST_EVIDENCE;
    }
    this.options.onEvent?.(incident.id, event.event.id);
    const newCallId = incident.tally.addEvent(event, txn.txn, eventTimeMs(event['@timestamp']));
    if (newCallId !== undefined) this.options.onCall?.(incident.id, newCallId);
    incident.lastEvent = event;
    incident.lastTxn = copyTxn(txn);
    incident.dirty = true;
    if (this.options.emitUpdates && now - incident.lastEmitMs >= this.options.updateIntervalMs) {
      incident.lastEmitMs = now;
      incident.dirty = false;
      this.sink(buildAlert(this.compiled, incident), 'update');
    }
  }

  /** value_count: counts `value` once per incident. */
  addValue(incident: Incident, value: string, event: SipEvent, txn: Enrichment, now: number): void {
    incident.values ??= new Set();
    if (incident.values.has(value)) return;
    if (incident.values.size < MAX_INCIDENT_VALUES) incident.values.add(value);
    this.add(incident, event, txn, now);
  }

  /** Raises the live incident of `key` to `severity` (never lowers it); true when it changed. */
  escalate(key: string, severity: Severity, reason: string, event: SipEvent, now: number): boolean {
    const incident = this.open.peek(key);
    if (incident === undefined) return false;
    const current = incident.escalation?.severity ?? this.compiled.signature.severity;
    if (SEVERITY_RANK[severity] <= SEVERITY_RANK[current]) return false;
    incident.escalation = { severity, reason };
    // The escalating event is shown with the latest evidence (it is not counted).
    if (incident.lastEvidence.length < LAST_EVIDENCE) incident.lastEvidence.push(event);
    else {
      incident.lastEvidence[incident.lastHead] = event;
      incident.lastHead = (incident.lastHead + 1) % LAST_EVIDENCE;
    }
    if (now > incident.endMs) incident.endMs = now;
    incident.dirty = true;
    if (this.options.emitUpdates) {
      incident.lastEmitMs = now;
      incident.dirty = false;
      this.sink(buildAlert(this.compiled, incident), 'update');
    }
    return true;
  }

  get evictions(): number {
    return this.open.evictions;
  }

  /** 'update' for each open incident with evidence not yet emitted (the throttle may have held it). */
  emitPending(): void {
    for (const incident of this.open.values()) {
      if (!incident.dirty) continue;
      incident.dirty = false;
      incident.lastEmitMs = incident.endMs;
      this.sink(buildAlert(this.compiled, incident), 'update');
    }
  }

  flush(): void {
    for (const incident of [...this.open.values()]) this.finalize(incident);
  }

  private tally(incident: Incident, parts: EvidenceParts, ms: number): void {
    this.options.onEvent?.(incident.id, parts.id);
    const newCallId = incident.tally.add(parts, ms);
    if (newCallId !== undefined) this.options.onCall?.(incident.id, newCallId);
  }

  private finalize(incident: Incident): void {
    this.open.delete(incident.key);
    this.emitFinal(incident);
  }

  private emitFinal(incident: Incident): void {
    this.sink(buildAlert(this.compiled, incident), 'final');
  }
}
