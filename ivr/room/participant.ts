// One caller in a live room: role, how they may speak, when they joined,
// their recorded name, and whether they are in the mix or away (operator,
// private invite call).
import type { ConferenceMember, MemberOptions } from '../../bridge/port.ts';
import type { CallContext } from '../call/call-context.ts';
import { HOLD_MUSIC } from '../call/say.ts';

export type Role = 'chair' | 'guest';
/** How they came in: dialled in, convener of a multi-party call, or called by the bridge. */
export type ParticipantKind = 'caller' | 'convener' | 'invitee';
export type AwayReason = 'operator' | 'invite';

export interface Participant {
  readonly id: string;
  readonly ctx: CallContext;
  /** The CDR of this participant's leg. */
  readonly cdrId: string;
  readonly kind: ParticipantKind;
  role: Role;
  /** Guests of a *listen-only* room: muted, may not unmute themselves. */
  listenOnly: boolean;
  /** Muted by *1. */
  selfMuted: boolean;
  /** Muted by the chair's *5 (mute all) or the web. */
  chairMuted: boolean;
  /** On hold until the first chair joins (*wait for chair*). */
  waiting: boolean;
  /** 1, 2, 3 … in order of joining (*3 removes the highest). */
  joinOrder: number;
  joinedAt: Date;
  /** WAV of the recorded name (*announce*), or null. */
  name: string | null;
  /** In the mix, or null while away. */
  member: ConferenceMember | null;
  away: AwayReason | null;
}

/** Not heard by the others? */
export function isMuted(p: Participant): boolean {
  return p.listenOnly || p.selfMuted || p.chairMuted || p.waiting;
}

/** The member settings that match the participant's state. */
export function memberOptions(p: Participant): MemberOptions {
  return { muted: isMuted(p), hold: p.waiting ? HOLD_MUSIC : null };
}

/** What the live console shows of a participant. */
export interface ParticipantView {
  id: string;
  from: string;
  role: Role;
  kind: ParticipantKind;
  lang: string;
  muted: boolean;
  selfMuted: boolean;
  chairMuted: boolean;
  listenOnly: boolean;
  waiting: boolean;
  talking: boolean;
  joinOrder: number;
  joinedAt: Date;
  away: AwayReason | null;
}

export function viewOf(p: Participant): ParticipantView {
  return {
    id: p.id, from: p.ctx.leg.from, role: p.role, kind: p.kind, lang: p.ctx.lang, muted: isMuted(p), selfMuted: p.selfMuted,
    chairMuted: p.chairMuted, listenOnly: p.listenOnly, waiting: p.waiting, talking: p.member?.talking ?? false,
    joinOrder: p.joinOrder, joinedAt: p.joinedAt, away: p.away,
  };
}
