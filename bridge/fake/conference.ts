// A fake conference: no mixing, the same contract as the embedded one
// (bridge/embedded/conference.ts). It keeps its members and how each may
// speak and hear, writes down every join, update, leave, prompt to all and
// recording (`log`), and lets a test say who is talking.
import { randomUUID } from 'node:crypto';
import { InvalidStateError } from '../../common/errors.ts';
import { TypedEmitter } from '../../common/events.ts';
import type { CallLeg, Conference, ConferenceEvents, ConferenceMember, ConferenceOptions, MemberOptions, PromptRef } from '../port.ts';
import type { FakeClock } from './clock.ts';
import { FakeCallLeg } from './leg.ts';
import { FakeMember } from './member.ts';
import { labelOf, lengthOf } from './prompt.ts';

export type ConferenceLogEntry =
  | { what: 'join' | 'update'; legId: string; at: number; opts: MemberOptions }
  | { what: 'leave'; legId: string; at: number; by: 'leave' | 'hangup' | 'close' }
  | { what: 'play'; at: number; prompts: string[] }
  | { what: 'record-start'; at: number; path: string }
  | { what: 'record-stop'; at: number; path: string; durationMs: number }
  | { what: 'close'; at: number };

export class FakeConference extends TypedEmitter<ConferenceEvents> implements Conference {
  readonly id = randomUUID();
  readonly log: ConferenceLogEntry[] = [];
  private readonly byLeg = new Map<string, FakeMember>();
  private everJoined = false;
  private recording: { path: string; startedAt: number } | undefined;
  private isClosed = false;

  constructor(readonly name: string, readonly opts: ConferenceOptions, private readonly clock: FakeClock) { super(); }

  get members(): readonly ConferenceMember[] { return [...this.byLeg.values()]; }
  get closed(): boolean { return this.isClosed; }
  get recordingPath(): string | undefined { return this.recording?.path; }

  /** The member for a leg, if it is in. */
  member(legId: string): FakeMember | undefined { return this.byLeg.get(legId); }

  /** The legs that joined, in order (a leg that joined twice is named twice). */
  get joins(): string[] { return this.log.flatMap((e) => (e.what === 'join' ? [e.legId] : [])); }

  /** Prompts played to everyone, in order (names as in FakeCallLeg.heard). */
  get played(): string[] { return this.log.flatMap((e) => (e.what === 'play' ? e.prompts : [])); }

  async join(callLeg: CallLeg, opts: MemberOptions = {}): Promise<ConferenceMember> {
    if (this.isClosed) throw new InvalidStateError('conference is closed');
    if (!(callLeg instanceof FakeCallLeg)) throw new InvalidStateError('not a leg of this engine');
    if (callLeg.ended) throw new InvalidStateError('call has ended');
    const existing = this.byLeg.get(callLeg.id);
    if (existing) { await existing.update(opts); return existing; }
    const member = new FakeMember(callLeg, opts, {
      updated: (m, o) => this.note({ what: 'update', legId: m.leg.id, at: this.clock.now(), opts: o }),
      leave: (m) => this.remove(m, 'leave'),
    });
    this.byLeg.set(callLeg.id, member);
    this.everJoined = true;
    this.note({ what: 'join', legId: callLeg.id, at: this.clock.now(), opts });
    callLeg.once('hangup', () => { this.remove(member, 'hangup'); });
    return member;
  }

  private remove(member: FakeMember, by: 'leave' | 'hangup' | 'close'): void {
    if (member.left) return;
    member.left = true;
    this.byLeg.delete(member.leg.id);
    this.note({ what: 'leave', legId: member.leg.id, at: this.clock.now(), by });
    this.emit('member-left', member);
  }

  async playToAll(prompt: PromptRef | PromptRef[]): Promise<void> {
    if (!this.everJoined || this.isClosed) return;
    const list = Array.isArray(prompt) ? prompt : [prompt];
    this.note({ what: 'play', at: this.clock.now(), prompts: list.map((p) => labelOf(p).name) });
    const ms = list.reduce((sum, p) => { const l = lengthOf(p); return sum + (l === 'loop' ? 0 : l); }, 0);
    await new Promise<void>((resolve) => this.clock.setTimer(ms, resolve));
  }

  async startRecording(path: string): Promise<void> {
    if (!this.everJoined) throw new InvalidStateError('the conference has no members yet');
    this.recording = { path, startedAt: this.clock.now() };
    this.note({ what: 'record-start', at: this.clock.now(), path });
  }

  async stopRecording(): Promise<{ path: string; durationMs: number } | null> {
    const rec = this.recording;
    if (!rec) return null;
    this.recording = undefined;
    const durationMs = this.clock.now() - rec.startedAt;
    this.note({ what: 'record-stop', at: this.clock.now(), path: rec.path, durationMs });
    return { path: rec.path, durationMs };
  }

  /** Test hook: the recording's file cannot be written any more (`reason` as an errno code): it stops, as the engine's would. */
  failRecording(reason = 'ENOSPC'): void {
    const rec = this.recording;
    if (!rec) return;
    this.recording = undefined;
    const durationMs = this.clock.now() - rec.startedAt;
    this.note({ what: 'record-stop', at: this.clock.now(), path: rec.path, durationMs });
    this.emit('recording-failed', { path: rec.path, reason, durationMs });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.recording = undefined;
    for (const m of [...this.byLeg.values()]) this.remove(m, 'close');
    this.note({ what: 'close', at: this.clock.now() });
  }

  /** The test says a member starts or stops talking. */
  setTalking(legId: string, talking: boolean): void {
    const m = this.byLeg.get(legId);
    if (!m || m.talking === talking) return;
    m.talking = talking;
    this.emit('talking', m, talking);
  }

  private note(e: ConferenceLogEntry): void {
    this.log.push(e);
    this.clock.touch();
  }
}
