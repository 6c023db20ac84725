//! In-process micro-benchmarks of the hot helpers, one each, so a regression shows in numbers:
//! packet decode (link → L4), header-name lookup, SIP parse, SipEvent build (id, timestamp),
//! JSON line, and signature dispatch plus evaluation in the engine. Inputs are built once; the
//! timed loops allocate only what the code under test allocates.
import { PacketDecoder } from '../collectors/src/decode-packet';
import type { RawPacket } from '../collectors/src/packet';
import { headerId } from '../collectors/src/sip/header-names';
import { parseSipMessage } from '../collectors/src/sip/parser';
import { formatTimestamp, toSipEvent } from '../collectors/src/event/to-sip-event';
import { eventIdFor } from '../collectors/src/event/event-id';
import { toJsonLine } from '../collectors/src/event/jsonl';
import { lastEventId, MirrorDedup, mirrorKey, mirrorKeyWithEventId } from '../collectors/src/event/mirror-dedup';
import type { L4Segment } from '../collectors/src/packet';
import { emptyEnrichment } from '../analyzer/src/engine/enrich/enrichment';
import { compileConditions, compileGate, SignatureDispatch } from '../analyzer/src/engine/compile/dispatch';
import { compileSignature } from '../analyzer/src/engine/compile/compile-signature';
import { TransactionTable } from '../analyzer/src/state/transaction-table';
import { loadSignatures } from '../analyzer/src/engine/load/load-signatures';
import { udpFrame } from '../lib/src/test-support/capture/frames';

export interface MicroResult {
  name: string;
  opsPerSec: number;
  mbPerSec?: number;
}

const INVITE = Buffer.from(
  'INVITE sip:4509@example.net SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 10.20.0.129:5063;branch=z9hG4bK-i-42;rport\r\n' +
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-proxy-1\r\n' +
    'Max-Forwards: 70\r\n' +
    'From: "1234" <sip:1234@example.net>;tag=ft42\r\n' +
    'To: <sip:4509@example.net>\r\n' +
    'Call-ID: 2a-abcdef@10.20.0.129\r\n' +
    'CSeq: 1 INVITE\r\n' +
    'Contact: <sip:1234@10.20.0.129:5063;transport=udp>\r\n' +
    'User-Agent: Yealink SIP-T46S 66.86.0.15\r\n' +
    'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\n' +
    'Content-Type: application/sdp\r\n' +
    'Content-Length: 229\r\n\r\n' +
    'v=0\r\no=user1 42 42 IN IP4 10.20.0.129\r\ns=-\r\nc=IN IP4 10.20.0.129\r\nt=0 0\r\n' +
    'm=audio 10084 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n' +
    'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n',
  'latin1',
);

const RESPONSE =
  'SIP/2.0 200 OK\r\n' +
  'Via: SIP/2.0/UDP 10.20.0.129:5063;branch=z9hG4bK-i-42;rport=5063\r\n' +
  'From: "1234" <sip:1234@example.net>;tag=ft42\r\n' +
  'To: <sip:4509@example.net>;tag=tt42\r\n' +
  'Call-ID: 2a-abcdef@10.20.0.129\r\n' +
  'CSeq: 1 INVITE\r\n' +
  'Content-Length: 0\r\n\r\n';

function measure(name: string, bytesPerOp: number | undefined, fn: () => void): MicroResult {
  for (let i = 0; i < 20_000; i++) fn(); // warm-up: let the JIT settle
  let ops = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1.5) {
    for (let i = 0; i < 10_000; i++) fn();
    ops += 10_000;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  const opsPerSec = ops / elapsed;
  return bytesPerOp === undefined ? { name, opsPerSec } : { name, opsPerSec, mbPerSec: (opsPerSec * bytesPerOp) / 1e6 };
}

export async function runMicroBenchmarks(): Promise<MicroResult[]> {
  const data = udpFrame(5063, 5060, INVITE, '10.20.0.129', '192.0.2.10');
  const packet: RawPacket = {
    linkType: 1,
    tsSec: 1_795_000_000,
    tsNsec: 123_456_789,
    data,
    originalLength: data.length,
    interfaceId: 0,
  };
  const decoder = new PacketDecoder();
  const seg = decoder.decode(packet);
  if (seg === null) throw new Error('micro: benchmark frame did not decode');
  let sink = 0;
  // Header names as they appear in the INVITE (positions found once).
  const text = INVITE.toString('latin1');
  const names: Array<[number, number]> = [];
  for (let at = text.indexOf('\r\n') + 2; at < text.indexOf('\r\n\r\n'); at = text.indexOf('\r\n', at) + 2)
    names.push([at, text.indexOf(':', at)]);
  const parsed = parseSipMessage(INVITE, 0, INVITE.length);
  const event = toSipEvent(parsed, seg, { transport: 'udp' });
  const signatures = loadSignatures().map((l) => l.signature);
  const dispatch = new SignatureDispatch(
    signatures.map((s) => ({ item: s, gate: compileGate(s), conditions: compileConditions(s) })),
  );
  // The scanner and injection signatures' `where` (no method gate: every request runs them).
  const scanners = signatures
    .filter((s) => ['SIP-MAL-04', 'SIP-MAL-05', 'SIP-REC-01'].includes(s.id))
    .map((s) => compileSignature(s).where);
  const transactions = new TransactionTable();
  let txnStep = 0;
  const txn = emptyEnrichment();
  const response = toSipEvent(parseSipMessage(Buffer.from(RESPONSE, 'latin1'), 0, RESPONSE.length), seg, {
    transport: 'udp',
  });
  // 4096 distinct INVITEs, 0.1 ms of packet time apart: ~500 in the 50 ms window, as on a busy link.
  const distinct: L4Segment[] = [];
  for (let i = 0; i < 4096; i++) {
    const payload = Buffer.from(INVITE);
    payload.write(String(1000 + i), INVITE.indexOf('4509'), 'latin1');
    distinct.push({ ...seg, payload });
  }
  const dedup = new MirrorDedup();
  let dedupStep = 0;
  let timestampStep = 0;
  const results = [
    measure('packet decode: Ethernet/IPv4/UDP → L4Segment', data.length, () => {
      sink += decoder.decode(packet)?.srcPort ?? 0;
    }),
    measure(`header-name lookup: the INVITE's ${names.length} names (per message)`, undefined, () => {
      for (const [start, end] of names) sink += headerId(INVITE, start, end);
    }),
    measure('mirror dedup: one packet (payload hash, window table)', INVITE.length, () => {
      const d = distinct[dedupStep & 4095] ?? seg;
      dedupStep++;
      d.tsSec = 1_795_000_000 + Math.floor(dedupStep / 10_000);
      d.tsNsec = (dedupStep % 10_000) * 100_000;
      if (dedup.isDuplicate(d)) sink++;
    }),
    // The two rows below are peers: one pass for both hashes (what decode does for a datagram
    // whose event is built on its thread) against the two passes it replaced.
    measure('datagram hashes in one pass: mirror key + event id of the INVITE', INVITE.length, () => {
      sink += mirrorKeyWithEventId(seg) + lastEventId().length;
    }),
    measure('datagram hashes in two passes (peer): mirrorKey, then eventIdFor', INVITE.length, () => {
      sink += mirrorKey(seg) + eventIdFor(seg, seg.payload, 0, seg.payload.length).length;
    }),
    measure('@timestamp text of a packet time (prefix cached per second)', undefined, () => {
      timestampStep++;
      sink += formatTimestamp(1_795_000_000 + (timestampStep >>> 20), (timestampStep * 7919) % 1e9).length;
    }),
    measure('SIP parse: INVITE with SDP (~640 B)', INVITE.length, () => {
      sink += parseSipMessage(INVITE, 0, INVITE.length).sip.size;
    }),
    measure('SipEvent build (event id hash, timestamp) from a parsed INVITE', undefined, () => {
      sink += toSipEvent(parsed, seg, { transport: 'udp' }).event.id.length;
    }),
    measure('JSON line of the INVITE event', undefined, () => {
      sink += toJsonLine(event).length;
    }),
    // Peer of the row above: what toJsonLine was before its envelope template.
    measure('JSON.stringify of the INVITE event + newline (peer)', undefined, () => {
      sink += (JSON.stringify(event) + '\n').length;
    }),
    measure('SIP parse + SipEvent + JSON line', INVITE.length, () => {
      sink += toJsonLine(toSipEvent(parseSipMessage(INVITE, 0, INVITE.length), seg, { transport: 'udp' })).length;
    }),
    measure(`signature dispatch (${signatures.length} signatures): INVITE and a 200 OK`, undefined, () => {
      sink += dispatch.for(event, txn).length + dispatch.for(response, txn).length;
    }),
    measure(
      `where of ${scanners.length} scanner/injection signatures (MAL-04, MAL-05, REC-01) on the INVITE`,
      undefined,
      () => {
        for (const where of scanners) if (where(event, txn)) sink++;
      },
    ),
    measure('transaction table: an INVITE and its 200 OK (lookup by Call-ID, resend check)', undefined, () => {
      txnStep++;
      transactions.observe(event, txnStep, txn.txn);
      transactions.observe(response, txnStep, txn.txn);
      if (txn.txn.retransmission) sink++;
    }),
  ];
  if (sink === 42) process.stdout.write(''); // keep `sink` observable so the loops are not elided
  return Promise.resolve(results);
}
