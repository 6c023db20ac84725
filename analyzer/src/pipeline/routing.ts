//! Re-keying (the dialog stage's half of the repartition): for one enriched event, which
//! signatures' groups it can change and which partition of the keyed topic owns each group.
//! A group (signature id + group key) always hashes to the same partition, so its state lives in
//! exactly one detect-stage task whatever the number of analyzer instances.
import type { SipEvent } from '../../../schema/src/sip-event';
import type { CompiledSignature } from '../engine/compile/compile-signature';
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

export class Router {
  private readonly forRequest: CompiledSignature[] = [];
  private readonly forResponse: CompiledSignature[] = [];
  /** half_open: transaction key → [signature id, group key] of requests routed and not yet answered. */
  private readonly pending = new LruTable<string, Array<[string, string]>>(MAX_PENDING);
  private readonly out = new Map<number, string[]>();

  constructor(
    signatures: readonly CompiledSignature[],
    private readonly partitions: number,
  ) {
    for (const compiled of signatures) {
      if (compiled.types.has('request')) this.forRequest.push(compiled);
      if (compiled.types.has('response')) this.forResponse.push(compiled);
    }
  }

  /**
   * Keyed partition → ids of the signatures whose group there this event may change. The map is
   * reused: read it before the next call.
   */
  route(event: SipEvent, ctx: Enrichment): ReadonlyMap<number, string[]> {
    const out = this.out;
    out.clear();
    const isResponse = event.sip.type === 'response';
    if (isResponse) this.routeAnswer(event);
    for (const compiled of isResponse ? this.forResponse : this.forRequest) {
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
    const ids = this.out.get(partition);
    if (ids === undefined) this.out.set(partition, [id]);
    else if (!ids.includes(id)) ids.push(id);
  }

  get pendingSize(): number {
    return this.pending.size;
  }
}
