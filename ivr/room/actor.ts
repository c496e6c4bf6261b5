// Who acted on a room (core/live LiveActor: a web user, a participant's
// keypad, the bridge itself) and how the room's records name them: the leg a
// conference event is tied to, its `actor` column, and the kind of mute an
// actor imposes (a web mute or a chair's).
import type { LiveActor } from '../../core/live/messages.ts';
import type { ForcedMute } from './participant.ts';

export const SYSTEM: LiveActor = { kind: 'system' };

/** The participant whose keypad acted. */
export function byParticipant(p: { readonly id: string }): LiveActor {
  return { kind: 'participant', participantId: p.id };
}

/** The leg a command is tied to in conference events (the participant who pressed), or null. */
export function legOf(by: LiveActor | null | undefined): string | null {
  return by?.kind === 'participant' ? by.participantId : null;
}

/** The conference event's actor column: `leg:<id>`, `user:<id>` or `system`. */
export function actorColumn(by: LiveActor | null | undefined, legId: string | null): string {
  if (by?.kind === 'web') return `user:${by.userId}`;
  if (by?.kind === 'participant') return `leg:${by.participantId}`;
  if (by?.kind === 'system') return 'system';
  return legId ? `leg:${legId}` : 'system';
}

/** A mute imposed by this actor: the web's, or a chair's (keypad, or the bridge on a chair's behalf). */
export function forcedMuteBy(by: LiveActor): ForcedMute {
  return by.kind === 'web' ? 'web' : 'chair';
}
