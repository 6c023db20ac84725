//! What travels between the pipeline's stages. `sip.events` carries SIP events (the collectors'
//! contract); the analyzer's own keyed topic carries enriched events for the detect stage plus
//! watermark ticks, as JSON:
//!   { "k": "b", "r": [<keyed event>, ...] }   one record per keyed partition per delivery (v2)
//!   { "k": "e", "p": <upstream partition>, "o": <upstream position>, "t": <event ms>,
//!     "c": <enrichment>, "e": <SipEvent, projected>, "s": [<signature ids owning a group here>],
//!     "x": [<signature ids whose incident here it may only escalate>] (omitted when none) }
//!   { "k": "w", "p": <upstream partition>, "t": <stream time ms, minus lateness>, "i": <idle> }
//! `e` and `c` carry only the fields the record's signatures and alert building read
//! (projection.ts); an older analyzer's whole events are a superset and read the same. A single
//! keyed event per record ("k": "e", v1) is still read: a keyed topic written by an older analyzer
//! drains after an upgrade.
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

/** Builds a batch value from keyed events already serialised (each one stringified once). */
export function keyedBatchValue(items: readonly string[]): string {
  return `{"k":"b","r":[${items.join(',')}]}`;
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

export function decodeKeyed(value: Buffer | null): KeyedRecord | undefined {
  if (value === null) return undefined;
  try {
    const r = JSON.parse(value.toString('utf8')) as KeyedRecord;
    if (r.k === 'b') return Array.isArray(r.r) ? r : undefined;
    return r.k === 'e' || r.k === 'w' ? r : undefined;
  } catch {
    return undefined;
  }
}
