// Operator work on carrier trunks and dial plans: add, edit, enable/disable,
// delete trunks (the digest password is write-only: never returned, an
// absent password on edit keeps the old one, `clearPassword` removes it), a
// failover trunk that is neither the trunk itself nor a trunk failing over
// back to it, and dial plans with a "try" that runs unsaved rules.
import type { Repositories } from '../../core/repositories.ts';
import type { DialPlan, DialPlanRule, NewTrunk, Trunk } from '../../core/telephony/store.ts';
import { tryDialPlan, type DialPlanTry } from '../../core/telephony/dial-plan-try.ts';
import { ValidationError } from '../../core/errors.ts';

/** A trunk as the API and pages show it: the password is only `hasPassword`. */
export type TrunkJson = Omit<Trunk, 'authPassword'> & { hasPassword: boolean };

export function trunkJson(t: Trunk): TrunkJson {
  const { authPassword, ...rest } = t;
  return { ...rest, hasPassword: authPassword !== null && authPassword !== '' };
}

export type TrunkInput = Partial<Omit<Trunk, 'id'>> & { clearPassword?: boolean | undefined };

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export class TrunkAdminService {
  constructor(private readonly repos: Pick<Repositories, 'trunks'>) {}

  async list(): Promise<TrunkJson[]> {
    return (await this.repos.trunks.list()).map(trunkJson);
  }

  async add(input: TrunkInput & { name: string; host: string }): Promise<TrunkJson> {
    const { clearPassword: _c, ...rest } = input;
    await this.checkRefs(undefined, rest);
    return trunkJson(await this.repos.trunks.create(defined(rest) as NewTrunk));
  }

  async update(id: string, input: TrunkInput): Promise<TrunkJson> {
    const { clearPassword, ...rest } = input;
    await this.repos.trunks.get(id);
    await this.checkRefs(id, rest);
    const patch = defined(rest);
    if (patch.authPassword === '') delete patch.authPassword;
    if (clearPassword) patch.authPassword = null;
    return trunkJson(await this.repos.trunks.update(id, patch));
  }

  async remove(id: string): Promise<void> {
    for (const t of await this.repos.trunks.list()) {
      if (t.failoverTrunkId === id && t.id !== id) await this.repos.trunks.update(t.id, { failoverTrunkId: null });
    }
    await this.repos.trunks.delete(id);
  }

  /** The failover trunk exists, is not the trunk itself, and does not fail over back to it; the dial plan exists. */
  private async checkRefs(id: string | undefined, t: TrunkInput): Promise<void> {
    if (t.dialPlanId) await this.repos.trunks.getDialPlan(t.dialPlanId).catch(() => { throw new ValidationError('no such dial plan', 'dialPlanId'); });
    if (!t.failoverTrunkId) return;
    if (t.failoverTrunkId === id) throw new ValidationError('a trunk cannot fail over to itself', 'failoverTrunkId');
    const f = await this.repos.trunks.get(t.failoverTrunkId).catch(() => { throw new ValidationError('no such failover trunk', 'failoverTrunkId'); });
    if (id && f.failoverTrunkId === id) throw new ValidationError(`${f.name} already fails over to this trunk`, 'failoverTrunkId');
  }

  async dialPlans(): Promise<DialPlan[]> {
    return this.repos.trunks.listDialPlans();
  }

  async saveDialPlan(input: { id?: string; name: string; description?: string; rules: DialPlanRule[] }): Promise<DialPlan> {
    if (input.id) await this.repos.trunks.getDialPlan(input.id);
    return this.repos.trunks.saveDialPlan(input);
  }

  async deleteDialPlan(id: string): Promise<void> {
    await this.repos.trunks.getDialPlan(id);
    const users = (await this.repos.trunks.list()).filter((t) => t.dialPlanId === id);
    if (users.length > 0) throw new ValidationError(`the dial plan is used by trunk ${users.map((t) => t.name).join(', ')}`, 'id');
    await this.repos.trunks.deleteDialPlan(id);
  }

  tryRules(rules: DialPlanRule[], samples: string[], defaultRegion?: string): DialPlanTry[] {
    return tryDialPlan(rules, samples, defaultRegion);
  }
}
