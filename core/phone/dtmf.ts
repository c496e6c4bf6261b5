// DTMF sequences the bridge sends after a call it placed is answered: a
// video-meeting link's "meeting ID # , , password #" (SPEC §5). Digits,
// * # A-D, and ',' for a pause of DTMF_PAUSE_MS.
import { ValidationError } from '../errors.ts';

export const DTMF_PAUSE_MS = 500;
export const DTMF_MAX = 64;

/** The sequence as stored ('' for none); ValidationError for anything else. */
export function checkDtmf(dtmf: string | undefined): string {
  const d = (dtmf ?? '').trim();
  if (d.length > DTMF_MAX || !/^[0-9*#A-D,]*$/.test(d)) {
    throw new ValidationError(`DTMF after answer: digits, * # A-D and "," (a ${DTMF_PAUSE_MS} ms pause) only, at most ${DTMF_MAX}`, 'dtmf');
  }
  return d;
}
