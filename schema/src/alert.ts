//! The alert: an ECS document (DESIGN.md "Alert", ../shared/alert-format.md). `sipward analyze`
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
  };
}
