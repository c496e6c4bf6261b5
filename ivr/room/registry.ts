// Room number → its live room on this node. The live seam's host
// (ivr/live/) reads from here (rooms by conference, the typed events); the
// IVR opens rooms on the first join and forgets them when they close.
import { TypedEmitter } from '../../common/events.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { Room } from '../../core/rooms/store.ts';
import { LiveRoom, type LiveRoomDeps } from './live-room.ts';
import type { ParticipantView } from './participant.ts';

export type RoomRegistryEvents = {
  opened: [room: LiveRoom];
  closed: [room: LiveRoom, reason: string];
};

export interface LiveRoomSummary {
  roomId: string;
  number: string;
  name: string;
  conferenceId: string;
  locked: boolean;
  recording: boolean;
  closesAt: Date;
  participants: ParticipantView[];
}

export interface OpenRoomInput {
  room: Room;
  account: Account;
  /** When the window closes now (with extensions). */
  closesAt: Date;
  occurrenceStart: Date | null;
  maxParticipants: number;
  multiParty: boolean;
}

export class RoomRegistry extends TypedEmitter<RoomRegistryEvents> {
  private readonly byRoomId = new Map<string, LiveRoom>();
  private readonly opening = new Map<string, Promise<LiveRoom>>();

  constructor(private readonly deps: LiveRoomDeps & { nodeId?: string }) { super(); }

  /** The live room of a room number, if any. */
  byNumber(number: string): LiveRoom | undefined {
    for (const r of this.byRoomId.values()) if (r.number === number) return r;
    return undefined;
  }

  byId(roomId: string): LiveRoom | undefined { return this.byRoomId.get(roomId); }

  /** The live room running a conference, if any. */
  byConference(conferenceId: string): LiveRoom | undefined {
    for (const r of this.byRoomId.values()) if (r.conferenceId === conferenceId) return r;
    return undefined;
  }

  /** Every live room on this node. */
  all(): LiveRoom[] { return [...this.byRoomId.values()]; }

  list(): LiveRoomSummary[] {
    return [...this.byRoomId.values()].map((r) => ({
      roomId: r.room.id, number: r.number, name: r.room.name, conferenceId: r.conferenceId, locked: r.locked,
      recording: r.recording, closesAt: r.windowClosesAt, participants: r.list(),
    }));
  }

  get size(): number { return this.byRoomId.size; }

  /** The room's live room, started (conference row, mix, timers) by the first caller. */
  async open(input: OpenRoomInput): Promise<LiveRoom> {
    const live = this.byRoomId.get(input.room.id);
    if (live && !live.isClosed) return live;
    const pending = this.opening.get(input.room.id);
    if (pending) return pending;
    const p = (async () => {
      const { conference } = await this.deps.repos.conferences.startOrGet(input.account.id, {
        roomId: input.room.id, at: this.deps.now(), occurrenceStart: input.occurrenceStart, scheduledEnd: input.closesAt, nodeId: this.deps.nodeId,
      });
      const room = new LiveRoom(this.deps, {
        room: input.room, account: input.account, conference, closesAt: input.closesAt,
        maxParticipants: input.maxParticipants, multiParty: input.multiParty,
      });
      this.byRoomId.set(input.room.id, room);
      room.once('ended', (reason) => {
        if (this.byRoomId.get(input.room.id) === room) this.byRoomId.delete(input.room.id);
        this.emit('closed', room, reason);
      });
      this.emit('opened', room);
      return room;
    })();
    this.opening.set(input.room.id, p);
    try {
      return await p;
    } finally {
      this.opening.delete(input.room.id);
    }
  }

  /** Ends every live room (shutdown). */
  async closeAll(reason = 'shutdown'): Promise<void> {
    await Promise.allSettled([...this.byRoomId.values()].map((r) => r.close(reason)));
  }
}
