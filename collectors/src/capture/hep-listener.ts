//! The socket edge of HEP input: a UDP socket and a TCP server on one host:port, yielding the HEP
//! packets they receive in batches (one per event-loop turn), through a bounded queue that drops
//! and counts when the decoder falls behind. TCP streams are cut into packets by HepStreamFramer.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { SipwardError } from '../../../lib/src/errors';
import { HepStreamFramer } from './hep-packet';

export type HepTransport = 'udp' | 'tcp';
export const HEP_TRANSPORTS: readonly HepTransport[] = ['udp', 'tcp'];

export interface HepEndpoint {
  host: string;
  port: number;
}

export interface HepListenerOptions extends HepEndpoint {
  transports?: readonly HepTransport[];
  /** Packets held for the decoder; more are dropped and counted (default 100 000). */
  queueMax?: number;
}

export interface HepListenerStats {
  packets: number;
  bytes: number;
  /** Dropped because the queue was full. */
  dropped: number;
  connections: number;
  /** TCP streams closed because their bytes stopped being HEP v3 packets. */
  streams_dropped: number;
}

/** "host:port" or "[v6]:port" → endpoint; a usage error names the flag. */
export function parseHepEndpoint(value: string): HepEndpoint {
  const i = value.lastIndexOf(':');
  const host = value.slice(0, Math.max(i, 0)).replace(/^\[(.*)\]$/, '$1');
  const portText = value.slice(i + 1);
  const port = Number(portText);
  if (i <= 0 || host === '' || !/^\d+$/.test(portText) || port < 1 || port > 65535)
    throw new SipwardError('SIPWARD_USAGE', `--hep: not host:port: ${value}`);
  return { host, port };
}

export class HepListener implements AsyncIterable<Buffer[]> {
  readonly stats: HepListenerStats = { packets: 0, bytes: 0, dropped: 0, connections: 0, streams_dropped: 0 };
  private queue: Buffer[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly udp: UdpSocket | undefined,
    private readonly tcp: Server | undefined,
    private readonly queueMax: number,
  ) {}

  /** Binds every requested transport; SIPWARD_CAPTURE_UNAVAILABLE when one cannot be bound. */
  static async open(options: HepListenerOptions): Promise<HepListener> {
    const transports = options.transports ?? HEP_TRANSPORTS;
    const udp = transports.includes('udp') ? createSocket(isIPv6(options.host) ? 'udp6' : 'udp4') : undefined;
    const tcp = transports.includes('tcp') ? createServer() : undefined;
    const listener = new HepListener(udp, tcp, options.queueMax ?? 100_000);
    try {
      if (udp !== undefined) {
        udp.on('message', (data) => listener.enqueue(data));
        await bindUdp(udp, options);
      }
      if (tcp !== undefined) {
        tcp.on('connection', (socket) => listener.accept(socket));
        await listenTcp(tcp, options);
      }
    } catch (error) {
      await listener.close();
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new SipwardError(
        'SIPWARD_CAPTURE_UNAVAILABLE',
        `--hep ${options.host}:${options.port}: cannot listen (${code})`,
        {
          cause: error,
        },
      );
    }
    return listener;
  }

  /** The TCP port actually bound (port 0 in tests picks a free one). */
  get tcpPort(): number | undefined {
    const address = this.tcp?.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  get udpPort(): number | undefined {
    return this.udp?.address().port;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([
      this.udp === undefined ? undefined : new Promise<void>((resolve) => this.udp?.close(() => resolve())),
      this.tcp === undefined || !this.tcp.listening
        ? undefined
        : new Promise<void>((resolve) => this.tcp?.close(() => resolve())),
    ]).catch(() => undefined);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer[]> {
    for (;;) {
      if (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        yield batch;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private enqueue(packet: Buffer): void {
    if (this.closed) return;
    this.stats.packets++;
    this.stats.bytes += packet.length;
    if (this.queue.length >= this.queueMax) {
      this.stats.dropped++;
      return;
    }
    this.queue.push(packet);
    this.wake?.();
  }

  /** Frames one TCP connection into HEP packets; a stream that is not HEP v3 is closed. */
  private accept(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.stats.connections++;
    this.sockets.add(socket);
    const framer = new HepStreamFramer();
    socket.on('data', (data: Buffer) => {
      const packets = framer.push(data);
      if (packets === 'out_of_sync') {
        this.stats.streams_dropped++;
        socket.destroy();
        return;
      }
      for (const packet of packets) this.enqueue(packet);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }
}

function bindUdp(socket: UdpSocket, endpoint: HepEndpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(endpoint.port, endpoint.host, () => {
      socket.removeListener('error', reject);
      socket.on('error', () => undefined);
      resolve();
    });
  });
}

function listenTcp(server: Server, endpoint: HepEndpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(endpoint.port, endpoint.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
}
