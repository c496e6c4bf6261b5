// The account's slogan (issue 19): one line of at most 80 characters, in
// any script (counted in characters, so 80 Chinese characters fit as 80
// Latin ones do). Control characters (line breaks, tabs, NUL…) are refused:
// the slogan is shown in a page header and a mail header, one line each.
// It is always escaped where it is shown (web/views/html.ts).
import { ValidationError } from '../errors.ts';

export const SLOGAN_MAX = 80;

/** Trimmed slogan; empty → null (no slogan); too long or with control characters → ValidationError. */
export function normaliseSlogan(input: string): string | null {
  const s = input.normalize('NFC').trim();
  if (s === '') return null;
  if (/\p{Cc}/u.test(s)) throw new ValidationError('the slogan must be one line without control characters', 'slogan');
  const length = [...s].length;
  if (length > SLOGAN_MAX) throw new ValidationError(`the slogan is ${length} characters long; at most ${SLOGAN_MAX}`, 'slogan');
  return s;
}
