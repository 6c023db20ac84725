import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventTimeMs } from '../event-time';
import { IpSet, parseIpv4, parseIpv6 } from './ip-set';

void test('IPv4 and IPv6 parsing', () => {
  assert.equal(parseIpv4('10.0.0.1'), 167772161);
  assert.equal(parseIpv4('255.255.255.255'), 4294967295);
  for (const bad of ['10.0.0', '10.0.0.256', '1.2.3.4.5', 'a.b.c.d', '1..2.3', ''])
    assert.equal(parseIpv4(bad), undefined);
  assert.deepEqual([...(parseIpv6('2001:db8::1') ?? [])], [0x20010db8, 0, 0, 1]);
  assert.deepEqual([...(parseIpv6('::ffff:10.0.0.1') ?? [])], [0, 0, 0xffff, 167772161]);
  assert.deepEqual([...(parseIpv6('fe80::1%eth0') ?? [])], [0xfe800000, 0, 0, 1]);
  for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '10.0.0.1']) assert.equal(parseIpv6(bad), undefined);
});

void test('IpSet matches v4 ranges and v6 prefixes at any length', () => {
  const set = new IpSet(['10.0.0.0/8', '192.168.1.7', '2001:db8:abcd::/48', 'fd00::/7']);
  assert.ok(set.contains('10.255.0.1'));
  assert.ok(!set.contains('11.0.0.1'));
  assert.ok(set.contains('192.168.1.7'));
  assert.ok(!set.contains('192.168.1.8'));
  assert.ok(set.contains('2001:db8:abcd:1::5'));
  assert.ok(!set.contains('2001:db8:abce::5'));
  assert.ok(set.contains('fdff::1'));
  assert.ok(!set.contains('fe00::1'));
  assert.ok(!set.contains('not-an-ip'));
  assert.throws(() => new IpSet(['10.0.0.0/']), /bad CIDR/);
  assert.throws(() => new IpSet(['2001:db8::/129']), /bad CIDR/);
});

void test('event time parses microsecond UTC timestamps and falls back for other forms', () => {
  assert.equal(eventTimeMs('2026-11-28T17:23:00.123456Z'), Date.parse('2026-11-28T17:23:00.123Z') + 0.456);
  assert.equal(eventTimeMs('2026-11-28T17:23:01.5Z'), Date.parse('2026-11-28T17:23:01.500Z'));
  assert.equal(eventTimeMs('2026-11-28T17:23:02Z'), Date.parse('2026-11-28T17:23:02Z'));
  assert.equal(eventTimeMs('2026-11-28T18:23:00.000+01:00'), Date.parse('2026-11-28T17:23:00Z'));
  assert.ok(Number.isNaN(eventTimeMs('yesterday')));
});
