import type { Knex } from 'knex';
import { num } from '../sql.ts';
import type { CapacityStore, LiveLoad } from './store.ts';

export class KnexCapacityStore implements CapacityStore {
  constructor(private readonly db: Knex) {}

  async liveLoad(): Promise<LiveLoad> {
    // A relayed caller is one call: its entry node's leg, not the relay leg on the room's host as well.
    const [legs] = await this.db('call_legs').where({ state: 'open' }).whereNot({ direction: 'relay' }).count('* as n') as Array<{ n: unknown }>;
    const [confs] = await this.db('conferences').whereNull('ended_at').count('* as n') as Array<{ n: unknown }>;
    return { openCalls: num(legs?.n ?? 0), liveConferences: num(confs?.n ?? 0) };
  }
}
