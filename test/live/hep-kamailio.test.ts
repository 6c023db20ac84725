// HEP input against a real exporter: kamailio in the testbed (sw-reg) mirrors every SIP message it
// receives and sends as HEP v3 (siptrace, scripts/testbed.d/kamailio.cfg WITH_HEP) to
// `sipward decode --hep` in the same namespace, while tcpdump records the same traffic on the
// mirror port. The events from HEP must equal the events decoded from the capture (addresses,
// ports, transport, every SIP field) for kamailio's messages, with node id and auth key honoured,
// and timestamps (kamailio's clock vs the kernel's) within a few milliseconds.
//
// Needs root and `ip netns`, like test/live/live-decode.test.ts: it fails, it never skips. Take
// the testbed lock around it (flock /tmp/sipward-testbed.lock) when others share the machine.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../lib/src/test-support/temp-dir';
import { repoRoot } from '../../lib/src/repo-root';

// Compiled to dist/test/live/: the repository root is three levels up.
const ROOT = repoRoot();
const TESTBED = join(ROOT, 'scripts', 'testbed');
const SIPWARD = join(ROOT, 'bin', 'sipward.js');
/** kamailio's address in sw-reg; the HEP listener shares the namespace (duplicate_uri in kamailio.cfg). */
const REGISTRAR = '10.77.0.21';
const HEP_LISTEN = `${REGISTRAR}:9060`;
/** hep_capture_id and auth_key of kamailio.cfg. */
const NODE_ID = 2001;
const AUTH_KEY = 'sipward-hep-test';

type Event = {
  '@timestamp': string;
  source: { ip: string; port: number };
  destination: { ip: string; port: number };
  network: unknown;
  sip: unknown;
  hep?: { node_id?: number };
};

let dir = '';
let broughtUp = false;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env } });
  return { status: r.status, out: `${r.error?.message ?? ''}${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Same as run() but keeps the event loop turning, so the listener's pipes are drained meanwhile. */
function runAsync(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; out: string }> {
  return new Promise((done) => {
    const proc = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGTERM'), 180_000);
    proc.on('close', (status) => {
      clearTimeout(timer);
      done({ status, out });
    });
  });
}

function eventsOf(jsonl: string): Event[] {
  return jsonl
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Event);
}

const contentKey = (e: Event): string => JSON.stringify([e.source, e.destination, e.network, e.sip]);

before(() => {
  assert.equal(process.getuid?.(), 0, 'test/live needs root (network namespaces); it does not skip');
  dir = tempDir('sipward-hep-live-');
  const status = run('bash', [TESTBED, 'status']);
  if (status.out.trim().startsWith('down')) {
    const up = run('bash', [TESTBED, 'up']);
    assert.equal(up.status, 0, up.out);
    broughtUp = true;
  }
});

after(() => {
  if (broughtUp) run('bash', [TESTBED, 'down']);
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

for (const transport of ['udp', 'tcp'] as const) {
  void test(`kamailio siptrace HEP over ${transport}: the same events as a capture of the same traffic`, async () => {
    const keyFile = join(dir, 'hep-key');
    writeFileSync(keyFile, `${AUTH_KEY}\n`);
    const listener = spawn(
      'ip',
      [
        'netns',
        'exec',
        'sw-reg',
        process.execPath,
        SIPWARD,
        '--log-format',
        'json',
        'decode',
        '--hep',
        HEP_LISTEN,
      ].concat(['--hep-transport', transport, '--hep-auth-key-file', keyFile, '--duration', '150']),
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    listener.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    listener.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => listener.on('close', (code) => done(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (!stderr.includes('listening for HEP')) {
        assert.ok(Date.now() < deadline && listener.exitCode === null, `listener did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const pcap = join(dir, `${transport}.pcap`);
      const defines = transport === 'tcp' ? 'WITH_HEP WITH_HEP_TCP' : 'WITH_HEP';
      const scenario = await runAsync('bash', [TESTBED, 'capture', transport, pcap], {
        SIPWARD_TESTBED_KAMAILIO_DEFINES: defines,
      });
      assert.equal(scenario.status, 0, scenario.out);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      listener.kill('SIGINT');
    }
    const timer = setTimeout(() => listener.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    assert.equal(code, 0, stderr);

    const fromHep = eventsOf(stdout);
    const decoded = run(process.execPath, [SIPWARD, 'decode', join(dir, `${transport}.pcap`)]);
    assert.equal(decoded.status, 0, decoded.out);
    // The capture holds every conversation of the scenario; kamailio exports only its own.
    const fromCapture = eventsOf(
      decoded.out
        .split('\n')
        .filter((l) => l.startsWith('{"@timestamp"'))
        .join('\n'),
    ).filter((e) => e.source.ip === REGISTRAR || e.destination.ip === REGISTRAR);

    // udp: REGISTER 401 REGISTER 200, REGISTER 401 REGISTER 403, 2x OPTIONS 200; tcp: REGISTER 401 REGISTER 200.
    assert.equal(fromCapture.length, transport === 'udp' ? 12 : 4, decoded.out.slice(0, 2000));
    assert.equal(fromHep.length, fromCapture.length, stderr);
    assert.deepEqual(fromHep.map(contentKey).sort(), fromCapture.map(contentKey).sort());
    for (const event of fromHep) {
      assert.deepEqual(event.hep, { node_id: NODE_ID });
      const twin = fromCapture.find((c) => contentKey(c) === contentKey(event));
      const skewMs = Math.abs(Date.parse(event['@timestamp']) - Date.parse(twin?.['@timestamp'] ?? ''));
      assert.ok(skewMs < 50, `timestamp skew ${skewMs} ms`);
    }
    assert.match(stderr, /"auth_failed":0/);
    assert.match(stderr, new RegExp(`"hep":\\{"packets":${fromHep.length},"sip_messages":${fromHep.length}`));
  });
}
