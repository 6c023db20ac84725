#!/usr/bin/env node
'use strict';
// Labels for the attack captures made by `scripts/testbed attacks <dir> [samples-dir]`:
//   <dir>/labels.yaml            per capture: expected signatures (id, attacker, target, time range),
//                                optional ones (may), and what each attack phase contains
//   <dir>/README.md              the table between the attacks:begin/end markers
//   <samples>/README.md          the demo table between the demo:begin/end markers
//
//   node attack-labels.js <phases-dir> <dir> [samples-dir]
//
// Time ranges come from the capture itself: the first and last packet from or to the attacker
// inside the phase window that attacks.sh recorded around each tool run (<phases-dir>/<sc>.tsv).
// Message counts come from `node bin/sipward.js decode` (one JSON line per SIP message).
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const YAML = require('yaml');

const ROOT = path.join(__dirname, '..', '..');
const ATK = '10.77.0.66';
const REG = '10.77.0.21';
const PBX = '10.77.0.23';
const BENIGN_NOTE =
  'benign background from 10.77.0.11: OPTIONS keepalive to 10.77.0.21 every 1 s, one digest ' +
  'registration of 101 (401 then 200), answered calls to the sipp UAS 10.77.0.22';

const sv = (tool, args) => `${tool} -b ${ATK} -x ${ATK} -P 5060 ${args}`;
const CMD = {
  svmap: sv('svmap', '-p 5060 -t 0.05 10.77.0.20-10.77.0.50'),
  svwar: sv('svwar', `-m REGISTER -e 100-159 -t 0.15 ${REG}`),
  svwarDemo: sv('svwar', `-m REGISTER -e 100-139 -t 0.15 ${REG}`),
  svcrack: sv('svcrack', `-u alice -d scripts/testbed.d/svcrack-dict.txt -t 0.15 ${REG}`),
  inviteFlood: (n, r) =>
    `sipp ${PBX}:5060 -sf scripts/testbed.d/atk-uac-invite-flood.xml -t u1 -i ${ATK} -p 5060 -s 1000 -m ${n} -r ${r}`,
  registerFlood: `sipp ${REG}:5060 -sf scripts/testbed.d/atk-uac-register-flood.xml -t u1 -i ${ATK} -p 5060 -s alice -m 600 -r 150`,
  fuzz: `node scripts/testbed.d/fuzz.js ${ATK} ${REG} 5060 125 6`,
};

// Per attack phase: tool, command, target, expected and optional signature ids, notes.
const PHASE = {
  svmap: {
    tool: 'sipvicious 0.3.3 svmap',
    command: CMD.svmap,
    target: '10.77.0.20-10.77.0.50',
    expect: ['SIP-REC-01', 'SIP-REC-02'],
    may: [],
    notes:
      'OPTIONS sweep of 31 addresses, User-Agent friendly-scanner, From "sipvicious". 4 answer 200 ' +
      '(kamailio .21, sipp .22 .23 .24); 27 are dark (permanent neighbour entries in sw-atk, so ' +
      'the probes reach the wire and stay unanswered).',
  },
  svwar: {
    tool: 'sipvicious 0.3.3 svwar',
    command: CMD.svwar,
    target: REG,
    expect: ['SIP-REC-01', 'SIP-REC-03'],
    may: [],
    notes:
      "REGISTER per extension 100-159 (plus svwar's initial random extension), ~6.5/s. kamailio " +
      'answers 404 for unknown users and 401 for the existing 101 and 150: svwar reports both.',
  },
  svcrack: {
    tool: 'sipvicious 0.3.3 svcrack',
    command: CMD.svcrack,
    target: REG,
    expect: ['SIP-REC-01', 'SIP-AUTH-01', 'SIP-AUTH-03'],
    may: [],
    notes:
      'dictionary attack on alice: each guess is REGISTER -> 401 (qop="auth") -> REGISTER with ' +
      'Authorization -> 403; 30 wrong passwords, then the 31st (sipward-test) -> 200 OK.',
  },
  'invite-flood': {
    tool: 'sipp 3.6.1',
    command: CMD.inviteFlood(600, 150),
    target: PBX,
    expect: ['SIP-DOS-01'],
    may: ['SIP-DOS-03'],
    notes:
      '600 INVITEs at 150/s (each a new Call-ID, no retransmissions), no User-Agent; the sipp ' +
      '"PBX" on 10.77.0.23 answers 486 Busy Here to each, the flood ACKs it.',
  },
  'register-flood': {
    tool: 'sipp 3.6.1',
    command: CMD.registerFlood,
    target: REG,
    expect: ['SIP-DOS-02'],
    may: ['SIP-DOS-03', 'SIP-DOS-04'],
    notes:
      '600 unauthenticated REGISTERs for alice at 150/s (each a new Call-ID), all answered 401 ' +
      'by kamailio; no request carries credentials. DOS-04 may see the 600 x 401 as an ' +
      'error-response storm at 10.77.0.21.',
  },
  fuzz: {
    tool: 'node scripts/testbed.d/fuzz.js',
    command: CMD.fuzz,
    target: REG,
    expect: ['SIP-MAL-06'],
    may: ['SIP-MAL-01', 'SIP-MAL-02', 'SIP-MAL-03', 'SIP-MAL-04', 'SIP-MAL-05'],
    notes:
      '125 malformed requests (25 RFC 4475-style templates x 5) at 6/s, OPTIONS and a few ' +
      'REGISTER: oversized R-URI/Via/Call-ID/From; missing Call-ID/From/CSeq, empty Via/To; ' +
      'CSeq >= 2^32, CSeq method mismatch, non-numeric CSeq, negative and too large ' +
      'Content-Length, duplicate Content-Length, SIP/7.0, Via SIP/3.0, unknown method, ' +
      'unterminated quote, bad Expires; SQL/XSS/shell injection in From display name, ' +
      'User-Agent and Contact. Never INVITE. The negative Content-Length is also a SIP-MAL-04 ' +
      'pattern (integer underflow, Snort 140:16), hence MAL-04 under may.',
  },
  benign: {
    tool: 'sipp 3.6.1',
    command: 'scripts/testbed run benign-mix',
    target: '10.77.0.21, 10.77.0.22',
    expect: [],
    may: [],
    notes:
      'from 10.77.0.11 only: OPTIONS keepalive to kamailio every 1 s (30); digest registrations ' +
      'of alice, 101, 150 (401 then 200) and one of alice with a mistyped password (401 then ' +
      '403); calls to the sipp UAS: 2 answered, 1 challenged with 401 (qop=auth) then answered, ' +
      '1 busy (486), 1 unknown callee (404), 1 answered after 800 ms (the INVITE is ' +
      'retransmitted once).',
  },
};

const SCENARIOS = {
  'benign-mix': { phases: ['benign'], description: 'benign traffic only; must raise nothing' },
  'atk-svmap': { phases: ['svmap'], description: 'svmap OPTIONS sweep of 10.77.0.20-50 + benign background' },
  'atk-svwar': { phases: ['svwar'], description: 'svwar REGISTER extension enumeration + benign background' },
  'atk-svcrack': {
    phases: ['svcrack'],
    description: 'svcrack dictionary attack on alice that succeeds + benign background',
  },
  'atk-invite-flood': { phases: ['invite-flood'], description: 'sipp INVITE flood + benign background' },
  'atk-register-flood': { phases: ['register-flood'], description: 'sipp REGISTER flood + benign background' },
  'atk-fuzz': { phases: ['fuzz'], description: 'burst of malformed SIP requests + benign background' },
};
const DEMO = {
  description:
    'svmap sweep, svwar enumeration, svcrack success and a short INVITE flood from one attacker + benign background',
  phases: ['svmap', 'svwar', 'svcrack', 'invite-flood'],
  overrides: {
    svwar: { command: CMD.svwarDemo, notes: 'as atk-svwar, extensions 100-139' },
    svcrack: {
      may: ['SIP-DOS-02'],
      notes:
        'as atk-svcrack. Together with svwar just before it, the attacker sends ~103 REGISTERs ' +
        'within ~20 s, so a REGISTER-flood threshold of 100/min (SIP-DOS-02) may fire here.',
    },
    'invite-flood': {
      command: CMD.inviteFlood(250, 100),
      notes: '250 INVITEs at 100/s to the sipp "PBX" on 10.77.0.23 (486 each)',
    },
  },
};

// ---- pcap reading (classic pcap, Ethernet, IPv4/IPv6) -------------------------------------------
function readPcap(file) {
  const buf = fs.readFileSync(file);
  const magic = buf.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error(`${file}: not a little-endian pcap`);
  const nano = magic === 0xa1b23c4d;
  if ((buf.readUInt32LE(20) & 0x0fffffff) !== 1) throw new Error(`${file}: link type is not Ethernet`);
  const packets = [];
  for (let off = 24; off + 16 <= buf.length;) {
    const ts = buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) / (nano ? 1e9 : 1e6);
    const incl = buf.readUInt32LE(off + 8);
    const data = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    let type = data.readUInt16BE(12);
    let l3 = 14;
    while (type === 0x8100 || type === 0x88a8) {
      type = data.readUInt16BE(l3 + 2);
      l3 += 4;
    }
    let src;
    let dst;
    if (type === 0x0800) {
      src = [...data.subarray(l3 + 12, l3 + 16)].join('.');
      dst = [...data.subarray(l3 + 16, l3 + 20)].join('.');
    } else if (type === 0x86dd) {
      const v6 = (b) => {
        const g = [];
        for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(i).toString(16));
        return g.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
      };
      src = v6(data.subarray(l3 + 8, l3 + 24));
      dst = v6(data.subarray(l3 + 24, l3 + 40));
    } else continue;
    packets.push({ ts, src, dst, len: incl });
  }
  return packets;
}

function decode(file) {
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, 'bin', 'sipward.js'), 'decode', file, '--log-level', 'silent'],
    {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      timeout: 120000,
    },
  );
  if (r.status !== 0) throw new Error(`sipward decode ${file} failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

const iso = (t) => {
  const ms = Math.floor(t * 1000);
  const us = Math.round((t * 1e6) % 1000)
    .toString()
    .padStart(3, '0');
  return new Date(ms).toISOString().replace('Z', `${us}Z`);
};

function readPhases(dir, sc) {
  const file = path.join(dir, `${sc}.tsv`);
  const out = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [name, t0, t1] = line.split('\t');
    out.set(name, { t0: Number(t0), t1: Number(t1) });
  }
  return out;
}

function tally(events) {
  const m = new Map();
  for (const e of events) {
    const k = e.sip.type === 'request' ? e.sip.method : `${e.sip.status_code}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** Describe one capture: file facts, per-phase attack facts, expected alerts. */
function label(file, scenario, description, phaseNames, phasesDir, overrides = {}) {
  const packets = readPcap(file);
  const events = decode(file);
  const phases = readPhases(phasesDir, scenario);
  const bytes = fs.statSync(file).size;
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  const attacks = [];
  const expect = [];
  const may = new Set();
  for (const name of phaseNames) {
    const spec = { ...PHASE[name], ...(overrides[name] ?? {}) };
    const win = phases.get(name);
    if (!win) throw new Error(`${scenario}: no phase marker for ${name}`);
    if (name === 'benign') {
      attacks.push({ phase: name, tool: spec.tool, command: spec.command, notes: spec.notes });
      continue;
    }
    const lo = win.t0 - 0.2;
    const hi = win.t1 + 0.5;
    const inWin = (t) => t >= lo && t <= hi;
    const pk = packets.filter((p) => inWin(p.ts) && (p.src === ATK || p.dst === ATK));
    if (pk.length === 0) throw new Error(`${scenario}/${name}: no attacker packet in the capture`);
    const start = iso(pk[0].ts);
    const end = iso(pk[pk.length - 1].ts);
    const evs = events.filter((e) => {
      const t = Date.parse(e['@timestamp']) / 1000;
      return (
        t >= pk[0].ts - 0.001 && t <= pk[pk.length - 1].ts + 0.001 && (e.source.ip === ATK || e.destination.ip === ATK)
      );
    });
    const fromAtk = evs.filter((e) => e.source.ip === ATK);
    const toAtk = evs.filter((e) => e.destination.ip === ATK);
    const probed = new Set(pk.filter((p) => p.src === ATK).map((p) => p.dst));
    if (name === 'svcrack' && !toAtk.some((e) => e.sip.status_code === 200 && e.sip.cseq?.method === 'REGISTER')) {
      throw new Error(`${scenario}: svcrack phase has no 200 OK to REGISTER`);
    }
    attacks.push({
      phase: name,
      tool: spec.tool,
      command: spec.command,
      source: ATK,
      target: spec.target,
      start,
      end,
      packets_from_attacker: pk.filter((p) => p.src === ATK).length,
      packets_to_attacker: pk.filter((p) => p.dst === ATK).length,
      destinations: probed.size,
      sip_from_attacker: tally(fromAtk),
      sip_to_attacker: tally(toAtk),
      expect: spec.expect,
      may: spec.may,
      notes: spec.notes,
    });
    for (const id of spec.expect) {
      const prev = expect.find((x) => x.id === id && x.source === ATK);
      if (prev) {
        prev.end = end; // the same signature from several phases (demo: SIP-REC-01)
        continue;
      }
      expect.push({ id, source: ATK, target: spec.target, start, end });
    }
    for (const id of spec.may) may.add(id);
  }
  for (const x of expect) may.delete(x.id);
  // Every other address that sent something: the benign peers, and the devices that answered the attacker.
  const sources = [...new Set(packets.map((p) => p.src))].filter((s) => s !== ATK).sort();
  return {
    file: path.basename(file),
    scenario,
    description,
    sha256,
    bytes,
    packets: packets.length,
    sip_messages: events.length,
    start: packets.length ? iso(packets[0].ts) : null,
    end: packets.length ? iso(packets[packets.length - 1].ts) : null,
    messages: tally(events),
    other_sources: sources,
    benign: scenario === 'benign-mix' ? PHASE.benign.notes : BENIGN_NOTE,
    expect,
    may: [...may].sort(),
    attacks: attacks.filter((a) => a.phase !== 'benign'),
  };
}

function replaceBetween(file, begin, end, body, template) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : template;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file}: markers ${begin} / ${end} missing`);
  fs.writeFileSync(file, text.slice(0, a + begin.length) + '\n' + body + '\n' + text.slice(b));
}

function main(argv) {
  const [phasesDir, dir, samples] = argv;
  if (!phasesDir || !dir) {
    console.error('usage: attack-labels.js <phases-dir> <dir> [samples-dir]');
    process.exit(2);
  }
  const captures = [];
  for (const sc of Object.keys(SCENARIOS)) {
    const file = path.join(dir, `${sc}.pcap`);
    captures.push(label(file, sc, SCENARIOS[sc].description, SCENARIOS[sc].phases, phasesDir));
  }
  // Captures of other generators (fs38-labels.js: the fs-* scenarios) stay in labels.yaml.
  const labelsFile = path.join(dir, 'labels.yaml');
  const others = [];
  if (fs.existsSync(labelsFile)) {
    const old = YAML.parse(fs.readFileSync(labelsFile, 'utf8'));
    const mine = new Set(captures.map((c) => c.file));
    for (const c of old?.captures ?? []) if (!mine.has(c.file)) others.push(c);
  }
  const doc = {
    attacker: ATK,
    note:
      'Generated by scripts/testbed attacks (scripts/testbed.d/attack-labels.js). expect: every ' +
      'listed signature must fire with that source.ip, its event.start..event.end overlapping ' +
      'start..end; may: signatures allowed but not required; any other rule id is a false positive.',
    captures: [...captures, ...others],
  };
  fs.writeFileSync(
    path.join(dir, 'labels.yaml'),
    '# Labels of the attack captures; regenerate with `scripts/testbed attacks test/fixtures/attacks samples`.\n' +
      YAML.stringify(doc, { lineWidth: 0 }),
  );
  const rows = captures.map((c) => {
    const ids = c.expect.map((x) => x.id);
    const uniq = [...new Set(ids)].join(', ') || '—';
    return `| \`${c.file}\` | ${c.description} | ${uniq} | ${c.may.join(', ') || '—'} | ${c.bytes} | ${c.packets} | ${c.sip_messages} | ${c.messages} | \`${c.sha256}\` |`;
  });
  replaceBetween(
    path.join(dir, 'README.md'),
    '<!-- attacks:begin (generated by scripts/testbed.d/attack-labels.js) -->',
    '<!-- attacks:end -->',
    [
      '| file | contents | expect | may | bytes | packets | SIP msgs | messages (method or status) | sha256 |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      '| capture | phase | attacker → target | first → last packet (UTC) | SIP from attacker | SIP to attacker |',
      '|---|---|---|---|---|---|',
      ...captures.flatMap((c) =>
        c.attacks.map(
          (a) =>
            `| \`${c.file}\` | ${a.phase} | ${a.source} → ${a.target} | ${a.start} → ${a.end} | ${a.sip_from_attacker} | ${a.sip_to_attacker} |`,
        ),
      ),
    ].join('\n'),
  );
  for (const c of captures) {
    console.error(
      `attack-labels: ${c.file}: ${c.bytes} bytes, ${c.sip_messages} SIP messages, expect ${c.expect.map((x) => x.id).join(' ') || 'nothing'}`,
    );
  }
  if (samples) {
    const demoFile = path.join(samples, 'demo-attacks.pcap');
    const d = label(demoFile, 'demo', DEMO.description, DEMO.phases, phasesDir, DEMO.overrides);
    fs.writeFileSync(
      path.join(samples, 'demo-attacks.labels.yaml'),
      '# Labels of demo-attacks.pcap (generated by scripts/testbed.d/attack-labels.js).\n' +
        YAML.stringify(d, { lineWidth: 0 }),
    );
    replaceBetween(
      path.join(samples, 'README.md'),
      '<!-- demo:begin (generated by scripts/testbed.d/attack-labels.js) -->',
      '<!-- demo:end -->',
      [
        `\`demo-attacks.pcap\`: ${d.bytes} bytes, ${d.packets} packets, ${d.sip_messages} SIP messages, ${d.start} → ${d.end}, sha256 \`${d.sha256}\`.`,
        '',
        '| phase | tool | attacker → target | first → last packet (UTC) | SIP from attacker | SIP to attacker | expected alerts |',
        '|---|---|---|---|---|---|---|',
        ...d.attacks.map((a) => {
          const ids = [...a.expect, ...a.may.map((m) => `(${m})`)].join(', ');
          return `| ${a.phase} | ${a.tool} | ${a.source} → ${a.target} | ${a.start} → ${a.end} | ${a.sip_from_attacker} | ${a.sip_to_attacker} | ${ids} |`;
        }),
      ].join('\n'),
    );
    console.error(`attack-labels: ${demoFile}: ${d.bytes} bytes, ${d.sip_messages} SIP messages`);
  }
}

// fs38-labels.js reuses the capture readers; `node attack-labels.js ...` runs main.
module.exports = { readPcap, decode, iso, readPhases, tally, replaceBetween };
if (require.main === module) main(process.argv.slice(2));
