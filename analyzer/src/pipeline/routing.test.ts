import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSignature } from '../engine/compile/compile-signature';
import { emptyEnrichment } from '../engine/enrich/enrichment';
import { register, responseTo, signature } from '../engine/test-events';
import { groupHash, groupPartition, Router, type Routes } from './routing';

/** The targets as a plain map (the router reuses its result). */
function byPartition(routes: Routes): Map<number, { ids: string[]; escalate: string[] }> {
  return new Map(routes.targets.map((t) => [t.partition, { ids: [...t.ids], escalate: [...t.escalate] }]));
}

void test('groupHash is FNV-1a 32-bit (the partitioning contract: stable across versions)', () => {
  // Reference values of FNV-1a 32 over ASCII.
  assert.equal(groupHash(''), 0x811c9dc5);
  assert.equal(groupHash('a'), 0xe40c292c);
  assert.equal(groupHash('foobar'), 0xbf9cf968);
  const p = groupPartition('SIP-AUTH-01', '203.0.113.7', 8);
  assert.ok(p >= 0 && p < 8);
  assert.equal(groupPartition('SIP-AUTH-01', '203.0.113.7', 8), p);
  // The router hashes the signature id's prefix once and continues over the key: same partition.
  for (const key of ['203.0.113.7', '', '1001\u001f2002', 'é€'])
    assert.equal(groupPartition('SIP-AUTH-01', key, 7), groupHash(`SIP-AUTH-01\u001f${key}`) % 7);
});

void test('an event goes to the partition of each group it can change, once per partition', () => {
  const bySource = compileSignature(signature({ id: 'SIP-T-SRC', kind: 'event_count', group_by: ['source.ip'] }));
  const byUser = compileSignature(signature({ id: 'SIP-T-USR', kind: 'event_count', group_by: ['sip.to.user'] }));
  const onlyResponses = compileSignature(
    signature({ id: 'SIP-T-RSP', kind: 'event_count', where: { 'sip.type': 'response' } }),
  );
  const router = new Router([bySource, byUser, onlyResponses], 4);
  const req = register(0, { src: '203.0.113.9', user: '1001', callId: 'c1', seq: 1 });
  const out = router.route(req, emptyEnrichment());
  const expected = new Map<number, { ids: string[]; escalate: string[] }>();
  const add = (p: number, id: string): void =>
    void expected.set(p, { ids: [...(expected.get(p)?.ids ?? []), id], escalate: [] });
  add(groupPartition('SIP-T-SRC', '203.0.113.9', 4), 'SIP-T-SRC');
  add(groupPartition('SIP-T-USR', '1001', 4), 'SIP-T-USR');
  assert.deepEqual(byPartition(out), expected, 'a request never goes to a response-only signature');
});

void test('an event without a group_by field is routed nowhere for that signature', () => {
  const byAuth = compileSignature(
    signature({ id: 'SIP-T-AUTH', kind: 'event_count', group_by: ['sip.auth.username'] }),
  );
  const router = new Router([byAuth], 4);
  assert.equal(router.route(register(0, { callId: 'c', seq: 1 }), emptyEnrichment()).targets.length, 0);
  assert.equal(router.route(register(0, { callId: 'c', seq: 2, auth: true }), emptyEnrichment()).targets.length, 1);
});

void test('half_open: a final answer goes where its request went, a provisional one does not', () => {
  const halfOpen = compileSignature(
    signature({ id: 'SIP-T-HALF', kind: 'half_open', group_by: ['source.ip'], where: { 'sip.method': 'REGISTER' } }),
  );
  const router = new Router([halfOpen], 8);
  const req = register(0, { src: '203.0.113.50', callId: 'h1', seq: 1 });
  const target = groupPartition('SIP-T-HALF', '203.0.113.50', 8);
  assert.deepEqual(
    byPartition(router.route(req, emptyEnrichment())),
    new Map([[target, { ids: ['SIP-T-HALF'], escalate: [] }]]),
  );
  assert.equal(router.pendingSize, 1);
  assert.equal(router.route(responseTo(req, 0.1, 100), emptyEnrichment()).targets.length, 0, '100 Trying ends nothing');
  // The answer's source is the registrar: grouped by its own source it would go elsewhere.
  assert.deepEqual(
    byPartition(router.route(responseTo(req, 0.2, 401), emptyEnrichment())),
    new Map([[target, { ids: ['SIP-T-HALF'], escalate: [] }]]),
  );
  assert.equal(router.pendingSize, 0);
  assert.equal(
    router.route(responseTo(req, 0.3, 401), emptyEnrichment()).targets.length,
    0,
    'a retransmitted answer: nothing waits',
  );
});

void test('escalation evidence goes to the incident it names, to escalate only', () => {
  // Counts 401s per account; a 200 to an authenticated REGISTER of that account escalates it.
  const brute = compileSignature(
    signature({
      id: 'SIP-T-BRUTE',
      kind: 'event_count',
      where: { 'sip.type': 'response', 'sip.status_code': 401 },
      group_by: ['sip.to.user'],
      escalate: [{ severity: 'critical', reason: 'it worked', when: { 'sip.status_code': 200 } }],
    }),
  );
  const router = new Router([brute], 8);
  const req = register(0, { user: '1001', callId: 'b1', seq: 1, auth: true });
  const target = groupPartition('SIP-T-BRUTE', '1001', 8);
  assert.deepEqual(
    byPartition(router.route(responseTo(req, 0.1, 401), emptyEnrichment())),
    new Map([[target, { ids: ['SIP-T-BRUTE'], escalate: [] }]]),
  );
  assert.deepEqual(
    byPartition(router.route(responseTo(req, 0.2, 200), emptyEnrichment())),
    new Map([[target, { ids: [], escalate: ['SIP-T-BRUTE'] }]]),
    'not counted (the where does not hold), but sent where the incident lives',
  );
});

void test('an event no condition of a signature admits (a sequence step, a ratio part) is not routed to it', () => {
  // The detect stage's engine dispatches with the same conditions: such an event would change nothing there.
  const sequence = compileSignature(
    signature({
      id: 'SIP-T-SEQ',
      kind: 'sequence',
      steps: [
        { where: { 'sip.type': 'response', 'sip.status_code': 401 }, min_count: 2 },
        { where: { 'sip.type': 'response', 'sip.status_code': 200 }, min_count: 1 },
      ],
    }),
  );
  const router = new Router([sequence], 4);
  const req = register(0, { src: '203.0.113.9', callId: 's1', seq: 1 });
  assert.equal(router.route(req, emptyEnrichment()).targets.length, 0, 'a request is no step of it');
  assert.equal(router.route(responseTo(req, 0.1, 100), emptyEnrichment()).targets.length, 0, 'nor a 100 Trying');
  const challenge = responseTo(req, 0.2, 401);
  assert.deepEqual(
    byPartition(router.route(challenge, emptyEnrichment())),
    new Map([[groupPartition('SIP-T-SEQ', challenge.source.ip, 4), { ids: ['SIP-T-SEQ'], escalate: [] }]]),
  );
});

void test('id lists are shared arrays, and all names every signature of every target once', () => {
  const bySource = compileSignature(signature({ id: 'SIP-T-SRC', kind: 'event_count', group_by: ['source.ip'] }));
  const byUser = compileSignature(signature({ id: 'SIP-T-USR', kind: 'event_count', group_by: ['sip.to.user'] }));
  const router = new Router([bySource, byUser], 1);
  const first = router.route(
    register(0, { src: '203.0.113.9', user: '1001', callId: 'c1', seq: 1 }),
    emptyEnrichment(),
  );
  const ids = first.targets[0]?.ids;
  assert.deepEqual(ids, ['SIP-T-SRC', 'SIP-T-USR']);
  assert.deepEqual(first.all, ['SIP-T-SRC', 'SIP-T-USR']);
  const second = router.route(
    register(1, { src: '203.0.113.8', user: '1002', callId: 'c2', seq: 1 }),
    emptyEnrichment(),
  );
  assert.equal(second.targets[0]?.ids, ids, 'the same list is the same array');
  assert.deepEqual(ids, ['SIP-T-SRC', 'SIP-T-USR'], 'and it was not changed');
});
