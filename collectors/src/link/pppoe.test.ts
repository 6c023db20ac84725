import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipEvent } from '../../../schema/src/sip-event';
import type { RawPacket } from '../packet';
import { SipDecoder } from '../sip-decoder';
import { ethernet, ipv4, ipv6, sipPayload, udp } from '../../../lib/src/test-support/capture';
import { decodeLink, newLinkInfo } from './decode-link';

function pppoe(protocol: number, payload: Buffer, session = 0x1234): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x11;
  h[1] = 0x00;
  h.writeUInt16BE(session, 2);
  h.writeUInt16BE(payload.length + 2, 4);
  h.writeUInt16BE(protocol, 6);
  return Buffer.concat([h, payload]);
}

const sip4 = ipv4({
  protocol: 17,
  src: '100.64.1.2',
  dst: '198.51.100.10',
  payload: udp(5060, 5060, sipPayload('REGISTER')),
});
const sip6 = ipv6({
  protocol: 17,
  src: '2001:db8::2',
  dst: '2001:db8::10',
  payload: udp(5060, 5060, sipPayload('OPTIONS')),
});

void test('PPPoE session frames: IPv4 and IPv6 inside, also VLAN-tagged (BRAS side)', () => {
  const out = newLinkInfo();
  assert.equal(decodeLink(1, ethernet(0x8864, pppoe(0x0021, sip4)), out), true);
  assert.deepEqual([out.etherType, out.offset], [0x0800, 22]);
  const tagged = newLinkInfo();
  assert.equal(decodeLink(1, ethernet(0x8864, pppoe(0x0057, sip6), [{ vid: 7 }]), tagged), true);
  assert.deepEqual([tagged.etherType, tagged.offset, tagged.vlan], [0x86dd, 26, [7]]);
});

void test('PPPoE: control protocols, discovery and truncation are drop reasons, never throws', () => {
  const lcp = newLinkInfo();
  assert.equal(decodeLink(1, ethernet(0x8864, pppoe(0xc021, Buffer.alloc(10))), lcp), false);
  assert.equal(lcp.drop, 'not_ip');
  const discovery = newLinkInfo();
  assert.equal(decodeLink(1, ethernet(0x8863, Buffer.alloc(20)), discovery), false);
  assert.equal(discovery.drop, 'not_ip');
  const short = newLinkInfo();
  assert.equal(decodeLink(1, ethernet(0x8864, pppoe(0x0021, sip4).subarray(0, 5)), short), false);
  assert.equal(short.drop, 'link_truncated');
  const lying = newLinkInfo();
  const frame = pppoe(0x0021, sip4);
  frame.writeUInt16BE(5000, 4);
  assert.equal(decodeLink(1, ethernet(0x8864, frame), lying), false);
  assert.equal(lying.drop, 'link_truncated');
});

void test('PPPoE end to end: SIP over a DSL session becomes an event', () => {
  const events: SipEvent[] = [];
  const decoder = new SipDecoder((e) => events.push(e));
  const data = ethernet(0x8864, pppoe(0x0021, sip4));
  const packet: RawPacket = {
    linkType: 1,
    tsSec: 1_795_000_000,
    tsNsec: 0,
    data,
    originalLength: data.length,
    interfaceId: 0,
  };
  decoder.push(packet);
  decoder.flush();
  assert.equal(events.length, 1);
  assert.equal(events[0]?.sip.method, 'REGISTER');
  assert.equal(events[0]?.source.ip, '100.64.1.2');
});
