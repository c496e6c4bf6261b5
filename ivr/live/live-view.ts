// A live room as the live seam shows it (core/live/messages.ts): the
// snapshot the console starts from, the summary of the account's list, and
// one participant. Plain JSON values (ISO times), the same in one process
// and over PostgreSQL.
import type { LiveParticipant, LiveSnapshot } from '../../core/live/messages.ts';
import type { LiveRoom } from '../room/live-room.ts';
import type { ParticipantView } from '../room/participant.ts';

export type LiveSummary = Omit<LiveSnapshot, 'participants'> & { participantCount: number };

export function liveParticipant(v: ParticipantView): LiveParticipant {
  return {
    id: v.id, name: v.displayName, number: v.number, role: v.role, kind: v.kind, accessNumber: v.accessNumber, lang: v.lang,
    joinedAt: v.joinedAt.toISOString(), joinOrder: v.joinOrder, muted: v.muted, mutedBy: v.mutedBy, talking: v.talking,
    held: v.held, away: v.away, talkDb: v.talkDb, listenDb: v.listenDb, quality: v.quality ? { ...v.quality } : null,
    ...(v.joinId !== null ? { joinId: v.joinId } : {}),
  };
}

/** The conference's state without its participants. */
function liveState(room: LiveRoom, nodeId: string, views: readonly ParticipantView[]): Omit<LiveSnapshot, 'participants'> {
  return {
    conferenceId: room.conferenceId, accountId: room.account.id, roomId: room.room.id, roomNumber: room.number, roomName: room.room.name,
    nodeId, startedAt: room.conferenceRow.startedAt.toISOString(), closesAt: room.windowClosesAt.toISOString(),
    locked: room.locked, recording: room.recording, allMuted: room.allMuted, maxParticipants: room.maxParticipants,
    tierMaxParticipants: room.tierMaxParticipants, endWhenLastChairLeaves: room.room.options.endWhenLastChairLeaves,
    helpRequested: views.filter((v) => v.away === 'operator').map((v) => v.id),
  };
}

export function liveSummary(room: LiveRoom, nodeId: string): LiveSummary {
  const views = room.list();
  return { ...liveState(room, nodeId, views), participantCount: views.length };
}

export function liveSnapshot(room: LiveRoom, nodeId: string): LiveSnapshot {
  const views = room.list();
  return { ...liveState(room, nodeId, views), participants: views.map(liveParticipant) };
}
