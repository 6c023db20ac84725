import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLink, newLinkInfo } from './decode-link';
import { LinkType } from '../packet';
import { ethernet, ipv4, ipv6, nullLoop, sll, sll2, udp } from '../../../lib/src/test-support/capture';

const ip4 = ipv4({ protocol: 17, payload: udp(1, 2, Buffer.from('x')) });
const ip6 = ipv6({ protocol: 17, payload: udp(1, 2, Buffer.from('x')) });

function run(linkType: number, data: Buffer): ReturnType<typeof newLinkInfo> & { ok: boolean } {
  const li = newLinkInfo();
  const ok = decodeLink(linkType, data, li);
  return { ...li, ok };
}

void test('Ethernet II IPv4 and IPv6', () => {
  assert.deepEqual(run(LinkType.ETHERNET, ethernet(0x0800, ip4)), {
    ok: true,
    etherType: 0x0800,
    offset: 14,
    vlan: [],
    drop: null,
  });
  const r = run(LinkType.ETHERNET, ethernet(0x86dd, ip6));
  assert.equal(r.etherType, 0x86dd);
  assert.equal(r.offset, 14);
});

void test('802.1Q, 802.1ad and 0x9100 stacks give VLAN ids outermost first', () => {
  const r = run(
    LinkType.ETHERNET,
    ethernet(0x0800, ip4, [
      { tpid: 0x88a8, vid: 300 },
      { tpid: 0x8100, vid: 100 },
    ]),
  );
  assert.deepEqual([r.ok, r.offset, r.vlan], [true, 22, [300, 100]]);
  const q = run(LinkType.ETHERNET, ethernet(0x86dd, ip6, [{ tpid: 0x9100, vid: 7 }, { vid: 4095 }, { vid: 1 }]));
  assert.deepEqual([q.ok, q.offset, q.vlan], [true, 26, [7, 4095, 1]]);
  // priority bits are not part of the id
  const tagged = ethernet(0x0800, ip4, [{ vid: 0xe00a }]);
  assert.deepEqual(run(LinkType.ETHERNET, tagged).vlan, [10]);
});

void test('non-IP and truncated Ethernet', () => {
  assert.equal(run(LinkType.ETHERNET, ethernet(0x0806, Buffer.alloc(28))).drop, 'not_ip');
  assert.equal(run(LinkType.ETHERNET, ethernet(100, Buffer.alloc(28))).drop, 'not_ip'); // 802.3 length
  assert.equal(run(LinkType.ETHERNET, Buffer.alloc(13)).drop, 'link_truncated');
  assert.equal(run(LinkType.ETHERNET, ethernet(0x8100, Buffer.alloc(2))).drop, 'link_truncated');
});

void test('Linux SLL and SLL2', () => {
  assert.deepEqual(run(LinkType.LINUX_SLL, sll(0x0800, ip4)).offset, 16);
  assert.equal(run(LinkType.LINUX_SLL, sll(0x86dd, ip6)).etherType, 0x86dd);
  const tagged = sll(0x8100, Buffer.concat([Buffer.from([0x00, 0x05, 0x08, 0x00]), ip4]));
  assert.deepEqual(run(LinkType.LINUX_SLL, tagged).vlan, [5]);
  assert.deepEqual(run(LinkType.LINUX_SLL2, sll2(0x0800, ip4)).offset, 20);
  assert.equal(run(LinkType.LINUX_SLL2, sll2(0x86dd, ip6)).etherType, 0x86dd);
  assert.equal(run(LinkType.LINUX_SLL2, Buffer.alloc(19)).drop, 'link_truncated');
  assert.equal(run(LinkType.LINUX_SLL, sll(0x0004, Buffer.alloc(10))).drop, 'not_ip');
});

void test('NULL and LOOP with both byte orders and every AF_INET6 value', () => {
  for (const lt of [LinkType.NULL, LinkType.LOOP]) {
    for (const le of [true, false]) {
      assert.equal(run(lt, nullLoop(2, ip4, le)).etherType, 0x0800);
      for (const af of [24, 28, 30, 10]) {
        const r = run(lt, nullLoop(af, ip6, le));
        assert.deepEqual([r.ok, r.etherType, r.offset], [true, 0x86dd, 4]);
      }
      assert.equal(run(lt, nullLoop(7, ip4, le)).drop, 'not_ip');
    }
  }
  assert.equal(run(LinkType.NULL, Buffer.alloc(3)).drop, 'link_truncated');
});

void test('RAW (101 and DLT 12/14), IPV4 (228), IPV6 (229)', () => {
  for (const lt of [LinkType.RAW, 12, 14]) {
    assert.equal(run(lt, ip4).etherType, 0x0800);
    assert.equal(run(lt, ip6).etherType, 0x86dd);
    assert.equal(run(lt, Buffer.from([0x20])).drop, 'not_ip');
  }
  assert.deepEqual([run(LinkType.IPV4, ip4).etherType, run(LinkType.IPV4, ip4).offset], [0x0800, 0]);
  assert.equal(run(LinkType.IPV6, ip6).etherType, 0x86dd);
  assert.equal(run(LinkType.RAW, Buffer.alloc(0)).drop, 'link_truncated');
});

void test('unsupported link type is a drop reason, not a throw', () => {
  assert.equal(run(105, Buffer.alloc(64)).drop, 'unsupported_link_type');
});

void test('MPLS label stacks in Ethernet, IP found by version nibble', () => {
  const label = (bottom: boolean): Buffer => Buffer.from([0x00, 0x01, bottom ? 0x01 : 0x00, 0x40]);
  const two = run(LinkType.ETHERNET, ethernet(0x8847, Buffer.concat([label(false), label(true), ip6]), [{ vid: 3 }]));
  assert.deepEqual([two.ok, two.etherType, two.offset, two.vlan], [true, 0x86dd, 26, [3]]);
  assert.equal(run(LinkType.ETHERNET, ethernet(0x8847, Buffer.concat([label(true), ip4]))).etherType, 0x0800);
  assert.equal(run(LinkType.ETHERNET, ethernet(0x8847, Buffer.concat([label(true), Buffer.alloc(20)]))).drop, 'not_ip');
  assert.equal(
    run(LinkType.ETHERNET, ethernet(0x8847, Buffer.concat(Array.from({ length: 9 }, () => label(false))))).drop,
    'link_truncated',
  );
});
