//! The message half of the decode chain: one SIP message's bytes plus where and when it was seen
//! → SipEvent. Pure across messages (its parser's state lasts one message), so it runs on the main thread or in a parse
//! worker (parallel-decode.ts) with the same result.
import type { HepFields, SipEvent, Transport } from '../../schema/src/sip-event';
import type { AnomalyCode } from '../../schema/src/anomalies';
import { notSipEvent } from './event/not-sip-event';
import { toSipEvent, type SipEventMeta, type ToSipEventOptions } from './event/to-sip-event';
import { SipParser, type SipParseOptions } from './sip/parser';
import type { StreamAnomalyCode } from './transport/stream-anomalies';

/** One message as the packet layer cut it: a datagram's payload or a message from a stream. */
export interface RawSipMessage {
  data: Buffer;
  meta: SipEventMeta;
  transport: Transport;
  /** Stream only: anomalies below SIP since the previous message of this direction. */
  streamAnomalies: readonly StreamAnomalyCode[];
  /** Stream only: cut after the headers because Content-Length was absent or unusable. */
  missingContentLength: boolean;
  /** HEP input: the capture agent's chunks kept on the event. */
  hep?: HepFields;
  /** Not SIP, sent to a SIP port: becomes a `not_sip` event (event/not-sip-event.ts), never parsed. */
  notSip?: true;
  /**
   * A datagram's event id over all its bytes, computed with its mirror key (sip-decoder.ts); the
   * event takes it when the message spans the whole datagram (else the id of the message's bytes).
   */
  datagramEventId?: string;
}

/** Everything besides the message that shapes its event (same on every thread). */
export interface MessageDecodeOptions {
  sip?: SipParseOptions;
  observerId?: string;
  interfaceName?: string;
  withHeaders?: boolean;
  /** Carry the redacted message text in sip.raw. */
  withRaw?: boolean;
}

/** What counting events needs: the summary's SIP message and anomaly counters. */
export interface MessageCounters {
  sip_messages: number;
  sip_messages_with_anomalies: number;
  anomalies: Partial<Record<AnomalyCode, number>>;
}

export class SipMessageDecoder {
  /** Parse options by identity (the parser caches resolved limits per object). */
  private readonly udpParse: SipParseOptions;
  private readonly streamParse: SipParseOptions;
  private readonly eventOptions: Record<Transport, ToSipEventOptions>;
  private readonly observerId: string | undefined;
  private readonly parser = new SipParser();

  constructor(options: MessageDecodeOptions) {
    this.udpParse = { ...options.sip, stream: false };
    this.streamParse = { ...options.sip, stream: true };
    this.observerId = options.observerId;
    const base: Omit<ToSipEventOptions, 'transport'> = {};
    if (options.observerId !== undefined) base.observerId = options.observerId;
    if (options.interfaceName !== undefined) base.interfaceName = options.interfaceName;
    if (options.withHeaders === true) base.withHeaders = true;
    if (options.withRaw === true) base.withRaw = true;
    this.eventOptions = {
      udp: { ...base, transport: 'udp' },
      tcp: { ...base, transport: 'tcp' },
      ws: { ...base, transport: 'ws' },
      wss: { ...base, transport: 'wss' },
      tls: { ...base, transport: 'tls' },
      sctp: { ...base, transport: 'sctp' },
    };
  }

  decode(raw: RawSipMessage): SipEvent {
    if (raw.notSip === true) return notSipEvent({ ...raw.meta, payload: raw.data }, raw.transport, this.observerId);
    const stream = raw.transport !== 'udp';
    const msg = this.parser.parse(raw.data, 0, raw.data.length, stream ? this.streamParse : this.udpParse);
    const whole = raw.datagramEventId !== undefined && msg.start === 0 && msg.end === raw.data.length;
    const event = toSipEvent(msg, raw.meta, this.eventOptions[raw.transport], whole ? raw.datagramEventId : undefined);
    if (raw.streamAnomalies.length > 0 || raw.missingContentLength) {
      const codes = new Set<AnomalyCode>(event.sip.anomalies ?? []);
      if (raw.missingContentLength) codes.add('missing_content_length');
      for (const code of raw.streamAnomalies) codes.add(code);
      event.sip = { ...event.sip, anomalies: [...codes] };
    }
    if (raw.hep !== undefined) event.hep = raw.hep;
    return event;
  }
}

/** Counts one decoded event into the summary counters. */
export function countEvent(counters: MessageCounters, event: SipEvent): void {
  const anomalies = event.sip.anomalies;
  // A not_sip event is no SIP message: only its anomaly is counted (udp_not_sip_events counts it).
  const junk = anomalies?.includes('not_sip') === true;
  if (!junk) counters.sip_messages++;
  if (anomalies !== undefined && anomalies.length > 0) {
    if (!junk) counters.sip_messages_with_anomalies++;
    const counts = counters.anomalies;
    for (const code of anomalies) counts[code] = (counts[code] ?? 0) + 1;
  }
}
