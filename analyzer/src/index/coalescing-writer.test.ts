import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoalescingWriter, type BulkWriter } from './coalescing-writer';
import type { IndexDoc, WriteResult } from './elastic-indexer';

function doc(id: string, version: number): IndexDoc {
  return { target: 'alert', id, doc: { version } };
}

/** A bulk writer whose requests complete only when the test says so. */
class GatedWriter implements BulkWriter {
  readonly bulks: IndexDoc[][] = [];
  private gates: Array<() => void> = [];
  failNext = false;

  write(docs: readonly IndexDoc[]): Promise<WriteResult> {
    this.bulks.push([...docs]);
    const fail = this.failNext;
    this.failNext = false;
    return new Promise((resolve, reject) => {
      this.gates.push(() =>
        fail
          ? reject(new Error('indexer closed'))
          : resolve({ indexed: docs.length, duplicates: 0, superseded: 0, rejected: [] }),
      );
    });
  }

  release(): void {
    const gate = this.gates.shift();
    assert.ok(gate, 'no bulk in flight');
    gate();
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

void test('writes made while a bulk is in flight are coalesced into the next one, newest version per id', async () => {
  const es = new GatedWriter();
  const writer = new CoalescingWriter(es, () => Promise.resolve());
  const first = writer.write([doc('a', 1)]);
  const second = writer.write([doc('a', 2), doc('b', 1)]);
  const third = writer.write([doc('a', 3)]);
  await tick();
  assert.equal(es.bulks.length, 1, 'one request in flight at a time');
  assert.deepEqual(es.bulks[0], [doc('a', 1)]);
  let secondDone = false;
  void second.then(() => (secondDone = true));
  es.release();
  await first;
  await tick();
  assert.equal(secondDone, false, 'the second write waits for the bulk that carries it');
  assert.equal(es.bulks.length, 2);
  // b keeps its place; a's newest version moved behind it and superseded version 2.
  assert.deepEqual(es.bulks[1], [doc('b', 1), doc('a', 3)]);
  es.release();
  await Promise.all([second, third]);
  assert.deepEqual(writer.stats, { bulks: 2, submitted: 4, sent: 3, largest_bulk: 2, queued: 0 });
});

void test('a failed bulk rejects exactly the writes it carried; later writes go on', async () => {
  const es = new GatedWriter();
  const writer = new CoalescingWriter(es, () => Promise.resolve());
  es.failNext = true;
  const failed = writer.write([doc('a', 1)]);
  const later = writer.write([doc('b', 1)]);
  await tick();
  es.release();
  await assert.rejects(failed, /indexer closed/);
  await tick();
  es.release();
  await later;
  assert.deepEqual(es.bulks[1], [doc('b', 1)]);
});

void test('rejected documents are reported before the writers resolve', async () => {
  const seen: string[] = [];
  const es: BulkWriter = {
    write: (docs) =>
      Promise.resolve({
        indexed: docs.length - 1,
        duplicates: 0,
        superseded: 0,
        rejected: [{ target: 'alert', id: 'bad', status: 400, reason: 'mapper_parsing_exception' }],
      }),
  };
  const writer = new CoalescingWriter(es, (result) => {
    seen.push(...result.rejected.map((r) => r.id));
    return Promise.resolve();
  });
  await writer.write([doc('good', 1), doc('bad', 1)]);
  assert.deepEqual(seen, ['bad']);
});
