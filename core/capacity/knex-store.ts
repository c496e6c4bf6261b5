import type { Knex } from 'knex';
import { num } from '../sql.ts';
import type { CapacityStore, LiveLoad } from './store.ts';

export class KnexCapacityStore implements CapacityStore {
  constructor(private readonly db: Knex) {}

  async liveLoad(): Promise<LiveLoad> {
    const [legs] = await this.db('call_legs').where({ state: 'open' }).count('* as n') as Array<{ n: unknown }>;
    const [confs] = await this.db('conferences').whereNull('ended_at').count('* as n') as Array<{ n: unknown }>;
    return { openCalls: num(legs?.n ?? 0), liveConferences: num(confs?.n ?? 0) };
  }
}
