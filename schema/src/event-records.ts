//! How SIP events travel in `sip.events` records (docs/contracts.md "Kafka"; README "Pipeline"), the
//! contract between `sipward collect` and the analyzer:
//!   content-type application/x-ndjson — many events of one partition in one value, one
//!     `sipward decode` line each, separated by "\n" (what collect writes; header `events` = count);
//!   content-type application/json (or none) — one event per value (the first form, still read).
//! The header `schema-version` is the SIP event schema's version (SCHEMA_VERSION) in both forms.
//! JSON lines were chosen by measurement over a binary form: the analyzer parses each event once
//! either way, JSON.parse is the fastest decoder Node has, and the broker's gzip takes the
//! repetition out (README "Speed").

export const CONTENT_TYPE_EVENT = 'application/json';
export const CONTENT_TYPE_EVENT_BATCH = 'application/x-ndjson';

export type RecordEncoding = 'event' | 'batch';

/** Pure: the encoding a record's content-type header names; undefined for one this reader does not know. */
export function recordEncoding(contentType: string | undefined): RecordEncoding | undefined {
  if (contentType === undefined || contentType === CONTENT_TYPE_EVENT) return 'event';
  if (contentType === CONTENT_TYPE_EVENT_BATCH) return 'batch';
  return undefined;
}

/** Pure: a batch value from `sipward decode` lines without their newline. */
export function encodeEventBatch(lines: readonly string[]): string {
  return lines.join('\n');
}

/** Pure: the event lines of a batch value (an empty line, e.g. a trailing newline, is skipped). */
export function splitEventBatch(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const nl = value.indexOf('\n', start);
    const end = nl === -1 ? value.length : nl;
    if (end > start) out.push(value.slice(start, end));
    if (nl === -1) return out;
    start = nl + 1;
  }
}
