// A conference of the FreeSWITCH engine: one mod_conference conference on
// the media server, driven over its event socket. Room rules stay above the
// port (ivr/, core/); FreeSWITCH mixes, detects talkers and records the mix.
// Its caller controls are off (freeswitch-conf/): star-codes are our IVR's.
//
// The conference is held open by a control channel (muted, deaf, no media
// of its own) from the first use to close(), so recording and prompts work
// whoever is in it, as on the embedded engine.
import { randomUUID } from 'node:crypto';
import type { Endpoint, EslEvent, MediaServer } from 'drachtio-fsmrf';
import { TypedEmitter } from '../../common/events.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import type { CallLeg, Conference, ConferenceEvents, ConferenceMember, ConferenceOptions, MemberOptions, PromptRef } from '../port.ts';
import { endChannel, FsCallLeg, settledFile, wavDurationMs } from './call-leg.ts';
import { fsPlayback } from './prompts.ts';

const log = moduleLogger('fs-conference');

/** FreeSWITCH's member volume steps (switch_change_sln_volume: ×0.2 … ×4.3) in dB, level −4 … +4. */
const VOLUME_STEPS_DB: ReadonlyArray<readonly [level: number, db: number]> = [
  [-4, 20 * Math.log10(0.2)], [-3, 20 * Math.log10(0.4)], [-2, 20 * Math.log10(0.6)], [-1, 20 * Math.log10(0.8)], [0, 0],
  [1, 20 * Math.log10(1.3)], [2, 20 * Math.log10(2.3)], [3, 20 * Math.log10(3.3)], [4, 20 * Math.log10(4.3)],
];

/**
 * The port's gain in dB as two of FreeSWITCH's coarse volume levels, one in
 * mod_conference (the member's volume_in/volume_out) and one on the channel
 * (uuid_audio's read/write level): their product comes within 1.6 dB of any
 * gain in [−20, +20] dB, and within 3 dB from −28 to +24 dB. Below −28 dB
 * FreeSWITCH cannot go (the nearest is used); outside the port's range
 * [−60, 24] the value is refused.
 */
export function volumeLevels(db: number): { member: number; channel: number; db: number } {
  if (!Number.isFinite(db) || db < -60 || db > 24) throw new RangeError(`gain ${db} dB is outside [−60, 24]`);
  let best = { member: 0, channel: 0, db: 0 };
  for (const [a, da] of VOLUME_STEPS_DB) {
    for (const [b, dbb] of VOLUME_STEPS_DB) {
      const sum = da + dbb;
      // Ties go to the member stage alone (one command fewer, and no channel bug when it is 0).
      if (Math.abs(sum - db) < Math.abs(best.db - db) - 1e-9) best = { member: a, channel: b, db: sum };
    }
  }
  return best;
}

/** The join and leave beeps of the embedded mixer (1000 Hz / 600 Hz, 120 ms, −20 dBFS). */
const JOIN_TONE = 'tone_stream://v=-20;%(120,0,1000)';
const LEAVE_TONE = 'tone_stream://v=-20;%(120,0,600)';

class FsMember implements ConferenceMember {
  muted: boolean;
  deaf: boolean;
  holding = false;
  talking = false;
  left = false;
  talkDb = 0;
  listenDb = 0;
  holdFile: string | undefined;

  constructor(private readonly conference: FsConference, readonly leg: FsCallLeg, public memberId: number, opts: MemberOptions) {
    this.muted = opts.muted ?? false;
    this.deaf = opts.deaf ?? false;
  }

  update(opts: MemberOptions): Promise<void> { return this.conference.update(this, opts); }
  leave(): Promise<void> { return this.conference.remove(this, true); }
}

export class FsConference extends TypedEmitter<ConferenceEvents> implements Conference {
  readonly id = randomUUID();
  /** The conference's name on FreeSWITCH: unique, so several bridges (and tests) can share one media server. */
  readonly fsName: string;
  private readonly byLeg = new Map<string, FsMember>();
  private readonly byMemberId = new Map<number, FsMember>();
  private control: Promise<Endpoint> | undefined;
  private recordingPath: string | null = null;
  private recordingStartedAt = 0;
  private readonly playWaiters = new Map<string, Array<() => void>>();
  /** Member plays waiting for their play-file-member-done, per member id, in order. */
  private readonly memberPlays = new Map<number, Array<() => void>>();
  private isClosed = false;

  constructor(
    readonly name: string,
    private readonly opts: ConferenceOptions,
    private readonly ms: () => MediaServer,
    private readonly profile: string,
    private readonly unregister: (c: FsConference) => void,
  ) {
    super();
    this.fsName = `${name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)}-${this.id.slice(0, 8)}`;
  }

  get members(): readonly ConferenceMember[] { return [...this.byLeg.values()]; }
  get memberCount(): number { return this.byLeg.size; }
  get closed(): boolean { return this.isClosed; }

  private api(cmd: string): Promise<string> {
    return this.ms().api(`conference ${this.fsName} ${cmd}`);
  }

  /** The control channel that keeps the conference open (created on first use). */
  private ensure(): Promise<Endpoint> {
    this.control ??= (async () => {
      const ep = await this.ms().createEndpoint();
      await ep.join(this.fsName, { profile: this.profile, flags: { mute: true, deaf: true } });
      return ep;
    })();
    return this.control;
  }

  /** A conference::maintenance event for this conference (routed by the engine). */
  onEvent(evt: EslEvent): void {
    const action = evt.getHeader('Action');
    const member = this.byMemberId.get(Number(evt.getHeader('Member-ID')));
    switch (action) {
      case 'start-talking':
      case 'stop-talking': {
        if (!member || member.left) return;
        const talking = action === 'start-talking';
        if (member.talking === talking) return;
        member.talking = talking;
        this.emit('talking', member, talking);
        return;
      }
      case 'play-file-done': {
        const file = evt.getHeader('File') ?? '';
        const waiters = this.playWaiters.get(file);
        waiters?.shift()?.();
        if (waiters && waiters.length === 0) this.playWaiters.delete(file);
        return;
      }
      case 'play-file-member-done': {
        if (!member) return;
        const file = evt.getHeader('File');
        // Hold music is looped by playing it again while the member holds.
        if (member.holding && member.holdFile && file === member.holdFile) {
          if (!member.left) void this.api(`play ${member.holdFile} ${member.memberId}`).catch(() => undefined);
          return;
        }
        this.memberPlays.get(member.memberId)?.shift()?.();
        return;
      }
      case 'del-member':
        if (member && !member.left) void this.remove(member, false);
        return;
      default:
    }
  }

  async join(callLeg: CallLeg, opts: MemberOptions = {}): Promise<ConferenceMember> {
    if (this.isClosed) throw new InvalidStateError('conference is closed');
    if (!(callLeg instanceof FsCallLeg)) throw new InvalidStateError('not a leg of this engine');
    const leg = callLeg;
    if (leg.ended) throw new InvalidStateError('call has ended');
    const existing = this.byLeg.get(leg.id);
    if (existing) { await existing.update(opts); return existing; }
    if (opts.talkDb !== undefined) volumeLevels(opts.talkDb);
    if (opts.listenDb !== undefined) volumeLevels(opts.listenDb);
    await this.ensure();
    const holding = opts.hold != null;
    const flags: Record<string, boolean> = {};
    if (opts.muted || holding) flags.mute = true;
    if (opts.deaf || holding) flags.deaf = true;
    const { memberId } = await leg.endpoint.join(this.fsName, { profile: this.profile, flags });
    const member = new FsMember(this, leg, memberId, opts);
    this.byLeg.set(leg.id, member);
    this.byMemberId.set(memberId, member);
    leg.memberMedia = {
      play: (file) => this.playToMember(member, file),
      stop: async () => { await this.api(`stop all ${member.memberId}`); },
    };
    leg.once('hangup', () => { void this.remove(member, false); });
    if (leg.ended) { await this.remove(member, false); throw new InvalidStateError('call has ended'); }
    if (holding || opts.talkDb !== undefined || opts.listenDb !== undefined) await this.update(member, { hold: opts.hold ?? null, talkDb: opts.talkDb, listenDb: opts.listenDb }, true);
    if ((this.opts.joinLeaveTones ?? true) && !holding) await this.api(`play ${JOIN_TONE}`).catch(() => undefined);
    return member;
  }

  async update(member: FsMember, opts: MemberOptions, joining = false): Promise<void> {
    if (member.left) throw new InvalidStateError('member has left');
    // Checked first: a refused value changes nothing (the member keeps what it had).
    const talk = opts.talkDb !== undefined ? volumeLevels(opts.talkDb) : undefined;
    const listen = opts.listenDb !== undefined ? volumeLevels(opts.listenDb) : undefined;
    const id = member.memberId;
    const uuid = member.leg.endpoint.uuid;
    if (talk !== undefined) {
      await this.api(`volume_in ${id} ${talk.member}`);
      await this.ms().api(`uuid_audio ${uuid} start read level ${talk.channel}`);
      member.talkDb = opts.talkDb!;
    }
    if (listen !== undefined) {
      await this.api(`volume_out ${id} ${listen.member}`);
      await this.ms().api(`uuid_audio ${uuid} start write level ${listen.channel}`);
      member.listenDb = opts.listenDb!;
    }
    if (opts.muted !== undefined) member.muted = opts.muted;
    if (opts.deaf !== undefined) member.deaf = opts.deaf;
    if (opts.hold !== undefined) {
      const hold = opts.hold;
      if (hold !== null) {
        member.holdFile = fsPlayback(hold);
        member.holding = true;
        await this.api(`stop all ${id}`).catch(() => undefined);
        await this.api(`play ${member.holdFile} ${id}`);
      } else if (member.holding || joining) {
        member.holding = false;
        member.holdFile = undefined;
        await this.api(`stop all ${id}`).catch(() => undefined);
      }
    }
    // Holding: neither heard nor hearing the room; otherwise the member's own flags.
    await this.api(`${member.holding || member.muted ? 'mute' : 'unmute'} ${id}`);
    await this.api(`${member.holding || member.deaf ? 'deaf' : 'undeaf'} ${id}`);
  }

  async remove(member: FsMember, kick: boolean): Promise<void> {
    if (member.left) return;
    member.left = true;
    this.byLeg.delete(member.leg.id);
    this.byMemberId.delete(member.memberId);
    if (member.leg.memberMedia) member.leg.memberMedia = undefined;
    for (const w of this.memberPlays.get(member.memberId) ?? []) w();
    this.memberPlays.delete(member.memberId);
    if (kick && !member.leg.ended) await this.api(`kick ${member.memberId}`).catch(() => undefined);
    if ((this.opts.joinLeaveTones ?? true) && !member.holding && this.byLeg.size > 0 && !this.isClosed) void this.api(`play ${LEAVE_TONE}`).catch(() => undefined);
    this.emit('member-left', member);
  }

  /** A prompt to one member (mod_conference's member play); resolves when it has played, was stopped, or the member left. */
  private async playToMember(member: FsMember, file: string): Promise<void> {
    if (member.left) throw new InvalidStateError('member has left');
    const done = new Promise<void>((resolve) => {
      const list = this.memberPlays.get(member.memberId) ?? [];
      list.push(resolve);
      this.memberPlays.set(member.memberId, list);
    });
    const res = await this.api(`play ${file} ${member.memberId}`);
    if (!/^\+OK|Playing/i.test(res.trim())) {
      this.memberPlays.get(member.memberId)?.pop();
      throw new Error(`FreeSWITCH did not play ${file} to member ${member.memberId}: ${res.trim()}`);
    }
    await done;
  }

  async playToAll(prompt: PromptRef | PromptRef[]): Promise<void> {
    if (this.isClosed) throw new InvalidStateError('conference is closed');
    await this.ensure();
    for (const p of Array.isArray(prompt) ? prompt : [prompt]) {
      const file = fsPlayback(p);
      const done = new Promise<void>((resolve) => {
        const list = this.playWaiters.get(file) ?? [];
        list.push(resolve);
        this.playWaiters.set(file, list);
      });
      const res = await this.api(`play ${file}`);
      if (!/^\+OK|Playing/i.test(res.trim())) {
        this.playWaiters.get(file)?.pop();
        throw new Error(`FreeSWITCH did not play ${file}: ${res.trim()}`);
      }
      await done;
    }
  }

  async startRecording(path: string): Promise<void> {
    if (this.isClosed) throw new InvalidStateError('conference is closed');
    await this.ensure();
    if (this.recordingPath) await this.stopRecording();
    const res = await this.api(`recording start ${path}`);
    if (/^-ERR/i.test(res.trim())) throw new Error(`FreeSWITCH did not record ${path}: ${res.trim()}`);
    this.recordingPath = path;
    this.recordingStartedAt = Date.now();
  }

  async stopRecording(): Promise<{ path: string; durationMs: number } | null> {
    const path = this.recordingPath;
    if (!path) return null;
    this.recordingPath = null;
    await this.api(`recording stop ${path}`).catch((err: Error) => log.warn({ err: err.message }, 'recording stop'));
    // FreeSWITCH closes the file in its own time after "recording stop": its length is read once it has settled.
    await settledFile(path, 3000);
    const durationMs = wavDurationMs(path) || Date.now() - this.recordingStartedAt;
    return { path, durationMs };
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    await this.stopRecording().catch(() => null);
    this.isClosed = true;
    for (const m of [...this.byLeg.values()]) await this.remove(m, true);
    const control = this.control;
    this.control = undefined;
    if (control) await control.then((ep) => endChannel(ep), () => undefined);
    for (const waiters of this.playWaiters.values()) for (const w of waiters) w();
    this.playWaiters.clear();
    this.unregister(this);
  }
}
