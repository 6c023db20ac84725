// num.*: which number each event names (callee, caller, target), how dialled forms normalise,
// national numbers read with the account's home country, high-risk longest-prefix matches; and
// the call records' reading: international forms only → E.164 digits, country and type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { SipEvent, SipFields } from '../../../schema/src/sip-event';
import { SipwardError } from '../../../lib/src/errors';
import { loadSiteConfig, parseSiteConfig } from '../site/site-config';
import { SiteKnowledge } from '../site/site-knowledge';
import { defaultSignaturesDir } from '../engine/load/load-signatures';
import {
  DEFAULT_HIGH_RISK_LIST,
  emptyNumberInfo,
  loadHighRiskList,
  normaliseDialled,
  NumberClassifier,
  parseHighRiskList,
  recordNumber,
  toE164Digits,
  uriUser,
  type NumberInfo,
} from './numbers';

const highRisk = loadHighRiskList(DEFAULT_HIGH_RISK_LIST);
const site = new SiteKnowledge(loadSiteConfig(join(defaultSignaturesDir(), 'test-site.yaml')));
const numbers = new NumberClassifier({ highRisk, site });

function event(sip: Partial<SipFields> & Pick<SipFields, 'type'>): SipEvent {
  return {
    '@timestamp': '2026-11-30T10:00:00.000000Z',
    event: { id: 'e1', kind: 'event', dataset: 'sipward.sip' },
    source: { ip: '10.1.2.3', port: 5060 },
    destination: { ip: '198.51.100.20', port: 5060 },
    network: { transport: 'udp', protocol: 'sip' },
    sip: { size: 400, ...sip },
  };
}

function invite(callee: string, from = 'alice', extra: Partial<SipFields> = {}): SipEvent {
  return event({
    type: 'request',
    method: 'INVITE',
    request_uri_user: callee,
    from: { user: from },
    to: { user: callee },
    ...extra,
  });
}

function classify(
  ev: SipEvent,
  dialog: { callee_user?: string; caller_user?: string; account?: string } = {},
  c = numbers,
): NumberInfo {
  const out = emptyNumberInfo();
  c.classify(ev, dialog, out);
  return out;
}

void test('the shipped high-risk list loads and matches the longest prefix', () => {
  assert.ok(highRisk.size >= 40);
  assert.equal(highRisk.match('881612345678')?.prefix, '8816');
  assert.equal(highRisk.match('881012345678')?.prefix, '881');
  assert.equal(highRisk.match('8821612345678')?.category, 'satellite'); // Thuraya inside +882
  assert.equal(highRisk.match('882131234567')?.category, 'international_network');
  assert.equal(highRisk.match('449098790000')?.prefix, '449');
  assert.equal(highRisk.match('18765551234')?.category, 'irsf');
  assert.equal(highRisk.match('12125551234'), undefined);
  assert.equal(highRisk.match('442079460000'), undefined);
});

void test('high-risk TSV problems are reported with file and line', () => {
  assert.throws(
    () =>
      parseHighRiskList(
        '# c\n+881\tsatellite\tok\n+88x\tsatellite\tbad\n+882\tnope\tbad\n881\tpremium\tdup\n',
        'l.tsv',
      ),
    (e: unknown) =>
      e instanceof SipwardError &&
      e.code === 'SIPWARD_RULES_INVALID' &&
      e.message ===
        [
          'l.tsv:3: prefix: not E.164 digits: +88x',
          'l.tsv:4: category: must be one of satellite, international_network, premium, irsf (got "nope")',
          'l.tsv:5: prefix: duplicate of line 2',
        ].join('\n'),
  );
  const small = parseHighRiskList('1900\tpremium\tUS 900\n19\tirsf\ttest\n', 'x.tsv');
  assert.equal(small.match('19005551234')?.note, 'US 900');
  assert.equal(small.match('19995551234')?.category, 'irsf');
});

void test('dialled forms normalise: separators, %2B, tel: and phone-context, names rejected', () => {
  assert.equal(normaliseDialled('+44 (20) 7946-0000'), '+442079460000');
  assert.equal(normaliseDialled('%2B442079460000'), '+442079460000');
  assert.equal(normaliseDialled('tel:+44-20-7946-0000'), '+442079460000');
  assert.equal(normaliseDialled('79460000;phone-context=+44-20'), '+442079460000');
  assert.equal(normaliseDialled('020.7946.0000'), '02079460000');
  assert.equal(normaliseDialled('alice'), undefined);
  assert.equal(normaliseDialled('*72123456'), undefined);
  assert.equal(uriUser('"Bob" <sip:+881612345678@carrier.example;user=phone?Replaces=x>'), '+881612345678');
  assert.equal(uriUser('sip:1234:secret@pbx.example'), '1234');
  assert.equal(uriUser('<tel:+44-20-7946-0000;phone-context=x>'), '+44-20-7946-0000;phone-context=x');
  assert.equal(uriUser('<http://example.com>'), undefined);
});

void test('callee of an INVITE: satellite +881 is international and high risk', () => {
  const num = classify(invite('+881612345678'));
  assert.deepEqual(num.callee, {
    e164: '881612345678',
    country: '001',
    type: 'MOBILE',
    valid: true,
    international: true,
    high_risk: 'satellite',
    high_risk_prefix: '8816',
  });
});

void test('callee: UK premium +44 9…, 00-prefixed and national formats agree', () => {
  for (const dialled of ['+449098790000', '00449098790000', '09098790000', '0909 879 0000']) {
    const callee = classify(invite(dialled)).callee;
    assert.equal(callee?.e164, '449098790000', dialled);
    assert.equal(callee?.country, 'GB', dialled);
    assert.equal(callee?.type, 'PREMIUM_RATE', dialled);
    assert.equal(callee?.international, false, dialled);
    assert.equal(callee?.high_risk, 'premium', dialled);
    assert.equal(callee?.high_risk_prefix, '449', dialled);
  }
});

void test('national format uses the account group home country, else default_country', () => {
  const us = new SiteKnowledge(
    parseSiteConfig(
      'site:\n  default_country: GB\n  account_groups:\n    - { name: ny, accounts: ["3000-3099"], home_country: US }\n',
      'x.yaml',
    ),
  );
  const c = new NumberClassifier({ highRisk, site: us });
  const fromNy = classify(invite('2125551234', '3001'), { account: '3001' }, c).callee;
  assert.deepEqual([fromNy?.e164, fromNy?.country, fromNy?.international], ['12125551234', 'US', false]);
  // 011 is the US international prefix: Jamaica is international and on the IRSF list.
  const jm = classify(invite('01118765551234', '3001'), { account: '3001' }, c).callee;
  assert.deepEqual([jm?.e164, jm?.country, jm?.international, jm?.high_risk], ['18765551234', 'JM', true, 'irsf']);
  const fromLondon = classify(invite('02079460000', 'bob'), {}, c).callee;
  assert.deepEqual([fromLondon?.e164, fromLondon?.country, fromLondon?.international], ['442079460000', 'GB', false]);
  // An E.164 number sent without '+' by a trunk is still read as E.164.
  assert.equal(classify(invite('8821612345678', 'bob'), {}, c).callee?.high_risk, 'satellite');
});

void test('without any home country, international is absent; national numbers are not guessed', () => {
  const bare = new NumberClassifier({ highRisk });
  const intl = classify(invite('+4930123456'), {}, bare).callee;
  assert.equal(intl?.country, 'DE');
  assert.equal(intl?.international, undefined);
  const national = classify(invite('030123456'), {}, bare).callee;
  assert.equal(national?.e164, undefined);
  assert.equal(national?.valid, false);
});

void test('fewer than 6 digits is an extension only; names are not numbers', () => {
  assert.deepEqual(classify(invite('2001')).callee, { extension: true });
  assert.deepEqual(classify(invite('+4412')).callee, { extension: true });
  assert.equal(classify(invite('bob')).callee, undefined);
});

void test('caller: PAI user before From user, own_range from own_numbers', () => {
  const spoofed = classify(
    invite('02079460000', '+442079460123', { identity: { pai: [{ user: '+441614960001' }] } }),
  ).caller;
  assert.deepEqual([spoofed?.e164, spoofed?.own_range], ['441614960001', true]);
  const outsider = classify(invite('02079460000', '+33142685300')).caller;
  assert.deepEqual([outsider?.country, outsider?.international, outsider?.own_range], ['FR', true, false]);
  // own_range is a caller field only.
  assert.equal(classify(invite('+442079460123')).callee?.own_range, undefined);
});

void test('other dialog events take callee/caller from the dialog; re-INVITEs do not re-read the R-URI', () => {
  const bye = event({ type: 'request', method: 'BYE', from: { user: 'someone' }, to: { user: 'alice', tag: 'a' } });
  const num = classify(bye, { callee_user: '+881612345678', caller_user: 'alice', account: 'alice' });
  assert.equal(num.callee?.high_risk, 'satellite');
  assert.equal(num.caller, undefined); // "alice" is not a number
  const reinvite = event({
    type: 'request',
    method: 'INVITE',
    request_uri_user: 'contact-xyz',
    to: { user: '1', tag: 't' },
  });
  const none = { callee: undefined, caller: undefined, target: undefined };
  assert.deepEqual(classify(reinvite), none);
  assert.deepEqual(classify(event({ type: 'request', method: 'OPTIONS', request_uri_user: '+881612345678' })), none);
});

void test('target: Refer-To of a REFER and Contact of a 3xx; Diversion is not a target', () => {
  const refer = event({ type: 'request', method: 'REFER', refer_to: '<sip:+8821612345678@gw.example;user=phone>' });
  assert.deepEqual([classify(refer).target?.e164, classify(refer).target?.high_risk], ['8821612345678', 'satellite']);
  const moved = event({ type: 'response', status_code: 302, contact: [{ user: '00449098790000', host: 'x' }] });
  assert.equal(classify(moved).target?.high_risk, 'premium');
  const ok = event({ type: 'response', status_code: 200, contact: [{ user: '+881612345678', host: 'x' }] });
  assert.equal(classify(ok).target, undefined);
  const diverted = invite('+442079460000', 'carrier', { identity: { diversion: [{ user: '+881612345678' }] } });
  const num = classify(diverted);
  assert.equal(num.target, undefined);
  assert.equal(num.callee?.e164, '442079460000');
});

void test('results are cached per (home country, number) and a reused output is cleared', () => {
  const c = new NumberClassifier({ highRisk, site });
  const out = emptyNumberInfo();
  c.classify(invite('+881612345678'), {}, out);
  const first = out.callee;
  c.classify(invite('+88 16 1234 5678'), {}, out);
  assert.equal(out.callee, first);
  assert.ok(Object.isFrozen(first));
  c.classify(event({ type: 'request', method: 'OPTIONS' }), {}, out);
  assert.deepEqual(out, { callee: undefined, caller: undefined, target: undefined });
});

void test('speed: µs per classify, cold (unique numbers) and warm (cached)', () => {
  const c = new NumberClassifier({ highRisk, site });
  const events = Array.from({ length: 2000 }, (_, i) =>
    invite(`+4420794${String(10000 + i)}`, `+3314268${String(5000 + i)}`),
  );
  const out = emptyNumberInfo();
  let t = process.hrtime.bigint();
  for (const ev of events) c.classify(ev, {}, out);
  const coldUs = Number(process.hrtime.bigint() - t) / 1000 / events.length;
  t = process.hrtime.bigint();
  for (let round = 0; round < 10; round++) for (const ev of events) c.classify(ev, {}, out);
  const warmUs = Number(process.hrtime.bigint() - t) / 1000 / (events.length * 10);
  console.log(
    `numbers.classify: cold ${coldUs.toFixed(1)} µs, warm ${warmUs.toFixed(2)} µs per INVITE (callee + caller)`,
  );
  assert.ok(warmUs < coldUs);
});

void test('call records: international forms normalise to the same E.164 digits', () => {
  for (const dialled of [
    '+44 20 7946 0000',
    '+44(20)7946-0000',
    '0044 20 7946 0000',
    '011442079460000',
    'tel:+44-20-7946-0000;phone-context=example.com',
    'sip:+442079460000@gw.example;user=phone',
    '%2B442079460000',
  ]) {
    assert.equal(toE164Digits(dialled), '442079460000', dialled);
  }
});

void test('call records: national numbers, names and impossible lengths are not E.164', () => {
  for (const dialled of ['02079460000', '2079460000', 'bob', '+44', '+0442079460000', '+4420794600001234567', '']) {
    assert.equal(toE164Digits(dialled), undefined, dialled);
  }
});

void test('call records: +44 20 7946 0000 is a GB fixed line, +881 satellite without a country', () => {
  assert.deepEqual(recordNumber('+44 20 7946 0000'), {
    e164: '442079460000',
    country: 'GB',
    number_type: 'FIXED_LINE',
  });
  const sat = recordNumber('00881612345678');
  assert.equal(sat.e164, '881612345678');
  assert.equal(sat.country, undefined, 'an international network is not a country');
  assert.equal(sat.number_type, 'SATELLITE');
  for (const [dialled, type] of [
    ['+882345670012', 'INTERNATIONAL_NETWORK'],
    ['+883140001234', 'INTERNATIONAL_NETWORK'],
    ['+870772123456', 'SATELLITE'],
    ['+97912345678', 'PREMIUM_RATE'],
  ] as const) {
    assert.deepEqual(recordNumber(dialled), { e164: dialled.slice(1), number_type: type }, dialled);
  }
  // National numbers are not guessed (the tracker does not know the caller's home network).
  assert.deepEqual(recordNumber('02079460000'), {});
  assert.deepEqual(recordNumber('2079460000'), {});
  // An unknown calling code keeps its digits and gets nothing else.
  assert.deepEqual(recordNumber('+9991234567'), { e164: '9991234567' });
});

void test('the two readings agree on the E.164 digits of an international number', () => {
  for (const dialled of ['+44 20 7946 0000', '00881612345678', 'tel:+97912345678', 'sip:+12125551234@gw']) {
    assert.equal(numbers.facts(dialled, undefined, false)?.e164, recordNumber(dialled).e164, dialled);
  }
});
