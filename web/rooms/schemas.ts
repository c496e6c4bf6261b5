// What the rooms API accepts.
import { z } from 'zod';
import { recurrenceSchema } from './recurrence.ts';

export const roomOptionsSchema = z.object({
  chairAnnounce: z.boolean(), chairRecord: z.boolean(), guestAnnounce: z.boolean(), guestListenOnly: z.boolean(),
  guestWaitForChair: z.boolean(), muteOnEntry: z.boolean(), autoRecord: z.boolean(), endWhenLastChairLeaves: z.boolean(),
  inviteConfirm: z.boolean(), guestsMayInvite: z.boolean(),
}).partial().strict();

/** "13900139001 Zhang Wei" (number, then an optional name) or { target, name }. */
export const autoInviteSchema = z.union([
  z.string().trim().min(1).max(300),
  z.object({ target: z.string().trim().min(1).max(300), name: z.string().max(200).optional(), dtmf: z.string().trim().max(64).optional() }),
]);

export const invitationRequestSchema = z.object({
  emails: z.array(z.string().trim().email().max(254)).max(500).default([]),
  /** Members of these contact groups who have an e-mail address. */
  groupIds: z.array(z.uuid()).max(100).default([]),
});
export type InvitationRequest = z.output<typeof invitationRequestSchema>;

export const roomFields = {
  name: z.string().trim().min(1).max(200),
  number: z.string().regex(/^[0-9]{6,8}$/, 'room number: 6 to 8 digits'),
  chairPin: z.string().regex(/^[0-9]{4,8}$/, 'chair PIN: 4 to 8 digits'),
  guestPin: z.string().regex(/^([0-9]{4,8})?$/, 'guest PIN: empty or 4 to 8 digits'),
  description: z.string().max(4000),
  organizerUserId: z.uuid().nullable(),
  options: roomOptionsSchema,
  maxParticipants: z.number().int().min(1).max(1_000_000),
  /** ISO instant with zone, or "YYYY-MM-DDTHH:mm" on the account's wall clock. */
  start: z.string().trim().min(10).max(40),
  /** Hours (long rooms of 2000 h are normal); stored as whole minutes. */
  durationHours: z.number().positive().max(100_000),
  recurrence: recurrenceSchema,
  earlyEntryMinutes: z.number().int().min(0).max(1440),
  autoExtendMinutes: z.union([z.literal(0), z.literal(15), z.literal(30), z.literal(45), z.literal(60)]),
  reminderMinutes: z.number().int().min(0).max(10_080).nullable(),
  autoInvites: z.array(autoInviteSchema).max(500),
};

export const createRoomSchema = z.object({
  ...roomFields,
  number: roomFields.number.optional(),
  chairPin: roomFields.chairPin.optional(),
  guestPin: roomFields.guestPin.optional(),
  description: roomFields.description.optional(),
  organizerUserId: roomFields.organizerUserId.optional(),
  options: roomFields.options.optional(),
  maxParticipants: roomFields.maxParticipants.optional(),
  start: roomFields.start.optional(),
  durationHours: roomFields.durationHours.optional(),
  recurrence: roomFields.recurrence.optional(),
  earlyEntryMinutes: roomFields.earlyEntryMinutes.optional(),
  autoExtendMinutes: roomFields.autoExtendMinutes.optional(),
  reminderMinutes: roomFields.reminderMinutes.optional(),
  autoInvites: roomFields.autoInvites.optional(),
  templateId: z.uuid().optional(),
  invite: invitationRequestSchema.optional(),
}).strict();
export type CreateRoomInput = z.output<typeof createRoomSchema>;

export const updateRoomSchema = z.object({
  ...Object.fromEntries(Object.entries(roomFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof roomFields]: z.ZodOptional<typeof roomFields[K]> },
  invite: invitationRequestSchema.optional(),
}).strict();
export type UpdateRoomInput = z.output<typeof updateRoomSchema>;

export const templateCreateSchema = z.object({
  name: z.string().trim().min(1).max(100),
  /** Save this room's settings as the template. */
  roomId: z.uuid(),
  isDefault: z.boolean().default(false),
}).strict();

export const templatePatchSchema = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  isDefault: z.boolean().optional(),
}).strict();
