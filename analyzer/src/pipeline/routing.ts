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

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a steps over `text` from state `h` (int32): a hash of a prefix continues over the rest. */
function fnv1a(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** FNV-1a over UTF-16 code units: stable across processes and versions (the partitioning contract). */
export function groupHash(text: string): number {
  return fnv1a(FNV_OFFSET, text) >>> 0;
}

/** The hash after `<signature id>\u001f`: its groups' hashes continue from it (the same 32 bits as the state). */
function signatureSeed(signatureId: string): number {
  return groupHash(`${signatureId}\u001f`);
}

export function groupPartition(signatureId: string, groupKey: string, partitions: number): number {
  return (fnv1a(signatureSeed(signatureId), groupKey) >>> 0) % partitions;
}

/** Pending half_open requests remembered per routing table (their answers must follow them). */
const MAX_PENDING = 200_000;

/** Distinct id lists interned before the table starts over (a handful per routing outcome in practice). */
const MAX_ID_LISTS = 4096;

/** What one keyed partition receives of an event. */
export interface RouteTarget {
  partition: number;
  /** Signatures whose group there the event may change (counted, and may escalate). */
  ids: readonly string[];
  /** Signatures whose open incident there the event may only escalate (`escalate:` evidence). */
  escalate: readonly string[];
}

/** Where an event goes. Reused by the router: read it before the next event. */
export interface Routes {
  /** One per keyed partition, in the order the partitions were first named. */
  readonly targets: readonly RouteTarget[];
  /** Every signature of every target (ids, then escalate, in target order; no repeats). */
  readonly all: readonly string[];
}

/** A node of the id-list table: the list it stands for and the lists one id longer. */
interface IdNode {
  readonly list: readonly string[];
  readonly next: Map<string, IdNode>;
}

/**
 * One array per distinct list of signature ids (in the order they were added), so an event's
 * lists cost no allocation once seen, and the record's header tables and the projection cache
 * can key them by identity. Arrays handed out are never changed.
 */
class IdLists {
  private size = 0;
  root: IdNode = { list: [], next: new Map() };

  /** `node`'s list with `id` appended (itself when it has it). */
  with(node: IdNode, id: string): IdNode {
    if (node.list.includes(id)) return node;
    let child = node.next.get(id);
    if (child === undefined) {
      child = { list: [...node.list, id], next: new Map() };
      node.next.set(id, child);
      this.size++;
    }
    return child;
  }

  /** Starts over past the bound (between events only: nodes in use stay valid, just unshared). */
  bound(): void {
    if (this.size < MAX_ID_LISTS) return;
    this.size = 0;
    this.root = { list: [], next: new Map() };
  }
}

/** A keyed partition's target, reused from event to event. */
interface Slot extends RouteTarget {
  /** The event (`Router.serial`) this slot was last reset for. */
  serial: number;
  idsNode: IdNode;
  escalateNode: IdNode;
}

/** A signature as the router sees it: its hash seed computed once. */
interface Routed {
  compiled: CompiledSignature;
  id: string;
  seed: number;
  halfOpen: boolean;
}

export class Router {
  /**
   * The signatures a message can concern: the engine's dispatch, gates and conditions (a sequence
   * step, a ratio part…). The detect stage's engine dispatches the same way, so an event no
   * condition admits would change nothing there: it is not sent (3.0 → 2.4 keyed events per SIP
   * message on the realistic bench capture).
   */
  private readonly dispatch: SignatureDispatch<Routed>;
  private readonly escalating: Routed[] = [];
  /** half_open: transaction key → [signature id, group key] of requests routed and not yet answered. */
  private readonly pending = new LruTable<string, Array<[string, string]>>(MAX_PENDING);
  private readonly lists = new IdLists();
  private readonly slots: Slot[] = [];
  private readonly targets: Slot[] = [];
  private readonly routes: { targets: readonly RouteTarget[]; all: readonly string[] } = {
    targets: this.targets,
    all: [],
  };
  private serial = 0;

  constructor(
    signatures: readonly CompiledSignature[],
    private readonly partitions: number,
  ) {
    const routed = signatures.map((compiled): Routed => {
      const id = compiled.signature.id;
      return { compiled, id, seed: signatureSeed(id), halfOpen: compiled.signature.kind === 'half_open' };
    });
    this.dispatch = new SignatureDispatch(
      routed.map((r) => ({
        item: r,
        gate: compileGate(r.compiled.signature),
        conditions: compileConditions(r.compiled.signature),
      })),
    );
    for (const r of routed) if (r.compiled.escalations.length > 0) this.escalating.push(r);
  }

  /** Keyed partition → the signatures whose group there this event may change or escalate. */
  route(event: SipEvent, ctx: Enrichment): Routes {
    this.lists.bound();
    this.serial++;
    this.targets.length = 0;
    const isResponse = event.sip.type === 'response';
    if (isResponse) this.routeAnswer(event);
    for (const r of this.dispatch.for(event, ctx)) {
      const compiled = r.compiled;
      if (r.halfOpen) {
        if (isResponse) continue;
        const group = selectedGroup(compiled, event, ctx);
        const key = group === undefined ? undefined : transactionKey(event);
        if (group === undefined || key === undefined) continue;
        const waiting = this.pending.peek(key);
        if (waiting === undefined) this.pending.set(key, [[r.id, group]]);
        else if (!waiting.some(([sig]) => sig === r.id)) waiting.push([r.id, group]);
        this.add(r.id, this.partitionOf(r.seed, group), false);
        continue;
      }
      const group = selectedGroup(compiled, event, ctx);
      if (group !== undefined) this.add(r.id, this.partitionOf(r.seed, group), false);
    }
    // Escalation evidence (a brute force answered 200, a flood answered 5xx) is usually not what
    // the signature counts: it goes to the partition of the incident it names, to escalate only.
    for (const r of this.escalating) {
      for (const e of r.compiled.escalations) {
        if (!e.when(event, ctx)) continue;
        const key = e.groupKey(event, ctx);
        if (key !== undefined) this.add(r.id, this.partitionOf(r.seed, key), true);
      }
    }
    let all = this.lists.root;
    for (const target of this.targets) {
      for (const id of target.ids) all = this.lists.with(all, id);
      for (const id of target.escalate) all = this.lists.with(all, id);
    }
    this.routes.all = all.list;
    return this.routes;
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
    // Rare (final answers to pending requests): the seed is hashed again.
    for (const [id, group] of waiting) this.add(id, groupPartition(id, group, this.partitions), false);
  }

  /** groupPartition with the signature's prefix hashed once. */
  private partitionOf(seed: number, group: string): number {
    return (fnv1a(seed, group) >>> 0) % this.partitions;
  }

  private add(id: string, partition: number, escalateOnly: boolean): void {
    let slot = this.slots[partition];
    if (slot === undefined) {
      const root = this.lists.root;
      slot = { partition, ids: root.list, escalate: root.list, serial: 0, idsNode: root, escalateNode: root };
      this.slots[partition] = slot;
    }
    if (slot.serial !== this.serial) {
      const root = this.lists.root;
      slot.serial = this.serial;
      slot.idsNode = slot.escalateNode = root;
      slot.ids = slot.escalate = root.list;
      this.targets.push(slot);
    }
    if (escalateOnly) {
      slot.escalateNode = this.lists.with(slot.escalateNode, id);
      slot.escalate = slot.escalateNode.list;
    } else {
      slot.idsNode = this.lists.with(slot.idsNode, id);
      slot.ids = slot.idsNode.list;
    }
  }

  get pendingSize(): number {
    return this.pending.size;
  }
}
