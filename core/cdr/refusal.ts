// Why the database did not take a CDR, decided in one place: a permanent
// refusal (the row itself is wrong for this database, retrying the same row
// can never succeed) or a transient failure (the database is away, busy or
// slow; retry later, keep the leg in the journal).
//
// PostgreSQL says which by its SQLSTATE (Appendix A, "PostgreSQL Error
// Codes"); node-postgres and PGlite both put it on `err.code`:
//   class 23 integrity constraint violation — 23503 foreign key (the leg's
//     account was deleted mid-call, or the database was restored from a
//     backup older than the journal), 23502 not null, 23514 check, 23505
//     unique (our writes are upserts on the leg id, so a unique violation is
//     another constraint the row breaks), 23P01 exclusion;
//   class 22 data exception — a value out of range, an invalid text
//     representation, a string too long …
// Everything else is transient: class 08 (connection exception), 57P01–57P03
// (admin shutdown, crash shutdown, cannot connect now), 53 (insufficient
// resources), 40 (serialization failure, deadlock), 55P03 (lock not
// available), 57014 (statement timeout), socket errors (ECONNREFUSED,
// ECONNRESET …) and knex's pool acquire timeout. An unknown error is treated
// as transient too: retrying loses nothing, dead-lettering a good leg would.

export type RefusalKind = 'permanent' | 'transient';

export interface Refusal {
  kind: RefusalKind;
  /** The SQLSTATE, or the socket/driver code, or 'unknown'. */
  code: string;
  message: string;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

export function classifyCdrWriteError(err: unknown): Refusal {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof e.code === 'string' && e.code !== '' ? e.code : typeof e.name === 'string' && e.name !== 'Error' ? e.name : 'unknown';
  const message = String(typeof e.message === 'string' ? e.message : err).slice(0, 2000);
  const permanent = SQLSTATE.test(code) && (code.startsWith('23') || code.startsWith('22'));
  return { kind: permanent ? 'permanent' : 'transient', code, message };
}
