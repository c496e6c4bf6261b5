// CDR rows as the database holds them (call_legs), read back for assertions
// once the recorder has written them: the wire tests' IvrBridge and the
// fake-engine IVR tests share this.
import type { Knex } from 'knex';
import type { CdrRecorder } from '../../core/cdr/recorder.ts';
import type { LegDirection } from '../../core/cdr/leg.ts';

export interface CdrRow {
  id: string;
  direction: LegDirection;
  caller: string;
  callee: string;
  role: string | null;
  roomNumber: string | null;
  conferenceId: string | null;
  accessNumber: string | null;
  answeredAt: Date | null;
  endedAt: Date | null;
  q850: number | null;
  state: string;
  /** endedAt − answeredAt in ms (0 when never answered). */
  durationMs: number;
}

/** The CDR row of leg `id`, once written and closed (or after 10 s, as it is then). */
export async function readCdr(db: Knex, cdrs: CdrRecorder, id: string): Promise<CdrRow> {
  await cdrs.flush(10_000);
  let row: Record<string, unknown> | undefined;
  const deadline = Date.now() + 10_000;
  for (let i = 0; i < 1000; i++) {
    row = await db('call_legs').where({ id }).first() as Record<string, unknown> | undefined;
    if (row?.state === 'closed' || Date.now() > deadline) break;
    await cdrs.flush(10_000);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!row) throw new Error(`no CDR ${id}`);
  const d = (v: unknown) => (v ? new Date(v as string) : null);
  const answeredAt = d(row.answered_at);
  const endedAt = d(row.ended_at);
  return {
    id, direction: row.direction as LegDirection, caller: String(row.caller), callee: String(row.callee), role: (row.role as string | null) ?? null,
    roomNumber: (row.room_number as string | null) ?? null, conferenceId: (row.conference_id as string | null) ?? null,
    accessNumber: (row.access_number as string | null) ?? null, answeredAt, endedAt, q850: (row.q850_cause as number | null) ?? null,
    state: String(row.state), durationMs: answeredAt && endedAt ? endedAt.getTime() - answeredAt.getTime() : 0,
  };
}

/** CDRs of outgoing legs whose callee contains `callee`. */
export async function outgoingCdrs(db: Knex, cdrs: CdrRecorder, callee: string): Promise<CdrRow[]> {
  await cdrs.flush(10_000);
  const rows = await db('call_legs').where({ direction: 'out' }).andWhere('callee', 'like', `%${callee}%`).select('id') as Array<{ id: string }>;
  return Promise.all(rows.map((r) => readCdr(db, cdrs, r.id)));
}
