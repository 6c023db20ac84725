//! Builds the JSONL fixtures of the baseline and downgrade signatures: SIP-REG-01, SIP-FRD-06,
//! SIP-FRD-07, SIP-IC-03 (kind baseline: each group learns, then judges), SIP-CRY-01,
//! SIP-CRY-02 (sequences) and SIP-CLI-02 (STIR/SHAKEN PASSporT claims).
//!
//!   npx tsx signatures/tools/make-fixtures-baseline.ts      (from the repository root)
//!
//! Same method as make-fixtures.ts: wire text → the collector's parser → SIP events, seeded PRNG,
//! fixed clock. Baseline fixtures span the learning period (days of event time): the history first,
//! then what is judged. Addresses follow the fixture world (signatures/test-site.yaml).
import { Clock, call, probe, registerLogin } from '../../lib/src/test-support/capture/dialogs';
import { type Endpoint, type RequestSpec, SDP, UA, renderRequest } from '../../lib/src/test-support/capture/sip';
import type { Fixture } from './fixture-kit';
import { written, PROXY, REGISTRAR, DOMAIN, scenario } from './fixture-kit';

const DAY_MS = 86_400_000;
const CARRIER: Endpoint = { ip: '192.0.2.2', port: 5060 };
const phone = (n: number): Endpoint => ({ ip: `10.10.1.${n}`, port: 5060 });
const attacker = (n: number): Endpoint => ({ ip: `203.0.113.${n}`, port: 5060 });
/** Monday 2 March 2026, 10:00 London (GMT): inside office hours. */
const MONDAY_10 = '2026-03-02T10:00:00Z';

/** An ordinary UK number of the +44 113 496 0xxx drama range. */
const ukNumber = (n: number): string => `+44113496${String(n % 1000).padStart(4, '0')}`;

// ---------------------------------------------------------------------------------------------
// SIP-REG-01: alice registers from the office /24 every day for 8 days.

function registrationHistory(f: Fixture, c: Clock, user: string, from: Endpoint, days: number): void {
  for (let d = 0; d < days; d++) {
    registerLogin(f, c, from, REGISTRAR, { user, domain: DOMAIN, final: 200, ua: UA.yealink });
    c.advanceMs(DAY_MS);
  }
}

function reg01(): void {
  scenario('reg/SIP-REG-01/positive/new-network-after-learning.jsonl', 0x4e01, MONDAY_10, (pos, c) => {
    registrationHistory(pos, c, 'alice', phone(21), 8);
    // Her password is used from an attacker's network: a network alice never registered from.
    registerLogin(pos, c, attacker(50), REGISTRAR, { user: 'alice', domain: DOMAIN, final: 200, ua: UA.zoiper });
  });

  scenario(
    'reg/SIP-REG-01/negative/same-network-learned-networks-and-learning-accounts.jsonl',
    0x4e02,
    MONDAY_10,
    (neg, d) => {
      // During alice's learning week she also registers from home once: learned, not judged.
      registrationHistory(neg, d, 'alice', phone(21), 3);
      registerLogin(neg, d, { ip: '198.18.7.20', port: 5060 }, REGISTRAR, {
        user: 'alice',
        domain: DOMAIN,
        final: 200,
      });
      registrationHistory(neg, d, 'alice', phone(21), 5);
      // After learning: a new DHCP lease in the same /24, and the home network again.
      registerLogin(neg, d, phone(99), REGISTRAR, { user: 'alice', domain: DOMAIN, final: 200, ua: UA.yealink });
      d.advanceMs(3_600_000);
      registerLogin(neg, d, { ip: '198.18.7.44', port: 5060 }, REGISTRAR, {
        user: 'alice',
        domain: DOMAIN,
        final: 200,
      });
      // bob's first ever registration, from anywhere: he is still learning.
      registerLogin(neg, d, attacker(51), REGISTRAR, { user: 'bob', domain: DOMAIN, final: 200 });
      // A failed login from a new network is no registration.
      registerLogin(neg, d, attacker(52), REGISTRAR, { user: 'alice', domain: DOMAIN, final: 403 });
    },
  );
}

// ---------------------------------------------------------------------------------------------
// SIP-FRD-06: account 1001 calls UK numbers (and France once, 90 s) for 15 days.

function callHistory(f: Fixture, c: Clock, account: string, from: Endpoint, days: number, seed: number): void {
  for (let d = 0; d < days; d++) {
    const start = new Clock(c.us);
    call(f, start, from, PROXY, { from: account, to: ukNumber(seed + d), domain: DOMAIN, final: 200, talkMs: 45_000 });
    c.advanceMs(DAY_MS);
  }
}

function frd06(): void {
  scenario('fraud/SIP-FRD-06/positive/long-call-to-new-country.jsonl', 0xf601, MONDAY_10, (pos, c) => {
    callHistory(pos, c, '1001', phone(31), 15, 100);
    // Day 16: a 2-minute answered call to Lithuania, a country 1001 never called.
    call(pos, new Clock(c.us), phone(31), PROXY, {
      from: '1001',
      to: '+37052123456',
      domain: DOMAIN,
      final: 200,
      talkMs: 120_000,
    });
  });

  scenario(
    'fraud/SIP-FRD-06/negative/learned-country-short-call-learning-account.jsonl',
    0xf602,
    MONDAY_10,
    (neg, d) => {
      callHistory(neg, d, '1001', phone(31), 7, 200);
      call(neg, new Clock(d.us), phone(31), PROXY, {
        from: '1001',
        to: '+33142685300',
        domain: DOMAIN,
        final: 200,
        talkMs: 90_000,
      });
      d.advanceMs(DAY_MS);
      callHistory(neg, d, '1001', phone(31), 8, 300);
      // After learning: France again (learned), a 20 s call to a new country (short), and a new
      // account's first long call abroad (still learning).
      call(neg, new Clock(d.us), phone(31), PROXY, {
        from: '1001',
        to: '+33142685311',
        domain: DOMAIN,
        final: 200,
        talkMs: 300_000,
      });
      d.advanceMs(400_000);
      call(neg, new Clock(d.us), phone(31), PROXY, {
        from: '1001',
        to: '+37052123456',
        domain: DOMAIN,
        final: 200,
        talkMs: 20_000,
      });
      call(neg, new Clock(d.us), phone(32), PROXY, {
        from: '1005',
        to: '+37052123457',
        domain: DOMAIN,
        final: 200,
        talkMs: 200_000,
      });
    },
  );
}

// ---------------------------------------------------------------------------------------------
// SIP-FRD-07: office accounts (Mon-Fri 08:00-18:00 London) call on weekdays, 10:00, for 15 days.

/** `n` short answered calls from `account`, one every 2 minutes from `c`. */
function calls(f: Fixture, c: Clock, account: string, from: Endpoint, n: number, seed: number): void {
  for (let i = 0; i < n; i++) {
    call(f, new Clock(c.us), from, PROXY, {
      from: account,
      to: ukNumber(seed + i),
      domain: DOMAIN,
      final: 200,
      talkMs: 30_000,
    });
    c.advanceMs(120_000);
  }
}

function frd07(): void {
  scenario('fraud/SIP-FRD-07/positive/night-calls-after-daytime-baseline.jsonl', 0xf701, MONDAY_10, (pos, c) => {
    for (let d = 0; d < 15; d++) {
      // Weekdays only: a weekend is off hours for the office group.
      if (d % 7 < 5) calls(pos, new Clock(c.us), '1002', phone(41), 3, 400 + 3 * d);
      c.advanceMs(DAY_MS);
    }
    // Wednesday 18 March, 02:00: the account that never called at night places three calls.
    calls(pos, Clock.at('2026-03-18T02:00:00Z'), '1002', phone(41), 3, 700);
  });

  scenario('fraud/SIP-FRD-07/negative/learned-evening-calls-and-daytime.jsonl', 0xf702, MONDAY_10, (neg, d) => {
    for (let day = 0; day < 15; day++) {
      if (day % 7 < 5) calls(neg, new Clock(d.us), '1003', phone(42), 3, 800 + 3 * day);
      d.advanceMs(DAY_MS);
    }
    // 1003 works some evenings: two calls at 20:00 during its learning fortnight (peak 2 an hour).
    calls(neg, Clock.at('2026-03-04T20:00:00Z'), '1003', phone(42), 2, 900);
    // After learning: three evening calls in an hour, under 3 × 2.
    calls(neg, Clock.at('2026-03-18T20:00:00Z'), '1003', phone(42), 3, 950);
    // Daytime calls after learning are never judged.
    calls(neg, Clock.at('2026-03-18T11:00:00Z'), '1003', phone(42), 5, 960);
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-IC-03: carrier-a delivers 15 calls a day (5 within 5 minutes at most) for 8 days.

/** `n` inbound INVITEs from the carrier to the proxy, `gapMs` apart, each answered 486 (busy). */
function inbound(f: Fixture, c: Clock, n: number, gapMs: number, seed: number): void {
  for (let i = 0; i < n; i++) {
    probe(f, c, CARRIER, PROXY, {
      method: 'INVITE',
      toUser: `+44207946${String((seed + i) % 10_000).padStart(4, '0')}`,
      fromUser: `+3314268${String((seed + i) % 10_000).padStart(4, '0')}`,
      ua: 'carrier-a-sbc',
      status: 486,
    });
    c.advanceMs(gapMs);
  }
}

function peerHistory(f: Fixture, c: Clock, days: number): void {
  for (let d = 0; d < days; d++) {
    const day = new Clock(c.us);
    for (let burst = 0; burst < 3; burst++) {
      inbound(f, day, 5, 30_000, 1000 + d * 15 + burst * 5);
      day.advanceMs(3 * 3_600_000);
    }
    c.advanceMs(DAY_MS);
  }
}

function ic03(): void {
  scenario('interconnect/SIP-IC-03/positive/call-wave-over-peer-baseline.jsonl', 0x1c31, MONDAY_10, (pos, c) => {
    peerHistory(pos, c, 8);
    // Day 9: a wave of 60 calls in 3 minutes (traffic pumping / wangiri through the interconnect).
    inbound(pos, c, 60, 3_000, 5000);
  });

  scenario('interconnect/SIP-IC-03/negative/wave-learned-and-ordinary-traffic.jsonl', 0x1c32, MONDAY_10, (neg, d) => {
    // A 60-call wave during the learning week is learned (the peer's peak becomes 60)...
    inbound(neg, new Clock(d.us + 3_600_000 * 1000), 60, 3_000, 6000);
    peerHistory(neg, d, 8);
    // ...so 60 calls after learning are within 3 × the peak; an ordinary busy hour too.
    inbound(neg, d, 60, 3_000, 7000);
    d.advanceMs(3_600_000);
    inbound(neg, d, 14, 20_000, 8000);
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-CRY-01 / SIP-CRY-02

function options(f: Fixture, c: Clock, src: Endpoint, transport: 'udp' | 'tls' | 'wss'): void {
  const r = f.r;
  const q: RequestSpec = {
    method: 'OPTIONS',
    from: { user: 'alice', host: DOMAIN, tag: r.hex(8) },
    to: { host: DOMAIN },
    callId: r.hex(16),
    cseq: 1,
    branch: `z9hG4bK${r.hex(12)}`,
    via: src,
    userAgent: UA.linphone,
  };
  f.wire(renderRequest(r, q), src, { ip: REGISTRAR.ip, port: transport === 'udp' ? 5060 : 5061 }, c.us, transport);
}

function cry01(): void {
  scenario('crypto/SIP-CRY-01/positive/tls-then-udp.jsonl', 0xc101, MONDAY_10, (pos, c) => {
    for (let i = 0; i < 3; i++) {
      options(pos, c, phone(51), 'tls');
      c.advanceMs(60_000);
    }
    c.advanceMs(3_600_000);
    // The same source, an hour later, in cleartext.
    options(pos, c, phone(51), 'udp');
  });

  scenario('crypto/SIP-CRY-01/negative/tls-only-udp-only-and-days-apart.jsonl', 0xc102, MONDAY_10, (neg, d) => {
    for (let i = 0; i < 3; i++) {
      options(neg, d, phone(52), 'tls');
      options(neg, d, phone(53), 'udp');
      options(neg, d, phone(54), 'wss');
      d.advanceMs(60_000);
    }
    // A cleartext message two days after the last TLS one is outside the 24 h window.
    d.advanceMs(2 * DAY_MS);
    options(neg, d, phone(52), 'udp');
  });
}

const SAVP = (ip: string, port: number): { type: string; text: string } => {
  const plain = SDP(
    ip,
    port,
    'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32\r\n',
  );
  return { type: plain.type, text: plain.text.replace('RTP/AVP', 'RTP/SAVP') };
};

function offerAnswer(f: Fixture, c: Clock, caller: Endpoint, secureOffer: boolean, secureAnswer: boolean): void {
  const r = f.r;
  const q: RequestSpec = {
    method: 'INVITE',
    ruri: `sip:2022@${DOMAIN}`,
    from: { user: '1011', host: DOMAIN, tag: r.hex(8) },
    to: { user: '2022', host: DOMAIN },
    callId: `${r.hex(16)}@${caller.ip}`,
    cseq: 1,
    branch: `z9hG4bK${r.hex(12)}`,
    via: caller,
    userAgent: UA.polycom,
    body: secureOffer ? SAVP(caller.ip, 40000) : SDP(caller.ip, 40000),
  };
  f.request(q, PROXY, c.us);
  f.response(q, 100, PROXY, c.advanceMs(3));
  const toTag = r.hex(10);
  f.response(q, 180, PROXY, c.advanceMs(40), { toTag });
  f.response(q, 200, PROXY, c.advanceMs(2000), {
    toTag,
    body: secureAnswer ? SAVP(PROXY.ip, 30000) : SDP(PROXY.ip, 30000),
  });
  c.advanceMs(5000);
}

function cry02(): void {
  scenario('crypto/SIP-CRY-02/positive/savp-offer-avp-answer.jsonl', 0xc201, MONDAY_10, (pos, c) =>
    offerAnswer(pos, c, phone(61), true, false),
  );

  scenario('crypto/SIP-CRY-02/negative/srtp-kept-and-plain-rtp-offered.jsonl', 0xc202, MONDAY_10, (neg, c) => {
    offerAnswer(neg, c, phone(62), true, true);
    offerAnswer(neg, c, phone(63), false, false);
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-CLI-02: calls from carrier-a with an Identity header (SHAKEN PASSporT).

function b64url(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

function passport(f: Fixture, orig: string, dest: string, attest = 'A'): string {
  const header = { alg: 'ES256', ppt: 'shaken', typ: 'passport', x5u: 'https://cert.carrier-a.example/sp.pem' };
  const payload = { attest, dest: { tn: [dest] }, iat: 1772445600, orig: { tn: orig }, origid: f.r.hex(32) };
  const sig = Buffer.from(f.r.hex(64), 'hex').toString('base64url');
  return `${b64url(header)}.${b64url(payload)}.${sig};info=<https://cert.carrier-a.example/sp.pem>;alg=ES256;ppt=shaken`;
}

function signedCall(f: Fixture, c: Clock, caller: string, callee: string, identity: string | undefined): void {
  probe(f, c, CARRIER, PROXY, {
    method: 'INVITE',
    toUser: callee,
    fromUser: caller,
    ua: 'carrier-a-sbc',
    status: 486,
    extra: {
      extraHeaders: [
        `P-Asserted-Identity: <sip:${caller}@carrier-a.example>`,
        ...(identity !== undefined ? [`Identity: ${identity}`] : []),
      ],
    },
  });
  c.advanceMs(5000);
}

function cli02(): void {
  scenario('identity/SIP-CLI-02/positive/orig-mismatch-and-unreadable-token.jsonl', 0xc102, MONDAY_10, (pos, c) => {
    // A PASSporT signed for another calling number (a replayed token).
    signedCall(pos, c, '+12125550147', '+442079460150', passport(pos, '12125550199', '442079460150'));
    // A token that is no JWS at all.
    signedCall(pos, c, '+12125550147', '+442079460151', 'not-a-passport;info=<https://x.example/c.pem>;ppt=shaken');
  });

  scenario('identity/SIP-CLI-02/negative/matching-tokens-and-unsigned-call.jsonl', 0xc103, MONDAY_10, (neg, d) => {
    signedCall(neg, d, '+12125550147', '+442079460150', passport(neg, '12125550147', '442079460150'));
    signedCall(neg, d, '+33142685300', '+442079460152', passport(neg, '33142685300', '442079460152', 'C'));
    signedCall(neg, d, '+12125550148', '+442079460153', undefined);
  });
}

function main(): void {
  cli02();
  reg01();
  frd06();
  frd07();
  ic03();
  cry01();
  cry02();
  for (const line of written) process.stdout.write(`${line}\n`);
}

main();
