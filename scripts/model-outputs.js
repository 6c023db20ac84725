#!/usr/bin/env node
'use strict';
// Writes everything the analyzer's model decides, from one build, so two builds can be compared
// byte for byte (`diff -r`) when the model is restructured without a change of behaviour:
//   - `analyze --out-dir` (alerts, calls, SIP log, campaigns) on samples/demo-attacks.pcap, every
//     capture under test/fixtures/ (recordings of the testbed also with its site config), and any extra
//     capture given (e.g. one from `node dist/bench/make-capture.js`);
//   - for every signature fixture (signatures/*/*/{positive,negative}/*.jsonl): the final alerts
//     of all signatures, the call records, and every event's enrichment (txn/dialog/site/num).
// Usage: node scripts/model-outputs.js --dist DIST --out DIR [--no-captures] [--capture FILE]...
// Module paths are looked up among the old and the new layout, so an old build can be run too.
const { execFileSync } = require('node:child_process');
const { mkdirSync, readdirSync, statSync, writeFileSync, existsSync } = require('node:fs');
const { basename, join, relative, resolve } = require('node:path');

const root = join(__dirname, '..');

function parseArgs(argv) {
  const options = { dist: join(root, 'dist'), out: '', captures: [], withCaptures: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--dist') options.dist = resolve(argv[++i]);
    else if (arg === '--out') options.out = resolve(argv[++i]);
    else if (arg === '--capture') options.captures.push(resolve(argv[++i]));
    else if (arg === '--no-captures') options.withCaptures = false;
    else throw new Error(`model-outputs: unknown argument ${arg}`);
  }
  if (options.out === '') throw new Error('usage: model-outputs.js --dist DIST --out DIR [--capture FILE]...');
  return options;
}

/** The first of `candidates` (paths under dist) that exists, required. */
function load(dist, candidates) {
  for (const candidate of candidates) {
    const file = join(dist, candidate);
    if (existsSync(file)) return require(file);
  }
  throw new Error(`model-outputs: none of ${candidates.join(', ')} under ${dist}`);
}

function walk(dir, keep, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, keep, out);
    else if (keep(path)) out.push(path);
  }
  return out;
}

function analyzeCaptures(options) {
  const captures = [join(root, 'samples', 'demo-attacks.pcap')];
  if (options.withCaptures) {
    captures.push(...walk(join(root, 'test', 'fixtures'), (p) => /\.pcap(ng)?$/.test(p)));
  }
  captures.push(...options.captures);
  const site = join(root, 'scripts', 'testbed.d', 'site.yaml');
  const main = join(options.dist, 'cli', 'src', 'main.js');
  for (const capture of captures) {
    const name = relative(root, capture).replace(/[/\\]/g, '_');
    // The testbed's site config only means something for the testbed's recordings.
    const configs = /attacks|samples/.test(capture) ? [undefined, site] : [undefined];
    for (const config of configs) {
      const dir = join(options.out, 'captures', config === undefined ? name : `${name}+site`);
      const args = ['analyze', capture, '--out-dir', dir, '--log-level', 'error'];
      if (config !== undefined) args.push('--config', config);
      const launch = `require(${JSON.stringify(main)}).main(['node', 'sipward', ...${JSON.stringify(args)}])`;
      execFileSync(process.execPath, ['-e', launch], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    }
    process.stderr.write(`model-outputs: ${relative(root, capture)}\n`);
  }
}

function signatureFixtures(options) {
  const dist = options.dist;
  const { loadSignatures } = load(dist, [
    'analyzer/src/engine/load-signatures.js',
    'analyzer/src/engine/load/load-signatures.js',
  ]);
  const fixtures = load(dist, ['analyzer/src/engine/run-fixtures.js', 'analyzer/src/engine/rules/run-fixtures.js']);
  const { EventEnricher } = load(dist, [
    'analyzer/src/engine/event-enricher.js',
    'analyzer/src/engine/enrich/event-enricher.js',
  ]);
  const { copyEnrichment } = load(dist, [
    'analyzer/src/engine/enrichment.js',
    'analyzer/src/engine/enrich/enrichment.js',
  ]);
  const { eventTimeMs } = load(dist, [
    'analyzer/src/engine/event-time.js',
    'analyzer/src/engine/enrich/event-time.js',
    'lib/src/event-time.js',
  ]);
  const { CallTracker } = load(dist, ['analyzer/src/calls/call-tracker.js']);
  const { DetectionEngine } = load(dist, ['analyzer/src/engine/engine.js']);
  const signatures = loadSignatures({}).map((l) => l.signature);
  const site = fixtures.fixtureSite();
  const files = walk(join(root, 'signatures'), (p) => /\/(positive|negative)\/[^/]+\.jsonl$/.test(p));
  for (const file of files) {
    const events = fixtures.readJsonl(file);
    const name = relative(join(root, 'signatures'), file).replace(/[/\\]/g, '_');
    const lines = { alerts: [], calls: [], enrichment: [] };
    const tracker = new CallTracker({ onCall: (record) => lines.calls.push(JSON.stringify(record)) });
    const engine = new DetectionEngine(signatures, {
      emitUpdates: false,
      ...(site !== undefined ? { site } : {}),
      onIncidentCall: (alertId, callId) => tracker.linkCall(alertId, callId),
      onAlert: (alert, phase) => {
        if (phase === 'final') lines.alerts.push(JSON.stringify(alert));
      },
    });
    const enricher = new EventEnricher(site !== undefined ? { site } : {});
    for (const event of events) {
      tracker.process(event);
      engine.process(event);
      const ctx = enricher.enrich(event, eventTimeMs(event['@timestamp']));
      lines.enrichment.push(JSON.stringify(copyEnrichment(ctx)));
    }
    engine.flush();
    tracker.flush();
    const dir = join(options.out, 'fixtures');
    mkdirSync(dir, { recursive: true });
    for (const [what, list] of Object.entries(lines))
      writeFileSync(join(dir, `${name}.${what}.jsonl`), list.join('\n'));
  }
  process.stderr.write(`model-outputs: ${files.length} signature fixtures\n`);
}

const options = parseArgs(process.argv.slice(2));
mkdirSync(options.out, { recursive: true });
signatureFixtures(options);
analyzeCaptures(options);
process.stderr.write(`model-outputs: written to ${basename(options.out)}\n`);
