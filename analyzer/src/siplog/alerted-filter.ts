//! `--sip-log-mode alerted`: only transactions of sources and dialogs that raised an alert. A
//! transaction is held until every window that could still make its source or dialog alert has
//! passed (the alert may cross long after the first probe), then written or dropped.
import type { Alert } from '../../../schema/src/alert';
import type { SipTransaction } from '../../../schema/src/sip-transaction';
import { eventTimeMs } from '../engine/event-time';

export type SipLogMode = 'all' | 'alerted' | 'none';
export const SIP_LOG_MODES: readonly SipLogMode[] = ['all', 'alerted', 'none'];

/** Held transactions at most; past it the oldest is decided early (against what is known by then). */
const MAX_HELD = 200_000;
/** Alerting sources and Call-IDs remembered; the oldest are forgotten past it. */
const MAX_REMEMBERED = 100_000;

export class AlertedTransactionFilter {
  private readonly held: SipTransaction[] = [];
  private head = 0;
  private readonly sources = new Set<string>();
  private readonly callIds = new Set<string>();
  dropped = 0;

  constructor(
    private readonly holdMs: number,
    private readonly write: (record: SipTransaction) => void,
  ) {}

  /** An alert names its attacker(s): the group's and the incident's sources. */
  noteAlert(alert: Alert): void {
    remember(this.sources, alert.source?.ip);
    const grouped = alert.sipward.group?.['source.ip'];
    if (typeof grouped === 'string') remember(this.sources, grouped);
    for (const { value } of alert.sipward.aggregates?.['source.ip']?.top ?? []) remember(this.sources, value);
    for (const callId of alert.sipward.call_ids ?? []) remember(this.callIds, callId);
  }

  /** An incident counted a message of this dialog. */
  noteCall(callId: string): void {
    remember(this.callIds, callId);
  }

  add(record: SipTransaction): void {
    this.held.push(record);
    const now = eventTimeMs(record['@timestamp']);
    while (this.head < this.held.length) {
      const oldest = this.held[this.head] as SipTransaction;
      const full = this.held.length - this.head > MAX_HELD;
      if (!full && now - eventTimeMs(oldest['@timestamp']) < this.holdMs) break;
      this.decide(oldest);
      this.head++;
    }
    // Compact now and then instead of shifting per record.
    if (this.head > 4096 && this.head * 2 > this.held.length) {
      this.held.splice(0, this.head);
      this.head = 0;
    }
  }

  flush(): void {
    for (let i = this.head; i < this.held.length; i++) this.decide(this.held[i] as SipTransaction);
    this.held.length = 0;
    this.head = 0;
  }

  private decide(record: SipTransaction): void {
    if (this.sources.has(record.source.ip) || this.callIds.has(record.sip.call_id)) this.write(record);
    else this.dropped++;
  }
}

function remember(set: Set<string>, value: string | undefined): void {
  if (value === undefined || value === '' || set.has(value)) return;
  if (set.size >= MAX_REMEMBERED) {
    const oldest = set.values().next().value;
    if (oldest !== undefined) set.delete(oldest);
  }
  set.add(value);
}
