//! The capture-input options `decode` and `analyze` share (files or a live interface, filters,
//! tunnels, dedup), and their translation into the collector's DecodeInputOptions.
import type { Command } from 'commander';
import { Option } from 'commander';
import { availableParallelism } from 'node:os';
import { SipwardError } from '../../lib/src/errors';
import type { Logger } from '../../lib/src/logger';
import { LIVE_CAPTURE_BACKENDS, type DecodeInputOptions, type LiveCaptureBackend } from '../../collectors/src/decode';
import { DEFAULT_SIP_PORTS } from '../../collectors/src/capture/live-interface';
import { exitAfterPcapClose } from '../../collectors/src/capture/live-pcap-session';
import { readFileSync } from 'node:fs';
import {
  HEP_TRANSPORTS,
  parseHepEndpoint,
  type HepEndpoint,
  type HepTransport,
} from '../../collectors/src/capture/hep-listener';
import { MAX_DEFAULT_THREADS } from '../../collectors/src/parallel-decode';
import { parsePortList, parsePositiveNumber, parseThreadCount } from './parse-options';

export interface InputFlags {
  interface?: string;
  hep?: HepEndpoint;
  hepTransport?: HepTransport | 'both';
  hepAuthKeyFile?: string;
  bpf?: string;
  ports: number[];
  observerId?: string;
  withHeaders?: boolean;
  /** `--with-raw` (decode, collect) / `--no-raw` (analyze, where it is on by default). */
  raw?: boolean;
  withRaw?: boolean;
  dedup: boolean;
  decapsulate: boolean;
  vxlanPort: number[];
  duration?: number;
  captureBackend: LiveCaptureBackend;
  threads?: number;
}

/** One parse worker per core, capped: past a few, the thread reading packets is the bottleneck. */
export const DEFAULT_THREADS = Math.min(availableParallelism(), MAX_DEFAULT_THREADS);

/**
 * pcap by default: measured on the testbed veth (50k SIP datagrams), both backends cost the same CPU
 * and lose the same share under bursts the decoder cannot keep up with, but only pcap reports that
 * loss (ps_drop) and stamps packets with the kernel's capture time instead of our receipt time.
 */
export const DEFAULT_CAPTURE_BACKEND: LiveCaptureBackend = 'pcap';

/**
 * `rawByDefault`: `analyze` quotes message text in alert evidence unless `--no-raw`; `decode` and
 * `collect` carry it only with `--with-raw` (it roughly doubles the event size on the wire).
 * `threads`: offer `--threads` (decode and analyze; collect publishes on one thread).
 */
export function addInputOptions(command: Command, offer: { rawByDefault?: boolean; threads?: boolean } = {}): Command {
  if (offer.rawByDefault === true) command.option('--no-raw', 'do not keep message text (sip.raw) for alert evidence');
  else command.option('--with-raw', 'carry the message text, credentials redacted, in sip.raw (alert evidence)');
  if (offer.threads === true) {
    command.addOption(
      new Option(
        '--threads <n>',
        'SIP parse worker threads beside the packet-reading thread; 1 = all on one thread (same output either way)',
      )
        .argParser(parseThreadCount)
        .default(DEFAULT_THREADS),
    );
  }
  return command
    .argument('[captures...]', 'pcap or pcapng files, read in the order given as one stream')
    .option('-i, --interface <name>', 'capture live from this interface (libpcap) instead of files')
    .addOption(
      new Option(
        '--hep <host:port>',
        'receive HEP v3 (Kamailio siptrace, OpenSIPS, FreeSWITCH …) on this address',
      ).argParser(parseHepEndpoint),
    )
    .addOption(
      new Option('--hep-transport <name>', 'HEP listener transports')
        .choices([...HEP_TRANSPORTS, 'both'])
        .default('both'),
    )
    .option('--hep-auth-key-file <file>', 'drop HEP packets whose auth key differs from the one in this file')
    .option('--bpf <expr>', 'BPF filter for live capture (default: SIP ports, VLAN-tagged, fragments, tunnels)')
    .addOption(
      new Option('--ports <list>', 'SIP ports for the default live filter')
        .argParser(parsePortList)
        .default([...DEFAULT_SIP_PORTS], DEFAULT_SIP_PORTS.join(',')),
    )
    .option('--observer-id <id>', 'collector id written to observer.id')
    .option('--with-headers', 'carry every header (credentials redacted) in sip.headers')
    .option('--no-dedup', 'keep mirror duplicates (the same packet seen twice on a SPAN port)')
    .option('--no-decapsulate', 'do not look inside GRE, ERSPAN, VXLAN and IP-in-IP')
    .addOption(
      new Option('--vxlan-port <list>', 'UDP ports carrying VXLAN').argParser(parsePortList).default([4789], '4789'),
    )
    .addOption(
      new Option('--duration <seconds>', 'live capture: stop after this many seconds').argParser(parsePositiveNumber),
    )
    .addOption(
      new Option('--capture-backend <name>', 'live capture library: pcap (kernel timestamps and drop counters) or cap')
        .choices(LIVE_CAPTURE_BACKENDS)
        .default(DEFAULT_CAPTURE_BACKEND),
    );
}

export function toDecodeInputOptions(
  name: string,
  captures: string[],
  flags: InputFlags,
  log: Logger,
  onProgress: (done: number, total: number) => void,
): DecodeInputOptions {
  const inputs =
    (captures.length > 0 ? 1 : 0) + (flags.interface !== undefined ? 1 : 0) + (flags.hep !== undefined ? 1 : 0);
  if (inputs === 0) throw new SipwardError('SIPWARD_USAGE', `${name} needs capture files, --interface or --hep`);
  if (inputs > 1) throw new SipwardError('SIPWARD_USAGE', `${name} takes one of capture files, --interface, --hep`);
  return {
    captures,
    ...(flags.hep !== undefined ? { hep: hepInput(flags.hep, flags) } : {}),
    ...(flags.interface !== undefined ? { interface: flags.interface } : {}),
    ...(flags.bpf !== undefined ? { bpf: flags.bpf } : {}),
    ports: flags.ports,
    ...(flags.observerId !== undefined ? { observerId: flags.observerId } : {}),
    ...(flags.duration !== undefined ? { durationSeconds: flags.duration } : {}),
    captureBackend: flags.captureBackend,
    withHeaders: flags.withHeaders === true,
    withRaw: flags.withRaw === true || flags.raw === true,
    dedup: flags.dedup,
    packet: { decapsulate: flags.decapsulate, vxlanPorts: flags.vxlanPort },
    log,
    onProgress,
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
  };
}

function hepInput(endpoint: HepEndpoint, flags: InputFlags): NonNullable<DecodeInputOptions['hep']> {
  const transports =
    flags.hepTransport === undefined || flags.hepTransport === 'both' ? HEP_TRANSPORTS : [flags.hepTransport];
  if (flags.hepAuthKeyFile === undefined) return { ...endpoint, transports };
  let authKey: string;
  try {
    authKey = readFileSync(flags.hepAuthKeyFile, 'latin1').trim();
  } catch (error) {
    throw new SipwardError('SIPWARD_INPUT_UNREADABLE', `--hep-auth-key-file ${flags.hepAuthKeyFile}: cannot read`, {
      cause: error,
    });
  }
  if (authKey === '') throw new SipwardError('SIPWARD_USAGE', `--hep-auth-key-file ${flags.hepAuthKeyFile} is empty`);
  return { ...endpoint, transports, authKey };
}

/**
 * node_pcap's poll handle outlives close() and would keep the process alive until one more packet
 * arrives (live-pcap-session.ts): the command is done here, so exit once the summary or the error
 * (main sets process.exitCode) is out. Never fires when nothing holds the event loop.
 */
export function releaseLiveCapture(flags: InputFlags): void {
  if (flags.interface !== undefined && flags.captureBackend === 'pcap') exitAfterPcapClose();
}
