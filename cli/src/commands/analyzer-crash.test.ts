// `sipward analyzer` after a stage thread crashed: one fatal log line naming the stage and the
// error, the other stage stopped (bounded: a stop that hangs does not hold the exit), exit 70.
// The detection of the crash itself is in analyzer/src/pipeline/threaded-analyzer.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { exitAfterCrash } from './analyzer';

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function run(stop: () => Promise<void>): { done: Promise<never>; lines: string[]; stopping: () => boolean } {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  let stopping = false;
  const done = exitAfterCrash({ stop }, new Error('boom in detect'), log, () => (stopping = true), {
    stopMs: 50,
    exit: (code) => {
      throw new Exited(code);
    },
  });
  return { done, lines, stopping: () => stopping };
}

void test('a crashed stage thread: fatal line, the other stage stopped, exit 70', async () => {
  let stopped = false;
  const r = run(() => {
    stopped = true;
    return Promise.resolve();
  });
  assert.equal(r.stopping(), true, 'signals no longer start a second stop');
  await assert.rejects(r.done, (e: unknown) => e instanceof Exited && e.code === 70);
  assert.equal(stopped, true);
  assert.equal(r.lines.length, 1);
  const line = JSON.parse(r.lines[0] ?? '{}') as Record<string, unknown>;
  assert.equal(line.level, 60);
  assert.equal(line.stage, 'detect');
  assert.equal(line.err, 'boom in detect');
  assert.match(String(line.msg), /detect stage thread crashed/);
});

void test('a stop that hangs or fails does not hold the exit', async () => {
  const hung = run(() => new Promise<void>(() => undefined));
  await assert.rejects(hung.done, (e: unknown) => e instanceof Exited && e.code === 70);
  const failed = run(() => Promise.reject(new Error('broker gone')));
  await assert.rejects(failed.done, (e: unknown) => e instanceof Exited && e.code === 70);
});
