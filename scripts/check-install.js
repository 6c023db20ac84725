#!/usr/bin/env node
'use strict';
// Is node_modules fit for the test suite on *this* machine and *this* Node?  scripts/test asks
// before deciding whether to (re)install.  A newcomer who ran `npm ci` before libpcap-dev existed
// has a node_modules without the optional native capture modules (npm skips an optional package
// whose build fails, silently); one who switched Node versions has native builds for another ABI
// (NODE_MODULE_VERSION mismatch). Both look like a complete install from the outside, so we load
// the native modules for real rather than trusting the folder's presence.
//   exit 0: fit;  exit 1: not fit, reasons on stderr, one per line.
//   --write-marker: record which Node built node_modules (after a successful install).
//   --root DIR: check another checkout (tests).
const { existsSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const rootFlag = process.argv.indexOf('--root');
const root = rootFlag > 0 ? resolve(process.argv[rootFlag + 1]) : join(__dirname, '..');
const modules = join(root, 'node_modules');
const marker = join(modules, '.sipward-install.json');
const packageJson = join(root, 'package.json');
if (!existsSync(packageJson)) {
  console.error(`check-install: no package.json in ${root}`);
  process.exit(2);
}
/** The optional native modules the live-capture tests need (package.json optionalDependencies). */
const NATIVE = Object.keys(JSON.parse(readFileSync(packageJson, 'utf8')).optionalDependencies ?? {});

function runtime() {
  return { node: process.version, abi: process.versions.modules, platform: process.platform, arch: process.arch };
}

if (process.argv.includes('--write-marker')) {
  writeFileSync(marker, JSON.stringify(runtime()) + '\n');
  process.exit(0);
}

function reasons() {
  if (!existsSync(modules)) return ['node_modules is missing'];
  const out = [];
  const installedLock = join(modules, '.package-lock.json');
  if (!existsSync(installedLock)) out.push('node_modules was not installed by npm (no .package-lock.json)');
  else if (statSync(join(root, 'package-lock.json')).mtimeMs > statSync(installedLock).mtimeMs)
    out.push('package-lock.json is newer than node_modules');
  if (existsSync(marker)) {
    const was = JSON.parse(readFileSync(marker, 'utf8'));
    const now = runtime();
    if (was.abi !== now.abi || was.platform !== now.platform || was.arch !== now.arch)
      out.push(`node_modules was built by Node ${was.node} (ABI ${was.abi}), this is ${now.node} (ABI ${now.abi})`);
  }
  for (const name of NATIVE) {
    try {
      require(require.resolve(name, { paths: [root] }));
    } catch (e) {
      const msg = String((e && e.message) || e).split('\n')[0];
      out.push(
        e && e.code === 'MODULE_NOT_FOUND' && msg.includes(`'${name}'`)
          ? `native module ${name} is not installed (its build was skipped, e.g. libpcap-dev was missing at npm ci)`
          : `native module ${name} does not load: ${msg}`,
      );
    }
  }
  return out;
}

const found = reasons();
for (const r of found) console.error(r);
process.exit(found.length === 0 ? 0 : 1);
