// The README's two commands, as a newcomer runs them on a fresh machine (long suite only: it
// installs, builds and runs the whole suite once more, ~10 min). A clean clone of HEAD in a temp
// dir runs command 1; then the native capture modules are removed — what `npm ci` leaves behind
// when libpcap-dev is not installed yet — and command 2 must notice, reinstall and pass.
// The nested `npm test` reuses the services this run started (same SIPWARD_SERVICES_DIR, so it
// neither starts nor stops them) and runs without the long mode, so it does not recurse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../lib/src/test-support/temp-dir';
import { repoRoot } from '../../lib/src/repo-root';

const LONG = process.env['SIPWARD_LONG_TESTS'] === '1';
const ROOT = repoRoot();

/** The two commands, read from the README's first code block so the test follows the README. */
function readmeCommands(): [string, string] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const lines = block.split('\n').filter((l) => l.trim().length > 0);
  assert.equal(lines.length, 2, `README's first sh block must hold exactly the two commands, got: ${block}`);
  return [lines[0] ?? '', lines[1] ?? ''];
}

function sh(cwd: string, command: string, env: NodeJS.ProcessEnv, timeoutMs: number) {
  return spawnSync('bash', ['-c', command], { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 << 20 });
}

void test(
  'newcomer path: README command 1, native builds removed, then README command 2 passes',
  { skip: !LONG && 'long suite only (SIPWARD_LONG_TESTS=1)', timeout: 45 * 60_000 },
  () => {
    const [analyze, testCommand] = readmeCommands();
    assert.match(analyze, /sipward\.js analyze samples\/demo-attacks\.pcap/);
    assert.equal(testCommand, 'npm test');
    const dir = tempDir('sipward-newcomer-');
    // mkdtemp makes the directory 0700; the live test's least-privilege sensor runs as nobody and
    // must reach bin/sipward.js, as it can in an ordinary clone.
    chmodSync(dir, 0o755);
    const clone = join(dir, 'sipward');
    try {
      const cloned = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], { encoding: 'utf8' });
      assert.equal(cloned.status, 0, cloned.stderr);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        SIPWARD_LONG_TESTS: '0',
        SIPWARD_SERVICES_DIR: process.env['SIPWARD_SERVICES_DIR'] ?? join(ROOT, '.services'),
      };

      const first = sh(clone, analyze, env, 15 * 60_000);
      assert.equal(first.status, 0, `command 1 failed:\n${first.stderr.slice(-3000)}`);
      const alerts = first.stdout.split('\n').filter((l) => l.startsWith('{'));
      assert.equal(alerts.length, 8, 'the demo capture gives its eight alerts');

      // What `npm ci` leaves when libpcap-dev is missing: the optional native modules are skipped.
      for (const name of ['cap', 'pcap']) rmSync(join(clone, 'node_modules', name), { recursive: true, force: true });
      assert.ok(!existsSync(join(clone, 'node_modules', 'cap')));

      const second = sh(clone, testCommand, env, 40 * 60_000);
      const log = `${second.stdout}\n${second.stderr}`;
      assert.match(log, /reinstalling node_modules: native module cap is not installed/);
      assert.match(log, /^# fail 0$/m, `command 2's suite must pass:\n${log.slice(-4000)}`);
      assert.equal(second.status, 0, `command 2 exited ${second.status}:\n${log.slice(-4000)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
