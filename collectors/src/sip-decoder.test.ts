// The decode chain as a whole: what is reported as SIP and what is not, duplicates, keepalives,
// stream anomalies reaching the event, and determinism of event ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipEvent } from '../../schema/src/sip-event';
import type { RawPacket } from './packet';
import { SipDecoder } from './sip-decoder';
import { ethernet, ipv4, sipPayload, tcp, udp, udpFrame } from '../../lib/src/test-support/capture';

function packet(data: Buffer, tsSec = 1_795_000_000, tsNsec = 0): RawPacket {
  return { linkType: 1, tsSec, tsNsec, data, originalLength: data.length, interfaceId: 0 };
}

function decodeAll(packets: RawPacket[], dedup = true): { events: SipEvent[]; decoder: SipDecoder } {
  const events: SipEvent[] = [];
  const decoder = new SipDecoder((e) => events.push(e), { dedup });
  for (const p of packets) decoder.push(p);
  decoder.flush();
  return { events, decoder };
}

function tcpFrame(seq: number, payload: Buffer, flags = 0x18, srcPort = 40000, dstPort = 5060): Buffer {
  return ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort, dstPort, seq, ack: 1, flags, payload }) }));
}

void test('a SIP datagram becomes one event with addresses, ports and transport', () => {
  const { events } = decodeAll([packet(udpFrame(5062, 5060, sipPayload('OPTIONS')), 1_795_000_000, 123_456_789)]);
  assert.equal(events.length, 1);
  const e = events[0] as SipEvent;
  assert.equal(e['@timestamp'], '2026-11-18T11:06:40.123456Z');
  assert.deepEqual(e.source, { ip: '10.0.0.1', port: 5062 });
  assert.deepEqual(e.destination, { ip: '10.0.0.2', port: 5060 });
  assert.equal(e.network.transport, 'udp');
  assert.equal(e.sip.method, 'OPTIONS');
  assert.equal(e.sip.call_id, 'abc@10.0.0.1');
});

void test('non-SIP datagrams to a SIP port become not_sip events; elsewhere they are only counted', () => {
  const http = Buffer.from('GET / HTTP/1.1\r\nHost: 10.0.0.2:5060\r\n\r\n');
  const ssdp = Buffer.from('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\n\r\n');
  const random = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 73 + 11) & 0xff));
  const httpOverTcp = [
    tcpFrame(1000, Buffer.alloc(0), 0x02),
    tcpFrame(1001, Buffer.from('POST /api HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}')),
  ];
  const { events, decoder } = decodeAll([
    packet(udpFrame(40000, 5060, http)),
    packet(udpFrame(1900, 1900, ssdp)),
    packet(udpFrame(5060, 5060, random)),
    ...httpOverTcp.map((f) => packet(f)),
  ]);
  // HTTP and random bytes sent to 5060 are events, HTTP over TCP to 5060 too; SSDP to 1900 is not.
  const httpPost = 'POST /api HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}';
  assert.deepEqual(
    events.map((e) => [e.destination.port, e.network.transport, e.sip.type, e.sip.method, e.sip.anomalies, e.sip.size]),
    [
      [5060, 'udp', 'request', undefined, ['not_sip'], http.length],
      [5060, 'udp', 'request', undefined, ['not_sip'], random.length],
      [5060, 'tcp', 'request', undefined, ['not_sip'], httpPost.length],
    ],
  );
  assert.equal(decoder.stats.udp_not_sip, 3);
  assert.equal(decoder.stats.udp_not_sip_events, 2);
  assert.equal(decoder.stats.sip_messages, 0, 'junk is not counted as SIP');
  assert.equal(decoder.stats.anomalies.not_sip, 3);
});

void test('PROTOS-style malformed inputs on a SIP port: every datagram yields exactly one event', () => {
  // The PROTOS c07-sip classes: broken start lines, overflows, format strings, binary and control
  // bytes, truncations, empty and huge fields. Each is sent to 5060 as one datagram.
  const valid = sipPayload('INVITE').toString('latin1');
  const inputs: Buffer[] = [
    Buffer.from(valid.replace('INVITE sip:', 'INVITE\tsip:')),
    Buffer.from(valid.replace('SIP/2.0\r\n', 'SIP/7.0\r\n')),
    Buffer.from(valid.replace('INVITE', 'A'.repeat(5000))),
    Buffer.from(valid.replace('INVITE sip:', 'INVITE sip:%s%s%s%n%n@')),
    Buffer.from('INVITE sip:' + 'a'.repeat(60_000) + ' SIP/2.0\r\n\r\n'),
    Buffer.from(valid.slice(0, 7)),
    Buffer.from(valid.slice(0, 40)),
    Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00]), Buffer.from(valid)]),
    Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0x80, 0x81]),
    Buffer.from(valid.replace('Call-ID:', 'Call-ID:\u0000\u0001')),
    Buffer.from(valid.replace(/\r\n/g, '\n')),
    Buffer.from(' '.repeat(10)),
    Buffer.from('SIP/2.0 9999999 Whatever\r\n\r\n'),
    Buffer.from('\r\nINVITE\r\n'),
    Buffer.alloc(1),
  ];
  const { events, decoder } = decodeAll(inputs.map((b, i) => packet(udpFrame(40000 + i, 5060, b), 1_795_000_000 + i)));
  assert.equal(events.length, inputs.length, 'none vanish');
  assert.equal(decoder.stats.udp_datagrams, inputs.length);
  for (const [i, e] of events.entries()) {
    assert.equal(e.source.port, 40000 + i, 'one event per datagram, in order');
    const broken = (e.sip.anomalies ?? []).length > 0;
    assert.ok(broken, `input ${i} decoded without an anomaly: ${JSON.stringify(e.sip).slice(0, 200)}`);
  }
});

void test('RFC 5626 CRLF keepalives are counted, not reported', () => {
  const { events, decoder } = decodeAll([
    packet(udpFrame(5062, 5060, Buffer.from('\r\n\r\n'))),
    packet(udpFrame(5060, 5062, Buffer.from('\r\n'))),
  ]);
  assert.equal(events.length, 0);
  assert.equal(decoder.stats.udp_keepalives, 2);
});

void test('a mirror duplicate (same packet, other VLAN, 1 ms later) is suppressed; a retransmission 500 ms later is not', () => {
  const sip = sipPayload('INVITE');
  const plain = udpFrame(5062, 5060, sip);
  const tagged = ethernet(0x0800, ipv4({ protocol: 17, payload: udp(5062, 5060, sip) }), [{ vid: 100 }]);
  const { events, decoder } = decodeAll([
    packet(plain, 1_795_000_000, 0),
    packet(tagged, 1_795_000_000, 1_000_000),
    packet(plain, 1_795_000_000, 500_000_000),
  ]);
  assert.equal(events.length, 2);
  assert.equal(decoder.stats.mirror_duplicates, 1);
  const off = decodeAll([packet(plain, 1_795_000_000, 0), packet(tagged, 1_795_000_000, 1_000_000)], false);
  assert.equal(off.events.length, 2);
});

void test('SIP over TCP without Content-Length is framed at the headers and flagged', () => {
  const noLength = Buffer.from(
    'OPTIONS sip:100@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1:40000;branch=z9hG4bK1\r\n' +
      'From: <sip:a@example.com>;tag=1\r\nTo: <sip:100@example.com>\r\nCall-ID: t@10.0.0.1\r\n' +
      'CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n',
  );
  const { events } = decodeAll([packet(tcpFrame(1000, Buffer.alloc(0), 0x02)), packet(tcpFrame(1001, noLength))]);
  assert.equal(events.length, 1);
  const e = events[0] as SipEvent;
  assert.equal(e.network.transport, 'tcp');
  assert.ok(e.sip.anomalies?.includes('missing_content_length'), JSON.stringify(e.sip.anomalies));
});

void test('the same packets give the same event ids (re-reading a capture never duplicates)', () => {
  const frames = [1, 2, 3].map((i) =>
    packet(udpFrame(5062, 5060, sipPayload('OPTIONS', `X-N: ${i}\r\n`)), 1_795_000_000 + i),
  );
  const a = decodeAll(frames).events.map((e) => e.event.id);
  const b = decodeAll(frames).events.map((e) => e.event.id);
  assert.equal(new Set(a).size, 3);
  assert.deepEqual(a, b);
});
