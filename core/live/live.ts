// The live seam (ARCHITECTURE.md "The live seam"): what a running conference
// offers the rest of the product. Two sides:
//
//   LiveHost — implemented by the IVR on the node that hosts conferences
//     (ivr/live/). It answers snapshots and commands for the conferences it
//     runs and emits their events.
//   LiveBus — what the web, the dialer, webhooks and the scheduler use. It
//     finds the host of a conference and carries commands to it and its
//     events back: LocalLiveBus in one process (a direct call), PgLiveBus
//     across processes on one PostgreSQL (core/live/pg-bus.ts).
//
// Every call is scoped to an account: a conference of another account is a
// NotFoundError, exactly like one that does not exist.
import { InvalidStateError } from '../../common/errors.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { LiveActor, LiveCommand, LiveCommandResult, LiveEvent, LiveSnapshot } from './messages.ts';

export type LiveListener = (event: LiveEvent) => void;
export type Unsubscribe = () => void;

/** The IVR side: the conferences running on this node. */
export interface LiveHost {
  readonly nodeId: string;
  /** The conference's present state, or undefined when it does not run here (or belongs to another account). */
  snapshot(accountId: string, conferenceId: string): LiveSnapshot | undefined;
  /** Summaries (participants left out) of the account's conferences running here. */
  list(accountId: string): Array<Omit<LiveSnapshot, 'participants'> & { participantCount: number }>;
  /** Runs a command; rejects with NotFoundError (conference or participant), ValidationError, InvalidStateError. */
  execute(accountId: string, conferenceId: string, command: LiveCommand, actor: LiveActor): Promise<LiveCommandResult>;
  /** Every event of every conference (and room) on this node. */
  subscribe(listener: LiveListener): Unsubscribe;
}

/**
 * The `accountId` of a platform-wide subscription: every account's events.
 * For the platform's own watchers only (the web's mail of dial-out alerts,
 * web/mail/dial-out-alerts.ts), never a user's stream: those always name the
 * session's account, a UUID.
 */
export const EVERY_ACCOUNT = '*';

export interface LiveSubscription {
  /** Only this account's events (always required: the bus never hands out another account's), or EVERY_ACCOUNT. */
  accountId: string;
  /** Only this conference's events (and the account's lockouts when `withAlerts`). */
  conferenceId?: string;
  /** Also the account's alert-carrying events (help, lockout) of other conferences and rooms. */
  withAlerts?: boolean;
}

/** The consumers' side. */
export interface LiveBus {
  snapshot(accountId: string, conferenceId: string): Promise<LiveSnapshot>;
  command(accountId: string, conferenceId: string, command: LiveCommand, actor: LiveActor): Promise<LiveCommandResult>;
  subscribe(filter: LiveSubscription, listener: LiveListener): Unsubscribe;
  close(): Promise<void>;
}

/** The node that hosts a conference did not answer in time (stopped, or partitioned). */
export class LiveUnavailableError extends Error {
  override readonly name = 'LiveUnavailableError';
}

/** Does `event` pass `filter`? */
export function matches(filter: LiveSubscription, event: LiveEvent): boolean {
  if (filter.accountId !== EVERY_ACCOUNT && event.accountId !== filter.accountId) return false;
  if (filter.conferenceId === undefined) return true;
  if (event.conferenceId === filter.conferenceId) return true;
  return filter.withAlerts === true && (event.type === 'help' || event.type === 'lockout');
}

/** A thrown error as JSON (to cross a process boundary) … */
export interface WireError { name: string; message: string; field?: string; entity?: string; id?: string }

export function errorToWire(err: unknown): WireError {
  if (err instanceof NotFoundError) return { name: err.name, message: err.message, entity: err.entity, id: err.id };
  if (err instanceof ValidationError || err instanceof ConflictError) return { name: err.name, message: err.message, ...(err.field ? { field: err.field } : {}) };
  if (err instanceof Error) return { name: err.name === 'InvalidStateError' ? err.name : 'Error', message: err.message };
  return { name: 'Error', message: String(err) };
}

/** … and back into the same class on the other side. */
export function errorFromWire(w: WireError): Error {
  switch (w.name) {
    case 'NotFoundError': return new NotFoundError(w.entity ?? 'conference', w.id ?? '');
    case 'ValidationError': return new ValidationError(w.message, w.field);
    case 'ConflictError': return new ConflictError(w.message, w.field);
    case 'InvalidStateError': return new InvalidStateError(w.message);
    default: return new Error(w.message);
  }
}
