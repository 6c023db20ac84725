//! eventIdFor: deterministic, sensitive to every input, well spread.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventIdFor, type EventIdMeta } from './event-id';

const META: EventIdMeta = {
  tsSec: 1795884884,
  tsNsec: 123456789,
  srcIp: '192.0.2.1',
  dstIp: '192.0.2.2',
  srcPort: 5060,
  dstPort: 5060,
  protocol: 'udp',
};
const MSG = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n');

void test('same inputs, same id; 16 hex chars', () => {
  const a = eventIdFor(META, MSG, 0, MSG.length);
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.equal(eventIdFor({ ...META }, Buffer.from(MSG), 0, MSG.length), a);
  // Only the message bytes count, not where they sit in the buffer.
  const padded = Buffer.concat([Buffer.from('xyz'), MSG, Buffer.from('tail')]);
  assert.equal(eventIdFor(META, padded, 3, 3 + MSG.length), a);
});

void test('every field changes the id', () => {
  const base = eventIdFor(META, MSG, 0, MSG.length);
  const variants: EventIdMeta[] = [
    { ...META, tsSec: META.tsSec + 1 },
    { ...META, tsNsec: META.tsNsec + 1 },
    { ...META, srcIp: '192.0.2.3' },
    { ...META, dstIp: '192.0.2.3' },
    { ...META, srcPort: 5061 },
    { ...META, dstPort: 5061 },
    { ...META, protocol: 'tcp' },
    { ...META, srcIp: META.dstIp, dstIp: META.srcIp },
  ];
  const ids = new Set([base, ...variants.map((m) => eventIdFor(m, MSG, 0, MSG.length))]);
  assert.equal(ids.size, variants.length + 1);
  const flipped = Buffer.from(MSG);
  flipped[MSG.length - 5] = (flipped[MSG.length - 5] ?? 0) ^ 1;
  assert.notEqual(eventIdFor(META, flipped, 0, MSG.length), base);
  assert.notEqual(eventIdFor(META, MSG, 0, MSG.length - 1), base);
});

void test('no collisions over 200 000 near-identical messages', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200_000; i++) seen.add(eventIdFor({ ...META, tsNsec: i }, MSG, 0, MSG.length));
  assert.equal(seen.size, 200_000);
});
