//! What the console reads and how it asks: the alert and call views (every extension field
//! optional, schema/src/alert.ts), the queries behind each page, and the one interface both
//! data sources (an `analyze --out-dir` directory, Elasticsearch) implement.
import type { Alert, AlertEvidence } from '../../schema/src/alert';
import type { CallRecord } from '../../schema/src/call-record';

/** An evidence item as the console reads it: `summary` always, the rest when the analyzer wrote it. */
export interface EvidenceView extends AlertEvidence {
  role?: 'first' | 'threshold' | 'last';
  raw?: string;
  source?: { ip: string; port: number };
  destination?: { ip: string; port: number };
  transport?: string;
}

export interface AggregateView {
  top: Array<{ value: string; count: number }>;
  distinct: number;
  capped?: boolean;
  first_seen?: string;
  last_seen?: string;
}

/** An alert with the optional fields later analyzers add; a reader never assumes any of them. */
export interface AlertView extends Omit<Alert, 'sipward'> {
  sipward: Omit<Alert['sipward'], 'evidence'> & {
    evidence: EvidenceView[];
    aggregates?: Record<string, AggregateView>;
    call_ids?: string[];
    campaign?: { id?: string };
  };
}

export type CallView = CallRecord;

/** One SIP message of a call's transaction log (`sip-log.jsonl`), as far as the ladder needs it. */
export interface SipLogEntry {
  id?: string;
  '@timestamp': string;
  callId: string;
  summary?: string;
  method?: string;
  status?: number;
  source?: { ip: string; port?: number };
  destination?: { ip: string; port?: number };
  raw?: string;
}

export interface TimeRange {
  /** ISO date-time (inclusive); alerts are placed by @timestamp. */
  from?: string;
  to?: string;
}

export interface AlertQuery extends TimeRange {
  severity?: number;
  signature?: string;
  theme?: string;
  /** source.ip, exact. */
  source?: string;
  /** user.name, exact. */
  account?: string;
  campaign?: string;
  page: number;
  pageSize: number;
}

export interface CallQuery extends TimeRange {
  country?: string;
  numberType?: string;
  /** caller.user or caller.auth_user, exact. */
  account?: string;
  minDurationS?: number;
  maxDurationS?: number;
  answered?: boolean;
  page: number;
  pageSize: number;
}

export interface Count {
  key: string;
  count: number;
}

export interface Page<T> {
  items: T[];
  /** Every match of the filters (not only this page). */
  total: number;
}

export interface AlertPage extends Page<AlertView> {
  /** Matches per signature under the current filters, most first. */
  bySignature: Count[];
}

export interface FraudRow {
  key: string;
  calls: number;
  answered: number;
  /** Sum of duration_s of answered calls. */
  minutes: number;
  /** Distinct destinations (per account) or distinct accounts (per destination). */
  distinct: number;
  alerts: number;
}

export interface FraudReport {
  byAccount: FraudRow[];
  byDestination: FraudRow[];
  totals: { calls: number; answered: number; minutes: number };
  /** Set when the report covers only part of the range. */
  limit?: string;
}

/** The console's data access: read-only; each page asks for exactly what it shows. */
export interface ConsoleStore {
  /** Where the data comes from, for the page header ("directory /x", "Elasticsearch http://…"). */
  readonly description: string;
  alerts(query: AlertQuery): Promise<AlertPage>;
  alert(id: string): Promise<AlertView | undefined>;
  calls(query: CallQuery): Promise<Page<CallView>>;
  call(id: string): Promise<CallView | undefined>;
  /** Calls the alert touched: listed in the call's alert_ids, or sharing a Call-ID with it. */
  callsOfAlert(alert: AlertView): Promise<CallView[]>;
  alertsOfCall(call: CallView): Promise<AlertView[]>;
  /** The call's SIP messages from the transaction log; empty when there is none. */
  sipLog(callId: string): Promise<SipLogEntry[]>;
  fraud(range: TimeRange): Promise<FraudReport>;
  /** Alerts per rule.id over everything. */
  alertCountsBySignature(): Promise<Count[]>;
  /** Undefined while the source answers; otherwise one line for the page banner. */
  health(): Promise<string | undefined>;
  /** Lasting remarks about the data (unreadable lines), shown under the header. */
  readonly notices: readonly string[];
  close(): Promise<void>;
}

/** Raised by a store whose backend stopped answering mid-session: the page shows a banner. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

export const ACCOUNT_NONE = '(none)';
export const DESTINATION_UNKNOWN = '(not E.164)';

/** The account a call is billed to: the digest user when it authenticated, else the From user. */
export function callAccount(call: CallView): string {
  return call.caller.auth_user ?? call.caller.user ?? ACCOUNT_NONE;
}

/** Where a call went, for the fraud report: country, else the dialled user. */
export function callDestination(call: CallView): string {
  return call.callee.country ?? DESTINATION_UNKNOWN;
}
