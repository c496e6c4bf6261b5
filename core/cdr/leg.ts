// One call leg as the CDR journal and the database see it. Every leg yields
// exactly one CDR row, keyed by the leg's UUID.
/**
 * 'webrtc': a browser's call through the WebRTC gateway (issue 17).
 * 'relay': the host node's leg of a caller another node relays to it (issue 18,
 * ivr/flows/relay.ts). The caller's own leg on the node it called is the billed
 * record; the relay leg is kept for tracing only: never rated, and left out of
 * everything the account sees (history, billing, meeting records).
 */
export type LegDirection = 'in' | 'out' | 'webrtc' | 'relay';
const LEG_DIRECTIONS: readonly LegDirection[] = ['in', 'out', 'webrtc', 'relay'];
const isLegDirection = (v: unknown): v is LegDirection => LEG_DIRECTIONS.includes(v as LegDirection);
export type LegState = 'open' | 'closed';

export interface LegRecord {
  id: string;
  /** The bridge node that owns the leg; recovery only ever closes its own node's legs. */
  nodeId: string;
  accountId: string | null;
  conferenceId: string | null;
  roomId: string | null;
  roomNumber: string | null;
  direction: LegDirection;
  caller: string;
  callee: string;
  accessNumberId: string | null;
  accessNumber: string | null;
  /** chair, guest, convener, invitee … */
  role: string | null;
  displayName: string;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  lastCheckpointAt: Date | null;
  q850Cause: number | null;
  state: LegState;
  /** Closed at start-up from its last checkpoint after a crash. */
  closedByRecovery: boolean;
}

/** What the engine/IVR knows when a leg starts. */
export interface NewLeg {
  id?: string;
  direction: LegDirection;
  caller: string;
  callee: string;
  startedAt: Date;
  accountId?: string | null;
  conferenceId?: string | null;
  roomId?: string | null;
  roomNumber?: string | null;
  accessNumberId?: string | null;
  accessNumber?: string | null;
  role?: string | null;
  displayName?: string;
}

/** Facts learnt during the call (the room after the PIN, the conference, the role). */
export type LegPatch = Partial<Pick<LegRecord, 'accountId' | 'conferenceId' | 'roomId' | 'roomNumber' | 'role' | 'displayName' | 'accessNumberId' | 'accessNumber'>>;

/** Q.850 16: normal call clearing. 41: temporary failure — used for legs closed by crash recovery. */
export const Q850_NORMAL_CLEARING = 16;
export const Q850_TEMPORARY_FAILURE = 41;

/** Where crash recovery ends an open leg: its last checkpoint, else its answer, else its start. */
export function recoveryEnd(leg: LegRecord): Date {
  return leg.lastCheckpointAt ?? leg.answeredAt ?? leg.startedAt;
}

/**
 * The leg closed at `at` (never before its start; an answer after the end
 * moves to the end). `recovered`: closed by recovery (the node's own journal
 * at start-up, or a survivor's sweep of a dead node), not by the call's end.
 */
export function closedLeg(leg: LegRecord, at: Date, q850: number, recovered: boolean): LegRecord & { endedAt: Date } {
  const endedAt = at.getTime() < leg.startedAt.getTime() ? leg.startedAt : at;
  const answeredAt = leg.answeredAt && leg.answeredAt.getTime() > endedAt.getTime() ? endedAt : leg.answeredAt;
  return { ...leg, state: 'closed', endedAt, answeredAt, q850Cause: q850, closedByRecovery: recovered };
}

/** The leg as recovery closes it: at recoveryEnd, Q.850 41, flagged closed_by_recovery. */
export function closedByRecovery(leg: LegRecord): LegRecord {
  return closedLeg(leg, recoveryEnd(leg), Q850_TEMPORARY_FAILURE, true);
}

/** Where the CDR writer puts legs: idempotent by leg id. */
export interface CdrSink {
  /** Insert or update the leg; a closed leg is rated and charged exactly once. Closed rows never change again. */
  write(leg: LegRecord): Promise<void>;
  /** The same for several legs (distinct ids) at once, all or none: one transaction, one statement for the rows. */
  writeMany?(legs: readonly LegRecord[]): Promise<void>;
  /** Legs still open in the database for a node (crash recovery when the journal is gone). */
  listOpen(nodeId: string): Promise<LegRecord[]>;
  /** Sets aside a leg the database refused for good (its latest state, the error); a second call for the same leg updates it. */
  deadLetter?(leg: LegRecord, refusal: { code: string; message: string }): Promise<void>;
}

type Json = Record<string, unknown>;

export function legToJson(l: LegRecord): Json {
  return {
    ...l, startedAt: l.startedAt.toISOString(), answeredAt: l.answeredAt?.toISOString() ?? null,
    endedAt: l.endedAt?.toISOString() ?? null, lastCheckpointAt: l.lastCheckpointAt?.toISOString() ?? null,
  };
}

const optDate = (v: unknown): Date | null => (typeof v === 'string' ? new Date(v) : null);
const optStr = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Throws TypeError on anything that is not a leg. */
export function legFromJson(j: Json): LegRecord {
  if (typeof j.id !== 'string' || !isLegDirection(j.direction) || typeof j.startedAt !== 'string'
    || (j.state !== 'open' && j.state !== 'closed')) {
    throw new TypeError('not a leg record');
  }
  return {
    id: j.id, nodeId: typeof j.nodeId === 'string' ? j.nodeId : 'local', accountId: optStr(j.accountId), conferenceId: optStr(j.conferenceId),
    roomId: optStr(j.roomId), roomNumber: optStr(j.roomNumber), direction: j.direction, caller: String(j.caller ?? ''), callee: String(j.callee ?? ''),
    accessNumberId: optStr(j.accessNumberId), accessNumber: optStr(j.accessNumber), role: optStr(j.role), displayName: String(j.displayName ?? ''),
    startedAt: new Date(j.startedAt), answeredAt: optDate(j.answeredAt), endedAt: optDate(j.endedAt), lastCheckpointAt: optDate(j.lastCheckpointAt),
    q850Cause: typeof j.q850Cause === 'number' ? j.q850Cause : null, state: j.state, closedByRecovery: j.closedByRecovery === true,
  };
}
