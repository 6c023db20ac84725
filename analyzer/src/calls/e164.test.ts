// Callee number normalisation: separators, prefixes and URIs → E.164 digits; country and type.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinClassifier, defaultClassifier, toE164Digits } from './e164';

void test('international forms normalise to the same E.164 digits', () => {
  for (const dialled of [
    '+44 20 7946 0000',
    '+44(20)7946-0000',
    '0044 20 7946 0000',
    '011442079460000',
    'tel:+44-20-7946-0000;phone-context=example.com',
    'sip:+442079460000@gw.example;user=phone',
    '%2B442079460000',
  ]) {
    assert.equal(toE164Digits(dialled), '442079460000', dialled);
  }
});

void test('national numbers, names and impossible lengths are not E.164', () => {
  for (const dialled of ['02079460000', '2079460000', 'bob', '+44', '+0442079460000', '+4420794600001234567', '']) {
    assert.equal(toE164Digits(dialled), undefined, dialled);
  }
});

void test('builtin fallback: country from the calling code, satellite recognised, national unclassified', () => {
  assert.deepEqual(builtinClassifier.classify('+44 20 7946 0000'), { e164: '442079460000', country: 'GB' });
  assert.deepEqual(builtinClassifier.classify('00881612345678'), {
    e164: '881612345678',
    number_type: 'SATELLITE',
  });
  assert.deepEqual(builtinClassifier.classify('+882345670012'), {
    e164: '882345670012',
    number_type: 'INTERNATIONAL_NETWORK',
  });
  assert.deepEqual(builtinClassifier.classify('+97912345678'), { e164: '97912345678', number_type: 'PREMIUM_RATE' });
  assert.deepEqual(builtinClassifier.classify('+77012345678'), { e164: '77012345678', country: 'KZ' });
  // NANP needs the area code to name a country: e164 only.
  assert.deepEqual(builtinClassifier.classify('+12125551234'), { e164: '12125551234' });
  assert.deepEqual(builtinClassifier.classify('02079460000'), {});
});

const classifier = defaultClassifier();

void test('libphonenumber-js: +44 20 7946 0000 is a GB fixed line, +881 satellite without a country', () => {
  // libphonenumber-js is a dependency: the built-in fallback must never be what runs here.
  assert.equal(classifier.name, 'libphonenumber-js');
  assert.deepEqual(classifier.classify('+44 20 7946 0000'), {
    e164: '442079460000',
    country: 'GB',
    number_type: 'FIXED_LINE',
  });
  const sat = classifier.classify('00881612345678');
  assert.equal(sat.e164, '881612345678');
  assert.equal(sat.country, undefined, 'an international network is not a country');
  assert.equal(sat.number_type, 'SATELLITE');
  for (const [dialled, type] of [
    ['+882345670012', 'INTERNATIONAL_NETWORK'],
    ['+883140001234', 'INTERNATIONAL_NETWORK'],
    ['+870772123456', 'SATELLITE'],
    ['+97912345678', 'PREMIUM_RATE'],
  ] as const) {
    assert.deepEqual(classifier.classify(dialled), { e164: dialled.slice(1), number_type: type }, dialled);
  }
  assert.deepEqual(classifier.classify('02079460000'), {});
});

void test('the default classifier always classifies international numbers', () => {
  assert.equal(classifier.classify('+44 20 7946 0000').country, 'GB');
  assert.equal(classifier.classify('00881612345678').number_type, 'SATELLITE');
  assert.deepEqual(classifier.classify('2079460000'), {});
});
