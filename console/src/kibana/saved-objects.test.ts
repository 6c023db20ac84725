// The Kibana saved objects: the committed NDJSON is what the builder makes, and every field a
// panel uses exists in the index templates with a type its aggregation accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertTemplate, callTemplate, sipTemplate } from '../../../analyzer/src/index/templates';
import { DATA_VIEWS, savedObjects, savedObjectsNdjson, type SavedObject } from './saved-objects';
import { fieldType, validateSavedObjects } from './validate';
import { repoRoot } from '../../../lib/src/repo-root';

const ROOT = repoRoot();
const COMMITTED = join(ROOT, 'kibana', 'sipward.ndjson');
const TEMPLATES = [alertTemplate(), callTemplate({ dataStream: true }), sipTemplate({ dataStream: true })];

function committed(): SavedObject[] {
  return readFileSync(COMMITTED, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SavedObject);
}

void test('kibana/sipward.ndjson is what `sipward kibana export` writes (regenerate it after a change)', () => {
  assert.equal(readFileSync(COMMITTED, 'utf8'), savedObjectsNdjson());
});

void test('every field a visualisation uses exists in an index template with a suitable type', () => {
  assert.deepEqual(validateSavedObjects(committed(), TEMPLATES), []);
});

void test('the set holds the three data views and the SOC and fraud dashboards, every panel resolved', () => {
  const objects = committed();
  const views = objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes['title']);
  assert.deepEqual(
    views.sort(),
    Object.values(DATA_VIEWS)
      .map((v) => v.title)
      .sort(),
  );
  const dashboards = objects.filter((o) => o.type === 'dashboard');
  assert.deepEqual(dashboards.map((d) => d.id).sort(), ['sipward-fraud', 'sipward-soc-overview']);
  for (const d of dashboards) {
    const panels = JSON.parse(d.attributes['panelsJSON'] as string) as Array<{ panelRefName: string }>;
    assert.ok(panels.length >= 5, `${d.id} has its panels`);
    for (const p of panels) {
      const ref = d.references.find((r) => r.name === p.panelRefName);
      assert.ok(ref !== undefined && objects.some((o) => o.type === 'lens' && o.id === ref.id), p.panelRefName);
    }
  }
});

function withColumn(field: string, operationType: string, dataType = 'string'): SavedObject[] {
  const objects = structuredClone(savedObjects());
  const lens = objects.find((o) => o.id === 'sipward-fraud-by-destination');
  assert.ok(lens !== undefined);
  const state = lens.attributes['state'] as {
    datasourceStates: { formBased: { layers: Record<string, { columns: Record<string, Record<string, unknown>> }> } };
  };
  const layer = Object.values(state.datasourceStates.formBased.layers)[0];
  assert.ok(layer !== undefined);
  layer.columns['country'] = { ...layer.columns['country'], sourceField: field, operationType, dataType };
  return objects;
}

void test('the validator catches unmapped fields, wrong types and broken references', () => {
  assert.match(
    validateSavedObjects(withColumn('callee.region', 'terms'), TEMPLATES).join('\n'),
    /callee\.region.*not an indexed field/,
  );
  assert.match(
    validateSavedObjects(withColumn('outcome', 'sum', 'number'), TEMPLATES).join('\n'),
    /sum cannot use a keyword field/,
  );
  assert.match(
    validateSavedObjects(withColumn('caller.ip', 'terms', 'string'), TEMPLATES).join('\n'),
    /dataType string does not fit the mapped type ip/,
  );
  const alertOnly = validateSavedObjects(savedObjects(), [alertTemplate()]);
  assert.ok(
    alertOnly.some((e) => /sipward-fraud-by-account.*covered by no index template/.test(e)),
    alertOnly.join('\n'),
  );
  const missing = savedObjects().filter((o) => o.id !== 'sipward-soc-top-sources');
  assert.match(
    validateSavedObjects(missing, TEMPLATES).join('\n'),
    /panel_4 → lens sipward-soc-top-sources is not in the set/,
  );
});

void test('fieldType walks nested and flattened mappings; unindexed fields count as absent', () => {
  const alert = alertTemplate().template.mappings;
  assert.equal(fieldType(alert, 'source.ip'), 'ip');
  assert.equal(fieldType(alert, 'sipward.group.source.ip'), 'keyword');
  assert.equal(fieldType(alert, 'sipward.evidence.summary'), undefined);
  assert.equal(fieldType(alert, 'no.such'), undefined);
});
