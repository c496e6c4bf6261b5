// Conferences (会议实例: one run of a room) and what happens in them.
export interface Conference {
  id: string;
  accountId: string;
  roomId: string | null;
  roomNumber: string;
  nodeId: string;
  startedAt: Date;
  endedAt: Date | null;
  occurrenceStart: Date | null;
  scheduledEnd: Date | null;
  extendedMinutes: number;
  locked: boolean;
  endReason: string | null;
}

export type ConferenceEventKind =
  | 'start' | 'end' | 'join' | 'leave' | 'mute' | 'unmute' | 'mute_all' | 'unmute_all' | 'lock' | 'unlock' | 'kick'
  | 'record_start' | 'record_stop' | 'record_failed' | 'invite' | 'dtmf_command' | 'operator_request' | 'operator_done' | 'extend' | 'role_change'
  | 'dial_out_refused';

export interface ConferenceEvent {
  id: number;
  conferenceId: string;
  at: Date;
  kind: ConferenceEventKind;
  legId: string | null;
  actor: string;
  data: Record<string, unknown>;
}

export interface TimeRange { from: Date; to: Date }

export interface ConferenceStore {
  /** The live conference of the room, or a new one. Safe against two callers racing (one live per room). */
  startOrGet(accountId: string, input: { roomId: string; at: Date; occurrenceStart?: Date | null; scheduledEnd?: Date | null; nodeId?: string }): Promise<{ conference: Conference; created: boolean }>;
  get(accountId: string, id: string): Promise<Conference>;
  findLive(accountId: string, roomId: string): Promise<Conference | undefined>;
  end(accountId: string, id: string, input: { at: Date; reason: string }): Promise<Conference>;
  /** Adds minutes to the scheduled end (chair/web extension, auto-extend). */
  extend(accountId: string, id: string, minutes: number): Promise<Conference>;
  setLocked(accountId: string, id: string, locked: boolean): Promise<Conference>;
  listByRoom(accountId: string, roomId: string, range?: Partial<TimeRange> & { limit?: number }): Promise<Conference[]>;
  listByAccount(accountId: string, range: TimeRange & { limit?: number }): Promise<Conference[]>;
  listLive(accountId: string): Promise<Conference[]>;
  addEvent(accountId: string, conferenceId: string, e: { at: Date; kind: ConferenceEventKind; legId?: string | null; actor?: string; data?: Record<string, unknown> }): Promise<ConferenceEvent>;
  listEvents(accountId: string, conferenceId: string): Promise<ConferenceEvent[]>;
}
