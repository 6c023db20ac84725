// `sipward decode --hep` as an operator runs it: a real UDP socket and TCP server receive the HEP
// an SBC would export for a testbed capture; the events on stdout equal `sipward decode` of the
// capture itself; malformed HEP is counted and dropped; SIGINT ends it with exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../lib/src/test-support/temp-dir';
import { freePort } from '../../../lib/src/test-support/free-port';
import { hepExport } from '../../../collectors/src/test-support/hep';
import { repoRoot } from '../../../lib/src/repo-root';

// Compiled to dist/cli/src/commands/: the repository root is four levels up.
const ROOT = repoRoot();
const SIPWARD = join(ROOT, 'bin', 'sipward.js');
const CAPTURES = join(ROOT, 'test', 'fixtures', 'captures');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `<command> --hep`, waits until it listens, runs `send`, then stops it with SIGINT. */
async function withHep(
  command: 'decode' | 'analyze',
  port: number,
  args: string[],
  send: () => Promise<void>,
): Promise<Run> {
  const child = spawn(
    process.execPath,
    [SIPWARD, '--log-format', 'json', command, '--hep', `127.0.0.1:${port}`, '--duration', '60', ...args],
    { cwd: ROOT },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const deadline = Date.now() + 30_000;
  while (!stderr.includes('listening for HEP')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`decode --hep did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await send();
  // Let the last packets through before the signal (SIGINT closes the sockets; unread bytes are
  // gone): decode shows its progress on stdout, analyze only prints at the end, so it gets longer.
  await new Promise((r) => setTimeout(r, command === 'analyze' ? 3000 : 500));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const status = await exited;
  clearTimeout(timer);
  return { status, stdout, stderr };
}

function sendUdp(port: number, packets: Buffer[]): Promise<void> {
  const socket = createSocket('udp4');
  return new Promise((done, fail) => {
    let i = 0;
    const next = (): void => {
      const packet = packets[i++];
      if (packet === undefined) {
        socket.close();
        done();
        return;
      }
      socket.send(packet, port, '127.0.0.1', (error) => (error ? fail(error) : next()));
    };
    next();
  });
}

/** One TCP connection, written in odd-sized pieces so packets straddle writes. */
async function sendTcp(port: number, bytes: Buffer): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((done) => socket.once('connect', done));
  for (let at = 0; at < bytes.length; at += 777) {
    socket.write(bytes.subarray(at, at + 777));
    await new Promise((r) => setTimeout(r, 2));
  }
  await new Promise<void>((done) => socket.end(done));
}

function eventsOf(jsonl: string): Array<Record<string, unknown>> {
  return jsonl
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function summaryOf(stderr: string): {
  hep: { packets: number; sip_messages: number; dropped: Record<string, number> };
} {
  const line = stderr.split('\n').find((l) => l.includes('"decode finished"'));
  assert.ok(line, stderr);
  return (JSON.parse(line) as { summary: ReturnType<typeof summaryOf> }).summary;
}

function withoutHep(events: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return events.map(({ hep: _hep, ...rest }) => rest);
}

void test('decode --hep over UDP: the same events as decoding the capture; malformed packets counted', async () => {
  const file = join(CAPTURES, 'udp.pcap');
  const expected = eventsOf(spawnSync(process.execPath, [SIPWARD, 'decode', file], { encoding: 'utf8' }).stdout);
  const packets = await hepExport(file, () => ({ nodeId: 2001 }));
  const port = await freePort();
  const malformed = [
    Buffer.from('HEP3\x00\x03'),
    Buffer.from('not hep'),
    packets[0]?.subarray(0, 40) ?? Buffer.alloc(0),
  ];
  const run = await withHep('decode', port, ['--hep-transport', 'udp'], () =>
    sendUdp(port, [...packets, ...malformed]),
  );
  assert.equal(run.status, 0, run.stderr);
  const events = eventsOf(run.stdout);
  assert.equal(events.length, expected.length);
  for (const event of events) assert.deepEqual(event.hep, { node_id: 2001 });
  assert.deepEqual(withoutHep(events), expected);
  const summary = summaryOf(run.stderr);
  assert.equal(summary.hep.packets, packets.length + malformed.length);
  assert.equal(summary.hep.sip_messages, expected.length);
  assert.equal(summary.hep.dropped.bad_length, 2);
  assert.equal(summary.hep.dropped.not_hep3, 1);
});

void test('decode --hep over TCP: packets split across writes are framed; a stream of garbage is closed', async () => {
  const file = join(CAPTURES, 'tcp.pcap');
  const expected = eventsOf(spawnSync(process.execPath, [SIPWARD, 'decode', file], { encoding: 'utf8' }).stdout);
  const packets = await hepExport(file, (i) => ({ correlationId: `c${i}`, authKey: 'k3y' }));
  const port = await freePort();
  const keyFile = join(tempDir(), 'hep-key');
  writeFileSync(keyFile, 'k3y\n');
  const run = await withHep('decode', port, ['--hep-transport', 'tcp', '--hep-auth-key-file', keyFile], async () => {
    await sendTcp(port, Buffer.from('INVITE sip:x SIP/2.0\r\n\r\n'));
    await sendTcp(port, Buffer.concat(packets));
  });
  assert.equal(run.status, 0, run.stderr);
  const events = eventsOf(run.stdout);
  assert.deepEqual(
    events.map((e) => e.hep),
    expected.map((_, i) => ({ correlation_id: `c${i}` })),
  );
  assert.deepEqual(withoutHep(events), expected);
  assert.match(run.stderr, /"streams_dropped":1/);
});

void test('analyze --hep: the same alerts as analyzing the capture', async () => {
  const file = join(ROOT, 'samples', 'demo-attacks.pcap');
  const expected = spawnSync(process.execPath, [SIPWARD, 'analyze', file, '--format', 'jsonl'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(expected.status, 0, expected.stderr);
  const port = await freePort();
  const run = await withHep('analyze', port, ['--hep-transport', 'tcp', '--format', 'jsonl'], async () =>
    sendTcp(port, Buffer.concat(await hepExport(file))),
  );
  assert.equal(run.status, 0, run.stderr);
  const ids = (jsonl: string): string[] =>
    eventsOf(jsonl)
      .map((a) => (a.event as { id: string }).id)
      .sort();
  assert.ok(ids(expected.stdout).length >= 8, expected.stdout);
  assert.deepEqual(ids(run.stdout), ids(expected.stdout));
});
