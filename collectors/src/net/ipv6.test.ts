import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newIpv6Header, parseIpv6 } from './ipv6';
import { ipv6, ipv6Fragment, withBytes } from '../../../lib/src/test-support/capture';

void test('plain IPv6 header', () => {
  const p = ipv6({ protocol: 17, payload: Buffer.alloc(12) });
  const h = newIpv6Header();
  assert.equal(parseIpv6(p, 0, p.length, h), true);
  assert.deepEqual([h.protocol, h.payloadOffset, h.payloadEnd, h.isFragment], [17, 40, 52, false]);
});

void test('walks hop-by-hop, routing, destination options and AH to the upper layer', () => {
  const p = ipv6({
    protocol: 6,
    payload: Buffer.alloc(20),
    extensions: [{ type: 0 }, { type: 43, body: Buffer.alloc(14) }, { type: 51, body: Buffer.alloc(10) }, { type: 60 }],
  });
  const h = newIpv6Header();
  assert.equal(parseIpv6(p, 0, p.length, h), true);
  assert.equal(h.protocol, 6);
  assert.equal(h.payloadOffset, 40 + 8 + 16 + 12 + 8);
});

void test('fragment header is reported; atomic fragments are processed in place', () => {
  const f = ipv6Fragment({ protocol: 17 }, 0xdeadbeef, 1232, true, Buffer.alloc(16));
  const h = newIpv6Header();
  assert.equal(parseIpv6(f, 0, f.length, h), true);
  assert.deepEqual(
    [h.isFragment, h.fragmentId, h.fragmentOffset, h.moreFragments, h.protocol, h.payloadOffset],
    [true, 0xdeadbeef, 1232, true, 17, 48],
  );
  const atomic = ipv6Fragment({ protocol: 17 }, 5, 0, false, Buffer.alloc(16));
  assert.equal(parseIpv6(atomic, 0, atomic.length, h), true);
  assert.deepEqual([h.isFragment, h.protocol, h.payloadOffset], [false, 17, 48]);
});

void test('bad and truncated chains are drops', () => {
  const h = newIpv6Header();
  const p = ipv6({ protocol: 17, payload: Buffer.alloc(8), extensions: [{ type: 0 }] });
  assert.equal(parseIpv6(p, 0, 39, h), false);
  assert.equal(h.drop, 'ip_truncated');
  const bad = withBytes(p, 41, 200); // hop-by-hop length runs past the end
  assert.equal(parseIpv6(bad, 0, bad.length, h), false);
  assert.equal(h.drop, 'ip_bad_header');
  const v4 = withBytes(p, 0, 0x45);
  assert.equal(parseIpv6(v4, 0, v4.length, h), false);
  assert.equal(h.drop, 'ip_bad_header');
  // a loop of 20 destination-options headers exceeds the chain limit
  const many = ipv6({
    protocol: 17,
    payload: Buffer.alloc(8),
    extensions: Array.from({ length: 20 }, () => ({ type: 60 })),
  });
  assert.equal(parseIpv6(many, 0, many.length, h), false);
});
