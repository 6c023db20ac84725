//! What travels between the pipeline's stages. `sip.events` carries SIP events (the collectors'
//! contract); the analyzer's own keyed topic carries enriched events for the detect stage plus
//! watermark ticks.
//!
//! Keyed events (v3, what the dialog stage writes; content-type `KEYED_LINES`): one record per
//! keyed partition per delivery, lines separated by "\n" — a header line, then one line per event:
//!   {"p": <upstream partition>, "o": [<upstream position>...], "t": [<event ms>...],
//!    "s": [<index into "sets">...], "x": [<index into "sets">, or -1...], "sets": [[<ids>]...],
//!    "h": [<index into "shapes">...], "shapes": [[<index into "paths">...]...], "paths": [[<keys>]...]}
//!   [<value>, <value>, ...]                               (one line per event)
//! `s` names the signatures owning a group here, `x` those whose incident here it may only escalate.
//! An event's line holds the values of its projected `{"c": <enrichment>, "e": <SipEvent>}`, one
//! per present member, in the order its shape lists their paths (a member kept whole — a list, an
//! object nothing named inside — is one value): no key is repeated per event, and the detect stage
//! rebuilds the nested objects with one function per shape. The header alone orders and
//! de-duplicates the events: the detect stage keeps each line as text until the event is released.
//!
//! Older forms, no content-type header, one JSON value, still read (a keyed topic written by an
//! older analyzer drains after an upgrade):
//!   { "k": "b", "r": [<keyed event>, ...] }   v2: a batch of keyed events
//!   { "k": "e", "p": <upstream partition>, "o": <upstream position>, "t": <event ms>,
//!     "c": <enrichment>, "e": <SipEvent, projected>, "s": [<ids>], "x": [<ids>] (omitted when none) }  v1
//! Watermark ticks stay JSON without a content-type:
//!   { "k": "w", "p": <upstream partition>, "t": <stream time ms, minus lateness>, "i": <idle> }
//! `e` and `c` carry only the fields the record's signatures and alert building read
//! (projection.ts); an older analyzer's whole events are a superset and read the same.
import type { SipEvent } from '../../../schema/src/sip-event';
import type { Enrichment } from '../engine/enrich/enrichment';
import { eventTimeMs } from '../engine/event-time';

export interface KeyedEvent {
  k: 'e';
  p: number;
  o: number;
  t: number;
  s: string[];
  /** Escalation only (absent in records of older analyzers: nothing to escalate-only). */
  x?: string[];
  /** Projected: only the fields its signatures and alert building read. */
  e: SipEvent;
  c: Enrichment;
}

export interface KeyedTick {
  k: 'w';
  p: number;
  t: number;
  i: boolean;
}

/** Many keyed events in one record: the per-record client cost is paid once per delivery. */
export interface KeyedBatch {
  k: 'b';
  r: KeyedEvent[];
}

export type KeyedRecord = KeyedEvent | KeyedTick | KeyedBatch;

/** Content-type of a keyed record in the v3 form (header line + event lines). */
export const KEYED_LINES = 'application/vnd.sipward.keyed+lines; v=3';

/**
 * Which members of a keyed event's line are present, in order: the path of each value from the
 * line's root (`c` or `e` first). One object per distinct shape on the writing side.
 */
export interface LineShape {
  readonly paths: ReadonlyArray<readonly string[]>;
  /** Each path joined by U+001F (computed once per shape: the header's path table is keyed by it). */
  readonly keys: readonly string[];
}

/** One keyed event as the dialog stage holds it before a record is cut (v3). */
export interface KeyedItem {
  o: number;
  t: number;
  /** The values of its line as a JSON array: one string shared by every partition the event goes to. */
  line: string;
  shape: LineShape;
  ids: readonly string[];
  escalate: readonly string[];
}

/** Index of each distinct value in a header table, added on first sight. */
class HeaderTable<T, K> {
  readonly rows: T[] = [];
  private readonly index = new Map<K, number>();

  indexOf(row: T, key: K): number {
    return this.index.get(key) ?? this.add(row, key);
  }

  /** The index of `key`, undefined before it was added. */
  find(key: K): number | undefined {
    return this.index.get(key);
  }

  add(row: T, key: K): number {
    const i = this.rows.length;
    this.rows.push(row);
    this.index.set(key, i);
    return i;
  }
}

/** The header's signature-id sets: by the list itself first (the router shares one array per list), then by content. */
class SetTable {
  private readonly byContent = new HeaderTable<readonly string[], string>();
  private readonly byList = new Map<readonly string[], number>();

  get rows(): ReadonlyArray<readonly string[]> {
    return this.byContent.rows;
  }

  indexOf(ids: readonly string[]): number {
    let i = this.byList.get(ids);
    if (i === undefined) {
      i = this.byContent.indexOf(ids, ids.join('\u001f'));
      this.byList.set(ids, i);
    }
    return i;
  }
}

/** Pure: the value of a v3 keyed record (header line + one line per item) for upstream partition `p`. */
export function keyedLinesValue(p: number, items: readonly KeyedItem[]): string {
  const sets = new SetTable();
  const shapes = new HeaderTable<number[], LineShape>();
  const paths = new HeaderTable<readonly string[], string>();
  const o: number[] = [];
  const t: number[] = [];
  const s: number[] = [];
  const x: number[] = [];
  const h: number[] = [];
  // Slot 0 takes the header: the record is joined once (header + lines concatenated after the
  // join copied every line a second time).
  const lines: string[] = [''];
  for (const item of items) {
    o.push(item.o);
    t.push(item.t);
    s.push(sets.indexOf(item.ids));
    x.push(item.escalate.length > 0 ? sets.indexOf(item.escalate) : -1);
    let shape = shapes.find(item.shape);
    if (shape === undefined) {
      const row: number[] = [];
      const { paths: shapePaths, keys } = item.shape;
      for (let i = 0; i < shapePaths.length; i++)
        row.push(paths.indexOf(shapePaths[i] as readonly string[], keys[i] as string));
      shape = shapes.add(row, item.shape);
    }
    h.push(shape);
    lines.push(item.line);
  }
  lines[0] = JSON.stringify({ p, o, t, s, x, sets: sets.rows, h, shapes: shapes.rows, paths: paths.rows });
  if (items.length === 0) lines.push('');
  return lines.join('\n');
}

/** Rebuilds a line's `{c, e}` from its values (one function per shape, records.ts header). */
export type LineBuilder = (values: readonly unknown[]) => { c: Enrichment; e: SipEvent } | undefined;

/** One event of a v3 record, its line not parsed yet. */
export interface KeyedLine {
  p: number;
  o: number;
  t: number;
  ids: readonly string[];
  /** Empty when the event escalates nothing only. */
  escalate: readonly string[];
  /** The JSON array of its values (a slice of the record's text). */
  line: string;
  build: LineBuilder;
}

interface LinesHeader {
  p: number;
  o: number[];
  t: number[];
  s: number[];
  x: number[];
  sets: string[][];
  h: number[];
  shapes: number[][];
  paths: string[][];
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((k) => typeof k === 'string');
const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((k) => typeof k === 'number');

function isLinesHeader(h: unknown): h is LinesHeader {
  if (!isObject(h) || typeof h.p !== 'number') return false;
  if (!Array.isArray(h.sets) || !h.sets.every(isStrings)) return false;
  if (!Array.isArray(h.paths) || !h.paths.every(isStrings)) return false;
  if (!Array.isArray(h.shapes) || !h.shapes.every(isNumbers)) return false;
  const n = Array.isArray(h.o) ? h.o.length : -1;
  return [h.o, h.t, h.s, h.x, h.h].every((column) => isNumbers(column) && column.length === n);
}

type ShapeTree = Map<string, ShapeTree | number>;

/** The object literal that rebuilds a shape's tree: keys quoted as JSON strings (valid JS literals). */
function literal(tree: ShapeTree): string {
  const members: string[] = [];
  for (const [key, node] of tree)
    members.push(`${JSON.stringify(key)}:${typeof node === 'number' ? `v[${node}]` : literal(node)}`);
  return `{${members.join(',')}}`;
}

/** Shapes seen by a reader (a handful per signature set); cleared past this many. */
const MAX_SHAPES = 4096;

/**
 * The line builders of one reader, one per distinct shape. A builder is generated code: an object
 * literal per shape, the same nesting and key order as the writer's projection, so rebuilding a
 * line costs about what creating its objects costs (a closure walking the paths costs about twice
 * that, JSON.parse of the nested form three times: README "Speed"). Keys come from the record:
 * they enter the code only as JSON string literals, and `__proto__` (which a literal would take
 * for the prototype) makes the shape invalid.
 */
/** A path read segment by segment: its number, once seen (-1 before). */
interface PathStep {
  readonly next: Map<string, PathStep>;
  id: number;
}

/** A shape read path number by path number: its builder, once compiled. */
interface ShapeStep {
  readonly next: Map<number, ShapeStep>;
  compiled: boolean;
  build: LineBuilder | undefined;
}

/** Distinct paths numbered by a reader before it starts over. */
const MAX_PATHS = 65_536;

export class LineBuilders {
  /**
   * A number per distinct path (records list their paths in their own order), found by walking
   * its segments: every record names its paths, and a key string per path and record was most of
   * what the detect stage allocated besides the events themselves.
   */
  private paths: PathStep = { next: new Map(), id: -1 };
  private pathCount = 0;
  /** By the shape's path numbers. */
  private shapes: ShapeStep = { next: new Map(), compiled: false, build: undefined };
  private shapeCount = 0;

  /** The builders of a record's shapes (indices into `paths`); undefined when one is not a tree. */
  forRecord(paths: readonly string[][], shapes: readonly number[][]): LineBuilder[] | undefined {
    if (this.shapeCount >= MAX_SHAPES || this.pathCount >= MAX_PATHS) {
      this.paths = { next: new Map(), id: -1 };
      this.pathCount = 0;
      this.shapes = { next: new Map(), compiled: false, build: undefined };
      this.shapeCount = 0;
    }
    const ids: number[] = [];
    for (const path of paths) {
      let step = this.paths;
      for (const seg of path) {
        let next = step.next.get(seg);
        if (next === undefined) step.next.set(seg, (next = { next: new Map(), id: -1 }));
        step = next;
      }
      if (step.id === -1) step.id = this.pathCount++;
      ids.push(step.id);
    }
    const out: LineBuilder[] = [];
    for (const shape of shapes) {
      let step = this.shapes;
      for (const i of shape) {
        const id = ids[i];
        if (id === undefined) return undefined;
        let next = step.next.get(id);
        if (next === undefined) step.next.set(id, (next = { next: new Map(), compiled: false, build: undefined }));
        step = next;
      }
      if (!step.compiled) {
        step.build = compileBuilder(shape.map((i) => paths[i] as string[]));
        step.compiled = true;
        this.shapeCount++;
      }
      if (step.build === undefined) return undefined;
      out.push(step.build);
    }
    return out;
  }
}

function compileBuilder(paths: ReadonlyArray<readonly string[]>): LineBuilder | undefined {
  const root: ShapeTree = new Map();
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i] as readonly string[];
    if (path.length === 0 || path.includes('__proto__')) return undefined;
    let node = root;
    for (let j = 0; j < path.length - 1; j++) {
      const seg = path[j] as string;
      let next = node.get(seg);
      if (next === undefined) node.set(seg, (next = new Map()));
      // A path through a member already written as one value: not a tree.
      if (typeof next === 'number') return undefined;
      node = next;
    }
    const last = path[path.length - 1] as string;
    if (node.has(last)) return undefined;
    node.set(last, i);
  }
  const c = root.get('c');
  const e = root.get('e');
  if (root.size !== 2 || c === undefined || e === undefined) return undefined;
  const n = paths.length;
  // Generated code, keys JSON-quoted (LineBuilders): an object literal per shape is the cheap rebuild.
  const make = new Function('v', `return ${literal(root)};`) as (v: readonly unknown[]) => { c: unknown; e: unknown };
  return (values) => {
    if (values.length !== n) return undefined;
    const line = make(values);
    // A member kept whole may carry anything: `c` and `e` themselves must be objects.
    return isObject(line.c) && isObject(line.e) ? (line as { c: Enrichment; e: SipEvent }) : undefined;
  };
}

/**
 * Pure but for the builders' cache: the events of a v3 record, lines kept as text (the caller
 * parses each when it needs it); undefined when the header is not one or the lines do not match it.
 */
export function decodeKeyedLines(text: string, builders: LineBuilders): KeyedLine[] | undefined {
  let end = text.indexOf('\n');
  if (end === -1) end = text.length;
  let header: unknown;
  try {
    header = JSON.parse(text.slice(0, end));
  } catch {
    return undefined;
  }
  if (!isLinesHeader(header)) return undefined;
  const { p, o, t, s, x, sets, h, shapes, paths } = header;
  const builds = builders.forRecord(paths, shapes);
  if (builds === undefined) return undefined;
  const none: readonly string[] = [];
  const out: KeyedLine[] = [];
  let start = end + 1;
  for (let i = 0; i < o.length; i++) {
    if (start > text.length) return undefined;
    let nl = text.indexOf('\n', start);
    if (nl === -1) nl = text.length;
    const ids = sets[s[i] as number];
    const xi = x[i] as number;
    const escalate = xi === -1 ? none : sets[xi];
    const build = builds[h[i] as number];
    if (ids === undefined || escalate === undefined || build === undefined) return undefined;
    out.push({ p, o: o[i] as number, t: t[i] as number, ids, escalate, line: text.slice(start, nl), build });
    start = nl + 1;
  }
  return start >= text.length ? out : undefined;
}

/** A line of a v3 record: its projected enrichment and event; undefined when it is not one. */
export function parseKeyedLine(line: string, build: LineBuilder): { c: Enrichment; e: SipEvent } | undefined {
  let values: unknown;
  try {
    values = JSON.parse(line);
  } catch {
    return undefined;
  }
  return Array.isArray(values) ? build(values) : undefined;
}

/** Why a `sip.events` message cannot be analysed (dead-letter reason; stable strings). */
export type PoisonReason =
  | 'not_json'
  | 'not_an_object'
  | 'bad_timestamp'
  | 'bad_sip'
  | 'bad_addresses'
  | 'empty'
  | 'unknown_encoding'
  | 'batch_too_large';

/**
 * Events of one `sip.events` record are numbered `offset × EVENT_SLOTS + index`: the upstream
 * position the detect stage orders and de-duplicates by. A record holds at most this many events.
 */
export const EVENT_SLOTS = 65_536;

/** A header's text (kafkajs gives Buffers, strings or arrays of them). */
export function headerText(value: Buffer | string | ReadonlyArray<Buffer | string> | undefined): string | undefined {
  const first = Array.isArray(value) ? (value as ReadonlyArray<Buffer | string>)[0] : value;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : (first as Buffer).toString('utf8');
}

export type DecodedEvent =
  { ok: true; event: SipEvent; t: number } | { ok: false; reason: PoisonReason; detail: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Parses and checks one `sip.events` value: enough of the schema that the engine can never throw
 * on it (the fields every stage reads unguarded). Anything else is poison for the dead-letter topic.
 */
export function decodeSipEvent(value: Buffer | string | null): DecodedEvent {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty', detail: 'empty message value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'not_json', detail: (error as Error).message };
  }
  if (!isObject(parsed)) return { ok: false, reason: 'not_an_object', detail: 'value is not a JSON object' };
  const ts = parsed['@timestamp'];
  const t = typeof ts === 'string' ? eventTimeMs(ts) : NaN;
  if (!Number.isFinite(t)) return { ok: false, reason: 'bad_timestamp', detail: `@timestamp ${JSON.stringify(ts)}` };
  const sip = parsed.sip;
  if (!isObject(sip) || (sip.type !== 'request' && sip.type !== 'response') || typeof sip.size !== 'number') {
    return { ok: false, reason: 'bad_sip', detail: 'sip.type must be request|response and sip.size a number' };
  }
  if (sip.type === 'request' && typeof sip.method !== 'string') {
    return { ok: false, reason: 'bad_sip', detail: 'a request needs sip.method' };
  }
  if (sip.type === 'response' && typeof sip.status_code !== 'number') {
    return { ok: false, reason: 'bad_sip', detail: 'a response needs sip.status_code' };
  }
  const src = parsed.source;
  const dst = parsed.destination;
  if (!isObject(src) || !isObject(dst) || typeof src.ip !== 'string' || typeof dst.ip !== 'string') {
    return { ok: false, reason: 'bad_addresses', detail: 'source.ip and destination.ip must be strings' };
  }
  const ev = parsed.event;
  if (!isObject(ev) || typeof ev.id !== 'string') return { ok: false, reason: 'bad_sip', detail: 'event.id missing' };
  return { ok: true, event: parsed as unknown as SipEvent, t };
}

/**
 * A keyed record of any form, every event parsed (tests and tools; the detect stage parses v3
 * lines lazily). `contentType`: the record's content-type header.
 */
export function decodeKeyed(value: Buffer | null, contentType?: string): KeyedRecord | undefined {
  if (value === null) return undefined;
  if (contentType === KEYED_LINES) {
    const lines = decodeKeyedLines(value.toString('utf8'), new LineBuilders());
    if (lines === undefined) return undefined;
    const r: KeyedEvent[] = [];
    for (const { p, o, t, ids, escalate, line, build } of lines) {
      const parsed = parseKeyedLine(line, build);
      if (parsed === undefined) return undefined;
      r.push({ k: 'e', p, o, t, s: [...ids], ...(escalate.length > 0 ? { x: [...escalate] } : {}), ...parsed });
    }
    return { k: 'b', r };
  }
  if (contentType !== undefined) return undefined;
  try {
    const r = JSON.parse(value.toString('utf8')) as KeyedRecord;
    if (r.k === 'b') return Array.isArray(r.r) ? r : undefined;
    return r.k === 'e' || r.k === 'w' ? r : undefined;
  } catch {
    return undefined;
  }
}
