//! Detection engine alone, one core: throughput on pre-decoded events (decode and JSON are outside
//! the timing), and memory per tracked source when 1M distinct sources hit every signature
//! (state must stay within the configured bound).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SipEvent } from '../schema/src/sip-event';
import { decodeInputs } from '../collectors/src/decode';
import { createLogger } from '../lib/src/logger';
import { DetectionEngine } from '../analyzer/src/engine/engine';
import { loadSignatures } from '../analyzer/src/engine/load/load-signatures';

export interface EngineBenchResult {
  name: string;
  value: string;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function decodeToMemory(capture: string, limit: number): Promise<SipEvent[]> {
  const events: SipEvent[] = [];
  await decodeInputs(
    { captures: [capture], log: createLogger('silent'), onProgress: () => undefined },
    {
      onEvent: (e) => {
        if (events.length < limit) events.push(e);
      },
      afterBatch: () => Promise.resolve(),
    },
  );
  return events;
}

export async function runEngineBenchmarks(capture: string, maxGroups = 100_000): Promise<EngineBenchResult[]> {
  const signatures = loadSignatures();
  const events = await decodeToMemory(capture, 200_000);
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const engine = new DetectionEngine(signatures, { emitUpdates: false, onAlert: () => undefined });
    const t0 = process.hrtime.bigint();
    for (const event of events) engine.process(event);
    engine.flush();
    best = Math.max(best, events.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  }

  // 1M distinct sources, each sending a new INVITE: every keyed signature tracks each source until
  // the LRU bound evicts it. Shallow copies share the SIP fields, so the heap delta is engine state.
  const template = events.find((e) => e.sip.method === 'INVITE') ?? events[0];
  if (template === undefined) throw new Error('engine bench: the capture decoded to no events');
  const before = heapAfterGc();
  const engine = new DetectionEngine(signatures, {
    emitUpdates: false,
    maxGroupsPerSignature: maxGroups,
    onAlert: () => undefined,
  });
  const t0 = Date.parse(template['@timestamp']);
  for (let i = 0; i < 1_000_000; i++) {
    const ip = `10.${(i >>> 16) & 0xff}.${(i >>> 8) & 0xff}.${i & 0xff}`;
    engine.process({
      ...template,
      '@timestamp': new Date(t0 + i).toISOString(),
      event: { ...template.event, id: `bench-${i}` },
      source: { ip, port: 5060 },
      sip: { ...template.sip, call_id: `bench-${i}@${ip}` },
    });
  }
  const after = heapAfterGc();
  const stats = engine.stats(); // after the measurement, so the engine is still alive during it
  return [
    {
      name: `engine alone, ${signatures.length} signatures, ${events.length} pre-decoded events (best of 3)`,
      value: `${Math.round(best).toLocaleString('en-US')} events/s`,
    },
    {
      name: `1M distinct sources, max_groups_per_signature ${maxGroups.toLocaleString('en-US')}: state entries`,
      value: `${stats.stateEntries.toLocaleString('en-US')} (evicted ${stats.evictions.toLocaleString('en-US')})`,
    },
    {
      name: '1M distinct sources: engine heap after GC',
      value: `${((after - before) / 2 ** 20).toFixed(0)} MiB (${Math.round((after - before) / Math.max(1, stats.stateEntries))} B per state entry)`,
    },
  ];
}
