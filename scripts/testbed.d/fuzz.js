#!/usr/bin/env node
'use strict';
// Fuzzing burst for the testbed's atk-fuzz scenario: malformed SIP requests in the style of
// RFC 4475 ("SIP torture test messages") and of PROTOS/Voiper, sent as UDP datagrams from the
// attacker namespace to one target. Each datagram is a new transaction (own Call-ID, branch,
// tag), so nothing looks like a retransmission.
//
//   node fuzz.js <src-ip> <dst-ip> <dst-port> <count> <per-second>
//
// Bounded in count (at most 500) and time (count / rate, at most 120 s). The caller runs it
// inside `ip netns exec sw-atk`, which has no route out of the testbed's 10.77.0.0/24.
// Methods are OPTIONS (kamailio answers or drops them) and a few REGISTER, never INVITE: an
// oversized INVITE is a known-exploit pattern (SIP-MAL-04) rather than fuzzing. The negative
// Content-Length template is one such pattern too (integer underflow; see SIP-MAL-04).
// The To user is fixed (100) so that the burst is not also an extension scan.
const dgram = require('node:dgram');
const { Buffer } = require('node:buffer');
const { setInterval, clearInterval, setTimeout, clearTimeout } = require('node:timers');

const [src, dst, portArg, countArg, rateArg] = process.argv.slice(2);
const port = Number(portArg);
const count = Math.min(Number(countArg), 500);
const rate = Math.min(Math.max(Number(rateArg), 1), 100);
if (!src || !dst || !Number.isInteger(port) || !Number.isInteger(count) || count < 1) {
  console.error('usage: fuzz.js <src-ip> <dst-ip> <dst-port> <count> <per-second>');
  process.exit(2);
}
if (!/^10\.77\.\d+\.\d+$/.test(dst) && !/^fd77:/i.test(dst)) {
  console.error(`fuzz.js: refusing target ${dst}: only testbed addresses (10.77.x.x, fd77::)`);
  process.exit(2);
}

const SRC_PORT = 5062;
const rnd = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += 'abcdefghijklmnopqrstuvwxyz0123456789'[(Math.random() * 36) | 0];
  return s;
};

/** Header lines of a plain OPTIONS; each template deletes or mangles some of them. */
function base(i, method = 'OPTIONS') {
  const user = method === 'REGISTER' ? 'alice' : '100';
  return {
    start: `${method} sip:${user}@${dst} SIP/2.0`,
    h: [
      ['Via', `SIP/2.0/UDP ${src}:${SRC_PORT};branch=z9hG4bK-fz${i}-${rnd(8)};rport`],
      ['Max-Forwards', '70'],
      ['From', `<sip:fuzz@${src}>;tag=fz${i}${rnd(6)}`],
      ['To', `<sip:${user}@${dst}>`],
      ['Call-ID', `fz${i}-${rnd(16)}@${src}`],
      ['CSeq', `${i + 1} ${method}`],
      ['Contact', `<sip:fuzz@${src}:${SRC_PORT}>`],
    ],
    body: '',
    contentLength: undefined,
  };
}

function set(m, name, value) {
  const e = m.h.find(([n]) => n.toLowerCase() === name.toLowerCase());
  if (e) e[1] = value;
  else m.h.push([name, value]);
  return m;
}
function drop(m, name) {
  m.h = m.h.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
  return m;
}
function render(m) {
  const body = Buffer.from(m.body, 'latin1');
  const lines = [m.start, ...m.h.map(([n, v]) => `${n}: ${v}`)];
  lines.push(`Content-Length: ${m.contentLength ?? body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body]);
}

// Each template: [anomaly, build(i) -> Buffer]. The anomaly names say which SIP-MAL-* they aim at.
const templates = [
  // SIP-MAL-01 oversized fields (limits as in Snort's SIP inspector: URI/From/Call-ID 256, Via 1024)
  [
    'oversize-request-uri',
    (i) => {
      const m = base(i);
      m.start = `OPTIONS sip:${'9'.repeat(400)}@${dst} SIP/2.0`;
      return render(m);
    },
  ],
  [
    'oversize-via',
    (i) => {
      const m = base(i);
      return render(set(m, 'Via', `SIP/2.0/UDP ${src}:${SRC_PORT};branch=z9hG4bK-fz${i};x-pad=${'A'.repeat(1200)}`));
    },
  ],
  ['oversize-call-id', (i) => render(set(base(i), 'Call-ID', `${'c'.repeat(320)}-${i}@${src}`))],
  ['oversize-from', (i) => render(set(base(i), 'From', `"${'X'.repeat(400)}" <sip:fuzz@${src}>;tag=fz${i}`))],
  // SIP-MAL-02 missing or empty mandatory headers
  ['missing-call-id', (i) => render(drop(base(i), 'Call-ID'))],
  ['missing-from', (i) => render(drop(base(i), 'From'))],
  ['missing-cseq', (i) => render(drop(base(i), 'CSeq'))],
  ['empty-via', (i) => render(set(base(i), 'Via', ''))],
  ['empty-to', (i) => render(set(base(i), 'To', ''))],
  // SIP-MAL-03 structural inconsistencies
  ['cseq-too-large', (i) => render(set(base(i), 'CSeq', `4294967296${i} OPTIONS`))],
  ['cseq-method-mismatch', (i) => render(set(base(i), 'CSeq', `${i + 1} INVITE`))],
  ['cseq-not-a-number', (i) => render(set(base(i), 'CSeq', `-${i + 1}x OPTIONS`))],
  [
    'negative-content-length',
    (i) => {
      const m = base(i);
      m.contentLength = -5;
      return render(m);
    },
  ],
  [
    'content-length-exceeds-body',
    (i) => {
      const m = base(i);
      m.h.push(['Content-Type', 'text/plain']);
      m.body = 'short body\r\n';
      m.contentLength = 9999;
      return render(m);
    },
  ],
  [
    'bad-sip-version',
    (i) => {
      const m = base(i);
      m.start = `OPTIONS sip:100@${dst} SIP/7.0`;
      return render(m);
    },
  ],
  ['bad-via-version', (i) => render(set(base(i), 'Via', `SIP/3.0/UDP ${src}:${SRC_PORT};branch=z9hG4bK-fz${i}`))],
  [
    'unknown-method',
    (i) => {
      const m = base(i);
      m.start = `NEWFANGLEDMETHOD sip:100@${dst} SIP/2.0`;
      return render(set(m, 'CSeq', `${i + 1} NEWFANGLEDMETHOD`));
    },
  ],
  [
    'duplicate-content-length',
    (i) => {
      const m = base(i);
      m.h.push(['Content-Length', '42']);
      return render(m);
    },
  ],
  ['unterminated-quote', (i) => render(set(base(i), 'From', `"unterminated <sip:fuzz@${src}>;tag=fz${i}`))],
  [
    'register-bad-contact-expires',
    (i) => {
      const m = base(i, 'REGISTER');
      set(m, 'Contact', `<sip:alice@${src}:${SRC_PORT}>;expires=-1;q=7.5`);
      return render(set(m, 'Expires', 'forever'));
    },
  ],
  // SIP-MAL-05 injection payloads in fields that end up in CDR/portal databases
  ['sqli-from-display', (i) => render(set(base(i), 'From', `"' OR '1'='1' --" <sip:fuzz@${src}>;tag=fz${i}`))],
  ['sqli-user-agent', (i) => render(set(base(i), 'User-Agent', `x'; DROP TABLE subscriber; --`))],
  ['xss-user-agent', (i) => render(set(base(i), 'User-Agent', `<script>alert(${i})</script>`))],
  ['shell-contact', (i) => render(set(base(i), 'Contact', `"$(reboot)" <sip:fuzz@${src}:${SRC_PORT}>`))],
  [
    'sqli-register-from',
    (i) => {
      const m = base(i, 'REGISTER');
      return render(set(m, 'From', `"1' UNION SELECT password FROM subscriber--" <sip:alice@${dst}>;tag=fz${i}`));
    },
  ],
];

const socket = dgram.createSocket({ type: dst.includes(':') ? 'udp6' : 'udp4' });
let sent = 0;
const perTemplate = new Map();
// Ignore answers; a closed port answers ICMP, which node reports as a socket error on Linux.
socket.on('message', () => {});
socket.on('error', (err) => {
  if (err.code !== 'ECONNREFUSED') throw err;
});
const deadline = setTimeout(
  () => {
    console.error(`fuzz.js: time limit reached after ${sent} datagrams`);
    process.exit(1);
  },
  Math.min(120, count / rate + 10) * 1000,
);

socket.bind(SRC_PORT, src, () => {
  const timer = setInterval(() => {
    if (sent >= count) {
      clearInterval(timer);
      clearTimeout(deadline);
      socket.close();
      const summary = [...perTemplate].map(([k, v]) => `${k}=${v}`).join(' ');
      console.log(`fuzz.js: sent ${sent} datagrams to ${dst}:${port}: ${summary}`);
      return;
    }
    const [name, build] = templates[sent % templates.length];
    socket.send(build(sent), port, dst);
    perTemplate.set(name, (perTemplate.get(name) ?? 0) + 1);
    sent += 1;
  }, 1000 / rate);
});
