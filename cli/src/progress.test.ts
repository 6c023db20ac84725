import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { progressReporter } from './progress';

/** A writable that says it is a terminal and keeps what was drawn. */
function fakeTerminal(): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return Object.assign(stream, { isTTY: true, columns: 100, text: () => chunks.join('') });
}

void test('the progress bar reaches 100 % and is erased when the work ends', () => {
  const terminal = fakeTerminal();
  const progress = progressReporter({ stream: terminal, minBytes: 1 });
  // 10.5 MB read in uneven steps: flooring alone would end at 10/11 MB (90 %).
  progress.update(3_000_000, 10_500_000);
  progress.update(10_400_000, 10_500_000);
  progress.stop();
  const text = terminal.text();
  assert.match(text, /100% \| 11\/11 MB/);
  // Erased: it ends by moving to column 1 and clearing the line (CSI 1G, CSI 2K), no newline after it.
  assert.ok(text.endsWith('\x1b[1G\x1b[2K'), JSON.stringify(text.slice(-40)));
  assert.ok(!text.includes('\n'), 'no newline left behind');
});

void test('no bar when stderr is not a terminal, or the input is small', () => {
  const pipe = Object.assign(fakeTerminal(), { isTTY: false });
  const quiet = progressReporter({ stream: pipe, minBytes: 1 });
  quiet.update(5, 10);
  quiet.stop();
  assert.equal(pipe.text(), '');
  const terminal = fakeTerminal();
  const small = progressReporter({ stream: terminal, minBytes: 1000 });
  small.update(5, 10);
  small.stop();
  assert.equal(terminal.text(), '');
});
