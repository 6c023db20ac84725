#!/usr/bin/env node
'use strict';
// Derive encapsulated copies of an Ethernet capture, for decoder fixtures that this kernel cannot
// produce live (no 802.1Q devices, no GRE/ERSPAN/VXLAN drivers here).
//
//   node scripts/testbed.d/wrap.js <mode> <in.pcap> <out.pcap>
//
// modes (what each output frame is, for each input Ethernet frame):
//   qinq    802.1ad outer tag (0x88a8, VID 200) + 802.1Q inner tag (0x8100, VID 100), then the frame
//   gre     outer Ethernet / IPv4 10.77.9.1 -> 10.77.9.2 / GRE (RFC 2784, protocol = inner
//           EtherType) / the inner IP packet (inner Ethernet header dropped, as a L3 GRE tunnel does)
//   erspan  outer Ethernet / IPv4 / GRE with sequence number, protocol 0x88be / ERSPAN type II
//           header (session 7) / the whole inner Ethernet frame (what a Cisco/Arista SPAN session sends)
//   vxlan   outer Ethernet / IPv4 / UDP -> 4789 (checksum 0, allowed over IPv4, RFC 7348) /
//           VXLAN VNI 4242 / the whole inner Ethernet frame
//   sll     Linux cooked capture v1 (link type 113) instead of Ethernet
//   sll2    Linux cooked capture v2 (link type 276) instead of Ethernet
//
// Input: classic pcap (µs or ns, either byte order) with link type Ethernet (1). Output keeps the
// input's timestamps and timestamp resolution and is always little-endian. Plain JS, no deps.
const fs = require('node:fs');
const { Buffer } = require('node:buffer');

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;
// Locally administered MACs for the outer headers of the tunnels (never real hardware).
const OUTER_SRC_MAC = Buffer.from('02777700090a', 'hex');
const OUTER_DST_MAC = Buffer.from('02777700090b', 'hex');
const OUTER_SRC_IP = [10, 77, 9, 1];
const OUTER_DST_IP = [10, 77, 9, 2];

function readPcap(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 24) throw new Error(`${file}: too short for a pcap header`);
  const magicLE = buf.readUInt32LE(0);
  let le;
  let nano;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = buf.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) {
      throw new Error(`${file}: not a classic pcap file (pcapng? convert with editcap -F pcap)`);
    }
    le = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const u32 = (off) => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const snaplen = u32(16);
  const linktype = u32(20) & 0x0fffffff;
  const packets = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const orig = u32(off + 12);
    off += 16;
    if (off + incl > buf.length) throw new Error(`${file}: truncated packet at byte ${off}`);
    packets.push({ sec, frac, orig, data: buf.subarray(off, off + incl) });
    off += incl;
  }
  return { nano, snaplen, linktype, packets };
}

function writePcap(file, { nano, linktype, packets }) {
  const parts = [];
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(262144, 16);
  hdr.writeUInt32LE(linktype, 20);
  parts.push(hdr);
  for (const p of packets) {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(p.sec, 0);
    rec.writeUInt32LE(p.frac, 4);
    rec.writeUInt32LE(p.data.length, 8);
    rec.writeUInt32LE(p.orig, 12);
    parts.push(rec, p.data);
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

// RFC 1071 ones' complement sum over the IPv4 header.
function ipv4Checksum(h) {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

let ipId = 0x5700;
function outerIPv4(protocol, payload) {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + payload.length, 2);
  ip.writeUInt16BE(ipId++ & 0xffff, 4);
  ip.writeUInt16BE(0x4000, 6); // DF: tunnel endpoints do not fragment the outer packet here
  ip[8] = 64;
  ip[9] = protocol;
  ip.set(OUTER_SRC_IP, 12);
  ip.set(OUTER_DST_IP, 16);
  ip.writeUInt16BE(ipv4Checksum(ip), 10);
  const eth = Buffer.alloc(14);
  OUTER_DST_MAC.copy(eth, 0);
  OUTER_SRC_MAC.copy(eth, 6);
  eth.writeUInt16BE(0x0800, 12);
  return Buffer.concat([eth, ip, payload]);
}

function etherType(frame) {
  return frame.readUInt16BE(12);
}

let greSeq = 0;
const wrappers = {
  qinq(frame) {
    const tags = Buffer.alloc(8);
    tags.writeUInt16BE(0x88a8, 0);
    tags.writeUInt16BE(200, 2); // S-tag: PCP 0, DEI 0, VID 200
    tags.writeUInt16BE(0x8100, 4);
    tags.writeUInt16BE(100, 6); // C-tag: VID 100
    return Buffer.concat([frame.subarray(0, 12), tags, frame.subarray(12)]);
  },
  gre(frame) {
    const gre = Buffer.alloc(4);
    gre.writeUInt16BE(0, 0); // no checksum, key or sequence
    gre.writeUInt16BE(etherType(frame), 2); // 0x0800 or 0x86dd: the inner packet's own protocol
    return outerIPv4(47, Buffer.concat([gre, frame.subarray(14)]));
  },
  erspan(frame) {
    const gre = Buffer.alloc(8);
    gre.writeUInt16BE(0x1000, 0); // S bit: ERSPAN type II always carries a GRE sequence number
    gre.writeUInt16BE(0x88be, 2);
    gre.writeUInt32BE(greSeq++ >>> 0, 4);
    const erspan = Buffer.alloc(8);
    erspan.writeUInt16BE((1 << 12) | 0, 0); // version 1 (= type II), original VLAN 0
    erspan.writeUInt16BE((0 << 13) | (0 << 11) | (0 << 10) | 7, 2); // COS 0, En 0, T 0, session 7
    erspan.writeUInt32BE(0, 4); // reserved + port index
    return outerIPv4(47, Buffer.concat([gre, erspan, frame]));
  },
  vxlan(frame) {
    const udp = Buffer.alloc(8);
    // Source port from the inner frame's bytes, as switches hash flows: deterministic per flow.
    let h = 0;
    for (let i = 26; i < Math.min(frame.length, 38); i++) h = (h * 31 + frame[i]) & 0xffff;
    udp.writeUInt16BE(49152 + (h % 16384), 0);
    udp.writeUInt16BE(4789, 2);
    const vx = Buffer.alloc(8);
    vx[0] = 0x08; // I flag: VNI valid
    vx.writeUIntBE(4242, 4, 3);
    udp.writeUInt16BE(8 + vx.length + frame.length, 4);
    udp.writeUInt16BE(0, 6);
    return outerIPv4(17, Buffer.concat([udp, vx, frame]));
  },
  sll(frame) {
    const h = Buffer.alloc(16);
    h.writeUInt16BE(0, 0); // packet type: to us (a monitor port sees every frame as incoming)
    h.writeUInt16BE(1, 2); // ARPHRD_ETHER
    h.writeUInt16BE(6, 4);
    frame.copy(h, 6, 6, 12); // link-layer source address, padded to 8 bytes
    h.writeUInt16BE(etherType(frame), 14);
    return Buffer.concat([h, frame.subarray(14)]);
  },
  sll2(frame) {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(etherType(frame), 0);
    h.writeUInt32BE(2, 4); // interface index of mon0 inside its namespace
    h.writeUInt16BE(1, 8); // ARPHRD_ETHER
    h[10] = 0; // packet type: to us
    h[11] = 6;
    frame.copy(h, 12, 6, 12);
    return Buffer.concat([h, frame.subarray(14)]);
  },
};

function main(argv) {
  const [mode, input, output] = argv;
  if (!mode || !input || !output || !Object.hasOwn(wrappers, mode)) {
    console.error(`usage: wrap.js ${Object.keys(wrappers).join('|')} <in.pcap> <out.pcap>`);
    process.exit(2);
  }
  const cap = readPcap(input);
  if (cap.linktype !== LINKTYPE_ETHERNET) throw new Error(`${input}: link type ${cap.linktype}, need Ethernet (1)`);
  const wrap = wrappers[mode];
  const packets = cap.packets.map((p) => {
    const data = wrap(p.data);
    // A frame captured whole stays whole: grow the original length by the bytes added or removed.
    return { sec: p.sec, frac: p.frac, orig: p.orig + (data.length - p.data.length), data };
  });
  const linktype = mode === 'sll' ? LINKTYPE_LINUX_SLL : mode === 'sll2' ? LINKTYPE_LINUX_SLL2 : LINKTYPE_ETHERNET;
  writePcap(output, { nano: cap.nano, linktype, packets });
}

main(process.argv.slice(2));
