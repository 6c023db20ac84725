// scripts/check-install.js decides whether `npm test` reinstalls node_modules. Each case builds a
// throw-away checkout with the defect a newcomer can have and checks the verdict and its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../lib/src/test-support/temp-dir';
import { repoRoot } from '../../lib/src/repo-root';

const SCRIPT = join(repoRoot(), 'scripts', 'check-install.js');

interface Verdict {
  status: number | null;
  reasons: string[];
}

function check(root: string, ...args: string[]): Verdict {
  const r = spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], { encoding: 'utf8' });
  return { status: r.status, reasons: r.stderr.split('\n').filter((l) => l.length > 0) };
}

/** A checkout with one optional native dependency `fakecap` whose index.js body is `loader`. */
function checkout(loader: string | undefined): string {
  const root = tempDir('sipward-check-install-');
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'x', optionalDependencies: { fakecap: '1.0.0' } }));
  writeFileSync(join(root, 'package-lock.json'), '{}');
  mkdirSync(join(root, 'node_modules'));
  writeFileSync(join(root, 'node_modules', '.package-lock.json'), '{}');
  if (loader !== undefined) {
    mkdirSync(join(root, 'node_modules', 'fakecap'));
    writeFileSync(join(root, 'node_modules', 'fakecap', 'package.json'), '{"name":"fakecap","main":"index.js"}');
    writeFileSync(join(root, 'node_modules', 'fakecap', 'index.js'), loader);
  }
  return root;
}

void test('a complete install built by this Node is fit', () => {
  const root = checkout('module.exports = {};');
  try {
    assert.deepEqual(check(root), { status: 0, reasons: [] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

void test('no node_modules at all → not fit', () => {
  const root = checkout(undefined);
  rmSync(join(root, 'node_modules'), { recursive: true });
  try {
    assert.deepEqual(check(root), { status: 1, reasons: ['node_modules is missing'] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

void test('an optional native module skipped at install (libpcap-dev was missing) → not fit, named', () => {
  const root = checkout(undefined);
  try {
    const v = check(root);
    assert.equal(v.status, 1);
    assert.equal(v.reasons.length, 1);
    assert.match(v.reasons[0] ?? '', /^native module fakecap is not installed/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

void test('a native module built for another Node ABI → not fit, with the loader error', () => {
  const root = checkout(
    "throw new Error('The module was compiled against a different Node.js version using NODE_MODULE_VERSION 115.');",
  );
  try {
    const v = check(root);
    assert.equal(v.status, 1);
    assert.match(v.reasons[0] ?? '', /^native module fakecap does not load: .*NODE_MODULE_VERSION 115/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

void test('node_modules recorded as built by another Node → not fit, even if nothing native fails', () => {
  const root = checkout('module.exports = {};');
  try {
    writeFileSync(
      join(root, 'node_modules', '.sipward-install.json'),
      JSON.stringify({ node: 'v18.0.0', abi: '108', platform: process.platform, arch: process.arch }),
    );
    const v = check(root);
    assert.equal(v.status, 1);
    assert.match(v.reasons[0] ?? '', /^node_modules was built by Node v18\.0\.0 \(ABI 108\)/);
    // --write-marker after a reinstall makes it fit again.
    assert.equal(check(root, '--write-marker').status, 0);
    assert.deepEqual(check(root), { status: 0, reasons: [] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

void test('a lock file newer than the install → not fit', () => {
  const root = checkout('module.exports = {};');
  try {
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'node_modules', '.package-lock.json'), old, old);
    assert.deepEqual(check(root), { status: 1, reasons: ['package-lock.json is newer than node_modules'] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
