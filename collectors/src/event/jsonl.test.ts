//! toJsonLine: one line per event, round-trips, escapes control and non-ASCII text safely.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import type { SipEvent } from '../../../schema/src/sip-event';
import { openCaptureFile } from '../capture/capture-file';
import { SipDecoder } from '../sip-decoder';
import { parseSipMessage } from '../sip/parser';
import { fixture } from '../sip/test-helpers';
import { toJsonLine } from './jsonl';
import { toSipEvent } from './to-sip-event';

void test('one line, round-trips, control characters escaped', () => {
  for (const name of ['intmeth', 'unreason', 'wsinv', 'escnull']) {
    const b = fixture(name);
    const e = toSipEvent(
      parseSipMessage(b, 0, b.length),
      {
        tsSec: 1,
        tsNsec: 2,
        srcIp: '::1',
        dstIp: '::2',
        srcPort: 1,
        dstPort: 2,
        protocol: 'udp',
        vlan: [],
        tunnel: [],
      },
      { transport: 'udp' },
    );
    const line = toJsonLine(e);
    assert.equal(line.indexOf('\n'), line.length - 1, name);
    for (let i = 0; i < line.length - 1; i++)
      assert.ok(line.charCodeAt(i) >= 0x20, `${name}: raw control char at ${i}`);
    assert.deepEqual(JSON.parse(line), e, name);
  }
});

void test('the envelope template writes exactly what JSON.stringify writes, for any event', () => {
  const text = fc.oneof(
    fc.constantFrom('2026-11-18T11:06:40.000056Z', '0843f7f375840cd8', '192.0.2.1', '2001:db8::1', 'udp', ''),
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom('a"b', 'a\\b', 'a\nb', '\u0000', '\ud800', '\udc00x', '😀', 'é', '\u2028'),
  );
  const port = fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.double(), fc.constantFrom(-0, NaN, Infinity, 1e21));
  // Mostly absent, as in decoded events: the template path must be taken often.
  const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
    fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: arb, weight: 1 });
  const event = fc.record({
    ts: text,
    id: text,
    kind: fc.constantFrom('event', 'event', 'alert'),
    dataset: fc.constantFrom('sipward.sip', 'sipward.sip', 'other'),
    srcIp: text,
    dstIp: text,
    srcPort: port,
    dstPort: port,
    transport: text,
    protocol: fc.constantFrom('sip', 'sip', 'rtp'),
    originalSize: optional(fc.nat()),
    observer: optional(fc.constant({ id: 'probe-1' })),
    vlan: optional(fc.constant([{ id: 10 }])),
    hep: optional(fc.constant({ version: 3 })),
    sip: fc.record({ type: fc.constantFrom('request', 'response'), size: fc.nat(), call_id: optional(text) }),
    reversed: fc.constantFrom(false, false, false, true),
    portFirst: fc.constantFrom(false, false, false, true),
  });
  fc.assert(
    fc.property(event, (r) => {
      const ev: Record<string, unknown> = { id: r.id, kind: r.kind, dataset: r.dataset };
      if (r.originalSize !== undefined) ev['original_size'] = r.originalSize;
      const network: Record<string, unknown> = { transport: r.transport, protocol: r.protocol };
      if (r.vlan !== undefined) network['vlan'] = r.vlan;
      const fields: Array<[string, unknown]> = [
        ['@timestamp', r.ts],
        ['event', ev],
        ['source', { ip: r.srcIp, port: r.srcPort }],
        ['destination', r.portFirst ? { port: r.dstPort, ip: r.dstIp } : { ip: r.dstIp, port: r.dstPort }],
        ['network', network],
        ['sip', r.sip],
      ];
      if (r.observer !== undefined) fields.push(['observer', r.observer]);
      if (r.hep !== undefined) fields.push(['hep', r.hep]);
      // Some events have their keys in another order, which the template must notice.
      if (r.reversed) fields.reverse();
      const e = Object.fromEntries(fields) as unknown as SipEvent;
      assert.equal(toJsonLine(e), JSON.stringify(e) + '\n');
    }),
    { numRuns: 5_000 },
  );
});

void test('the envelope template on every decoded event of the demo capture: JSON.stringify text', async () => {
  const events: SipEvent[] = [];
  const linesAsBuilt: string[] = [];
  // Written as decode writes them (right after each event is built: time and id skip the scan),
  // and again later (they are scanned).
  const decoder = new SipDecoder(
    (e) => {
      events.push(e);
      linesAsBuilt.push(toJsonLine(e));
    },
    { observerId: '' },
  );
  const source = await openCaptureFile(join(__dirname, '../../../../samples/demo-attacks.pcap'));
  for await (const batch of source) for (const packet of batch) decoder.push(packet);
  await source.close();
  decoder.flush();
  assert.ok(events.length > 1000);
  events.forEach((e, i) => {
    assert.equal(linesAsBuilt[i], JSON.stringify(e) + '\n');
    assert.equal(toJsonLine(e), JSON.stringify(e) + '\n');
  });
});
