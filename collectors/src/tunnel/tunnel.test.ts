import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newGreHeader, parseGre } from './gre';
import { erspanPayload, newErspanPayload } from './erspan';
import { looksLikeVxlan } from './vxlan';
import { ipInIpEtherType, ipInIpName } from './ip-in-ip';
import { erspan2, erspan3, ethernet, gre, vxlan, withBytes } from '../../../lib/src/test-support/capture';

void test('GRE: optional checksum, key and sequence words', () => {
  const h = newGreHeader();
  const plain = gre({ protocol: 0x0800, payload: Buffer.alloc(4) });
  assert.equal(parseGre(plain, 0, plain.length, h), true);
  assert.deepEqual([h.protocol, h.payloadOffset, h.hasKey, h.hasSequence], [0x0800, 4, false, false]);
  const all = gre({ protocol: 0x6558, payload: Buffer.alloc(4), checksum: true, key: 77, sequence: 5 });
  assert.equal(parseGre(all, 0, all.length, h), true);
  assert.deepEqual([h.protocol, h.payloadOffset, h.key, h.hasSequence], [0x6558, 16, 77, true]);
  const v1 = withBytes(plain, 1, 0x01); // PPTP enhanced GRE
  assert.equal(parseGre(v1, 0, v1.length, h), false);
  assert.equal(parseGre(all, 0, 10, h), false);
});

void test('ERSPAN I, II, III (with and without platform subheader)', () => {
  const frame = ethernet(0x0800, Buffer.alloc(20));
  const e = newErspanPayload();
  assert.equal(erspanPayload(frame, 0x88be, false, 0, frame.length, e), true);
  assert.deepEqual([e.name, e.offset], ['erspan1', 0]);
  const two = erspan2(3, frame);
  assert.equal(erspanPayload(two, 0x88be, true, 0, two.length, e), true);
  assert.deepEqual([e.name, e.offset], ['erspan2', 8]);
  const three = erspan3(3, frame);
  assert.equal(erspanPayload(three, 0x22eb, true, 0, three.length, e), true);
  assert.deepEqual([e.name, e.offset, e.ethernet], ['erspan3', 12, true]);
  const threeP = erspan3(3, frame, true);
  assert.equal(erspanPayload(threeP, 0x22eb, true, 0, threeP.length, e), true);
  assert.equal(e.offset, 20);
  const threeIp = erspan3(3, Buffer.alloc(20), false, 2);
  assert.equal(erspanPayload(threeIp, 0x22eb, true, 0, threeIp.length, e), true);
  assert.equal(e.ethernet, false);
  assert.equal(erspanPayload(three, 0x88be, true, 0, three.length, e), false); // version mismatch
  assert.equal(erspanPayload(two, 0x22eb, true, 0, 11, e), false);
});

void test('VXLAN detection requires the I flag alone', () => {
  const v = vxlan(0xabcdef, ethernet(0x0800, Buffer.alloc(20)));
  assert.equal(looksLikeVxlan(v, 0, v.length), true);
  assert.equal(looksLikeVxlan(Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n'), 0, 26), false);
  assert.equal(looksLikeVxlan(v, 0, 20), false);
});

void test('IP-in-IP names', () => {
  assert.deepEqual([ipInIpName(4), ipInIpEtherType(4)], ['ipip', 0x0800]);
  assert.deepEqual([ipInIpName(41), ipInIpEtherType(41)], ['ip6ip', 0x86dd]);
});
