import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv4, formatIpv6 } from './ip-address';
import { ipv6Bytes } from '../../../lib/src/test-support/capture';

void test('formatIpv4 prints dotted quads at any offset', () => {
  assert.equal(formatIpv4(Buffer.from([9, 0, 10, 255, 1]), 1), '0.10.255.1');
  assert.equal(formatIpv4(Buffer.from([192, 168, 0, 1]), 0), '192.168.0.1');
});

void test('formatIpv4 gives the right text for every address however its cache slots collide', () => {
  // 50 000 addresses over 4 096 cache slots, each asked twice (miss, then usually a hit), and 0.0.0.0,
  // whose bytes equal an empty slot's key.
  const b = Buffer.alloc(4);
  let seed = 7;
  for (let i = 0; i < 50_000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    b.writeUInt32BE(i % 5 === 0 ? 0 : seed);
    const want = [...b].join('.');
    assert.equal(formatIpv4(b, 0), want);
    assert.equal(formatIpv4(b, 0), want);
  }
});

void test('formatIpv6 follows RFC 5952', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'], // longest run
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // first of equal runs
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'], // single 0 not compressed
    ['fe80:0000:0000:0000:0000:0000:0000:0000', 'fe80::'],
    ['2001:0DB8:AAAA:BBBB:CCCC:DDDD:EEEE:0F00', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:f00'],
    ['0000:0000:0000:0000:0000:ffff:c000:0201', '::ffff:192.0.2.1'],
    ['0001:0000:0000:0000:0000:0000:0000:0000', '1::'],
  ];
  for (const [full, want] of cases) {
    const b = Buffer.from(full.replace(/:/g, ''), 'hex');
    assert.equal(formatIpv6(b, 0), want, full);
  }
  const off = Buffer.concat([Buffer.from([1, 2, 3]), ipv6Bytes('2001:db8::5')]);
  assert.equal(formatIpv6(off, 3), '2001:db8::5');
});
