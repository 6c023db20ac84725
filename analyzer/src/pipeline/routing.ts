//! Re-keying (the dialog stage's half of the repartition): for one enriched event, which
//! signatures' groups it can change and which partition of the keyed topic owns each group.
//! A group (signature id + group key) always hashes to the same partition, so its state lives in
//! exactly one detect-stage task whatever the number of analyzer instances.
import type { SipEvent } from '../../../schema/src/sip-event';
import type { CompiledSignature } from '../engine/compile/compile-signature';
import { compileConditions, compileGate, SignatureDispatch } from '../engine/compile/dispatch';
import type { Enrichment } from '../engine/enrich/enrichment';
import { selectedGroup } from '../engine/kinds/kind';
import { LruTable } from '../state/lru-table';
import { transactionKey } from '../state/transaction-table';

/** FNV-1a over UTF-16 code units: stable across processes and versions (the partitioning contract). */
export function groupHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function groupPartition(signatureId: string, groupKey: string, partitions: number): number {
  return groupHash(`${signatureId}\u001f${groupKey}`) % partitions;
}

/** Pending half_open requests remembered per routing table (their answers must follow them). */
const MAX_PENDING = 200_000;

/** What one keyed partition receives of an event. */
export interface RouteTargets {
  /** Signatures whose group there the event may change (counted, and may escalate). */
  ids: string[];
  /** Signatures whose open incident there the event may only escalate (`escalate:` evidence). */
  escalate: string[];
}

export class Router {
  /**
   * The signatures a message can concern: the engine's dispatch, gates and conditions (a sequence
   * step, a ratio part…). The detect stage's engine dispatches the same way, so an event no
   * condition admits would change nothing there: it is not sent (3.0 → 2.4 keyed events per SIP
   * message on the realistic bench capture).
   */
  private readonly dispatch: SignatureDispatch<CompiledSignature>;
  private readonly escalating: CompiledSignature[] = [];
  /** half_open: transaction key → [signature id, group key] of requests routed and not yet answered. */
  private readonly pending = new LruTable<string, Array<[string, string]>>(MAX_PENDING);
  private readonly out = new Map<number, RouteTargets>();

  constructor(
    signatures: readonly CompiledSignature[],
    private readonly partitions: number,
  ) {
    this.dispatch = new SignatureDispatch(
      signatures.map((compiled) => ({
        item: compiled,
        gate: compileGate(compiled.signature),
        conditions: compileConditions(compiled.signature),
      })),
    );
    for (const compiled of signatures) if (compiled.escalations.length > 0) this.escalating.push(compiled);
  }

  /**
   * Keyed partition → the signatures whose group there this event may change or escalate. The
   * map is reused: read it before the next call.
   */
  route(event: SipEvent, ctx: Enrichment): ReadonlyMap<number, RouteTargets> {
    const out = this.out;
    out.clear();
    const isResponse = event.sip.type === 'response';
    if (isResponse) this.routeAnswer(event);
    for (const compiled of this.dispatch.for(event, ctx)) {
      const id = compiled.signature.id;
      if (compiled.signature.kind === 'half_open') {
        if (isResponse) continue;
        const group = selectedGroup(compiled, event, ctx);
        const key = group === undefined ? undefined : transactionKey(event);
        if (group === undefined || key === undefined) continue;
        const waiting = this.pending.peek(key);
        if (waiting === undefined) this.pending.set(key, [[id, group]]);
        else if (!waiting.some(([sig]) => sig === id)) waiting.push([id, group]);
        this.add(id, group);
        continue;
      }
      const group = selectedGroup(compiled, event, ctx);
      if (group !== undefined) this.add(id, group);
    }
    // Escalation evidence (a brute force answered 200, a flood answered 5xx) is usually not what
    // the signature counts: it goes to the partition of the incident it names, to escalate only.
    for (const compiled of this.escalating) {
      for (const e of compiled.escalations) {
        if (!e.when(event, ctx)) continue;
        const key = e.groupKey(event, ctx);
        if (key !== undefined) this.addEscalation(compiled.signature.id, key);
      }
    }
    return out;
  }

  /** A final answer ends half_open waits: it goes where the request went. */
  private routeAnswer(event: SipEvent): void {
    const status = event.sip.status_code;
    if (status === undefined || status < 200 || this.pending.size === 0) return;
    const key = transactionKey(event);
    if (key === undefined) return;
    const waiting = this.pending.peek(key);
    if (waiting === undefined) return;
    this.pending.delete(key);
    for (const [id, group] of waiting) this.add(id, group);
  }

  private add(id: string, group: string): void {
    const partition = groupPartition(id, group, this.partitions);
    const targets = this.out.get(partition);
    if (targets === undefined) this.out.set(partition, { ids: [id], escalate: [] });
    else if (!targets.ids.includes(id)) targets.ids.push(id);
  }

  private addEscalation(id: string, group: string): void {
    const partition = groupPartition(id, group, this.partitions);
    const targets = this.out.get(partition);
    if (targets === undefined) this.out.set(partition, { ids: [], escalate: [id] });
    else if (!targets.escalate.includes(id)) targets.escalate.push(id);
  }

  get pendingSize(): number {
    return this.pending.size;
  }
}
