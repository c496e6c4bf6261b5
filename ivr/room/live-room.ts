// One running conference of a room (SPEC §1 "conference", §2.4–2.7, §3):
// who is in and how they may speak, lock, recording, wait-for-chair, the end
// of the window with auto-extend. One engine Conference carries the audio;
// the conference row and its events are written through core/.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Conference, Engine, PromptRef } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import type { Clock } from '../../common/clock.ts';
import { TypedEmitter } from '../../common/events.ts';
import type { Logger } from '../../common/log.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { Conference as ConferenceRow, ConferenceEventKind } from '../../core/conferences/store.ts';
import type { Repositories } from '../../core/repositories.ts';
import type { Room } from '../../core/rooms/store.ts';
import { autoExtendMinutes } from '../../core/schedule/room-window.ts';
import type { CallContext } from '../call/call-context.ts';
import type { RoomLegFacts } from '../call/call-out.ts';
import { say } from '../call/say.ts';
import { extendedBy, participantCount, type PromptId, type PromptLang } from '../prompts/catalog.ts';
import { isMuted, memberOptions, viewOf, type AwayReason, type Participant, type ParticipantKind, type ParticipantView, type Role } from './participant.ts';
import { WindowClock } from './window-clock.ts';

export type LiveRoomEvents = {
  joined: [p: ParticipantView];
  left: [p: ParticipantView, reason: 'hangup' | 'kicked' | 'ended'];
  changed: [p: ParticipantView];
  locked: [locked: boolean];
  recording: [on: boolean, path: string | null];
  'help-requested': [p: ParticipantView];
  'help-done': [p: ParticipantView];
  warning: [minutesLeft: number];
  extended: [minutes: number];
  ended: [reason: string];
};

export interface LiveRoomDeps {
  engine: Engine;
  repos: Repositories;
  now: () => Date;
  /** Times the end-of-window clock. */
  clock: Clock;
  log: Logger;
  recordingsDir: string;
  minuteMs: number;
  warnMinutes: readonly number[];
}

export interface LiveRoomInit {
  room: Room;
  account: Account;
  conference: ConferenceRow;
  /** When the window closes (with extensions so far). */
  closesAt: Date;
  /** Most participants (the room's, or the multi-party limit). */
  maxParticipants: number;
  multiParty: boolean;
}

export interface JoinRequest {
  ctx: CallContext;
  cdrId: string;
  role: Role;
  kind: ParticipantKind;
  name: string | null;
}

export type Refusal = 'locked' | 'full';

export class LiveRoom extends TypedEmitter<LiveRoomEvents> {
  readonly room: Room;
  readonly account: Account;
  readonly conferenceRow: ConferenceRow;
  readonly conference: Conference;
  readonly maxParticipants: number;
  readonly multiParty: boolean;
  private readonly participants = new Map<string, Participant>();
  private reserved = 0;
  private joinCounter = 0;
  private isLocked: boolean;
  private allMuted = false;
  private recordingState: { path: string; recordingId: string | null; startedAt: Date } | null = null;
  private readonly clock: WindowClock;
  private closed = false;
  /** end() is hanging everyone up: the last leave must not close the room with another reason. */
  private ending = false;
  private readonly log: Logger;
  private closesAt: Date;

  constructor(private readonly deps: LiveRoomDeps, init: LiveRoomInit) {
    super();
    this.room = init.room;
    this.account = init.account;
    this.conferenceRow = init.conference;
    this.maxParticipants = init.maxParticipants;
    this.multiParty = init.multiParty;
    this.isLocked = init.conference.locked;
    this.closesAt = init.closesAt;
    this.log = deps.log.child({ room: init.room.number, conferenceId: init.conference.id });
    this.conference = deps.engine.createConference(`room-${init.room.number}`, { maxTalkers: 4 });
    this.conference.on('member-left', (m) => {
      const p = this.participants.get(m.leg.id);
      if (p && p.member === m) p.member = null;
    });
    this.clock = new WindowClock(init.closesAt.getTime() - deps.now().getTime(), deps.minuteMs, deps.warnMinutes, {
      warn: (m) => { void this.warn(m); },
      end: () => { void this.windowEnded(); },
    }, deps.clock);
  }

  // ---- read API (live console) ----

  get number(): string { return this.room.number; }
  get conferenceId(): string { return this.conferenceRow.id; }
  get locked(): boolean { return this.isLocked; }
  get recording(): boolean { return this.recordingState !== null; }
  get recordingPath(): string | null { return this.recordingState?.path ?? null; }
  get isClosed(): boolean { return this.closed; }
  /** Everyone in the room, in the mix or away. */
  get size(): number { return this.participants.size; }
  get hasChair(): boolean { return [...this.participants.values()].some((p) => p.role === 'chair'); }
  get windowClosesAt(): Date { return this.closesAt; }
  /** What the CDR of a leg the bridge calls for this room says about it. */
  get legFacts(): RoomLegFacts { return { accountId: this.account.id, roomId: this.room.id, roomNumber: this.number, conferenceId: this.conferenceId }; }
  list(): ParticipantView[] { return [...this.participants.values()].sort((a, b) => a.joinOrder - b.joinOrder).map(viewOf); }
  get(id: string): Participant | undefined { return this.participants.get(id); }

  // ---- admission ----

  /** Holds a place for a caller between the PIN and the join; a refusal otherwise. Invitees pass a lock. */
  reserve(role: Role, opts: { ignoreLock?: boolean } = {}): Refusal | null {
    if (this.closed) return 'full';
    if (this.isLocked && role === 'guest' && !opts.ignoreLock) return 'locked';
    if (this.participants.size + this.reserved >= this.maxParticipants) return 'full';
    this.reserved++;
    return null;
  }

  /** Gives back a place reserve() held (the caller left before joining). */
  release(): void {
    this.reserved = Math.max(0, this.reserved - 1);
    this.closeIfEmpty();
  }

  /** Joins a reserved caller: into the mix, announced, counted; resolves with the participant. */
  async join(req: JoinRequest): Promise<Participant> {
    this.reserved = Math.max(0, this.reserved - 1);
    const o = this.room.options;
    const guest = req.role === 'guest';
    const p: Participant = {
      id: req.ctx.leg.id, ctx: req.ctx, cdrId: req.cdrId, kind: req.kind, role: req.role,
      listenOnly: guest && o.guestListenOnly,
      selfMuted: o.muteOnEntry && !(req.role === 'chair'),
      chairMuted: guest && this.allMuted,
      waiting: guest && o.guestWaitForChair && !this.hasChair,
      joinOrder: ++this.joinCounter, joinedAt: this.deps.now(), name: req.name, member: null, away: null,
    };
    this.participants.set(p.id, p);
    const leg = req.ctx.leg;
    leg.on('hangup', () => { void this.leave(p, 'hangup'); });
    try {
      if (leg.ended) throw new Error('hung up before joining');
      p.member = await this.conference.join(leg, memberOptions(p));
    } catch (err) {
      this.participants.delete(p.id);
      this.closeIfEmpty();
      throw err;
    }
    this.log.info({ leg: p.id, role: p.role, kind: p.kind, waiting: p.waiting, order: p.joinOrder }, 'joined');
    this.event('join', p.id, { role: p.role, kind: p.kind, from: leg.from });
    this.emit('joined', viewOf(p));
    if (p.name) void this.announceName(p, 'has-joined');
    if (req.role === 'chair') await this.chairArrived();
    if (this.room.options.autoRecord && !this.recordingState) void this.startRecording('system').catch((err: unknown) => this.log.error({ err }, 'auto-record failed'));
    // What the joiner hears: how many are present; on hold, why.
    await p.ctx.play(p.waiting ? [...participantCount(this.size, p.ctx.lang), 'wait-chair'] : participantCount(this.size, p.ctx.lang), false);
    return p;
  }

  private async chairArrived(): Promise<void> {
    const waiting = [...this.participants.values()].filter((p) => p.waiting);
    if (waiting.length === 0) return;
    for (const p of waiting) {
      p.waiting = false;
      await this.applyAudio(p);
      this.emit('changed', viewOf(p));
    }
    this.log.info({ released: waiting.length }, 'the chair has joined: speaking opens');
    await this.announce(['chair-joined']);
  }

  /** A participant's leg ended, or they were removed. */
  async leave(p: Participant, reason: 'hangup' | 'kicked' | 'ended'): Promise<void> {
    if (this.participants.get(p.id) !== p) return;
    this.participants.delete(p.id);
    const m = p.member;
    p.member = null;
    if (m && !p.ctx.leg.ended) await m.leave().catch((err: unknown) => this.log.warn({ err }, 'leaving the mix failed'));
    this.log.info({ leg: p.id, reason }, 'left');
    this.event(reason === 'kicked' ? 'kick' : 'leave', p.id, { reason });
    this.emit('left', viewOf(p), reason);
    if (p.name && reason !== 'ended' && this.participants.size > 0) void this.announceName(p, 'has-left');
    // A multi-party call is the convener's: it ends when they hang up.
    if (this.multiParty && p.kind === 'convener' && reason === 'hangup' && this.participants.size > 0) { void this.end('convener_left'); return; }
    this.closeIfEmpty();
  }

  // ---- in-room commands (SPEC §3) ----

  /** *1: what happened. */
  async toggleSelfMute(p: Participant): Promise<'muted' | 'unmuted' | 'listen-only' | 'chair-muted'> {
    if (p.listenOnly) return 'listen-only';
    if (!p.selfMuted && p.chairMuted) return 'chair-muted';
    p.selfMuted = !p.selfMuted;
    await this.applyAudio(p);
    this.event(p.selfMuted ? 'mute' : 'unmute', p.id, { by: 'self' });
    this.emit('changed', viewOf(p));
    return p.selfMuted ? 'muted' : 'unmuted';
  }

  /** *2. */
  async toggleLock(by: Participant): Promise<boolean> {
    this.isLocked = !this.isLocked;
    await this.deps.repos.conferences.setLocked(this.account.id, this.conferenceId, this.isLocked).catch((err: unknown) => this.log.error({ err }, 'saving the lock failed'));
    this.event(this.isLocked ? 'lock' : 'unlock', by.id, {});
    this.emit('locked', this.isLocked);
    return this.isLocked;
  }

  /** *3: hangs up the participant who joined last (never `by`); the removed one, or null. */
  async removeLast(by: Participant): Promise<Participant | null> {
    const candidates = [...this.participants.values()].filter((p) => p !== by).sort((a, b) => b.joinOrder - a.joinOrder);
    const last = candidates[0];
    if (!last) return null;
    await this.leave(last, 'kicked');
    await last.ctx.leg.hangup(Q850.NORMAL_CLEARING).catch((err: unknown) => this.log.warn({ err }, 'hanging up the removed participant failed'));
    return last;
  }

  /** *5: mute all (chairs stay open) or unmute all; true when now muted. */
  async toggleMuteAll(by: Participant): Promise<boolean> {
    this.allMuted = !this.allMuted;
    for (const p of this.participants.values()) {
      if (p.role === 'chair') continue;
      p.chairMuted = this.allMuted;
      await this.applyAudio(p);
      this.emit('changed', viewOf(p));
    }
    this.event(this.allMuted ? 'mute_all' : 'unmute_all', by.id, {});
    return this.allMuted;
  }

  /** *7: start or stop recording the mix; true when now recording. */
  async toggleRecording(by: Participant): Promise<boolean> {
    if (this.recordingState) { await this.stopRecording(by.id); return false; }
    await this.startRecording(by.id);
    return true;
  }

  private async startRecording(actor: string): Promise<void> {
    mkdirSync(this.deps.recordingsDir, { recursive: true });
    const startedAt = this.deps.now();
    const path = join(this.deps.recordingsDir, `${this.conferenceId}-${startedAt.getTime()}.wav`);
    this.recordingState = { path, recordingId: null, startedAt };
    await this.announce(['recording-started']);
    await this.conference.startRecording(path);
    const row = await this.deps.repos.recordings.create(this.account.id, { conferenceId: this.conferenceId, path, startedAt })
      .catch((err: unknown) => { this.log.error({ err }, 'saving the recording row failed'); return null; });
    if (this.recordingState?.path === path) this.recordingState.recordingId = row?.id ?? null;
    this.event('record_start', actor === 'system' ? null : actor, { path });
    this.emit('recording', true, path);
  }

  private async stopRecording(actor: string | null, announce = true): Promise<void> {
    const rec = this.recordingState;
    if (!rec) return;
    this.recordingState = null;
    if (announce) await this.announce(['recording-stopped']);
    const info = await this.conference.stopRecording();
    if (rec.recordingId && info) {
      let size = 0;
      try { size = statSync(info.path).size; } catch { /* the row keeps 0 */ }
      await this.deps.repos.recordings.finish(this.account.id, rec.recordingId, { endedAt: this.deps.now(), durationMs: info.durationMs, sizeBytes: size })
        .catch((err: unknown) => this.log.error({ err }, 'finishing the recording row failed'));
    }
    this.event('record_stop', actor, { path: rec.path, durationMs: info?.durationMs ?? null });
    this.emit('recording', false, null);
  }

  /** Takes a participant out of the mix (operator, private invite call); they stay in the room. */
  async stepOut(p: Participant, why: AwayReason): Promise<void> {
    p.away = why;
    const m = p.member;
    p.member = null;
    if (m) await m.leave();
    if (why === 'operator') { this.event('operator_request', p.id, {}); this.emit('help-requested', viewOf(p)); }
    this.emit('changed', viewOf(p));
  }

  /** Back into the mix after stepOut(). */
  async stepIn(p: Participant): Promise<void> {
    if (p.ctx.leg.ended || this.participants.get(p.id) !== p) return;
    const was = p.away;
    p.away = null;
    p.member = await this.conference.join(p.ctx.leg, memberOptions(p));
    if (was === 'operator') { this.event('operator_done', p.id, {}); this.emit('help-done', viewOf(p)); }
    this.emit('changed', viewOf(p));
  }

  /** A conference event (DTMF command, invite …) written through core. */
  event(kind: ConferenceEventKind, legId: string | null, data: Record<string, unknown>): void {
    this.deps.repos.conferences.addEvent(this.account.id, this.conferenceId, { at: this.deps.now(), kind, legId, actor: legId ? `leg:${legId}` : 'system', data })
      .catch((err: unknown) => this.log.error({ err, kind }, 'writing a conference event failed'));
  }

  // ---- prompts to the room ----

  /** Plays to everyone in the mix, each in their language (one mixed prompt when all share one). */
  async announce(ids: readonly PromptId[] | ((lang: PromptLang) => PromptRef[])): Promise<void> {
    const refs = (lang: PromptLang): PromptRef[] => (typeof ids === 'function' ? ids(lang) : say(ids, lang));
    const inMix = [...this.participants.values()].filter((p) => p.member !== null);
    const langs = new Set(inMix.map((p) => p.ctx.lang));
    try {
      if (langs.size <= 1) {
        await this.conference.playToAll(refs([...langs][0] ?? 'zh-CN'));
      } else {
        await Promise.all(inMix.map((p) => p.ctx.keys.play(refs(p.ctx.lang), false)));
      }
    } catch (err) {
      this.log.warn({ err }, 'room announcement failed');
    }
  }

  private announceName(p: Participant, what: 'has-joined' | 'has-left'): Promise<void> {
    const name = p.name!;
    return this.announce((lang) => [{ file: name }, ...say([what], lang)]);
  }

  /** *4 and the joiner's count. */
  countPrompt(lang: PromptLang): PromptId[] { return participantCount(this.size, lang); }

  // ---- end of the window (SPEC §2.7) ----

  private async warn(minutesLeft: number): Promise<void> {
    this.log.info({ minutesLeft }, 'end-of-window warning');
    this.emit('warning', minutesLeft);
    const id = minutesLeft === 10 ? 'warn-10-min' : minutesLeft === 5 ? 'warn-5-min' : minutesLeft === 1 ? 'warn-1-min' : null;
    if (id) await this.announce([id]);
  }

  private async windowEnded(): Promise<void> {
    if (this.closed) return;
    const minutes = autoExtendMinutes(this.room.schedule.autoExtendMinutes, this.size);
    if (minutes > 0) {
      try {
        const row = await this.deps.repos.conferences.extend(this.account.id, this.conferenceId, minutes);
        this.closesAt = row.scheduledEnd ?? new Date(this.closesAt.getTime() + minutes * 60_000);
        this.clock.extend(minutes);
        this.event('extend', null, { minutes, auto: true });
        this.emit('extended', minutes);
        this.log.info({ minutes }, 'auto-extended');
        await this.announce((lang) => say(extendedBy(minutes, lang), lang));
        return;
      } catch (err) {
        this.log.error({ err }, 'auto-extend failed; ending the meeting');
      }
    }
    await this.end('time_up');
  }

  /** Ends the meeting: the goodbye to everyone, then every leg is hung up. */
  async end(reason: string): Promise<void> {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.log.info({ reason }, 'meeting ends');
    await this.announce(['meeting-ending-goodbye']);
    const everyone = [...this.participants.values()];
    for (const p of everyone) await this.leave(p, 'ended');
    await Promise.allSettled(everyone.map((p) => p.ctx.leg.hangup(Q850.NORMAL_CLEARING)));
    await this.close(reason);
  }

  private closeIfEmpty(): void {
    if (this.participants.size === 0 && this.reserved === 0 && !this.closed && !this.ending) void this.close('last_left');
  }

  /** Closes the room: recording stopped, mix closed, conference row ended. */
  async close(reason: string): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clock.stop();
    await this.stopRecording(null, false).catch((err: unknown) => this.log.error({ err }, 'stopping the recording failed'));
    await this.conference.close().catch((err: unknown) => this.log.error({ err }, 'closing the mix failed'));
    await this.deps.repos.conferences.end(this.account.id, this.conferenceId, { at: this.deps.now(), reason })
      .catch((err: unknown) => this.log.error({ err }, 'ending the conference row failed'));
    this.log.info({ reason }, 'room closed');
    this.emit('ended', reason);
  }

  private async applyAudio(p: Participant): Promise<void> {
    if (!p.member) return;
    try {
      await p.member.update(memberOptions(p));
    } catch (err) {
      if (!p.ctx.leg.ended) this.log.warn({ err, leg: p.id }, 'updating the member failed');
    }
  }

  /** True when p is not heard (for tests and the console). */
  isMuted(p: Participant): boolean { return isMuted(p); }
}
