//! The dialog stage's watermark decisions, pure: how far the collectors vouch for (their source
//! watermarks) and what tick one input partition sends to every keyed partition. The daemon reads
//! offsets and clocks; these functions only decide (README "Pipeline", detect stage).

/** A collector's watermark (`<topic>.watermarks`): every event with capture time ≤ t is on the topic. */
export interface SourceWatermark {
  t: number;
  /** Wall time the collector wrote it. */
  w: number;
  end: boolean;
}

/**
 * The collectors' bound: the slowest live collector's watermark. +Infinity when every collector
 * finished (or went silent for `silenceMs`); undefined when no collector ever wrote one (events
 * from another publisher: the caller falls back to wall-clock idleness).
 */
export function sourceBound(
  sources: ReadonlyMap<string, SourceWatermark>,
  nowMs: number,
  silenceMs: number,
): number | undefined {
  if (sources.size === 0) return undefined;
  let bound = Infinity;
  for (const src of sources.values()) {
    if (src.end || nowMs - src.w > silenceMs) continue;
    if (src.t < bound) bound = src.t;
  }
  return bound;
}

export interface PartitionView {
  /** Everything on the partition has had its outputs acknowledged (delivered position ≥ high offset). */
  drained: boolean;
  /** Highest event time whose re-keyed records are acknowledged (-Infinity before any). */
  deliveredTime: number;
  /** Wall ms since the partition's task last saw a record; undefined when there is no live task. */
  quietMs: number | undefined;
}

export interface Tick {
  /** Event time vouched for (ms); -1 holds every keyed partition back. */
  t: number;
  /** Caught up and quiet: this partition does not hold the watermark back. */
  i: boolean;
}

/**
 * One input partition's tick. A partition that is behind vouches for what it delivered minus the
 * lateness; a drained one may follow the collectors' bound, or is idle once every collector ended
 * (without collector watermarks: once it has been quiet for `idleMs`).
 */
export function partitionTick(
  view: PartitionView,
  bound: number | undefined,
  latenessMs: number,
  idleMs: number,
): Tick {
  const streamTime = view.deliveredTime;
  let tick: Tick;
  if (bound !== undefined) {
    if (!view.drained) tick = { t: streamTime - latenessMs, i: false };
    else if (bound === Infinity) tick = { t: streamTime, i: true };
    else tick = { t: Math.max(streamTime, bound - latenessMs), i: false };
  } else {
    const idle = view.drained && (view.quietMs === undefined || view.quietMs >= idleMs);
    tick = { t: streamTime - (idle ? 0 : latenessMs), i: idle };
  }
  // A partition with data not yet read must hold the watermark back even before its first
  // event (t = -1 blocks everything): its last tick may have said "idle".
  return { t: Number.isFinite(tick.t) ? tick.t : -1, i: tick.i };
}
