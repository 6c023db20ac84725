//! Projection of keyed events (the dialog stage's half of the repartition): a keyed event carries
//! only the fields its receiving signatures read — their predicates, group_by, field/item, message
//! template and escalations — plus what alert building reads of any event it counts (evidence,
//! aggregates, the alert's own fields). The detect stage then parses a few hundred bytes per
//! keyed event instead of the whole SIP event (README "Pipeline"). The message text (`sip.raw`)
//! stays when the collector sent it: any counted event may become evidence.
import { ENRICHMENT_ROOTS, type Enrichment } from '../engine/enrich/enrichment';
import type { PredicateSpec, Signature } from '../engine/signature';
import type { LineShape } from './records';

/**
 * What alert building reads of every event it counts (alerts/evidence.ts partsOf,
 * alerts/aggregates.ts, alerts/build-alert.ts), what dispatch gates on, and the transaction key
 * half_open matches answers by (state/transaction-table.ts transactionKey).
 */
export const RENDERED_FIELDS: readonly string[] = [
  '@timestamp',
  'event.id',
  'source.ip',
  'source.port',
  'destination.ip',
  'destination.port',
  'network.transport',
  'sip.type',
  'sip.method',
  'sip.status_code',
  'sip.cseq.method',
  'sip.cseq.seq',
  'sip.via.branch',
  'sip.call_id',
  'sip.request_uri_user',
  'sip.auth.username',
  'sip.from.user',
  'sip.to.user',
  'sip.user_agent',
  'sip.raw',
  // Enrichment read by every kind (retransmissions are skipped) and by evidence and aggregates.
  'txn.retransmission',
  'txn.request_method',
  'txn.request_auth_username',
  'txn.request_user_agent',
  'txn.request_source_ip',
];

/** Incident values a message template names that are not event fields (compile.ts TEMPLATE_VARS). */
const TEMPLATE_VARS: ReadonlySet<string> = new Set(['rule.id', 'rule.name', 'count', 'threshold', 'window_s']);

function predicateFields(spec: PredicateSpec | undefined, out: Set<string>): void {
  if (spec === undefined || spec === null || typeof spec !== 'object') return;
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'any' || key === 'all') {
      if (Array.isArray(value)) for (const inner of value) predicateFields(inner as PredicateSpec, out);
      continue;
    }
    if (key === 'not') {
      predicateFields(value as PredicateSpec, out);
      continue;
    }
    out.add(key);
    // Field against field (`same_as` / `differs_from`): the other path is read too.
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const k of ['same_as', 'differs_from']) {
        const other = (value as Record<string, unknown>)[k];
        if (typeof other === 'string') out.add(other);
      }
    }
  }
}

/** Every event or enrichment path a signature reads (compile-signature.ts compiles the same parts). */
export function signatureFields(sig: Signature): Set<string> {
  const out = new Set<string>();
  for (const spec of [sig.where, sig.allowlist, sig.numerator, sig.denominator, sig.judge, sig.start, sig.end])
    predicateFields(spec, out);
  for (const step of sig.steps ?? []) predicateFields(step.where, out);
  for (const e of sig.escalate ?? []) {
    predicateFields(e.when, out);
    for (const path of e.group_by ?? []) out.add(path);
  }
  for (const path of sig.group_by) out.add(path);
  if (sig.field !== undefined) out.add(sig.field);
  if (sig.item !== undefined) out.add(sig.item);
  for (const m of sig.message.matchAll(/\{([^{}]+)\}/g)) {
    const name = (m[1] ?? '').trim();
    if (!TEMPLATE_VARS.has(name)) out.add(name);
  }
  return out;
}

/** A field tree: `true` keeps the whole value, a map keeps those members (element-wise in arrays). */
type FieldTree = true | { [key: string]: FieldTree };

function addPath(tree: { [key: string]: FieldTree }, segs: readonly string[]): void {
  let node = tree;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i] as string;
    // An array index (`sip.via.0.host`) selects within the list: elements keep the rest of the path.
    if (/^\d+$/.test(seg)) continue;
    const last = i === segs.length - 1;
    const child = node[seg];
    if (child === true) return;
    if (last) {
      node[seg] = true;
      return;
    }
    if (child === undefined) node[seg] = {};
    node = node[seg] as { [key: string]: FieldTree };
  }
}

/** The part of `value` the tree names; arrays keep their length (indices stay meaningful). */
function pick(value: unknown, tree: FieldTree): unknown {
  if (tree === true || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((element: unknown) => pick(element, tree));
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(tree)) {
    const v = source[key];
    if (v !== undefined) out[key] = pick(v, tree[key] as FieldTree);
  }
  return out;
}

/** A node of a projection's field tree: a member kept whole, or an object walked member by member. */
interface FieldNode {
  key: string;
  /** Path from the line's root (`c` or `e` first). */
  path: readonly string[];
  /** Index of this node in its projection (a step of the shape table). */
  index: number;
  tree: FieldTree;
  /** Undefined: kept whole. */
  members: FieldNode[] | undefined;
}

/** A keyed event's line: the projected values as one JSON array, and its shape. */
export interface ProjectedLine {
  line: string;
  shape: LineShape;
}

/**
 * A node of a projection's shape table: the nodes written so far lead here, one step per node
 * (by node index), so an event's shape is found without building a key.
 */
interface ShapeStep {
  readonly next: Array<ShapeStep | undefined>;
  shape: LineShape | undefined;
  /** The step before and the node this one wrote (undefined at the root). */
  readonly parent: ShapeStep | undefined;
  readonly index: number;
}

interface Projection {
  root: FieldNode[];
  nodes: FieldNode[];
  shapes: ShapeStep;
  shapeCount: number;
}

const shapeStep = (): ShapeStep => ({ next: [], shape: undefined, parent: undefined, index: -1 });

/** Distinct signature-id sets whose projection is kept (few in practice: one per routing outcome). */
const MAX_CACHED = 4096;
/** Distinct shapes kept per projection (a handful in practice: request/response, with/without SDP). */
const MAX_SHAPES = 4096;

export class Projector {
  private readonly fieldsById = new Map<string, Set<string>>();
  private readonly cache = new Map<string, Projection>();
  /** The same by the id list itself (the router hands out one array per distinct list). */
  private readonly byList = new Map<readonly string[], Projection>();
  /**
   * Reused per event: the values of the line being written (the first `count`) and the shape step
   * reached. Written by index and cut to `count` at the end: `length = 0` would drop the array's
   * store and every event would grow a new one.
   */
  private readonly values: unknown[] = [];
  private count = 0;
  private step: ShapeStep = shapeStep();

  /** @param signatures every signature the dialog stage routes to (tuned variants share an id: their fields unite). */
  constructor(signatures: readonly Signature[]) {
    for (const sig of signatures) {
      const fields = this.fieldsById.get(sig.id) ?? new Set<string>();
      for (const f of signatureFields(sig)) fields.add(f);
      this.fieldsById.set(sig.id, fields);
    }
  }

  /**
   * The line of a keyed event projected for the signatures `ids`: `{"c":<enrichment>,"e":<event>}`
   * flattened to the values of its present members (one JSON array, one stringify) and its shape.
   * `ids` is remembered by identity too: the caller never changes a list it passed (the router's
   * lists are shared and never change).
   */
  project(ids: readonly string[], event: object, ctx: Enrichment): ProjectedLine {
    const p = this.projection(ids);
    const values = this.values;
    this.count = 0;
    if (p.shapeCount >= MAX_SHAPES) {
      p.shapes = shapeStep();
      p.shapeCount = 0;
    }
    this.step = p.shapes;
    const [c, e] = p.root as [FieldNode, FieldNode];
    this.write(c, ctx);
    this.write(e, event);
    let shape = this.step.shape;
    if (shape === undefined) {
      const written: number[] = [];
      for (let step: ShapeStep | undefined = this.step; step?.parent !== undefined; step = step.parent)
        written.push(step.index);
      const paths = written.reverse().map((index) => (p.nodes[index] as FieldNode).path);
      shape = { paths, keys: paths.map((path) => path.join('\u001f')) };
      this.step.shape = shape;
      p.shapeCount++;
    }
    values.length = this.count;
    return { line: JSON.stringify(values), shape };
  }

  /** One more node written as one value: its step in the shape table. */
  private wrote(node: FieldNode): void {
    const next = this.step.next;
    let step = next[node.index];
    if (step === undefined)
      next[node.index] = step = { next: [], shape: undefined, parent: this.step, index: node.index };
    this.step = step;
  }

  /** Appends the values of `node` present in `value` (what `pick` would keep), in tree order. */
  private write(node: FieldNode, value: unknown): void {
    const members = node.members;
    if (members === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.values[this.count++] = members === undefined ? value : pick(value, node.tree);
      this.wrote(node);
      return;
    }
    const before = this.count;
    const source = value as Record<string, unknown>;
    for (const member of members) {
      const v = source[member.key];
      if (v !== undefined) this.write(member, v);
    }
    if (this.count === before) {
      // An object none of whose named members is there: kept as `{}`, as the nested form had it.
      this.values[this.count++] = {};
      this.wrote(node);
    }
  }

  private projection(ids: readonly string[]): Projection {
    let p = this.byList.get(ids);
    if (p !== undefined) return p;
    if (this.byList.size >= MAX_CACHED) this.byList.clear();
    const key = ids.join('\u001f');
    p = this.cache.get(key);
    if (p !== undefined) {
      this.byList.set(ids, p);
      return p;
    }
    const event: { [key: string]: FieldTree } = {};
    const ctx: { [key: string]: FieldTree } = {};
    const add = (path: string): void => {
      const segs = path.split('.');
      addPath(ENRICHMENT_ROOTS.has(segs[0] ?? '') ? ctx : event, segs);
    };
    for (const path of RENDERED_FIELDS) add(path);
    for (const id of ids) for (const path of this.fieldsById.get(id) ?? []) add(path);
    // The enrichment's four parts are always objects (predicates walk into them).
    for (const part of ENRICHMENT_ROOTS) ctx[part] ??= {};
    const nodes: FieldNode[] = [];
    const node = (key: string, tree: FieldTree, parent: readonly string[]): FieldNode => {
      const path = [...parent, key];
      const n: FieldNode = { key, path, index: nodes.length, tree, members: undefined };
      nodes.push(n);
      if (tree !== true) n.members = Object.keys(tree).map((k) => node(k, tree[k] as FieldTree, path));
      return n;
    };
    p = { root: [node('c', ctx, []), node('e', event, [])], nodes, shapes: shapeStep(), shapeCount: 0 };
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(key, p);
    this.byList.set(ids, p);
    return p;
  }
}
