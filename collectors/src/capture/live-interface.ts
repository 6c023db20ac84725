//! Live capture from a network interface through the optional `cap` package (libpcap).
//! I/O edge of the collector: yields RawPacket batches, one per event-loop tick, like the file readers.
//!
//! `cap` 0.2.1 facts this file works around (see dependency-notes §1): no timestamps (we stamp at
//! receipt), one shared buffer for every packet (we copy), link type as a name, no pcap_stats (so
//! no ps_recv/ps_drop: only our own queue drops and cap's truncation flag are counted).

import { createRequire } from 'node:module';
import { SipwardError } from '../../../lib/src/errors';
import { LinkType, type RawPacket } from '../packet';
import { LiveBatchQueue } from './live-batch-queue';
import {
  newCaptureStats,
  type CaptureSource,
  type CaptureStats,
  type CaptureWarning,
  type RawPacketBatch,
} from './capture-stats';

export const DEFAULT_SIP_PORTS: readonly number[] = [5060, 5061, 5080];

export interface BpfFilterOptions {
  /** SIP ports (default 5060, 5061, 5080). */
  ports?: readonly number[];
  /** Also capture GRE, VXLAN and IP-in-IP so tunnelled SIP can be decapsulated. */
  decapsulate?: boolean;
  vxlanPorts?: readonly number[];
  /** Also capture IP fragments, which carry no ports after the first (default true). */
  fragments?: boolean;
}

/**
 * Default BPF filter: `(udp port P or tcp port P or sctp port P ...) or (vlan and (...))`.
 * The `vlan and` half is needed offline and on some drivers: the kernel often strips the tag
 * before BPF runs, but not always (dependency-notes §3: 0/20 tagged packets matched without it).
 * Fragments: non-first IPv4 fragments (offset != 0) and IPv6 packets whose first extension is a
 * fragment header, otherwise reassembly would never see the tail of a large SIP datagram.
 */
export function buildSipBpfFilter(options: BpfFilterOptions = {}): string {
  const ports = options.ports ?? DEFAULT_SIP_PORTS;
  const parts: string[] = [];
  for (const p of ports) parts.push(`udp port ${p}`, `tcp port ${p}`, `sctp port ${p}`);
  if (options.fragments ?? true) parts.push('(ip[6:2] & 0x1fff != 0)', '(ip6 and ip6[6] == 44)');
  if (options.decapsulate) {
    parts.push('proto gre');
    for (const p of options.vxlanPorts ?? [4789]) parts.push(`udp port ${p}`);
    parts.push('ip proto 4', 'ip proto 41', 'ip6 proto 4', 'ip6 proto 41');
  }
  const inner = parts.join(' or ');
  return `(${inner}) or (vlan and (${inner}))`;
}

/**
 * LINKTYPE number for the link-type names libpcap bindings report (cap: `ETHERNET`, node_pcap:
 * `LINKTYPE_ETHERNET`); null when the type is not usable.
 */
export function linkTypeFromLibpcapName(name: string): number | null {
  switch (name.startsWith('LINKTYPE_') && name !== 'LINKTYPE_LINUX_SLL' ? name.slice(9) : name) {
    case 'ETHERNET':
      return LinkType.ETHERNET;
    case 'NULL':
      return LinkType.NULL;
    case 'RAW':
      return LinkType.RAW;
    case 'LINKTYPE_LINUX_SLL':
      return LinkType.LINUX_SLL;
    case 'IEEE802_11_RADIO':
      return 127;
    default: {
      // "Unknown linktype N" carries the DLT; above 104 DLT and LINKTYPE values coincide (SLL2 = 276).
      const m = /^Unknown linktype (\d+)$/.exec(name);
      if (m === null) return null;
      const dlt = Number(m[1]);
      if (dlt === 12 || dlt === 14) return LinkType.RAW;
      return dlt;
    }
  }
}

/**
 * Wall-clock nanoseconds from the monotonic clock: anchored once to Date.now(), so timestamps
 * never go backwards when NTP steps the clock mid-capture (ordering matters more than ms accuracy).
 */
export class ReceiptClock {
  private readonly anchorWallNs = BigInt(Date.now()) * 1_000_000n;
  private readonly anchorHr = process.hrtime.bigint();

  /** Current time as [seconds, nanoseconds] written into `out`. */
  now(out: { tsSec: number; tsNsec: number }): void {
    const ns = this.anchorWallNs + (process.hrtime.bigint() - this.anchorHr);
    out.tsSec = Number(ns / 1_000_000_000n);
    out.tsNsec = Number(ns % 1_000_000_000n);
  }
}

export interface LiveCaptureOptions extends BpfFilterOptions {
  /** Interface name (e.g. eth0, lo, any). */
  interface: string;
  /** Explicit BPF filter; default buildSipBpfFilter(options). Empty string = everything. */
  filter?: string;
  /** Kernel capture buffer bytes (default 16 MiB). */
  bufferSize?: number;
  /** Packets queued for a slow consumer before new ones are dropped (default 100 000). */
  maxQueuedPackets?: number;
  onWarning?: (warning: CaptureWarning) => void;
  /**
   * Called every statsIntervalMs with the running counters. cap 0.2.1 has no pcap_stats binding,
   * so kernel ps_recv / ps_drop are not available: these are our own counts (packets, bytes,
   * cap-truncated, queue drops).
   */
  onStats?: (stats: Readonly<CaptureStats>) => void;
  statsIntervalMs?: number;
}

/** The part of cap's API we use (it ships no types). */
interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event?: string): void;
}
interface CapModule {
  Cap: new () => CapHandle;
}

let capModule: CapModule | null = null;

/**
 * Closed and failed cap handles stay referenced for the life of the process: cap's close() stops
 * its uv_poll handle but never uv_close()s it (GC would leave freed memory in libuv's handle list),
 * and a failed open() leaves a destructor that crashes. A few hundred bytes per open is the price.
 */
const retiredHandles: CapHandle[] = [];

/** Load `cap` on first use: it is an optional native dependency that may be absent or unbuilt. */
export function loadCap(): CapModule {
  if (capModule !== null) return capModule;
  try {
    capModule = createRequire(__filename)('cap') as CapModule;
    return capModule;
  } catch (error) {
    throw new SipwardError(
      'SIPWARD_CAPTURE_UNAVAILABLE',
      'live capture needs the optional package `cap` (npm install cap; it builds against libpcap-dev)',
      { cause: error },
    );
  }
}

/** cap truncates to this buffer; libpcap's snap length in cap is fixed at 65535. */
const CAP_BUFFER = 65536;

export class LiveCapture implements CaptureSource {
  readonly stats: CaptureStats = newCaptureStats();
  readonly linkType: number;
  readonly filter: string;
  readonly interfaceName: string;
  private readonly cap: CapHandle;
  private readonly shared = Buffer.alloc(CAP_BUFFER);
  private readonly clock = new ReceiptClock();
  private readonly maxQueued: number;
  private readonly onWarning: ((w: CaptureWarning) => void) | undefined;
  private readonly queue: LiveBatchQueue;
  private closed = false;
  private warnedDrop = false;
  private statsTimer: NodeJS.Timeout | null = null;

  private constructor(options: LiveCaptureOptions) {
    const { Cap } = loadCap();
    this.interfaceName = options.interface;
    this.filter = options.filter ?? buildSipBpfFilter(options);
    this.maxQueued = options.maxQueuedPackets ?? 100_000;
    this.queue = new LiveBatchQueue(this.maxQueued);
    this.onWarning = options.onWarning;
    this.cap = new Cap();
    let name: string;
    try {
      name = this.cap.open(options.interface, this.filter, options.bufferSize ?? 16 * 1024 * 1024, this.shared);
    } catch (error) {
      // A failed open leaves cap with a pcap handle but an uninitialised uv_poll handle, and its
      // destructor then calls uv_poll_stop on it: SIGSEGV at the next GC (seen in tests). Never let it be collected.
      retiredHandles.push(this.cap);
      throw new SipwardError(
        'SIPWARD_CAPTURE_UNAVAILABLE',
        `cannot capture on ${options.interface}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const lt = linkTypeFromLibpcapName(name);
    if (lt === null) {
      this.cap.close();
      retiredHandles.push(this.cap);
      throw new SipwardError(
        'SIPWARD_CAPTURE_UNAVAILABLE',
        `cannot capture on ${options.interface}: link type ${name}`,
      );
    }
    this.linkType = lt;
    this.cap.on('packet', (nbytes, truncated) => this.onPacket(nbytes, truncated));
    const onStats = options.onStats;
    if (onStats !== undefined) {
      this.statsTimer = setInterval(() => onStats(this.stats), options.statsIntervalMs ?? 10_000);
      // Stats alone must not keep the process alive.
      this.statsTimer.unref();
    }
  }

  /** Start capturing now. Throws SipwardError SIPWARD_CAPTURE_UNAVAILABLE (no cap, no permission, bad device/filter). */
  static open(options: LiveCaptureOptions): LiveCapture {
    return new LiveCapture(options);
  }

  private warn(w: CaptureWarning): void {
    this.stats.warnings++;
    this.onWarning?.(w);
  }

  private onPacket(nbytes: number, truncated: boolean): void {
    if (this.closed) return;
    const st = this.stats;
    if (this.queue.full) {
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
    if (truncated) st.truncatedRecords++;
    const pkt: RawPacket = {
      linkType: this.linkType,
      tsSec: 0,
      tsNsec: 0,
      // cap reuses `shared` for the next packet within this same dispatch loop: copy now.
      data: Buffer.from(this.shared.subarray(0, nbytes)),
      originalLength: nbytes,
      interfaceId: 0,
      interfaceName: this.interfaceName,
    };
    this.clock.now(pkt);
    this.queue.push(pkt);
    st.packets++;
    st.bytes += nbytes;
  }

  /** Stop capturing and release libpcap (the process can exit afterwards). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cap.removeAllListeners('packet');
    this.cap.close();
    retiredHandles.push(this.cap);
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
