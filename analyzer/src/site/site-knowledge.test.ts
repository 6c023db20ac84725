// site.* against the fixture world (signatures/test-site.yaml): zones, direction, border
// crossing, trust by address and by host name, unexpected peers, business hours across DST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { SipEvent, SipFields } from '../../../schema/src/sip-event';
import { loadSiteConfig, parseSiteConfig } from './site-config';
import { emptySiteInfo, resetSiteInfo, SiteKnowledge, type SiteInfo } from './site-knowledge';
import { defaultSignaturesDir } from '../engine/load/load-signatures';

const site = new SiteKnowledge(loadSiteConfig(join(defaultSignaturesDir(), 'test-site.yaml')));

function event(
  src: string,
  dst: string,
  sip: Partial<SipFields> & Pick<SipFields, 'type'>,
  at = '2026-11-30T10:00:00.000000Z',
): SipEvent {
  return {
    '@timestamp': at,
    event: { id: 'e1', kind: 'event', dataset: 'sipward.sip' },
    source: { ip: src, port: 5060 },
    destination: { ip: dst, port: 5060 },
    network: { transport: 'udp', protocol: 'sip' },
    sip: { size: 400, ...sip },
  };
}

const invite = (from = 'alice'): Partial<SipFields> & Pick<SipFields, 'type'> => ({
  type: 'request',
  method: 'INVITE',
  from: { user: from },
  request_uri_user: '442079460000',
});

function classify(ev: SipEvent, account?: string, s = site): SiteInfo {
  const out = emptySiteInfo();
  s.classify(ev, account, out);
  return out;
}

void test('zones: internal, border, trusted (peer inside an internal range), external', () => {
  assert.equal(site.zoneOf('10.1.2.3').zone, 'internal');
  assert.equal(site.zoneOf('192.168.7.7').zone, 'internal');
  assert.equal(site.zoneOf('198.51.100.10').zone, 'border');
  assert.equal(site.zoneOf('198.51.100.11').zone, 'external');
  assert.equal(site.zoneOf('192.0.2.5').peer?.name, 'carrier-a');
  assert.equal(site.zoneOf('192.0.2.16').zone, 'external');
  // pbx-branch (10.20.0.5/32) sits inside 10/8: the specific trusted entry wins.
  assert.equal(site.zoneOf('10.20.0.5').zone, 'trusted');
  assert.equal(site.zoneOf('10.20.0.5').peer?.name, 'pbx-branch');
  assert.equal(site.zoneOf('203.0.113.7').zone, 'external');
  assert.equal(site.zoneOf('not-an-ip').zone, 'external');
});

void test('direction and crosses_border for every pairing of inside and outside', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['203.0.113.7', '198.51.100.10', 'inbound', true],
    ['192.0.2.5', '198.51.100.30', 'inbound', true],
    ['10.1.2.3', '198.51.100.20', 'internal', false],
    ['198.51.100.20', '192.0.2.5', 'outbound', true],
    ['10.1.2.3', '198.18.0.1', 'outbound', true],
    ['203.0.113.7', '198.18.0.1', 'transit', false],
  ];
  for (const [src, dst, direction, crosses] of cases) {
    const out = classify(event(src, dst, { type: 'request', method: 'OPTIONS' }));
    assert.equal(out.direction, direction, `${src} → ${dst}`);
    assert.equal(out.crosses_border, crosses, `${src} → ${dst}`);
    assert.equal(out.configured, true);
  }
});

void test('who may assert identity and divert: inside yes, trusted per flag, external no', () => {
  const ext = classify(event('203.0.113.7', '198.51.100.20', invite()));
  assert.deepEqual(
    [ext.source_zone, ext.source_may_assert_identity, ext.source_may_divert, ext.source_peer],
    ['external', false, false, undefined],
  );
  const carrier = classify(event('192.0.2.3', '198.51.100.30', invite()));
  assert.deepEqual(
    [carrier.source_zone, carrier.source_peer, carrier.source_may_assert_identity, carrier.interconnect],
    ['trusted', 'carrier-a', true, true],
  );
  const phone = classify(event('10.1.2.3', '198.51.100.20', invite()));
  assert.deepEqual(
    [phone.source_may_assert_identity, phone.source_may_divert, phone.interconnect],
    [true, true, false],
  );
  const branch = classify(event('10.20.0.5', '198.51.100.20', invite()));
  assert.deepEqual([branch.source_peer, branch.interconnect, branch.direction], ['pbx-branch', false, 'inbound']);
});

void test('a host name is a claim, never trust: zones come from addresses, claimed_peer/peer_mismatch from names', () => {
  // An internet host writing the carrier's SBC name into its Via stays external, with no rights.
  const spoofed = classify(
    event('203.0.113.50', '198.51.100.20', {
      ...invite(),
      via: [{ host: 'SBC.Carrier-A.example', branch: 'z9hG4bK1' }],
    }),
  );
  assert.deepEqual(
    [
      spoofed.source_zone,
      spoofed.source_peer,
      spoofed.source_may_assert_identity,
      spoofed.claimed_peer,
      spoofed.peer_mismatch,
    ],
    ['external', undefined, false, 'carrier-a', true],
  );
  // The carrier itself (by address) naming its own SBC: consistent.
  const real = classify(event('192.0.2.1', '198.51.100.30', { ...invite(), via: [{ host: 'sbc.carrier-a.example' }] }));
  assert.deepEqual(
    [real.source_zone, real.source_peer, real.claimed_peer, real.peer_mismatch],
    ['trusted', 'carrier-a', 'carrier-a', false],
  );
  // Another trusted peer (the branch PBX) presenting carrier-a's name: a mismatch.
  const other = classify(
    event('10.20.0.5', '198.51.100.20', { ...invite(), via: [{ host: 'sbc.carrier-a.example' }] }),
  );
  assert.deepEqual([other.source_peer, other.claimed_peer, other.peer_mismatch], ['pbx-branch', 'carrier-a', true]);
  // No trusted name in the message: nothing claimed.
  const plain = classify(event('203.0.113.50', '198.51.100.20', { ...invite(), via: [{ host: 'evil.example' }] }));
  assert.deepEqual([plain.source_zone, plain.claimed_peer, plain.peer_mismatch], ['external', undefined, undefined]);
});

void test('unexpected_peer: only non-trusted, non-internal sources to the interconnect SBC', () => {
  assert.equal(classify(event('203.0.113.7', '198.51.100.30', invite())).unexpected_peer, true);
  assert.equal(classify(event('192.0.2.1', '198.51.100.30', invite())).unexpected_peer, false);
  assert.equal(classify(event('10.1.2.3', '198.51.100.30', invite())).unexpected_peer, false);
  assert.equal(classify(event('198.51.100.20', '198.51.100.30', invite())).unexpected_peer, false);
  assert.equal(classify(event('203.0.113.7', '198.51.100.10', invite())).unexpected_peer, false);
  // A Via host name is no proof of the sender: still external, still unexpected.
  const spoofed = classify(
    event('203.0.113.7', '198.51.100.30', { ...invite(), via: [{ host: 'sbc.carrier-a.example' }] }),
  );
  assert.deepEqual([spoofed.source_zone, spoofed.unexpected_peer], ['external', true]);
});

void test('business hours in Europe/London follow DST (GMT before 29 March 2026, BST after)', () => {
  const at = (ts: string, account = 'alice'): boolean | undefined =>
    classify(event('10.1.2.3', '198.51.100.20', invite(account), ts), account).business_hours;
  // Friday 27 March, 07:30 UTC = 07:30 GMT: before opening.
  assert.equal(at('2026-03-27T07:30:00.000000Z'), false);
  // Monday 30 March, 07:30 UTC = 08:30 BST: open.
  assert.equal(at('2026-03-30T07:30:00.000000Z'), true);
  // Monday 30 March, 17:30 UTC = 18:30 BST: closed.
  assert.equal(at('2026-03-30T17:30:00.000000Z'), false);
  // Friday 23 October, 07:30 UTC = 08:30 BST: open; Monday 26 October 07:30 UTC = 07:30 GMT: closed.
  assert.equal(at('2026-10-23T07:30:00.000000Z'), true);
  assert.equal(at('2026-10-26T07:30:00.000000Z'), false);
  // Numeric range account (office 1000-1999) on a Saturday: closed; callcenter (2000-2999) works Saturdays.
  assert.equal(at('2026-11-28T10:00:00.000000Z', '1500'), false);
  assert.equal(at('2026-11-28T10:00:00.000000Z', '2500'), true);
  assert.equal(at('2026-11-29T10:00:00.000000Z', '2500'), false);
  assert.equal(at('2026-11-30T21:59:00.000000Z', '2500'), true);
  assert.equal(at('2026-11-30T22:00:00.000000Z', '2500'), false);
});

void test('business hours: absent without a schedule, for other methods, for unknown accounts', () => {
  assert.equal(classify(event('10.1.2.3', '198.51.100.20', invite('mallory')), 'mallory').business_hours, undefined);
  assert.equal(classify(event('10.1.2.3', '198.51.100.20', invite()), undefined).business_hours, undefined);
  const bye = event('10.1.2.3', '198.51.100.20', { type: 'request', method: 'BYE' });
  assert.equal(classify(bye, 'alice').business_hours, undefined);
  // One object reused: a later non-INVITE must not keep the INVITE's answer.
  const out = emptySiteInfo();
  site.classify(event('10.1.2.3', '198.51.100.20', invite()), 'alice', out);
  assert.equal(out.business_hours, true);
  site.classify(bye, 'alice', out);
  assert.equal(out.business_hours, undefined);
  resetSiteInfo(out);
  assert.deepEqual(
    Object.values(out).filter((v) => v !== undefined),
    [],
  );
});

void test('business hours across the date line and overnight windows', () => {
  const tokyo = new SiteKnowledge(
    parseSiteConfig(
      [
        'site:',
        '  account_groups:',
        '    - name: jp',
        '      accounts: [taro]',
        '      home_country: JP',
        '      business_hours: { days: [mon, tue, wed, thu, fri], from: "08:00", to: "18:00", timezone: Asia/Tokyo }',
        '    - name: night',
        '      accounts: [owl]',
        '      business_hours: { days: [mon], from: "22:00", to: "06:00", timezone: America/New_York }',
      ].join('\n'),
      'x.yaml',
    ),
  );
  const at = (ts: string, account: string): boolean | undefined =>
    classify(event('10.1.2.3', '198.51.100.20', invite(account), ts), account, tokyo).business_hours;
  // Monday 5 January 23:30 UTC is Tuesday 08:30 in Tokyo.
  assert.equal(at('2026-01-05T23:30:00.000000Z', 'taro'), true);
  // Friday 9 January 23:30 UTC is Saturday in Tokyo.
  assert.equal(at('2026-01-09T23:30:00.000000Z', 'taro'), false);
  // Monday 22:00 EST → Tuesday 06:00 EST belongs to Monday's shift.
  assert.equal(at('2026-01-06T03:30:00.000000Z', 'owl'), true); // Mon 22:30 EST
  assert.equal(at('2026-01-06T10:30:00.000000Z', 'owl'), true); // Tue 05:30 EST
  assert.equal(at('2026-01-06T11:30:00.000000Z', 'owl'), false); // Tue 06:30 EST
  assert.equal(at('2026-01-07T04:00:00.000000Z', 'owl'), false); // Tue 23:00 EST: Tuesday is not a shift day
  assert.equal(tokyo.homeCountry('taro'), 'JP');
  assert.equal(tokyo.homeCountry('owl'), undefined);
});

void test('own number ranges and home countries from the fixture world', () => {
  assert.equal(site.isOwnNumber('+442079460123'), true);
  assert.equal(site.isOwnNumber('441614960000'), true);
  assert.equal(site.isOwnNumber('442071234567'), false);
  assert.equal(site.homeCountry('alice'), 'GB');
  assert.equal(site.homeCountry('1999'), 'GB');
  assert.equal(site.homeCountry('stranger'), 'GB'); // default_country
});

void test('zone lookups are cached per address and stay correct', () => {
  for (let i = 0; i < 10_000; i++) {
    const ip = `203.0.${(i >> 8) & 255}.${i & 255}`;
    assert.equal(site.zoneOf(ip).zone, 'external');
  }
  assert.equal(site.zoneOf('10.1.2.3').zone, 'internal');
});
