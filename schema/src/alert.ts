//! The alert: an ECS document (docs/contracts.md "Alert"). `sipward analyze`
//! prints it as JSONL; the analyzer daemon indexes it with `_id` = event.id.

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** ECS event.severity for each level: the four values Elastic's External Alerts rule maps. */
export const SEVERITY_NUMBER: Readonly<Record<Severity, 21 | 47 | 73 | 99>> = {
  low: 21,
  medium: 47,
  high: 73,
  critical: 99,
};

export interface AlertEvidence {
  /** event.id of the SIP event. */
  id: string;
  '@timestamp': string;
  /** Compact one-line summary, e.g. "REGISTER 10.77.0.66:5060 → 10.77.0.21:5060 401". */
  summary: string;
  /** Where the message sits in the incident: among the first, the one that crossed the threshold, among the last. */
  role?: EvidenceRole;
  /** The SIP message text, credentials redacted; absent when the event did not carry `sip.raw`. */
  raw?: string;
  source?: { ip: string; port: number };
  destination?: { ip: string; port: number };
  transport?: string;
}

export type EvidenceRole = 'first' | 'threshold' | 'last';

/** One field's distribution over a whole incident (README "Alert extensions"). */
export interface AlertAggregate {
  /** Most frequent values first, at most 10. */
  top: Array<{ value: string; count: number }>;
  /** Distinct values seen (a lower bound once `capped`). */
  distinct: number;
  /** More distinct values than the incident remembers: later new values are counted in `distinct` only. */
  capped?: true;
  first_seen: string;
  last_seen: string;
}

export interface Alert {
  '@timestamp': string;
  message: string;
  event: {
    kind: 'alert';
    category: string[];
    type: string[];
    outcome?: 'success' | 'failure' | 'unknown';
    action?: string;
    code: string;
    severity: 21 | 47 | 73 | 99;
    risk_score: number;
    /** Deterministic: same incident + same window → same id (re-processing never duplicates). */
    id: string;
    start: string;
    end: string;
    dataset: 'sipward.alert';
    module: 'sipward';
    reason?: string;
  };
  rule: {
    id: string;
    name: string;
    version: number;
    category: string;
    ruleset: 'sipward-fs38';
    description?: string;
    reference?: string;
  };
  threat?: {
    framework: 'MITRE ATT&CK';
    tactic?: { id: string[]; name: string[] };
    technique?: { id: string[]; name?: string[] };
  };
  source?: { ip?: string; port?: number };
  destination?: { ip?: string; port?: number };
  user?: { name?: string };
  related?: { ip?: string[]; user?: string[] };
  sip?: Record<string, unknown>;
  sipward: {
    fs38: { theme: string[] };
    count: number;
    threshold?: number;
    window_s?: number;
    group?: Record<string, string | number>;
    evidence: AlertEvidence[];
    /** Per field over the whole incident: `source.ip`, `destination.ip`, `user.name`, `user_agent.original`, `sip.request_uri_user`, `sip.call_id`. */
    aggregates?: Record<string, AlertAggregate>;
    /** Every Call-ID of the incident's events (at most 1000; `aggregates['sip.call_id'].distinct` has the total). */
    call_ids?: string[];
    /** The campaign the alert belongs to (schema/src/campaign.ts); optional for readers. */
    campaign?: { id: string };
  };
}
