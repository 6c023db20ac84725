import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipEvent } from '../../../schema/src/sip-event';
import { SipwardError } from '../../../lib/src/errors';
import { parseSiteConfig } from '../site/site-config';
import { run, signature, sipEvent } from '../engine/test-events';
import type { Signature } from '../engine/signature';
import { applyTuning } from './apply-tuning';
import { parseTuningConfig, type TuningConfig } from './tuning-config';

const SITE = `site:
  internal_networks: [10.0.0.0/8]
  border: [198.51.100.10/32]
  trusted_peers:
    - name: carrier-a
      addresses: [192.0.2.0/28]
  account_groups:
    - name: pbx
      accounts: ['3000-3999']
      expected: { calls_per_minute: 100, concurrent_calls: 30 }
    - name: office
      accounts: ['100-199']
`;

/** An OPTIONS flood per source (SIP-DOS-03-like), a request count per source. */
const flood: Signature = signature({
  id: 'SIP-TEST-01',
  kind: 'event_count',
  where: { 'sip.type': 'request' },
  group_by: ['source.ip'],
  windowMs: 10_000,
  threshold: 10,
});

/** Calls per account (SIP-FRD-02-like), scaled by the groups' expected rate. */
const velocity: Signature = signature({
  id: 'SIP-TEST-02',
  kind: 'event_count',
  where: { 'sip.type': 'request', 'sip.method': 'INVITE' },
  group_by: ['sip.from.user'],
  windowMs: 60_000,
  threshold: 20,
  scales_with: 'calls_per_minute',
});

function load(tuning: string): { site: ReturnType<typeof parseSiteConfig>; tuning: TuningConfig } {
  const text = SITE + tuning;
  const site = parseSiteConfig(text, 'site.yaml');
  return { site, tuning: parseTuningConfig(text, 'site.yaml', site, Date.parse('2026-06-01T00:00:00Z')) };
}

function options(src: string, n: number, t0 = 0): SipEvent[] {
  return Array.from({ length: n }, (_, i) =>
    sipEvent({ t: t0 + i * 0.1, src, sip: { type: 'request', method: 'OPTIONS', call_id: `o-${src}-${i}` } }),
  );
}

function invites(user: string, n: number, src = '10.1.2.3'): SipEvent[] {
  return Array.from({ length: n }, (_, i) =>
    sipEvent({
      t: i * 0.2,
      src,
      sip: { type: 'request', method: 'INVITE', call_id: `c-${user}-${i}`, from: { user }, to: { user: `44${i}` } },
    }),
  );
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SipwardError, String(error));
    assert.equal(error.code, 'SIPWARD_CONFIG_INVALID');
    return error.message;
  }
  assert.fail('no error');
}

void test('suppress: a suppressed source raises nothing; others still alert', () => {
  const { site, tuning } = load(`suppress:
  - source: 203.0.113.0/24
    reason: weekly scan by our pentest contractor
    expires: 2026-12-31
`);
  const { signatures } = applyTuning([flood], tuning, site);
  const { finals } = run(signatures, [...options('203.0.113.9', 30), ...options('198.18.0.1', 30)], { site });
  assert.deepEqual(
    finals.map((a) => a.source?.ip),
    ['198.18.0.1'],
  );
});

void test('suppress: an expired entry is not applied and is listed as expired', () => {
  const { site, tuning } = load(`suppress:
  - source: 203.0.113.0/24
    reason: old pentest
    expires: 2026-01-31
`);
  assert.equal(tuning.suppress.length, 0);
  assert.equal(tuning.expired.length, 1);
  const { finals } = run(applyTuning([flood], tuning, site).signatures, options('203.0.113.9', 30), { site });
  assert.equal(finals.length, 1);
});

void test('suppress by account and by number prefix', () => {
  const { site, tuning } = load(`suppress:
  - account: 150
    signature: SIP-TEST-02
    reason: the dialer account
`);
  const { finals } = run(
    applyTuning([velocity], tuning, site).signatures,
    [...invites('150', 30), ...invites('151', 30)],
    {
      site,
    },
  );
  assert.deepEqual(
    finals.map((a) => a.sipward.group?.['sip.from.user']),
    ['151'],
  );
});

void test('an override changes the threshold only in its scope', () => {
  const { site, tuning } = load(`tuning:
  - signature: SIP-TEST-01
    scope: { peers: [carrier-a] }
    set: { threshold: 50 }
`);
  const { signatures, effective } = applyTuning([flood], tuning, site);
  // 30 requests: over the default 10, under the carrier's 50.
  const carrier = run(signatures, options('192.0.2.5', 30), { site }).finals;
  const stranger = run(signatures, options('198.18.0.1', 30), { site }).finals;
  assert.equal(carrier.length, 0, 'the carrier is judged against 50');
  assert.equal(stranger.length, 1, 'everyone else against 10');
  assert.equal(stranger[0]?.sipward.threshold, 10);
  const carrierFlood = run(signatures, options('192.0.2.5', 60), { site }).finals;
  assert.equal(carrierFlood[0]?.sipward.threshold, 50);
  assert.equal(carrierFlood[0]?.rule.id, 'SIP-TEST-01', 'a scoped variant keeps the signature id');
  assert.deepEqual(
    effective.map((r) => [r.scope, r.parameters.threshold]),
    [
      ['peers=carrier-a', 50],
      ['rest', 10],
    ],
  );
});

void test('severity and disable, globally and per scope', () => {
  const { site, tuning } = load(`tuning:
  - signature: SIP-TEST-01
    severity: critical
  - signature: SIP-TEST-01
    scope: { zones: [internal] }
    disable: true
    reason: lab phones poll a lot
  - signature: SIP-TEST-02
    disable: true
`);
  const { signatures, effective } = applyTuning([flood, velocity], tuning, site);
  assert.ok(!signatures.some((s) => s.id === 'SIP-TEST-02'));
  assert.equal(run(signatures, options('10.9.9.9', 30), { site }).finals.length, 0);
  const outside = run(signatures, options('198.18.0.1', 30), { site }).finals;
  assert.equal(outside[0]?.event.severity, 99);
  assert.deepEqual(
    effective.map((r) => [r.id, r.scope, r.enabled]),
    [
      ['SIP-TEST-01', 'zones=internal', false],
      ['SIP-TEST-01', 'rest', true],
      ['SIP-TEST-02', 'all', false],
    ],
  );
});

void test('site-aware default: a group that declares its call rate is judged against it', () => {
  const { site, tuning } = load('');
  const { signatures, effective } = applyTuning([velocity], tuning, site);
  // 60 calls in 12 s: a PBX account (expected 100/min) is normal, an office account is not.
  assert.equal(run(signatures, invites('3001', 60), { site }).finals.length, 0);
  assert.equal(run(signatures, invites('150', 60), { site }).finals.length, 1);
  assert.equal(run(signatures, invites('3001', 120), { site }).finals[0]?.sipward.threshold, 101);
  assert.deepEqual(
    effective.map((r) => [r.scope, r.parameters.threshold, r.origin.at(-1)]),
    [
      ['account_groups=pbx', 101, 'site: account_groups[pbx].expected.calls_per_minute=100'],
      ['rest', 20, 'signature'],
    ],
  );
});

void test('validation: unknown signature id and unknown parameter name their line', () => {
  const { site, tuning } = load(`tuning:
  - signature: SIP-NOPE-99
    severity: low
  - signature: SIP-TEST-01
    set:
      threshold: 5
      treshold: 6
  - signature: SIP-TEST-01
    set: { timeout: 10s }
suppress:
  - source: 10.0.0.1
    signature: [SIP-TEST-01, SIP-GONE-01]
    reason: x
`);
  const message = errorOf(() => applyTuning([flood, velocity], tuning, site));
  assert.match(message, /^site\.yaml:14: tuning\.signature: unknown signature id SIP-NOPE-99$/m);
  assert.match(message, /^site\.yaml:19: tuning\.set\.treshold: unknown parameter \(one of threshold, /m);
  assert.match(message, /^site\.yaml:21: tuning\.set\.timeout: SIP-TEST-01 \(event_count\) has no parameter timeout$/m);
  assert.match(message, /^site\.yaml:24: suppress\.signature: unknown signature id SIP-GONE-01$/m);
});

void test('validation: scope names, CIDRs, dates and empty suppress entries are checked at load', () => {
  const message = errorOf(() =>
    load(`tuning:
  - signature: SIP-TEST-01
    scope: { account_groups: [nope], peers: [carrier-b], cidrs: [10.0.0.0/33] }
suppress:
  - reason: nothing to match
  - source: 10.0.0.1
    expires: 2026-02-30T25:00
    reason: x
`),
  );
  assert.match(message, /site\.yaml:15: tuning\.0\.scope\.account_groups\.0: no account group "nope"/);
  assert.match(message, /site\.yaml:15: tuning\.0\.scope\.peers\.0: no trusted peer "carrier-b"/);
  assert.match(message, /site\.yaml:15: tuning\.0\.scope\.cidrs\.0: not an IP address or CIDR: 10\.0\.0\.0\/33/);
  assert.match(
    message,
    /site\.yaml:17: suppress\.0: a suppress entry needs source, destination, account or number_prefix/,
  );
  assert.match(message, /site\.yaml:19: suppress\.1\.expires: not a date/);
});

void test('validation: unknown keys in a tuning entry are schema errors with their line', () => {
  const message = errorOf(() =>
    parseSiteConfig(
      SITE +
        `tuning:
  - signature: SIP-TEST-01
    treshold: 5
`,
      'site.yaml',
    ),
  );
  assert.match(message, /^site\.yaml:15: tuning\.0\.treshold: unknown key$/);
});
