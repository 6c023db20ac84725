//! Incident aggregates (`sipward.aggregates`): per field, how often each value occurred over the
//! whole incident, oriented as the attack flows (for a response, the requester is the source).
//! Bounded per field; past the bound new values are still counted as distinct but not remembered.
import type { AlertAggregate } from '../../../schema/src/alert';
import type { SipEvent } from '../../../schema/src/sip-event';
import type { TxnInfo } from '../state/transaction-table';
import type { EvidenceParts } from './evidence';

export const AGGREGATE_FIELDS = [
  'source.ip',
  'destination.ip',
  'user.name',
  'user_agent.original',
  'sip.request_uri_user',
  'sip.call_id',
] as const;
export type AggregateField = (typeof AGGREGATE_FIELDS)[number];

const MAX_VALUES_PER_FIELD = 10_000;
const TOP_N = 10;
/** Call ids listed in the alert (`sipward.call_ids`). */
export const MAX_ALERT_CALL_IDS = 1000;

interface ValueStats {
  count: number;
  firstMs: number;
  lastMs: number;
  first: string;
  last: string;
}

class FieldTally {
  readonly values = new Map<string, ValueStats>();
  distinct = 0;
  capped = false;
  /** Floods repeat one value: the last one's stats skip the map lookup. */
  private lastValue: string | undefined;
  private lastStats: ValueStats | undefined;

  /** True when the value is new to the incident. */
  add(value: string, ms: number, at: string): boolean {
    const s = value === this.lastValue ? this.lastStats : this.values.get(value);
    if (s !== undefined) {
      s.count++;
      if (ms >= s.lastMs) {
        s.lastMs = ms;
        s.last = at;
      }
      if (ms < s.firstMs) {
        s.firstMs = ms;
        s.first = at;
      }
      this.lastValue = value;
      this.lastStats = s;
      return false;
    }
    this.distinct++;
    if (this.values.size >= MAX_VALUES_PER_FIELD) {
      this.capped = true;
      return true;
    }
    const fresh = { count: 1, firstMs: ms, lastMs: ms, first: at, last: at };
    this.values.set(value, fresh);
    this.lastValue = value;
    this.lastStats = fresh;
    return true;
  }

  toAggregate(): AlertAggregate | undefined {
    if (this.values.size === 0) return undefined;
    let firstMs = Infinity;
    let lastMs = -Infinity;
    let first = '';
    let last = '';
    for (const s of this.values.values()) {
      if (s.firstMs < firstMs) [firstMs, first] = [s.firstMs, s.first];
      if (s.lastMs > lastMs) [lastMs, last] = [s.lastMs, s.last];
    }
    const top = [...this.values.entries()]
      .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, TOP_N)
      .map(([value, s]) => ({ value, count: s.count }));
    return {
      top,
      distinct: this.distinct,
      ...(this.capped ? { capped: true as const } : {}),
      first_seen: first,
      last_seen: last,
    };
  }
}

export class IncidentTally {
  private readonly fields = new Map<AggregateField, FieldTally>();
  /** Call ids in order of first appearance (bounded), for links to call records. */
  readonly callIds: string[] = [];

  /** Counts one event's facts at event time `ms`; returns its Call-ID when the incident had not seen it yet. */
  add(p: EvidenceParts, ms: number): string | undefined {
    return this.addFacts(
      p.timestamp,
      ms,
      p.isResponse,
      p.srcIp,
      p.dstIp,
      p.user,
      p.userAgent,
      p.requestUriUser,
      p.callId,
    );
  }

  /** The same straight from the event (incidents after their crossing: no intermediate object per event). */
  addEvent(event: SipEvent, txn: TxnInfo, ms: number): string | undefined {
    const sip = event.sip;
    const isResponse = sip.type === 'response';
    return this.addFacts(
      event['@timestamp'],
      ms,
      isResponse,
      event.source.ip,
      event.destination.ip,
      sip.auth?.username ?? (isResponse ? txn.request_auth_username : undefined) ?? sip.from?.user,
      isResponse ? txn.request_user_agent : sip.user_agent,
      isResponse ? undefined : sip.request_uri_user,
      sip.call_id,
    );
  }

  private addFacts(
    at: string,
    ms: number,
    isResponse: boolean,
    srcIp: string,
    dstIp: string,
    user: string | undefined,
    userAgent: string | undefined,
    requestUriUser: string | undefined,
    callId: string | undefined,
  ): string | undefined {
    this.count('source.ip', isResponse ? dstIp : srcIp, ms, at);
    this.count('destination.ip', isResponse ? srcIp : dstIp, ms, at);
    this.count('user.name', user, ms, at);
    this.count('user_agent.original', userAgent, ms, at);
    this.count('sip.request_uri_user', requestUriUser, ms, at);
    if (callId === undefined || callId === '') return undefined;
    const isNew = this.count('sip.call_id', callId, ms, at);
    if (!isNew) return undefined;
    if (this.callIds.length < MAX_ALERT_CALL_IDS) this.callIds.push(callId);
    return callId;
  }

  /** Distinct values of a field (0 when none was seen). */
  distinct(field: AggregateField): number {
    return this.fields.get(field)?.distinct ?? 0;
  }

  /** The only value of a field when the incident saw exactly one. */
  single(field: AggregateField): string | undefined {
    const f = this.fields.get(field);
    if (f === undefined || f.distinct !== 1) return undefined;
    return f.values.keys().next().value;
  }

  /** Every remembered value of a field, most frequent first (at most `limit`). */
  values(field: AggregateField, limit: number): string[] {
    const f = this.fields.get(field);
    if (f === undefined) return [];
    return [...f.values.entries()]
      .sort((a, b) => b[1].count - a[1].count)
      .slice(0, limit)
      .map(([v]) => v);
  }

  toAggregates(): Record<string, AlertAggregate> {
    const out: Record<string, AlertAggregate> = {};
    for (const name of AGGREGATE_FIELDS) {
      const agg = this.fields.get(name)?.toAggregate();
      if (agg !== undefined) out[name] = agg;
    }
    return out;
  }

  private count(field: AggregateField, value: string | undefined, ms: number, at: string): boolean {
    if (value === undefined || value === '') return false;
    let f = this.fields.get(field);
    if (f === undefined) {
      f = new FieldTally();
      this.fields.set(field, f);
    }
    return f.add(value, ms, at);
  }
}
