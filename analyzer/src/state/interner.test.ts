import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Interner } from './interner';

void test('Interner returns one shared, equal copy per value and starts over when full', () => {
  const interner = new Interner(2);
  const a = interner.intern(['10.', '77.0.166'].join(''));
  assert.equal(interner.intern('10.77.0.166'), a);
  assert.equal(interner.intern(undefined), undefined);
  interner.intern('b');
  assert.equal(interner.size, 2);
  interner.intern('c');
  assert.equal(interner.size, 1, 'full: the table started over');
  const long = 'x'.repeat(200);
  assert.equal(interner.intern(long), long);
  assert.equal(interner.size, 1, 'long strings are not kept');
});
