//! Builds the large benchmark capture: SIP traffic of many phones spread over `--servers` sites
//! (each with its own registrar/proxy): registrations with digest challenges, calls (answered,
//! busy, cancelled), presence subscriptions, keepalives, over UDP and TCP — coalesced and split TCP
//! segments included — with attacks among them (`--attack-share`): SIPVicious-style OPTIONS scans,
//! extension enumeration, digest cracking and INVITE floods from a few external addresses.
//! Written as a classic µs pcap, streamed to disk.
//!   node dist/bench/make-capture.js OUT.pcap [--messages N] [--sites N] [--servers 23]
//!     [--tcp-share 0.3] [--attack-share 0.05]
//!     [--attacks ATTACKS.pcap --attack-every-ms N]   (recorded attacks laid over: attack-overlay.ts)
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mulberry32 } from '../lib/src/prng';
import { AttackOverlay } from './attack-overlay';

interface Options {
  out: string;
  messages: number;
  sites: number;
  servers: number;
  tcpShare: number;
  attackShare: number;
  attacks?: string;
  attackEveryMs: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    out: '',
    messages: 1_000_000,
    sites: 500,
    servers: 23,
    tcpShare: 0.3,
    attackShare: 0.05,
    attackEveryMs: 2000,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = (): string => argv[++i] ?? '';
    if (arg === '--messages') options.messages = Number(next());
    else if (arg === '--sites') options.sites = Number(next());
    else if (arg === '--servers') options.servers = Math.max(1, Number(next()));
    else if (arg === '--tcp-share') options.tcpShare = Number(next());
    else if (arg === '--attack-share') options.attackShare = Number(next());
    else if (arg === '--attacks') options.attacks = next();
    else if (arg === '--attack-every-ms') options.attackEveryMs = Number(next());
    else if (arg !== undefined) options.out = arg;
  }
  if (!options.out) throw new Error('usage: make-capture OUT.pcap [--messages N] [--sites N] [--tcp-share F]');
  return options;
}

/** Deterministic, so the capture is the same on every machine. */
const rng = mulberry32;

interface Site {
  ip: number[];
  ipText: string;
  /** The site's registrar/proxy this phone (or attacker) talks to. */
  server: number[];
  serverText: string;
  port: number;
  tcp: boolean;
  /** TCP sequence numbers per direction (client→server, server→client). */
  connected: boolean;
  seqUp: number;
  seqDown: number;
}

function sdp(ip: string, port: number, id: number): string {
  return (
    `v=0\r\no=user1 ${id} ${id} IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\n` +
    `m=audio ${port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n` +
    `a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n`
  );
}

function request(
  method: string,
  ruri: string,
  site: Site,
  transport: string,
  branch: string,
  from: string,
  fromTag: string,
  to: string,
  toTag: string,
  callId: string,
  cseq: number,
  extra: string,
  body: string,
): string {
  return (
    `${method} ${ruri} SIP/2.0\r\n` +
    `Via: SIP/2.0/${transport} ${site.ipText}:${site.port};branch=${branch};rport\r\n` +
    `Max-Forwards: 70\r\n` +
    `From: "${from}" <sip:${from}@example.net>;tag=${fromTag}\r\n` +
    `To: <sip:${to}@example.net>${toTag ? `;tag=${toTag}` : ''}\r\n` +
    `Call-ID: ${callId}\r\n` +
    `CSeq: ${cseq} ${method}\r\n` +
    `Contact: <sip:${from}@${site.ipText}:${site.port};transport=${transport.toLowerCase()}>\r\n` +
    `User-Agent: Yealink SIP-T46S 66.86.0.15\r\n` +
    extra +
    (body ? 'Content-Type: application/sdp\r\n' : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
    body
  );
}

function response(
  status: string,
  site: Site,
  transport: string,
  branch: string,
  from: string,
  fromTag: string,
  to: string,
  toTag: string,
  callId: string,
  cseq: number,
  method: string,
  extra: string,
  body: string,
): string {
  return (
    `SIP/2.0 ${status}\r\n` +
    `Via: SIP/2.0/${transport} ${site.ipText}:${site.port};branch=${branch};rport=${site.port};received=${site.ipText}\r\n` +
    `From: "${from}" <sip:${from}@example.net>;tag=${fromTag}\r\n` +
    `To: <sip:${to}@example.net>${toTag ? `;tag=${toTag}` : ''}\r\n` +
    `Call-ID: ${callId}\r\n` +
    `CSeq: ${cseq} ${method}\r\n` +
    `Server: Kamailio (5.6.3 (x86_64/linux))\r\n` +
    extra +
    (body ? 'Content-Type: application/sdp\r\n' : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
    body
  );
}

class PcapWriter {
  private readonly stream;
  private chunks: Buffer[] = [];
  private pending = 0;
  bytes = 0;
  frames = 0;

  constructor(path: string) {
    this.stream = createWriteStream(path);
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(262144, 16);
    header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
    this.push(header);
  }

  private push(buf: Buffer): void {
    this.chunks.push(buf);
    this.pending += buf.length;
    this.bytes += buf.length;
  }

  /** Ethernet + IPv4 + (UDP | TCP) frame around `payload`. */
  frame(
    tsUs: number,
    src: number[],
    dst: number[],
    sport: number,
    dport: number,
    payload: Buffer,
    tcp?: { seq: number; ack: number; flags?: number },
  ): void {
    const l4len = tcp ? 20 : 8;
    const ipLen = 20 + l4len + payload.length;
    const frame = Buffer.alloc(14 + ipLen);
    frame.writeUInt32BE(0x02000000, 0);
    frame.writeUInt16BE(0x0001, 4);
    frame.writeUInt32BE(0x02000000, 6);
    frame.writeUInt16BE(0x0002, 10);
    frame.writeUInt16BE(0x0800, 12);
    frame[14] = 0x45;
    frame.writeUInt16BE(ipLen, 16);
    frame.writeUInt16BE(this.frames & 0xffff, 18);
    frame[22] = 64;
    frame[23] = tcp ? 6 : 17;
    for (let i = 0; i < 4; i++) {
      frame[26 + i] = src[i] ?? 0;
      frame[30 + i] = dst[i] ?? 0;
    }
    let sum = 0;
    for (let i = 14; i < 34; i += 2) sum += frame.readUInt16BE(i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    frame.writeUInt16BE(~sum & 0xffff, 24);
    frame.writeUInt16BE(sport, 34);
    frame.writeUInt16BE(dport, 36);
    if (tcp) {
      frame.writeUInt32BE(tcp.seq >>> 0, 38);
      frame.writeUInt32BE(tcp.ack >>> 0, 42);
      frame[46] = 0x50;
      frame[47] = tcp.flags ?? 0x18; // PSH|ACK unless told
      frame.writeUInt16BE(65535, 48);
      payload.copy(frame, 54);
    } else {
      frame.writeUInt16BE(8 + payload.length, 38);
      payload.copy(frame, 42);
    }
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(tsUs / 1e6), 0);
    rec.writeUInt32LE(tsUs % 1e6, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    this.push(rec);
    this.push(frame);
    this.frames++;
  }

  /** A ready-made frame (attack overlay). */
  raw(tsUs: number, frame: Buffer): void {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(tsUs / 1e6), 0);
    rec.writeUInt32LE(tsUs % 1e6, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    this.push(rec);
    this.push(frame);
    this.frames++;
  }

  async drainIfNeeded(): Promise<void> {
    if (this.pending < 1 << 22) return;
    const data = Buffer.concat(this.chunks);
    this.chunks = [];
    this.pending = 0;
    if (!this.stream.write(data)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.write(Buffer.concat(this.chunks));
    this.chunks = [];
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const random = rng(0x5195eed);
  const servers: number[][] = [];
  for (let k = 0; k < options.servers; k++) servers.push([192, 0, 2 + (k >> 8), 10 + (k & 0xff)]);
  const sites: Site[] = [];
  for (let i = 0; i < options.sites; i++) {
    const ip = [10, 20 + ((i >> 16) & 0xff), (i >> 8) & 0xff, i & 0xff || 1];
    const server = servers[i % servers.length] as number[];
    sites.push({
      ip,
      ipText: ip.join('.'),
      server,
      serverText: server.join('.'),
      port: 5060 + (i % 7),
      tcp: random() < options.tcpShare,
      connected: false,
      seqUp: Math.floor(random() * 0xffffffff),
      seqDown: Math.floor(random() * 0xffffffff),
    });
  }
  const writer = new PcapWriter(options.out);
  let tsUs = 1_795_000_000_000_000; // 2026-11-19
  let messages = 0;
  let dialog = 0;
  const SERVER_PORT = 5060;
  // A handful of external attackers, each aiming at one site's server over UDP.
  const attackers: Site[] = [];
  for (let a = 0; a < 12; a++) {
    const ip = [203, 0, 113, 10 + a];
    const server = servers[Math.floor(random() * servers.length)] as number[];
    attackers.push({
      ip,
      ipText: ip.join('.'),
      server,
      serverText: server.join('.'),
      port: 5060 + a,
      tcp: false,
      connected: false,
      seqUp: 0,
      seqDown: 0,
    });
  }
  const overlay =
    options.attacks === undefined ? undefined : new AttackOverlay(options.attacks, tsUs, options.attackEveryMs);

  const send = (site: Site, up: boolean, text: string, coalesceWith?: string): void => {
    tsUs += 20 + Math.floor(random() * 200);
    if (overlay !== undefined) {
      for (const a of overlay.due(tsUs)) {
        writer.raw(a.tsUs, a.frame);
        messages++;
      }
    }
    const payload = Buffer.from(coalesceWith ? text + coalesceWith : text, 'latin1');
    messages += coalesceWith ? 2 : 1;
    const [src, dst, sport, dport] = up
      ? [site.ip, site.server, site.port, SERVER_PORT]
      : [site.server, site.ip, SERVER_PORT, site.port];
    if (!site.tcp) {
      writer.frame(tsUs, src, dst, sport, dport, payload);
      return;
    }
    if (!site.connected) {
      // A real three-way handshake, so stream engines that ignore mid-stream pickup see the flow.
      const [client, server] = [site.ip, site.server];
      writer.frame(tsUs, client, server, site.port, SERVER_PORT, Buffer.alloc(0), {
        seq: site.seqUp - 1,
        ack: 0,
        flags: 0x02,
      });
      writer.frame(tsUs + 1, server, client, SERVER_PORT, site.port, Buffer.alloc(0), {
        seq: site.seqDown - 1,
        ack: site.seqUp,
        flags: 0x12,
      });
      writer.frame(tsUs + 2, client, server, site.port, SERVER_PORT, Buffer.alloc(0), {
        seq: site.seqUp,
        ack: site.seqDown,
        flags: 0x10,
      });
      tsUs += 3;
      site.connected = true;
    }
    // Split one message in three of every ten TCP sends across two segments.
    const pieces =
      !coalesceWith && random() < 0.3
        ? [payload.subarray(0, payload.length >> 1), payload.subarray(payload.length >> 1)]
        : [payload];
    for (const piece of pieces) {
      const seq = up ? site.seqUp : site.seqDown;
      const ack = up ? site.seqDown : site.seqUp;
      writer.frame(tsUs, src, dst, sport, dport, piece, { seq, ack });
      if (up) site.seqUp = (site.seqUp + piece.length) >>> 0;
      else site.seqDown = (site.seqDown + piece.length) >>> 0;
      tsUs += 1;
    }
  };

  /** One attack step (request + the server's answer) from `from`: scan, enumeration, cracking or flood. */
  const attack = (from: Site, id: number): void => {
    const kind = random();
    const ext = `${100 + Math.floor(random() * 9900)}`;
    const callId = `${id.toString(16)}-atk@${from.ipText}`;
    const branch = `z9hG4bK-x-${id}`;
    const tag = `at${id.toString(36)}`;
    const scanner = 'User-Agent: friendly-scanner\r\n';
    const head = (method: string, ruri: string, to: string, extra: string): string =>
      `${method} ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP ${from.ipText}:${from.port};branch=${branch};rport\r\n` +
      `Max-Forwards: 70\r\nFrom: "sipvicious"<sip:100@1.1.1.1>;tag=${tag}\r\nTo: <sip:${to}@${from.serverText}>\r\n` +
      `Call-ID: ${callId}\r\nCSeq: 1 ${method}\r\nContact: <sip:100@${from.ipText}:${from.port}>\r\n` +
      `${scanner}${extra}Accept: application/sdp\r\nContent-Length: 0\r\n\r\n`;
    const answer = (status: string, method: string, to: string): string =>
      `SIP/2.0 ${status}\r\nVia: SIP/2.0/UDP ${from.ipText}:${from.port};branch=${branch};rport=${from.port};received=${from.ipText}\r\n` +
      `From: "sipvicious"<sip:100@1.1.1.1>;tag=${tag}\r\nTo: <sip:${to}@${from.serverText}>;tag=sv${id.toString(36)}\r\n` +
      `Call-ID: ${callId}\r\nCSeq: 1 ${method}\r\nServer: Kamailio (5.6.3 (x86_64/linux))\r\nContent-Length: 0\r\n\r\n`;
    if (kind < 0.3) {
      send(from, true, head('OPTIONS', `sip:${ext}@${from.serverText}`, ext, ''));
      send(from, false, answer('200 OK', 'OPTIONS', ext));
    } else if (kind < 0.55) {
      send(from, true, head('REGISTER', `sip:${from.serverText}`, ext, ''));
      send(from, false, answer('404 Not Found', 'REGISTER', ext));
    } else if (kind < 0.8) {
      const auth = `Authorization: Digest username="${ext}", realm="${from.serverText}", nonce="${id.toString(16)}", uri="sip:${from.serverText}", response="00000000000000000000000000000000", algorithm=MD5\r\n`;
      send(from, true, head('REGISTER', `sip:${from.serverText}`, ext, auth));
      send(from, false, answer('403 Forbidden', 'REGISTER', ext));
    } else {
      send(from, true, head('INVITE', `sip:${ext}@${from.serverText}`, ext, ''));
      send(from, false, answer('100 Trying', 'INVITE', ext));
    }
  };

  while (messages < options.messages) {
    if (random() < options.attackShare) {
      attack(attackers[Math.floor(random() * attackers.length)] as Site, ++dialog);
      await writer.drainIfNeeded();
      continue;
    }
    const site = sites[Math.floor(random() * sites.length)] as Site;
    const SERVER = site.serverText;
    const transport = site.tcp ? 'TCP' : 'UDP';
    const user = `${1000 + Math.floor(random() * 9000)}`;
    const callee = `${2000 + Math.floor(random() * 7999)}`;
    const id = ++dialog;
    const callId = `${id.toString(16)}-${Math.floor(random() * 1e9).toString(36)}@${site.ipText}`;
    const fromTag = `ft${id.toString(36)}`;
    const toTag = `tt${id.toString(36)}`;
    const kind = random();
    if (kind < 0.3) {
      // REGISTER → 401 → REGISTER with credentials → 200
      const b1 = `z9hG4bK-r1-${id}`;
      const b2 = `z9hG4bK-r2-${id}`;
      const ruri = 'sip:example.net';
      send(
        site,
        true,
        request('REGISTER', ruri, site, transport, b1, user, fromTag, user, '', callId, 1, 'Expires: 3600\r\n', ''),
      );
      send(
        site,
        false,
        response(
          '401 Unauthorized',
          site,
          transport,
          b1,
          user,
          fromTag,
          user,
          toTag,
          callId,
          1,
          'REGISTER',
          `WWW-Authenticate: Digest realm="example.net", nonce="${id.toString(16)}abcdef", qop="auth", algorithm=MD5\r\n`,
          '',
        ),
      );
      const auth = `Authorization: Digest username="${user}", realm="example.net", nonce="${id.toString(16)}abcdef", uri="sip:example.net", response="0123456789abcdef0123456789abcdef", algorithm=MD5, cnonce="abc", qop=auth, nc=00000001\r\nExpires: 3600\r\n`;
      send(site, true, request('REGISTER', ruri, site, transport, b2, user, fromTag, user, '', callId, 2, auth, ''));
      send(
        site,
        false,
        response(
          '200 OK',
          site,
          transport,
          b2,
          user,
          fromTag,
          user,
          toTag,
          callId,
          2,
          'REGISTER',
          `Contact: <sip:${user}@${site.ipText}:${site.port}>;expires=3600\r\n`,
          '',
        ),
      );
    } else if (kind < 0.36) {
      // Presence: SUBSCRIBE → 200, NOTIFY (server → phone) → 200.
      const b = `z9hG4bK-s-${id}`;
      const event = 'Event: presence\r\nExpires: 600\r\nAccept: application/pidf+xml\r\n';
      send(
        site,
        true,
        request(
          'SUBSCRIBE',
          `sip:${callee}@example.net`,
          site,
          transport,
          b,
          user,
          fromTag,
          callee,
          '',
          callId,
          1,
          event,
          '',
        ),
      );
      send(
        site,
        false,
        response(
          '200 OK',
          site,
          transport,
          b,
          user,
          fromTag,
          callee,
          toTag,
          callId,
          1,
          'SUBSCRIBE',
          'Expires: 600\r\n',
          '',
        ),
      );
      const bn = `z9hG4bK-n-${id}`;
      send(
        site,
        false,
        request(
          'NOTIFY',
          `sip:${user}@${site.ipText}`,
          site,
          transport,
          bn,
          callee,
          toTag,
          user,
          fromTag,
          callId,
          1,
          'Event: presence\r\nSubscription-State: active;expires=600\r\n',
          '',
        ),
      );
      send(
        site,
        true,
        response('200 OK', site, transport, bn, callee, toTag, user, fromTag, callId, 1, 'NOTIFY', '', ''),
      );
    } else if (kind < 0.4) {
      const b = `z9hG4bK-o-${id}`;
      send(
        site,
        true,
        request(
          'OPTIONS',
          `sip:${SERVER}`,
          site,
          transport,
          b,
          user,
          fromTag,
          'ping',
          '',
          callId,
          1,
          'Accept: application/sdp\r\n',
          '',
        ),
      );
      send(
        site,
        false,
        response(
          '200 OK',
          site,
          transport,
          b,
          user,
          fromTag,
          'ping',
          toTag,
          callId,
          1,
          'OPTIONS',
          'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n',
          '',
        ),
      );
    } else {
      const b1 = `z9hG4bK-i-${id}`;
      const ruri = `sip:${callee}@example.net`;
      send(
        site,
        true,
        request(
          'INVITE',
          ruri,
          site,
          transport,
          b1,
          user,
          fromTag,
          callee,
          '',
          callId,
          1,
          'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n',
          sdp(site.ipText, 10000 + (id % 20000) * 2, id),
        ),
      );
      // 100 Trying and 180 Ringing travel coalesced in one TCP segment half the time.
      const trying = response(
        '100 Trying',
        site,
        transport,
        b1,
        user,
        fromTag,
        callee,
        '',
        callId,
        1,
        'INVITE',
        '',
        '',
      );
      const ringing = response(
        '180 Ringing',
        site,
        transport,
        b1,
        user,
        fromTag,
        callee,
        toTag,
        callId,
        1,
        'INVITE',
        `Contact: <sip:${callee}@${SERVER}>\r\n`,
        '',
      );
      if (site.tcp && random() < 0.5) send(site, false, trying, ringing);
      else {
        send(site, false, trying);
        send(site, false, ringing);
      }
      const outcome = random();
      const busy = outcome < 0.15;
      if (outcome > 0.9) {
        // The caller hangs up while it rings: CANCEL → 200, then 487 → ACK.
        send(site, true, request('CANCEL', ruri, site, transport, b1, user, fromTag, callee, '', callId, 1, '', ''));
        send(
          site,
          false,
          response('200 OK', site, transport, b1, user, fromTag, callee, '', callId, 1, 'CANCEL', '', ''),
        );
        send(
          site,
          false,
          response(
            '487 Request Terminated',
            site,
            transport,
            b1,
            user,
            fromTag,
            callee,
            toTag,
            callId,
            1,
            'INVITE',
            '',
            '',
          ),
        );
        send(site, true, request('ACK', ruri, site, transport, b1, user, fromTag, callee, toTag, callId, 1, '', ''));
      } else if (busy) {
        send(
          site,
          false,
          response('486 Busy Here', site, transport, b1, user, fromTag, callee, toTag, callId, 1, 'INVITE', '', ''),
        );
        send(site, true, request('ACK', ruri, site, transport, b1, user, fromTag, callee, toTag, callId, 1, '', ''));
      } else {
        send(
          site,
          false,
          response(
            '200 OK',
            site,
            transport,
            b1,
            user,
            fromTag,
            callee,
            toTag,
            callId,
            1,
            'INVITE',
            `Contact: <sip:${callee}@${SERVER}>\r\n`,
            sdp(SERVER, 30000 + (id % 10000) * 2, id + 1),
          ),
        );
        send(
          site,
          true,
          request(
            'ACK',
            `sip:${callee}@${SERVER}`,
            site,
            transport,
            `z9hG4bK-a-${id}`,
            user,
            fromTag,
            callee,
            toTag,
            callId,
            1,
            '',
            '',
          ),
        );
        const b3 = `z9hG4bK-b-${id}`;
        send(
          site,
          true,
          request(
            'BYE',
            `sip:${callee}@${SERVER}`,
            site,
            transport,
            b3,
            user,
            fromTag,
            callee,
            toTag,
            callId,
            2,
            '',
            '',
          ),
        );
        send(
          site,
          false,
          response('200 OK', site, transport, b3, user, fromTag, callee, toTag, callId, 2, 'BYE', '', ''),
        );
      }
    }
    await writer.drainIfNeeded();
  }
  await writer.close();
  process.stdout.write(
    JSON.stringify({
      out: options.out,
      messages,
      frames: writer.frames,
      bytes: writer.bytes,
      sites: options.sites,
      ...(overlay !== undefined ? { attack_messages: overlay.messages, attack_copies: overlay.started } : {}),
    }) + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`make-capture: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
