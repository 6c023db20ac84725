//! Test helper: build HEP v3 packets chunk by chunk, as an exporting SBC would. Tests only.
import { gzipSync } from 'node:zlib';
import { isIPv4 } from 'node:net';
import { openCaptureFile } from '../capture/capture-file';
import type { HepMessage } from '../capture/hep-packet';
import { PacketDecoder } from '../decode-packet';
import { MirrorDedup } from '../event/mirror-dedup';
import type { SipEventMeta } from '../event/to-sip-event';
import { TcpReassembler } from '../transport/tcp-reassembler';
import { ipv4Bytes, ipv6Bytes } from '../../../lib/src/test-support/capture';

/** What to encode: the fields of a decoded HEP message, with defaults for the protocol numbers. */
export interface HepSpec extends Omit<HepMessage, 'ipVersion' | 'ipProtocol' | 'protocolType'> {
  /** IANA number: 17 UDP (default), 6 TCP, 132 SCTP. */
  ipProtocol?: number;
  /** 1 = SIP (default). */
  protocolType?: number;
  compress?: boolean;
  /** Extra raw chunks (vendor, type, body) appended before the payload. */
  extra?: Array<[number, number, Buffer]>;
}

export function hepChunk(vendor: number, type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16BE(vendor, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt16BE(body.length + 6, 4);
  return Buffer.concat([header, body]);
}

function uint(bytes: 1 | 2 | 4, n: number): Buffer {
  const b = Buffer.alloc(bytes);
  b.writeUIntBE(n, 0, bytes);
  return b;
}

export function encodeHep(spec: HepSpec): Buffer {
  const v4 = isIPv4(spec.srcIp);
  const chunks = [
    hepChunk(0, 0x01, uint(1, v4 ? 2 : 10)),
    hepChunk(0, 0x02, uint(1, spec.ipProtocol ?? 17)),
    hepChunk(0, v4 ? 0x03 : 0x05, v4 ? ipv4Bytes(spec.srcIp) : ipv6Bytes(spec.srcIp)),
    hepChunk(0, v4 ? 0x04 : 0x06, v4 ? ipv4Bytes(spec.dstIp) : ipv6Bytes(spec.dstIp)),
    hepChunk(0, 0x07, uint(2, spec.srcPort)),
    hepChunk(0, 0x08, uint(2, spec.dstPort)),
    hepChunk(0, 0x09, uint(4, spec.tsSec)),
    hepChunk(0, 0x0a, uint(4, spec.tsUsec)),
    hepChunk(0, 0x0b, uint(1, spec.protocolType ?? 1)),
  ];
  if (spec.nodeId !== undefined) chunks.push(hepChunk(0, 0x0c, uint(4, spec.nodeId)));
  if (spec.authKey !== undefined) chunks.push(hepChunk(0, 0x0e, Buffer.from(spec.authKey, 'latin1')));
  if (spec.correlationId !== undefined) chunks.push(hepChunk(0, 0x11, Buffer.from(spec.correlationId, 'latin1')));
  if (spec.vlan !== undefined) chunks.push(hepChunk(0, 0x12, uint(2, spec.vlan)));
  if (spec.nodeName !== undefined) chunks.push(hepChunk(0, 0x13, Buffer.from(spec.nodeName, 'latin1')));
  for (const [vendor, type, body] of spec.extra ?? []) chunks.push(hepChunk(vendor, type, body));
  chunks.push(spec.compress === true ? hepChunk(0, 0x10, gzipSync(spec.payload)) : hepChunk(0, 0x0f, spec.payload));
  const body = Buffer.concat(chunks);
  const header = Buffer.from('HEP3\0\0', 'latin1');
  header.writeUInt16BE(body.length + 6, 4);
  return Buffer.concat([header, body]);
}

interface CapturedMessage {
  meta: SipEventMeta;
  payload: Buffer;
}

/** Each SIP message of a capture with its addresses and time (mirror duplicates removed). */
async function messagesOf(file: string): Promise<CapturedMessage[]> {
  const out: CapturedMessage[] = [];
  const packets = new PacketDecoder();
  const dedup = new MirrorDedup();
  const tcp = new TcpReassembler((m) => out.push({ meta: m, payload: m.data }));
  for await (const batch of await openCaptureFile(file)) {
    for (const packet of batch) {
      tcp.advanceTime(packet.tsSec, packet.tsNsec);
      const seg = packets.decode(packet);
      if (seg === null || dedup.isDuplicate(seg)) continue;
      if (seg.protocol === 'udp') out.push({ meta: seg, payload: Buffer.from(seg.payload) });
      else if (seg.protocol === 'tcp') tcp.push(seg);
    }
  }
  tcp.flush();
  return out;
}

const IANA = { udp: 17, tcp: 6, sctp: 132 } as const;

/** What an SBC would export for the traffic of `file`: one HEP v3 packet per SIP message. */
export async function hepExport(
  file: string,
  extra: (index: number) => Partial<HepSpec> = () => ({}),
): Promise<Buffer[]> {
  return (await messagesOf(file)).map(({ meta, payload }, i) =>
    encodeHep({
      srcIp: meta.srcIp,
      dstIp: meta.dstIp,
      srcPort: meta.srcPort,
      dstPort: meta.dstPort,
      tsSec: meta.tsSec,
      tsUsec: Math.floor(meta.tsNsec / 1000),
      ipProtocol: IANA[meta.protocol],
      ...(meta.vlan.length > 0 ? { vlan: meta.vlan[meta.vlan.length - 1] } : {}),
      payload,
      ...extra(i),
    }),
  );
}
