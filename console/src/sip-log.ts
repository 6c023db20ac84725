//! Reading SIP messages for the ladder from whatever carries them: an evidence item (its
//! `source`/`destination` when present, else its one-line summary) or a transaction-log line
//! (`sip-log.jsonl` / `logs-sipward.sip-*`: one SIP transaction — request, provisional and final
//! responses — or one SIP event, or a flat `{call_id, method, status, source, destination}`).
import type { EvidenceView, SipLogEntry } from './model';

export interface Endpoint {
  ip: string;
  port?: number;
}

/** One arrow of a ladder. */
export interface LadderMessage {
  id: string;
  timestamp: string;
  from: Endpoint;
  to: Endpoint;
  /** "INVITE", "INVITE 1000", "403 REGISTER". */
  label: string;
  raw?: string;
  summary?: string;
}

const ENDPOINT = String.raw`(\[[0-9a-fA-F:.]+\]|[^\s\[\]]+?):(\d+)`;
// The evidence summary: "METHOD [ruri-user] src → dst" for requests, "METHOD src → dst STATUS" for responses.
const SUMMARY = new RegExp(`^(\\S+)(?: (\\S+))? ${ENDPOINT} → ${ENDPOINT}(?: (.+))?$`);

function unbracket(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

export interface ParsedSummary {
  method: string;
  requestUriUser?: string;
  from: Endpoint;
  to: Endpoint;
  status?: string;
}

export function parseSummary(summary: string): ParsedSummary | undefined {
  const m = SUMMARY.exec(summary.trim());
  if (m === null) return undefined;
  const [, method, user, srcHost, srcPort, dstHost, dstPort, status] = m;
  if (method === undefined || srcHost === undefined || dstHost === undefined) return undefined;
  return {
    method,
    ...(user !== undefined ? { requestUriUser: user } : {}),
    from: { ip: unbracket(srcHost), port: Number(srcPort) },
    to: { ip: unbracket(dstHost), port: Number(dstPort) },
    ...(status !== undefined ? { status } : {}),
  };
}

function label(method: string | undefined, status: string | number | undefined, user?: string): string {
  if (status !== undefined) return `${status} ${method ?? ''}`.trim();
  return [method ?? 'request', user].filter((s) => s !== undefined).join(' ');
}

/** An evidence item as an arrow; undefined when it names no endpoints at all. */
export function evidenceMessage(item: EvidenceView): LadderMessage | undefined {
  const parsed = parseSummary(item.summary);
  const from = item.source ?? parsed?.from;
  const to = item.destination ?? parsed?.to;
  if (from === undefined || to === undefined) return undefined;
  return {
    id: item.id,
    timestamp: item['@timestamp'],
    from,
    to,
    label:
      parsed === undefined
        ? (item.summary.split(' ')[0] ?? '?')
        : label(parsed.method, parsed.status, parsed.requestUriUser),
    summary: item.summary,
    ...(item.raw !== undefined ? { raw: item.raw } : {}),
  };
}

export function logMessage(entry: SipLogEntry, index: number): LadderMessage | undefined {
  const parsed = entry.summary === undefined ? undefined : parseSummary(entry.summary);
  const from = entry.source ?? parsed?.from;
  const to = entry.destination ?? parsed?.to;
  if (from === undefined || to === undefined) return undefined;
  return {
    id: entry.id ?? `log-${index}`,
    timestamp: entry['@timestamp'],
    from,
    to,
    label: label(entry.method ?? parsed?.method, entry.status ?? parsed?.status, parsed?.requestUriUser),
    ...(entry.summary !== undefined ? { summary: entry.summary } : {}),
    ...(entry.raw !== undefined ? { raw: entry.raw } : {}),
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function endpointOf(v: unknown): Endpoint | undefined {
  const ip = str(rec(v)['ip']);
  if (ip === undefined) return undefined;
  const port = num(rec(v)['port']);
  return port === undefined ? { ip } : { ip, port };
}

const ISO_TIME = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/;

/** An ISO time in µs since the epoch, exactly (Date.parse keeps only ms). */
export function timeMicros(timestamp: string): number {
  const m = ISO_TIME.exec(timestamp);
  if (m === null) return Date.parse(timestamp) * 1000;
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
}

/** Messages in time order (µs); equal times keep their order (a request before its responses). */
export function inTimeOrder<T extends { '@timestamp': string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => timeMicros(a['@timestamp']) - timeMicros(b['@timestamp']));
}

/** ISO time + ms, keeping microseconds ("…T18:10:14.105484Z" + 2.5 → "…T18:10:14.107984Z"). */
export function addMs(timestamp: string, ms: number): string {
  const micros = timeMicros(timestamp) + Math.round(ms * 1000);
  if (!Number.isFinite(micros)) return timestamp;
  const whole = Math.floor(micros / 1_000_000);
  const fraction = String(micros - whole * 1_000_000).padStart(6, '0');
  return `${new Date(whole * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/**
 * A transaction record (one per request/final response, Zeek sip.log style) as its messages: the
 * request, each provisional response (placed at the first response time: only that one is
 * recorded), and the final response.
 */
function transactionEntries(doc: Record<string, unknown>, sip: Record<string, unknown>): SipLogEntry[] {
  const callId = str(sip['call_id']);
  const timestamp = str(doc['@timestamp']);
  const method = str(sip['method']);
  const source = endpointOf(doc['source']);
  const destination = endpointOf(doc['destination']);
  if (callId === undefined || timestamp === undefined || source === undefined || destination === undefined) return [];
  const timings = rec(sip['timings']);
  const id = str(rec(doc['event'])['id']) ?? `${callId}-${String(sip['cseq'])}-${method ?? ''}`;
  const user = str(sip['request_uri_user']);
  const entries: SipLogEntry[] = [
    {
      '@timestamp': timestamp,
      callId,
      id: str(sip['request_event_id']) ?? `${id}-request`,
      ...(method !== undefined ? { method } : {}),
      summary: `${method ?? 'request'}${user !== undefined ? ` ${user}` : ''} ${endpointText(source)} → ${endpointText(destination)}`,
      source,
      destination,
    },
  ];
  const response = (status: number, at: number | undefined, eventId: string): SipLogEntry => ({
    '@timestamp': at === undefined ? timestamp : addMs(timestamp, at),
    callId,
    id: eventId,
    ...(method !== undefined ? { method } : {}),
    status,
    summary: `${method ?? 'response'} ${endpointText(destination)} → ${endpointText(source)} ${status}`,
    source: destination,
    destination: source,
  });
  const provisional = Array.isArray(sip['provisional'])
    ? sip['provisional'].filter((c): c is number => typeof c === 'number')
    : [];
  provisional.forEach((code, i) =>
    entries.push(response(code, num(timings['first_response_ms']), `${id}-${code}-${i}`)),
  );
  const status = num(sip['status_code']);
  if (status !== undefined) {
    entries.push(response(status, num(timings['final_ms']), str(sip['response_event_id']) ?? `${id}-final`));
  }
  return entries;
}

function endpointText(e: Endpoint): string {
  const host = e.ip.includes(':') ? `[${e.ip}]` : e.ip;
  return e.port === undefined ? host : `${host}:${e.port}`;
}

/** A sip-log line as the messages it records: a transaction (several), a SIP event or a flat line (one). */
export function toSipLogEntries(doc: Record<string, unknown>): SipLogEntry[] {
  const sip = rec(doc['sip']);
  if (typeof sip['cseq'] === 'number' || rec(doc['event'])['dataset'] === 'sipward.sip')
    return transactionEntries(doc, sip);
  const one = toSipLogEntry(doc);
  return one === undefined ? [] : [one];
}

/** A sip-log.jsonl line, SIP-event-shaped or flat; undefined when it has no Call-ID or time. */
export function toSipLogEntry(doc: Record<string, unknown>): SipLogEntry | undefined {
  const sip = rec(doc['sip']);
  const cseq = rec(sip['cseq']);
  const callId = str(sip['call_id']) ?? str(doc['call_id']);
  const timestamp = str(doc['@timestamp']);
  if (callId === undefined || timestamp === undefined) return undefined;
  const method = str(sip['method']) ?? str(cseq['method']) ?? str(doc['method']);
  const status = num(sip['status_code']) ?? num(doc['status']) ?? num(doc['status_code']);
  const source = endpointOf(doc['source']);
  const destination = endpointOf(doc['destination']);
  const id = str(rec(doc['event'])['id']) ?? str(doc['id']);
  const summary = str(doc['summary']);
  const raw = str(sip['raw']) ?? str(doc['raw']);
  return {
    '@timestamp': timestamp,
    callId,
    ...(id !== undefined ? { id } : {}),
    ...(method !== undefined ? { method } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(source !== undefined ? { source } : {}),
    ...(destination !== undefined ? { destination } : {}),
    ...(summary !== undefined ? { summary } : {}),
    ...(raw !== undefined ? { raw } : {}),
  };
}
