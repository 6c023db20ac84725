// Engine memory under many distinct sources: state stays within its configured bounds, every
// eviction is counted (analyze prints them in its summary as engine.evictions), and each tracked
// source, account or dialog costs at most 1 KiB of heap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SipEvent } from '../../../schema/src/sip-event';
import { DetectionEngine } from './engine';
import { loadSignatures } from './load/load-signatures';
import { sipEvent } from './test-events';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** An initial INVITE from source `i` (its own address, Call-ID and caller), `i` ms after t0. */
function inviteFrom(i: number): SipEvent {
  const src = `10.${(i >>> 16) & 0xff}.${(i >>> 8) & 0xff}.${i & 0xff}`;
  const callId = `bound-${i}@${src}`;
  return sipEvent({
    t: i / 1000,
    src,
    sip: {
      type: 'request',
      method: 'INVITE',
      call_id: callId,
      request_uri: 'sip:4412345678@198.51.100.10',
      request_uri_user: '4412345678',
      cseq: { seq: 1, method: 'INVITE' },
      from: { user: `u${i}`, tag: `f${i}` },
      to: { user: '4412345678' },
      via: [{ host: src, branch: `z9hG4bK-${i}` }],
      user_agent: 'Yealink SIP-T46S',
    },
  });
}

void test('engine state stays within its bounds under 200k distinct sources, and evictions are counted', () => {
  const maxGroups = 2_000;
  const engine = new DetectionEngine(loadSignatures(), {
    emitUpdates: false,
    maxGroupsPerSignature: maxGroups,
    maxTransactions: 4_000,
    maxDialogs: 2_000,
    onAlert: () => undefined,
  });
  for (let i = 0; i < 200_000; i++) engine.process(inviteFrom(i));
  const stats = engine.stats();
  const runtimes = loadSignatures().length;
  // Each signature: its group state and its open incidents (half_open also its pending requests).
  assert.ok(stats.stateEntries <= runtimes * maxGroups * 3 + 4_000 + 2_000, `${stats.stateEntries} state entries`);
  assert.ok(stats.evictions > 100_000, `evictions counted: ${stats.evictions}`);
});

void test('each tracked source, account or dialog costs at most 1 KiB of heap', () => {
  const events: SipEvent[] = [];
  for (let i = 0; i < 30_000; i++) events.push(inviteFrom(i));
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const engine = new DetectionEngine(loadSignatures(), { emitUpdates: false, onAlert: () => undefined });
  for (const event of events) engine.process(event);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  const { stateEntries } = engine.stats();
  assert.ok(stateEntries >= 30_000, `every source is tracked (${stateEntries} entries)`);
  const perEntry = (after - before) / stateEntries;
  assert.ok(perEntry <= 1024, `${perEntry.toFixed(0)} bytes per state entry`);
});
