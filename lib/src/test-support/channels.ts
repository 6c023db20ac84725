//! Test helper: subscribe to diagnostics channels (lib/src/metrics/channels.ts) and keep what they
//! publish, the way a metrics or tracing module attaches. Tests only.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';

export interface ChannelRecorder {
  /** The messages published on `name` since the recorder started, in order. */
  messages<T>(name: string): T[];
  /** Stops listening on every channel. */
  close(): void;
}

export function recordChannels(names: readonly string[]): ChannelRecorder {
  const seen = new Map<string, unknown[]>();
  const listeners = names.map((name) => {
    const list: unknown[] = [];
    seen.set(name, list);
    const listener = (message: unknown): void => void list.push(message);
    subscribe(name, listener);
    return [name, listener] as const;
  });
  return {
    messages: <T>(name: string): T[] => (seen.get(name) ?? []) as T[],
    close: () => {
      for (const [name, listener] of listeners) unsubscribe(name, listener);
    },
  };
}
