//! The analyzer's two pipeline stages wired in memory for the in-process benches (stages.ts,
//! heap-tables.ts): dialog tasks whose keyed records collect per keyed partition, and detect tasks
//! that hand their alerts to `onAlerts`.
import type { Alert } from '../schema/src/alert';
import type { CompiledSignature } from '../analyzer/src/engine/compile/compile-signature';
import type { LoadedSignature } from '../analyzer/src/engine/signature';
import { DetectTask } from '../analyzer/src/pipeline/detect-stage';
import { DialogTask, type KeyedOut } from '../analyzer/src/pipeline/dialog-stage';

export interface InMemoryStages {
  /** Keyed records delivered by the dialog tasks, per keyed partition, not yet fed to detect. */
  keyed: KeyedOut[][];
  dialogs: DialogTask[];
  detects: DetectTask[];
}

export function inMemoryStages(
  compiled: readonly CompiledSignature[],
  loaded: readonly LoadedSignature[],
  partitions: number,
  keyedPartitions: number,
  onAlerts: (alerts: Alert[]) => void,
): InMemoryStages {
  const keyed: KeyedOut[][] = Array.from({ length: keyedPartitions }, () => []);
  const dialogs = Array.from(
    { length: partitions },
    (_, partition) =>
      new DialogTask({
        partition,
        signatures: compiled,
        keyedPartitions,
        enricher: {},
        deliver: (out) => {
          for (const k of out.keyed) keyed[k.partition]?.push(k);
          return Promise.resolve();
        },
      }),
  );
  const detects = Array.from(
    { length: keyedPartitions },
    (_, partition) =>
      new DetectTask({
        partition,
        signatures: loaded,
        upstreamPartitions: partitions,
        deliver: (list) => {
          onAlerts(list);
          return Promise.resolve();
        },
      }),
  );
  return { keyed, dialogs, detects };
}
