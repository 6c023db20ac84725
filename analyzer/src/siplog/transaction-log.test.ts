import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert } from '../../../schema/src/alert';
import type { SipEvent } from '../../../schema/src/sip-event';
import type { SipTransaction } from '../../../schema/src/sip-transaction';
import { register, responseTo, sipEvent } from '../engine/test-events';
import { AlertedTransactionFilter } from './alerted-filter';
import { SipTransactionLog } from './transaction-log';

function run(events: SipEvent[], flush = true): SipTransaction[] {
  const out: SipTransaction[] = [];
  const log = new SipTransactionLog({ onTransaction: (r) => out.push(r) });
  for (const e of events) log.process(e);
  if (flush) log.flush();
  return out;
}

void test('a challenged then accepted registration: two transactions with timings, auth outcome and headers', () => {
  const r1 = register(0, { callId: 'reg', seq: 1 });
  const c1 = responseTo(r1, 0.002, 401);
  const r2 = register(0.01, { callId: 'reg', seq: 2, auth: true });
  r2.sip.auth = { scheme: 'Digest', username: '1001', realm: 'sipward.test' };
  const trying = responseTo(r2, 0.011, 100);
  const ok = responseTo(r2, 0.015, 200);
  ok.sip.server = 'kamailio (5.7.4)';
  const out = run([r1, c1, r2, trying, ok]);
  assert.equal(out.length, 2);
  const [first, second] = out;
  assert.equal(first?.sip.status_code, 401);
  assert.deepEqual(first?.sip.auth, { result: 'challenged' });
  assert.equal(first?.event.outcome, 'failure');
  assert.deepEqual(first?.source, { ip: '203.0.113.7', port: 5060 }, 'the requester');
  assert.equal(second?.sip.method, 'REGISTER');
  assert.equal(second?.sip.cseq, 2);
  assert.deepEqual(second?.sip.auth, { username: '1001', realm: 'sipward.test', result: 'accepted' });
  assert.deepEqual(second?.sip.provisional, [100]);
  assert.deepEqual(second?.sip.timings, { first_response_ms: 1, final_ms: 5 });
  assert.equal(second?.event.duration, 5_000_000);
  assert.equal(second?.sip.server, 'kamailio (5.7.4)');
  assert.equal(second?.user_agent?.original, 'friendly-scanner');
  assert.equal(second?.sip.state, 'completed');
  assert.equal(second?.sip.request_event_id, r2.event.id);
  assert.equal(second?.sip.response_event_id, ok.event.id);
  assert.notEqual(first?.event.id, second?.event.id);
});

void test('retransmissions are counted, not logged; a wrong password is a rejected authentication', () => {
  const req = register(0, { callId: 'bf', seq: 1, auth: true });
  const resend = { ...req, event: { ...req.event, id: 'resend' } };
  const no = responseTo(req, 0.6, 403);
  const noAgain = { ...no, event: { ...no.event, id: 'again' } };
  const out = run([req, resend, no, noAgain]);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.sip.retransmissions, 1);
  assert.equal(out[0]?.sip.auth?.result, 'rejected');
});

void test('a request without a final response is written as a timeout after 32 s of event time', () => {
  const lost = sipEvent({
    t: 0,
    sip: { type: 'request', method: 'OPTIONS', call_id: 'o1', cseq: { seq: 1, method: 'OPTIONS' } },
  });
  const later = register(40, { callId: 'x', seq: 1 });
  const out = run([lost, later], false);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.sip.state, 'timeout');
  assert.equal(out[0]?.event.outcome, 'unknown');
  assert.equal(out[0]?.sip.status_code, undefined);
});

void test('ACKs are not transactions; a response whose request was not captured still is', () => {
  const ack = sipEvent({
    t: 0,
    sip: { type: 'request', method: 'ACK', call_id: 'c', cseq: { seq: 1, method: 'ACK' } },
  });
  const orphan = sipEvent({
    t: 1,
    src: '198.51.100.10',
    dst: '203.0.113.9',
    sip: { type: 'response', status_code: 486, call_id: 'c2', cseq: { seq: 1, method: 'INVITE' } },
  });
  const out = run([ack, orphan]);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.sip.method, 'INVITE');
  assert.deepEqual(out[0]?.source, { ip: '203.0.113.9', port: 5060 }, 'the requester is the response destination');
  assert.equal(out[0]?.sip.request_event_id, undefined);
});

void test('alerted mode keeps only transactions of alerting sources or dialogs, also those before the alert', () => {
  const kept: SipTransaction[] = [];
  const filter = new AlertedTransactionFilter(60_000, (r) => kept.push(r));
  const log = new SipTransactionLog({ onTransaction: (r) => filter.add(r) });
  const fromAttacker = register(0, { callId: 'a1', seq: 1, src: '203.0.113.66' });
  const fromPhone = register(1, { callId: 'p1', seq: 1, src: '10.0.0.5' });
  const inDialog = register(2, { callId: 'd1', seq: 1, src: '10.0.0.6' });
  for (const req of [fromAttacker, fromPhone, inDialog]) {
    log.process(req);
    log.process(responseTo(req, req === fromAttacker ? 0.1 : req === fromPhone ? 1.1 : 2.1, 401));
  }
  filter.noteAlert({ source: { ip: '203.0.113.66' }, sipward: { evidence: [] } } as unknown as Alert);
  filter.noteCall('d1');
  log.flush();
  filter.flush();
  assert.deepEqual(
    kept.map((r) => r.sip.call_id),
    ['a1', 'd1'],
  );
  assert.equal(filter.dropped, 1);
});
