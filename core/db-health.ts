// The database's part in /readyz: one cheap query (`select 1`), answered
// within the readiness bound or not ready. The pool's own acquire timeout
// still ends a query left behind by a late answer.
import type { Knex } from 'knex';
import type { ReadinessCheck } from '../common/observability.ts';

export function databaseCheck(db: Knex): ReadinessCheck {
  return {
    name: 'database',
    check: async () => {
      try {
        await db.raw('select 1');
        return true;
      } catch (err) {
        return `the database does not answer: ${(err as Error).message}`;
      }
    },
  };
}
