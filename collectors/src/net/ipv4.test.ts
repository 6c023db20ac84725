import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newIpv4Header, parseIpv4 } from './ipv4';
import { ipv4, withBytes } from '../../../lib/src/test-support/capture';

void test('parses header, options and fragment fields; excludes Ethernet padding', () => {
  const pkt = ipv4({
    protocol: 17,
    payload: Buffer.alloc(10),
    id: 0x1234,
    options: Buffer.alloc(4, 1),
    moreFragments: true,
    fragmentOffset: 1480,
  });
  const padded = Buffer.concat([pkt, Buffer.alloc(20)]);
  const h = newIpv4Header();
  assert.equal(parseIpv4(padded, 0, padded.length, h), true);
  assert.deepEqual(
    [h.headerLength, h.protocol, h.id, h.moreFragments, h.fragmentOffset, h.payloadOffset, h.payloadEnd],
    [24, 17, 0x1234, true, 1480, 24, 34],
  );
});

void test('drop reasons: truncated, bad version, bad IHL, length below header', () => {
  const h = newIpv4Header();
  const pkt = ipv4({ protocol: 6, payload: Buffer.alloc(40) });
  assert.equal(parseIpv4(pkt, 0, 19, h), false);
  assert.equal(h.drop, 'ip_truncated');
  assert.equal(parseIpv4(pkt, 0, 50, h), false); // snap length cut the datagram
  assert.equal(h.drop, 'ip_truncated');
  const v5 = withBytes(pkt, 0, 0x55);
  assert.equal(parseIpv4(v5, 0, v5.length, h), false);
  assert.equal(h.drop, 'ip_bad_header');
  const ihl = withBytes(pkt, 0, 0x44);
  assert.equal(parseIpv4(ihl, 0, ihl.length, h), false);
  assert.equal(h.drop, 'ip_bad_header');
  const short = ipv4({ protocol: 6, payload: Buffer.alloc(40), totalLength: 10 });
  assert.equal(parseIpv4(short, 0, short.length, h), false);
  assert.equal(h.drop, 'ip_bad_header');
});

void test('total length 0 (TSO capture) uses the captured length', () => {
  const pkt = ipv4({ protocol: 6, payload: Buffer.alloc(40), totalLength: 0 });
  const h = newIpv4Header();
  assert.equal(parseIpv4(pkt, 0, pkt.length, h), true);
  assert.equal(h.payloadEnd, 60);
});
