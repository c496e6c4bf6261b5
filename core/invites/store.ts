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
  /** DTMF sent after the answer (a video-meeting link: ID, #, password, #); ',' pauses 500 ms. */
  dtmf: string;
  source: InviteSource;
  state: InviteState;
  q850Cause: number | null;
  sipStatus: number | null;
  legId: string | null;
  /** The participant (leg id) it became, once joined. */
  participantId: string | null;
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
  /** See Invite.dtmf; '' for none. */
  dtmf?: string;
  source: InviteSource;
  requestedBy?: string;
}

/** One state change of an invite (its history, oldest first). */
export interface InviteEvent {
  state: InviteState;
  q850Cause: number | null;
  sipStatus: number | null;
  at: Date;
}

export interface InviteChange {
  q850Cause?: number | null;
  sipStatus?: number | null;
  legId?: string | null;
  participantId?: string | null;
}

export interface InviteStore {
  create(accountId: string, input: NewInvite): Promise<Invite>;
  /** Many rows in one transaction (all or none), in the order given; the same checks as create. */
  createMany(accountId: string, inputs: readonly NewInvite[]): Promise<Invite[]>;
  get(accountId: string, id: string): Promise<Invite>;
  /** Moves the state; InvalidStateError for a transition the state machine forbids. */
  transition(accountId: string, id: string, to: InviteState, info?: InviteChange): Promise<Invite>;
  /** Every state the invite has been in (created: `queued`), oldest first. */
  history(accountId: string, id: string): Promise<InviteEvent[]>;
  listByConference(accountId: string, conferenceId: string): Promise<Invite[]>;
  listByRoom(accountId: string, roomId: string, limit?: number): Promise<Invite[]>;
}
