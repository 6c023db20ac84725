//! HEP input throughput (`npm run bench -- --only hep`, also part of the full run): the same SIP
//! traffic decoded to SIP events from a pcap capture and from its HEP v3 export, in one process,
//! one after the other, so the ratio compares the two input paths on equal terms. The HEP packets
//! are built before timing (an SBC builds them); sockets are not involved (bench/pipeline.ts and
//! the tests cover the edges).
import type { SipEvent } from '../schema/src/sip-event';
import { createLogger } from '../lib/src/logger';
import { HepInput } from '../collectors/src/capture/hep-input';
import { decodeInputs } from '../collectors/src/decode';
import { SipDecoder } from '../collectors/src/sip-decoder';
import { hepExport } from '../collectors/src/test-support/hep';

export interface HepBenchRow {
  name: string;
  messages: number;
  msgsPerSec: number;
}

async function fromCapture(capture: string): Promise<HepBenchRow> {
  let messages = 0;
  const t0 = process.hrtime.bigint();
  await decodeInputs(
    { captures: [capture], log: createLogger('silent') },
    { onEvent: () => void messages++, afterBatch: () => Promise.resolve() },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { name: 'pcap capture → SIP events', messages, msgsPerSec: messages / seconds };
}

function fromHep(packets: readonly Buffer[]): HepBenchRow {
  let messages = 0;
  const input = new HepInput(new SipDecoder((_e: SipEvent) => void messages++));
  const t0 = process.hrtime.bigint();
  for (const packet of packets) input.push(packet);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { name: 'HEP v3 export of the same traffic → SIP events', messages, msgsPerSec: messages / seconds };
}

export async function runHepBenchmarks(capture: string): Promise<HepBenchRow[]> {
  const packets = await hepExport(capture, (i) => ({ nodeId: 1, correlationId: `c${i}` }));
  // Warm both paths once, then measure each in turn.
  await fromCapture(capture);
  fromHep(packets);
  return [await fromCapture(capture), fromHep(packets)];
}

export function hepTable(rows: readonly HepBenchRow[]): string[] {
  const [pcap, hep] = rows;
  const lines = ['| input path (in-process, one core) | SIP messages | msgs/s |', '|---|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.name} | ${r.messages} | ${Math.round(r.msgsPerSec)} |`);
  if (pcap !== undefined && hep !== undefined)
    lines.push('', `ratio HEP / pcap input, same run: ${(hep.msgsPerSec / pcap.msgsPerSec).toFixed(2)}`);
  return lines;
}
