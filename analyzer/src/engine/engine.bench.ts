//! Engine throughput on pre-decoded events, one core: `npx tsx analyzer/src/engine/engine.bench.ts
//! EVENTS.jsonl` (make one with `node bin/sipward.js decode bench/out/mixed-udp-tcp-200000.pcap`).
//! Every signature in signatures/ is loaded; decoding and JSON parsing are outside the timing.
//! Measured 2026-11-28, Node 20, compiled (dist/), 18 signatures, the first 200k events of
//! mixed-udp-tcp-1000000.pcap: 103k–117k events/s, 0 alerts (benign traffic).
import { readFileSync } from 'node:fs';
import type { SipEvent } from '../../../schema/src/sip-event';
import { DetectionEngine } from './engine';
import { loadSignatures } from './load-signatures';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: engine.bench.ts EVENTS.jsonl [rounds]');
const rounds = Number(process.argv[3] ?? 5);
const events = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as SipEvent);
const signatures = loadSignatures();

for (let round = 0; round < rounds; round++) {
  let alerts = 0;
  const engine = new DetectionEngine(signatures, {
    emitUpdates: false,
    onAlert: (_alert, phase) => {
      if (phase === 'final') alerts++;
    },
  });
  const started = process.hrtime.bigint();
  for (const event of events) engine.process(event);
  engine.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stats = engine.stats();
  process.stdout.write(
    `round ${round + 1}: ${events.length} events, ${signatures.length} signatures, ` +
      `${(events.length / seconds).toFixed(0)} events/s, ${alerts} final alerts ${JSON.stringify(stats.alertsByRule)}, ` +
      `state ${stats.stateEntries}, heapUsed ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB\n`,
  );
}
