#!/usr/bin/env node
'use strict';
// Labels for the FS.38 captures made by `scripts/testbed fs38 <dir> [scenario...]` (fs38.sh):
//   <dir>/labels.yaml   the entries of the captured fs-* scenarios are replaced or added; every
//                       other entry (the attack captures of attack-labels.js) stays as it is
//   <dir>/README.md     the table between the fs38:begin/end markers (all fs-* captures present)
//
//   node fs38-labels.js <phases-dir> <dir> <scenario>...
//
// Per phase: the time range is the first and last packet from or to the phase's actor inside the
// window fs38.sh recorded around it (<phases-dir>/<sc>.tsv); the calls come from the call plan
// fs38.sh wrote (<phases-dir>/<sc>.calls.tsv: phase, caller address, callee, caller, hold or ring ms,
// final status, callee country). Alert orientation (build-alert.ts): for an alert
// raised on a response, source.ip is the requester, so `source` below is whom the alert names.
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const YAML = require('yaml');
const { readPcap, decode, iso, readPhases, tally, replaceBetween } = require('./attack-labels');

const SITE = 'scripts/testbed.d/site.yaml';
const UAC = '10.77.0.11';
const REG = '10.77.0.21';
const PBX = '10.77.0.22';
const SBC = '198.51.100.51';
const BUSY_PBX = '198.51.100.52';
const TRK = '192.0.2.54';
const ATK = '203.0.113.66';

/**
 * Per scenario: description and phases. A phase: actor (the address whose packets delimit it and
 * whom the expected alerts name as source.ip), target, expect (must fire), may (allowed), notes.
 * A phase without expect is a benign look-alike inside the scenario.
 */
const SCENARIOS = {
  'fs-benign': {
    description: 'benign look-alikes of every fs-* attack; with the site config nothing may fire',
    phases: {
      'intl-long': {
        actor: SBC,
        target: TRK,
        notes:
          'call-centre account 2001 (business hours around the clock) through the SBC to the carrier: 3 answered ' +
          'international calls to ordinary numbers (+33 1, +1 212, +49 30), 15 s each, at most 2 at once',
      },
      office: {
        actor: SBC,
        target: TRK,
        notes: 'office account 150: one ordinary call to +1 212 and one to our own range, 3 s each, one at a time',
      },
      inbound: { actor: TRK, target: SBC, notes: 'inbound international call from +33 1 via the trusted carrier, 4 s' },
      forwarded: {
        actor: TRK,
        target: SBC,
        notes:
          'forwarded call from the trusted carrier: PAI +1 646, Diversion of our +442079460151 (no-answer), ' +
          'P-Charging-Vector, a Route naming this SBC',
      },
      missed: { actor: TRK, target: SBC, notes: 'an ordinary missed call from +1 212: rings 6 s, then CANCEL (487)' },
      redirect: {
        actor: TRK,
        target: SBC,
        notes: 'the SBC redirects an inbound call (302) to a UK mobile +447400123456',
      },
      transfer: {
        actor: UAC,
        target: PBX,
        notes: 'internal call 1011 -> 2022; the caller transfers the callee to +33142685303 (REFER, 202) and hangs up',
      },
      'own-dereg': {
        actor: UAC,
        target: REG,
        notes:
          'alice (registered from 10.77.0.11) removes her own binding at shutdown: Contact: <her contact>;expires=0, ' +
          'Expires: 0, with digest auth',
      },
    },
  },
  'fs-busy': {
    description:
      'a busy benign site: a PBX (border) relays 260 calls of five accounts to the carrier trunk (trusted peer), ' +
      'bursts of 30 calls/s; with the site config nothing may fire',
    // What the same traffic raises without the site config: the config is what quiets it.
    without_config: ['SIP-DOS-01', 'SIP-DOS-03', 'SIP-FRD-02', 'SIP-FRD-03', 'SIP-FRD-04'],
    phases: {
      steady: {
        actor: BUSY_PBX,
        target: TRK,
        notes: 'accounts 3001-3005 (group pbx-trunk) through the PBX: 60 answered calls at 5 calls/s, 6 s each',
      },
      burst: {
        actor: BUSY_PBX,
        target: TRK,
        notes:
          '150 answered calls at 30 calls/s (6/s per account), 3 s each: up to ~90 calls at once, 18 per account; ' +
          'callees: distinct UK (+44 161 496) and French (+33 1 4268) fixed-line numbers',
      },
      tail: { actor: BUSY_PBX, target: TRK, notes: '50 answered calls at 5 calls/s, 4 s each' },
    },
  },
  'fs-toll-fraud': {
    description:
      'compromised office account 101 calls high-risk ranges through the SBC: a burst, concurrent calls, sequential short calls',
    phases: {
      burst: {
        actor: SBC,
        target: TRK,
        // 24 calls of 4 s at once: a burst, but also 24 concurrent calls and 24 short calls.
        expect: ['SIP-FRD-01', 'SIP-FRD-02', 'SIP-FRD-03', 'SIP-FRD-04'],
        may: ['SIP-DOS-03'],
        notes:
          '24 answered calls to +881/+882 numbers at 6 calls/s, 4 s each (up to 24 at once; with ACK and BYE ' +
          'about 18 requests/s from the SBC, so the generic request flood SIP-DOS-03 may fire)',
      },
      concurrent: {
        actor: SBC,
        target: TRK,
        expect: ['SIP-FRD-01', 'SIP-FRD-03'],
        may: ['SIP-FRD-02', 'SIP-FRD-04', 'SIP-DOS-03'],
        notes: '8 answered calls to +88239001xxxx, one per second, 12 s each: 8 at once for ~5 s',
      },
      sequential: {
        actor: SBC,
        target: TRK,
        expect: ['SIP-FRD-01', 'SIP-FRD-04'],
        may: ['SIP-FRD-02', 'SIP-FRD-03', 'SIP-DOS-03'],
        notes: '10 answered calls, one after the other, to consecutive numbers +881620000101..110, 1 s each',
      },
    },
  },
  'fs-wangiri': {
    description: 'one-ring calls from one Sierra Leone number to 12 of our numbers, delivered by the carrier',
    phases: {
      wangiri: {
        actor: TRK,
        target: SBC,
        expect: ['SIP-FRD-05'],
        may: [],
        notes:
          '12 INVITEs from +23276123456 (PAI the same) to 12 distinct numbers +4420794600xx-01xx, 2 per second; ' +
          'each rings (180) for 1.2 s and is cancelled (487)',
      },
    },
  },
  'fs-forward': {
    description:
      'calls forwarded or transferred to high-risk numbers: 302 from the SBC, REFER by the caller, REFER injected',
    phases: {
      redirect: {
        actor: TRK,
        target: SBC,
        expect: ['SIP-FRD-08'],
        may: [],
        notes:
          'inbound call from the carrier; the SBC answers 302 with Contact +881650001234 (the alert names the ' +
          'requester, the carrier, as source)',
      },
      refer: {
        actor: UAC,
        target: PBX,
        expect: ['SIP-FRD-08'],
        may: [],
        notes:
          'internal call 1011 -> 2022; the caller transfers the callee to +882345678901 (REFER, 202), then hangs up',
      },
      'inject-refer': {
        actor: ATK,
        target: PBX,
        expect: ['SIP-FRD-08', 'SIP-DLG-02', 'SIP-HDR-02'],
        may: ['SIP-TOP-01'],
        notes:
          "internal call 1011 -> 2022; the attacker sends a REFER with the call's Call-ID and tags (as if sniffed) " +
          'to the callee: Refer-To +881699887766; the callee accepts (202, to the attacker, with its internal ' +
          'Contact: TOP-01 may fire)',
      },
    },
  },
  'fs-dialog': {
    description:
      'third party inside live internal calls: re-INVITE moving the media to the attacker; BYE tearing a call down',
    phases: {
      reinvite: {
        actor: ATK,
        target: PBX,
        expect: ['SIP-DLG-02', 'SIP-SDP-01'],
        may: ['SIP-TOP-01'],
        notes:
          "internal call 1011 -> 2022, 7 s; after 2 s the attacker sends a re-INVITE with the call's Call-ID and " +
          'tags, SDP c=203.0.113.66; the callee answers 200 (its SDP names 10.77.0.22: TOP-01 may fire), ACK',
      },
      bye: {
        actor: ATK,
        target: PBX,
        expect: ['SIP-DLG-01'],
        may: ['SIP-TOP-01'],
        notes:
          "internal call 1011 -> 2022, 6 s; after 2 s the attacker sends BYE with the call's identifiers; the " +
          "callee answers 200; the caller's own BYE later gets 481",
      },
    },
  },
  'fs-identity': {
    description:
      'identity headers from the untrusted attacker to the interconnect SBC; invalid CLI from the carrier; peer impersonation',
    phases: {
      pai: {
        actor: ATK,
        target: SBC,
        expect: ['SIP-HDR-01', 'SIP-CLI-01', 'SIP-IC-01'],
        may: [],
        notes: 'INVITE with P-Asserted-Identity of our own number +442079460100 (also the From), Privacy: none; 403',
      },
      diversion: {
        actor: ATK,
        target: SBC,
        expect: ['SIP-HDR-02', 'SIP-IC-01'],
        may: [],
        notes: 'INVITE with Diversion <+442079460150>;reason=unconditional; 403',
      },
      pheaders: {
        actor: ATK,
        target: SBC,
        expect: ['SIP-HDR-03', 'SIP-IC-01'],
        may: [],
        notes: 'INVITE with P-Charging-Vector, P-Access-Network-Info, P-Asserted-Service, P-Visited-Network-ID; 403',
      },
      route: {
        actor: ATK,
        target: SBC,
        expect: ['SIP-HDR-04', 'SIP-IC-01'],
        may: [],
        notes: 'initial INVITE with a pre-loaded Route <sip:10.77.0.22:5060;lr> (the internal PBX); 403',
      },
      badcli: {
        actor: TRK,
        target: SBC,
        expect: ['SIP-CLI-01'],
        may: [],
        notes:
          'the trusted carrier delivers a call from +4420794 (From and PAI; too short to be a UK number), answered 2 s',
      },
      impersonate: {
        actor: ATK,
        target: SBC,
        expect: ['SIP-IC-02', 'SIP-IC-01'],
        may: [],
        notes: "INVITE from the attacker's address whose top Via names the carrier's host sbc.carrier-a.example; 403",
      },
    },
  },
  'fs-register': {
    description:
      "the attacker removes alice's bindings with her cracked password; credentials of 101 used for other users",
    phases: {
      dereg: {
        actor: ATK,
        target: REG,
        expect: ['SIP-REG-02'],
        may: [],
        notes:
          'alice registered from 10.77.0.11 a second before; REGISTER alice Contact: * Expires: 0 from ' +
          '203.0.113.66, 401, again with digest auth (alice), 200',
      },
      authid: {
        actor: ATK,
        target: REG,
        expect: ['SIP-REG-03'],
        may: ['SIP-REG-02'],
        notes: 'REGISTER for 150 with 101\'s credentials: 401, then kamailio 403 "Forbidden auth ID"',
      },
      'authid-invite': {
        actor: ATK,
        target: PBX,
        expect: ['SIP-REG-03'],
        may: ['SIP-TOP-01'],
        notes:
          "INVITE From alice to the PBX, challenged (401), repeated with 101's credentials, answered, 1 s; " +
          "alice has now been used with two credentials (alice, 101). The PBX's answer names 10.77.0.22 (TOP-01 may fire)",
      },
    },
  },
  'fs-topology': {
    description: 'internal addresses and software versions leaving the network',
    phases: {
      direct: {
        actor: UAC,
        target: TRK,
        expect: ['SIP-TOP-01', 'SIP-TOP-02'],
        may: [],
        notes:
          'the phone 10.77.0.11 calls the carrier directly (past the SBC): Via, Contact, SDP 10.77.0.11, ' +
          'User-Agent "Yealink SIP-T46S 66.86.0.15"; answered, 1.5 s',
      },
      leak: {
        actor: SBC,
        target: TRK,
        expect: ['SIP-TOP-01', 'SIP-TOP-02'],
        may: [],
        notes:
          'the SBC forwards a call without topology hiding: Contact and SDP 10.77.0.11, User-Agent "Asterisk PBX 18.10.0"; answered, 1.5 s',
      },
    },
  },
  'fs-media': {
    description: 'SRTP keys in cleartext SIP over UDP; an unusual SDP offer',
    phases: {
      crypto: {
        actor: UAC,
        target: PBX,
        // The sipp UAS answers the SRTP offer with plain RTP/AVP: a media downgrade too.
        expect: ['SIP-CRY-03', 'SIP-CRY-02'],
        may: [],
        notes:
          'internal call with an RTP/SAVP offer carrying a=crypto AES_CM_128_HMAC_SHA1_80 inline:<key>, over UDP, ' +
          'answered with plain RTP/AVP; 2 s',
      },
      unusual: {
        actor: UAC,
        target: PBX,
        expect: ['SIP-SDP-02'],
        may: [],
        notes:
          'internal call whose offer has 7 m-lines: audio (b=AS:500000, AMR-WB/X-NSE), video on multicast ' +
          'c=224.2.17.12, an unknown "control" type, application BFCP, image T.38, text, message MSRP; 2 s',
      },
    },
  },
};

function readPlan(dir, sc) {
  const file = path.join(dir, `${sc}.calls.tsv`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [phase, callerIp, callee, caller, hold, status, country] = l.split('\t');
      return {
        phase,
        caller_ip: callerIp,
        callee,
        caller,
        hold_ms: Number(hold),
        final_status: Number(status),
        country,
      };
    });
}

function label(file, sc, phasesDir) {
  const spec = SCENARIOS[sc];
  const packets = readPcap(file);
  const events = decode(file);
  const windows = readPhases(phasesDir, sc);
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  const phases = [];
  const expect = [];
  const may = new Set();
  for (const [name, p] of Object.entries(spec.phases)) {
    const win = windows.get(name);
    if (!win) throw new Error(`${sc}: no phase marker for ${name}`);
    const lo = win.t0 - 0.2;
    const hi = win.t1 + 0.5;
    const pk = packets.filter((x) => x.ts >= lo && x.ts <= hi && (x.src === p.actor || x.dst === p.actor));
    if (pk.length === 0) throw new Error(`${sc}/${name}: no packet from or to ${p.actor}`);
    const start = iso(pk[0].ts);
    const end = iso(pk[pk.length - 1].ts);
    const evs = events.filter((e) => {
      const t = Date.parse(e['@timestamp']) / 1000;
      return t >= pk[0].ts - 0.001 && t <= pk[pk.length - 1].ts + 0.001;
    });
    phases.push({
      phase: name,
      actor: p.actor,
      target: p.target,
      start,
      end,
      sip_from_actor: tally(evs.filter((e) => e.source.ip === p.actor)),
      sip_to_actor: tally(evs.filter((e) => e.destination.ip === p.actor)),
      expect: p.expect ?? [],
      may: p.may ?? [],
      notes: p.notes,
    });
    for (const id of p.expect ?? []) {
      // The same signature from several phases of one actor: one expectation over their union
      // (a signature suppresses repeats per group, so its one alert may come from any of them).
      const prev = expect.find((x) => x.id === id && x.source === p.actor);
      if (prev) {
        prev.end = end;
        prev.phases.push(name);
      } else expect.push({ id, source: p.actor, target: p.target, phases: [name], start, end });
    }
    for (const id of p.may ?? []) may.add(id);
  }
  for (const x of expect) may.delete(x.id);
  return {
    file: path.basename(file),
    scenario: sc,
    description: spec.description,
    config: SITE,
    ...(spec.without_config !== undefined ? { without_config: spec.without_config } : {}),
    sha256,
    bytes: fs.statSync(file).size,
    packets: packets.length,
    sip_messages: events.length,
    start: packets.length ? iso(packets[0].ts) : null,
    end: packets.length ? iso(packets[packets.length - 1].ts) : null,
    messages: tally(events),
    sources: [...new Set(packets.map((x) => x.src))].sort(),
    expect,
    may: [...may].sort(),
    phases,
    calls: readPlan(phasesDir, sc),
  };
}

function main(argv) {
  const [phasesDir, dir, ...scenarios] = argv;
  if (!phasesDir || !dir || scenarios.length === 0) {
    console.error('usage: fs38-labels.js <phases-dir> <dir> <scenario>...');
    process.exit(2);
  }
  for (const sc of scenarios) if (!SCENARIOS[sc]) throw new Error(`unknown fs38 scenario ${sc}`);
  const labelsFile = path.join(dir, 'labels.yaml');
  const text = fs.readFileSync(labelsFile, 'utf8');
  const header = text.split('\n').filter((l) => l.startsWith('#'));
  const doc = YAML.parse(text);
  const fresh = new Map(scenarios.map((sc) => [`${sc}.pcap`, label(path.join(dir, `${sc}.pcap`), sc, phasesDir)]));
  const captures = doc.captures.map((c) => fresh.get(c.file) ?? c);
  for (const [file, c] of fresh) if (!doc.captures.some((x) => x.file === file)) captures.push(c);
  doc.captures = captures;
  doc.note_fs38 =
    'fs-* captures (scripts/testbed fs38, scripts/testbed.d/fs38-labels.js): analyze them with --config <config>; ' +
    'expect entries name the phase; calls: the call plan of the scenario (callee, caller, hold, final status)';
  fs.writeFileSync(labelsFile, header.join('\n') + '\n' + YAML.stringify(doc, { lineWidth: 0 }));

  const all = captures.filter((c) => c.scenario in SCENARIOS);
  replaceBetween(
    path.join(dir, 'README.md'),
    '<!-- fs38:begin (generated by scripts/testbed.d/fs38-labels.js) -->',
    '<!-- fs38:end -->',
    [
      '| file | contents | expect | may | bytes | packets | SIP msgs | messages (method or status) | sha256 |',
      '|---|---|---|---|---|---|---|---|---|',
      ...all.map((c) => {
        const ids = [...new Set(c.expect.map((x) => x.id))].join(', ') || '—';
        return `| \`${c.file}\` | ${c.description} | ${ids} | ${c.may.join(', ') || '—'} | ${c.bytes} | ${c.packets} | ${c.sip_messages} | ${c.messages} | \`${c.sha256}\` |`;
      }),
      '',
      '| capture | phase | actor → target | first → last packet (UTC) | expect | may | what happens |',
      '|---|---|---|---|---|---|---|',
      ...all.flatMap((c) =>
        c.phases.map(
          (p) =>
            `| \`${c.file}\` | ${p.phase} | ${p.actor} → ${p.target} | ${p.start} → ${p.end} | ${p.expect.join(', ') || '—'} | ${p.may.join(', ') || '—'} | ${p.notes} |`,
        ),
      ),
    ].join('\n'),
    '',
  );
  for (const c of fresh.values()) {
    console.error(
      `fs38-labels: ${c.file}: ${c.bytes} bytes, ${c.sip_messages} SIP messages, expect ${[...new Set(c.expect.map((x) => x.id))].join(' ') || 'nothing'}`,
    );
  }
}

main(process.argv.slice(2));
