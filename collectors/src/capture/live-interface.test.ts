import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needNativeCapture } from '../test-support/native-capture';
import { createSocket } from 'node:dgram';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildSipBpfFilter, linkTypeFromLibpcapName, LiveCapture, loadCap, ReceiptClock } from './live-interface';
import { PacketDecoder } from '../decode-packet';
import type { L4Segment } from '../packet';

function capAvailable(): boolean {
  try {
    loadCap();
    return true;
  } catch {
    return false;
  }
}
const canCapture = capAvailable() && process.getuid?.() === 0;
const NEEDS_CAPTURE =
  'live capture tests need root and the optional `cap` package built against libpcap-dev (npm test installs both)';

void test('default BPF filter covers ports, VLAN-tagged copies, fragments and tunnels', () => {
  const f = buildSipBpfFilter({ ports: [5060], decapsulate: true });
  assert.equal(
    f,
    '(udp port 5060 or tcp port 5060 or sctp port 5060 or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44) or proto gre or udp port 4789 or ip proto 4 or ip proto 41 or ip6 proto 4 or ip6 proto 41) or (vlan and (udp port 5060 or tcp port 5060 or sctp port 5060 or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44) or proto gre or udp port 4789 or ip proto 4 or ip proto 41 or ip6 proto 4 or ip6 proto 41))',
  );
  assert.match(buildSipBpfFilter(), /udp port 5080/);
  assert.doesNotMatch(buildSipBpfFilter({ fragments: false }), /ip\[6:2\]/);
});

void test('cap link type names map to LINKTYPE values', () => {
  assert.equal(linkTypeFromLibpcapName('ETHERNET'), 1);
  assert.equal(linkTypeFromLibpcapName('LINKTYPE_LINUX_SLL'), 113);
  assert.equal(linkTypeFromLibpcapName('RAW'), 101);
  assert.equal(linkTypeFromLibpcapName('NULL'), 0);
  assert.equal(linkTypeFromLibpcapName('Unknown linktype 276'), 276);
  assert.equal(linkTypeFromLibpcapName('Unknown linktype 12'), 101);
  assert.equal(linkTypeFromLibpcapName('???'), null);
});

void test('receipt clock is monotonic and close to Date.now()', () => {
  const c = new ReceiptClock();
  const a = { tsSec: 0, tsNsec: 0 };
  const b = { tsSec: 0, tsNsec: 0 };
  c.now(a);
  c.now(b);
  assert.ok(b.tsSec * 1e9 + b.tsNsec >= a.tsSec * 1e9 + a.tsNsec);
  assert.ok(Math.abs(a.tsSec * 1000 + a.tsNsec / 1e6 - Date.now()) < 1000);
  assert.ok(a.tsNsec >= 0 && a.tsNsec < 1e9);
});

void test('opening a missing interface is a SipwardError', (t) => {
  if (!needNativeCapture(t, canCapture, NEEDS_CAPTURE)) return;
  assert.throws(() => LiveCapture.open({ interface: 'nonexistent0' }), { code: 'SIPWARD_CAPTURE_UNAVAILABLE' });
  assert.throws(() => LiveCapture.open({ interface: 'lo', filter: 'udp port nonsense' }), {
    code: 'SIPWARD_CAPTURE_UNAVAILABLE',
  });
  // Regression: cap's destructor crashes (uv_poll_stop on an uninitialised handle) when a failed
  // handle is garbage-collected; LiveCapture keeps them referenced. Force GCs to prove it.
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 5; i++) gc();
});

void test(
  'live capture on lo: datagrams to a high port arrive as segments, then close releases',
  { timeout: 5000 },
  async (t) => {
    if (!needNativeCapture(t, canCapture, NEEDS_CAPTURE)) return;
    const port = 40000 + Math.floor(Math.random() * 20000);
    const statsSeen: number[] = [];
    const cap = LiveCapture.open({
      interface: 'lo',
      ports: [port],
      statsIntervalMs: 50,
      onStats: (st) => statsSeen.push(st.packets),
    });
    // the default filter must also compile on a real handle
    await LiveCapture.open({ interface: 'lo' }).close();
    const sock = createSocket('udp4');
    const sent = 3;
    const timer = setInterval(() => {
      for (let i = 0; i < sent; i++) sock.send(`OPTIONS sip:test SIP/2.0 #${i}`, port, '127.0.0.1');
    }, 200);
    const d = new PacketDecoder();
    const got: L4Segment[] = [];
    const started = Date.now();
    // If nothing arrives, closing ends the for-await: the test fails on its assertions instead of hanging.
    const guard = setTimeout(() => void cap.close(), 4000);
    try {
      for await (const batch of cap) {
        for (const p of batch) {
          const s = d.decode(p);
          if (s !== null) got.push({ ...s, payload: Buffer.from(s.payload) });
        }
        if (got.length >= sent || Date.now() - started > 4000) break;
      }
    } finally {
      clearInterval(timer);
      clearTimeout(guard);
      sock.close();
      await cap.close();
    }
    assert.ok(got.length >= sent, `got ${got.length}`);
    const s = got[0] as L4Segment;
    assert.deepEqual([s.srcIp, s.dstIp, s.dstPort, s.protocol], ['127.0.0.1', '127.0.0.1', port, 'udp']);
    assert.match(s.payload.toString(), /^OPTIONS sip:test SIP\/2.0 #/);
    assert.ok(Math.abs(s.tsSec - Date.now() / 1000) < 10);
    assert.ok(cap.stats.packets >= sent);
    assert.equal(cap.linkType, 1);
    assert.ok(statsSeen.length > 0);
  },
);
