//! Builds the JSONL fixtures of the IDENTITY, TOPOLOGY, DIALOG, MEDIA, CRYPTO and INTERCONNECT
//! signatures (SIP-HDR-01..04, SIP-TOP-01/02, SIP-DLG-01/02, SIP-SDP-01/02, SIP-CRY-03, SIP-IC-01/02).
//!
//!   npx tsx signatures/tools/make-fixtures-identity.ts            (from the repository root)
//!
//! Same path as make-fixtures.ts: wire text → the collector's parser → SIP events (fixture-kit.ts),
//! seeded PRNG and fixed clocks, so re-running rewrites identical files. These signatures read the
//! site (signatures/test-site.yaml, the "fixture world") and dialog state, so the addresses below are
//! chosen for their zone: internal 10.0.0.0/8, border 198.51.100.10/.20/.30 (.30 faces interconnects),
//! trusted peer carrier-a 192.0.2.0/28 (host sbc.carrier-a.example), trusted pbx-branch 10.20.0.5,
//! everything else external (attackers 203.0.113.0/24, random internet 198.18.0.0/15).
//! Messages are written by hand here (not renderRequest) because these scenarios need several Via
//! headers, Route/Record-Route sets, P-headers, in-dialog requests in both directions and TLS.

import type { Transport } from '../../schema/src/sip-event';
import type { Clock } from '../../lib/src/test-support/capture/dialogs';
import {
  type Endpoint,
  type MessageSpec,
  type SipBody,
  UA,
  audioMedia,
  nameAddr,
  newBranch,
  renderMessage,
  sdpBody,
  viaValue,
} from '../../lib/src/test-support/capture/sip';
import type { Fixture } from './fixture-kit';
import { written, decodeCapture, writeEvents, REGISTRAR, PROXY, DOMAIN, scenario } from './fixture-kit';

// ---------------------------------------------------------------------------------------------
// The fixture world's actors

/** Interconnect-facing SBC (`border[].interconnect: true`). */
const IC_SBC: Endpoint = { ip: '198.51.100.30', port: 5060 };
/** A second node of the proxy cluster: not in `border`, so the site calls it external. */
const PROXY_B: Endpoint = { ip: '198.51.100.21', port: 5060 };
/** Trusted peer carrier-a (assert_identity, diversion, interconnect). */
const CARRIER: Endpoint = { ip: '192.0.2.5', port: 5060 };
const CARRIER_HOST = 'sbc.carrier-a.example';
/** Trusted peer pbx-branch (assert_identity, diversion; not an interconnect). */
const BRANCH_PBX: Endpoint = { ip: '10.20.0.5', port: 5060 };
/** An office phone and the office PBX (internal). */
const PHONE: Endpoint = { ip: '10.77.4.10', port: 5060 };
const PBX: Endpoint = { ip: '10.77.0.22', port: 5060 };
/** A remote worker's softphone on the internet, behind NAT (private Via/Contact/SDP inside). */
const REMOTE: Endpoint = { ip: '198.18.7.20', port: 5060 };
const REMOTE_LAN = '192.168.1.20';
/** Attackers. */
const ATTACKER: Endpoint = { ip: '203.0.113.45', port: 5060 };
const EAVESDROPPER = '203.0.113.77';
/** An operator nobody configured, knocking on the interconnect SBC. */
const STRANGER: Endpoint = { ip: '198.18.40.7', port: 5060 };

// ---------------------------------------------------------------------------------------------
// Wire text

const voice = (ip: string, port: number): SipBody => sdpBody(ip, [audioMedia(port)]);

// ---------------------------------------------------------------------------------------------
// Dialogs: an INVITE call and requests inside it, in either direction

interface CallOptions {
  caller: Endpoint;
  callee: Endpoint;
  callerUser: string;
  calleeUser: string;
  /** Host of From/To/Request-URI. */
  domain?: string;
  /** Via values below the caller's own (a proxied INVITE). */
  lowerVias?: string[];
  /** Host written in the caller's own (top) Via; default caller.ip. */
  callerViaHost?: string;
  callerContactHost?: string;
  calleeContactHost?: string;
  callerSdp?: SipBody | null;
  calleeSdp?: SipBody | null;
  /** Extra headers on the INVITE. */
  inviteHeaders?: string[];
  /** Extra headers on the 180/200 (Record-Route, PAI ...). */
  answerHeaders?: string[];
  /** Final answer; default 200. */
  final?: number;
  ringMs?: number;
  transport?: Transport;
  callerUa?: string;
  calleeServer?: string;
}

/** The everyday call of these fixtures: office phone 1001 calls a UK mobile through the proxy. */
const OFFICE_CALL: CallOptions = { caller: PHONE, callee: PROXY, callerUser: '1001', calleeUser: '+447700900123' };

interface Dialog {
  f: Fixture;
  o: CallOptions;
  callId: string;
  fromTag: string;
  toTag: string;
  cseqCaller: number;
  cseqCallee: number;
  transport: Transport;
  domain: string;
  /** Via headers of the initial INVITE (a CANCEL repeats the top one, RFC 3261 §9.1). */
  inviteVias: string[];
}

/** INVITE → 100 → 180 → final (→ ACK for 2xx). Returns the dialog for in-dialog requests. */
function call(f: Fixture, c: Clock, o: CallOptions): Dialog {
  const r = f.r;
  const domain = o.domain ?? DOMAIN;
  const transport = o.transport ?? 'udp';
  const d: Dialog = {
    f,
    o,
    callId: `${r.hex(16)}@${o.callerViaHost ?? o.caller.ip}`,
    fromTag: r.hex(8),
    toTag: r.hex(10),
    cseqCaller: 1,
    cseqCallee: 100,
    transport,
    domain,
    inviteVias: [],
  };
  const vias = [
    viaValue(o.callerViaHost ?? o.caller.ip, o.caller.port, newBranch(r), transport),
    ...(o.lowerVias ?? []),
  ];
  d.inviteVias = vias;
  const from = nameAddr({ user: o.callerUser, host: domain, tag: d.fromTag });
  const toNoTag = nameAddr({ user: o.calleeUser, host: domain });
  const toTagged = nameAddr({ user: o.calleeUser, host: domain, tag: d.toTag });
  const callerSdp = o.callerSdp === undefined ? voice(o.caller.ip, 10000 + 2 * r.int(0, 9999)) : o.callerSdp;
  const invite: MessageSpec = {
    start: `INVITE sip:${o.calleeUser}@${domain} SIP/2.0`,
    vias,
    maxForwards: 70,
    from,
    to: toNoTag,
    callId: d.callId,
    cseq: '1 INVITE',
    contact: `<sip:${o.callerUser}@${o.callerContactHost ?? o.caller.ip}:${o.caller.port}>`,
    headers: [...(o.callerUa !== undefined ? [`User-Agent: ${o.callerUa}`] : []), ...(o.inviteHeaders ?? [])],
    ...(callerSdp !== null ? { body: callerSdp } : {}),
  };
  f.wire(renderMessage(invite), o.caller, o.callee, c.us, transport);
  const server = o.calleeServer !== undefined ? [`Server: ${o.calleeServer}`] : [];
  const respond = (status: number, reason: string, tagged: boolean, extra: Partial<MessageSpec> = {}): void => {
    f.wire(
      renderMessage({
        start: `SIP/2.0 ${status} ${reason}`,
        vias,
        from,
        to: tagged ? toTagged : toNoTag,
        callId: d.callId,
        cseq: '1 INVITE',
        headers: [...server, ...(extra.headers ?? [])],
        ...(extra.contact !== undefined ? { contact: extra.contact } : {}),
        ...(extra.body !== undefined ? { body: extra.body } : {}),
      }),
      o.callee,
      o.caller,
      c.us,
      transport,
    );
  };
  const calleeContact = `<sip:${o.calleeUser}@${o.calleeContactHost ?? o.callee.ip}:${o.callee.port}>`;
  c.advanceMs(3);
  respond(100, 'Trying', false);
  c.advanceMs(40);
  respond(180, 'Ringing', true, { contact: calleeContact, headers: o.answerHeaders ?? [] });
  c.advanceMs(o.ringMs ?? 2500);
  const final = o.final ?? 200;
  if (final === 200) {
    const calleeSdp = o.calleeSdp === undefined ? voice(o.callee.ip, 20000 + 2 * r.int(0, 9999)) : o.calleeSdp;
    respond(200, 'OK', true, {
      contact: calleeContact,
      headers: o.answerHeaders ?? [],
      ...(calleeSdp !== null ? { body: calleeSdp } : {}),
    });
    c.advanceMs(2);
    inDialog(d, c, { method: 'ACK', byCaller: true, cseq: 1, noResponse: true });
  } else if (final > 0) {
    respond(final, final === 486 ? 'Busy Here' : final === 403 ? 'Forbidden' : 'Request Terminated', true);
    c.advanceMs(1);
    f.wire(
      renderMessage({
        start: `ACK sip:${o.calleeUser}@${domain} SIP/2.0`,
        vias,
        maxForwards: 70,
        from,
        to: toTagged,
        callId: d.callId,
        cseq: '1 ACK',
      }),
      o.caller,
      o.callee,
      c.us,
      transport,
    );
  }
  return d;
}

interface InDialogOptions {
  method: string;
  /** Sent with the caller's tags (From = caller) or the callee's. */
  byCaller: boolean;
  /** Where the packet comes from; default the party's own address. */
  src?: Endpoint;
  dst?: Endpoint;
  body?: SipBody;
  headers?: string[];
  cseq?: number;
  /** Answer with 200 OK (default) unless true. */
  noResponse?: boolean;
  responseBody?: SipBody;
}

function inDialog(d: Dialog, c: Clock, q: InDialogOptions): void {
  const { f, o } = d;
  const r = f.r;
  const src = q.src ?? (q.byCaller ? o.caller : o.callee);
  const dst = q.dst ?? (q.byCaller ? o.callee : o.caller);
  const callerAddr = nameAddr({ user: o.callerUser, host: d.domain, tag: d.fromTag });
  const calleeAddr = nameAddr({ user: o.calleeUser, host: d.domain, tag: d.toTag });
  const seq = q.cseq ?? (q.byCaller ? ++d.cseqCaller : ++d.cseqCallee);
  const targetUser = q.byCaller ? o.calleeUser : o.callerUser;
  const targetHost = q.byCaller ? (o.calleeContactHost ?? o.callee.ip) : (o.callerContactHost ?? o.caller.ip);
  const vias = [viaValue(src.ip, src.port, newBranch(r), d.transport)];
  const spec: MessageSpec = {
    start: `${q.method} sip:${targetUser}@${targetHost}:${dst.port} SIP/2.0`,
    vias,
    maxForwards: 70,
    from: q.byCaller ? callerAddr : calleeAddr,
    to: q.byCaller ? calleeAddr : callerAddr,
    callId: d.callId,
    cseq: `${seq} ${q.method}`,
    ...(q.method === 'INVITE' || q.method === 'UPDATE' || q.method === 'REFER'
      ? { contact: `<sip:${q.byCaller ? o.callerUser : o.calleeUser}@${src.ip}:${src.port}>` }
      : {}),
    headers: q.headers ?? [],
    ...(q.body !== undefined ? { body: q.body } : {}),
  };
  f.wire(renderMessage(spec), src, dst, c.us, d.transport);
  if (q.noResponse === true || q.method === 'ACK') return;
  c.advanceMs(4);
  // An offer in a re-INVITE is answered in the 200 (RFC 3264); by default at the answerer's address.
  const answer = q.responseBody ?? (q.method === 'INVITE' && q.body !== undefined ? voice(dst.ip, 40000) : undefined);
  f.wire(
    renderMessage({
      start: q.method === 'REFER' ? 'SIP/2.0 202 Accepted' : 'SIP/2.0 200 OK',
      vias,
      from: spec.from,
      to: spec.to,
      callId: d.callId,
      cseq: spec.cseq,
      ...(answer !== undefined ? { body: answer } : {}),
    }),
    dst,
    src,
    c.us,
    d.transport,
  );
  if (q.method === 'INVITE') {
    c.advanceMs(2);
    f.wire(
      renderMessage({
        start: `ACK sip:${targetUser}@${targetHost}:${dst.port} SIP/2.0`,
        vias: [viaValue(src.ip, src.port, newBranch(r), d.transport)],
        maxForwards: 70,
        from: spec.from,
        to: spec.to,
        callId: d.callId,
        cseq: `${seq} ACK`,
      }),
      src,
      dst,
      c.us,
      d.transport,
    );
  }
}

/** One out-of-dialog request (new Call-ID), optionally answered. */
function request(
  f: Fixture,
  c: Clock,
  src: Endpoint,
  dst: Endpoint,
  q: {
    method: string;
    ruri: string;
    fromUser?: string;
    toUser?: string;
    domain?: string;
    viaHost?: string;
    lowerVias?: string[];
    headers?: string[];
    body?: SipBody;
    status?: number;
    reason?: string;
    responseHeaders?: string[];
    transport?: Transport;
    toTag?: string;
  },
): void {
  const r = f.r;
  const domain = q.domain ?? DOMAIN;
  const transport = q.transport ?? 'udp';
  const vias = [viaValue(q.viaHost ?? src.ip, src.port, newBranch(r), transport), ...(q.lowerVias ?? [])];
  const from = nameAddr({ user: q.fromUser, host: domain, tag: r.hex(8) });
  const to = nameAddr({ user: q.toUser, host: domain, tag: q.toTag });
  const callId = `${r.hex(20)}`;
  const cseq = `1 ${q.method}`;
  const contactUser = q.fromUser ?? 'anonymous';
  f.wire(
    renderMessage({
      start: `${q.method} ${q.ruri} SIP/2.0`,
      vias,
      maxForwards: 70,
      from,
      to,
      callId,
      cseq,
      ...(q.method === 'INVITE' || q.method === 'REGISTER' || q.method === 'REFER' || q.method === 'OPTIONS'
        ? { contact: `<sip:${contactUser}@${q.viaHost ?? src.ip}:${src.port}>` }
        : {}),
      headers: q.headers ?? [],
      ...(q.body !== undefined ? { body: q.body } : {}),
    }),
    src,
    dst,
    c.us,
    transport,
  );
  if (q.status === undefined) return;
  c.advanceMs(2 + r.int(0, 3));
  f.wire(
    renderMessage({
      start: `SIP/2.0 ${q.status} ${q.reason ?? (q.status === 200 ? 'OK' : q.status === 403 ? 'Forbidden' : 'Accepted')}`,
      vias,
      from,
      to: q.status > 100 && q.toTag === undefined ? nameAddr({ user: q.toUser, host: domain, tag: r.hex(10) }) : to,
      callId,
      cseq,
      headers: q.responseHeaders ?? [],
    }),
    dst,
    src,
    c.us,
    transport,
  );
}

// ---------------------------------------------------------------------------------------------
// IDENTITY: SIP-HDR-01..04

function hdr01(): void {
  const dir = 'identity/SIP-HDR-01';
  // Attacker on the internet calls through the access proxy asserting one of the operator's own
  // numbers in P-Asserted-Identity: a trust-domain header from outside the trust domain.
  scenario(`${dir}/positive/pai-from-internet.jsonl`, 3101, '2026-11-21T09:00:00Z', (f, c) => {
    for (const target of ['+447700900123', '+447700900456']) {
      call(f, c, {
        caller: ATTACKER,
        callee: PROXY,
        callerUser: '+442079460100',
        calleeUser: target,
        inviteHeaders: [`P-Asserted-Identity: <sip:+442079460100@${DOMAIN};user=phone>`],
        final: 486,
        callerUa: UA.zoiper,
      });
      c.advanceMs(5000);
    }
  });
  // P-Preferred-Identity sent straight to an internal PBX (exposed by port forwarding), bypassing
  // the border proxy that would have vetted it.
  scenario(`${dir}/positive/ppi-to-internal-pbx.jsonl`, 3102, '2026-11-21T09:30:00Z', (f, c) => {
    call(f, c, {
      caller: ATTACKER,
      callee: PBX,
      callerUser: '1001',
      calleeUser: '00882345678901',
      inviteHeaders: [`P-Preferred-Identity: <sip:1001@${DOMAIN}>`],
      final: 403,
    });
  });
  // The same spoof with the sender's Via and Contact host set to carrier-a's SBC name: a header
  // the attacker writes must not buy the peer's assert_identity right (trust is by address).
  scenario(`${dir}/positive/pai-via-host-claims-trusted-peer.jsonl`, 3107, '2026-11-21T09:45:00Z', (f, c) => {
    call(f, c, {
      caller: ATTACKER,
      callee: IC_SBC,
      callerUser: '+442079460100',
      calleeUser: '+447700900123',
      callerViaHost: CARRIER_HOST,
      callerContactHost: CARRIER_HOST,
      inviteHeaders: [`P-Asserted-Identity: <sip:+442079460100@${DOMAIN};user=phone>`],
      final: 403,
    });
  });
  // Trusted interconnect peer carrier-a (assert_identity: true) delivers a call with PAI.
  scenario(`${dir}/negative/pai-from-trusted-carrier.jsonl`, 3103, '2026-11-21T10:00:00Z', (f, c) => {
    call(f, c, {
      caller: CARRIER,
      callee: IC_SBC,
      callerUser: '+441632960001',
      calleeUser: '+442079460123',
      callerViaHost: CARRIER_HOST,
      inviteHeaders: [`P-Asserted-Identity: <sip:+441632960001@carrier-a.example;user=phone>`, 'Privacy: none'],
    });
  });
  // Remote softphone on the internet sends P-Preferred-Identity to the access proxy — the RFC 3325
  // UNI behaviour: the proxy vets it and asserts PAI itself.
  scenario(`${dir}/negative/ppi-from-remote-softphone-to-proxy.jsonl`, 3104, '2026-11-21T10:30:00Z', (f, c) => {
    call(f, c, {
      caller: REMOTE,
      callee: PROXY,
      callerUser: '1002',
      calleeUser: '1003',
      callerViaHost: REMOTE_LAN,
      callerContactHost: REMOTE_LAN,
      callerSdp: voice(REMOTE_LAN, 4000),
      inviteHeaders: [`P-Preferred-Identity: "Bob" <sip:1002@${DOMAIN}>`],
      callerUa: UA.linphone,
    });
  });
  // Withheld-number call: the UA asks for privacy (RFC 3323) — no identity is asserted.
  scenario(`${dir}/negative/privacy-id-anonymous-call.jsonl`, 3105, '2026-11-21T11:00:00Z', (f, c) => {
    call(f, c, {
      caller: REMOTE,
      callee: PROXY,
      callerUser: 'anonymous',
      calleeUser: '1003',
      domain: 'anonymous.invalid',
      inviteHeaders: ['Privacy: id'],
      callerUa: UA.linphone,
    });
  });
  // Outbound call answered by an external party whose 180/200 carry PAI (RFC 3325 allows PAI in
  // responses; the signature looks at requests only).
  scenario(`${dir}/negative/pai-in-responses-from-external.jsonl`, 3106, '2026-11-21T11:30:00Z', (f, c) => {
    call(f, c, {
      caller: PROXY,
      callee: REMOTE,
      callerUser: '1001',
      calleeUser: '1002',
      answerHeaders: [`P-Asserted-Identity: <sip:1002@${DOMAIN}>`],
    });
  });
}

function hdr02(): void {
  const dir = 'identity/SIP-HDR-02';
  // Voicemail hijack: an internet caller claims the call was diverted from the victim's extension,
  // so the voicemail server opens the victim's mailbox.
  scenario(`${dir}/positive/diversion-from-internet.jsonl`, 3201, '2026-11-21T12:00:00Z', (f, c) => {
    call(f, c, {
      caller: ATTACKER,
      callee: PROXY,
      callerUser: '1001',
      calleeUser: 'voicemail',
      inviteHeaders: [`Diversion: <sip:1001@${DOMAIN}>;reason=no-answer;counter=1`],
    });
  });
  // Out-of-dialog REFER from the internet asking the PBX to call a satellite number.
  scenario(`${dir}/positive/out-of-dialog-refer.jsonl`, 3202, '2026-11-21T12:30:00Z', (f, c) => {
    request(f, c, ATTACKER, PBX, {
      method: 'REFER',
      ruri: `sip:1001@${PBX.ip}`,
      fromUser: '1001',
      toUser: '1001',
      headers: [`Refer-To: <sip:00881612345678@${DOMAIN}>`, `Referred-By: <sip:1001@${DOMAIN}>`],
      status: 202,
    });
  });
  // carrier-a (diversion: true) delivers a call forwarded in its network: Diversion + History-Info.
  scenario(`${dir}/negative/carrier-forwarded-call.jsonl`, 3203, '2026-11-21T13:00:00Z', (f, c) => {
    call(f, c, {
      caller: CARRIER,
      callee: IC_SBC,
      callerUser: '+441632960001',
      calleeUser: '+442079460123',
      callerViaHost: CARRIER_HOST,
      inviteHeaders: [
        `Diversion: <sip:+441632960777@carrier-a.example>;reason=unconditional;counter=1`,
        `History-Info: <sip:+441632960777@carrier-a.example>;index=1, <sip:+442079460123@${DOMAIN};cause=302>;index=1.1`,
      ],
    });
  });
  // A remote worker on the internet blind-transfers an established call: REFER inside the dialog,
  // from the dialog's own party.
  scenario(`${dir}/negative/remote-user-blind-transfer.jsonl`, 3204, '2026-11-21T13:30:00Z', (f, c) => {
    const d = call(f, c, {
      caller: REMOTE,
      callee: PROXY,
      callerUser: '1002',
      calleeUser: '1003',
      callerUa: UA.zoiper,
    });
    c.advanceMs(15000);
    inDialog(d, c, {
      method: 'REFER',
      byCaller: true,
      headers: [`Refer-To: <sip:1004@${DOMAIN}>`, `Referred-By: <sip:1002@${DOMAIN}>`],
    });
  });
  // A UAC adding its own single History-Info entry for the Request-URI (RFC 7044 §9.1): no diversion.
  scenario(`${dir}/negative/uac-single-history-info.jsonl`, 3205, '2026-11-21T14:00:00Z', (f, c) => {
    call(f, c, {
      caller: REMOTE,
      callee: PROXY,
      callerUser: '1002',
      calleeUser: '1003',
      inviteHeaders: [`History-Info: <sip:1003@${DOMAIN}>;index=1`],
    });
  });
  // The office PBX (internal) forwards a call to a mobile via the proxy, with Diversion.
  scenario(`${dir}/negative/internal-pbx-forward.jsonl`, 3206, '2026-11-21T14:30:00Z', (f, c) => {
    call(f, c, {
      caller: PBX,
      callee: PROXY,
      callerUser: '+441632960001',
      calleeUser: '+447700900789',
      inviteHeaders: [`Diversion: <sip:+442079460123@${DOMAIN}>;reason=unconditional`],
    });
  });
}

function hdr03(): void {
  const dir = 'identity/SIP-HDR-03';
  // Forged IMS charging and location headers from the internet (P-CSCF must create them).
  scenario(`${dir}/positive/forged-ims-headers-from-internet.jsonl`, 3301, '2026-11-21T15:00:00Z', (f, c) => {
    call(f, c, {
      caller: ATTACKER,
      callee: PROXY,
      callerUser: '+447700900321',
      calleeUser: '+442079460123',
      inviteHeaders: [
        'P-Charging-Vector: icid-value=AyretyU0dm+6O2IrT5tAFrbHLso=;orig-ioi=carrier-a.example',
        'P-Access-Network-Info: 3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=2341509999999999',
        `P-Served-User: <sip:+442079460100@${DOMAIN}>;sescase=orig;regstate=reg`,
      ],
      final: 486,
    });
  });
  // carrier-a on the NNI: P-Charging-Vector and PAI are expected there (IR.95).
  scenario(`${dir}/negative/carrier-nni-p-headers.jsonl`, 3302, '2026-11-21T15:30:00Z', (f, c) => {
    call(f, c, {
      caller: CARRIER,
      callee: IC_SBC,
      callerUser: '+441632960001',
      calleeUser: '+442079460123',
      callerViaHost: CARRIER_HOST,
      inviteHeaders: [
        'P-Charging-Vector: icid-value=1-5f3c2a;orig-ioi=carrier-a.example',
        `P-Asserted-Identity: <sip:+441632960001@carrier-a.example;user=phone>`,
      ],
    });
  });
  // A softphone on the internet with the P-headers a UA may send (PPI, P-Early-Media: supported).
  scenario(`${dir}/negative/softphone-p-early-media.jsonl`, 3303, '2026-11-21T16:00:00Z', (f, c) => {
    call(f, c, {
      caller: REMOTE,
      callee: PROXY,
      callerUser: '1002',
      calleeUser: '1003',
      inviteHeaders: [`P-Preferred-Identity: <sip:1002@${DOMAIN}>`, 'P-Early-Media: supported'],
      callerUa: UA.linphone,
    });
  });
  // Inside the trust domain: an internal P-CSCF → proxy leg carries IMS headers legitimately.
  scenario(`${dir}/negative/core-internal-p-headers.jsonl`, 3304, '2026-11-21T16:30:00Z', (f, c) => {
    call(f, c, {
      caller: { ip: '10.77.0.30', port: 5060 },
      callee: PROXY,
      callerUser: '+442079460100',
      calleeUser: '+442079460123',
      inviteHeaders: [
        'P-Charging-Vector: icid-value=pcscf-77-0001;orig-ioi=voip.example.net',
        'P-Visited-Network-ID: "voip.example.net"',
        'P-Access-Network-Info: IEEE-802.11; i-wlan-node-id=ffffffffffff',
      ],
    });
  });
}

function hdr04(): void {
  const dir = 'identity/SIP-HDR-04';
  // Pre-loaded Route to an internal PBX: using the access proxy as a relay into the LAN.
  scenario(`${dir}/positive/route-to-internal-host.jsonl`, 3401, '2026-11-22T09:00:00Z', (f, c) => {
    call(f, c, {
      caller: ATTACKER,
      callee: PROXY,
      callerUser: '1001',
      calleeUser: '00882345678901',
      inviteHeaders: [`Route: <sip:${PBX.ip}:5060;lr>`],
      final: 403,
    });
  });
  // Three-hop route set pre-loaded by an internet client, steering the call via foreign gateways.
  scenario(`${dir}/positive/three-hop-route-set.jsonl`, 3402, '2026-11-22T09:30:00Z', (f, c) => {
    call(f, c, {
      caller: ATTACKER,
      callee: PROXY,
      callerUser: '1001',
      calleeUser: '+447700900123',
      inviteHeaders: [
        `Route: <sip:${PROXY.ip};lr>, <sip:gw1.transit.example;lr>`,
        'Route: <sip:premium-gw.example;lr>',
      ],
      final: 403,
    });
  });
  // Softphone with an outbound proxy: one pre-loaded Route naming the access proxy (RFC 3261 §8.1.2).
  scenario(`${dir}/negative/outbound-proxy-single-route.jsonl`, 3403, '2026-11-22T10:00:00Z', (f, c) => {
    call(f, c, {
      caller: REMOTE,
      callee: PROXY,
      callerUser: '1002',
      calleeUser: '1003',
      inviteHeaders: [`Route: <sip:${PROXY.ip}:5060;lr>`],
      callerUa: UA.zoiper,
    });
  });
  // In-dialog BYE from the internet following the dialog's route set (two hops, one internal):
  // the route set was learnt from Record-Route, the request carries a To-tag.
  scenario(`${dir}/negative/in-dialog-bye-with-route-set.jsonl`, 3404, '2026-11-22T10:30:00Z', (f, c) => {
    const rr = `Record-Route: <sip:${PROXY.ip};lr>, <sip:${PBX.ip};lr>`;
    const d = call(f, c, {
      caller: REMOTE,
      callee: PROXY,
      callerUser: '1002',
      calleeUser: '1003',
      inviteHeaders: [`Route: <sip:${PROXY.ip};lr>`],
      answerHeaders: [rr],
    });
    c.advanceMs(20000);
    inDialog(d, c, { method: 'BYE', byCaller: true, headers: [`Route: <sip:${PROXY.ip};lr>, <sip:${PBX.ip};lr>`] });
  });
  // The internal PBX pre-loads a two-hop route set (inside the operator's network).
  scenario(`${dir}/negative/internal-pbx-route-set.jsonl`, 3405, '2026-11-22T11:00:00Z', (f, c) => {
    call(f, c, {
      caller: PBX,
      callee: PROXY,
      callerUser: '1001',
      calleeUser: '+447700900123',
      inviteHeaders: [`Route: <sip:${PROXY.ip};lr>, <sip:${IC_SBC.ip};lr>`],
    });
  });
}

// ---------------------------------------------------------------------------------------------
// TOPOLOGY: SIP-TOP-01/02

function top01(): void {
  const dir = 'topology/SIP-TOP-01';
  // The proxy forwards an office call to carrier-a without topology hiding: the phone's Via,
  // Contact and SDP address (10.77.4.10) leave the operator's network.
  scenario(`${dir}/positive/proxy-leaks-internal-via-contact-sdp.jsonl`, 4101, '2026-11-22T12:00:00Z', (f, c) => {
    call(f, c, {
      caller: PROXY,
      callee: CARRIER,
      callerUser: '+442079460100',
      calleeUser: '+441632960001',
      domain: 'carrier-a.example',
      lowerVias: [viaValue(PHONE.ip, PHONE.port, 'z9hG4bK-phone-77a1')],
      callerContactHost: PHONE.ip,
      callerSdp: voice(PHONE.ip, 11000),
      calleeSdp: voice(CARRIER.ip, 31000),
    });
  });
  // Inbound from a NATed remote worker: private addresses arrive from outside — not our leak.
  scenario(`${dir}/negative/inbound-from-nated-customer.jsonl`, 4102, '2026-11-22T12:30:00Z', (f, c) => {
    // Only the inbound INVITE (no answers): the next fixture has the proxy's responses.
    const r = f.r;
    f.wire(
      renderMessage({
        start: `INVITE sip:1003@${DOMAIN} SIP/2.0`,
        vias: [viaValue(REMOTE_LAN, REMOTE.port, newBranch(r))],
        maxForwards: 70,
        from: nameAddr({ user: '1002', host: DOMAIN, tag: r.hex(8) }),
        to: nameAddr({ user: '1003', host: DOMAIN }),
        callId: `${r.hex(16)}@${REMOTE_LAN}`,
        cseq: '1 INVITE',
        contact: `<sip:1002@${REMOTE_LAN}:5060>`,
        body: voice(REMOTE_LAN, 4000),
      }),
      REMOTE,
      PROXY,
      c.us,
    );
  });
  // The proxy answers that NATed customer: its responses echo the customer's private Via (RFC 3261
  // §8.2.6.2) but its own Contact and SDP are public.
  scenario(`${dir}/negative/responses-echo-customer-private-via.jsonl`, 4103, '2026-11-22T13:00:00Z', (f, c) => {
    call(f, c, {
      caller: REMOTE,
      callee: PROXY,
      callerUser: '1002',
      calleeUser: '1003',
      callerViaHost: REMOTE_LAN,
      callerContactHost: REMOTE_LAN,
      callerSdp: voice(REMOTE_LAN, 4000),
      calleeSdp: voice(PROXY.ip, 40000),
    });
  });
  // Topology hidden: the proxy presents only its own public address towards carrier-a.
  scenario(`${dir}/negative/topology-hidden-outbound.jsonl`, 4104, '2026-11-22T13:30:00Z', (f, c) => {
    call(f, c, {
      caller: PROXY,
      callee: CARRIER,
      callerUser: '+442079460100',
      calleeUser: '+441632960001',
      domain: 'carrier-a.example',
      callerSdp: voice(PROXY.ip, 40010),
      calleeSdp: voice(CARRIER.ip, 31000),
    });
  });
  // Phone → office PBX inside the LAN: private addresses everywhere, nothing leaves.
  scenario(`${dir}/negative/internal-call.jsonl`, 4105, '2026-11-22T14:00:00Z', (f, c) => {
    call(f, c, { caller: PHONE, callee: PBX, callerUser: '1001', calleeUser: '1003', callerUa: UA.yealink });
  });
}

function top02(): void {
  const dir = 'topology/SIP-TOP-02';
  // The access proxy tells every internet prober its exact software version, all day long.
  scenario(`${dir}/positive/proxy-server-version-to-internet.jsonl`, 4201, '2026-11-22T06:00:00Z', (f, c) => {
    for (const [i, src] of [ATTACKER, REMOTE, { ip: '203.0.113.46', port: 5070 }, ATTACKER].entries()) {
      request(f, c, src, PROXY, {
        method: 'OPTIONS',
        ruri: `sip:${PROXY.ip}`,
        fromUser: 'probe',
        status: 200,
        responseHeaders: [`Server: ${UA.asterisk}`],
      });
      c.advanceMs(3600_000 * (i + 1));
    }
  });
  // The registrar registers a trunk at carrier-a with its full User-Agent.
  scenario(`${dir}/positive/registrar-ua-to-carrier.jsonl`, 4202, '2026-11-22T07:00:00Z', (f, c) => {
    request(f, c, REGISTRAR, CARRIER, {
      method: 'REGISTER',
      ruri: 'sip:carrier-a.example',
      fromUser: 'trunk-77',
      toUser: 'trunk-77',
      domain: 'carrier-a.example',
      headers: [`User-Agent: ${UA.kamailio}`, 'Expires: 600'],
      status: 200,
    });
  });
  // An SBC that hides its version: "Server: Oracle ESBC" carries no version number.
  scenario(`${dir}/negative/versionless-sbc-server.jsonl`, 4203, '2026-11-22T08:00:00Z', (f, c) => {
    for (let i = 0; i < 3; i++) {
      request(f, c, ATTACKER, PROXY, {
        method: 'OPTIONS',
        ruri: `sip:${PROXY.ip}`,
        fromUser: 'probe',
        status: 200,
        responseHeaders: [`Server: ${UA.sbc}`],
      });
      c.advanceMs(60_000);
    }
  });
  // Office phones register at the registrar with versioned UAs: internal traffic.
  scenario(`${dir}/negative/internal-phone-and-registrar.jsonl`, 4204, '2026-11-22T08:30:00Z', (f, c) => {
    request(f, c, PHONE, REGISTRAR, {
      method: 'REGISTER',
      ruri: `sip:${DOMAIN}`,
      fromUser: '1001',
      toUser: '1001',
      headers: [`User-Agent: ${UA.yealink}`, 'Expires: 3600'],
      status: 200,
      responseHeaders: [`Server: ${UA.kamailio}`],
    });
  });
  // Versioned User-Agents arriving from the internet: the sender's disclosure, not ours.
  scenario(`${dir}/negative/inbound-versioned-user-agents.jsonl`, 4205, '2026-11-22T09:00:00Z', (f, c) => {
    request(f, c, ATTACKER, PROXY, {
      method: 'OPTIONS',
      ruri: `sip:${PROXY.ip}`,
      fromUser: 'probe',
      headers: ['User-Agent: sipvicious 0.3.3'],
    });
    c.advanceMs(1000);
    request(f, c, REMOTE, PROXY, {
      method: 'OPTIONS',
      ruri: `sip:${PROXY.ip}`,
      fromUser: '1002',
      headers: [`User-Agent: ${UA.linphone}`],
    });
  });
}

// ---------------------------------------------------------------------------------------------
// DIALOG: SIP-DLG-01/02

function dlg01(): void {
  const dir = 'dialog/SIP-DLG-01';
  // An attacker who sniffed Call-ID and tags tears the call down with a BYE from its own address.
  scenario(`${dir}/positive/third-party-bye.jsonl`, 5101, '2026-11-23T10:00:00Z', (f, c) => {
    const d = call(f, c, OFFICE_CALL);
    c.advanceMs(12000);
    inDialog(d, c, { method: 'BYE', byCaller: false, src: ATTACKER, dst: PHONE });
  });
  // The callee hangs up: BYE from the dialog's own party.
  scenario(`${dir}/negative/bye-from-callee.jsonl`, 5102, '2026-11-23T10:30:00Z', (f, c) => {
    const d = call(f, c, OFFICE_CALL);
    c.advanceMs(30000);
    inDialog(d, c, { method: 'BYE', byCaller: false });
  });
  // The caller gives up while it rings: CANCEL from the caller, 487, ACK.
  scenario(`${dir}/negative/caller-cancels-ringing-call.jsonl`, 5103, '2026-11-23T11:00:00Z', (f, c) => {
    const d = call(f, c, { caller: PHONE, callee: PROXY, callerUser: '1001', calleeUser: '1003', final: 0 });
    const common = {
      vias: d.inviteVias,
      from: nameAddr({ user: '1001', host: DOMAIN, tag: d.fromTag }),
      to: nameAddr({ user: '1003', host: DOMAIN }),
      callId: d.callId,
      cseq: '1 CANCEL',
    };
    f.wire(
      renderMessage({ start: `CANCEL sip:1003@${DOMAIN} SIP/2.0`, maxForwards: 70, ...common }),
      PHONE,
      PROXY,
      c.us,
    );
    c.advanceMs(3);
    f.wire(renderMessage({ start: 'SIP/2.0 200 OK', ...common }), PROXY, PHONE, c.us);
    c.advanceMs(2);
    f.wire(
      renderMessage({
        start: 'SIP/2.0 487 Request Terminated',
        vias: d.inviteVias,
        from: nameAddr({ user: '1001', host: DOMAIN, tag: d.fromTag }),
        to: nameAddr({ user: '1003', host: DOMAIN, tag: d.toTag }),
        callId: d.callId,
        cseq: '1 INVITE',
      }),
      PROXY,
      PHONE,
      c.us,
    );
  });
  // A proxy cluster: the 200 is record-routed through a second proxy node, which later sends the
  // BYE. The node is a known hop of the dialog (Record-Route), not a stranger.
  scenario(`${dir}/negative/bye-from-record-route-node.jsonl`, 5104, '2026-11-23T11:30:00Z', (f, c) => {
    const d = call(f, c, {
      ...OFFICE_CALL,
      answerHeaders: [`Record-Route: <sip:${PROXY_B.ip};lr>, <sip:${PROXY.ip};lr>`],
    });
    c.advanceMs(25000);
    inDialog(d, c, { method: 'BYE', byCaller: false, src: PROXY_B, dst: PHONE });
  });
  // A BYE for a call the sensor never saw start (no dialog state): nothing to compare with.
  scenario(`${dir}/negative/bye-for-unseen-dialog.jsonl`, 5105, '2026-11-23T12:00:00Z', (f, c) => {
    request(f, c, ATTACKER, PHONE, {
      method: 'BYE',
      ruri: `sip:1001@${PHONE.ip}:5060`,
      fromUser: '+447700900123',
      toUser: '1001',
      toTag: 'a1b2c3d4',
      status: 481,
      reason: 'Call/Transaction Does Not Exist',
    });
  });
}

function dlg02(): void {
  const dir = 'dialog/SIP-DLG-02';
  // Dialog hijack: a re-INVITE with the callee's tags, from a stranger's address, moving media to it.
  scenario(`${dir}/positive/third-party-reinvite.jsonl`, 5201, '2026-11-23T13:00:00Z', (f, c) => {
    const d = call(f, c, OFFICE_CALL);
    c.advanceMs(8000);
    inDialog(d, c, {
      method: 'INVITE',
      byCaller: false,
      src: ATTACKER,
      dst: PHONE,
      body: voice(ATTACKER.ip, 30000),
      responseBody: voice(PHONE.ip, 12000),
    });
  });
  // A stranger's REFER inside the dialog transfers the caller to a satellite number.
  scenario(`${dir}/positive/third-party-refer.jsonl`, 5202, '2026-11-23T13:30:00Z', (f, c) => {
    const d = call(f, c, OFFICE_CALL);
    c.advanceMs(8000);
    inDialog(d, c, {
      method: 'REFER',
      byCaller: false,
      src: ATTACKER,
      dst: PHONE,
      headers: [`Refer-To: <sip:00881612345678@${DOMAIN}>`],
    });
  });
  // The caller puts the call on hold (c=0.0.0.0) and resumes, then the proxy refreshes the session
  // with UPDATE (RFC 4028): every mid-dialog request from a party.
  scenario(`${dir}/negative/hold-resume-and-session-refresh.jsonl`, 5203, '2026-11-23T14:00:00Z', (f, c) => {
    const d = call(f, c, OFFICE_CALL);
    c.advanceMs(5000);
    inDialog(d, c, {
      method: 'INVITE',
      byCaller: true,
      body: sdpBody('0.0.0.0', [audioMedia(11000, 'a=sendonly\r\n')]),
    });
    c.advanceMs(20000);
    inDialog(d, c, { method: 'INVITE', byCaller: true, body: voice(PHONE.ip, 11000) });
    c.advanceMs(60000);
    inDialog(d, c, { method: 'UPDATE', byCaller: false, headers: ['Session-Expires: 1800;refresher=uas'] });
  });
  // Transfer requested by the callee side (the dialog's own party).
  scenario(`${dir}/negative/transfer-refer-from-callee.jsonl`, 5204, '2026-11-23T14:30:00Z', (f, c) => {
    const d = call(f, c, { caller: PHONE, callee: PROXY, callerUser: '1001', calleeUser: '2001' });
    c.advanceMs(40000);
    inDialog(d, c, { method: 'REFER', byCaller: false, headers: [`Refer-To: <sip:2002@${DOMAIN}>`] });
  });
  // A re-INVITE (To-tag present) for a Call-ID the sensor never saw: no dialog state.
  scenario(`${dir}/negative/reinvite-for-unseen-dialog.jsonl`, 5205, '2026-11-23T15:00:00Z', (f, c) => {
    request(f, c, ATTACKER, PHONE, {
      method: 'INVITE',
      ruri: `sip:1001@${PHONE.ip}:5060`,
      fromUser: '+447700900123',
      toUser: '1001',
      toTag: 'f00dcafe',
      body: voice(ATTACKER.ip, 30000),
      status: 481,
      reason: 'Call/Transaction Does Not Exist',
    });
  });
}

// ---------------------------------------------------------------------------------------------
// MEDIA: SIP-SDP-01/02

function sdp01(): void {
  const dir = 'media/SIP-SDP-01';
  // Mid-call re-INVITE with the caller's tags moves the caller's media to an unrelated host.
  scenario(`${dir}/positive/reinvite-redirects-media.jsonl`, 6101, '2026-11-24T10:00:00Z', (f, c) => {
    const d = call(f, c, {
      ...OFFICE_CALL,
      callerSdp: voice(PHONE.ip, 11000),
      calleeSdp: voice(PROXY.ip, 40000),
    });
    c.advanceMs(10000);
    inDialog(d, c, {
      method: 'INVITE',
      byCaller: true,
      body: voice(EAVESDROPPER, 16000),
      responseBody: voice(PROXY.ip, 40000),
    });
  });
  // Hold (c=0.0.0.0, RFC 2543 style) and resume at the original address.
  scenario(`${dir}/negative/hold-and-resume.jsonl`, 6102, '2026-11-24T10:30:00Z', (f, c) => {
    const d = call(f, c, {
      ...OFFICE_CALL,
      callerSdp: voice(PHONE.ip, 11000),
      calleeSdp: voice(PROXY.ip, 40000),
    });
    c.advanceMs(10000);
    inDialog(d, c, {
      method: 'INVITE',
      byCaller: true,
      body: sdpBody('0.0.0.0', [audioMedia(11000, 'a=sendonly\r\n')]),
    });
    c.advanceMs(30000);
    inDialog(d, c, { method: 'INVITE', byCaller: true, body: voice(PHONE.ip, 11000) });
  });
  // The callee side re-anchors its media from a relay onto the proxy itself, a known hop.
  scenario(`${dir}/negative/media-moves-to-known-hop.jsonl`, 6103, '2026-11-24T11:00:00Z', (f, c) => {
    const d = call(f, c, {
      ...OFFICE_CALL,
      callerSdp: voice(PHONE.ip, 11000),
      calleeSdp: voice('198.51.100.25', 50000),
    });
    c.advanceMs(10000);
    inDialog(d, c, {
      method: 'INVITE',
      byCaller: false,
      body: voice(PROXY.ip, 40000),
      responseBody: voice(PHONE.ip, 11000),
    });
  });
  // Media on a separate gateway address from the first offer on; a session refresh repeats it.
  scenario(`${dir}/negative/media-gateway-from-the-start.jsonl`, 6104, '2026-11-24T11:30:00Z', (f, c) => {
    const d = call(f, c, {
      ...OFFICE_CALL,
      callerSdp: voice('10.77.9.9', 11000),
      calleeSdp: voice('198.51.100.25', 50000),
    });
    c.advanceMs(60000);
    inDialog(d, c, {
      method: 'INVITE',
      byCaller: true,
      body: voice('10.77.9.9', 11000),
      responseBody: voice('198.51.100.25', 50000),
    });
  });
}

function sdp02(): void {
  const dir = 'media/SIP-SDP-02';
  // Media pointed at a multicast group: every RTP packet of the answerer floods the group.
  scenario(`${dir}/positive/multicast-media-address.jsonl`, 6201, '2026-11-24T12:00:00Z', (f, c) => {
    call(f, c, {
      caller: ATTACKER,
      callee: PROXY,
      callerUser: '1001',
      calleeUser: '1003',
      callerSdp: sdpBody('224.0.1.75/127', [audioMedia(5004)], { originIp: ATTACKER.ip }),
      final: 488,
    });
  });
  // Twenty m= lines (more than pjmedia's 16): a parser-stress offer.
  scenario(`${dir}/positive/twenty-m-lines.jsonl`, 6202, '2026-11-24T12:30:00Z', (f, c) => {
    const media = Array.from({ length: 20 }, (_, i) => `m=audio ${20000 + 2 * i} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000`);
    call(f, c, {
      caller: ATTACKER,
      callee: PROXY,
      callerUser: '1001',
      calleeUser: '1003',
      callerSdp: sdpBody(ATTACKER.ip, media),
      final: 488,
    });
  });
  // Transport protocol no RTP stack knows, on a media line pointing at loopback.
  scenario(`${dir}/positive/unknown-proto-loopback-media.jsonl`, 6203, '2026-11-24T13:00:00Z', (f, c) => {
    call(f, c, {
      caller: ATTACKER,
      callee: PROXY,
      callerUser: '1001',
      calleeUser: '1003',
      callerSdp: sdpBody(ATTACKER.ip, ['m=audio 5060 RTP/XAVP 0\r\nc=IN IP4 127.0.0.1']),
      final: 488,
    });
  });
  // An initial offer whose every stream is disabled (port 0).
  scenario(`${dir}/positive/initial-offer-all-ports-zero.jsonl`, 6204, '2026-11-24T13:30:00Z', (f, c) => {
    call(f, c, {
      caller: ATTACKER,
      callee: PROXY,
      callerUser: '1001',
      calleeUser: '1003',
      callerSdp: sdpBody(ATTACKER.ip, ['m=audio 0 RTP/AVP 0', 'm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000']),
      final: 488,
    });
  });
  // Hold with c=0.0.0.0 (RFC 2543 / RFC 3264 §8.4) — benign.
  scenario(`${dir}/negative/hold-c-zero.jsonl`, 6205, '2026-11-24T14:00:00Z', (f, c) => {
    const d = call(f, c, { caller: PHONE, callee: PROXY, callerUser: '1001', calleeUser: '1003' });
    c.advanceMs(10000);
    inDialog(d, c, {
      method: 'INVITE',
      byCaller: true,
      body: sdpBody('0.0.0.0', [audioMedia(11000, 'a=sendonly\r\n')]),
    });
  });
  // A fax switches the call to T.38: m=image ... udptl t38.
  scenario(`${dir}/negative/t38-fax-reinvite.jsonl`, 6206, '2026-11-24T14:30:00Z', (f, c) => {
    const d = call(f, c, { caller: PHONE, callee: PROXY, callerUser: '1001', calleeUser: '+442079460999' });
    c.advanceMs(4000);
    inDialog(d, c, {
      method: 'INVITE',
      byCaller: false,
      body: sdpBody(PROXY.ip, [
        'm=image 40002 udptl t38\r\na=T38FaxVersion:0\r\na=T38FaxRateManagement:transferredTCF',
      ]),
      responseBody: sdpBody(PHONE.ip, ['m=image 11002 udptl t38\r\na=T38FaxVersion:0']),
    });
  });
  // WebRTC client over secure WebSocket: DTLS-SRTP audio + video and a data channel.
  scenario(`${dir}/negative/webrtc-offer.jsonl`, 6207, '2026-11-24T15:00:00Z', (f, c) => {
    const fp =
      'a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF\r\na=setup:actpass\r\n';
    call(f, c, {
      caller: REMOTE,
      callee: PROXY,
      callerUser: '1002',
      calleeUser: '1003',
      transport: 'wss',
      callerSdp: sdpBody(REMOTE.ip, [
        `m=audio 50000 UDP/TLS/RTP/SAVPF 111 0\r\na=rtpmap:111 opus/48000/2\r\n${fp}`,
        `m=video 50002 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n${fp}`,
        `m=application 50004 UDP/DTLS/SCTP webrtc-datachannel\r\n${fp}`,
      ]),
      calleeSdp: sdpBody(PROXY.ip, [
        `m=audio 40000 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n${fp}`,
        'm=video 0 UDP/TLS/RTP/SAVPF 96',
        'm=application 0 UDP/DTLS/SCTP webrtc-datachannel',
      ]),
      callerUa: 'JsSIP 3.10.1',
    });
  });
  // A re-INVITE drops the video stream (port 0) and keeps audio.
  scenario(`${dir}/negative/reinvite-removes-video.jsonl`, 6208, '2026-11-24T15:30:00Z', (f, c) => {
    const d = call(f, c, {
      caller: PHONE,
      callee: PROXY,
      callerUser: '1001',
      calleeUser: '1003',
      callerSdp: sdpBody(PHONE.ip, [audioMedia(11000), 'm=video 11002 RTP/AVP 96\r\na=rtpmap:96 H264/90000']),
    });
    c.advanceMs(20000);
    inDialog(d, c, {
      method: 'INVITE',
      byCaller: true,
      body: sdpBody(PHONE.ip, [audioMedia(11000), 'm=video 0 RTP/AVP 96']),
    });
  });
}

// ---------------------------------------------------------------------------------------------
// CRYPTO: SIP-CRY-03

const SDES = 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32\r\n';

function cry03(): void {
  const dir = 'crypto/SIP-CRY-03';
  const srtp = (ip: string, port: number): SipBody =>
    sdpBody(ip, [`m=audio ${port} RTP/SAVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n${SDES}`]);
  // SDES SRTP offered and answered over plain UDP: both keys readable on the wire.
  scenario(`${dir}/positive/sdes-keys-over-udp.jsonl`, 7301, '2026-11-25T10:00:00Z', (f, c) => {
    call(f, c, {
      ...OFFICE_CALL,
      callerSdp: srtp(PHONE.ip, 11000),
      calleeSdp: srtp(PROXY.ip, 40000),
    });
  });
  // The same call over SIP/TLS (port 5061).
  scenario(`${dir}/negative/sdes-over-tls.jsonl`, 7302, '2026-11-25T10:30:00Z', (f, c) => {
    call(f, c, {
      caller: { ip: PHONE.ip, port: 5061 },
      callee: { ip: PROXY.ip, port: 5061 },
      callerUser: '1001',
      calleeUser: '+447700900123',
      transport: 'tls',
      callerSdp: srtp(PHONE.ip, 11000),
      calleeSdp: srtp(PROXY.ip, 40000),
    });
  });
  // DTLS-SRTP over UDP: the SDP carries a fingerprint, never a key.
  scenario(`${dir}/negative/dtls-srtp-over-udp.jsonl`, 7303, '2026-11-25T11:00:00Z', (f, c) => {
    const fp =
      'a=fingerprint:sha-256 19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B\r\na=setup:actpass\r\n';
    call(f, c, {
      ...OFFICE_CALL,
      callerSdp: sdpBody(PHONE.ip, [`m=audio 11000 UDP/TLS/RTP/SAVP 0\r\n${fp}`]),
      calleeSdp: sdpBody(PROXY.ip, [`m=audio 40000 UDP/TLS/RTP/SAVP 0\r\n${fp}`]),
    });
  });
  // SDES over secure WebSocket (wss): keys inside an encrypted transport.
  scenario(`${dir}/negative/sdes-over-wss.jsonl`, 7304, '2026-11-25T11:30:00Z', (f, c) => {
    call(f, c, {
      caller: { ip: REMOTE.ip, port: 443 },
      callee: { ip: PROXY.ip, port: 443 },
      callerUser: '1002',
      calleeUser: '1003',
      transport: 'wss',
      callerSdp: srtp(REMOTE.ip, 50000),
      calleeSdp: srtp(PROXY.ip, 40000),
    });
  });
}

// ---------------------------------------------------------------------------------------------
// INTERCONNECT: SIP-IC-01/02

function ic01(): void {
  const dir = 'interconnect/SIP-IC-01';
  // An operator that is no peer of ours sends calls to the interconnect SBC.
  scenario(`${dir}/positive/calls-from-unknown-peer.jsonl`, 8101, '2026-11-26T02:00:00Z', (f, c) => {
    for (const target of ['+442079460123', '+442079460124', '+442079460125']) {
      call(f, c, {
        caller: STRANGER,
        callee: IC_SBC,
        callerUser: '+15555550100',
        calleeUser: target,
        domain: 'ims.stranger.example',
        final: 403,
      });
      c.advanceMs(2000);
    }
  });
  // carrier-a, a configured interconnect peer, delivers calls.
  scenario(`${dir}/negative/calls-from-carrier-a.jsonl`, 8102, '2026-11-26T03:00:00Z', (f, c) => {
    call(f, c, {
      caller: CARRIER,
      callee: IC_SBC,
      callerUser: '+441632960001',
      calleeUser: '+442079460123',
      callerViaHost: CARRIER_HOST,
    });
  });
  // An internet user calls the access proxy (not an interconnect-facing address).
  scenario(`${dir}/negative/internet-user-to-access-proxy.jsonl`, 8103, '2026-11-26T03:30:00Z', (f, c) => {
    call(f, c, { caller: REMOTE, callee: PROXY, callerUser: '1002', calleeUser: '1003' });
  });
  // The interconnect SBC probes a prospective peer with OPTIONS: the peer's 200 comes back to the
  // SBC from an unconfigured address, but it is an answer, not traffic the peer started.
  scenario(`${dir}/negative/sbc-options-answered-by-new-peer.jsonl`, 8104, '2026-11-26T04:00:00Z', (f, c) => {
    for (let i = 0; i < 3; i++) {
      request(f, c, IC_SBC, STRANGER, {
        method: 'OPTIONS',
        ruri: `sip:${STRANGER.ip}`,
        fromUser: 'ping',
        status: 200,
      });
      c.advanceMs(30000);
    }
  });
}

function ic02(): void {
  const dir = 'interconnect/SIP-IC-02';
  // A host on the internet presents itself as carrier-a's SBC (top Via sent-by) to the
  // interconnect SBC.
  scenario(`${dir}/positive/internet-host-claims-carrier-a.jsonl`, 8201, '2026-11-26T05:00:00Z', (f, c) => {
    call(f, c, {
      caller: { ip: '203.0.113.40', port: 5060 },
      callee: IC_SBC,
      callerUser: '+441632960001',
      calleeUser: '+442079460123',
      callerViaHost: CARRIER_HOST,
      callerContactHost: CARRIER_HOST,
      inviteHeaders: [`P-Asserted-Identity: <sip:+441632960001@carrier-a.example;user=phone>`],
      final: 403,
    });
  });
  // Trusted peer pbx-branch (by address) sends a request whose top Via names carrier-a's SBC.
  scenario(`${dir}/positive/branch-pbx-claims-carrier-a.jsonl`, 8202, '2026-11-26T05:30:00Z', (f, c) => {
    call(f, c, {
      caller: BRANCH_PBX,
      callee: PROXY,
      callerUser: '+441632960002',
      calleeUser: '+447700900123',
      callerViaHost: CARRIER_HOST,
      final: 486,
    });
  });
  // carrier-a transits a call from another network: its own Via on top, the originating
  // network's Via below — only the delivering hop has to match the peer.
  scenario(`${dir}/negative/carrier-a-transit-call.jsonl`, 8203, '2026-11-26T06:00:00Z', (f, c) => {
    call(f, c, {
      caller: CARRIER,
      callee: IC_SBC,
      callerUser: '+33123456789',
      calleeUser: '+442079460123',
      callerViaHost: CARRIER_HOST,
      lowerVias: [viaValue('sbc.origin-operator.example', 5060, 'z9hG4bK-orig-19c2')],
      inviteHeaders: [`P-Asserted-Identity: <sip:+33123456789@origin-operator.example;user=phone>`],
    });
  });
  // An unconfigured operator that names only itself (SIP-IC-01's case, not an impersonation).
  scenario(`${dir}/negative/unknown-peer-names-itself.jsonl`, 8204, '2026-11-26T06:30:00Z', (f, c) => {
    call(f, c, {
      caller: STRANGER,
      callee: IC_SBC,
      callerUser: '+15555550100',
      calleeUser: '+442079460123',
      domain: 'ims.stranger.example',
      callerViaHost: 'sbc.stranger.example',
      final: 403,
    });
  });
}

// ---------------------------------------------------------------------------------------------

/** Every signature here gets the real testbed calls (sipp ↔ kamailio, all internal) as a negative. */
const DIRS = [
  'identity/SIP-HDR-01',
  'identity/SIP-HDR-02',
  'identity/SIP-HDR-03',
  'identity/SIP-HDR-04',
  'topology/SIP-TOP-01',
  'topology/SIP-TOP-02',
  'dialog/SIP-DLG-01',
  'dialog/SIP-DLG-02',
  'media/SIP-SDP-01',
  'media/SIP-SDP-02',
  'crypto/SIP-CRY-03',
  'interconnect/SIP-IC-01',
  'interconnect/SIP-IC-02',
];

async function main(): Promise<void> {
  const realUdp = await decodeCapture('udp.pcap');
  for (const dir of DIRS) writeEvents(`${dir}/negative/testbed-udp-real.jsonl`, realUdp);
  hdr01();
  hdr02();
  hdr03();
  hdr04();
  top01();
  top02();
  dlg01();
  dlg02();
  sdp01();
  sdp02();
  cry03();
  ic01();
  ic02();
  for (const line of written) process.stdout.write(`${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
