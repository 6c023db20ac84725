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
  // Relative to the listeners already there: Node 24's test runner may hold one of its own.
  const before = process.listenerCount('SIGUSR2');
  let dumps = 0;
  const unwire = onDumpSignal(() => dumps++);
  assert.equal(process.listenerCount('SIGUSR2'), before + 1);
  process.emit('SIGUSR2', 'SIGUSR2');
  unwire();
  assert.equal(process.listenerCount('SIGUSR2'), before);
  assert.equal(dumps, 1);
});
