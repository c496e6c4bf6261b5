// The dial-in decision for a room number: does the room exist, is the
// account in service (and the room's organizer not frozen, issue 19), is the
// room open now? (Spec §2 step 2.) The PIN step comes after this and is the
// IVR's.
import type { Account } from '../accounts/store.ts';
import type { AccountStore } from '../accounts/store.ts';
import type { Conference, ConferenceStore } from '../conferences/store.ts';
import { roomWindowAt, type RoomWindow } from '../schedule/room-window.ts';
import type { Room, RoomStore } from './store.ts';
import type { UserStore } from '../users/store.ts';

export type AdmissionRefusal = 'no_such_room' | 'not_started' | 'ended' | 'service_unavailable';

export type Admission =
  | { ok: true; room: Room; account: Account; window: Extract<RoomWindow, { state: 'open' }>; conference: Conference | undefined }
  | { ok: false; reason: AdmissionRefusal; room?: Room; window?: RoomWindow };

export interface AdmissionDeps {
  rooms: Pick<RoomStore, 'findByNumber'>;
  accounts: Pick<AccountStore, 'get'>;
  conferences: Pick<ConferenceStore, 'findLive'>;
  /** The room's organizer: a frozen member's rooms refuse callers. */
  users: Pick<UserStore, 'findById'>;
}

export async function checkRoomAdmission(deps: AdmissionDeps, roomNumber: string, now: Date): Promise<Admission> {
  const room = await deps.rooms.findByNumber(roomNumber);
  if (!room) return { ok: false, reason: 'no_such_room' };
  const account = await deps.accounts.get(room.accountId);
  if (account.frozen || account.balanceMinor <= 0) return { ok: false, reason: 'service_unavailable', room };
  if (room.organizerUserId && (await deps.users.findById(room.organizerUserId))?.frozenAt) return { ok: false, reason: 'service_unavailable', room };
  const conference = await deps.conferences.findLive(room.accountId, room.id);
  // A running conference's extensions keep its occurrence open.
  const extensions = conference?.occurrenceStart && conference.extendedMinutes > 0
    ? [{ occurrenceStart: conference.occurrenceStart, minutes: conference.extendedMinutes }] : [];
  const window = roomWindowAt(room.schedule, { now, timeZone: account.timeZone, extensions });
  if (window.state !== 'open') return { ok: false, reason: window.state, room, window };
  return { ok: true, room, account, window, conference };
}
