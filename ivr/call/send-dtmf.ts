// The digits the bridge sends after a call it placed is answered: a
// `number*ext` extension and a video-meeting link's sequence (SPEC §5,
// core/phone/dtmf.ts): the runs of keys between commas each go out with
// leg.sendDtmf, every ',' waits DTMF_PAUSE_MS first. Stops (false) as soon
// as the leg ends or the signal aborts; never throws.
import type { CallLeg } from '../../bridge/port.ts';
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import { DTMF_PAUSE_MS } from '../../core/phone/dtmf.ts';

/** The extension, then the sequence (a pause between the two when both are there). */
export function afterAnswerDigits(extension: string | null | undefined, dtmf: string | null | undefined): string {
  const parts = [extension ?? '', dtmf ?? ''].filter((p) => p !== '');
  return parts.join(',');
}

/** Sends `sequence` on `leg`; true when every key went out. */
export async function sendDtmfSequence(leg: CallLeg, sequence: string, clock: Clock, log: Logger, signal?: AbortSignal): Promise<boolean> {
  const steps = sequence.match(/,|[^,]+/g) ?? [];
  for (const step of steps) {
    if (leg.ended || signal?.aborted) return false;
    if (step === ',') {
      await new Promise<void>((resolve) => clock.setTimer(DTMF_PAUSE_MS, resolve));
      continue;
    }
    try {
      await leg.sendDtmf(step);
    } catch (err) {
      log.warn({ err, leg: leg.id }, 'sending DTMF after the answer failed');
      return false;
    }
  }
  return !leg.ended;
}
