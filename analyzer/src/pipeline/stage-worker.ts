//! The detect stage of the two-thread analyzer (threaded-analyzer.ts): the daemon of `--stage
//! detect` in a worker thread. It logs on the process's stream (its own pino on fd 2, lines carry
//! `stage`), reports its counters, forwards the diagnostics channel messages the main thread's
//! metrics listen to, and stops when asked. Anything it does not handle ends the thread with an
//! error, which the main thread reports as a crash.
import { subscribe } from 'node:diagnostics_channel';
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../../lib/src/logger';
import { AnalyzerDaemon } from './analyzer-daemon';
import type { FromStageWorker, StageWorkerConfig, ToStageWorker } from './threaded-analyzer';

const config = workerData as StageWorkerConfig;
const port = parentPort;
if (port === null) throw new Error('stage-worker.js runs only as a worker thread');

const post = (message: FromStageWorker): void => port.postMessage(message);
const log = createLogger(config.log.level, config.log.name, config.log.format).child({ stage: 'detect' });
const daemon = new AnalyzerDaemon({ ...config.options, stage: 'detect', log });

for (const name of config.forward) subscribe(name, (message) => post({ type: 'channel', name, message }));

const reporter = setInterval(() => post({ type: 'stats', stats: daemon.stats() }), config.statsEveryMs);
reporter.unref();

port.on('message', (message: ToStageWorker) => {
  if (message.type === 'dump') {
    post({ type: 'dump', id: message.id, stats: daemon.stats(), tasks: daemon.inspect() });
    return;
  }
  clearInterval(reporter);
  void daemon.stop().then(() => {
    post({ type: 'stopped', stats: daemon.stats() });
    // Nothing is left to answer: the port must not keep the thread alive.
    port.close();
  });
});

daemon.start().then(
  () => post({ type: 'started' }),
  // Thrown outside the promise: an uncaught exception ends the thread with an 'error' the main
  // thread reports, whatever --unhandled-rejections says.
  (error: unknown) =>
    setImmediate(() => {
      throw error;
    }),
);
