import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyEnrichment } from '../engine/enrich/enrichment';
import { register, signature } from '../engine/test-events';
import { Projector, RENDERED_FIELDS, signatureFields } from './projection';

void test('a signature reads the paths of its predicates, groups, field, template and escalations', () => {
  const sig = signature({
    kind: 'value_count',
    where: { 'sip.method': 'INVITE', any: [{ 'site.internal': true }, { not: { 'num.country': 'FR' } }] },
    allowlist: { 'source.ip': { cidr: ['10.0.0.0/8'] } },
    group_by: ['source.ip', 'dialog.account'],
    field: 'sip.request_uri_user',
    message: '{rule.id}: {count} numbers from {source.ip} via {sip.user_agent}',
    escalate: [
      {
        severity: 'high',
        reason: 'r',
        when: { 'sip.auth.username': { differs_from: 'sip.from.user' } },
        group_by: ['destination.ip'],
      },
    ],
  });
  assert.deepEqual(
    [...signatureFields(sig)].sort(),
    [
      'destination.ip',
      'dialog.account',
      'num.country',
      'sip.auth.username',
      'sip.from.user',
      'sip.method',
      'sip.request_uri_user',
      'sip.user_agent',
      'site.internal',
      'source.ip',
    ].sort(),
  );
});

void test('a projected event keeps what its signatures and alert building read, nothing else', () => {
  const sig = signature({ id: 'SIP-T-P', kind: 'event_count', where: { 'sip.contact.host': { exists: true } } });
  const projector = new Projector([sig]);
  const event = register(1, { callId: 'p1', seq: 1, auth: true });
  event.sip.contact = [
    { host: 'a.example', port: 5060 },
    { host: 'b.example', user: 'x' },
  ];
  event.sip.max_forwards = 70;
  const ctx = emptyEnrichment();
  ctx.txn.retransmission = false;
  (ctx.dialog as Record<string, unknown>).account = 'not read';
  const { c, e } = JSON.parse(`{${projector.project(['SIP-T-P'], event, ctx)}}`) as {
    c: Record<string, Record<string, unknown>>;
    e: typeof event;
  };
  assert.deepEqual(e.sip.contact, [{ host: 'a.example' }, { host: 'b.example' }], 'element-wise, list length kept');
  assert.equal(e.sip.max_forwards, undefined, 'a field nothing reads is left out');
  assert.equal(e.sip.auth?.username, '1001', 'evidence names the account');
  assert.equal(e.sip.via?.[0]?.branch, event.sip.via?.[0]?.branch, 'half_open matches answers by it');
  assert.equal(e.sip.via?.[0]?.host, undefined);
  assert.equal(e.event.id, event.event.id);
  assert.equal(e['@timestamp'], event['@timestamp']);
  assert.deepEqual(c.dialog, {}, 'enrichment nothing reads is left out');
  assert.equal(c.txn?.retransmission, false);
  for (const path of RENDERED_FIELDS) assert.ok(!path.endsWith('.'), path);
});

void test('a whole-object path keeps the whole object, whatever deeper paths other signatures name', () => {
  const whole = signature({ id: 'SIP-T-W', kind: 'stateless', where: { 'sip.identity': { exists: true } } });
  const deep = signature({ id: 'SIP-T-D', kind: 'stateless', where: { 'sip.identity.stir.valid': false } });
  const projector = new Projector([whole, deep]);
  const event = register(1, { callId: 'w1', seq: 1 });
  event.sip.identity = { privacy: 'id', stir: { valid: false, attest: 'C' } };
  const both = JSON.parse(`{${projector.project(['SIP-T-D', 'SIP-T-W'], event, emptyEnrichment())}}`) as {
    e: typeof event;
  };
  assert.deepEqual(both.e.sip.identity, event.sip.identity);
  const deepOnly = JSON.parse(`{${projector.project(['SIP-T-D'], event, emptyEnrichment())}}`) as {
    e: typeof event;
  };
  assert.deepEqual(deepOnly.e.sip.identity, { stir: { valid: false } });
});
