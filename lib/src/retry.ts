//! The retry policy of every outer loop that rides out an outage (broker, Elasticsearch): doubling
//! backoff with a cap, logged once when it starts and once when it ends.
import type { Logger } from './logger';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_OUTAGE_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 5_000 };

/** The delay after `attempt` failures (0-based): initial, doubled each time, capped. */
export function backoffStep(attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
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
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await fn();
      if (attempt > 0) log.info(`${what}: recovered`);
      return result;
    } catch (error) {
      if (stopped()) throw error;
      if (attempt === 0) log.warn({ err: (error as Error).message }, `${what} failed; retrying with backoff`);
      await new Promise((r) => setTimeout(r, backoffStep(attempt, policy)));
    }
  }
}
