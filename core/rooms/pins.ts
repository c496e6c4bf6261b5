// Chair and guest PINs: digits only, 4–8 long, never equal. The guest PIN
// may be empty (guests then just press #).
import { ValidationError } from '../errors.ts';
import { cryptoRandomInt, type RandomInt } from './room-number.ts';

export const PIN = /^[0-9]{4,8}$/;

export function generatePin(length = 6, random: RandomInt = cryptoRandomInt): string {
  if (!Number.isInteger(length) || length < 4 || length > 8) throw new RangeError(`PIN length ${length}`);
  let s = '';
  for (let i = 0; i < length; i++) s += String(random(10));
  return s;
}

/** A chair and a guest PIN that differ. */
export function generatePins(length = 6, random: RandomInt = cryptoRandomInt): { chairPin: string; guestPin: string } {
  const chairPin = generatePin(length, random);
  for (let i = 0; i < 100; i++) {
    const guestPin = generatePin(length, random);
    if (guestPin !== chairPin) return { chairPin, guestPin };
  }
  throw new Error('random source keeps repeating itself'); // only a broken injected random gets here
}

export function validatePins(p: { chairPin: string; guestPin: string }): void {
  if (!PIN.test(p.chairPin)) throw new ValidationError('chair PIN must be 4 to 8 digits', 'chairPin');
  if (p.guestPin !== '' && !PIN.test(p.guestPin)) throw new ValidationError('guest PIN must be empty or 4 to 8 digits', 'guestPin');
  if (p.chairPin === p.guestPin) throw new ValidationError('chair PIN and guest PIN must differ', 'guestPin');
}

export type PinRole = 'chair' | 'guest';

/** Which role an entered PIN grants, or null. An empty guest PIN admits guests on an empty entry. */
export function roleForPin(entered: string, p: { chairPin: string; guestPin: string }): PinRole | null {
  if (entered === p.chairPin) return 'chair';
  if (entered === p.guestPin) return 'guest';
  return null;
}
