//! Writes packets as a classic pcap file with nanosecond timestamps (magic a1b23c4d), the format
//! Wireshark, tshark, sngrep and tcpreplay all read. One link type per file, fixed by the first packet.
import { closeSync, openSync, writeSync } from 'node:fs';
import { SipwardError } from '../../../lib/src/errors';
import type { RawPacket } from '../packet';

const MAGIC_NANO = 0xa1b23c4d;
const SNAPLEN = 262_144;

export class PcapWriter {
  private fd: number | undefined;
  private linkType: number | undefined;
  packets = 0;

  constructor(private readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new SipwardError('SIPWARD_OUTPUT_UNWRITABLE', `cannot write pcap to ${path}: ${reason}`, { cause: error });
    }
  }

  write(packet: RawPacket): void {
    const fd = this.fd;
    if (fd === undefined) throw new Error('PcapWriter: write after close');
    if (this.linkType === undefined) this.writeHeader(fd, packet.linkType);
    else if (packet.linkType !== this.linkType) {
      throw new SipwardError(
        'SIPWARD_USAGE',
        `${this.path}: the packets have different link types (${this.linkType}, ${packet.linkType}); a pcap holds one`,
      );
    }
    const record = Buffer.alloc(16);
    record.writeUInt32LE(packet.tsSec >>> 0, 0);
    record.writeUInt32LE(packet.tsNsec >>> 0, 4);
    record.writeUInt32LE(packet.data.length, 8);
    record.writeUInt32LE(Math.max(packet.originalLength, packet.data.length), 12);
    writeSync(fd, record);
    writeSync(fd, packet.data);
    this.packets++;
  }

  /** Closes the file; a file with no packet still gets its header (link type 1, Ethernet). */
  close(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    if (this.linkType === undefined) this.writeHeader(fd, 1);
    closeSync(fd);
    this.fd = undefined;
  }

  private writeHeader(fd: number, linkType: number): void {
    this.linkType = linkType;
    const header = Buffer.alloc(24);
    header.writeUInt32LE(MAGIC_NANO, 0);
    header.writeUInt16LE(2, 4);
    header.writeUInt16LE(4, 6);
    header.writeUInt32LE(SNAPLEN, 16);
    header.writeUInt32LE(linkType, 20);
    writeSync(fd, header);
  }
}
