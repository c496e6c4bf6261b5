// Past conferences for the web: the list with their rooms' names, one
// conference with its event log and participants (call legs).
import type { Repositories } from '../../core/repositories.ts';
import type { Conference, ConferenceEvent } from '../../core/conferences/store.ts';
import type { Room } from '../../core/rooms/store.ts';
import type { Cdr } from '../../core/cdr/store.ts';

const DAY = 86_400_000;

export interface ConferenceListing {
  conference: Conference;
  /** null when the room was deleted. */
  roomName: string | null;
}

export interface ConferenceDetail {
  conference: Conference;
  room: Room | null;
  events: ConferenceEvent[];
  participants: Cdr[];
}

export class HistoryService {
  constructor(private readonly repos: Pick<Repositories, 'conferences' | 'rooms' | 'cdrs'>) {}

  /** Conferences started in the range, newest first (at most 1,000). */
  async list(accountId: string, range: { from: Date; to: Date }): Promise<ConferenceListing[]> {
    const [list, rooms] = await Promise.all([
      this.repos.conferences.listByAccount(accountId, { from: range.from, to: range.to, limit: 1000 }), this.repos.rooms.list(accountId),
    ]);
    const names = new Map(rooms.map((r) => [r.id, r.name]));
    return list.map((conference) => ({ conference, roomName: conference.roomId ? names.get(conference.roomId) ?? null : null }));
  }

  async detail(accountId: string, id: string, now: Date): Promise<ConferenceDetail> {
    const conference = await this.repos.conferences.get(accountId, id);
    const [events, participants] = await Promise.all([
      this.repos.conferences.listEvents(accountId, conference.id),
      // Legs are found by time first (the index), a day either side of the run.
      this.repos.cdrs.list(accountId, {
        from: new Date(conference.startedAt.getTime() - DAY), to: new Date((conference.endedAt ?? now).getTime() + DAY), conferenceId: conference.id, limit: 5000,
      }),
    ]);
    const room = conference.roomId ? await this.repos.rooms.get(accountId, conference.roomId).catch(() => null) : null;
    return { conference, room, events, participants };
  }

  async eventLog(accountId: string, id: string): Promise<{ conference: Conference; events: ConferenceEvent[] }> {
    const conference = await this.repos.conferences.get(accountId, id);
    return { conference, events: await this.repos.conferences.listEvents(accountId, conference.id) };
  }
}
