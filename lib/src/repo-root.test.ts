import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath, repoRoot } from './repo-root';

void test('the repository root holds the sipward package and the folders shipped beside the code', () => {
  const root = repoRoot();
  assert.equal((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string }).name, 'sipward');
  assert.ok(existsSync(repoPath('signatures', 'signature.schema.json')));
  assert.ok(existsSync(repoPath('scripts', 'services')));
  assert.equal(repoRoot(), root);
});
