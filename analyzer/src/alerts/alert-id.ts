//! Deterministic alert ids: the same incident of the same signature, group and suppress window
//! always hashes to the same id, so re-processing a capture or re-delivered Kafka records upserts
//! instead of duplicating.
import { createHash } from 'node:crypto';

/**
 * `openMs` is the event time the threshold was first crossed. It is floored to the suppress period:
 * consecutive incidents of a group are at least one period apart, so they never share a slot, and a
 * replay that starts mid-window and crosses a little later still lands on the same id.
 */
export function alertId(ruleId: string, groupValues: readonly string[], openMs: number, suppressMs: number): string {
  const slot = suppressMs > 0 ? Math.floor(openMs / suppressMs) : openMs;
  const hash = createHash('sha256');
  hash.update(ruleId);
  for (const value of groupValues) hash.update(`\u0000${value}`);
  hash.update(`\u0000${slot}`);
  return hash.digest('hex').slice(0, 32);
}
