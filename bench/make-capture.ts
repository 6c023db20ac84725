//! Builds the large benchmark capture: SIP traffic of many phones spread over `--servers` sites
//! (each with its own registrar/proxy): registrations with digest challenges, calls (answered,
//! busy, cancelled), presence subscriptions, keepalives, over UDP and TCP — coalesced and split TCP
//! segments included — with attacks among them (`--attack-share`): SIPVicious-style OPTIONS scans,
//! extension enumeration, digest cracking and INVITE floods from a few external addresses.
//! Written as a classic µs pcap, streamed to disk.
//!   node dist/bench/make-capture.js OUT.pcap [--messages N] [--sites N] [--servers 23]
//!     [--tcp-share 0.3] [--attack-share 0.05]
//!     [--attacks ATTACKS.pcap --attack-every-ms N]   (recorded attacks laid over: attack-overlay.ts)
import { mulberry32 } from '../lib/src/prng';
import { ethernet, ipv4, udp, type Endpoint } from '../lib/src/test-support/capture/frames';
import { TcpFlow, segmentsOf, tcpSegmentBytes, type TcpSegment } from '../lib/src/test-support/capture/flows';
import { audioMedia, bodyHeaders, sdpBody, sipText, type SipBody } from '../lib/src/test-support/capture/sip';
import { PcapStreamWriter, packetAtUs } from '../lib/src/test-support/capture/pcap';
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
  /** A phone's (or attacker's) address. */
  phone: Endpoint;
  /** The site's registrar/proxy this phone (or attacker) talks to. */
  server: Endpoint;
  /** The phone's connection to its server, when it speaks TCP. */
  flow?: TcpFlow;
}

const SERVER_PORT = 5060;
const SERVER_UA = 'Server: Kamailio (5.6.3 (x86_64/linux))';
/** Ethernet addresses of every generated frame (recorded attack frames keep their own). */
const MACS = { dst: Buffer.from('020000000001', 'hex'), src: Buffer.from('020000000002', 'hex') };

function sdp(ip: string, port: number, id: number): SipBody {
  return sdpBody(ip, [audioMedia(port, '', '0-15')], { origin: `user1 ${id} ${id}` });
}

/** A phone's dialog with its site server: who calls whom, with which tags, over which transport. */
interface Dialog {
  site: Site;
  transport: 'UDP' | 'TCP';
  callId: string;
  /** The From side of the dialog's requests (the phone's, or the server's for NOTIFY). */
  from: string;
  fromTag: string;
  to: string;
  toTag: string;
}

const nameAddr = (user: string, tag: string, display = false): string =>
  `${display ? `"${user}" ` : ''}<sip:${user}@example.net>${tag ? `;tag=${tag}` : ''}`;

function request(
  d: Dialog,
  method: string,
  ruri: string,
  branch: string,
  cseq: number,
  extra: string[] = [],
  body?: SipBody,
): string {
  const { phone } = d.site;
  return sipText(
    `${method} ${ruri} SIP/2.0`,
    [
      `Via: SIP/2.0/${d.transport} ${phone.ip}:${phone.port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: ${nameAddr(d.from, d.fromTag, true)}`,
      `To: ${nameAddr(d.to, d.toTag)}`,
      `Call-ID: ${d.callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:${d.from}@${phone.ip}:${phone.port};transport=${d.transport.toLowerCase()}>`,
      'User-Agent: Yealink SIP-T46S 66.86.0.15',
      ...extra,
      ...bodyHeaders(body),
    ],
    body?.text,
  );
}

function response(
  d: Dialog,
  status: string,
  branch: string,
  cseq: number,
  method: string,
  extra: string[] = [],
  body?: SipBody,
): string {
  const { phone } = d.site;
  return sipText(
    `SIP/2.0 ${status}`,
    [
      `Via: SIP/2.0/${d.transport} ${phone.ip}:${phone.port};branch=${branch};rport=${phone.port};received=${phone.ip}`,
      `From: ${nameAddr(d.from, d.fromTag, true)}`,
      `To: ${nameAddr(d.to, d.toTag)}`,
      `Call-ID: ${d.callId}`,
      `CSeq: ${cseq} ${method}`,
      SERVER_UA,
      ...extra,
      ...bodyHeaders(body),
    ],
    body?.text,
  );
}

/** The same dialog with its To tag set (responses and requests after the first answer). */
const tagged = (d: Dialog, toTag: string): Dialog => ({ ...d, toTag });

/** Ethernet + IPv4 + UDP or TCP, IPv4 ids counting frames as a capturing host would see them. */
class FrameWriter {
  constructor(private readonly pcap: PcapStreamWriter) {}

  get frames(): number {
    return this.pcap.packets;
  }

  get bytes(): number {
    return this.pcap.bytes;
  }

  drainIfNeeded(): Promise<void> {
    return this.pcap.drainIfNeeded();
  }

  close(): Promise<void> {
    return this.pcap.close();
  }

  udp(tsUs: number, src: Endpoint, dst: Endpoint, payload: Buffer): void {
    this.ip(tsUs, src, dst, 17, udp(src.port, dst.port, payload));
  }

  tcp(tsUs: number, segment: TcpSegment): void {
    this.ip(tsUs, segment.src, segment.dst, 6, tcpSegmentBytes(segment));
  }

  /** A ready-made frame (attack overlay). */
  raw(tsUs: number, frame: Buffer): void {
    this.pcap.write(packetAtUs(tsUs, frame));
  }

  private ip(tsUs: number, src: Endpoint, dst: Endpoint, protocol: number, payload: Buffer): void {
    const id = this.pcap.packets & 0xffff;
    this.raw(tsUs, ethernet(0x0800, ipv4({ src: src.ip, dst: dst.ip, protocol, id, payload }), [], MACS));
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const random = rng(0x5195eed);
  const servers: Endpoint[] = [];
  for (let k = 0; k < options.servers; k++)
    servers.push({ ip: `192.0.${2 + (k >> 8)}.${10 + (k & 0xff)}`, port: SERVER_PORT });
  const sites: Site[] = [];
  for (let i = 0; i < options.sites; i++) {
    const phone = { ip: `10.${20 + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff || 1}`, port: 5060 + (i % 7) };
    const server = servers[i % servers.length] as Endpoint;
    // Drawn for every site, TCP or not, so the share does not shift the rest of the capture.
    const tcp = random() < options.tcpShare;
    const clientSeq = Math.floor(random() * 0xffffffff);
    const serverSeq = Math.floor(random() * 0xffffffff);
    sites.push({ phone, server, ...(tcp ? { flow: new TcpFlow(phone, server, clientSeq, serverSeq) } : {}) });
  }
  const writer = new FrameWriter(new PcapStreamWriter(options.out));
  let tsUs = 1_795_000_000_000_000; // 2026-11-19
  let messages = 0;
  let dialog = 0;
  // A handful of external attackers, each aiming at one site's server over UDP.
  const attackers: Site[] = [];
  for (let a = 0; a < 12; a++) {
    const server = servers[Math.floor(random() * servers.length)] as Endpoint;
    attackers.push({ phone: { ip: `203.0.113.${10 + a}`, port: 5060 + a }, server });
  }
  const overlay =
    options.attacks === undefined ? undefined : new AttackOverlay(options.attacks, tsUs, options.attackEveryMs);

  /** One or more messages (more: coalesced in one TCP segment) from the phone (`up`) or its server. */
  const send = (site: Site, up: boolean, ...texts: string[]): void => {
    tsUs += 20 + Math.floor(random() * 200);
    if (overlay !== undefined) {
      for (const a of overlay.due(tsUs)) {
        writer.raw(a.tsUs, a.frame);
        messages++;
      }
    }
    const payload = Buffer.from(texts.join(''), 'latin1');
    messages += texts.length;
    const { flow } = site;
    if (flow === undefined) {
      writer.udp(tsUs, up ? site.phone : site.server, up ? site.server : site.phone, payload);
      return;
    }
    if (!flow.connected) {
      // A real three-way handshake, so stream engines that ignore mid-stream pickup see the flow.
      for (const segment of flow.handshake()) writer.tcp(tsUs++, segment);
    }
    // Split one message in three of every ten TCP sends across two segments.
    const pieces = texts.length === 1 && random() < 0.3 ? segmentsOf(payload, 2) : [payload];
    for (const segment of flow.send(up, pieces)) writer.tcp(tsUs++, segment);
  };

  /** One attack step (request + the server's answer) from `from`: scan, enumeration, cracking or flood. */
  const attack = (from: Site, id: number): void => {
    const kind = random();
    const ext = `${100 + Math.floor(random() * 9900)}`;
    const { phone, server } = from;
    const callId = `${id.toString(16)}-atk@${phone.ip}`;
    const branch = `z9hG4bK-x-${id}`;
    const tag = `at${id.toString(36)}`;
    const head = (method: string, ruri: string, extra: string[] = []): string =>
      sipText(`${method} ${ruri} SIP/2.0`, [
        `Via: SIP/2.0/UDP ${phone.ip}:${phone.port};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: "sipvicious"<sip:100@1.1.1.1>;tag=${tag}`,
        `To: <sip:${ext}@${server.ip}>`,
        `Call-ID: ${callId}`,
        `CSeq: 1 ${method}`,
        `Contact: <sip:100@${phone.ip}:${phone.port}>`,
        'User-Agent: friendly-scanner',
        ...extra,
        'Accept: application/sdp',
        'Content-Length: 0',
      ]);
    const answer = (status: string, method: string): string =>
      sipText(`SIP/2.0 ${status}`, [
        `Via: SIP/2.0/UDP ${phone.ip}:${phone.port};branch=${branch};rport=${phone.port};received=${phone.ip}`,
        `From: "sipvicious"<sip:100@1.1.1.1>;tag=${tag}`,
        `To: <sip:${ext}@${server.ip}>;tag=sv${id.toString(36)}`,
        `Call-ID: ${callId}`,
        `CSeq: 1 ${method}`,
        SERVER_UA,
        'Content-Length: 0',
      ]);
    if (kind < 0.3) {
      send(from, true, head('OPTIONS', `sip:${ext}@${server.ip}`));
      send(from, false, answer('200 OK', 'OPTIONS'));
    } else if (kind < 0.55) {
      send(from, true, head('REGISTER', `sip:${server.ip}`));
      send(from, false, answer('404 Not Found', 'REGISTER'));
    } else if (kind < 0.8) {
      const auth = `Authorization: Digest username="${ext}", realm="${server.ip}", nonce="${id.toString(16)}", uri="sip:${server.ip}", response="00000000000000000000000000000000", algorithm=MD5`;
      send(from, true, head('REGISTER', `sip:${server.ip}`, [auth]));
      send(from, false, answer('403 Forbidden', 'REGISTER'));
    } else {
      send(from, true, head('INVITE', `sip:${ext}@${server.ip}`));
      send(from, false, answer('100 Trying', 'INVITE'));
    }
  };

  while (messages < options.messages) {
    if (random() < options.attackShare) {
      attack(attackers[Math.floor(random() * attackers.length)] as Site, ++dialog);
      await writer.drainIfNeeded();
      continue;
    }
    const site = sites[Math.floor(random() * sites.length)] as Site;
    const SERVER = site.server.ip;
    const user = `${1000 + Math.floor(random() * 9000)}`;
    const callee = `${2000 + Math.floor(random() * 7999)}`;
    const id = ++dialog;
    const d: Dialog = {
      site,
      transport: site.flow !== undefined ? 'TCP' : 'UDP',
      callId: `${id.toString(16)}-${Math.floor(random() * 1e9).toString(36)}@${site.phone.ip}`,
      from: user,
      fromTag: `ft${id.toString(36)}`,
      to: user,
      toTag: '',
    };
    const toTag = `tt${id.toString(36)}`;
    const kind = random();
    if (kind < 0.3) {
      // REGISTER → 401 → REGISTER with credentials → 200
      const b1 = `z9hG4bK-r1-${id}`;
      const b2 = `z9hG4bK-r2-${id}`;
      const ruri = 'sip:example.net';
      const nonce = `${id.toString(16)}abcdef`;
      send(site, true, request(d, 'REGISTER', ruri, b1, 1, ['Expires: 3600']));
      const challenge = `WWW-Authenticate: Digest realm="example.net", nonce="${nonce}", qop="auth", algorithm=MD5`;
      send(site, false, response(tagged(d, toTag), '401 Unauthorized', b1, 1, 'REGISTER', [challenge]));
      const auth = `Authorization: Digest username="${user}", realm="example.net", nonce="${nonce}", uri="sip:example.net", response="0123456789abcdef0123456789abcdef", algorithm=MD5, cnonce="abc", qop=auth, nc=00000001`;
      send(site, true, request(d, 'REGISTER', ruri, b2, 2, [auth, 'Expires: 3600']));
      const contact = `Contact: <sip:${user}@${site.phone.ip}:${site.phone.port}>;expires=3600`;
      send(site, false, response(tagged(d, toTag), '200 OK', b2, 2, 'REGISTER', [contact]));
    } else if (kind < 0.36) {
      // Presence: SUBSCRIBE → 200, NOTIFY (server → phone) → 200.
      const subscribe: Dialog = { ...d, to: callee };
      const b = `z9hG4bK-s-${id}`;
      const event = ['Event: presence', 'Expires: 600', 'Accept: application/pidf+xml'];
      send(site, true, request(subscribe, 'SUBSCRIBE', `sip:${callee}@example.net`, b, 1, event));
      send(site, false, response(tagged(subscribe, toTag), '200 OK', b, 1, 'SUBSCRIBE', ['Expires: 600']));
      const notify: Dialog = { ...d, from: callee, fromTag: toTag, to: user, toTag: d.fromTag };
      const bn = `z9hG4bK-n-${id}`;
      const state = ['Event: presence', 'Subscription-State: active;expires=600'];
      send(site, false, request(notify, 'NOTIFY', `sip:${user}@${site.phone.ip}`, bn, 1, state));
      send(site, true, response(notify, '200 OK', bn, 1, 'NOTIFY'));
    } else if (kind < 0.4) {
      const ping: Dialog = { ...d, to: 'ping' };
      const b = `z9hG4bK-o-${id}`;
      send(site, true, request(ping, 'OPTIONS', `sip:${SERVER}`, b, 1, ['Accept: application/sdp']));
      const allow = 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS';
      send(site, false, response(tagged(ping, toTag), '200 OK', b, 1, 'OPTIONS', [allow]));
    } else {
      const call: Dialog = { ...d, to: callee };
      const answered = tagged(call, toTag);
      const b1 = `z9hG4bK-i-${id}`;
      const ruri = `sip:${callee}@example.net`;
      const offer = sdp(site.phone.ip, 10000 + (id % 20000) * 2, id);
      send(site, true, request(call, 'INVITE', ruri, b1, 1, ['Allow: INVITE, ACK, BYE, CANCEL, OPTIONS'], offer));
      // 100 Trying and 180 Ringing travel coalesced in one TCP segment half the time.
      const trying = response(call, '100 Trying', b1, 1, 'INVITE');
      const ringing = response(answered, '180 Ringing', b1, 1, 'INVITE', [`Contact: <sip:${callee}@${SERVER}>`]);
      if (site.flow !== undefined && random() < 0.5) send(site, false, trying, ringing);
      else {
        send(site, false, trying);
        send(site, false, ringing);
      }
      const outcome = random();
      const busy = outcome < 0.15;
      if (outcome > 0.9) {
        // The caller hangs up while it rings: CANCEL → 200, then 487 → ACK.
        send(site, true, request(call, 'CANCEL', ruri, b1, 1));
        send(site, false, response(call, '200 OK', b1, 1, 'CANCEL'));
        send(site, false, response(answered, '487 Request Terminated', b1, 1, 'INVITE'));
        send(site, true, request(answered, 'ACK', ruri, b1, 1));
      } else if (busy) {
        send(site, false, response(answered, '486 Busy Here', b1, 1, 'INVITE'));
        send(site, true, request(answered, 'ACK', ruri, b1, 1));
      } else {
        const contact = `Contact: <sip:${callee}@${SERVER}>`;
        const answer = sdp(SERVER, 30000 + (id % 10000) * 2, id + 1);
        send(site, false, response(answered, '200 OK', b1, 1, 'INVITE', [contact], answer));
        send(site, true, request(answered, 'ACK', `sip:${callee}@${SERVER}`, `z9hG4bK-a-${id}`, 1));
        const b3 = `z9hG4bK-b-${id}`;
        send(site, true, request(answered, 'BYE', `sip:${callee}@${SERVER}`, b3, 2));
        send(site, false, response(answered, '200 OK', b3, 2, 'BYE'));
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
