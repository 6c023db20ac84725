//! Counters and warnings shared by the capture readers (file and live).
//! A reader never throws on bad records: it counts them and calls onWarning once per problem.

import type { RawPacket } from '../packet';

export type CaptureWarningCode =
  /** The file ends in the middle of a record or block. */
  | 'truncated_record'
  /** A record's captured length is larger than the file's snap length (delivered anyway). */
  | 'caplen_over_snaplen'
  /** A record claims more than the absurd-length limit: the rest of the file is not trusted. */
  | 'absurd_caplen'
  /** pcapng block length not a multiple of 4, too small, too big, or trailer mismatch. */
  | 'bad_block_length'
  /** pcapng block body inconsistent with its length, or options garbled: block skipped. */
  | 'bad_block'
  /** pcapng packet for an interface no IDB declared: skipped. */
  | 'unknown_interface'
  /** pcapng SHB with a bad byte-order magic in the middle of a file: reading stops. */
  | 'bad_section'
  /** Live: the kernel/libpcap dropped packets, or cap copied a packet cut to its buffer. */
  | 'capture_drop';

export interface CaptureWarning {
  code: CaptureWarningCode;
  message: string;
  /** File offset of the record, when reading a file. */
  offset?: number;
}

export interface CaptureStats {
  packets: number;
  /** Captured bytes delivered. */
  bytes: number;
  /** Records cut by the end of the file (0 or 1 in practice). */
  truncatedRecords: number;
  /** Records or blocks skipped or that ended reading (bad lengths, unknown interface ...). */
  badRecords: number;
  /** Records whose caplen exceeds the snap length (still delivered). */
  oversizedRecords: number;
  /** pcapng blocks of types we do not use (NRB, ISB, DSB, custom ...): skipped by design. */
  skippedBlocks: number;
  /** Live only: packets the reader itself dropped because the consumer fell behind (queue full). */
  dropped: number;
  warnings: number;
}

export function newCaptureStats(): CaptureStats {
  return {
    packets: 0,
    bytes: 0,
    truncatedRecords: 0,
    badRecords: 0,
    oversizedRecords: 0,
    skippedBlocks: 0,
    dropped: 0,
    warnings: 0,
  };
}

export interface CaptureFileOptions {
  /** Bytes read per chunk (default 1 MiB); tests use tiny values to cut records across chunks. */
  chunkSize?: number;
  /** Called once per anomaly; the reader continues or stops cleanly as the code says. */
  onWarning?: (warning: CaptureWarning) => void;
  /** Captured lengths above this are absurd (default 256 KiB). */
  maxCaplen?: number;
}

export const DEFAULT_MAX_CAPLEN = 256 * 1024;

/** A capture source: batches of packets (one per chunk read or event-loop tick), plus stats. */
export interface CaptureSource extends AsyncIterable<RawPacketBatch> {
  readonly stats: CaptureStats;
  close(): Promise<void>;
}

export type RawPacketBatch = RawPacket[];
