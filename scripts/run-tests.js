#!/usr/bin/env node
'use strict';
// Runs the compiled test files with node's built-in runner, in one invocation so that the
// closing `# pass N / # fail N` lines count every test.  Usage: run-tests.js unit|integration|all [filter]
const { readdirSync, statSync, existsSync } = require('node:fs');
const { join, relative, sep } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const [suite = 'all', filter] = process.argv.slice(2);
const excluded = (process.env.SIPWARD_TEST_EXCLUDE ?? '').split(',').filter((part) => part !== '');

if (!existsSync(dist)) {
  console.error('run-tests: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const integrationDir = join(dist, 'test', 'integration') + sep;
const files = walk(dist, [])
  .filter((f) => {
    const isIntegration = f.startsWith(integrationDir);
    if (suite === 'unit') return !isIntegration;
    if (suite === 'integration') return isIntegration;
    return true;
  })
  // A compiled test whose source was moved or deleted stays in dist/ (tsc never removes output):
  // running it would test stale code and inflate the counts, so only tests with a source run.
  .filter((f) => existsSync(join(root, relative(dist, f)).replace(/\.test\.js$/, '.test.ts')))
  .filter((f) => !filter || relative(dist, f).includes(filter))
  // SIPWARD_TEST_EXCLUDE=a,b: leave out files whose dist path contains a or b (the Node 24 run
  // of scripts/test leaves out the root-only live capture tests, which need native modules).
  .filter((f) => !excluded.some((part) => relative(dist, f).includes(part)))
  .sort();

if (files.length === 0) {
  console.error(`run-tests: no ${suite} test files found${filter ? ` matching ${filter}` : ''}`);
  process.exit(1);
}

// Integration files share one broker and one index node: run files one at a time.
const args = ['--enable-source-maps', '--test', '--test-concurrency=1', ...files];
// A runner started from inside another test (the newcomer-path test runs `npm test` in a clone)
// inherits NODE_TEST_CONTEXT, and node then skips every file and exits 0: never pass it on.
const env = { ...process.env };
delete env.NODE_TEST_CONTEXT;
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env });
process.exit(result.status ?? 1);
