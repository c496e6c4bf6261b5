// One leg in a fake conference: muted (not heard), deaf (hears nothing),
// holding (hears only its hold prompt, named in `hold`), talking (set by
// the test through FakeConference.setTalking), and the gains on what it
// says and hears (talkDb, listenDb; outside the engine's [−60, 24] dB a
// RangeError, as the mixer answers).
import { InvalidStateError } from '../../common/errors.ts';
import type { ConferenceMember, MemberOptions } from '../port.ts';
import type { FakeCallLeg } from './leg.ts';
import { labelOf } from './prompt.ts';

const GAIN_MIN_DB = -60;
const GAIN_MAX_DB = 24;

export interface MemberHooks {
  updated(m: FakeMember, opts: MemberOptions): void;
  leave(m: FakeMember): void;
}

export class FakeMember implements ConferenceMember {
  muted = false;
  deaf = false;
  /** The name of the hold prompt while holding, else null. */
  hold: string | null = null;
  talking = false;
  left = false;
  /** Gains on what the member says and hears, dB, as last set. */
  talkDb = 0;
  listenDb = 0;

  constructor(readonly leg: FakeCallLeg, opts: MemberOptions, private readonly hooks: MemberHooks) {
    this.apply(opts);
  }

  get holding(): boolean { return this.hold !== null; }

  async update(opts: MemberOptions): Promise<void> {
    if (this.left) throw new InvalidStateError('member has left');
    this.apply(opts);
    this.hooks.updated(this, opts);
  }

  async leave(): Promise<void> { this.hooks.leave(this); }

  private apply(opts: MemberOptions): void {
    for (const db of [opts.talkDb, opts.listenDb]) {
      if (db !== undefined && (!Number.isFinite(db) || db < GAIN_MIN_DB || db > GAIN_MAX_DB)) throw new RangeError(`gain ${db} dB outside [${GAIN_MIN_DB}, ${GAIN_MAX_DB}]`);
    }
    if (opts.muted !== undefined) this.muted = opts.muted;
    if (opts.deaf !== undefined) this.deaf = opts.deaf;
    if (opts.hold !== undefined) this.hold = opts.hold === null ? null : labelOf(opts.hold).name;
    if (opts.talkDb !== undefined) this.talkDb = opts.talkDb;
    if (opts.listenDb !== undefined) this.listenDb = opts.listenDb;
  }
}
