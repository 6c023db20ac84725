//! Several capture files read as one stream in capture-time order (what `mergecap` does): a k-way
//! merge of their packet streams by timestamp, so `sipward analyze a.pcap b.pcap` gives the same
//! alerts whatever order the files are named in. Each file is assumed ordered within itself (as
//! capture tools write them); ties go to the file named first.
import type { RawPacket } from '../packet';
import type { CaptureSource, RawPacketBatch } from './capture-stats';

const BATCH = 1024;

interface Head {
  iterator: AsyncIterator<RawPacketBatch>;
  batch: RawPacketBatch;
  index: number;
}

function earlier(a: RawPacket, b: RawPacket): boolean {
  return a.tsSec < b.tsSec || (a.tsSec === b.tsSec && a.tsNsec < b.tsNsec);
}

async function refill(head: Head): Promise<boolean> {
  while (head.index >= head.batch.length) {
    const next = await head.iterator.next();
    if (next.done === true) return false;
    head.batch = next.value;
    head.index = 0;
  }
  return true;
}

/** Batches of packets from every source, in timestamp order across sources. */
export async function* mergeByTime(sources: readonly CaptureSource[]): AsyncGenerator<RawPacketBatch> {
  const heads: Head[] = [];
  for (const source of sources) {
    const head: Head = { iterator: source[Symbol.asyncIterator](), batch: [], index: 0 };
    if (await refill(head)) heads.push(head);
  }
  let out: RawPacket[] = [];
  while (heads.length > 0) {
    let best = 0;
    for (let i = 1; i < heads.length; i++) {
      const h = heads[i] as Head;
      const b = heads[best] as Head;
      if (earlier(h.batch[h.index] as RawPacket, b.batch[b.index] as RawPacket)) best = i;
    }
    const head = heads[best] as Head;
    out.push(head.batch[head.index] as RawPacket);
    head.index++;
    if (!(await refill(head))) heads.splice(best, 1);
    if (out.length >= BATCH) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}
