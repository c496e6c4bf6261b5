// Where the bridge calls a number (SPEC §5): what was typed → E.164 (core's
// phone normalisation) → the trunk's dial plan → `sip:DIGITS@trunk-host:port`.
// `number*ext` (or `number,ext`) keeps the extension, sent as DTMF after the
// answer. A SIP URI is dialled as it is.
import { ValidationError } from '../../core/errors.ts';
import { normalisePhoneNumber } from '../../core/phone/normalise.ts';
import { applyDialPlan } from '../../core/telephony/dial-plan.ts';
import type { Trunk, TrunkStore } from '../../core/telephony/store.ts';

export interface DialTargetResolved {
  uri: string;
  /** E.164 of the number, or null for a SIP URI. */
  e164: string | null;
  /** DTMF to send after the answer ('' for none). */
  extension: string;
  trunk: Trunk | null;
}

export class Dialer {
  /** Look-ups in flight, shared: 500 invites at once read the trunks once, not 500 times. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly trunks: TrunkStore, private readonly defaultRegion: string) {}

  /** Throws ValidationError for what cannot be dialled (bad number, no trunk). */
  async resolve(input: string, opts: { trunkId?: string | null } = {}): Promise<DialTargetResolved> {
    const text = input.trim();
    if (/^sips?:/i.test(text)) return { uri: text, e164: null, extension: '', trunk: null };
    const n = normalisePhoneNumber(text, { defaultRegion: this.defaultRegion });
    const trunk = await this.pickTrunk(opts.trunkId ?? null);
    const rules = trunk.dialPlanId ? (await this.shared(`plan:${trunk.dialPlanId}`, () => this.trunks.getDialPlan(trunk.dialPlanId!))).rules : [];
    const digits = applyDialPlan(n.e164, rules);
    const transport = trunk.transport === 'tcp' ? ';transport=tcp' : '';
    return { uri: `sip:${digits}@${trunk.host}:${trunk.port}${transport}`, e164: n.e164, extension: n.extension, trunk };
  }

  /**
   * The first of `inputs` that cannot be dialled (its index and why), or null:
   * what resolve() checks, with one trunk look-up for all of them.
   */
  async check(inputs: readonly string[]): Promise<{ index: number; error: ValidationError } | null> {
    let trunk = false;
    for (const [index, input] of inputs.entries()) {
      const text = input.trim();
      if (/^sips?:/i.test(text)) continue;
      try {
        normalisePhoneNumber(text, { defaultRegion: this.defaultRegion });
        if (!trunk) { await this.pickTrunk(null); trunk = true; }
      } catch (err) {
        if (err instanceof ValidationError) return { index, error: err };
        throw err;
      }
    }
    return null;
  }

  private async pickTrunk(trunkId: string | null): Promise<Trunk> {
    if (trunkId) {
      const t = await this.shared(`trunk:${trunkId}`, () => this.trunks.get(trunkId));
      if (t.enabled) return t;
    }
    const t = (await this.shared('trunks', () => this.trunks.list())).find((x) => x.enabled);
    if (!t) throw new ValidationError('no trunk to dial out on', 'trunk');
    return t;
  }

  /** `load()`, or the same look-up already on its way (never a cached answer: a changed trunk is read afresh). */
  private shared<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const p = load().finally(() => { this.inFlight.delete(key); });
    this.inFlight.set(key, p);
    return p;
  }
}
