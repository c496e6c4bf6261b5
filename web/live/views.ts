// JSON shapes of the live console's answers: alerts and the live list (the
// snapshot and events are core/live/messages.ts's, sent as they are).
import type { LiveAlert } from '../../core/alerts/store.ts';
import type { LiveListing } from './service.ts';

export function alertJson(a: LiveAlert) {
  return {
    id: a.id, kind: a.kind, roomId: a.roomId, roomNumber: a.roomNumber, conferenceId: a.conferenceId, participantId: a.participantId,
    data: a.data, raisedAt: a.raisedAt.toISOString(), resolvedAt: a.resolvedAt?.toISOString() ?? null,
  };
}

export function listingJson(l: LiveListing) {
  const c = l.conference;
  const s = l.snapshot;
  return {
    conferenceId: c.id, roomId: c.roomId, roomNumber: c.roomNumber, roomName: s?.roomName ?? l.roomName, startedAt: c.startedAt.toISOString(),
    closesAt: s?.closesAt ?? c.scheduledEnd?.toISOString() ?? null, locked: s?.locked ?? c.locked, recording: s?.recording ?? null,
    participantCount: l.participantCount, maxParticipants: s?.maxParticipants ?? null, nodeId: s?.nodeId ?? c.nodeId,
    /** false: the node hosting it did not answer (counts unknown). */
    reachable: s !== null,
  };
}
