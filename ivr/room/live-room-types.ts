// What a live room is made of and what it tells: its dependencies, how it
// is opened, a join request, and the typed events (each change with who made
// it, LiveActor, which ivr/live/ turns into the live seam's events).
import type { Engine } from '../../bridge/port.ts';
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { Conference as ConferenceRow } from '../../core/conferences/store.ts';
import type { LiveActor } from '../../core/live/messages.ts';
import type { Repositories } from '../../core/repositories.ts';
import type { Room } from '../../core/rooms/store.ts';
import type { CallContext } from '../call/call-context.ts';
import type { LeaveReason, ParticipantKind, ParticipantView, Role } from './participant.ts';

export type By = LiveActor | null;

export type LiveRoomEvents = {
  joined: [p: ParticipantView];
  left: [p: ParticipantView, reason: LeaveReason];
  /** Any change of one participant's state (mute, hold, role, volume, away, name), and who made it. */
  changed: [p: ParticipantView, by: By];
  talking: [p: ParticipantView, talking: boolean];
  /** The participant's network figures changed (p.quality). */
  quality: [p: ParticipantView];
  locked: [locked: boolean, by: By];
  'all-muted': [muted: boolean, by: By];
  /** `failure`: it stopped on its own, its file could not be written (the errno code). */
  recording: [on: boolean, path: string | null, by: By, failure?: string];
  'help-requested': [p: ParticipantView];
  'help-done': [p: ParticipantView];
  warning: [minutesLeft: number];
  extended: [minutes: number, by: By];
  limit: [max: number, by: By];
  ended: [reason: string];
};

export interface LiveRoomDeps {
  engine: Engine;
  repos: Repositories;
  now: () => Date;
  /** Times the end-of-window clock. */
  clock: Clock;
  log: Logger;
  recordingsDir: string;
  minuteMs: number;
  warnMinutes: readonly number[];
  /** Region of caller numbers without a country code (the contact name look-up). */
  defaultRegion?: string;
}

export interface LiveRoomInit {
  room: Room;
  account: Account;
  conference: ConferenceRow;
  /** When the window closes (with extensions so far). */
  closesAt: Date;
  /** Most participants (the room's, or the multi-party limit). */
  maxParticipants: number;
  multiParty: boolean;
}

export interface JoinRequest {
  ctx: CallContext;
  cdrId: string;
  role: Role;
  kind: ParticipantKind;
  name: string | null;
  /** A browser's join id (see Participant.joinId). */
  joinId?: string | null;
}

export type Refusal = 'locked' | 'full';
