// The live seam over PostgreSQL (core/live/README.md "PostgreSQL"): the
// channel names, the rows and payloads the bridge node (pg-host.ts) and the
// consumers (pg-bus.ts) exchange, validated with zod on the way in, and the
// 8000-byte NOTIFY limit (a 'quality' event is split into several payloads).
//
//   live_cmd    {"nodeId": "…", "id": "42"}  a request row is waiting for that node
//   live_done   "42"                          the row has its result
//   live_events one LiveEvent as JSON         every event of every node
import { z } from 'zod';
import { errorFromWire, LiveUnavailableError, type WireError } from './live.ts';
import { liveActorSchema, liveCommandSchema, liveInviteSchema, liveParticipantSchema, type LiveEvent } from './messages.ts';

export const CMD_CHANNEL = 'live_cmd';
export const DONE_CHANNEL = 'live_done';
export const EVENTS_CHANNEL = 'live_events';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (the default build). */
export const NOTIFY_MAX_BYTES = 7999;

/** Rows older than this are deleted (results nobody will read again). */
export const ROW_TTL_MS = 3_600_000;

/** What a row of live_commands asks (its `request` column); the account and conference are columns of the row. */
export const liveRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('snapshot') }),
  /** Summaries of the account's conferences on the node (conference_id is null). */
  z.object({ kind: z.literal('list') }),
  z.object({ kind: z.literal('execute'), command: liveCommandSchema, actor: liveActorSchema }),
]);
export type LiveRequest = z.infer<typeof liveRequestSchema>;

/** The live_cmd payload. */
export const cmdNoticeSchema = z.object({ nodeId: z.string().min(1), id: z.string().regex(/^[0-9]{1,19}$/) });

const wireErrorSchema = z.object({
  name: z.string(), message: z.string(), field: z.string().optional(), entity: z.string().optional(), id: z.string().optional(),
});

/** The `result` column once the row is done or failed. */
export const liveResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: wireErrorSchema }),
]);
export type LiveResult = z.infer<typeof liveResultSchema>;

/** What an 'execute' answers (LiveCommandResult). */
export const liveCommandResultSchema = z.object({
  ok: z.literal(true),
  participant: liveParticipantSchema.optional(),
  closesAt: z.string().optional(),
  max: z.number().int().optional(),
  invites: z.array(liveInviteSchema).optional(),
});

/** The error a row failed with, as the class the host threw (LiveUnavailableError for a row nobody ran). */
export function resultError(w: WireError): Error {
  return w.name === 'LiveUnavailableError' ? new LiveUnavailableError(w.message) : errorFromWire(w);
}

export function unavailableResult(message: string): LiveResult {
  return { ok: false, error: { name: 'LiveUnavailableError', message } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids go to uuid columns: anything else is a conference that does not exist (not a database error). */
export function isUuid(s: string): boolean { return UUID.test(s); }

export function byteLength(s: string): number { return Buffer.byteLength(s, 'utf8'); }

/**
 * The NOTIFY payloads of one event: one, or for a 'quality' event over the
 * limit several with the items shared out (each a complete, valid event).
 * `dropped` counts what cannot fit at all (an event other than quality over
 * the limit, or a single quality item over it).
 */
export function eventPayloads(event: LiveEvent, maxBytes = NOTIFY_MAX_BYTES): { payloads: string[]; dropped: number } {
  const whole = JSON.stringify(event);
  if (byteLength(whole) <= maxBytes) return { payloads: [whole], dropped: 0 };
  if (event.type !== 'quality') return { payloads: [], dropped: 1 };
  const base = byteLength(JSON.stringify({ ...event, items: [] }));
  const payloads: string[] = [];
  let dropped = 0;
  let chunk: typeof event.items = [];
  let size = base;
  const flush = (): void => {
    if (chunk.length > 0) payloads.push(JSON.stringify({ ...event, items: chunk }));
    chunk = [];
    size = base;
  };
  for (const item of event.items) {
    const bytes = byteLength(JSON.stringify(item)) + 1; // the comma
    if (base + bytes > maxBytes) { dropped++; continue; }
    if (size + bytes > maxBytes) flush();
    chunk.push(item);
    size += bytes;
  }
  flush();
  return { payloads, dropped };
}
