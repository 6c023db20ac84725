//! What an alert is built from: one open incident of a signature (engine/incidents/ keeps them,
//! build-alert.ts renders them). Its own module so that alert building and the incident book both
//! import the shape one way, instead of importing each other.
import type { Severity } from '../../../schema/src/alert';
import type { SipEvent } from '../../../schema/src/sip-event';
import type { Enrichment } from '../engine/enrich/enrichment';
import type { IncidentTally } from './aggregates';
import type { EvidenceParts } from './evidence';

export interface Incident {
  readonly key: string;
  readonly groupValues: string[];
  readonly id: string;
  /** Event time of the first crossing; the alert's @timestamp. */
  readonly openMs: number;
  readonly suppressUntilMs: number;
  startMs: number;
  endMs: number;
  count: number;
  /** The grouping event was a response: its source is the responder, so group fields are re-oriented. */
  readonly groupedOnResponse: boolean;
  /** Evidence shown in the alert: the first events (message text kept), the crossing one, the latest. */
  readonly firstEvidence: EvidenceParts[];
  readonly thresholdEvidence: EvidenceParts;
  /** Ring of the latest events after the crossing (a handful per incident); `lastHead` is its oldest slot once full. */
  readonly lastEvidence: SipEvent[];
  lastHead: number;
  /** Aggregates and call ids over every event counted. */
  readonly tally: IncidentTally;
  lastEvent: SipEvent;
  /** The enrichment of the last evidence (the engine's object is reused per event). */
  lastTxn: Enrichment;
  /** value_count: distinct values already counted in this incident (bounded). */
  values: Set<string> | undefined;
  lastEmitMs: number;
  /** Changed since the last emission. */
  dirty: boolean;
  /** Raised by later evidence (the signature's `escalate`); the alert's severity and reason say so. */
  escalation: { severity: Severity; reason: string } | undefined;
}
