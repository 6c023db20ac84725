//! Streaming reader for pcapng: SHB (both byte orders, several sections), IDB (per-interface link
//! type, if_name, if_tsresol, if_tsoffset), EPB, SPB, OPB; other blocks skipped. I/O edge of the collector.

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
import { toSecNsec, tsResolution, type SecNsec, type TsResolution } from './pcapng-timestamp';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK_IDB = 1;
const BLOCK_OPB = 2;
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;
/** Non-packet blocks (name resolution, custom) can be large, but not this large. */
const MAX_BLOCK_LENGTH = 16 * 1024 * 1024;

interface Interface {
  linkType: number;
  snaplen: number;
  name: string | undefined;
  res: TsResolution;
  tsOffset: number;
}

const DEFAULT_RES = tsResolution(6);

/** True when the window holds a plausible pcapng SHB start (type + byte-order magic). */
export function sniffPcapng(buf: Buffer, off = 0): boolean {
  if (buf.length < off + 12 || buf.readUInt32LE(off) !== PCAPNG_SHB) return false;
  const bom = buf.readUInt32LE(off + 8);
  return bom === BYTE_ORDER_MAGIC || bom === 0x4d3c2b1a;
}

export class PcapngFileReader implements CaptureSource {
  readonly format = 'pcapng' as const;
  readonly stats: CaptureStats = newCaptureStats();
  private readonly maxCaplen: number;
  private readonly onWarning: ((w: CaptureWarning) => void) | undefined;
  private interfaces: Interface[] = [];
  private le = true;
  private started = false;
  private readonly ts: SecNsec = { sec: 0, nsec: 0 };
  /** SPB has no timestamp: it gets the last one seen in the section (keeps packet time monotone). */
  private lastSec = 0;
  private lastNsec = 0;

  private constructor(
    private readonly file: ChunkedFile,
    options: CaptureFileOptions,
  ) {
    this.maxCaplen = options.maxCaplen ?? DEFAULT_MAX_CAPLEN;
    this.onWarning = options.onWarning;
  }

  static async open(path: string, options: CaptureFileOptions = {}): Promise<PcapngFileReader> {
    const file = await ChunkedFile.open(path, options.chunkSize);
    try {
      await file.refill(28);
      return PcapngFileReader.fromFile(file, options);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** Validates the first SHB header; throws SIPWARD_NOT_A_CAPTURE before anything is yielded. */
  static fromFile(file: ChunkedFile, options: CaptureFileOptions): PcapngFileReader {
    const ok = file.available >= 28 && sniffPcapng(file.buf, file.pos);
    if (ok) {
      const le = file.buf.readUInt32LE(file.pos + 8) === BYTE_ORDER_MAGIC;
      const len = le ? file.buf.readUInt32LE(file.pos + 4) : file.buf.readUInt32BE(file.pos + 4);
      if (len >= 28 && len % 4 === 0 && len <= MAX_BLOCK_LENGTH) return new PcapngFileReader(file, options);
    }
    throw new SipwardError('SIPWARD_NOT_A_CAPTURE', `${file.path}: not a pcapng file (bad section header)`);
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  private warn(w: CaptureWarning): void {
    this.stats.warnings++;
    this.onWarning?.(w);
  }

  private u32(buf: Buffer, p: number): number {
    return this.le ? buf.readUInt32LE(p) : buf.readUInt32BE(p);
  }

  private u16(buf: Buffer, p: number): number {
    return this.le ? buf.readUInt16LE(p) : buf.readUInt16BE(p);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RawPacketBatch> {
    if (this.started) return;
    this.started = true;
    const f = this.file;
    const st = this.stats;
    try {
      for (;;) {
        const batch: RawPacket[] = [];
        const buf = f.buf;
        const end = f.end;
        let p = f.pos;
        let need = 12;
        let stop = false;
        let bytes = 0;
        while (end - p >= 12) {
          const type = this.le ? buf.readUInt32LE(p) : buf.readUInt32BE(p);
          if (type === PCAPNG_SHB) {
            // A new section may switch byte order: read its magic before trusting its length.
            const bom = buf.readUInt32LE(p + 8);
            if (bom === BYTE_ORDER_MAGIC) this.le = true;
            else if (bom === 0x4d3c2b1a) this.le = false;
            else {
              st.badRecords++;
              this.warn({
                code: 'bad_section',
                message: 'section header with a bad byte-order magic: stopping',
                offset: f.base + p,
              });
              stop = true;
              break;
            }
          }
          const len = this.u32(buf, p + 4);
          if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK_LENGTH) {
            st.badRecords++;
            this.warn({
              code: 'bad_block_length',
              message: `block length ${len} is invalid: stopping`,
              offset: f.base + p,
            });
            stop = true;
            break;
          }
          if (end - p < len) {
            need = len;
            break;
          }
          if (this.u32(buf, p + len - 4) !== len) {
            st.badRecords++;
            this.warn({
              code: 'bad_block_length',
              message: `block trailer length differs from ${len}: stopping`,
              offset: f.base + p,
            });
            stop = true;
            break;
          }
          const body = p + 8;
          const bodyEnd = p + len - 4;
          if (type === BLOCK_EPB || type === BLOCK_OPB || type === BLOCK_SPB) {
            const pkt = this.packetBlock(type, buf, body, bodyEnd, f.base + p);
            if (pkt !== null) {
              batch.push(pkt);
              bytes += pkt.data.length;
            }
          } else if (type === PCAPNG_SHB) {
            if (len < 28) {
              st.badRecords++;
              this.warn({
                code: 'bad_block_length',
                message: 'section header too short: stopping',
                offset: f.base + p,
              });
              stop = true;
              break;
            }
            this.interfaces = [];
          } else if (type === BLOCK_IDB) {
            this.interfaceBlock(buf, body, bodyEnd, f.base + p);
          } else {
            st.skippedBlocks++;
          }
          p += len;
        }
        f.pos = p;
        st.packets += batch.length;
        st.bytes += bytes;
        if (batch.length > 0) yield batch;
        if (stop) return;
        if (f.eof) {
          reportTruncatedTail(this.stats, (w) => this.warn(w), f, 'block');
          return;
        }
        await f.refill(need);
      }
    } finally {
      await f.close();
    }
  }

  private interfaceBlock(buf: Buffer, body: number, bodyEnd: number, offset: number): void {
    if (bodyEnd - body < 8) {
      this.stats.badRecords++;
      this.warn({ code: 'bad_block', message: 'interface description block too short', offset });
      // Keep interface numbering aligned with the writer's: a placeholder that decodes nothing.
      this.interfaces.push({ linkType: 0xffff, snaplen: 0, name: undefined, res: DEFAULT_RES, tsOffset: 0 });
      return;
    }
    const iface: Interface = {
      linkType: this.u16(buf, body),
      snaplen: this.u32(buf, body + 4),
      name: undefined,
      res: DEFAULT_RES,
      tsOffset: 0,
    };
    let p = body + 8;
    while (p + 4 <= bodyEnd) {
      const code = this.u16(buf, p);
      const olen = this.u16(buf, p + 2);
      const v = p + 4;
      if (code === 0) break;
      if (v + olen > bodyEnd) {
        this.warn({ code: 'bad_block', message: 'interface options overrun the block (rest ignored)', offset });
        break;
      }
      if (code === 2) iface.name = buf.toString('utf8', v, v + olen);
      else if (code === 9 && olen >= 1) iface.res = tsResolution(buf[v] ?? 6);
      else if (code === 14 && olen >= 8) {
        iface.tsOffset = Number(this.le ? buf.readBigInt64LE(v) : buf.readBigInt64BE(v));
      }
      p = v + ((olen + 3) & ~3);
    }
    this.interfaces.push(iface);
  }

  private packetBlock(type: number, buf: Buffer, body: number, bodyEnd: number, offset: number): RawPacket | null {
    const st = this.stats;
    const bodyLen = bodyEnd - body;
    let ifId: number;
    let caplen: number;
    let orig: number;
    let data: number;
    let sec: number;
    let nsec: number;
    if (type === BLOCK_SPB) {
      if (bodyLen < 4) return this.badBlock('simple packet block too short', offset);
      ifId = 0;
      orig = this.u32(buf, body);
      const iface0 = this.interfaces[0];
      if (iface0 === undefined) return this.unknownInterface(0, offset);
      caplen = Math.min(orig, bodyLen - 4);
      if (iface0.snaplen > 0 && caplen > iface0.snaplen) caplen = iface0.snaplen;
      data = body + 4;
      sec = this.lastSec;
      nsec = this.lastNsec;
    } else {
      if (bodyLen < 20) return this.badBlock('packet block too short', offset);
      ifId = type === BLOCK_EPB ? this.u32(buf, body) : this.u16(buf, body);
      const high = this.u32(buf, body + 4);
      const low = this.u32(buf, body + 8);
      caplen = this.u32(buf, body + 12);
      orig = this.u32(buf, body + 16);
      data = body + 20;
      const iface = this.interfaces[ifId];
      if (iface === undefined) return this.unknownInterface(ifId, offset);
      if (caplen > this.maxCaplen) {
        st.badRecords++;
        this.warn({
          code: 'absurd_caplen',
          message: `packet captured length ${caplen} exceeds ${this.maxCaplen}: block skipped`,
          offset,
        });
        return null;
      }
      if (caplen > bodyLen - 20) return this.badBlock(`captured length ${caplen} overruns its block`, offset);
      toSecNsec(high, low, iface.res, this.ts);
      sec = this.ts.sec + iface.tsOffset;
      nsec = this.ts.nsec;
      this.lastSec = sec;
      this.lastNsec = nsec;
    }
    const iface = this.interfaces[ifId] as Interface;
    if (iface.snaplen > 0 && caplen > iface.snaplen) st.oversizedRecords++;
    const pkt: RawPacket = {
      linkType: iface.linkType,
      tsSec: sec,
      tsNsec: nsec,
      data: buf.subarray(data, data + caplen),
      originalLength: orig < caplen ? caplen : orig,
      interfaceId: ifId,
    };
    if (iface.name !== undefined) pkt.interfaceName = iface.name;
    return pkt;
  }

  private badBlock(message: string, offset: number): null {
    this.stats.badRecords++;
    this.warn({ code: 'bad_block', message: `${message}: block skipped`, offset });
    return null;
  }

  private unknownInterface(id: number, offset: number): null {
    this.stats.badRecords++;
    this.warn({ code: 'unknown_interface', message: `packet for undeclared interface ${id}: block skipped`, offset });
    return null;
  }
}
