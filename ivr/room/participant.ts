// One caller in a live room: role, how they may speak (and who muted them),
// hold, their talk and listen volume, when they joined, their name, whether
// they are in the mix or away (operator, private invite call), and their
// network quality. The rules that turn that state into member settings and
// into what the console shows are here too.
import type { ConferenceMember, MemberOptions } from '../../bridge/port.ts';
import { ValidationError } from '../../core/errors.ts';
import { VOLUME_DB, type LiveQuality, type MutedBy } from '../../core/live/messages.ts';
import type { RoomOptions } from '../../core/rooms/store.ts';
import type { CallContext } from '../call/call-context.ts';
import { HOLD_MUSIC } from '../call/say.ts';

export type Role = 'chair' | 'guest';
/** How they came in: dialled in, convener of a multi-party call, called by the bridge, or joined from a browser (WebRTC). */
export type ParticipantKind = 'caller' | 'convener' | 'invitee' | 'browser';
export type AwayReason = 'operator' | 'invite';
export type LeaveReason = 'hangup' | 'kicked' | 'ended';
/** Who muted a participant over their head: a chair (*5) or the web console. */
export type ForcedMute = 'chair' | 'web';

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
  /** Muted by a chair (*5) or the web; *1 cannot undo it. */
  forcedMute: ForcedMute | null;
  /** On hold until the first chair joins (*wait for chair*). */
  waiting: boolean;
  /** Put on hold (music, not heard) from the console. */
  held: boolean;
  /** Gain on what they say / hear, dB. */
  talkDb: number;
  listenDb: number;
  /** 1, 2, 3 … in order of joining (*3 removes the highest). */
  joinOrder: number;
  joinedAt: Date;
  /** WAV of the recorded name (*announce*), or null. */
  name: string | null;
  /** A name to show: the SIP display name, or the account contact's name for the number. */
  displayName: string | null;
  /** In the mix, or null while away. */
  member: ConferenceMember | null;
  away: AwayReason | null;
  /** The latest network figures of the leg, or null before the first report. */
  quality: LiveQuality | null;
  /** A browser's join id (its join token's jti): the join page finds its own participant by it. */
  joinId: string | null;
}

/** Why the participant is not heard (the first that applies), or null. */
export function mutedByOf(p: Participant): MutedBy {
  if (p.held) return 'held';
  if (p.waiting) return 'waiting';
  if (p.listenOnly) return 'listen-only';
  if (p.forcedMute) return p.forcedMute;
  if (p.selfMuted) return 'self';
  return null;
}

/** Not heard by the others? */
export function isMuted(p: Participant): boolean {
  return mutedByOf(p) !== null;
}

/** The member settings that match the participant's state. */
export function memberOptions(p: Participant): MemberOptions {
  return { muted: isMuted(p), hold: p.held || p.waiting ? HOLD_MUSIC : null, talkDb: p.talkDb, listenDb: p.listenDb };
}

/** The number to show: the caller's for calls in, the called party's for calls the bridge placed. */
export function numberOf(p: Participant): string {
  return p.ctx.leg.direction === 'out' ? p.ctx.leg.to : p.ctx.leg.from;
}

/** A guest made chair: speaks, whatever the guest rules (listen-only, mute all, wait for chair). */
export function applyChairRules(p: Participant): void {
  p.role = 'chair';
  p.listenOnly = false;
  p.forcedMute = null;
  p.waiting = false;
}

/**
 * A chair made guest: the room's guest rules apply as to a guest joining now
 * (listen-only, the mute-all in force), except the wait for a chair — the
 * meeting has begun.
 */
export function applyGuestRules(p: Participant, options: RoomOptions, allMuted: ForcedMute | null): void {
  p.role = 'guest';
  p.listenOnly = options.guestListenOnly;
  if (allMuted) p.forcedMute = allMuted;
}

/** Talk / listen volume within VOLUME_DB, else ValidationError naming the field. */
export function checkVolume(v: { talkDb?: number; listenDb?: number }): void {
  for (const [field, db] of Object.entries(v)) {
    if (db !== undefined && (!Number.isFinite(db) || db < VOLUME_DB.min || db > VOLUME_DB.max)) {
      throw new ValidationError(`volume must be between ${VOLUME_DB.min} and ${VOLUME_DB.max} dB`, field);
    }
  }
}

/** What the live console shows of a participant. */
export interface ParticipantView {
  id: string;
  from: string;
  /** The number to show (see numberOf). */
  number: string;
  displayName: string | null;
  accessNumber: string | null;
  role: Role;
  kind: ParticipantKind;
  lang: string;
  muted: boolean;
  mutedBy: MutedBy;
  selfMuted: boolean;
  chairMuted: boolean;
  listenOnly: boolean;
  waiting: boolean;
  held: boolean;
  talking: boolean;
  talkDb: number;
  listenDb: number;
  joinOrder: number;
  joinedAt: Date;
  away: AwayReason | null;
  quality: LiveQuality | null;
  joinId: string | null;
}

export function viewOf(p: Participant): ParticipantView {
  return {
    id: p.id, from: p.ctx.leg.from, number: numberOf(p), displayName: p.displayName, accessNumber: p.ctx.accessNumber?.number ?? null,
    role: p.role, kind: p.kind, lang: p.ctx.lang, muted: isMuted(p), mutedBy: mutedByOf(p), selfMuted: p.selfMuted,
    chairMuted: p.forcedMute !== null, listenOnly: p.listenOnly, waiting: p.waiting, held: p.held, talking: p.member?.talking ?? false,
    talkDb: p.talkDb, listenDb: p.listenDb, joinOrder: p.joinOrder, joinedAt: p.joinedAt, away: p.away, quality: p.quality,
    joinId: p.joinId,
  };
}
