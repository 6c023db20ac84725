//! Test helper: the SIP events of capture files, in order, as `sipward decode` prints them — the
//! expected side of tests that decode another way (HEP, merged files) and of generators that take
//! benign traffic from real captures. Tests and generators only.
import type { SipEvent } from '../../../schema/src/sip-event';
import { createLogger } from '../../../lib/src/logger';
import { decodeInputs } from '../decode';

export async function decodedEvents(captures: readonly string[]): Promise<SipEvent[]> {
  const events: SipEvent[] = [];
  await decodeInputs(
    { captures: [...captures], log: createLogger('silent') },
    { onEvent: (e) => events.push(e), afterBatch: () => Promise.resolve() },
  );
  return events;
}
