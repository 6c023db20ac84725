//! The detection engine: every SIP event goes through the transaction table (for `txn.*`), then
//! through each compiled signature's kind. Time is the events' own, so a file and live traffic give
//! the same alerts. Alerts leave through `onAlert` in three phases (open, update, final).
import type { Alert } from '../../../schema/src/alert';
import type { SipEvent } from '../../../schema/src/sip-event';
import type { SiteConfig } from '../site/site-config';
import type { Enrichment } from './enrich/enrichment';
import { EventEnricher } from './enrich/event-enricher';
import { compileSignature, type CompiledSignature } from './compile/compile-signature';
import { compileConditions, compileGate, SignatureDispatch, type Gated } from './compile/dispatch';
import { escalate } from './incidents/escalation';
import { eventTimeMs } from './event-time';
import { IncidentBook, type AlertPhase } from './incidents/incidents';
import { eventCountKind } from './kinds/event-count';
import { concurrentKind } from './kinds/concurrent';
import { halfOpenKind } from './kinds/half-open';
import type { KindContext, KindRunner } from './kinds/kind';
import { ratioKind } from './kinds/ratio';
import { sequenceKind } from './kinds/sequence';
import { statelessKind } from './kinds/stateless';
import { valueCountKind } from './kinds/value-count';
import { baselineKind } from './kinds/baseline';
import type { LoadedSignature, Signature, SignatureKind } from './signature';

export type { AlertPhase } from './incidents/incidents';

export interface EngineOptions {
  onAlert: (alert: Alert, phase: AlertPhase) => void;
  /** Per-signature bound on group state (and on open incidents); LRU eviction past it. */
  maxGroupsPerSignature?: number;
  /** Bound on the request↔response table. */
  maxTransactions?: number;
  /** Bound on the dialog table. */
  maxDialogs?: number;
  /** Site knowledge (`--config` site:). Without it, signatures with `requires_site` are skipped. */
  site?: SiteConfig;
  /** Emit 'update' phases at all (false for `analyze`, which prints only 'final'). Default true. */
  emitUpdates?: boolean;
  /** Event-time gap between two 'update' emissions of one incident. Default 1000 ms. */
  updateIntervalMs?: number;
  /** Told every Call-ID an incident counts, as it does (links call records to alerts). */
  onIncidentCall?: (alertId: string, callId: string) => void;
  /** Told the event id of every message an incident counts. */
  onIncidentEvent?: (alertId: string, eventId: string) => void;
}

export interface EngineStats {
  events: number;
  alertsByRule: Record<string, number>;
  stateEntries: number;
  evictions: number;
}

export const DEFAULT_MAX_GROUPS_PER_SIGNATURE = 100_000;

const KINDS: Record<SignatureKind, (ctx: KindContext) => KindRunner> = {
  stateless: statelessKind,
  event_count: eventCountKind,
  value_count: valueCountKind,
  ratio: ratioKind,
  sequence: sequenceKind,
  half_open: halfOpenKind,
  concurrent: concurrentKind,
  baseline: baselineKind,
};

interface Runtime {
  id: string;
  book: IncidentBook;
  runner: KindRunner;
  compiled: CompiledSignature;
  /** The kind has time-driven work (half_open): read once, not looked up on every runner per event. */
  advances: boolean;
}

export class DetectionEngine {
  private readonly runtimes: Runtime[];
  /** The runtimes a message can concern, by its type, method and status (dispatch.ts). */
  private readonly dispatch: SignatureDispatch<Runtime>;
  /** Signatures with `escalate`: every event may raise one of their open incidents. */
  private readonly escalating: Runtime[] = [];
  private readonly enricher: EventEnricher;
  /** Signatures left out because they need site knowledge and none was given (warn once). */
  readonly skippedForSite: string[] = [];
  /** Event-time watermark: the latest event time seen, so time never runs backwards. */
  private now = -Infinity;
  /** Time `evaluateOnly` last advanced every runtime to. */
  private advancedTo = -Infinity;
  private events = 0;

  constructor(signatures: ReadonlyArray<LoadedSignature | Signature>, options: EngineOptions) {
    const maxGroups = options.maxGroupsPerSignature ?? DEFAULT_MAX_GROUPS_PER_SIGNATURE;
    this.enricher = new EventEnricher({
      ...(options.site !== undefined ? { site: options.site } : {}),
      ...(options.maxTransactions !== undefined ? { maxTransactions: options.maxTransactions } : {}),
      ...(options.maxDialogs !== undefined ? { maxDialogs: options.maxDialogs } : {}),
    });
    this.runtimes = [];
    const gated: Gated<Runtime>[] = [];
    for (const entry of signatures) {
      const signature = 'signature' in entry ? entry.signature : entry;
      if (signature.status === 'deprecated') continue;
      if (signature.requires_site === true && options.site === undefined) {
        if (!this.skippedForSite.includes(signature.id)) this.skippedForSite.push(signature.id);
        continue;
      }
      const compiled = compileSignature(signature);
      const book = new IncidentBook(compiled, options.onAlert, {
        maxIncidents: maxGroups,
        updateIntervalMs: options.updateIntervalMs ?? 1000,
        emitUpdates: options.emitUpdates ?? true,
        ...(options.onIncidentCall !== undefined ? { onCall: options.onIncidentCall } : {}),
        ...(options.onIncidentEvent !== undefined ? { onEvent: options.onIncidentEvent } : {}),
      });
      const runner = KINDS[signature.kind]({ compiled, book, maxGroups });
      const runtime = { id: signature.id, book, runner, compiled, advances: runner.advance !== undefined };
      this.runtimes.push(runtime);
      gated.push({ item: runtime, gate: compileGate(signature), conditions: compileConditions(signature) });
      if (compiled.escalations.length > 0) this.escalating.push(runtime);
    }
    this.dispatch = new SignatureDispatch(gated);
  }

  process(event: SipEvent): void {
    this.events++;
    const t = eventTimeMs(event['@timestamp']);
    if (t > this.now) this.now = t;
    const now = this.now === -Infinity ? 0 : this.now;
    this.evaluateAt(event, this.enricher.enrich(event, now), now);
  }

  /**
   * The pipeline's detect stage: only the signatures this partition owns a group of for this event
   * (`ids`, from the dialog stage's routing) see it, so a group lives in exactly one partition.
   * `escalateOnly`: signatures whose open incident here the event may escalate but not count.
   */
  evaluateOnly(
    event: SipEvent,
    ctx: Enrichment,
    nowMs: number,
    ids: ReadonlySet<string>,
    escalateOnly?: ReadonlySet<string>,
  ): void {
    this.events++;
    if (nowMs > this.now) this.now = nowMs;
    const now = this.now;
    // Once per distinct time: what an event at `now` starts is due strictly later (durations are
    // positive, load-signatures.ts), so a second pass at the same time would find nothing due.
    if (now !== this.advancedTo) {
      this.advancedTo = now;
      this.timeReaches(now);
    }
    for (const runtime of this.dispatch.for(event, ctx))
      if (ids.has(runtime.id)) runtime.runner.process(event, ctx, now);
    for (const r of this.escalating)
      if (ids.has(r.id) || escalateOnly?.has(r.id) === true) escalate(r.compiled, r.book, event, ctx, now);
  }

  /** Emits an 'update' for every open incident changed since its last emission (before a commit). */
  emitPending(): void {
    for (const runtime of this.runtimes) runtime.book.emitPending();
  }

  /** Event time the engine has reached (the watermark), or -Infinity before any event. */
  get watermark(): number {
    return this.now;
  }

  private evaluateAt(event: SipEvent, ctx: Enrichment, now: number): void {
    this.timeReaches(now);
    for (const runtime of this.dispatch.for(event, ctx)) runtime.runner.process(event, ctx, now);
    for (const r of this.escalating) escalate(r.compiled, r.book, event, ctx, now);
  }

  /**
   * Moves event time forward without an event (a live daemon on a quiet link calls this from a
   * timer with the collectors' clock) so suppress periods and half_open timeouts still end.
   */
  advance(nowMs: number): void {
    if (nowMs > this.now) this.now = nowMs;
    this.timeReaches(this.now);
  }

  /** Incidents end and timeouts fire by event time for every signature, whatever the event is. */
  private timeReaches(now: number): void {
    for (const runtime of this.runtimes) {
      if (runtime.advances) runtime.runner.advance?.(now);
      runtime.book.finalizeDue(now);
    }
  }

  /** End of input: every open incident is emitted as 'final'. */
  flush(): void {
    for (const runtime of this.runtimes) runtime.book.flush();
  }

  /**
   * What the signatures learned (baseline kinds), keyed `<id>#<n>` (n-th runtime of that id: tuned
   * variants share an id). JSON; `importState` gives it back to an engine with the same signatures.
   */
  exportState(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, runtime] of this.stateKeys()) {
      const state = runtime.runner.snapshot?.();
      if (state !== undefined) out[key] = state;
    }
    return out;
  }

  /** Restores exportState output; entries of signatures no longer loaded are ignored. */
  importState(state: Record<string, unknown>): void {
    for (const [key, runtime] of this.stateKeys()) {
      const saved = state[key];
      if (saved !== undefined) runtime.runner.restore?.(saved);
    }
  }

  private stateKeys(): Array<[string, Runtime]> {
    const seen = new Map<string, number>();
    return this.runtimes.map((r) => {
      const n = seen.get(r.id) ?? 0;
      seen.set(r.id, n + 1);
      return [`${r.id}#${n}`, r];
    });
  }

  stats(): EngineStats {
    const alertsByRule: Record<string, number> = {};
    let stateEntries = this.enricher.stateEntries;
    let evictions = this.enricher.evictions;
    for (const { id, book, runner } of this.runtimes) {
      // Tuned signatures run as several scoped variants under one id (analyzer/src/tuning).
      if (book.opened > 0) alertsByRule[id] = (alertsByRule[id] ?? 0) + book.opened;
      stateEntries += runner.stateEntries + book.size;
      evictions += runner.evictions + book.evictions;
    }
    return { events: this.events, alertsByRule, stateEntries, evictions };
  }
}
