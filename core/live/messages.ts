// The live seam's message set (ARCHITECTURE.md "The live seam"): commands to
// a running conference, and events out of it. Plain JSON, validated with zod
// at every edge (the web's API, PostgreSQL NOTIFY payloads), so the same
// messages travel a direct call in one process and the database between
// processes. core/live/README.md lists them with what each means.
import { z } from 'zod';
import { DTMF_MAX } from '../phone/dtmf.ts';

/** Minutes a web "extend" may add. */
export const EXTEND_MINUTES = [15, 30, 45, 60] as const;
/** Per-participant talk / listen volume, dB (0 = as received). */
export const VOLUME_DB = { min: -18, max: 18 } as const;

const participantId = z.string().min(1).max(200);
const inviteId = z.string().min(1).max(200);

/** Most targets one `invite` command may carry. */
export const MAX_INVITE_TARGETS = 500;

/**
 * One party to call: a number (`number*ext` allowed) or a SIP URI, with an
 * optional name and contact, and an optional DTMF sequence sent after the
 * answer (a video meeting's "ID#,,password#"; core/phone/dtmf.ts) — such an
 * invite joins without "press 1".
 */
export const inviteTargetSchema = z.object({
  target: z.string().trim().min(1).max(256),
  name: z.string().max(200).optional(),
  dtmf: z.string().trim().max(DTMF_MAX).regex(/^[0-9*#A-D,]*$/, 'DTMF: digits, * # A-D and "," (a pause) only').optional(),
  contactId: z.string().uuid().optional(),
}).strict();
export type InviteTarget = z.infer<typeof inviteTargetSchema>;
const volumeDb = z.number().int().min(VOLUME_DB.min).max(VOLUME_DB.max);

/** What the web (or the dialer, the scheduler …) asks of a running conference. */
export const liveCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('mute'), participantId, muted: z.boolean() }),
  z.object({ type: z.literal('remove'), participantId }),
  z.object({ type: z.literal('role'), participantId, role: z.enum(['chair', 'guest']) }),
  z.object({ type: z.literal('hold'), participantId, held: z.boolean() }),
  z.object({ type: z.literal('volume'), participantId, talkDb: volumeDb.optional(), listenDb: volumeDb.optional() }),
  z.object({ type: z.literal('mute-all'), muted: z.boolean() }),
  z.object({ type: z.literal('lock'), locked: z.boolean() }),
  z.object({ type: z.literal('record'), on: z.boolean() }),
  z.object({ type: z.literal('extend'), minutes: z.union(EXTEND_MINUTES.map((m) => z.literal(m)) as [z.ZodLiteral<15>, z.ZodLiteral<30>, z.ZodLiteral<45>, z.ZodLiteral<60>]) }),
  z.object({ type: z.literal('limit'), max: z.number().int().min(1).max(100_000) }),
  z.object({ type: z.literal('end') }),
  /** Call these parties into the meeting (rows in `invites`; states as `invite` events). */
  z.object({ type: z.literal('invite'), targets: z.array(inviteTargetSchema).min(1).max(MAX_INVITE_TARGETS) }),
  /** Stop an invite that is queued, calling, ringing or waiting for the callee's 1. */
  z.object({ type: z.literal('invite-cancel'), inviteId }),
  /** Call a finished invite's target again (the same row, back to queued). */
  z.object({ type: z.literal('invite-redial'), inviteId }),
  /** Call again every invitee of this conference whose last invite did not end in the room and who is not in it now. */
  z.object({ type: z.literal('invite-absent') }),
]);
export type LiveCommand = z.infer<typeof liveCommandSchema>;
export type LiveCommandType = LiveCommand['type'];

/** Who gave a command: a web user, a participant's keypad, or the bridge itself. */
export const liveActorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('web'), userId: z.string(), name: z.string().optional() }),
  z.object({ kind: z.literal('participant'), participantId: z.string() }),
  z.object({ kind: z.literal('system') }),
]);
export type LiveActor = z.infer<typeof liveActorSchema>;

/** Why a participant is not heard (the first that applies), or null. */
export const mutedBySchema = z.enum(['self', 'chair', 'web', 'listen-only', 'waiting', 'held']).nullable();
export type MutedBy = z.infer<typeof mutedBySchema>;

export const qualityBadgeSchema = z.enum(['good', 'fair', 'poor']);
export type QualityBadge = z.infer<typeof qualityBadgeSchema>;

/** Network quality of one participant, from RTCP and the receive side. */
export const liveQualitySchema = z.object({
  /** Loss of what we should have received, last report interval, %. */
  lossPct: z.number(),
  jitterMs: z.number(),
  rttMs: z.number().nullable(),
  badge: qualityBadgeSchema,
});
export type LiveQuality = z.infer<typeof liveQualitySchema>;

export const liveParticipantSchema = z.object({
  id: z.string(),
  /** Recorded or display name, or the contact's name; null when unknown. */
  name: z.string().nullable(),
  /** Caller number, or the SIP URI when it has no user part. */
  number: z.string(),
  role: z.enum(['chair', 'guest']),
  kind: z.enum(['caller', 'convener', 'invitee', 'browser']),
  /** The access number dialled; null for SIP URI dial-in and calls the bridge placed. */
  accessNumber: z.string().nullable(),
  lang: z.string(),
  joinedAt: z.string(),
  joinOrder: z.number().int(),
  muted: z.boolean(),
  mutedBy: mutedBySchema,
  talking: z.boolean(),
  held: z.boolean(),
  /** Away from the mix (talking to the operator after *0, or a private invite call). */
  away: z.enum(['operator', 'invite']).nullable(),
  talkDb: z.number(),
  listenDb: z.number(),
  quality: liveQualitySchema.nullable(),
  /** Browsers (kind 'browser'): the join's id, by which the join page finds its own participant. */
  joinId: z.string().optional(),
});
export type LiveParticipant = z.infer<typeof liveParticipantSchema>;

export const INVITE_STATE_NAMES = [
  'queued', 'calling', 'ringing', 'answered', 'joined', 'no_answer', 'busy', 'rejected', 'cancelled', 'failed', 'refused', 'ended',
] as const;

/** An invite of a running conference as the console shows it. */
export const liveInviteSchema = z.object({
  id: z.string(),
  target: z.string(),
  name: z.string(),
  state: z.enum(INVITE_STATE_NAMES),
  q850Cause: z.number().int().nullable(),
  sipStatus: z.number().int().nullable(),
  /** The participant once joined, else null. */
  participantId: z.string().nullable(),
  updatedAt: z.string(),
});
export type LiveInvite = z.infer<typeof liveInviteSchema>;

/** A running conference as the console first sees it; events update it. */
export const liveSnapshotSchema = z.object({
  conferenceId: z.string(),
  accountId: z.string(),
  roomId: z.string().nullable(),
  roomNumber: z.string(),
  roomName: z.string(),
  nodeId: z.string(),
  startedAt: z.string(),
  closesAt: z.string(),
  locked: z.boolean(),
  recording: z.boolean(),
  allMuted: z.boolean(),
  maxParticipants: z.number().int(),
  /** The most the account's tier allows; null = no tier cap. */
  tierMaxParticipants: z.number().int().nullable(),
  endWhenLastChairLeaves: z.boolean(),
  /** Participants who pressed *0 and are waiting for help. */
  helpRequested: z.array(z.string()),
  participants: z.array(liveParticipantSchema),
  /** This conference's invites (web, bulk, *6), oldest first; absent from hosts that do not dial. */
  invites: z.array(liveInviteSchema).optional(),
});
export type LiveSnapshot = z.infer<typeof liveSnapshotSchema>;

const on = { conferenceId: z.string(), accountId: z.string(), at: z.string() };
const anyRoom = { conferenceId: z.string().nullable(), accountId: z.string(), at: z.string() };

/** What comes out of a running conference (and, for lockout, out of a room's PIN entry). */
export const liveEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), ...on, roomNumber: z.string(), roomName: z.string() }),
  z.object({ type: z.literal('joined'), ...on, participant: liveParticipantSchema }),
  z.object({ type: z.literal('left'), ...on, participantId: z.string(), reason: z.enum(['hangup', 'kicked', 'ended']) }),
  /** Any change of one participant's state (muted and by whom, held, role, volume, away). */
  z.object({ type: z.literal('participant'), ...on, participant: liveParticipantSchema, by: liveActorSchema.nullable() }),
  z.object({ type: z.literal('talking'), ...on, participantId: z.string(), talking: z.boolean() }),
  /** Quality of the participants whose figures changed, batched per conference. */
  z.object({ type: z.literal('quality'), ...on, items: z.array(z.object({ participantId: z.string(), quality: liveQualitySchema })) }),
  z.object({ type: z.literal('locked'), ...on, locked: z.boolean(), by: liveActorSchema.nullable() }),
  z.object({ type: z.literal('all-muted'), ...on, muted: z.boolean(), by: liveActorSchema.nullable() }),
  /** `failure` (with on: false): the recording stopped on its own, its file could not be written (errno code, e.g. ENOSPC). */
  z.object({ type: z.literal('recording'), ...on, on: z.boolean(), by: liveActorSchema.nullable(), failure: z.string().optional() }),
  z.object({ type: z.literal('warning'), ...on, minutesLeft: z.number() }),
  z.object({ type: z.literal('extended'), ...on, minutes: z.number(), closesAt: z.string(), by: liveActorSchema.nullable() }),
  z.object({ type: z.literal('limit'), ...on, max: z.number().int(), by: liveActorSchema.nullable() }),
  z.object({ type: z.literal('help'), ...on, participantId: z.string(), requested: z.boolean(), alertId: z.string().nullable() }),
  z.object({ type: z.literal('lockout'), ...anyRoom, roomId: z.string(), roomNumber: z.string(), until: z.string(), alertId: z.string().nullable() }),
  z.object({ type: z.literal('ended'), ...on, reason: z.string() }),
  /** A call the bridge was asked to place was refused by the account's dial-out policy (ivr/billing/dial-out-guard.ts); alertId when it raised the owner's alert. */
  z.object({ type: z.literal('dial-out-refused'), ...on, target: z.string(), reason: z.enum(['guest', 'class', 'blocked', 'concurrent', 'daily_cap']), detail: z.string(), alertId: z.string().nullable() }),
  /** An invite was created or changed state. */
  z.object({ type: z.literal('invite'), ...on, invite: liveInviteSchema }),
]);
export type LiveEvent = z.infer<typeof liveEventSchema>;
export type LiveEventType = LiveEvent['type'];

/** What a command answers. */
export interface LiveCommandResult {
  ok: true;
  /** The participant after the change, for participant commands. */
  participant?: LiveParticipant;
  /** Conference-wide state after the change (lock, limit, window …). */
  closesAt?: string;
  max?: number;
  /** The invites a command created or changed (invite, redial, absent, cancel). */
  invites?: LiveInvite[];
}

/** Good ≤ 1 % loss and ≤ 30 ms jitter and ≤ 300 ms RTT; poor ≥ 5 % or ≥ 80 ms or ≥ 600 ms; fair between. */
export function qualityBadge(lossPct: number, jitterMs: number, rttMs: number | null): QualityBadge {
  const rtt = rttMs ?? 0;
  if (lossPct >= 5 || jitterMs >= 80 || rtt >= 600) return 'poor';
  if (lossPct > 1 || jitterMs > 30 || rtt > 300) return 'fair';
  return 'good';
}
