//! Process signal wiring of the long-running commands in one place: SIGINT/SIGTERM ask for a stop,
//! SIGUSR2 asks for a counters dump. Each function returns the one that unwires it again, so a
//! command run inside a test process leaves no listener behind.

export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export interface StopSignalOptions {
  /**
   * Handle each signal once, then leave it to Node's default: a second Ctrl-C ends the process
   * at once. Without it the handler sees every signal (and counts them itself).
   */
  once?: boolean;
}

/** Calls `onStop` on SIGINT and SIGTERM; returns the function that removes the handler. */
export function onStopSignals(onStop: (signal: NodeJS.Signals) => void, options: StopSignalOptions = {}): () => void {
  for (const signal of STOP_SIGNALS) {
    if (options.once === true) process.once(signal, onStop);
    else process.on(signal, onStop);
  }
  return () => {
    for (const signal of STOP_SIGNALS) process.removeListener(signal, onStop);
  };
}

/** Calls `onDump` on SIGUSR2 (tests and operators read counters without parsing logs). */
export function onDumpSignal(onDump: () => void): () => void {
  process.on('SIGUSR2', onDump);
  return () => process.removeListener('SIGUSR2', onDump);
}
