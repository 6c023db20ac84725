import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AGGREGATE_FIELDS } from '../alerts/aggregates';
import type { Alert } from '../../../schema/src/alert';
import type { CallRecord } from '../../../schema/src/call-record';
import type { SipTransaction } from '../../../schema/src/sip-transaction';
import {
  ALERT_MAPPINGS,
  CALL_MAPPINGS,
  SIP_MAPPINGS,
  sipTemplate,
  alertTemplate,
  callTemplate,
  firstIndexName,
  ingestPipeline,
  namespaceError,
  unmappedPaths,
  writeName,
  type FieldMapping,
} from './templates';

// Every field of schema/src/alert.ts, optional ones included.
const fullAlert: Alert = {
  '@timestamp': '2026-01-01T00:00:00.000Z',
  message: 'SIP-AUTH-01 REGISTER brute force on 1001 from 203.0.113.7',
  event: {
    kind: 'alert',
    category: ['intrusion_detection', 'network', 'authentication'],
    type: ['info', 'denied'],
    outcome: 'failure',
    action: 'sip-register-bruteforce',
    code: 'SIP-AUTH-01',
    severity: 73,
    risk_score: 73,
    id: 'a1',
    start: '2026-01-01T00:00:00.000Z',
    end: '2026-01-01T00:01:00.000Z',
    dataset: 'sipward.alert',
    module: 'sipward',
    reason: '12 events ≥ threshold 10 in 300 s',
  },
  rule: {
    id: 'SIP-AUTH-01',
    name: 'Digest brute force',
    version: 1,
    category: 'Credential Access',
    ruleset: 'sipward-fs38',
    description: 'd',
    reference: 'r',
  },
  threat: {
    framework: 'MITRE ATT&CK',
    tactic: { id: ['TA0006'], name: ['Credential Access'] },
    technique: { id: ['T1110.001'], name: ['Password Guessing'] },
  },
  source: { ip: '203.0.113.7', port: 5070 },
  destination: { ip: '198.51.100.10', port: 5060 },
  user: { name: '1001' },
  related: { ip: ['203.0.113.7', '198.51.100.10'], user: ['1001'] },
  sip: {
    call_id: 'c1',
    method: 'REGISTER',
    status_code: 401,
    from_user: '1001',
    to_user: '1001',
    user_agent: 'friendly-scanner',
    request_uri_user: '1001',
  },
  sipward: {
    fs38: { theme: ['FS38:ACCESS'] },
    count: 12,
    threshold: 10,
    window_s: 300,
    group: { 'destination.ip': '198.51.100.10', 'sip.to.user': '1001' },
    evidence: [
      {
        id: 'e1',
        '@timestamp': '2026-01-01T00:00:00.000Z',
        summary: 'REGISTER a → b 401',
        role: 'threshold',
        raw: 'SIP/2.0 401 Unauthorized\r\n\r\n',
        source: { ip: '198.51.100.10', port: 5060 },
        destination: { ip: '203.0.113.7', port: 5070 },
        transport: 'udp',
      },
    ],
    aggregates: Object.fromEntries(
      AGGREGATE_FIELDS.map((field) => [
        field,
        {
          top: [{ value: field.endsWith('.ip') ? '203.0.113.7' : 'x', count: 12 }],
          distinct: 1,
          capped: true as const,
          first_seen: '2026-01-01T00:00:00.000Z',
          last_seen: '2026-01-01T00:01:00.000Z',
        },
      ]),
    ),
    call_ids: ['c1'],
  },
};

// Every field of schema/src/sip-transaction.ts.
const fullTransaction: SipTransaction = {
  '@timestamp': '2026-01-01T00:00:00.000Z',
  event: { kind: 'event', dataset: 'sipward.sip', id: 't1', duration: 5_000_000, outcome: 'success' },
  source: { ip: '203.0.113.7', port: 5060 },
  destination: { ip: '198.51.100.10', port: 5060 },
  network: { transport: 'udp', protocol: 'sip' },
  observer: { id: 'probe-1' },
  user_agent: { original: 'friendly-scanner' },
  sip: {
    method: 'REGISTER',
    call_id: 'c1',
    cseq: 2,
    request_uri: 'sip:x',
    request_uri_user: '1001',
    from: { user: '1001', host: 'x', tag: 'a', display_name: 'A' },
    to: { user: '1001', host: 'x', tag: 'b' },
    status_code: 200,
    reason_phrase: 'OK',
    provisional: [100],
    server: 'kamailio',
    contact: ['1001@10.0.0.1:5060'],
    via_count: 1,
    max_forwards: 70,
    expires: 300,
    content_type: 'application/sdp',
    request_size: 500,
    response_size: 400,
    retransmissions: 0,
    auth: { username: '1001', realm: 'x', result: 'accepted' },
    timings: { first_response_ms: 1, final_ms: 5 },
    state: 'completed',
    request_event_id: 'e1',
    response_event_id: 'e2',
  },
};

// Every field of schema/src/call-record.ts.
const fullCall: CallRecord = {
  '@timestamp': '2026-01-01T00:00:00.000Z',
  event: { kind: 'event', dataset: 'sipward.call', id: 'k1' },
  call_id: 'c1',
  start: '2026-01-01T00:00:00.000Z',
  answer: '2026-01-01T00:00:02.000Z',
  end: '2026-01-01T00:01:00.000Z',
  duration_s: 58,
  setup_ms: 2000,
  final_status: 200,
  outcome: 'answered',
  ended_by: 'caller',
  caller: {
    user: '1001',
    host: 'pbx',
    display_name: 'A',
    auth_user: '1001',
    ip: '10.0.0.1',
    port: 5060,
    user_agent: 'ua',
  },
  callee: {
    request_uri_user: '0044',
    to_user: '0044',
    host: 'pbx',
    e164: '44',
    country: 'GB',
    number_type: 'MOBILE',
  },
  path: ['10.0.0.2'],
  media: { caller_ip: '10.0.0.1', caller_port: 4000, callee_ip: '10.0.0.3', callee_port: 4002 },
  alert_ids: ['a1'],
  expired: true,
};

function leaf(mappings: { properties: Record<string, FieldMapping> }, path: string): FieldMapping | undefined {
  let props: Record<string, FieldMapping> | undefined = mappings.properties;
  let m: FieldMapping | undefined;
  for (const part of path.split('.')) {
    m = props?.[part];
    props = m?.properties;
  }
  return m;
}

function allTypes(props: Record<string, FieldMapping>, out = new Set<string>()): Set<string> {
  for (const m of Object.values(props)) {
    if (m.type !== undefined) out.add(m.type);
    if (m.properties !== undefined) allTypes(m.properties, out);
  }
  return out;
}

void describe('index templates', () => {
  void test('every alert field of the schema is mapped', () => {
    assert.deepEqual(unmappedPaths(fullAlert, ALERT_MAPPINGS), []);
    // The event.ingested the indexer adds and the data_stream fields too.
    assert.deepEqual(
      unmappedPaths(
        { event: { ingested: 'x' }, data_stream: { type: 'logs', dataset: 'd', namespace: 'n' } },
        ALERT_MAPPINGS,
      ),
      [],
    );
  });

  void test('every call record field of the schema is mapped', () => {
    assert.deepEqual(unmappedPaths(fullCall, CALL_MAPPINGS), []);
    assert.deepEqual(unmappedPaths({ event: { ingested: 'x' } }, CALL_MAPPINGS), []);
  });

  void test('every SIP transaction log field of the schema is mapped', () => {
    assert.deepEqual(unmappedPaths(fullTransaction, SIP_MAPPINGS), []);
    const template = sipTemplate({ dataStream: true });
    assert.deepEqual(template.index_patterns, ['logs-sipward.sip-*']);
    assert.equal(leaf(SIP_MAPPINGS, 'source.ip')?.type, 'ip');
    assert.equal(leaf(SIP_MAPPINGS, 'sip.timings.final_ms')?.type, 'double');
  });

  void test('unmappedPaths finds gaps and object-on-leaf conflicts (the check can fail)', () => {
    assert.deepEqual(unmappedPaths({ event: { nope: 1 }, source: { ip: { a: 1 } } }, ALERT_MAPPINGS), [
      'event.nope',
      'source.ip',
    ]);
    assert.deepEqual(unmappedPaths({ sipward: { group: { any: { deep: 1 } } } }, ALERT_MAPPINGS), []);
  });

  void test('the types Elastic Security and the contract need', () => {
    assert.equal(leaf(ALERT_MAPPINGS, '@timestamp')?.type, 'date');
    assert.equal(leaf(ALERT_MAPPINGS, 'message')?.type, 'text');
    assert.equal(leaf(ALERT_MAPPINGS, 'event.severity')?.type, 'long');
    assert.equal(leaf(ALERT_MAPPINGS, 'event.risk_score')?.type, 'float');
    assert.equal(leaf(ALERT_MAPPINGS, 'event.kind')?.type, 'keyword');
    assert.equal(leaf(ALERT_MAPPINGS, 'event.ingested')?.type, 'date');
    assert.equal(leaf(ALERT_MAPPINGS, 'source.ip')?.type, 'ip');
    assert.equal(leaf(ALERT_MAPPINGS, 'related.ip')?.type, 'ip');
    assert.equal(leaf(ALERT_MAPPINGS, 'sipward.group')?.type, 'flattened');
    assert.equal(leaf(CALL_MAPPINGS, '@timestamp')?.type, 'date');
    assert.equal(leaf(CALL_MAPPINGS, 'caller.ip')?.type, 'ip');
    assert.equal(leaf(CALL_MAPPINGS, 'media.caller_ip')?.ignore_malformed, true, 'SDP addresses are untrusted');
    assert.equal(ALERT_MAPPINGS.dynamic, false);
    assert.equal(CALL_MAPPINGS.dynamic, false);
  });

  void test('only core field types (the integ-test-zip node has no mapper-extras)', () => {
    const core = new Set([
      'keyword',
      'text',
      'date',
      'long',
      'float',
      'double',
      'boolean',
      'ip',
      'flattened',
      'object',
    ]);
    for (const m of [ALERT_MAPPINGS, CALL_MAPPINGS]) {
      for (const t of allTypes(m.properties)) assert.ok(core.has(t), `type ${t}`);
    }
  });

  void test('templates: patterns, priority above 500, data stream only for calls', () => {
    const a = alertTemplate();
    assert.deepEqual(a.index_patterns, ['logs-sipward.alert-*']);
    assert.ok(a.priority > 500);
    assert.equal(a.data_stream, undefined);
    assert.equal(a.template.settings['index.default_pipeline'], undefined);
    assert.equal(alertTemplate({ pipeline: 'p' }).template.settings['index.default_pipeline'], 'p');
    const c = callTemplate({ dataStream: true });
    assert.deepEqual(c.index_patterns, ['logs-sipward.call-*']);
    assert.deepEqual(c.data_stream, {});
    assert.equal(callTemplate({ dataStream: false }).data_stream, undefined);
    assert.ok(!a.name.includes('@') && !c.name.includes('@'), '@ names are reserved for built-in templates');
  });

  void test('names follow logs-<dataset>-<namespace>', () => {
    assert.equal(writeName('alert', 'default'), 'logs-sipward.alert-default');
    assert.equal(writeName('call', 'prod'), 'logs-sipward.call-prod');
    assert.equal(firstIndexName('alert', 'opco_de'), 'logs-sipward.alert-opco_de-000001');
    assert.ok(alertTemplate().index_patterns.every((p) => writeName('alert', 'x').startsWith(p.replace('*', ''))));
  });

  void test('namespace validation', () => {
    assert.equal(namespaceError('default'), undefined);
    assert.equal(namespaceError('opco_de.1'), undefined);
    for (const bad of ['', 'a-b', 'Prod', 'a b', 'a*', '_x', '.x', 'x'.repeat(101)]) {
      assert.notEqual(namespaceError(bad), undefined, bad);
    }
  });

  void test('the ingest pipeline sets event.ingested from the ingest timestamp', () => {
    const p = ingestPipeline();
    assert.deepEqual(p.processors, [{ set: { field: 'event.ingested', value: '{{_ingest.timestamp}}' } }]);
  });
});
