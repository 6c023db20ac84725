//! Option parsers shared by commands: they throw commander's InvalidArgumentError on bad values.
import { InvalidArgumentError } from 'commander';

export function parsePortList(value: string): number[] {
  const ports = value.split(',').map((part) => Number(part.trim()));
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new InvalidArgumentError(`not a port list: ${value}`);
  }
  return ports;
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`not a positive number: ${value}`);
  return n;
}

/** A thread count: an integer from 1 to 64. */
export function parseThreadCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError(`not a thread count (1–64): ${value}`);
  return n;
}

export function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`not a positive integer: ${value}`);
  return n;
}

export function parseNonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`not a non-negative integer: ${value}`);
  return n;
}

export function parseNonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`not a non-negative number: ${value}`);
  return n;
}
