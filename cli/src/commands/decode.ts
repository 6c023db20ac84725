//! `sipward decode <capture>...` / `--interface IF`: one SIP event per line (JSONL) on stdout,
//! exactly what `collect` publishes; a summary (pino JSON) on stderr.
import { createWriteStream } from 'node:fs';
import { Command, Option } from 'commander';
import { SipwardError } from '../../../lib/src/errors';
import { createLogger } from '../../../lib/src/logger';
import type { LevelWithSilent } from 'pino';
import { LIVE_CAPTURE_BACKENDS, runDecode, type LiveCaptureBackend } from '../../../collectors/src/decode';
import { exitAfterPcapClose } from '../../../collectors/src/capture/live-pcap-session';
import { DEFAULT_SIP_PORTS } from '../../../collectors/src/capture/live-interface';
import { progressReporter } from '../progress';
import { parsePortList, parsePositiveNumber } from '../parse-options';

interface DecodeFlags {
  interface?: string;
  bpf?: string;
  ports: number[];
  observerId?: string;
  withHeaders?: boolean;
  dedup: boolean;
  decapsulate: boolean;
  vxlanPort: number[];
  duration?: number;
  captureBackend: LiveCaptureBackend;
  out?: string;
}

/**
 * pcap by default: measured on the testbed veth (50k SIP datagrams), both backends cost the same CPU
 * and lose the same share under bursts the decoder cannot keep up with, but only pcap reports that
 * loss (ps_drop) and stamps packets with the kernel's capture time instead of our receipt time.
 */
export const DEFAULT_CAPTURE_BACKEND: LiveCaptureBackend = 'pcap';

export function decodeCommand(): Command {
  return new Command('decode')
    .description('decode pcap/pcapng files (or a live interface) to SIP events, one JSON object per line')
    .argument('[captures...]', 'pcap or pcapng files, read in the order given as one stream')
    .option('-i, --interface <name>', 'capture live from this interface (libpcap) instead of files')
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
    )
    .option('-o, --out <file>', 'write events to this file instead of stdout')
    .action(async (captures: string[], flags: DecodeFlags, command: Command) => {
      const { logLevel } = command.optsWithGlobals<{ logLevel: LevelWithSilent }>();
      const log = createLogger(logLevel, 'sipward-decode');
      if (captures.length === 0 && flags.interface === undefined) {
        throw new SipwardError('SIPWARD_USAGE', 'decode needs capture files or --interface');
      }
      if (captures.length > 0 && flags.interface !== undefined) {
        throw new SipwardError('SIPWARD_USAGE', 'decode takes capture files or --interface, not both');
      }
      const out = flags.out === undefined ? process.stdout : createWriteStream(flags.out);
      const progress = progressReporter();
      try {
        const summary = await runDecode({
          captures,
          ...(flags.interface !== undefined ? { interface: flags.interface } : {}),
          ...(flags.bpf !== undefined ? { bpf: flags.bpf } : {}),
          ports: flags.ports,
          ...(flags.observerId !== undefined ? { observerId: flags.observerId } : {}),
          ...(flags.duration !== undefined ? { durationSeconds: flags.duration } : {}),
          captureBackend: flags.captureBackend,
          withHeaders: flags.withHeaders === true,
          dedup: flags.dedup,
          packet: { decapsulate: flags.decapsulate, vxlanPorts: flags.vxlanPort },
          out,
          endOutput: flags.out !== undefined,
          log,
          onProgress: progress.update,
        });
        progress.stop();
        log.info({ summary }, 'decode finished');
      } finally {
        progress.stop();
        // node_pcap's poll handle outlives close() and would keep the process alive until one more
        // packet arrives (live-pcap-session.ts): decode is done here, so exit once the summary or
        // the error (main sets process.exitCode) is out. Never fires when nothing holds the loop.
        if (flags.interface !== undefined && flags.captureBackend === 'pcap') exitAfterPcapClose();
      }
    });
}
