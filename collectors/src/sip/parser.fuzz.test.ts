//! Fuzz target for parseSipMessage (+ probeSip, parseSdp, toSipEvent): random and mutated
//! messages from a fixed seed; 1 000 000 with SIPWARD_LONG_TESTS=1, 20 000 otherwise.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { MUTATIONS, mutate, rng } from './mutate';
import { parseSipMessage, probeSip } from './parser';
import { parseSdp } from './sdp';
import { toJsonLine } from '../event/jsonl';
import { toSipEvent, type SipEventMeta } from '../event/to-sip-event';
import { fixture, fixtureDir, invite } from './test-helpers';

const N = process.env['SIPWARD_LONG_TESTS'] === '1' ? 1_000_000 : 20_000;
const META: SipEventMeta = {
  tsSec: 1795884884,
  tsNsec: 1000,
  srcIp: '192.0.2.1',
  dstIp: '192.0.2.2',
  srcPort: 5060,
  dstPort: 5060,
  protocol: 'udp',
  vlan: [],
  tunnel: [],
};
const SEED = Number(process.env['SIPWARD_FUZZ_SEED'] ?? 0x5eed);

void test(`fuzz: ${N} random and mutated messages never throw`, (t) => {
  const seeds: Buffer[] = [invite(), ...readdirSync(fixtureDir()).map((f) => fixture(f.replace(/\.sip$/, '')))];
  const r = rng(SEED);
  let bytes = 0;
  let anomalies = 0;
  let slowest = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    let b: Buffer;
    if (i % 10 === 0) {
      // Pure noise, sometimes behind a valid start line so the header code runs on garbage.
      const noise = Buffer.alloc(Math.floor(r() * 1500));
      for (let k = 0; k < noise.length; k++) noise[k] = Math.floor(r() * 256);
      b = i % 20 === 0 ? Buffer.concat([Buffer.from('INVITE sip:a@b SIP/2.0\r\n'), noise]) : noise;
    } else {
      b = seeds[Math.floor(r() * seeds.length)] ?? Buffer.alloc(0);
      const n = 1 + Math.floor(r() * 6);
      for (let k = 0; k < n; k++) b = mutate(b, MUTATIONS[Math.floor(r() * MUTATIONS.length)] ?? 'flip', r);
    }
    const s = performance.now();
    try {
      const m = parseSipMessage(b, 0, b.length);
      anomalies += m.anomalies.length;
      if (i % 5 === 0) {
        const line = toJsonLine(toSipEvent(m, META, { transport: 'udp', withHeaders: i % 10 === 0 }));
        assert.ok(line.endsWith('\n'));
      }
      probeSip(b, 0, b.length);
      if (i % 7 === 0) parseSdp(b, 0, b.length);
    } catch (err) {
      assert.fail(`threw on case ${i} (seed ${SEED}): ${String(err)}\n${b.toString('latin1').slice(0, 500)}`);
    }
    const d = performance.now() - s;
    if (d > slowest) slowest = d;
    bytes += b.length;
  }
  const secs = (performance.now() - t0) / 1000;
  t.diagnostic(
    `fuzz: ${N} messages, ${(bytes / 1e6).toFixed(1)} MB in ${secs.toFixed(2)} s = ${Math.round(N / secs)} msgs/s ` +
      `(generate+mutate+parse+probe; every 5th also event+JSON), ${anomalies} anomalies, slowest ${slowest.toFixed(2)} ms`,
  );
  assert.ok(slowest < 500, `a single message took ${slowest.toFixed(1)} ms`);
});
