// Room numbers: unique on the platform, random (never sequential), 6–8 digits.
import { randomInt } from 'node:crypto';
import { ConflictError, ValidationError } from '../errors.ts';

/** randomInt(maxExclusive) → 0 … maxExclusive-1; injectable for tests. */
export type RandomInt = (maxExclusive: number) => number;
export const cryptoRandomInt: RandomInt = (max) => randomInt(max);

export const ROOM_NUMBER = /^[0-9]{6,8}$/;

export function validateRoomNumber(n: string): void {
  if (!ROOM_NUMBER.test(n)) throw new ValidationError('room number must be 6 to 8 digits', 'number');
}

/** A random number of `length` digits that does not start with 0. */
export function randomRoomNumber(length = 8, random: RandomInt = cryptoRandomInt): string {
  if (!Number.isInteger(length) || length < 6 || length > 8) throw new RangeError(`room number length ${length}`);
  let s = String(1 + random(9));
  for (let i = 1; i < length; i++) s += String(random(10));
  return s;
}

export interface AllocateOptions {
  length?: number;
  random?: RandomInt;
  maxAttempts?: number;
}

/**
 * Draw random numbers until `isTaken` says one is free. Retries on
 * collision; gives up with ConflictError after maxAttempts (default 20).
 * The insert must still guard with the unique index (races between nodes).
 */
export async function allocateRoomNumber(isTaken: (n: string) => Promise<boolean>, opts: AllocateOptions = {}): Promise<string> {
  const attempts = opts.maxAttempts ?? 20;
  for (let i = 0; i < attempts; i++) {
    const n = randomRoomNumber(opts.length ?? 8, opts.random);
    if (!(await isTaken(n))) return n;
  }
  throw new ConflictError(`no free room number after ${attempts} attempts`, 'number');
}
