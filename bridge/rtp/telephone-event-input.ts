// A session's RFC 4733 input: the packets of the negotiated telephone-event
// payload type go to a TelephoneEventReceiver, and while a key is held a
// 50 ms timer ends the event if its end packets were lost (the receiver's
// timeout, §2.5.1.4 sends the end three times but all three can be lost).
import { ParseError } from '../../common/errors.ts';
import { TelephoneEventReceiver, type ReceivedDigit } from './telephone-event.ts';

const TIMEOUT_CHECK_MS = 50;

export class TelephoneEventInput {
  private readonly receiver = new TelephoneEventReceiver();
  private timer: NodeJS.Timeout | undefined;

  /** `onDigit`: each keypress, once. */
  constructor(private readonly now: () => number, private readonly onDigit: (d: ReceivedDigit) => void) {}

  /** One telephone-event packet; false when its payload is invalid (counted by the caller). */
  receive(timestamp: number, payload: Uint8Array, arrivalMs: number): boolean {
    let valid = true;
    try {
      for (const d of this.receiver.receive(timestamp, payload, arrivalMs)) this.onDigit(d);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      valid = false;
    }
    this.watchTimeout();
    return valid;
  }

  /** No more digits (the session closed or moved). */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Ends an event whose end packets were lost (RFC 4733 receiver timeout). */
  private watchTimeout(): void {
    if (this.timer || this.receiver.activeDigit === undefined) return;
    this.timer = setInterval(() => {
      const d = this.receiver.tick(this.now());
      if (d) this.onDigit(d);
      if (this.receiver.activeDigit === undefined) { clearInterval(this.timer); this.timer = undefined; }
    }, TIMEOUT_CHECK_MS);
    this.timer.unref();
  }
}
