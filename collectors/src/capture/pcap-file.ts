//! Streaming reader for classic libpcap files: µs (a1b2c3d4) and ns (a1b23c4d) magic, both byte orders.
//! I/O edge of the collector: yields RawPacket batches (one per ~1 MiB chunk) for decode-packet.

import { SipwardError } from '../../../lib/src/errors';
import type { RawPacket } from '../packet';
import { ChunkedFile, reportTruncatedTail } from './chunked-file';
import {
  DEFAULT_MAX_CAPLEN,
  newCaptureStats,
  type CaptureFileOptions,
  type CaptureSource,
  type CaptureStats,
  type CaptureWarning,
  type RawPacketBatch,
} from './capture-stats';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

/** Byte order and precision from the first 4 bytes, or null when they are not a pcap magic. */
export function sniffPcapMagic(buf: Buffer, off = 0): { littleEndian: boolean; nano: boolean } | null {
  if (buf.length < off + 4) return null;
  const le = buf.readUInt32LE(off);
  if (le === PCAP_MAGIC_USEC) return { littleEndian: true, nano: false };
  if (le === PCAP_MAGIC_NSEC) return { littleEndian: true, nano: true };
  const be = buf.readUInt32BE(off);
  if (be === PCAP_MAGIC_USEC) return { littleEndian: false, nano: false };
  if (be === PCAP_MAGIC_NSEC) return { littleEndian: false, nano: true };
  return null;
}

export class PcapFileReader implements CaptureSource {
  readonly format = 'pcap' as const;
  readonly stats: CaptureStats = newCaptureStats();
  readonly linkType: number;
  readonly snaplen: number;
  readonly nanosecond: boolean;
  readonly littleEndian: boolean;
  private readonly maxCaplen: number;
  private readonly onWarning: ((w: CaptureWarning) => void) | undefined;
  private started = false;

  private constructor(
    private readonly file: ChunkedFile,
    options: CaptureFileOptions,
  ) {
    const buf = file.buf;
    const magic = sniffPcapMagic(buf, file.pos) ?? { littleEndian: true, nano: false };
    this.littleEndian = magic.littleEndian;
    this.nanosecond = magic.nano;
    const p = file.pos;
    this.snaplen = magic.littleEndian ? buf.readUInt32LE(p + 16) : buf.readUInt32BE(p + 16);
    // Upper bits of the link-type word carry FCS information (pcap spec §LinkType): keep the low 16.
    this.linkType = (magic.littleEndian ? buf.readUInt32LE(p + 20) : buf.readUInt32BE(p + 20)) & 0xffff;
    file.pos += GLOBAL_HEADER;
    this.maxCaplen = options.maxCaplen ?? DEFAULT_MAX_CAPLEN;
    this.onWarning = options.onWarning;
  }

  /** Open and validate; throws SipwardError SIPWARD_NOT_A_CAPTURE before anything is yielded. */
  static async open(path: string, options: CaptureFileOptions = {}): Promise<PcapFileReader> {
    const file = await ChunkedFile.open(path, options.chunkSize);
    try {
      await file.refill(GLOBAL_HEADER);
      return PcapFileReader.fromFile(file, options);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** Used by openCaptureFile, which already sniffed the magic. The file window must hold the header. */
  static fromFile(file: ChunkedFile, options: CaptureFileOptions): PcapFileReader {
    if (file.available < GLOBAL_HEADER || sniffPcapMagic(file.buf, file.pos) === null) {
      throw new SipwardError('SIPWARD_NOT_A_CAPTURE', `${file.path}: not a pcap file (bad magic or short header)`);
    }
    return new PcapFileReader(file, options);
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  private warn(w: CaptureWarning): void {
    this.stats.warnings++;
    this.onWarning?.(w);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RawPacketBatch> {
    if (this.started) return;
    this.started = true;
    const f = this.file;
    const st = this.stats;
    const le = this.littleEndian;
    const fracScale = this.nanosecond ? 1 : 1000;
    const linkType = this.linkType;
    const snaplen = this.snaplen;
    const maxCaplen = this.maxCaplen;
    let warnedSnaplen = false;
    try {
      for (;;) {
        const batch: RawPacket[] = [];
        const buf = f.buf;
        const end = f.end;
        let p = f.pos;
        let need = RECORD_HEADER;
        let stop = false;
        let bytes = 0;
        while (end - p >= RECORD_HEADER) {
          const caplen = le ? buf.readUInt32LE(p + 8) : buf.readUInt32BE(p + 8);
          if (caplen > maxCaplen) {
            // pcap has no framing to resync on: after one absurd length nothing that follows can be trusted.
            st.badRecords++;
            this.warn({
              code: 'absurd_caplen',
              message: `record captured length ${caplen} exceeds ${maxCaplen}: stopping`,
              offset: f.base + p,
            });
            stop = true;
            break;
          }
          if (end - p - RECORD_HEADER < caplen) {
            need = RECORD_HEADER + caplen;
            break;
          }
          if (caplen > snaplen && snaplen !== 0) {
            st.oversizedRecords++;
            if (!warnedSnaplen) {
              warnedSnaplen = true;
              this.warn({
                code: 'caplen_over_snaplen',
                message: `record captured length ${caplen} exceeds snap length ${snaplen} (further ones counted only)`,
                offset: f.base + p,
              });
            }
          }
          let sec = le ? buf.readUInt32LE(p) : buf.readUInt32BE(p);
          let nsec = (le ? buf.readUInt32LE(p + 4) : buf.readUInt32BE(p + 4)) * fracScale;
          if (nsec >= 1e9) {
            // Out-of-range fraction (seen from buggy writers): carry into seconds rather than lie.
            sec += Math.floor(nsec / 1e9);
            nsec %= 1e9;
          }
          const orig = le ? buf.readUInt32LE(p + 12) : buf.readUInt32BE(p + 12);
          batch.push({
            linkType,
            tsSec: sec,
            tsNsec: nsec,
            data: buf.subarray(p + RECORD_HEADER, p + RECORD_HEADER + caplen),
            originalLength: orig < caplen ? caplen : orig,
            interfaceId: 0,
          });
          bytes += caplen;
          p += RECORD_HEADER + caplen;
        }
        f.pos = p;
        st.packets += batch.length;
        st.bytes += bytes;
        if (batch.length > 0) yield batch;
        if (stop) return;
        if (f.eof) {
          reportTruncatedTail(this.stats, (w) => this.warn(w), f, 'record');
          return;
        }
        await f.refill(need);
      }
    } finally {
      await f.close();
    }
  }
}
