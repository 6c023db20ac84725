// The stage runner's logic without a broker: a plain GroupConsumer that hands batches in, tasks
// whose deliveries complete when the test says so. Rebuild by replay, commits only up to
// acknowledged deliveries, coalesced deliveries, back-pressure, re-fetched batches, revocation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KafkaMessage } from '../../../lib/src/kafka/client';
import type { GroupBatchPayload, GroupConsumer, PartitionOffset } from '../../../lib/src/kafka/group-consumer';
import { createLogger } from '../../../lib/src/logger';
import { kafkaMessage } from '../../../lib/src/test-support/kafka-message';
import { StageRunner, type StageTask } from './stage-runner';

const TOPIC = 'sip.events';

function message(offset: number): KafkaMessage {
  return kafkaMessage(offset, `m${offset}`);
}

/** A consumer group of one member, driven by the test. */
class FakeConsumer implements GroupConsumer {
  readonly commits: PartitionOffset[][] = [];
  readonly seeks: PartitionOffset[] = [];
  readonly resolved: string[] = [];
  private eachBatch: ((payload: GroupBatchPayload) => Promise<void>) | undefined;
  private assigned: ((partitions: number[]) => void) | undefined;

  connect(): Promise<void> {
    return Promise.resolve();
  }
  subscribe(): Promise<void> {
    return Promise.resolve();
  }
  run(_concurrency: number, eachBatch: (payload: GroupBatchPayload) => Promise<void>): Promise<void> {
    this.eachBatch = eachBatch;
    return Promise.resolve();
  }
  commitOffsets(offsets: PartitionOffset[]): Promise<void> {
    this.commits.push(offsets);
    return Promise.resolve();
  }
  seek(offset: PartitionOffset): void {
    this.seeks.push(offset);
  }
  disconnect(): Promise<void> {
    return Promise.resolve();
  }
  onAssigned(_topic: string, listener: (partitions: number[]) => void): void {
    this.assigned = listener;
  }
  onCrash(): void {}

  assign(partitions: number[]): void {
    this.assigned?.(partitions);
  }

  /** One fetch of offsets [from, to) of a partition whose log ends at `high`. */
  batch(partition: number, from: number, to: number, high = to): Promise<void> {
    const messages = Array.from({ length: to - from }, (_, i) => message(from + i));
    assert.ok(this.eachBatch, 'run() was called');
    return this.eachBatch({
      batch: { partition, highWatermark: String(high), messages, firstOffset: () => String(from) },
      heartbeat: () => Promise.resolve(),
      isRunning: () => true,
      isStale: () => false,
      resolveOffset: (offset) => void this.resolved.push(offset),
    });
  }

  /** Committed offset per partition, newest commit wins. */
  committed(): Map<number, number> {
    const out = new Map<number, number>();
    for (const c of this.commits) for (const o of c) out.set(o.partition, Number(o.offset));
    return out;
  }
}

/** A task that records what it saw; each flush completes when `ack()` / `fail()` is called. */
class GatedTask implements StageTask {
  readonly seen: Array<[number, boolean]> = [];
  pending = 0;
  flushes = 0;
  private gates: Array<(ok: boolean) => void> = [];

  process(m: KafkaMessage, replaying: boolean): void {
    this.seen.push([Number(m.offset), replaying]);
    if (!replaying) this.pending++;
  }
  flush(): Promise<boolean> {
    this.flushes++;
    const carried = this.pending;
    this.pending = 0;
    return new Promise((resolve, reject) =>
      this.gates.push((ok) => {
        if (ok) resolve(carried > 0);
        else {
          this.pending += carried;
          reject(new Error('Elasticsearch down'));
        }
      }),
    );
  }
  backlog(): number {
    return this.pending;
  }
  get waiting(): number {
    return this.gates.length;
  }
  ack(ok = true): void {
    const gate = this.gates.shift();
    assert.ok(gate, 'no delivery in flight');
    gate(ok);
  }
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function setup(options: { low?: number; maxBacklog?: number } = {}): {
  consumer: FakeConsumer;
  runner: StageRunner<GatedTask>;
  tasks: Map<number, GatedTask>;
  revoked: number[];
} {
  const consumer = new FakeConsumer();
  const tasks = new Map<number, GatedTask>();
  const revoked: number[] = [];
  const runner = new StageRunner<GatedTask>({
    consumer,
    admin: {
      fetchTopicOffsets: () =>
        Promise.resolve(
          [0, 1].map((partition) => ({
            partition,
            offset: '0',
            low: String(options.low ?? 0),
            high: '1000',
          })),
        ),
    },
    groupId: 'g',
    topic: TOPIC,
    log: createLogger('silent'),
    createTask: (p) => {
      const task = new GatedTask();
      tasks.set(p, task);
      return task;
    },
    onRevoked: (ps) => revoked.push(...ps),
    commitEveryMs: 5,
    ...(options.maxBacklog !== undefined ? { maxBacklog: options.maxBacklog } : {}),
  });
  return { consumer, runner, tasks, revoked };
}

void test('offsets are committed only up to what acknowledged deliveries cover', async () => {
  const { consumer, runner, tasks } = setup();
  await runner.start();
  consumer.assign([0]);
  await consumer.batch(0, 0, 10);
  const task = tasks.get(0);
  assert.ok(task);
  assert.deepEqual(consumer.resolved.at(-1), '9', 'fetched past the batch');
  await wait(30);
  assert.equal(consumer.commits.length, 0, 'nothing is committed while the delivery is in flight');
  task.ack();
  await wait(30);
  assert.equal(consumer.committed().get(0), 10);
  await runner.stop();
});

void test('a failed delivery commits nothing; its outputs go with the next delivery', async () => {
  const { consumer, runner, tasks } = setup();
  await runner.start();
  await consumer.batch(0, 0, 5);
  const task = tasks.get(0) as GatedTask;
  task.ack(false);
  await wait(30);
  assert.equal(consumer.commits.length, 0);
  assert.equal(runner.snapshot().delivery_failures, 1);
  assert.equal(task.pending, 5, 'the task kept its outputs');
  await consumer.batch(0, 5, 8);
  task.ack();
  await wait(30);
  assert.equal(consumer.committed().get(0), 8);
  assert.deepEqual(
    task.seen.map(([o]) => o),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  await runner.stop();
});

void test('batches that arrive while a delivery is in flight are coalesced into one next delivery', async () => {
  const { consumer, runner, tasks } = setup();
  await runner.start();
  await consumer.batch(0, 0, 2);
  const task = tasks.get(0) as GatedTask;
  await consumer.batch(0, 2, 4);
  await consumer.batch(0, 4, 6);
  assert.equal(task.flushes, 1, 'one delivery in flight per task');
  task.ack();
  await wait(5);
  assert.equal(task.flushes, 2, 'the next one starts when it ends');
  task.ack();
  await wait(30);
  assert.equal(task.flushes, 2, 'both later batches went in it');
  assert.equal(consumer.committed().get(0), 6);
  assert.equal(runner.snapshot().deliveries, 2);
  await runner.stop();
});

void test('a partition with a committed offset is rebuilt by replaying from the low offset, outputs off', async () => {
  const { consumer, runner, tasks } = setup({ low: 0 });
  await runner.start();
  // The group had committed 6: kafkajs fetches from there; the runner seeks back to 0 first.
  await consumer.batch(1, 6, 9);
  assert.deepEqual(consumer.seeks, [{ topic: TOPIC, partition: 1, offset: '0' }]);
  const task = tasks.get(1) as GatedTask;
  assert.equal(task.seen.length, 0, 'nothing processed before the seek');
  await consumer.batch(1, 0, 9);
  assert.deepEqual(task.seen, [
    [0, true],
    [1, true],
    [2, true],
    [3, true],
    [4, true],
    [5, true],
    [6, false],
    [7, false],
    [8, false],
  ]);
  const s = runner.snapshot();
  assert.equal(s.rebuilds, 1);
  assert.equal(s.replayed, 6);
  assert.equal(s.processed, 3);
  task.ack();
  await wait(30);
  assert.equal(consumer.committed().get(1), 9);
  await runner.stop();
});

void test('a re-fetched batch is not processed twice', async () => {
  const { consumer, runner, tasks } = setup();
  await runner.start();
  await consumer.batch(0, 0, 4);
  await consumer.batch(0, 2, 6);
  const task = tasks.get(0) as GatedTask;
  assert.deepEqual(
    task.seen.map(([o]) => o),
    [0, 1, 2, 3, 4, 5],
  );
  task.ack();
  await wait(5);
  task.ack();
  await runner.stop();
});

void test('a backlog over the bound makes the partition wait for its delivery', async () => {
  const { consumer, runner, tasks } = setup({ maxBacklog: 3 });
  await runner.start();
  await consumer.batch(0, 0, 2);
  const task = tasks.get(0) as GatedTask;
  let done = false;
  const second = consumer.batch(0, 2, 7).then(() => (done = true));
  await wait(20);
  assert.equal(done, false, 'five undelivered outputs > 3: the batch waits');
  assert.equal(runner.snapshot().backpressure_waits, 1);
  task.ack();
  await second;
  assert.equal(done, true);
  task.ack();
  await runner.stop();
  // The phase counters: two batches, and the second one's wait counted as back-pressure time.
  const s = runner.snapshot();
  assert.equal(s.batches, 2);
  assert.ok(s.backpressure_ms >= 15, `waited ~20 ms, counted ${s.backpressure_ms}`);
  assert.ok(s.busy_ms >= s.backpressure_ms + s.process_ms - 1);
  assert.ok(s.delivery_ms >= s.backpressure_ms - 1, 'the awaited delivery was in flight at least as long');
});

void test('partitions taken away on a rebalance drop their tasks', async () => {
  const { consumer, runner, tasks, revoked } = setup();
  await runner.start();
  consumer.assign([0, 1]);
  await consumer.batch(0, 0, 1);
  await consumer.batch(1, 0, 1);
  assert.deepEqual(runner.partitions, [0, 1]);
  consumer.assign([1]);
  assert.deepEqual(revoked, [0]);
  assert.equal(runner.task(0), undefined);
  assert.ok(runner.task(1));
  assert.deepEqual(runner.partitions, [1]);
  tasks.get(0)?.ack();
  tasks.get(1)?.ack();
  await runner.stop();
});
