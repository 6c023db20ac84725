//! Severity escalation (signatures/README.md "Escalation"): an event that is evidence of impact —
//! the flood target answering 5xx, a fraudulent call answered for minutes — raises the severity of
//! the open incident it names. Only open incidents escalate; an escalation never lowers severity.
import type { SipEvent } from '../../../../schema/src/sip-event';
import type { CompiledSignature } from '../compile/compile-signature';
import type { Enrichment } from '../enrich/enrichment';
import type { IncidentBook } from './incidents';

export function escalate(
  compiled: CompiledSignature,
  book: IncidentBook,
  event: SipEvent,
  ctx: Enrichment,
  now: number,
): void {
  if (book.size === 0) return;
  for (const e of compiled.escalations) {
    if (!e.when(event, ctx)) continue;
    const key = e.groupKey(event, ctx);
    if (key !== undefined) book.escalate(key, e.severity, e.reason, event, now);
  }
}
