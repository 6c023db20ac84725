//! Live capture through the optional `pcap` package (node_pcap 3.1.0, libpcap): the alternative
//! backend to live-interface.ts (`cap`). Same CaptureSource contract (batches of RawPacket, one per
//! event-loop tick), plus what `cap` cannot give: the kernel's own timestamps (pcap_pkthdr, µs) and
//! pcap_stats (ps_recv / ps_drop / ps_ifdrop), so kernel drops become visible.
//!
//! node_pcap facts this file works around (dependency-notes §2, re-measured here):
//! - close() only calls pcap_breakloop(). libpcap honours the break only after it has read one more
//!   packet (TPACKET_V3 checks break_loop per packet), and only then does node_pcap stop its uv_poll
//!   handle. On an idle interface that poll handle, which JS cannot reach or unref, keeps the process
//!   alive for ever. Calling dispatch() once more after close() returns 0 (no packet: no break).
//!   So after close() the capture is quiet (no more packets are delivered, stats are final) but the
//!   event loop is still held: an owner that wants to exit must call process.exit(), see
//!   `holdsEventLoopAfterClose` and exitAfterPcapClose().
//! - Its typings are mostly `any`: the small interfaces below declare what we use.
//! - The binding is not context-aware (NODE_MODULE): it cannot be loaded in a worker thread, which
//!   rules out "capture in a worker and terminate it" as a way around the close hang.

import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { SipwardError } from '../../../lib/src/errors';
import type { RawPacket } from '../packet';
import { LiveBatchQueue } from './live-batch-queue';
import {
  newCaptureStats,
  type CaptureSource,
  type CaptureStats,
  type CaptureWarning,
  type RawPacketBatch,
} from './capture-stats';
import { buildSipBpfFilter, linkTypeFromLibpcapName, type LiveCaptureOptions } from './live-interface';

/** Counters of the pcap backend: CaptureStats plus libpcap's pcap_stats. */
export interface PcapCaptureStats extends CaptureStats {
  /** ps_recv: packets the kernel handed to the capture socket (after the BPF filter, on Linux). */
  kernelReceived: number;
  /** ps_drop: packets the kernel dropped because the capture ring was full. */
  kernelDropped: number;
  /** ps_ifdrop: packets the interface/driver dropped (often unsupported: then 0). */
  interfaceDropped: number;
  /** Packets this reader dropped because the consumer fell behind (its queue was full). */
  queueDropped: number;
}

export interface LivePcapOptions extends Omit<LiveCaptureOptions, 'onStats'> {
  /**
   * libpcap buffer timeout in ms; 0 (default) = immediate mode. With a timeout, TPACKET_V3 hands
   * packets over one ring block at a time, so a quiet link delivers them up to that late.
   */
  bufferTimeoutMs?: number;
  /** Called every statsIntervalMs (default 10 s) with the running counters, kernel ones included. */
  onStats?: (stats: Readonly<PcapCaptureStats>) => void;
}

/** node_pcap's `PacketWithHeader`: `buf` and `header` are reused for every packet. */
interface PcapPacket {
  buf: Buffer;
  /** tv_sec u32, tv_usec u32, caplen u32, len u32, in host byte order. */
  header: Buffer;
}
interface PcapStat {
  ps_recv: number;
  ps_drop: number;
  ps_ifdrop: number;
}
interface PcapSessionHandle {
  readonly link_type: string;
  on(event: 'packet', listener: (packet: PcapPacket) => void): void;
  removeAllListeners(event?: string): void;
  close(): void;
  stats(): PcapStat;
}
interface PcapModule {
  createSession(
    device: string,
    options: { filter: string; buffer_size: number; snap_length: number; buffer_timeout: number; promiscuous: boolean },
  ): PcapSessionHandle;
  /** Called by the binding with libpcap warnings; node_pcap's default prints them with console.warn. */
  warningHandler: (message: string) => void;
}

let pcapModule: PcapModule | null = null;

/** Load `pcap` on first use: it is an optional native dependency that may be absent or unbuilt. */
export function loadPcap(): PcapModule {
  if (pcapModule !== null) return pcapModule;
  try {
    pcapModule = createRequire(__filename)('pcap') as PcapModule;
    return pcapModule;
  } catch (error) {
    throw new SipwardError(
      'SIPWARD_CAPTURE_UNAVAILABLE',
      'the pcap capture backend needs the optional package `pcap` (npm install pcap@3.1.0; it builds against libpcap-dev)',
      { cause: error },
    );
  }
}

/** node_pcap's link type names (`LINKTYPE_ETHERNET` …): the same table as cap's. */
export const linkTypeFromPcapName = linkTypeFromLibpcapName;

/** node_pcap copies pcap_pkthdr fields in host byte order. */
const readU32: (buf: Buffer, offset: number) => number =
  endianness() === 'LE' ? (b, o) => b.readUInt32LE(o) : (b, o) => b.readUInt32BE(o);

/**
 * Sessions stay referenced for the life of the process: node_pcap's poll handle (still active after
 * close, see the header) points at the native session, which must not be collected under it.
 */
const retiredSessions: PcapSessionHandle[] = [];

export class LivePcapSession implements CaptureSource {
  /**
   * True: after close() the process stays alive until one more packet matching the filter arrives
   * (node_pcap limitation). Owners that are done must exit explicitly (exitAfterPcapClose).
   */
  static readonly holdsEventLoopAfterClose = true;

  readonly stats: PcapCaptureStats = {
    ...newCaptureStats(),
    kernelReceived: 0,
    kernelDropped: 0,
    interfaceDropped: 0,
    queueDropped: 0,
  };
  readonly linkType: number;
  readonly filter: string;
  readonly interfaceName: string;
  private readonly session: PcapSessionHandle;
  private readonly maxQueued: number;
  private readonly onWarning: ((w: CaptureWarning) => void) | undefined;
  private readonly queue: LiveBatchQueue;
  private closed = false;
  private warnedDrop = false;
  private warnedKernelDrop = false;
  private statsTimer: NodeJS.Timeout | null = null;

  private constructor(options: LivePcapOptions) {
    const pcap = loadPcap();
    this.interfaceName = options.interface;
    this.filter = options.filter ?? buildSipBpfFilter(options);
    this.maxQueued = options.maxQueuedPackets ?? 100_000;
    this.queue = new LiveBatchQueue(this.maxQueued);
    this.onWarning = options.onWarning;
    // libpcap's open warnings ("mon0: no IPv4 address assigned") are harmless on a mirror port that
    // has no address by design; node_pcap would console.warn them onto our JSON stderr.
    pcap.warningHandler = () => undefined;
    try {
      this.session = pcap.createSession(options.interface, {
        filter: this.filter,
        buffer_size: options.bufferSize ?? 16 * 1024 * 1024,
        snap_length: 65535,
        buffer_timeout: options.bufferTimeoutMs ?? 0,
        promiscuous: true,
      });
    } catch (error) {
      throw new SipwardError(
        'SIPWARD_CAPTURE_UNAVAILABLE',
        `cannot capture on ${options.interface}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const lt = linkTypeFromPcapName(this.session.link_type);
    if (lt === null) {
      this.session.close();
      retiredSessions.push(this.session);
      throw new SipwardError(
        'SIPWARD_CAPTURE_UNAVAILABLE',
        `cannot capture on ${options.interface}: link type ${this.session.link_type}`,
      );
    }
    this.linkType = lt;
    this.session.on('packet', (packet) => this.onPacket(packet));
    const onStats = options.onStats;
    this.statsTimer = setInterval(() => {
      this.pollKernelStats();
      onStats?.(this.stats);
    }, options.statsIntervalMs ?? 10_000);
    // Stats alone must not keep the process alive.
    this.statsTimer.unref();
  }

  /** Start capturing now. Throws SipwardError SIPWARD_CAPTURE_UNAVAILABLE (no pcap, no permission, bad device/filter). */
  static open(options: LivePcapOptions): LivePcapSession {
    return new LivePcapSession(options);
  }

  private warn(w: CaptureWarning): void {
    this.stats.warnings++;
    this.onWarning?.(w);
  }

  /** Refresh the kernel counters from pcap_stats; `dropped` = kernel + interface + queue drops. */
  private pollKernelStats(): void {
    if (this.closed) return;
    let ps: PcapStat;
    try {
      ps = this.session.stats();
    } catch {
      return; // pcap_stats failing is not worth stopping the capture for; the counters stay as they were
    }
    const st = this.stats;
    st.kernelReceived = ps.ps_recv;
    st.kernelDropped = ps.ps_drop;
    st.interfaceDropped = ps.ps_ifdrop;
    st.dropped = st.kernelDropped + st.interfaceDropped + st.queueDropped;
    if (!this.warnedKernelDrop && st.kernelDropped + st.interfaceDropped > 0) {
      this.warnedKernelDrop = true;
      this.warn({
        code: 'capture_drop',
        message: `kernel dropped packets (ps_drop ${st.kernelDropped}, ps_ifdrop ${st.interfaceDropped}): raise the buffer or lower the load`,
      });
    }
  }

  private onPacket(packet: PcapPacket): void {
    if (this.closed) return;
    const st = this.stats;
    if (this.queue.full) {
      st.queueDropped++;
      st.dropped++;
      if (!this.warnedDrop) {
        this.warnedDrop = true;
        this.warn({
          code: 'capture_drop',
          message: `consumer too slow: dropping packets beyond ${this.maxQueued} queued`,
        });
      }
      return;
    }
    const h = packet.header;
    const caplen = readU32(h, 8);
    const len = readU32(h, 12);
    if (caplen < len) st.truncatedRecords++;
    const pkt: RawPacket = {
      linkType: this.linkType,
      tsSec: readU32(h, 0),
      tsNsec: readU32(h, 4) * 1000,
      // node_pcap reuses `buf` for the next packet within this same dispatch loop: copy now.
      data: Buffer.from(packet.buf.subarray(0, caplen)),
      originalLength: len,
      interfaceId: 0,
      interfaceName: this.interfaceName,
    };
    this.queue.push(pkt);
    st.packets++;
    st.bytes += caplen;
  }

  /**
   * Stop delivering packets; the stats are final (kernel counters read one last time). Idempotent.
   * The process does NOT become free to exit (see holdsEventLoopAfterClose).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.pollKernelStats();
    this.closed = true;
    this.session.removeAllListeners('packet');
    this.session.close();
    retiredSessions.push(this.session);
    if (this.statsTimer !== null) clearInterval(this.statsTimer);
    this.statsTimer = null;
    this.queue.end();
    return Promise.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RawPacketBatch> {
    try {
      yield* this.queue.drain();
    } finally {
      await this.close();
    }
  }
}

/**
 * For a process that is finished once its pcap sessions are closed (the `decode` command): exit
 * after `graceMs` if, and only if, something still holds the event loop by then, which after
 * close() is node_pcap's unreachable poll handle. The timer is unref'd, so a process that can exit
 * on its own does so first and this never fires. process.exit() keeps process.exitCode.
 */
export function exitAfterPcapClose(graceMs = 200): void {
  setTimeout(() => process.exit(), graceMs).unref();
}
