// Small helpers shared by the knex stores.
import type { Knex } from 'knex';

/** PostgreSQL unique_violation (23505), optionally on one constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown };
  if (e.code !== '23505') return false;
  return constraint === undefined || e.constraint === constraint;
}

/** bigint columns come back as strings from node-postgres and numbers from PGlite. */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (typeof v === 'bigint') return Number(v);
  throw new TypeError(`not a number: ${String(v)}`);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

export function dateOrNull(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  return v instanceof Date ? v : new Date(String(v));
}

export function date(v: unknown): Date {
  const d = dateOrNull(v);
  if (d === null) throw new TypeError('missing timestamp');
  return d;
}

/** Anything a store method can run on: the database or a transaction. */
export type Db = Knex | Knex.Transaction;

/**
 * Rows deleted by a query. Counted through RETURNING: knex-pglite does not
 * report a row count for deletes the way node-postgres does.
 */
export async function deleteCount(q: Knex.QueryBuilder, column = 'id'): Promise<number> {
  const rows = await q.delete().returning(column) as unknown[];
  return rows.length;
}
