// The ladder: message parsing from evidence summaries and transaction-log lines, and the SVG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callRecordMessages, ladderHosts, renderLadder } from './ladder';
import { addMs, evidenceMessage, parseSummary, toSipLogEntries, toSipLogEntry, logMessage } from './sip-log';
import { syntheticCall } from './test-support/synthetic';

void test('summaries of requests, responses and IPv6 endpoints', () => {
  assert.deepEqual(parseSummary('INVITE 1000 10.77.0.66:5060 → 10.77.0.23:5060'), {
    method: 'INVITE',
    requestUriUser: '1000',
    from: { ip: '10.77.0.66', port: 5060 },
    to: { ip: '10.77.0.23', port: 5060 },
  });
  assert.deepEqual(parseSummary('REGISTER [2001:db8::1]:5070 → [2001:db8::2]:5060 401'), {
    method: 'REGISTER',
    from: { ip: '2001:db8::1', port: 5070 },
    to: { ip: '2001:db8::2', port: 5060 },
    status: '401',
  });
  assert.equal(parseSummary('response 10.0.0.1:5060 → 10.0.0.2:5060 without status')?.status, 'without status');
  assert.equal(parseSummary('garbage'), undefined);
});

void test('an evidence item prefers its source/destination and raw text over the summary', () => {
  const m = evidenceMessage({
    id: 'e1',
    '@timestamp': '2026-11-28T18:10:14.105484Z',
    summary: 'REGISTER 10.0.0.1:5060 → 10.0.0.2:5060 401',
    source: { ip: '10.9.9.9', port: 5099 },
    destination: { ip: '10.0.0.2', port: 5060 },
    raw: 'SIP/2.0 401 Unauthorized\r\n',
  });
  assert.deepEqual(m?.from, { ip: '10.9.9.9', port: 5099 });
  assert.equal(m?.label, '401 REGISTER');
  assert.equal(m?.raw, 'SIP/2.0 401 Unauthorized\r\n');
  assert.equal(evidenceMessage({ id: 'x', '@timestamp': 't', summary: 'nothing here' }), undefined);
});

void test('transaction-log lines: SIP-event shaped and flat', () => {
  const event = toSipLogEntry({
    '@timestamp': '2026-11-28T18:10:14Z',
    event: { id: 'ev1' },
    source: { ip: '10.0.0.1', port: 5060 },
    destination: { ip: '10.0.0.2', port: 5060 },
    sip: { call_id: 'c1', type: 'response', status_code: 200, cseq: { method: 'INVITE' }, raw: 'SIP/2.0 200 OK' },
  });
  assert.equal(event?.callId, 'c1');
  assert.equal(logMessage(event!, 0)?.label, '200 INVITE');
  const flat = toSipLogEntry({
    '@timestamp': 't',
    call_id: 'c2',
    method: 'BYE',
    summary: 'BYE 10.0.0.1:5060 → 10.0.0.2:5060',
  });
  assert.equal(logMessage(flat!, 3)?.label, 'BYE');
  assert.equal(logMessage(flat!, 3)?.id, 'log-3');
  assert.equal(toSipLogEntry({ '@timestamp': 't' }), undefined, 'no Call-ID');
});

void test('the SVG: one column per host in order of appearance, one arrow per message, text escaped', () => {
  const messages = [
    {
      id: 'a',
      timestamp: '2026-01-01T00:00:00.000000Z',
      from: { ip: '10.0.0.1' },
      to: { ip: '10.0.0.2' },
      label: 'INVITE <script>',
    },
    {
      id: 'b',
      timestamp: '2026-01-01T00:00:00.250000Z',
      from: { ip: '10.0.0.2' },
      to: { ip: '10.0.0.1' },
      label: '100 INVITE',
    },
    {
      id: 'c',
      timestamp: '2026-01-01T00:00:01.000000Z',
      from: { ip: '10.0.0.2' },
      to: { ip: '10.0.0.2' },
      label: 'OPTIONS',
    },
  ];
  assert.deepEqual(ladderHosts(messages), ['10.0.0.1', '10.0.0.2']);
  const svg = renderLadder(messages);
  assert.equal(svg.match(/<g class="msg/g)?.length, 3);
  assert.ok(!svg.includes('<script>') && svg.includes('INVITE &lt;script&gt;'));
  assert.ok(svg.includes('+0.250000 s') && svg.includes('+1.000 s'));
  assert.match(svg, /<path class="arrow" d="M380,/, 'a message between two ports of one host loops');
  assert.match(renderLadder([]), /No messages/);
});

void test('a call record alone gives INVITE, final response and BYE', () => {
  const answered = callRecordMessages(syntheticCall(0));
  assert.deepEqual(
    answered.map((m) => m.label),
    ['INVITE 44200', '200 INVITE'],
  );
  const byCaller = callRecordMessages({ ...syntheticCall(0), ended_by: 'caller' });
  assert.deepEqual(
    byCaller.map((m) => m.label),
    ['INVITE 44200', '200 INVITE', 'BYE'],
  );
  assert.deepEqual(byCaller[2]?.from, byCaller[0]?.from);
});

void test('a transaction record (sip-log) becomes its request, provisional and final responses', () => {
  const entries = toSipLogEntries({
    '@timestamp': '2026-11-28T18:10:05.850952Z',
    event: { kind: 'event', dataset: 'sipward.sip', id: 't1' },
    source: { ip: '10.77.0.11', port: 5072 },
    destination: { ip: '10.77.0.22', port: 5060 },
    sip: {
      method: 'INVITE',
      call_id: 'c1',
      cseq: 1,
      request_uri_user: 'bob',
      status_code: 200,
      provisional: [100, 180],
      timings: { first_response_ms: 0.5, final_ms: 2.364 },
      request_event_id: 'req1',
      response_event_id: 'resp1',
    },
  });
  const messages = entries.map((e, i) => logMessage(e, i));
  assert.deepEqual(
    messages.map((m) => [m?.label, m?.from.ip, m?.to.ip, m?.timestamp]),
    [
      ['INVITE bob', '10.77.0.11', '10.77.0.22', '2026-11-28T18:10:05.850952Z'],
      ['100 INVITE', '10.77.0.22', '10.77.0.11', '2026-11-28T18:10:05.851452Z'],
      ['180 INVITE', '10.77.0.22', '10.77.0.11', '2026-11-28T18:10:05.851452Z'],
      ['200 INVITE', '10.77.0.22', '10.77.0.11', '2026-11-28T18:10:05.853316Z'],
    ],
  );
  assert.deepEqual([messages[0]?.id, messages[3]?.id], ['req1', 'resp1']);
  assert.equal(addMs('2026-11-28T23:59:59.999900Z', 0.2), '2026-11-29T00:00:00.000100Z');
});
