//! Open a capture file of either format: sniff the magic, hand the open file to the right reader.
//! Entry point the CLI (`sipward decode|analyze <capture>`) uses for files.

import { SipwardError } from '../../../lib/src/errors';
import { ChunkedFile } from './chunked-file';
import type { CaptureFileOptions } from './capture-stats';
import { PcapFileReader, sniffPcapMagic } from './pcap-file';
import { PcapngFileReader, PCAPNG_SHB } from './pcapng-file';

export type CaptureFileReader = PcapFileReader | PcapngFileReader;

/**
 * Open `path` as pcap or pcapng. Throws SipwardError: SIPWARD_INPUT_NOT_FOUND,
 * SIPWARD_INPUT_UNREADABLE, or SIPWARD_NOT_A_CAPTURE (before any packet is yielded).
 */
export async function openCaptureFile(path: string, options: CaptureFileOptions = {}): Promise<CaptureFileReader> {
  const file = await ChunkedFile.open(path, options.chunkSize);
  try {
    await file.refill(28);
    if (file.available >= 4 && file.buf.readUInt32LE(file.pos) === PCAPNG_SHB) {
      return PcapngFileReader.fromFile(file, options);
    }
    if (sniffPcapMagic(file.buf, file.pos) !== null) return PcapFileReader.fromFile(file, options);
    throw new SipwardError('SIPWARD_NOT_A_CAPTURE', `${path}: not a pcap or pcapng capture file`);
  } catch (error) {
    await file.close();
    throw error;
  }
}
