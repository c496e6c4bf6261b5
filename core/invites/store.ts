// Dial-out invites and their live state.
import type { InviteState } from './states.ts';

export type InviteSource = 'web' | 'bulk' | 'auto' | 'phone' | 'video_link';

export interface Invite {
  id: string;
  accountId: string;
  roomId: string | null;
  conferenceId: string | null;
  contactId: string | null;
  target: string;
  name: string;
  source: InviteSource;
  state: InviteState;
  q850Cause: number | null;
  sipStatus: number | null;
  legId: string | null;
  requestedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewInvite {
  roomId: string;
  conferenceId?: string | null;
  contactId?: string | null;
  /** Stored number (E.164, optionally *ext) or SIP URI — normalise before. */
  target: string;
  name?: string;
  source: InviteSource;
  requestedBy?: string;
}

export interface InviteStore {
  create(accountId: string, input: NewInvite): Promise<Invite>;
  get(accountId: string, id: string): Promise<Invite>;
  /** Moves the state; InvalidStateError for a transition the state machine forbids. */
  transition(accountId: string, id: string, to: InviteState, info?: { q850Cause?: number | null; sipStatus?: number | null; legId?: string | null }): Promise<Invite>;
  listByConference(accountId: string, conferenceId: string): Promise<Invite[]>;
  listByRoom(accountId: string, roomId: string, limit?: number): Promise<Invite[]>;
}
