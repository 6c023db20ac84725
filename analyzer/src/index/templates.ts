//! Elasticsearch names, index templates and the ingest pipeline for alerts and call records
//! (docs/contracts.md "Elasticsearch"). Pure data: elastic-indexer.ts PUTs it.
//! Only core field types: the integ-test-zip node lacks match_only_text, constant_keyword, wildcard.

/** Field mapping, the subset of Elasticsearch's property shape these templates use. */
export interface FieldMapping {
  type?: 'keyword' | 'text' | 'date' | 'long' | 'float' | 'double' | 'boolean' | 'ip' | 'flattened' | 'object';
  ignore_above?: number;
  ignore_malformed?: boolean;
  index?: boolean;
  enabled?: boolean;
  dynamic?: boolean;
  properties?: Record<string, FieldMapping>;
}

export interface TemplateMappings {
  dynamic: false;
  properties: Record<string, FieldMapping>;
}

export interface IndexTemplateBody {
  name: string;
  index_patterns: string[];
  priority: number;
  data_stream?: Record<string, never>;
  template: {
    settings: Record<string, string | number>;
    mappings: TemplateMappings;
  };
  _meta: Record<string, string>;
}

/** `sip`: the SIP transaction log, written once per transaction like call records. */
export type Target = 'alert' | 'call' | 'sip';

/** Above the built-in `logs-*-*` (100) and Fleet (≤ 200) templates, as the ECS guidance asks (> 500). */
export const TEMPLATE_PRIORITY = 600;
export const ALERT_TEMPLATE = 'sipward-alert';
export const CALL_TEMPLATE = 'sipward-call';
export const SIP_TEMPLATE = 'sipward-sip';
export const INGEST_PIPELINE = 'sipward-ingested';

const NAMESPACE = /^[a-z0-9_.]+$/;

/**
 * Checks a data stream namespace: lower case, no `-` (the naming scheme splits on it), ≤ 100
 * characters, none of the characters index names forbid. Returns an error message or undefined.
 */
export function namespaceError(namespace: string): string | undefined {
  if (namespace.length === 0) return 'the Elasticsearch namespace is empty';
  if (namespace.length > 100) return `the Elasticsearch namespace "${namespace}" is longer than 100 characters`;
  if (!NAMESPACE.test(namespace) || namespace.startsWith('.') || namespace.startsWith('_')) {
    return `the Elasticsearch namespace "${namespace}" may only hold a-z, 0-9, "_" and "." (no "-", not first "." or "_")`;
  }
  return undefined;
}

export function dataset(target: Target): string {
  return `sipward.${target}`;
}

/** The name writes go to: the alert write alias, the call data stream (or its alias in fallback mode). */
export function writeName(target: Target, namespace: string): string {
  return `logs-${dataset(target)}-${namespace}`;
}

/** First concrete index behind a write alias (rollover-compatible suffix). */
export function firstIndexName(target: Target, namespace: string): string {
  return `${writeName(target, namespace)}-000001`;
}

const keyword: FieldMapping = { type: 'keyword', ignore_above: 1024 };
const text: FieldMapping = { type: 'text' };
const date: FieldMapping = { type: 'date' };
const long: FieldMapping = { type: 'long' };
const float: FieldMapping = { type: 'float' };
const double: FieldMapping = { type: 'double' };
const ip: FieldMapping = { type: 'ip' };
// Addresses read from attacker-controlled content (SDP c=, Via) may not be IPs: keep the document.
const lenientIp: FieldMapping = { type: 'ip', ignore_malformed: true };

function obj(properties: Record<string, FieldMapping>): FieldMapping {
  return { properties };
}

const endpoint = obj({ ip, port: long, address: keyword, domain: keyword });

const dataStreamFields = obj({ type: keyword, dataset: keyword, namespace: keyword });

/** schema/src/alert.ts plus the ECS fields alert-format.md §3 plans, so they are typed when they appear. */
export const ALERT_MAPPINGS: TemplateMappings = {
  // Unknown fields stay in _source but are not indexed: no mapping explosion from sip.* additions.
  dynamic: false,
  properties: {
    '@timestamp': date,
    message: text,
    data_stream: dataStreamFields,
    event: obj({
      kind: keyword,
      category: keyword,
      type: keyword,
      outcome: keyword,
      action: keyword,
      code: keyword,
      severity: long,
      risk_score: float,
      risk_score_norm: float,
      id: keyword,
      start: date,
      end: date,
      duration: long,
      created: date,
      ingested: date,
      dataset: keyword,
      module: keyword,
      provider: keyword,
      reason: keyword,
      reference: keyword,
    }),
    rule: obj({
      id: keyword,
      uuid: keyword,
      name: keyword,
      version: keyword,
      category: keyword,
      ruleset: keyword,
      description: keyword,
      reference: keyword,
      author: keyword,
      license: keyword,
    }),
    threat: obj({
      framework: keyword,
      tactic: obj({ id: keyword, name: keyword, reference: keyword }),
      technique: obj({
        id: keyword,
        name: keyword,
        reference: keyword,
        subtechnique: obj({ id: keyword, name: keyword, reference: keyword }),
      }),
    }),
    source: endpoint,
    destination: endpoint,
    client: endpoint,
    server: endpoint,
    network: obj({ transport: keyword, protocol: keyword, type: keyword, direction: keyword, community_id: keyword }),
    observer: obj({ id: keyword, name: keyword, hostname: keyword, type: keyword, vendor: keyword, product: keyword }),
    user: obj({ name: keyword, id: keyword, domain: keyword }),
    user_agent: obj({ original: keyword }),
    related: obj({ ip, user: keyword, hosts: keyword }),
    sip: {
      dynamic: false,
      properties: {
        call_id: keyword,
        method: keyword,
        status_code: long,
        from_user: keyword,
        to_user: keyword,
        user_agent: keyword,
        request_uri_user: keyword,
      },
    },
    sipward: obj({
      fs38: obj({ theme: keyword }),
      count: long,
      threshold: double,
      window_s: double,
      // Keys are the signature's group_by paths ("source.ip"): one flattened field, any key.
      group: { type: 'flattened' },
      evidence: obj({
        id: keyword,
        '@timestamp': date,
        summary: { type: 'keyword', index: false },
        role: keyword,
        // Redacted SIP text: searchable ("which alerts quote friendly-scanner?"), at most 10 per alert.
        raw: { type: 'text' },
        source: obj({ ip, port: long }),
        destination: obj({ ip, port: long }),
        transport: keyword,
      }),
      // Keys are dotted field names ("source.ip"): Elasticsearch expands them into objects.
      aggregates: obj({
        source: obj({ ip: aggregateOf(ip) }),
        destination: obj({ ip: aggregateOf(ip) }),
        user: obj({ name: aggregateOf(keyword) }),
        user_agent: obj({ original: aggregateOf(keyword) }),
        sip: obj({ request_uri_user: aggregateOf(keyword), call_id: aggregateOf(keyword) }),
      }),
      call_ids: keyword,
    }),
  },
};

/** `sipward.aggregates.<field>`: top values with counts, distinct count, first/last seen. */
function aggregateOf(value: FieldMapping): FieldMapping {
  return obj({
    top: obj({ value, count: long }),
    distinct: long,
    capped: { type: 'boolean' },
    first_seen: date,
    last_seen: date,
  });
}

/** schema/src/call-record.ts. */
export const CALL_MAPPINGS: TemplateMappings = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    data_stream: dataStreamFields,
    event: obj({ kind: keyword, dataset: keyword, id: keyword, ingested: date }),
    call_id: keyword,
    start: date,
    answer: date,
    end: date,
    duration_s: double,
    setup_ms: long,
    final_status: long,
    outcome: keyword,
    ended_by: keyword,
    caller: obj({
      user: keyword,
      host: keyword,
      display_name: keyword,
      auth_user: keyword,
      ip,
      port: long,
      user_agent: keyword,
    }),
    callee: obj({
      request_uri_user: keyword,
      to_user: keyword,
      host: keyword,
      e164: keyword,
      country: keyword,
      number_type: keyword,
    }),
    path: keyword,
    media: obj({ caller_ip: lenientIp, caller_port: long, callee_ip: lenientIp, callee_port: long }),
    alert_ids: keyword,
    expired: { type: 'boolean' },
  },
};

/** schema/src/sip-transaction.ts: the SIP transaction log (`logs-sipward.sip-<ns>`). */
export const SIP_MAPPINGS: TemplateMappings = {
  dynamic: false,
  properties: {
    '@timestamp': date,
    data_stream: dataStreamFields,
    event: obj({ kind: keyword, dataset: keyword, id: keyword, ingested: date, duration: long, outcome: keyword }),
    source: obj({ ip, port: long }),
    destination: obj({ ip, port: long }),
    network: obj({ transport: keyword, protocol: keyword }),
    observer: obj({ id: keyword }),
    user_agent: obj({ original: keyword }),
    sip: obj({
      method: keyword,
      call_id: keyword,
      cseq: long,
      request_uri: keyword,
      request_uri_user: keyword,
      from: obj({ user: keyword, host: keyword, tag: keyword, display_name: keyword }),
      to: obj({ user: keyword, host: keyword, tag: keyword }),
      status_code: long,
      reason_phrase: keyword,
      provisional: long,
      server: keyword,
      contact: keyword,
      via_count: long,
      max_forwards: long,
      expires: long,
      content_type: keyword,
      request_size: long,
      response_size: long,
      retransmissions: long,
      auth: obj({ username: keyword, realm: keyword, result: keyword }),
      timings: obj({ first_response_ms: double, final_ms: double }),
      state: keyword,
      request_event_id: keyword,
      response_event_id: keyword,
    }),
  },
};

export interface TemplateOptions {
  /** Ingest pipeline to run on every document (index.default_pipeline), when the server has processors. */
  pipeline?: string;
}

function settings(options: TemplateOptions): Record<string, string | number> {
  // One shard: alert and call volumes are small; replicas left to the cluster's default (auto on one node).
  const s: Record<string, string | number> = { 'index.number_of_shards': 1 };
  if (options.pipeline !== undefined) s['index.default_pipeline'] = options.pipeline;
  return s;
}

const META = { managed_by: 'sipward-analyzer', description: 'sipward FS.38 SIP IDS' };

/** Alerts are updated while their incident is open, so they live in a concrete index behind a write alias. */
export function alertTemplate(options: TemplateOptions = {}): IndexTemplateBody {
  return {
    name: ALERT_TEMPLATE,
    index_patterns: ['logs-sipward.alert-*'],
    priority: TEMPLATE_PRIORITY,
    template: { settings: settings(options), mappings: ALERT_MAPPINGS },
    _meta: META,
  };
}

/** Call records are written once: a data stream, or (server without data streams) index + alias. */
export function callTemplate(options: TemplateOptions & { dataStream: boolean }): IndexTemplateBody {
  return {
    name: CALL_TEMPLATE,
    index_patterns: ['logs-sipward.call-*'],
    priority: TEMPLATE_PRIORITY,
    ...(options.dataStream ? { data_stream: {} } : {}),
    template: { settings: settings(options), mappings: CALL_MAPPINGS },
    _meta: META,
  };
}

/** The SIP transaction log is written once per transaction, like call records. */
export function sipTemplate(options: TemplateOptions & { dataStream: boolean }): IndexTemplateBody {
  return {
    name: SIP_TEMPLATE,
    index_patterns: ['logs-sipward.sip-*'],
    priority: TEMPLATE_PRIORITY,
    ...(options.dataStream ? { data_stream: {} } : {}),
    template: { settings: settings(options), mappings: SIP_MAPPINGS },
    _meta: META,
  };
}

/** Sets event.ingested (External Alerts' timestamp_override) at ingest time. Needs ingest-common's `set`. */
export function ingestPipeline(): { id: string; description: string; processors: Array<Record<string, unknown>> } {
  return {
    id: INGEST_PIPELINE,
    description: 'sipward: event.ingested = ingest time',
    processors: [{ set: { field: 'event.ingested', value: '{{_ingest.timestamp}}' } }],
  };
}

/**
 * Every path of `doc` that no mapping covers (arrays are walked; a flattened or disabled field
 * covers everything under it), and every object sitting where a leaf is mapped. For tests: a schema
 * field listed here would be stored but not searchable (or rejected).
 * @internal
 */
export function unmappedPaths(doc: unknown, mappings: TemplateMappings): string[] {
  const out: string[] = [];
  const walk = (value: unknown, props: Record<string, FieldMapping> | undefined, path: string): void => {
    if (Array.isArray(value)) {
      for (const v of value) walk(v, props, path);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [dotted, child] of Object.entries(value as Record<string, unknown>)) {
      // A dotted key ("source.ip") is a path, as Elasticsearch reads it.
      const parts = dotted.split('.');
      const key = parts.pop() as string;
      let owner = props;
      for (const part of parts) owner = owner?.[part]?.properties;
      const full = path === '' ? dotted : `${path}.${dotted}`;
      const m = owner?.[key];
      if (m === undefined) {
        if (!out.includes(full)) out.push(full);
        continue;
      }
      if (m.type === 'flattened' || m.enabled === false) continue;
      if (m.properties !== undefined) walk(child, m.properties, full);
      else if (child !== null && typeof child === 'object' && !Array.isArray(child) && !out.includes(full)) {
        out.push(full); // an object where a leaf is mapped: a conflict, not just a gap
      }
    }
  };
  walk(doc, mappings.properties, '');
  return out;
}
