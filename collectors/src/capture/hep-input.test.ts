// HEP input gives the same SIP events as a capture of the same traffic: every message of the
// testbed captures is re-exported as HEP v3 (addresses, ports, transport and time in chunks, as
// an SBC would) and the two event streams must be equal, field for field, event id included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { SipEvent } from '../../../schema/src/sip-event';
import { SipDecoder } from '../sip-decoder';
import { encodeHep, hepExport } from '../test-support/hep';
import { decodedEvents } from '../test-support/decoded-events';
import { HepInput } from './hep-input';
import { repoPath } from '../../../lib/src/repo-root';

// Compiled to dist/collectors/src/capture/: the repository root is four levels up.
const CAPTURES = repoPath('test', 'fixtures', 'captures');

for (const name of ['udp.pcap', 'tcp.pcap', 'ipv6.pcap', 'udp-vlan100.pcap']) {
  void test(`HEP export of ${name} decodes to the same SIP events as the capture`, async () => {
    const file = join(CAPTURES, name);
    const expected = await decodedEvents([file]);
    const events: SipEvent[] = [];
    const decoder = new SipDecoder((e) => events.push(e));
    const input = new HepInput(decoder);
    const exported = await hepExport(file, (i) => ({ nodeId: 7, correlationId: `corr-${i}` }));
    for (const packet of exported) input.push(packet);
    assert.ok(expected.length > 10, `${name}: ${expected.length} events`);
    assert.equal(input.stats.sip_messages, expected.length);
    assert.equal(events.length, expected.length);
    for (const [i, event] of events.entries()) {
      assert.deepEqual(event.hep, { node_id: 7, correlation_id: `corr-${i}` });
      const { hep: _hep, ...rest } = event;
      assert.deepEqual(rest, expected[i], `${name} event ${i}`);
    }
  });
}

void test('auth key: packets without the key or with another are dropped and counted, never carried', () => {
  const events: SipEvent[] = [];
  const input = new HepInput(new SipDecoder((e) => events.push(e)), { authKey: 's3cret' });
  const spec = {
    srcIp: '10.0.0.1',
    dstIp: '10.0.0.2',
    srcPort: 5060,
    dstPort: 5060,
    tsSec: 1_790_000_000,
    tsUsec: 0,
    payload: Buffer.from(
      'OPTIONS sip:x@10.0.0.2 SIP/2.0\r\nCall-ID: k\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    ),
  };
  input.push(encodeHep({ ...spec, authKey: 's3cret' }));
  input.push(encodeHep({ ...spec, authKey: 'wrong' }));
  input.push(encodeHep({ ...spec, authKey: 's3cre' }));
  input.push(encodeHep(spec));
  input.push(encodeHep({ ...spec, authKey: 's3cret', payload: Buffer.from('not sip at all') }));
  input.push(Buffer.from('garbage'));
  assert.equal(events.length, 1);
  assert.ok(!JSON.stringify(events[0]).includes('s3cret'));
  assert.equal(input.stats.packets, 6);
  assert.equal(input.stats.sip_messages, 1);
  assert.equal(input.stats.dropped.auth_failed, 3);
  assert.equal(input.stats.dropped.payload_not_sip, 1);
  assert.equal(input.stats.dropped.not_hep3, 1);
});
