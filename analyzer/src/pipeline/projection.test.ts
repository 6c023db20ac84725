import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyEnrichment } from '../engine/enrich/enrichment';
import { register, signature } from '../engine/test-events';
import { Projector, RENDERED_FIELDS, signatureFields, type ProjectedLine } from './projection';
import { LineBuilders } from './records';

/** The nested `{c, e}` the detect stage rebuilds from a projected line. */
function nested(projected: ProjectedLine): unknown {
  const paths = projected.shape.paths.map((path) => [...path]);
  const build = new LineBuilders().forRecord(paths, [paths.map((_, i) => i)])?.[0];
  assert.ok(build !== undefined, 'the shape forms a tree');
  return build(JSON.parse(projected.line) as unknown[]);
}

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
  const { c, e } = nested(projector.project(['SIP-T-P'], event, ctx)) as {
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
  const both = nested(projector.project(['SIP-T-D', 'SIP-T-W'], event, emptyEnrichment())) as {
    e: typeof event;
  };
  assert.deepEqual(both.e.sip.identity, event.sip.identity);
  const deepOnly = nested(projector.project(['SIP-T-D'], event, emptyEnrichment())) as {
    e: typeof event;
  };
  assert.deepEqual(deepOnly.e.sip.identity, { stir: { valid: false } });
});

/** The projection spelled out the slow way: copy the named parts, then stringify the copy. */
function projectedCopy(value: unknown, keep: (path: string) => 'whole' | 'part' | 'none', path = ''): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((element: unknown) => projectedCopy(element, keep, path));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const at = path === '' ? key : `${path}.${key}`;
    const verdict = keep(at);
    if (verdict === 'whole') out[key] = v;
    else if (verdict === 'part' && v !== null && typeof v === 'object') out[key] = projectedCopy(v, keep, at);
  }
  return out;
}

void test('the projected line rebuilds exactly the projected parts (escapes, lists, absent members, empty objects)', () => {
  const sig = signature({
    id: 'SIP-T-B',
    kind: 'event_count',
    where: { 'sip.contact.host': { exists: true }, 'sip.identity': { exists: true } },
    group_by: ['sip.via.0.host'],
  });
  const projector = new Projector([sig]);
  const event = register(1, { callId: 'b1', seq: 1, auth: true });
  event.sip.contact = [{ host: 'a "quoted" example', port: 5060 }, { user: 'no host' }];
  event.sip.identity = { privacy: 'id\nnext', stir: { valid: false, attest: 'C' } };
  const ctx = emptyEnrichment();
  ctx.txn.retransmission = false;
  const paths = [...RENDERED_FIELDS, ...signatureFields(sig)].map((p) => p.replace(/\.\d+(?=\.|$)/g, ''));
  const keep = (root: string) => (at: string) => {
    const full = `${root}${at}`;
    if (paths.some((p) => full === p || full.startsWith(`${p}.`))) return 'whole';
    return paths.some((p) => p.startsWith(`${full}.`)) ? 'part' : 'none';
  };
  const ctxCopy = projectedCopy(ctx, keep('')) as Record<string, unknown>;
  for (const part of ['txn', 'dialog', 'site', 'num']) ctxCopy[part] ??= {};
  assert.deepEqual(nested(projector.project(['SIP-T-B'], event, ctx)), {
    c: ctxCopy,
    e: projectedCopy(event, keep('')),
  });
});
