import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyEnrichment } from '../enrich/enrichment';
import { compileConditions, compileGate, SignatureDispatch } from './dispatch';
import { loadSignatures } from '../load/load-signatures';
import { compileSignature } from './compile-signature';
import { signature, sipEvent } from '../test-events';
import type { SipEvent } from '../../../../schema/src/sip-event';

const txn = emptyEnrichment();

function dispatchOf(...sigs: ReturnType<typeof signature>[]): SignatureDispatch<string> {
  return new SignatureDispatch(sigs.map((s) => ({ item: s.id, gate: compileGate(s) })));
}

void test('dispatch: a message visits only the signatures its type, method and status can satisfy', () => {
  const invites = signature({ kind: 'stateless', id: 'INV', where: { 'sip.type': 'request', 'sip.method': 'INVITE' } });
  const registers = signature({
    kind: 'stateless',
    id: 'REG',
    where: { 'sip.type': 'request', 'sip.method': ['REGISTER'] },
  });
  const failures = signature({
    kind: 'stateless',
    id: 'FAIL',
    where: { 'sip.type': 'response', 'sip.cseq.method': ['REGISTER', 'INVITE'], 'sip.status_code': { gte: 400 } },
  });
  const everything = signature({ kind: 'stateless', id: 'ALL', where: { 'sip.user_agent': { exists: true } } });
  const dispatch = dispatchOf(invites, registers, failures, everything);
  const invite = sipEvent({ t: 0, sip: { type: 'request', method: 'INVITE', cseq: { seq: 1, method: 'INVITE' } } });
  const ok = sipEvent({ t: 0, sip: { type: 'response', status_code: 200, cseq: { seq: 1, method: 'INVITE' } } });
  const busy = sipEvent({ t: 0, sip: { type: 'response', status_code: 486, cseq: { seq: 1, method: 'INVITE' } } });
  const byeFail = sipEvent({ t: 0, sip: { type: 'response', status_code: 481, cseq: { seq: 2, method: 'BYE' } } });
  for (let round = 0; round < 2; round++) {
    // Second round answers from the cache: same lists.
    assert.deepEqual(dispatch.for(invite, txn), ['INV', 'ALL']);
    assert.deepEqual(dispatch.for(ok, txn), ['ALL']);
    assert.deepEqual(dispatch.for(busy, txn), ['FAIL', 'ALL']);
    assert.deepEqual(dispatch.for(byeFail, txn), ['ALL']);
  }
});

void test('dispatch: a request whose CSeq method differs from its method is not answered from the cache', () => {
  const gate = signature({ kind: 'stateless', id: 'CSEQ', where: { 'sip.cseq.method': 'INVITE' } });
  const dispatch = dispatchOf(gate);
  const plain = sipEvent({ t: 0, sip: { type: 'request', method: 'INVITE', cseq: { seq: 1, method: 'INVITE' } } });
  const odd = sipEvent({ t: 0, sip: { type: 'request', method: 'INVITE', cseq: { seq: 1, method: 'BYE' } } });
  const none = sipEvent({ t: 0, sip: { type: 'request', method: 'INVITE' } });
  assert.deepEqual(dispatch.for(plain, txn), ['CSEQ']);
  assert.deepEqual(dispatch.for(odd, txn), []);
  assert.deepEqual(dispatch.for(none, txn), []);
  assert.deepEqual(dispatch.for(plain, txn), ['CSEQ']);
});

void test('dispatch: half_open sees every response (they close its pending requests)', () => {
  const halfOpen = signature({
    id: 'HO',
    kind: 'half_open',
    where: { 'sip.type': 'request', 'sip.method': 'INVITE' },
  });
  const dispatch = dispatchOf(halfOpen);
  const ok = sipEvent({ t: 0, sip: { type: 'response', status_code: 200, cseq: { seq: 1, method: 'INVITE' } } });
  const bye = sipEvent({ t: 0, sip: { type: 'request', method: 'BYE', cseq: { seq: 2, method: 'BYE' } } });
  assert.deepEqual(dispatch.for(ok, txn), ['HO']);
  assert.deepEqual(dispatch.for(bye, txn), []);
});

void test('dispatch: a fuzzer inventing methods does not grow the cache past its bound, and still gets answers', () => {
  const any = signature({ kind: 'stateless', id: 'ANY', where: { 'sip.type': 'request' } });
  const dispatch = dispatchOf(any);
  for (let i = 0; i < 2_000; i++) {
    const m = `M${i}`;
    const e: SipEvent = sipEvent({ t: 0, sip: { type: 'request', method: m, cseq: { seq: 1, method: m } } });
    assert.deepEqual(dispatch.for(e, txn), ['ANY']);
  }
  assert.ok(dispatch.cachedKeys <= 512, `cached ${dispatch.cachedKeys}`);
});

void test('dispatch: the shipped signatures gate on method or status where their where says so', () => {
  const gated = loadSignatures()
    .map((l) => l.signature)
    .filter((s) => compileGate(s) !== undefined)
    .map((s) => s.id);
  for (const id of ['SIP-DOS-01', 'SIP-DOS-02', 'SIP-AUTH-01', 'SIP-REC-02', 'SIP-REC-04'])
    assert.ok(gated.includes(id), `${id} has a gate`);
  // Compiling a gate never changes what the signature itself compiles to.
  for (const l of loadSignatures()) compileSignature(l.signature);
});

function conditionalDispatch(...sigs: ReturnType<typeof signature>[]): SignatureDispatch<string> {
  return new SignatureDispatch(
    sigs.map((s) => ({ item: s.id, gate: compileGate(s), conditions: compileConditions(s) })),
  );
}

void test('dispatch: a signature without a method gate visits only messages with the fields it needs', () => {
  const malformed = signature({ kind: 'stateless', id: 'MAL', where: { 'sip.anomalies': { any_of: ['bad_via'] } } });
  const sdp = signature({ kind: 'stateless', id: 'SDP', where: { 'sip.sdp.media': { len_gte: 1 } } });
  const absent = signature({ kind: 'stateless', id: 'NOUA', where: { 'sip.user_agent': { exists: false } } });
  const dispatch = conditionalDispatch(malformed, sdp, absent);
  assert.deepEqual(dispatch.presenceFields, ['sip.anomalies', 'sip.sdp.media']);
  const plain = sipEvent({ t: 0, sip: { type: 'request', method: 'INVITE', cseq: { seq: 1, method: 'INVITE' } } });
  const broken = sipEvent({
    t: 0,
    sip: { type: 'request', method: 'INVITE', cseq: { seq: 1, method: 'INVITE' }, anomalies: ['bad_cseq'] },
  });
  const offer = sipEvent({
    t: 0,
    sip: {
      type: 'request',
      method: 'INVITE',
      cseq: { seq: 1, method: 'INVITE' },
      sdp: { media: [{ type: 'audio', port: 4000, proto: 'RTP/AVP', codecs: [] }], has_crypto: false },
    },
  });
  for (let round = 0; round < 2; round++) {
    // Same method, different presence bits: three cache entries, each answering for its own bits.
    assert.deepEqual(dispatch.for(plain, txn), ['NOUA']);
    // Present is not matching: the signature is visited and its `where` decides (bad_cseq is not bad_via).
    assert.deepEqual(dispatch.for(broken, txn), ['MAL', 'NOUA']);
    assert.deepEqual(dispatch.for(offer, txn), ['SDP', 'NOUA']);
  }
});

void test('dispatch: sequence steps, concurrent start/end and ratio parts each admit a message', () => {
  const sequence = signature({
    kind: 'sequence',
    id: 'SEQ',
    steps: [
      { where: { 'sip.type': 'response', 'sip.status_code': 401 }, min_count: 2 },
      { where: { 'sip.type': 'response', 'sip.status_code': 200 }, min_count: 1 },
    ],
  });
  const concurrent = signature({
    kind: 'concurrent',
    id: 'CONC',
    start: { 'dialog.event': 'answer' },
    end: { 'dialog.event': 'end' },
    item: 'sip.call_id',
  });
  const dispatch = conditionalDispatch(sequence, concurrent);
  const challenge = sipEvent({
    t: 0,
    sip: { type: 'response', status_code: 401, cseq: { seq: 1, method: 'REGISTER' } },
  });
  const ringing = sipEvent({ t: 0, sip: { type: 'response', status_code: 180, cseq: { seq: 1, method: 'INVITE' } } });
  assert.deepEqual(dispatch.for(challenge, txn), ['SEQ']);
  assert.deepEqual(dispatch.for(ringing, txn), []);
  const answered = emptyEnrichment();
  answered.dialog = { event: 'answer' };
  assert.deepEqual(dispatch.for(ringing, answered), ['CONC']);
  // Without conditions the same signatures see every message.
  assert.deepEqual(dispatchOf(sequence, concurrent).for(ringing, txn), ['SEQ', 'CONC']);
});

void test('dispatch: the shipped malformed-message signatures are skipped by a message without anomalies', () => {
  const shipped = loadSignatures().map((l) => l.signature);
  const dispatch = conditionalDispatch(...shipped);
  const options = sipEvent({ t: 0, sip: { type: 'request', method: 'OPTIONS', cseq: { seq: 1, method: 'OPTIONS' } } });
  const visited = dispatch.for(options, txn);
  for (const id of ['SIP-MAL-01', 'SIP-MAL-02', 'SIP-MAL-03', 'SIP-MAL-06', 'SIP-MAL-07', 'SIP-SDP-01', 'SIP-CRY-03'])
    assert.ok(!visited.includes(id), `${id} visited`);
  for (const id of ['SIP-MAL-04', 'SIP-MAL-05', 'SIP-REC-01', 'SIP-REC-02', 'SIP-DOS-03'])
    assert.ok(visited.includes(id), `${id} not visited`);
});
