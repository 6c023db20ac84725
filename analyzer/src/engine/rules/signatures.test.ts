import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCatalog } from './catalog';
import { checkSignatures, defaultSignaturesDir } from '../load/load-signatures';
import { runSignatureFixtures } from './run-fixtures';

// `sipward rules validate` + `sipward rules test` over the real signatures/ folder.
const { signatures, errors } = checkSignatures({ requireFixtures: true });

void test('signatures/ holds valid signatures, each with positive and negative fixtures', () => {
  assert.deepEqual(errors, []);
  assert.ok(signatures.length > 0, 'no signatures found in signatures/');
});

void test('every fixture of every signature gives the expected alerts', async (t) => {
  assert.ok(signatures.length > 0, 'no signatures found in signatures/');
  for (const result of runSignatureFixtures(signatures)) {
    await t.test(`${result.id} ${result.fixture}`, () => {
      assert.ok(result.pass, result.problems.join('; '));
    });
  }
});

void test('signatures/CATALOG.md, when committed, is the generated one', (t) => {
  const file = join(defaultSignaturesDir(), 'CATALOG.md');
  if (!existsSync(file)) {
    t.diagnostic('signatures/CATALOG.md not committed yet: nothing to compare');
    return;
  }
  assert.equal(
    readFileSync(file, 'utf8'),
    renderCatalog(signatures),
    'stale: run `sipward rules catalog --out signatures/CATALOG.md`',
  );
});
