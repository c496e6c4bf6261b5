// JSON shapes of rooms and templates as the API returns them.
import type { AutoInvite, Room, Template } from '../../core/rooms/store.ts';
import type { Occurrence } from '../../core/schedule/room-window.ts';
import type { RoomSummary } from './service.ts';
import { fromRRule } from './recurrence.ts';

const occ = (o: Occurrence | null) => (o ? { start: o.start.toISOString(), end: o.end.toISOString() } : null);

export function roomJson(room: Room, timeZone: string) {
  const s = room.schedule;
  return {
    id: room.id, kind: room.kind, number: room.number, name: room.name, description: room.description, organizerUserId: room.organizerUserId,
    chairPin: room.chairPin, guestPin: room.guestPin, options: room.options, maxParticipants: room.maxParticipants,
    schedule: {
      startsAt: s.startsAt.toISOString(), durationMinutes: s.durationMinutes, durationHours: s.durationMinutes / 60, rrule: s.rrule,
      recurrence: fromRRule(s.rrule, timeZone), earlyEntryMinutes: s.earlyEntryMinutes, autoExtendMinutes: s.autoExtendMinutes,
      reminderMinutes: s.reminderMinutes, timeZone,
    },
    createdAt: room.createdAt.toISOString(), updatedAt: room.updatedAt.toISOString(),
  };
}

export function summaryJson(s: RoomSummary, timeZone: string) {
  return { ...roomJson(s.room, timeZone), status: s.status, liveConferenceId: s.liveConferenceId, occurrence: occ(s.occurrence) };
}

export function detailJson(s: RoomSummary, timeZone: string, next: Occurrence[], autoInvites: AutoInvite[]) {
  return { ...summaryJson(s, timeZone), nextOccurrences: next.map(occ), autoInvites };
}

export function templateJson(t: Template) {
  return { id: t.id, name: t.name, isDefault: t.isDefault, settings: t.settings };
}
