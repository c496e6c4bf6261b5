// Multi-party call (多方通): convener phone numbers bound to an account, each
// with a personal room the convener enters as chair.
import type { PhoneOptions } from '../phone/normalise.ts';

export interface ConvenerBinding {
  id: string;
  accountId: string;
  /** E.164 calling number. */
  number: string;
  userId: string | null;
  roomId: string;
  name: string;
}

export interface ConvenerStore {
  /** Binds a number; creates a personal room when roomId is not given. ConflictError if the number is bound anywhere. */
  bind(accountId: string, input: { number: string; userId?: string | null; roomId?: string; name?: string }, ctx: { now: Date } & PhoneOptions): Promise<ConvenerBinding>;
  unbind(accountId: string, id: string): Promise<void>;
  list(accountId: string): Promise<ConvenerBinding[]>;
  /** The IVR's look-up by caller number (E.164), platform-wide. */
  findByNumber(e164: string): Promise<ConvenerBinding | undefined>;
}
