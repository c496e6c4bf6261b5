// A fake call ringing at the bridge: it remembers whether the application
// rang, answered or refused it (with which Q.850 cause); the caller may give
// up before the answer (cancel), as a CANCEL would.
import { CallFailedError, InvalidStateError } from '../../common/errors.ts';
import type { CallLeg, IncomingCall } from '../port.ts';
import { Q850, type Q850Cause } from '../q850.ts';
import type { FakeCallLeg } from './leg.ts';

export interface FakeIncomingInit {
  id: string;
  callId: string;
  from: string;
  to: string;
  fromDisplayName?: string;
  headers?: Record<string, string>;
  sourceAddress?: string;
  /** Makes the leg on answer. */
  answerLeg: () => FakeCallLeg;
  /** Tells the clock something happened. */
  touch: () => void;
}

export class FakeIncomingCall implements IncomingCall {
  readonly id: string;
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly fromDisplayName: string | undefined;
  readonly requestUri: string;
  readonly transport = 'udp' as const;
  readonly sourceAddress: string;
  rang = false;
  /** The cause it was refused with. */
  rejected: Q850Cause | undefined;
  /** The Retry-After the refusal carried, if any. */
  retryAfterS: number | undefined;
  /** The leg, once answered. */
  leg: FakeCallLeg | undefined;
  private cancelled = false;
  private readonly cancelHandlers: Array<() => void> = [];

  constructor(private readonly init: FakeIncomingInit) {
    this.id = init.id;
    this.callId = init.callId;
    this.from = init.from;
    this.to = init.to;
    this.fromDisplayName = init.fromDisplayName;
    this.sourceAddress = init.sourceAddress ?? '127.0.0.1';
    this.requestUri = `sip:${init.to}@127.0.0.1`;
  }

  header(name: string): string | undefined {
    const wanted = name.toLowerCase();
    for (const [k, v] of Object.entries(this.init.headers ?? {})) if (k.toLowerCase() === wanted) return v;
    return undefined;
  }

  ring(): void {
    this.rang = true;
    this.init.touch();
  }

  async answer(): Promise<CallLeg> {
    this.init.touch();
    if (this.cancelled) throw new CallFailedError(Q850.NORMAL_CLEARING, 487, 'caller hung up before the answer');
    if (this.rejected !== undefined) throw new InvalidStateError('call was refused');
    this.leg ??= this.init.answerLeg();
    return this.leg;
  }

  reject(cause: Q850Cause, opts: { retryAfterS?: number } = {}): void {
    if (this.leg || this.rejected !== undefined) return;
    this.rejected = cause;
    this.retryAfterS = opts.retryAfterS;
    this.init.touch();
  }

  onCancel(fn: () => void): void { this.cancelHandlers.push(fn); }

  /** The caller hangs up before the answer. */
  cancel(): void {
    if (this.leg || this.cancelled) return;
    this.cancelled = true;
    this.init.touch();
    for (const fn of this.cancelHandlers) fn();
  }
}
