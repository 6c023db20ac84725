//! `sipward decode <capture>...` / `--interface IF`: one SIP event per line (JSONL) on stdout,
//! exactly what `collect` publishes; a summary (pino JSON) on stderr.
import { Command } from 'commander';
import { commandLogger } from '../command-logger';
import { runDecode } from '../../../collectors/src/decode';
import { addInputOptions, releaseLiveCapture, toDecodeInputOptions, type InputFlags } from '../input-options';
import { progressReporter } from '../progress';
import { openOutputFile } from '../output-file';

interface DecodeFlags extends InputFlags {
  out?: string;
}

export function decodeCommand(): Command {
  return addInputOptions(
    new Command('decode').description(
      'decode pcap/pcapng files (or a live interface) to SIP events, one JSON object per line',
    ),
    { threads: true },
  )
    .option('-o, --out <file>', 'write events to this file instead of stdout')
    .action(async (captures: string[], flags: DecodeFlags, command: Command) => {
      const log = commandLogger(command, 'sipward-decode');
      const progress = progressReporter();
      try {
        const input = toDecodeInputOptions('decode', captures, flags, log, progress.update);
        const out = flags.out === undefined ? process.stdout : openOutputFile(flags.out, 'events');
        const summary = await runDecode({ ...input, out, endOutput: flags.out !== undefined });
        progress.stop();
        log.info({ summary }, 'decode finished');
      } finally {
        progress.stop();
        releaseLiveCapture(flags);
      }
    });
}
