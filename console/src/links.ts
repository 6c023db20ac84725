//! Which alerts and calls belong together: a call lists the alerts that touched it (`alert_ids`,
//! filled by `analyze`), and an alert names Call-IDs (`sip.call_id`, and `sipward.call_ids` where
//! the analyzer records every Call-ID of the incident). Pure, shared by both stores.
import type { AlertView } from './model';

export function alertCallIds(alert: AlertView): Set<string> {
  const ids = new Set<string>(alert.sipward.call_ids ?? []);
  const callId = alert.sip?.['call_id'];
  if (typeof callId === 'string') ids.add(callId);
  return ids;
}
