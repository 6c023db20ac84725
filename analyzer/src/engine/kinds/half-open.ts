//! `half_open`: requests matching `where` (INVITEs) that get no final response within `timeout`,
//! counted per group: ≥ threshold of them within the window is transaction exhaustion (SIP-DOS-05).
//! Timeouts fire in event time as later events arrive; at end of input a request whose timeout had
//! not yet passed by the last event is not counted (the capture ended before its timer).
import type { SipEvent } from '../../../../schema/src/sip-event';
import { EvidenceRing } from '../../alerts/evidence';
import { KeyedWindows, TimestampRing } from '../../state/keyed-windows';
import { LruTable } from '../../state/lru-table';
import { transactionKey } from '../../state/transaction-table';
import { emptyEnrichment } from '../enrich/enrichment';
import { countWindow, selects, type KindContext, type KindRunner } from './kind';

interface Pending {
  txnKey: string;
  groupKey: string;
  deadlineMs: number;
  event: SipEvent;
}

interface HalfOpenState {
  lastMs: number;
  ring: TimestampRing;
  evidence: EvidenceRing;
}

/** Distinct pending-request methods remembered; a signature without a method gate may see fuzzers' inventions. */
const MAX_METHODS = 64;

export function halfOpenKind({ compiled, book, maxGroups }: KindContext): KindRunner {
  const sig = compiled.signature;
  const { threshold, windowMs } = countWindow(compiled);
  const timeoutMs = sig.timeoutMs ?? 32_000;
  const groups = new KeyedWindows<HalfOpenState>(maxGroups, windowMs);
  /** Transaction key → unanswered request; never touched, so LRU order is deadline order. */
  const pending = new LruTable<string, Pending>(maxGroups);
  const noTxn = emptyEnrichment();
  /** Methods of the requests ever left pending (a handful: the `where` names them); past the bound, any. */
  const methods = new Set<string>();
  let anyMethod = false;
  const create = (at: number): HalfOpenState => ({
    lastMs: at,
    ring: new TimestampRing(threshold),
    evidence: new EvidenceRing(threshold),
  });

  const expired = (p: Pending): void => {
    const at = p.deadlineMs;
    const live = book.live(p.groupKey);
    if (live !== undefined) {
      book.add(live, p.event, noTxn, at);
      return;
    }
    groups.expire(at);
    const state = groups.touch(p.groupKey, at, create);
    state.ring.push(at);
    state.evidence.push(p.event);
    if (state.ring.fullWithin(at, windowMs)) {
      book.start(p.groupKey, p.event, noTxn, at, threshold, state.ring.oldest() ?? at, state.evidence.sample());
      groups.delete(p.groupKey);
    }
  };

  return {
    advance(now) {
      // Runs before every event: oldestValue() allocates nothing when no timeout is due.
      for (let oldest = pending.oldestValue(); oldest !== undefined && oldest.deadlineMs <= now;) {
        pending.dropOldest();
        book.finalizeDue(oldest.deadlineMs);
        expired(oldest);
        oldest = pending.oldestValue();
      }
    },
    process(event, txn, now) {
      const sip = event.sip;
      if (sip.type === 'response') {
        // The key holds the CSeq method: an answer to a method never left pending cannot close
        // anything, so its key is not built (SIP-DOS-05 waits on INVITEs; REGISTER answers abound).
        const method = sip.cseq?.method;
        if (
          sip.status_code !== undefined &&
          sip.status_code >= 200 &&
          method !== undefined &&
          (anyMethod || methods.has(method))
        ) {
          const key = transactionKey(event);
          if (key !== undefined) pending.delete(key);
        }
        return;
      }
      if (!selects(compiled, event, txn)) return;
      const groupKey = compiled.groupKey(event, txn);
      const key = transactionKey(event);
      if (groupKey === undefined || key === undefined || pending.has(key)) return;
      pending.set(key, { txnKey: key, groupKey, deadlineMs: now + timeoutMs, event });
      if (sip.method !== undefined && !methods.has(sip.method)) {
        if (methods.size < MAX_METHODS) methods.add(sip.method);
        else anyMethod = true;
      }
    },
    get stateEntries() {
      return groups.size + pending.size;
    },
    get evictions() {
      return groups.evictions + pending.evictions;
    },
  };
}
