//! Compiles a signature's predicates once into closures over the SIP event and its `txn.*`
//! enrichment (README "Predicates"). Evaluation parses nothing and compiles no regex: paths are
//! pre-split, strings pre-lowered, CIDRs pre-parsed.
import { unknownFieldProblem } from './known-fields';
import type { SipEvent } from '../../../../schema/src/sip-event';
import { IpSet } from './ip-set';
import type { PredicateSpec } from '../signature';
import { ENRICHMENT_ROOTS, type Enrichment } from '../enrich/enrichment';

/** A predicate over one event and the engine's enrichment of it. */
export type Predicate = (event: SipEvent, txn: Enrichment) => boolean;
/** A test of the value found at the end of a path (undefined when the path is absent). */
type LeafTest = (value: unknown) => boolean;
export type Scalar = string | number | boolean;

/** A problem in a signature, with the path (inside the YAML document) it concerns. */
export class SpecError extends Error {
  constructor(
    readonly path: ReadonlyArray<string | number>,
    message: string,
  ) {
    super(message);
  }
}

/** Field roots a path may start with: the SIP event's own plus the engine's enrichment. */
export const FIELD_ROOTS: ReadonlySet<string> = new Set([
  '@timestamp',
  'event',
  'observer',
  'source',
  'destination',
  'network',
  'sip',
  ...ENRICHMENT_ROOTS,
]);

/** Walks `segs` from `root`; arrays met before the end fan out (any element may match). */
function walk(node: unknown, segs: readonly string[], i: number, test: LeafTest): boolean {
  if (i === segs.length) return test(node);
  if (node === undefined || node === null || typeof node !== 'object') return test(undefined);
  const seg = segs[i] as string;
  if (Array.isArray(node)) {
    const index = ARRAY_INDEX.test(seg) ? Number(seg) : -1;
    if (index >= 0) return walk(node[index], segs, i + 1, test);
    if (node.length === 0) return test(undefined);
    for (const element of node) if (walk(element, segs, i, test)) return true;
    return false;
  }
  return walk((node as Record<string, unknown>)[seg], segs, i + 1, test);
}
const ARRAY_INDEX = /^\d+$/;

/** Precomputed path: `txn.*`, `dialog.*`, `site.*`, `num.*` read the enrichment, everything else the event. */
export interface FieldPath {
  readonly text: string;
  readonly fromCtx: boolean;
  readonly segs: readonly string[];
}

export function fieldPath(text: string): FieldPath {
  const segs = text.split('.');
  // The enrichment object holds its roots as members, so its paths keep the root segment.
  return { text, fromCtx: ENRICHMENT_ROOTS.has(segs[0] as string), segs };
}

export function testPath(path: FieldPath, event: SipEvent, txn: Enrichment, test: LeafTest): boolean {
  // Plain property reads until an array turns up (most paths never meet one); then the general walk.
  let node: unknown = path.fromCtx ? txn : event;
  const segs = path.segs;
  for (let i = 0; i < segs.length; i++) {
    if (node === undefined || node === null || typeof node !== 'object') return test(undefined);
    if (Array.isArray(node)) return walk(node, segs, i, test);
    node = (node as Record<string, unknown>)[segs[i] as string];
  }
  return test(node);
}

/** First scalar at `path` (first array element when the path fans out); for group keys and templates. */
export function firstValue(path: FieldPath, event: SipEvent, txn: Enrichment): Scalar | undefined {
  let node: unknown = path.fromCtx ? txn : event;
  for (const seg of path.segs) {
    while (Array.isArray(node) && !ARRAY_INDEX.test(seg)) node = node[0];
    if (node === undefined || node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  while (Array.isArray(node)) node = node[0];
  return typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean' ? node : undefined;
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Scalar tests see each element of an array leaf. */
function elementwise(test: LeafTest): LeafTest {
  return (v) => {
    if (!Array.isArray(v)) return test(v);
    for (const element of v) if (test(element)) return true;
    return false;
  };
}

/** Equality set that treats `401` and `"401"` alike: YAML authors should not have to care. */
function equalitySet(values: readonly Scalar[]): Set<Scalar> {
  const set = new Set<Scalar>();
  for (const v of values) {
    set.add(v);
    if (typeof v === 'number') set.add(String(v));
    else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) set.add(Number(v));
  }
  return set;
}

function stringList(value: unknown, path: ReadonlyArray<string | number>): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    if (!isScalar(item)) throw new SpecError([...path, i], 'expected a string');
    return String(item);
  });
}

function numberOf(value: unknown, path: ReadonlyArray<string | number>): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SpecError(path, 'expected a number');
  return value;
}

/**
 * Case-insensitive "contains any of these needles". Measured on `analyze` (18 signatures): the
 * former lower-then-`includes`-per-needle loop was the engine's top cost (MAL-04/05 test 40
 * needles on 9 fields of every event) and allocated a lowered copy per value. Here ASCII values
 * are scanned once without allocating: a position is compared with needles only when its two
 * (lowered) characters start one — on the first character alone, most letters of a User-Agent
 * started some tool name. Values with non-ASCII characters keep the exact toLowerCase semantics.
 */
function ciContains(list: readonly string[]): (value: string) => boolean {
  const needles = list.map((n) => n.toLowerCase()).filter((n) => n.length > 0);
  const slow = (value: string): boolean => {
    const lowered = value.toLowerCase();
    for (const needle of needles) if (lowered.includes(needle)) return true;
    return false;
  };
  if (list.length > needles.length) return () => true; // an empty needle is in every string
  if (needles.some((n) => !isAscii(n))) return slow;
  // Indexed by the character as it is: upper and lower case share a bucket (no folding per character).
  const byChar: (NeedleBucket | undefined)[] = new Array<NeedleBucket | undefined>(128).fill(undefined);
  for (const needle of needles) {
    const first = needle.charCodeAt(0);
    const bucket = (byChar[first] ??= { single: false, seconds: new Uint8Array(128), needles: [] });
    byChar[asciiUpper(first)] = bucket;
    if (needle.length === 1) bucket.single = true;
    else {
      const second = needle.charCodeAt(1);
      bucket.seconds[second] = 1;
      bucket.seconds[asciiUpper(second)] = 1;
      bucket.needles.push(needle);
    }
  }
  return (value) => {
    const n = value.length;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 128) return slow(value);
      const bucket = byChar[c];
      if (bucket === undefined) continue;
      if (bucket.single) return true;
      if (i + 1 === n) continue;
      const next = value.charCodeAt(i + 1);
      if (next >= 128) return slow(value);
      if (bucket.seconds[next] === 0) continue;
      for (const needle of bucket.needles) if (asciiMatchAt(value, i, needle)) return true;
    }
    return false;
  };
}

/** The upper-case form of an ASCII lower-case letter; any other character as it is. */
function asciiUpper(c: number): number {
  return c >= 97 && c <= 122 ? c - 32 : c;
}

/** Needles (lower-case ASCII) sharing a first character: which second characters they have. */
interface NeedleBucket {
  /** The one-character needle is this character itself. */
  single: boolean;
  seconds: Uint8Array;
  needles: string[];
}

/**
 * Case-insensitive membership in `lowered` (lower-cased entries). An ASCII value with no upper-case
 * letter is its own lower case: it is looked up as is instead of lower-cased into a new string
 * per event (From/To users are tested on every request).
 */
function ciMember(lowered: ReadonlySet<string>): (value: string) => boolean {
  return (value) => {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 128 || (c >= 65 && c <= 90)) return lowered.has(value.toLowerCase());
    }
    return lowered.has(value);
  };
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/** `needle` (lower-case ASCII) occurs at `at` in `value`, ASCII case folded; non-ASCII never equal. */
function asciiMatchAt(value: string, at: number, needle: string): boolean {
  if (at + needle.length > value.length) return false;
  for (let j = 1; j < needle.length; j++) {
    let c = value.charCodeAt(at + j);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== needle.charCodeAt(j)) return false;
  }
  return true;
}

function lowerOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v.toLowerCase() : typeof v === 'number' ? String(v) : undefined;
}

const MATCHER_KEYS = new Set([
  'ci_contains',
  'ci_prefix',
  'ci_equals',
  'list',
  'cidr',
  'not_cidr',
  'gte',
  'lte',
  'gt',
  'lt',
  'len_gte',
  'len_lte',
  'exists',
  'any_of',
  'not',
  'equals',
]);

/** One matcher (README "Predicates") → a leaf test. `path` locates it for error messages. */
export function compileMatcher(spec: unknown, path: ReadonlyArray<string | number>): LeafTest {
  if (isScalar(spec)) {
    const set = equalitySet([spec]);
    return elementwise((v) => set.has(v as Scalar));
  }
  if (Array.isArray(spec)) {
    const values = spec.map((item, i) => {
      if (!isScalar(item)) throw new SpecError([...path, i], 'a list matcher holds scalars only');
      return item;
    });
    const set = equalitySet(values);
    return elementwise((v) => set.has(v as Scalar));
  }
  if (spec === null || typeof spec !== 'object') throw new SpecError(path, 'expected a scalar, a list or a matcher');
  const tests: LeafTest[] = [];
  for (const [key, arg] of Object.entries(spec as Record<string, unknown>)) {
    const at = [...path, key];
    if (!MATCHER_KEYS.has(key)) throw new SpecError(at, `unknown matcher "${key}"`);
    switch (key) {
      case 'equals': {
        const set = equalitySet(stringList(arg, at));
        tests.push(elementwise((v) => set.has(v as Scalar)));
        break;
      }
      case 'ci_contains': {
        const contains = ciContains(stringList(arg, at));
        tests.push(
          elementwise((v) => {
            if (typeof v === 'string') return contains(v);
            return typeof v === 'number' ? contains(String(v)) : false;
          }),
        );
        break;
      }
      case 'ci_prefix': {
        const prefixes = stringList(arg, at).map((s) => s.toLowerCase());
        tests.push(
          elementwise((v) => {
            const s = lowerOf(v);
            if (s === undefined) return false;
            for (const prefix of prefixes) if (s.startsWith(prefix)) return true;
            return false;
          }),
        );
        break;
      }
      case 'ci_equals':
      case 'list': {
        // `{ list: name }` on its own is a case-insensitive membership test (the loader inlined it).
        const member = ciMember(new Set(stringList(arg, at).map((s) => s.toLowerCase())));
        tests.push(
          elementwise((v) => {
            if (typeof v === 'string') return member(v);
            return typeof v === 'number' && member(String(v));
          }),
        );
        break;
      }
      case 'cidr':
      case 'not_cidr': {
        let set: IpSet;
        try {
          set = new IpSet(stringList(arg, at));
        } catch (error) {
          throw new SpecError(at, (error as Error).message);
        }
        const inside = key === 'cidr';
        tests.push(elementwise((v) => typeof v === 'string' && set.contains(v) === inside));
        break;
      }
      case 'gte': {
        const n = numberOf(arg, at);
        tests.push(elementwise((v) => typeof v === 'number' && v >= n));
        break;
      }
      case 'lte': {
        const n = numberOf(arg, at);
        tests.push(elementwise((v) => typeof v === 'number' && v <= n));
        break;
      }
      case 'gt': {
        const n = numberOf(arg, at);
        tests.push(elementwise((v) => typeof v === 'number' && v > n));
        break;
      }
      case 'lt': {
        const n = numberOf(arg, at);
        tests.push(elementwise((v) => typeof v === 'number' && v < n));
        break;
      }
      case 'len_gte':
      case 'len_lte': {
        const n = numberOf(arg, at);
        const atLeast = key === 'len_gte';
        tests.push((v) => {
          const len = typeof v === 'string' || Array.isArray(v) ? v.length : undefined;
          return len !== undefined && (atLeast ? len >= n : len <= n);
        });
        break;
      }
      case 'exists': {
        if (typeof arg !== 'boolean') throw new SpecError(at, 'expected true or false');
        tests.push((v) => (v !== undefined && v !== null) === arg);
        break;
      }
      case 'any_of': {
        const list = Array.isArray(arg) ? arg : [arg];
        const set = equalitySet(
          list.map((item, i) => {
            if (!isScalar(item)) throw new SpecError([...at, i], 'expected a scalar');
            return item;
          }),
        );
        tests.push(elementwise((v) => set.has(v as Scalar)));
        break;
      }
      case 'not': {
        const inner = compileMatcher(arg, at);
        tests.push((v) => !inner(v));
        break;
      }
    }
  }
  if (tests.length === 0) throw new SpecError(path, 'empty matcher');
  if (tests.length === 1) return tests[0] as LeafTest;
  return (v) => {
    for (const test of tests) if (!test(v)) return false;
    return true;
  };
}

/** `{ same_as: <path> }` / `{ differs_from: <path> }`: a comparison with another field of the event. */
function fieldComparison(
  spec: unknown,
  at: ReadonlyArray<string | number>,
): { path: FieldPath; same: boolean } | undefined {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return undefined;
  const keys = Object.keys(spec);
  if (keys.length !== 1 || (keys[0] !== 'same_as' && keys[0] !== 'differs_from')) return undefined;
  const target = (spec as Record<string, unknown>)[keys[0]];
  if (typeof target !== 'string') throw new SpecError([...at, keys[0]], 'expected a field path');
  const root = target.split('.')[0] ?? '';
  if (!FIELD_ROOTS.has(root)) throw new SpecError([...at, keys[0]], `unknown field root "${root}"`);
  const unknown = unknownFieldProblem(target);
  if (unknown !== undefined) throw new SpecError([...at, keys[0]], unknown);
  return { path: fieldPath(target), same: keys[0] === 'same_as' };
}

/** A field's matcher: the common part of a predicate, evaluated without a closure of its own. */
interface FieldTest {
  readonly path: FieldPath;
  readonly test: LeafTest;
}

/** A predicate map split into its field tests and the rest (any / all / not / field comparisons). */
interface Conjunction {
  readonly fields: FieldTest[];
  readonly others: Predicate[];
}

/** A predicate map → one closure (AND of its entries; `any` is OR, `not` negates, `all` is AND). */
export function compilePredicate(spec: PredicateSpec, path: ReadonlyArray<string | number>): Predicate {
  return conjunctionOf(compileConjunction(spec, path));
}

function compileConjunction(spec: PredicateSpec, path: ReadonlyArray<string | number>): Conjunction {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new SpecError(path, 'expected a map of field → matcher');
  }
  const fields: FieldTest[] = [];
  const others: Predicate[] = [];
  for (const [key, value] of Object.entries(spec)) {
    const at = [...path, key];
    if (key === 'any' || key === 'all') {
      if (!Array.isArray(value) || value.length === 0)
        throw new SpecError(at, 'expected a non-empty list of predicates');
      const inner = value.map((item, i) => compileConjunction(item as PredicateSpec, [...at, i]));
      others.push(key === 'any' ? disjunctionOf(inner) : allOf(inner.map(conjunctionOf)));
      continue;
    }
    if (key === 'not') {
      const inner = compilePredicate(value as PredicateSpec, at);
      others.push((e, t) => !inner(e, t));
      continue;
    }
    const root = key.split('.')[0] ?? '';
    if (!FIELD_ROOTS.has(root)) throw new SpecError(at, `unknown field root "${root}"`);
    const unknown = unknownFieldProblem(key);
    if (unknown !== undefined) throw new SpecError(at, unknown);
    const field = fieldPath(key);
    const other = fieldComparison(value, at);
    if (other !== undefined) {
      // Field against field (REG-03: auth username ≠ From user): both present, compared as text,
      // case-insensitively (SIP user parts are case-sensitive, but operators' provisioning is not).
      const { path: otherPath, same } = other;
      others.push((e, t) => {
        const a = firstValue(field, e, t);
        const b = firstValue(otherPath, e, t);
        if (a === undefined || b === undefined) return false;
        return (String(a).toLowerCase() === String(b).toLowerCase()) === same;
      });
      continue;
    }
    fields.push({ path: field, test: compileMatcher(value, at) });
  }
  return { fields, others };
}

/**
 * AND of a conjunction. Field tests run first, in the order written, then the combinators: the
 * tests are pure, so the order changes only the cost — an `any` of nine substring scans (MAL-05)
 * is reached only by a message the plain field tests let through.
 */
function conjunctionOf({ fields, others }: Conjunction): Predicate {
  if (others.length === 0) {
    const only = fields.length === 1 ? fields[0] : undefined;
    if (only !== undefined) return (e, t) => testPath(only.path, e, t, only.test);
    return (e, t) => {
      for (const f of fields) if (!testPath(f.path, e, t, f.test)) return false;
      return true;
    };
  }
  if (fields.length === 0 && others.length === 1) return others[0] as Predicate;
  return (e, t) => {
    for (const f of fields) if (!testPath(f.path, e, t, f.test)) return false;
    for (const p of others) if (!p(e, t)) return false;
    return true;
  };
}

function allOf(inner: readonly Predicate[]): Predicate {
  return (e, t) => {
    for (const p of inner) if (!p(e, t)) return false;
    return true;
  };
}

/** OR; when every alternative is one field test (MAL-04/05, REC-01), without a closure per alternative. */
function disjunctionOf(inner: readonly Conjunction[]): Predicate {
  const single = inner.map((c) => (c.others.length === 0 && c.fields.length === 1 ? c.fields[0] : undefined));
  if (single.every((f) => f !== undefined)) {
    const fields = single as FieldTest[];
    return (e, t) => {
      for (const f of fields) if (testPath(f.path, e, t, f.test)) return true;
      return false;
    };
  }
  const alternatives = inner.map(conjunctionOf);
  return (e, t) => {
    for (const p of alternatives) if (p(e, t)) return true;
    return false;
  };
}

/** Matches when any entry matches (allowlist semantics: each top-level field is its own entry). */
export function compileAllowlist(spec: PredicateSpec, path: ReadonlyArray<string | number>): Predicate {
  const entries = Object.entries(spec).map(([key, value]) => compilePredicate({ [key]: value }, path));
  return (e, t) => {
    for (const p of entries) if (p(e, t)) return true;
    return false;
  };
}

/** Incident values a message template can name besides event fields. */
export interface TemplateVars {
  'rule.id': string;
  'rule.name': string;
  count: number;
  threshold: number | undefined;
  window_s: number | undefined;
}
const TEMPLATE_VARS: ReadonlySet<string> = new Set(['rule.id', 'rule.name', 'count', 'threshold', 'window_s']);

export type Template = (event: SipEvent, txn: Enrichment, vars: TemplateVars) => string;

/** What an absent value renders as outside an optional part (never a bare "?"). */
export const ABSENT_VALUE = '(none)';

/**
 * `{field}` placeholders (event/`txn.*` paths or incident values) → a renderer. `[[ … ]]` marks an
 * optional part, left out when any placeholder inside it is absent ("PAI {a}[[, PPI {b}]]"); an
 * absent value elsewhere renders as ABSENT_VALUE.
 */
export function compileTemplate(template: string): Template {
  const parts: Array<{ optional: boolean; pieces: TemplatePiece[] }> = [];
  const re = /\[\[([\s\S]*?)\]\]/g;
  let last = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    if (m.index > last) parts.push({ optional: false, pieces: compilePieces(template.slice(last, m.index)) });
    parts.push({ optional: true, pieces: compilePieces(m[1] ?? '') });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ optional: false, pieces: compilePieces(template.slice(last)) });
  return (e, t, vars) => {
    let out = '';
    for (const part of parts) {
      let text = '';
      let complete = true;
      for (const piece of part.pieces) {
        if (typeof piece === 'string') {
          text += piece;
          continue;
        }
        const v = piece(e, t, vars);
        if (v === undefined) {
          complete = false;
          if (part.optional) break;
          text += ABSENT_VALUE;
        } else text += v;
      }
      if (complete || !part.optional) out += text;
    }
    return out;
  };
}

type TemplatePiece = string | ((event: SipEvent, txn: Enrichment, vars: TemplateVars) => string | undefined);

function compilePieces(template: string): TemplatePiece[] {
  const pieces: TemplatePiece[] = [];
  const re = /\{([^{}]+)\}/g;
  let last = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    if (m.index > last) pieces.push(template.slice(last, m.index));
    const name = (m[1] ?? '').trim();
    if (TEMPLATE_VARS.has(name)) {
      const key = name as keyof TemplateVars;
      pieces.push((_e, _t, vars) => (vars[key] === undefined ? undefined : String(vars[key])));
    } else {
      const path = fieldPath(name);
      pieces.push((e, t) => {
        const v = firstValue(path, e, t);
        return v === undefined || v === '' ? undefined : String(v);
      });
    }
    last = m.index + m[0].length;
  }
  if (last < template.length) pieces.push(template.slice(last));
  return pieces;
}
