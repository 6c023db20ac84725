import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv4, formatIpv6 } from './ip-address';
import { ipv6Bytes } from '../../../lib/src/test-support/capture';

void test('formatIpv4 prints dotted quads at any offset', () => {
  assert.equal(formatIpv4(Buffer.from([9, 0, 10, 255, 1]), 1), '0.10.255.1');
  assert.equal(formatIpv4(Buffer.from([192, 168, 0, 1]), 0), '192.168.0.1');
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
