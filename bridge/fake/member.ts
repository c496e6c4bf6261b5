// One leg in a fake conference: muted (not heard), deaf (hears nothing),
// holding (hears only its hold prompt, named in `hold`), talking (set by
// the test through FakeConference.setTalking).
import { InvalidStateError } from '../../common/errors.ts';
import type { ConferenceMember, MemberOptions } from '../port.ts';
import type { FakeCallLeg } from './leg.ts';
import { labelOf } from './prompt.ts';

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
    if (opts.muted !== undefined) this.muted = opts.muted;
    if (opts.deaf !== undefined) this.deaf = opts.deaf;
    if (opts.hold !== undefined) this.hold = opts.hold === null ? null : labelOf(opts.hold).name;
  }
}
