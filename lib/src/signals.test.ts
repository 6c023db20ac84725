import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onDumpSignal, onStopSignals } from './signals';

void test('stop signals reach the handler with their name, and unwiring removes every listener', () => {
  const before = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
  const seen: string[] = [];
  const unwire = onStopSignals((signal) => seen.push(signal));
  process.emit('SIGTERM', 'SIGTERM');
  process.emit('SIGINT', 'SIGINT');
  process.emit('SIGINT', 'SIGINT');
  assert.deepEqual(seen, ['SIGTERM', 'SIGINT', 'SIGINT']);
  unwire();
  assert.equal(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM'), before);
});

void test('with once, each signal is handled once and then left to Node', () => {
  const seen: string[] = [];
  const unwire = onStopSignals((signal) => seen.push(signal), { once: true });
  const listeners = process.listenerCount('SIGINT');
  process.emit('SIGINT', 'SIGINT');
  assert.equal(process.listenerCount('SIGINT'), listeners - 1);
  process.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(seen, ['SIGINT', 'SIGTERM']);
  unwire();
});

void test('the dump signal calls its handler until unwired', () => {
  // Node 24 may hold a SIGUSR2 listener of its own (it writes a diagnostic report into the working
  // directory): set it aside while the emitted signal is ours alone.
  const others = process.listeners('SIGUSR2');
  process.removeAllListeners('SIGUSR2');
  let dumps = 0;
  try {
    const unwire = onDumpSignal(() => dumps++);
    assert.equal(process.listenerCount('SIGUSR2'), 1);
    process.emit('SIGUSR2', 'SIGUSR2');
    unwire();
    assert.equal(process.listenerCount('SIGUSR2'), 0);
  } finally {
    for (const listener of others) process.on('SIGUSR2', listener);
  }
  assert.equal(dumps, 1);
});
