import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { PacketDecoder } from './decode-packet';
import { LinkType, TcpFlag, type RawPacket } from './packet';
import {
  erspan2,
  erspan3,
  ethernet,
  gre,
  ipv4,
  ipv4Fragments,
  ipv6,
  ipv6Fragments,
  nullLoop,
  pcapBytes,
  sctp,
  sipPayload,
  sll,
  sll2,
  tcp,
  udp,
  udpFrame,
  vxlan,
} from '../../lib/src/test-support/capture';
import { tempDir } from '../../lib/src/test-support/temp-dir';

function raw(data: Buffer, linkType: number = LinkType.ETHERNET, tsSec = 1700000000, tsNsec = 123456789): RawPacket {
  return { linkType, tsSec, tsNsec, data, originalLength: data.length, interfaceId: 0 };
}

const sip = sipPayload('INVITE');

void test('UDP over Ethernet/IPv4 with every field', () => {
  const d = new PacketDecoder();
  const s = d.decode(raw(udpFrame(5062, 5060, sip, '192.0.2.1', '198.51.100.7')));
  assert.deepEqual(s, {
    tsSec: 1700000000,
    tsNsec: 123456789,
    interfaceId: 0,
    ipVersion: 4,
    srcIp: '192.0.2.1',
    dstIp: '198.51.100.7',
    protocol: 'udp',
    srcPort: 5062,
    dstPort: 5060,
    vlan: [],
    tunnel: [],
    payload: sip,
  });
  assert.equal(d.counters.udp, 1);
});

void test('TCP with options: seq/ack/flags and header-length-aware payload, over IPv6 with VLANs', () => {
  const d = new PacketDecoder();
  const seg = tcp({
    srcPort: 40000,
    dstPort: 5060,
    seq: 0xfffffff0,
    ack: 7,
    flags: TcpFlag.PSH | TcpFlag.ACK,
    options: Buffer.alloc(12, 1),
    payload: sip,
  });
  const frame = ethernet(0x86dd, ipv6({ src: '2001:db8::1', dst: '2001:db8:0:0:1::2', protocol: 6, payload: seg }), [
    { tpid: 0x88a8, vid: 10 },
    { vid: 20 },
  ]);
  const s = d.decode(raw(frame));
  assert.ok(s);
  assert.deepEqual(
    [s.protocol, s.ipVersion, s.srcIp, s.dstIp, s.vlan],
    ['tcp', 6, '2001:db8::1', '2001:db8::1:0:0:2', [10, 20]],
  );
  assert.deepEqual(s.tcp, { seq: 0xfffffff0, ack: 7, flags: 0x18 });
  assert.deepEqual(s.payload, sip);
});

void test('SCTP payload is everything after the common header', () => {
  const chunks = Buffer.alloc(32, 3);
  const s = new PacketDecoder().decode(
    raw(ethernet(0x0800, ipv4({ protocol: 132, payload: sctp(2905, 5060, chunks) }))),
  );
  assert.deepEqual([s?.protocol, s?.srcPort, s?.dstPort, s?.payload], ['sctp', 2905, 5060, chunks]);
});

void test('every link type reaches the same segment', () => {
  const ip = ipv4({ protocol: 17, payload: udp(1000, 5060, sip) });
  const ip6 = ipv6({ protocol: 17, payload: udp(1000, 5060, sip) });
  const frames: [number, Buffer][] = [
    [LinkType.ETHERNET, ethernet(0x0800, ip)],
    [LinkType.LINUX_SLL, sll(0x0800, ip)],
    [LinkType.LINUX_SLL2, sll2(0x86dd, ip6)],
    [LinkType.NULL, nullLoop(2, ip)],
    [LinkType.LOOP, nullLoop(30, ip6, false)],
    [LinkType.RAW, ip],
    [LinkType.IPV4, ip],
    [LinkType.IPV6, ip6],
  ];
  const d = new PacketDecoder();
  for (const [lt, f] of frames) {
    const s = d.decode(raw(f, lt));
    assert.ok(s, `link type ${lt}`);
    assert.deepEqual([s.srcPort, s.dstPort, s.payload], [1000, 5060, sip]);
  }
});

void test('drop counters', () => {
  const d = new PacketDecoder({ decapsulate: false });
  const c = d.counters;
  d.decode(raw(Buffer.alloc(60), 147));
  d.decode(raw(Buffer.alloc(10)));
  d.decode(raw(ethernet(0x0806, Buffer.alloc(28))));
  d.decode(raw(ethernet(0x0800, ipv4({ protocol: 17, payload: udp(1, 2, sip) }).subarray(0, 30))));
  d.decode(raw(ethernet(0x0800, Buffer.from([0x45, 0, 0, 10, ...Buffer.alloc(20)]))));
  d.decode(raw(ethernet(0x0800, ipv4({ protocol: 1, payload: Buffer.alloc(8) }))));
  d.decode(raw(ethernet(0x0800, ipv4({ protocol: 47, payload: gre({ protocol: 0x0800, payload: Buffer.alloc(4) }) }))));
  const badUdp = udp(1, 2, sip);
  badUdp.writeUInt16BE(4, 4);
  d.decode(raw(ethernet(0x0800, ipv4({ protocol: 17, payload: badUdp }))));
  const longUdp = udp(1, 2, sip);
  longUdp.writeUInt16BE(5000, 4);
  d.decode(raw(ethernet(0x0800, ipv4({ protocol: 17, payload: longUdp }))));
  const badTcp = tcp({ srcPort: 1, dstPort: 2 });
  badTcp[12] = 0xf0;
  d.decode(raw(ethernet(0x0800, ipv4({ protocol: 6, payload: badTcp }))));
  d.decode(raw(ethernet(0x0800, ipv4({ protocol: 6, payload: Buffer.alloc(10) }))));
  d.decode(raw(ethernet(0x0800, ipv4({ protocol: 132, payload: Buffer.alloc(10) }))));
  assert.deepEqual(
    [
      c.unsupported_link_type,
      c.link_truncated,
      c.not_ip,
      c.ip_truncated,
      c.ip_bad_header,
      c.not_l4,
      c.udp_bad,
      c.tcp_bad,
      c.sctp_bad,
      c.packets,
      c.segments,
    ],
    [1, 1, 1, 1, 1, 2, 2, 2, 1, 12, 0],
  );
});

void test('IPv4 fragments reassemble in any order and carry the last fragment time', () => {
  const big = Buffer.alloc(3000, 0x41);
  sip.copy(big);
  const frags = ipv4Fragments(
    { src: '10.1.1.1', dst: '10.2.2.2', protocol: 17, id: 99, payload: udp(5060, 5060, big) },
    1480,
  );
  assert.equal(frags.length, 3);
  for (const order of [
    [0, 1, 2],
    [2, 1, 0],
    [1, 0, 1, 2],
  ]) {
    const d = new PacketDecoder();
    const out = order.map((i, n) => d.decode(raw(ethernet(0x0800, frags[i] as Buffer), LinkType.ETHERNET, 10 + n, 0)));
    const s = out[out.length - 1];
    assert.ok(s);
    assert.deepEqual(
      [s.srcIp, s.dstIp, s.payload.length, s.tsSec],
      ['10.1.1.1', '10.2.2.2', 3000, 10 + order.length - 1],
    );
    assert.deepEqual(s.payload, big);
    assert.equal(d.counters.reassembled, 1);
    assert.equal(d.counters.fragment_held, order.length - 1);
  }
});

void test('IPv6 fragments with a destination-options header in the fragmentable part', () => {
  const inner = Buffer.concat([Buffer.from([17, 0, 1, 4, 0, 0, 0, 0]), udp(5060, 5070, sip)]); // dest opts → UDP
  const frags = ipv6Fragments({ protocol: 60, payload: inner }, 0x01020304, 64);
  const d = new PacketDecoder();
  let s = null;
  for (const f of frags.reverse()) s = d.decode(raw(ethernet(0x86dd, f)));
  assert.ok(s);
  assert.deepEqual([s.ipVersion, s.dstPort, s.payload], [6, 5070, sip]);
});

void test('overlapping and timed-out fragments are counted, not delivered', () => {
  const payload = udp(5060, 5060, Buffer.alloc(64, 1));
  const d = new PacketDecoder({ defrag: { timeoutSec: 5 } });
  const a = ipv4({ protocol: 17, id: 1, payload: payload.subarray(0, 32), moreFragments: true });
  const b = ipv4({ protocol: 17, id: 1, payload: payload.subarray(16, 72), fragmentOffset: 16 });
  assert.equal(d.decode(raw(ethernet(0x0800, a), LinkType.ETHERNET, 100)), null);
  assert.equal(d.decode(raw(ethernet(0x0800, b), LinkType.ETHERNET, 100)), null);
  assert.equal(d.defragmenter.counters.overlap, 1);
  const c1 = ipv4({ protocol: 17, id: 2, payload: payload.subarray(0, 32), moreFragments: true });
  const c2 = ipv4({ protocol: 17, id: 2, payload: payload.subarray(32), fragmentOffset: 32 });
  d.decode(raw(ethernet(0x0800, c1), LinkType.ETHERNET, 100));
  assert.equal(d.decode(raw(ethernet(0x0800, c2), LinkType.ETHERNET, 106)), null);
  assert.equal(d.defragmenter.counters.timeout, 1);
  assert.equal(d.defragmenter.inFlight, 1); // the late fragment waits for a partner that timed out
  // any later packet, fragment or not, sweeps it once packet time has moved past the timeout
  assert.ok(d.decode(raw(udpFrame(), LinkType.ETHERNET, 112)));
  assert.equal(d.defragmenter.counters.timeout, 2);
  assert.equal(d.defragmenter.inFlight, 0);
});

void test('GRE (IPv4, IPv6, TEB), ERSPAN I/II/III and VXLAN record tunnels outermost first', () => {
  const innerIp = ipv4({ src: '172.16.0.1', dst: '172.16.0.2', protocol: 17, payload: udp(5060, 5060, sip) });
  const innerEth = ethernet(0x0800, innerIp, [{ vid: 42 }]);
  const outer = (p: number, payload: Buffer): Buffer =>
    ethernet(0x0800, ipv4({ src: '1.1.1.1', dst: '2.2.2.2', protocol: p, payload }));
  const cases: [Buffer, string[], number[]][] = [
    [outer(47, gre({ protocol: 0x0800, payload: innerIp, key: 5 })), ['gre'], []],
    [
      outer(
        47,
        gre({ protocol: 0x86dd, checksum: true, payload: ipv6({ protocol: 17, payload: udp(5060, 5060, sip) }) }),
      ),
      ['gre'],
      [],
    ],
    [outer(47, gre({ protocol: 0x6558, payload: innerEth })), ['gre'], [42]],
    [outer(47, gre({ protocol: 0x88be, payload: innerEth })), ['gre', 'erspan1'], [42]],
    [outer(47, gre({ protocol: 0x88be, sequence: 9, payload: erspan2(1, innerEth) })), ['gre', 'erspan2'], [42]],
    [outer(47, gre({ protocol: 0x22eb, sequence: 9, payload: erspan3(1, innerEth, true) })), ['gre', 'erspan3'], [42]],
    [outer(47, gre({ protocol: 0x22eb, sequence: 9, payload: erspan3(1, innerIp, false, 2) })), ['gre', 'erspan3'], []],
    [outer(17, udp(33333, 4789, vxlan(100, innerEth))), ['vxlan'], [42]],
    [outer(4, innerIp), ['ipip'], []],
    [outer(41, ipv6({ protocol: 4, payload: innerIp })), ['ip6ip', 'ipip'], []],
    [
      ethernet(
        0x0800,
        ipv4({
          protocol: 17,
          payload: udp(
            1,
            4789,
            vxlan(7, ethernet(0x0800, ipv4({ protocol: 47, payload: gre({ protocol: 0x0800, payload: innerIp }) }))),
          ),
        }),
        [{ vid: 1 }],
      ),
      ['vxlan', 'gre'],
      [1],
    ],
  ];
  for (const [frame, tunnel, vlan] of cases) {
    const s = new PacketDecoder().decode(raw(frame));
    assert.ok(s, tunnel.join('/'));
    assert.deepEqual([s.tunnel, s.vlan, s.payload], [tunnel, vlan, sip], tunnel.join('/'));
  }
});

void test('VXLAN port without a VXLAN header stays UDP; the port is configurable; depth is bounded', () => {
  const sipOn4789 = udpFrame(5060, 4789, sip);
  const s = new PacketDecoder().decode(raw(sipOn4789));
  assert.deepEqual([s?.dstPort, s?.tunnel], [4789, []]);
  const innerEth = ethernet(0x0800, ipv4({ protocol: 17, payload: udp(5060, 5060, sip) }));
  const v = ethernet(0x0800, ipv4({ protocol: 17, payload: udp(1, 8472, vxlan(1, innerEth)) }));
  assert.equal(new PacketDecoder().decode(raw(v))?.dstPort, 8472);
  assert.deepEqual(new PacketDecoder({ vxlanPorts: [8472] }).decode(raw(v))?.tunnel, ['vxlan']);
  let ip = ipv4({ protocol: 17, payload: udp(5060, 5060, sip) });
  for (let i = 0; i < 6; i++) ip = ipv4({ protocol: 4, payload: ip });
  const d = new PacketDecoder();
  assert.equal(d.decode(raw(ip, LinkType.RAW)), null);
  assert.equal(d.counters.tunnel_too_deep, 1);
  assert.equal(new PacketDecoder({ maxTunnelDepth: 8 }).decode(raw(ip, LinkType.RAW))?.tunnel.length, 6);
});

void test('property: random bytes on any link type never throw', () => {
  const d = new PacketDecoder();
  const linkTypes = [0, 1, 101, 108, 113, 228, 229, 276, 12, 999];
  fc.assert(
    fc.property(fc.constantFrom(...linkTypes), fc.uint8Array({ maxLength: 200 }), (lt, bytes) => {
      d.decode(raw(Buffer.from(bytes), lt));
    }),
    { numRuns: 3000 },
  );
  // mutate valid tunnelled frames too: bytes in the middle of headers are the interesting ones
  const base = ethernet(
    0x0800,
    ipv4({ protocol: 47, payload: gre({ protocol: 0x88be, sequence: 1, payload: erspan2(1, udpFrame()) }) }),
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.nat(base.length),
      (muts, cut) => {
        const b = Buffer.from(base);
        for (const [i, v] of muts) b[i] = v;
        d.decode(raw(b.subarray(0, cut)));
      },
    ),
    { numRuns: 3000 },
  );
  assert.ok(d.counters.packets >= 6000);
});

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

void test('tshark oracle: innermost addresses, ports and payload length agree on every tunnel and link type', () => {
  assert.ok(hasTshark(), 'tshark is required (apt-get install tshark; npm test installs it)');
  const innerV4 = ipv4({ src: '172.16.0.1', dst: '172.16.0.2', protocol: 17, payload: udp(5070, 5060, sip) });
  const innerV6 = ipv6({
    src: '2001:db8::a',
    dst: '2001:db8::b',
    protocol: 6,
    payload: tcp({ srcPort: 40001, dstPort: 5060, payload: sip }),
  });
  const innerEth = ethernet(0x0800, innerV4, [{ vid: 42 }]);
  const outer4 = (p: number, payload: Buffer): Buffer =>
    ethernet(0x0800, ipv4({ src: '1.1.1.1', dst: '2.2.2.2', protocol: p, payload }));
  const outer6 = (p: number, payload: Buffer): Buffer =>
    ethernet(0x86dd, ipv6({ src: 'fe80::1', dst: 'fe80::2', protocol: p, payload }));
  const frames = [
    udpFrame(5062, 5060, sip),
    ethernet(0x86dd, innerV6, [{ tpid: 0x88a8, vid: 5 }, { vid: 6 }]),
    outer4(47, gre({ protocol: 0x0800, key: 7, payload: innerV4 })),
    outer6(47, gre({ protocol: 0x86dd, checksum: true, payload: innerV6 })),
    outer4(47, gre({ protocol: 0x6558, payload: innerEth })),
    outer4(47, gre({ protocol: 0x88be, sequence: 1, payload: erspan2(1, innerEth) })),
    outer4(47, gre({ protocol: 0x22eb, sequence: 1, payload: erspan3(1, innerEth) })),
    outer4(17, udp(40000, 4789, vxlan(100, innerEth))),
    outer4(4, innerV4),
    outer4(41, innerV6),
    outer6(41, innerV6),
  ];
  const dir = tempDir('sipward-oracle-');
  const path = join(dir, 'oracle.pcap');
  writeFileSync(path, pcapBytes(frames.map((data, i) => ({ data, tsSec: 1, tsNsec: i * 1000 }))));
  const lines = execFileSync(
    'tshark',
    [
      '-r',
      path,
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'ip.src',
      '-e',
      'ipv6.src',
      '-e',
      'udp.dstport',
      '-e',
      'tcp.dstport',
      '-e',
      'udp.length',
      '-e',
      'tcp.len',
    ],
    { encoding: 'utf8' },
  )
    .trim()
    .split('\n');
  const last = (v: string | undefined): string => (v ?? '').split(',').pop() ?? '';
  const d = new PacketDecoder();
  frames.forEach((f, i) => {
    const s = d.decode(raw(f));
    assert.ok(s, `frame ${i}`);
    const [ip4, ip6, udpPort, tcpPort, udpLen, tcpLen] = (lines[i] ?? '').split('|');
    // tshark lists every layer's value, outermost first: the innermost is last.
    const innerSrc = s.ipVersion === 4 ? last(ip4) : last(ip6);
    assert.equal(s.srcIp, innerSrc, `frame ${i} src`);
    if (s.protocol === 'udp') {
      assert.equal(String(s.dstPort), last(udpPort), `frame ${i} port`);
      assert.equal(String(s.payload.length + 8), last(udpLen), `frame ${i} len`);
    } else {
      assert.equal(String(s.dstPort), last(tcpPort), `frame ${i} port`);
      assert.equal(String(s.payload.length), last(tcpLen), `frame ${i} len`);
    }
  });
});
