// The layering rule of eslint.config.mjs (README "Data flow") through ESLint's Node API: each
// forbidden import is reported, each allowed one is not. The sources are linted as text under a
// path inside each folder, so nothing is written into the tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { repoRoot } from '../../lib/src/repo-root';

const eslint = new ESLint({
  cwd: repoRoot(),
  // Only the import rules: type-aware rules would need the probe files to exist in the project.
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});

async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  assert.ok(result !== undefined);
  return result.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const CASES: { file: string; from: string; allowed: boolean }[] = [
  { file: 'analyzer/src/engine/probe.ts', from: '../../../collectors/src/decode', allowed: false },
  { file: 'analyzer/src/probe.test.ts', from: '../../collectors/src/test-support/frames', allowed: false },
  { file: 'analyzer/src/engine/probe.ts', from: '../../../cli/src/main', allowed: false },
  { file: 'analyzer/src/engine/probe.ts', from: '../../../schema/src/sip-event', allowed: true },
  { file: 'analyzer/src/engine/probe.ts', from: '../../../lib/src/retry', allowed: true },
  { file: 'analyzer/src/engine/probe.ts', from: '../calls/e164', allowed: true },
  { file: 'collectors/src/event/probe.ts', from: '../../../analyzer/src/engine/engine', allowed: false },
  { file: 'collectors/src/event/probe.ts', from: '../../../console/src/server', allowed: false },
  { file: 'collectors/src/event/probe.ts', from: '../../../lib/src/errors', allowed: true },
  { file: 'lib/src/probe.ts', from: '../../collectors/src/decode', allowed: false },
  { file: 'lib/src/kafka/probe.ts', from: '../../../analyzer/src/engine/engine', allowed: false },
  { file: 'lib/src/probe.ts', from: '../../cli/src/main', allowed: false },
  { file: 'lib/src/probe.ts', from: '../../console/src/server', allowed: false },
  { file: 'lib/src/probe.ts', from: '../../schema/src/sip-event', allowed: true },
  { file: 'lib/src/kafka/probe.ts', from: 'kafkajs', allowed: true },
  { file: 'schema/src/probe.ts', from: '../../lib/src/errors', allowed: false },
  { file: 'schema/src/probe.ts', from: 'yaml', allowed: false },
  { file: 'schema/src/probe.ts', from: './sip-event', allowed: true },
  { file: 'schema/src/probe.ts', from: 'node:crypto', allowed: true },
  { file: 'cli/src/jobs/probe.ts', from: '../../../collectors/src/decode', allowed: true },
  { file: 'cli/src/jobs/probe.ts', from: '../../../analyzer/src/engine/engine', allowed: true },
  { file: 'cli/src/probe.ts', from: 'kafkajs', allowed: false },
  { file: 'console/src/probe.ts', from: '../../collectors/src/decode', allowed: false },
  { file: 'console/src/pages/probe.ts', from: '../../../cli/src/main', allowed: false },
  { file: 'console/src/probe.ts', from: '../../analyzer/src/index/templates', allowed: true },
  { file: 'collectors/src/publish/probe.ts', from: 'kafkajs', allowed: false },
];

for (const { file, from, allowed } of CASES) {
  void test(`${file} ${allowed ? 'may' : 'may not'} import ${from}`, async () => {
    // A type-only import is a dependency too: the rule must see it.
    const messages = await restricted(file, `import type { X } from '${from}';\nexport type Y = X;\n`);
    if (allowed) assert.deepEqual(messages, []);
    else {
      assert.equal(messages.length, 1, messages.join('\n'));
      assert.match(messages[0] ?? '', /^no-restricted-imports: /);
    }
  });
}
