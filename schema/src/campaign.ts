//! The campaign: one attack story across signatures (scan → enumeration → brute force → success →
//! toll fraud). Alerts that share a source address, an account or a dialled number within an hour
//! carry the same `sipward.campaign.id`; this document sums them up. `sipward analyze --campaigns`
//! writes one per line (JSONL). Readers must treat every field but the ids as optional.
import type { Severity } from './alert';

export interface Campaign {
  /** The first alert's start. */
  '@timestamp': string;
  message: string;
  event: {
    kind: 'alert';
    dataset: 'sipward.campaign';
    module: 'sipward';
    /** = sipward.campaign.id: `cmp-` + the id of the first alert linked to it (a re-run gives the same id). */
    id: string;
    start: string;
    end: string;
    /** The highest severity of its alerts (21/47/73/99). */
    severity: 21 | 47 | 73 | 99;
    risk_score: number;
  };
  related: { ip: string[]; user: string[] };
  sipward: {
    campaign: {
      id: string;
      first_seen: string;
      last_seen: string;
      /** Signature ids in the order they first fired. */
      signatures: string[];
      severity: Severity;
      alerts: number;
      /** event.id of its alerts (the first 100). */
      alert_ids: string[];
      sources: string[];
      accounts: string[];
      numbers: string[];
      /** Ids of campaigns that turned out to be this one (an alert linked both); their alerts keep those ids. */
      merged_ids: string[];
    };
  };
}
