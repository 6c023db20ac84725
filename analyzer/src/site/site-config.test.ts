// Site config loading: the fixture world loads, and every kind of mistake is reported as
// "file:line: field: problem" in one SIPWARD_CONFIG_INVALID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { SipwardError } from '../../../lib/src/errors';
import { loadSiteConfig, parseSiteConfig } from './site-config';
import { defaultSignaturesDir } from '../engine/load/load-signatures';

// The repository root from src/ (tsx) and dist/ (built) alike.
const REPO = dirname(defaultSignaturesDir());

/** The message of the SIPWARD_CONFIG_INVALID that parsing `text` throws. */
function problems(text: string): string[] {
  try {
    parseSiteConfig(text, 'site.yaml');
  } catch (error) {
    assert.ok(error instanceof SipwardError);
    assert.equal(error.code, 'SIPWARD_CONFIG_INVALID');
    return error.message.split('\n');
  }
  assert.fail('expected SIPWARD_CONFIG_INVALID');
}

void test('the fixture world (signatures/test-site.yaml) and the example config load', () => {
  const site = loadSiteConfig(join(REPO, 'signatures', 'test-site.yaml'));
  assert.deepEqual(site.internal_networks, ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  assert.deepEqual(
    site.border.map((b) => [b.address, b.interconnect]),
    [
      ['198.51.100.10/32', false],
      ['198.51.100.20/32', false],
      ['198.51.100.30/32', true],
    ],
  );
  assert.deepEqual(
    site.trusted_peers.map((p) => [p.name, p.assert_identity, p.diversion, p.interconnect, p.hosts]),
    [
      ['carrier-a', true, true, true, ['sbc.carrier-a.example']],
      ['pbx-branch', true, true, false, []],
    ],
  );
  assert.deepEqual(site.own_numbers, ['44207946', '44161496']);
  assert.equal(site.default_country, 'GB');
  const office = site.account_groups[0];
  assert.deepEqual(office?.ranges, [{ low: 1000, high: 1999 }]);
  assert.deepEqual(office?.accounts, ['alice', 'bob']);
  assert.equal(office?.business_hours?.fromMinute, 480);
  assert.equal(office?.business_hours?.toMinute, 1080);
  assert.equal(site.account_groups[1]?.business_hours?.days.length, 6);
  const example = loadSiteConfig(join(REPO, 'config', 'site.example.yaml'));
  assert.ok(example.trusted_peers.length > 0);
});

void test('plain CIDR strings in border, unquoted +digits and integer accounts are accepted', () => {
  const site = parseSiteConfig(
    'site:\n  border: [198.51.100.1, 2001:db8::/32]\n  own_numbers: [+44207946, "+1555"]\n' +
      '  account_groups:\n    - name: g\n      accounts: [1000, 2000-2999]\n',
    'x.yaml',
  );
  assert.deepEqual(site.border, [
    { address: '198.51.100.1', interconnect: false },
    { address: '2001:db8::/32', interconnect: false },
  ]);
  assert.deepEqual(site.own_numbers, ['44207946', '1555']);
  assert.deepEqual(site.account_groups[0]?.accounts, ['1000']);
  assert.deepEqual(site.account_groups[0]?.ranges, [{ low: 2000, high: 2999 }]);
});

void test('an empty file or an empty site section is a valid, empty site', () => {
  assert.deepEqual(parseSiteConfig('', 'x.yaml').border, []);
  assert.deepEqual(parseSiteConfig('site:\n', 'x.yaml').trusted_peers, []);
});

void test('schema errors: unknown keys, wrong types, bad times — each with its line', () => {
  const found = problems(
    [
      'site:', // 1
      '  internal_networks: [10.0.0.0/8]', // 2
      '  bogus: 1', // 3
      '  trusted_peers:', // 4
      '    - name: x', // 5
      '      addresses: [192.0.2.1]', // 6
      '      assert_identity: yes-please', // 7
      '  account_groups:', // 8
      '    - name: g', // 9
      '      accounts: [alice]', // 10
      '      business_hours:', // 11
      '        days: [monday]', // 12
      '        from: "25:00"', // 13
      '        to: "18:00"', // 14
      '        timezone: Europe/London', // 15
    ].join('\n'),
  );
  assert.deepEqual(found, [
    'site.yaml:3: site.bogus: unknown key',
    'site.yaml:7: site.trusted_peers.0.assert_identity: must be boolean',
    'site.yaml:12: site.account_groups.0.business_hours.days.0: must be one of mon, tue, wed, thu, fri, sat, sun',
    'site.yaml:13: site.account_groups.0.business_hours.from: not a time of day (HH:MM, 00:00 to 24:00)',
  ]);
});

void test('unknown top-level keys and missing required keys are reported', () => {
  assert.deepEqual(problems('sites:\n  border: []\n'), ['site.yaml:1: sites: unknown key']);
  assert.deepEqual(problems('site:\n  trusted_peers:\n    - hosts: [a.example]\n'), [
    'site.yaml:3: site.trusted_peers.0: missing required key "name"',
  ]);
});

void test('semantic errors: CIDR, country, time zone, ranges, duplicates — each with its line', () => {
  const found = problems(
    [
      'site:', // 1
      '  internal_networks:', // 2
      '    - 10.0.0.0/8', // 3
      '    - 10.0.0.0/33', // 4
      '  border:', // 5
      '    - address: 300.1.1.1', // 6
      '  default_country: XX', // 7
      '  trusted_peers:', // 8
      '    - { name: a, addresses: [192.0.2.0/28] }', // 9
      '    - { name: a, addresses: [192.0.2.16/28] }', // 10
      '  account_groups:', // 11
      '    - name: g1', // 12
      '      accounts: [1000-1999, alice, 3000-2000]', // 13
      '      home_country: ZZ', // 14
      '    - name: g2', // 15
      '      accounts: [1500-2500, alice]', // 16
      '      business_hours: { days: [mon], from: "08:00", to: "18:00", timezone: Europe/Londn }', // 17
    ].join('\n'),
  );
  assert.deepEqual(found, [
    'site.yaml:4: site.internal_networks.1: not an IP address or CIDR: 10.0.0.0/33',
    'site.yaml:6: site.border.0.address: not an IP address or CIDR: 300.1.1.1',
    'site.yaml:7: site.default_country: unknown country code XX',
    'site.yaml:10: site.trusted_peers.1.name: duplicate peer name "a"',
    'site.yaml:13: site.account_groups.0.accounts.2: range 3000-2000 runs backwards',
    'site.yaml:14: site.account_groups.0.home_country: unknown country code ZZ',
    'site.yaml:16: site.account_groups.1.accounts.0: range 1500-2500 overlaps a range of group "g1"',
    'site.yaml:16: site.account_groups.1.accounts.1: account "alice" is already in group "g1"',
    'site.yaml:17: site.account_groups.1.business_hours.timezone: unknown time zone Europe/Londn',
  ]);
});

void test('YAML syntax errors and unreadable files are CONFIG_INVALID with a line', () => {
  const found = problems('site:\n  border: [1.2.3.4\n');
  assert.equal(found.length >= 1, true);
  assert.match(found[0] ?? '', /^site\.yaml:3:1: \(yaml\): .*\(opened on line 2\)$/);
  assert.throws(
    () => loadSiteConfig('/nonexistent/site.yaml'),
    (e: unknown) =>
      e instanceof SipwardError && e.code === 'SIPWARD_CONFIG_INVALID' && /:1: \(file\): /.test(e.message),
  );
});

void test('the engine section (state bounds, analyzer/src/config.ts) is accepted and checked', () => {
  assert.deepEqual(
    parseSiteConfig('engine:\n  max_dialogs: 1000\nsite:\n  default_country: GB\n', 'x.yaml').default_country,
    'GB',
  );
  assert.deepEqual(problems('engine:\n  max_dialogs: 0\n  max_cats: 3\n'), [
    'site.yaml:2: engine.max_dialogs: must be >= 1',
    'site.yaml:3: engine.max_cats: unknown key',
  ]);
});
