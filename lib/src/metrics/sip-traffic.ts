//! SIP messages by method and response class, counted per event (bounded label sets).
import { Counter, type Registry } from 'prom-client';
import { SIP_METHODS } from '../../../schema/src/sip-methods';
import { bounded } from './registry';

/** The methods the parser knows (schema/src/sip-methods.ts); anything else is "other". */
const METHODS: ReadonlySet<string> = new Set(SIP_METHODS);

/** The fields of a SIP event this counter reads. */
export interface SipMessageKind {
  sip: { method?: string; status_code?: number };
}

export class SipTrafficMetrics {
  private readonly requests: Counter;
  private readonly responses: Counter;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'sipward_sip_requests_total',
      help: 'SIP requests decoded, by method (unknown methods: other)',
      labelNames: ['method'],
      registers: [registry],
    });
    this.responses = new Counter({
      name: 'sipward_sip_responses_total',
      help: 'SIP responses decoded, by class (1xx … 6xx)',
      labelNames: ['class'],
      registers: [registry],
    });
  }

  observe(event: SipMessageKind): void {
    const status = event.sip.status_code;
    if (status !== undefined) {
      const hundreds = Math.floor(status / 100);
      this.responses.inc({ class: hundreds >= 1 && hundreds <= 6 ? `${hundreds}xx` : 'other' });
    } else this.requests.inc({ method: bounded(event.sip.method, METHODS) });
  }
}
