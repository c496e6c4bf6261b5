// Rooms (会议室) with their schedule, templates and auto-invite lists.
import type { ScheduleSpec } from '../schedule/room-window.ts';

export interface RoomOptions {
  chairAnnounce: boolean;
  chairRecord: boolean;
  guestAnnounce: boolean;
  guestListenOnly: boolean;
  guestWaitForChair: boolean;
  muteOnEntry: boolean;
  autoRecord: boolean;
  /** The meeting ends (goodbye, everyone hung up) when the last chair leaves. */
  endWhenLastChairLeaves: boolean;
  /** A callee the bridge invites presses 1 to join (so voicemail never joins). */
  inviteConfirm: boolean;
  /** Guests may call people in with `*6` (off: chairs only; toll fraud, issue 21). */
  guestsMayInvite: boolean;
}

export const DEFAULT_ROOM_OPTIONS: Readonly<RoomOptions> = {
  chairAnnounce: false, chairRecord: true, guestAnnounce: false, guestListenOnly: false,
  guestWaitForChair: false, muteOnEntry: false, autoRecord: false, endWhenLastChairLeaves: false, inviteConfirm: true,
  guestsMayInvite: false,
};

export interface Schedule extends ScheduleSpec {
  /** Minutes added when time runs out with people still in: 0, 15, 30, 45 or 60. */
  autoExtendMinutes: number;
  /** E-mail reminder this many minutes before each start; null = none. */
  reminderMinutes: number | null;
}

export type RoomKind = 'meeting' | 'personal';

export interface Room {
  id: string;
  accountId: string;
  kind: RoomKind;
  number: string;
  name: string;
  description: string;
  organizerUserId: string | null;
  chairPin: string;
  /** '' = no guest PIN (guests just press #). */
  guestPin: string;
  options: RoomOptions;
  maxParticipants: number;
  schedule: Schedule;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewRoom {
  name: string;
  kind?: RoomKind;
  /** Generated when absent. */
  number?: string;
  /** Generated when absent. */
  chairPin?: string;
  /** Generated when absent; '' for none. */
  guestPin?: string;
  description?: string;
  organizerUserId?: string | null;
  options?: Partial<RoomOptions>;
  /** Defaults to the tier's default; checked against the tier cap. */
  maxParticipants?: number;
  /** startsAt defaults to now (instant meeting). */
  schedule?: Partial<Schedule>;
  /** Apply this template (else the account's default template, if any) before the fields above. */
  templateId?: string;
}

export interface RoomPatch {
  name?: string;
  number?: string;
  chairPin?: string;
  guestPin?: string;
  description?: string;
  organizerUserId?: string | null;
  options?: Partial<RoomOptions>;
  maxParticipants?: number;
  schedule?: Partial<Schedule>;
}

export interface AutoInvite {
  id: string;
  /** E.164 (optionally *ext) or a SIP URI. */
  target: string;
  name: string;
  /** DTMF sent after the answer (a video-meeting link); '' for none. */
  dtmf: string;
}

export interface RoomStore {
  create(accountId: string, input: NewRoom, ctx: { now: Date }): Promise<Room>;
  get(accountId: string, id: string): Promise<Room>;
  list(accountId: string): Promise<Room[]>;
  update(accountId: string, id: string, patch: RoomPatch): Promise<Room>;
  delete(accountId: string, id: string): Promise<void>;
  /** The IVR's look-up by dialled room number (platform-wide; the room carries its account). */
  findByNumber(number: string): Promise<Room | undefined>;
  setAutoInvites(accountId: string, roomId: string, invites: Array<{ target: string; name?: string; dtmf?: string }>): Promise<AutoInvite[]>;
  listAutoInvites(accountId: string, roomId: string): Promise<AutoInvite[]>;
}

/** Room settings a template keeps (no number, no PINs, no start time). */
export interface TemplateSettings {
  options?: Partial<RoomOptions>;
  maxParticipants?: number;
  durationMinutes?: number;
  rrule?: string | null;
  earlyEntryMinutes?: number;
  autoExtendMinutes?: number;
  reminderMinutes?: number | null;
  description?: string;
}

export interface Template {
  id: string;
  accountId: string;
  name: string;
  isDefault: boolean;
  settings: TemplateSettings;
}

export interface TemplateStore {
  create(accountId: string, input: { name: string; settings: TemplateSettings; isDefault?: boolean }): Promise<Template>;
  /** Save a room's settings as a template. */
  createFromRoom(accountId: string, roomId: string, name: string, isDefault?: boolean): Promise<Template>;
  get(accountId: string, id: string): Promise<Template>;
  list(accountId: string): Promise<Template[]>;
  getDefault(accountId: string): Promise<Template | undefined>;
  update(accountId: string, id: string, patch: { name?: string; settings?: TemplateSettings; isDefault?: boolean }): Promise<Template>;
  delete(accountId: string, id: string): Promise<void>;
}
