//! The one retry policy of every loop that rides out an outage (broker, Elasticsearch): a delay
//! that doubles from `initialMs` up to `maxMs`, optionally with equal jitter so that many clients
//! do not retry in step. `retryForever` is the outer loop for a single call; long-lived loops
//! that keep their own state (the Kafka publisher, the Elasticsearch indexer) step a `Backoff`.
import type { Logger } from './logger';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Equal jitter: half of each step is fixed, half random. */
  jitter?: boolean;
}

export const DEFAULT_OUTAGE_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 5_000 };

/** The delay after `attempt` failures (0-based): initial, doubled each time, capped; `random` in [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  // The exponent is bounded so that a long outage never overflows to Infinity before the cap.
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 60));
  return policy.jitter === true ? Math.round(step / 2 + (random() * step) / 2) : step;
}

/** The attempt counter of a retry loop: `next()` is the delay before the next try, `reset()` follows a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    return backoffDelay(this.attempt++, this.policy, this.random);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * Runs `fn` until it succeeds. Rethrows only once `stopped()` says the caller is shutting down.
 */
export async function retryForever<T>(
  what: string,
  log: Logger,
  stopped: () => boolean,
  fn: () => Promise<T>,
  policy: BackoffPolicy = DEFAULT_OUTAGE_BACKOFF,
): Promise<T> {
  const backoff = new Backoff(policy);
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await fn();
      if (attempt > 0) log.info(`${what}: recovered`);
      return result;
    } catch (error) {
      if (stopped()) throw error;
      if (attempt === 0) log.warn({ err: (error as Error).message }, `${what} failed; retrying with backoff`);
      await new Promise((r) => setTimeout(r, backoff.next()));
    }
  }
}
