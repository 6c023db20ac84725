// Start-up: a command loads only what it uses (commands/index.ts). `decode` and `analyze` run
// without the Elasticsearch and Kafka clients, prom-client or the console ever being required, and
// `analyze` reads no fixture expect.yaml; top-level help still lists every command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../../lib/src/repo-root';

// Compiled to dist/cli/src/commands/: the repository root is four levels up.
const ROOT = repoRoot();
const MAIN = join(ROOT, 'dist', 'cli', 'src', 'main.js');
const CAPTURE = join(ROOT, 'test', 'fixtures', 'captures', 'udp.pcap');

/** Runs the CLI in a child that prints, at exit, every module file it required and every expect.yaml it read. */
function loadedBy(args: string[]): { status: number | null; modules: string[]; expectReads: string[] } {
  const probe = `
    const fs = require('node:fs');
    const reads = [];
    const readFileSync = fs.readFileSync;
    fs.readFileSync = function (file, ...rest) {
      if (String(file).endsWith('expect.yaml')) reads.push(String(file));
      return readFileSync.call(this, file, ...rest);
    };
    process.on('exit', () => {
      fs.writeSync(2, '\\nLOADED ' + JSON.stringify({ modules: Object.keys(require.cache), reads }) + '\\n');
    });
    require(${JSON.stringify(MAIN)}).main(['node', 'sipward', ...${JSON.stringify(args)}]);
  `;
  const r = spawnSync(process.execPath, ['-e', probe], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED ')) ?? 'LOADED {"modules":[],"reads":[]}';
  const { modules, reads } = JSON.parse(line.slice('LOADED '.length)) as { modules: string[]; reads: string[] };
  return { status: r.status, modules, expectReads: reads };
}

const HEAVY = ['@elastic/elasticsearch', 'kafkajs', 'prom-client', 'puppeteer-core', 'undici'];

function heavyIn(modules: string[]): string[] {
  return HEAVY.filter((name) => modules.some((m) => m.includes(`node_modules/${name}/`)));
}

void test('decode loads neither the service clients nor the signature machinery', () => {
  const r = loadedBy(['decode', '--log-level', 'error', '--threads', '1', CAPTURE]);
  assert.equal(r.status, 0);
  assert.ok(
    r.modules.some((m) => m.endsWith('decode-packet.js')),
    'the probe saw the decode chain load',
  );
  assert.deepEqual(heavyIn(r.modules), []);
  for (const name of ['yaml', 'ajv', 'libphonenumber-js'])
    assert.ok(!r.modules.some((m) => m.includes(`node_modules/${name}/`)), `${name} loaded by decode`);
});

void test('analyze loads no service client and reads no fixture expect.yaml', () => {
  const r = loadedBy(['analyze', '--log-level', 'error', '--format', 'jsonl', '--threads', '1', CAPTURE]);
  assert.equal(r.status, 0);
  assert.ok(
    r.modules.some((m) => m.endsWith('load-signatures.js')),
    'the probe saw signatures load',
  );
  assert.deepEqual(heavyIn(r.modules), []);
  assert.deepEqual(r.expectReads, []);
});

void test('rules validate still reads the fixtures; top-level help still lists every command', () => {
  assert.ok(loadedBy(['rules', 'validate']).expectReads.length > 0);
  const help = spawnSync(process.execPath, [MAIN, '--help'], { cwd: ROOT, encoding: 'utf8' });
  for (const name of ['analyze', 'decode', 'rules', 'report', 'extract', 'ui', 'kibana', 'collect', 'analyzer'])
    assert.match(help.stdout, new RegExp(`^  ${name} `, 'm'), `${name} missing from --help`);
});
