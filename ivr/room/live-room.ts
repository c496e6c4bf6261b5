// One running conference of a room (SPEC §1 "conference", §2.4–2.7, §3, §6):
// who is in and how they may speak, the controls a chair's keypad and the
// web's live console share (mute, remove, role, hold, volume, mute all,
// lock, record, extend, limit, end), wait-for-chair, the end of the window
// with auto-extend, end-when-the-last-chair-leaves. One engine Conference
// carries the audio; the conference row and its events are written through
// core/. Every change is a typed event naming who made it (LiveActor), which
// ivr/live/ turns into the live seam's events.
import type { Conference, LegStats, PromptRef } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import { TypedEmitter } from '../../common/events.ts';
import type { Logger } from '../../common/log.ts';
import { TIER_LIMITS } from '../../core/accounts/tiers.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { Conference as ConferenceRow, ConferenceEventKind } from '../../core/conferences/store.ts';
import { ValidationError } from '../../core/errors.ts';
import type { LiveActor } from '../../core/live/messages.ts';
import type { Room } from '../../core/rooms/store.ts';
import { autoExtendMinutes } from '../../core/schedule/room-window.ts';
import type { CallContext } from '../call/call-context.ts';
import type { RoomLegFacts } from '../call/call-out.ts';
import { say } from '../call/say.ts';
import { extendedBy, participantCount, type PromptId, type PromptLang } from '../prompts/catalog.ts';
import { actorColumn, byParticipant, forcedMuteBy, legOf, SYSTEM } from './actor.ts';
import { contactName } from './caller-name.ts';
import {
  applyChairRules, applyGuestRules, checkVolume, isMuted, memberOptions, numberOf, viewOf,
  type AwayReason, type ForcedMute, type LeaveReason, type Participant, type ParticipantView, type Role,
} from './participant.ts';
import { qualityOf, sameQuality } from './quality.ts';
import type { By, JoinRequest, LiveRoomDeps, LiveRoomEvents, LiveRoomInit, Refusal } from './live-room-types.ts';
import { announceToMix, applyMember } from './room-audio.ts';
import { RoomListeners } from './room-listeners.ts';
import { RoomRecording } from './room-recording.ts';
import { RoomWindow } from './room-window.ts';

export type { JoinRequest, LiveRoomDeps, LiveRoomEvents, LiveRoomInit, Refusal } from './live-room-types.ts';

export class LiveRoom extends TypedEmitter<LiveRoomEvents> {
  readonly room: Room;
  readonly account: Account;
  readonly conferenceRow: ConferenceRow;
  readonly conference: Conference;
  readonly multiParty: boolean;
  private readonly participants = new Map<string, Participant>();
  private readonly listenIn: RoomListeners;
  private reserved = 0;
  private joinCounter = 0;
  private max: number;
  private isLocked: boolean;
  /** Mute all (*5 or the web) is on, and whose it is. */
  private allMutedBy: ForcedMute | null = null;
  private readonly recorder: RoomRecording;
  private readonly window: RoomWindow;
  private closed = false;
  /** end() is hanging everyone up: the last leave must not close the room with another reason. */
  private ending = false;
  private readonly log: Logger;

  constructor(private readonly deps: LiveRoomDeps, init: LiveRoomInit) {
    super();
    this.room = init.room;
    this.account = init.account;
    this.conferenceRow = init.conference;
    this.max = init.maxParticipants;
    this.multiParty = init.multiParty;
    this.isLocked = init.conference.locked;
    this.log = deps.log.child({ room: init.room.number, conferenceId: init.conference.id });
    this.conference = deps.engine.createConference(`room-${init.room.number}`, { maxTalkers: 4 });
    this.listenIn = new RoomListeners(this.conference, this.log);
    this.conference.on('member-left', (m) => {
      const p = this.participants.get(m.leg.id);
      if (p && p.member === m) p.member = null;
    });
    this.conference.on('talking', (m, talking) => {
      const p = this.participants.get(m.leg.id);
      if (p && p.member === m) this.emit('talking', viewOf(p), talking);
    });
    const ids = { repos: deps.repos, accountId: init.account.id, conferenceId: init.conference.id, now: deps.now };
    this.recorder = new RoomRecording({
      ...ids, conference: this.conference, recordingsDir: deps.recordingsDir, log: this.log,
      announce: (prompts) => this.announce(prompts), event: (kind, legId, data, by) => this.event(kind, legId, data, by),
      failed: (reason) => this.emit('recording', false, null, null, reason),
    });
    this.window = new RoomWindow({ ...ids, clock: deps.clock, minuteMs: deps.minuteMs, warnMinutes: deps.warnMinutes }, init.closesAt, {
      warn: (m) => { void this.warn(m); },
      end: () => { void this.windowEnded(); },
    });
  }

  // ---- read API (live console) ----

  get number(): string { return this.room.number; }
  get conferenceId(): string { return this.conferenceRow.id; }
  get locked(): boolean { return this.isLocked; }
  get recording(): boolean { return this.recorder.on; }
  get recordingPath(): string | null { return this.recorder.path; }
  get allMuted(): boolean { return this.allMutedBy !== null; }
  get maxParticipants(): number { return this.max; }
  /** The most the account's tier allows in a room; null = no cap. */
  get tierMaxParticipants(): number | null { return TIER_LIMITS[this.account.tier].maxParticipants; }
  get isClosed(): boolean { return this.closed; }
  get isEnding(): boolean { return this.ending; }
  /** Everyone in the room, in the mix or away. */
  get size(): number { return this.participants.size; }
  get hasChair(): boolean { return [...this.participants.values()].some((p) => p.role === 'chair'); }
  get windowClosesAt(): Date { return this.window.closesAt; }
  /** What the CDR of a leg the bridge calls for this room says about it. */
  get legFacts(): RoomLegFacts { return { accountId: this.account.id, roomId: this.room.id, roomNumber: this.number, conferenceId: this.conferenceId }; }
  list(): ParticipantView[] { return [...this.participants.values()].sort((a, b) => a.joinOrder - b.joinOrder).map(viewOf); }
  get(id: string): Participant | undefined { return this.participants.get(id); }
  /** The listen-in legs' link keys (each leg may carry several browsers of one link: the gateway counts those). */
  listenKeys(): string[] { return this.listenIn.keys(); }

  /** A listen-in leg (issue 17): hears the mix, never heard, not a participant (room-listeners.ts). */
  async listen(ctx: CallContext, key: string): Promise<void> {
    if (this.closed || this.ending) throw new ValidationError('the meeting is ending', 'room');
    await this.listenIn.add(ctx, key);
  }

  // ---- admission ----

  /** Holds a place for a caller between the PIN and the join; a refusal otherwise. Invitees pass a lock. */
  reserve(role: Role, opts: { ignoreLock?: boolean } = {}): Refusal | null {
    if (this.closed || this.ending) return 'full';
    if (this.isLocked && role === 'guest' && !opts.ignoreLock) return 'locked';
    if (this.participants.size + this.reserved >= this.max) return 'full';
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
      listenOnly: guest && o.guestListenOnly, selfMuted: o.muteOnEntry && guest,
      forcedMute: guest ? this.allMutedBy : null, waiting: guest && o.guestWaitForChair && !this.hasChair, held: false,
      talkDb: 0, listenDb: 0, joinOrder: ++this.joinCounter, joinedAt: this.deps.now(), name: req.name,
      displayName: req.ctx.displayName, member: null, away: null, quality: null, joinId: req.joinId ?? null,
    };
    this.participants.set(p.id, p);
    const leg = req.ctx.leg;
    leg.on('hangup', () => { void this.leave(p, 'hangup'); });
    try {
      if (leg.ended) throw new Error('hung up before joining');
      p.member = await this.conference.join(leg, memberOptions(p));
      req.ctx.markJoined();
    } catch (err) {
      this.participants.delete(p.id);
      this.closeIfEmpty();
      throw err;
    }
    leg.on('stats', (s) => this.stats(p, s));
    this.log.info({ leg: p.id, role: p.role, kind: p.kind, waiting: p.waiting, order: p.joinOrder }, 'joined');
    this.event('join', p.id, { role: p.role, kind: p.kind, from: leg.from });
    this.emit('joined', viewOf(p));
    if (p.displayName === null) void this.findName(p);
    if (p.name) void this.announceName(p, 'has-joined');
    if (req.role === 'chair' && await this.releaseWaiting(null)) await this.announce(['chair-joined']);
    if (this.room.options.autoRecord && !this.recorder.on) void this.setRecording(true, SYSTEM).catch((err: unknown) => this.log.error({ err }, 'auto-record failed'));
    // What the joiner hears: how many are present; on hold, why.
    await p.ctx.play(p.waiting ? [...participantCount(this.size, p.ctx.lang), 'wait-chair'] : participantCount(this.size, p.ctx.lang), false);
    return p;
  }

  /** A chair is in: guests waiting for one speak now. True when someone was waiting. */
  private async releaseWaiting(by: By): Promise<boolean> {
    const waiting = [...this.participants.values()].filter((p) => p.waiting);
    if (waiting.length === 0) return false;
    for (const p of waiting) p.waiting = false;
    await Promise.all(waiting.map((p) => applyMember(p, this.log)));
    for (const p of waiting) this.emit('changed', viewOf(p), by);
    this.log.info({ released: waiting.length }, 'a chair is in: speaking opens');
    return true;
  }

  /** A participant's leg ended, or they were removed. */
  async leave(p: Participant, reason: LeaveReason, by: By = null): Promise<void> {
    if (this.participants.get(p.id) !== p) return;
    this.participants.delete(p.id);
    const m = p.member;
    p.member = null;
    if (m && !p.ctx.leg.ended) await m.leave().catch((err: unknown) => this.log.warn({ err }, 'leaving the mix failed'));
    this.log.info({ leg: p.id, reason }, 'left');
    this.event(reason === 'kicked' ? 'kick' : 'leave', p.id, { reason }, by);
    if (p.away === 'operator') this.emit('help-done', viewOf(p));
    this.emit('left', viewOf(p), reason);
    if (p.name && reason !== 'ended' && this.participants.size > 0) void this.announceName(p, 'has-left');
    if (this.participants.size > 0 && reason !== 'ended') {
      // A multi-party call is the convener's: it ends when they hang up.
      if (this.multiParty && p.kind === 'convener' && reason === 'hangup') { void this.end('convener_left'); return; }
      if (this.room.options.endWhenLastChairLeaves && p.role === 'chair' && !this.hasChair) { void this.end('last_chair_left'); return; }
    }
    this.closeIfEmpty();
  }

  // ---- a participant's controls (keypad and console) ----

  /** *1: what happened. */
  async toggleSelfMute(p: Participant): Promise<'muted' | 'unmuted' | 'listen-only' | 'chair-muted'> {
    if (p.listenOnly) return 'listen-only';
    if (!p.selfMuted && p.forcedMute) return 'chair-muted';
    p.selfMuted = !p.selfMuted;
    await this.changed(p, byParticipant(p));
    this.event(p.selfMuted ? 'mute' : 'unmute', p.id, { by: 'self' });
    return p.selfMuted ? 'muted' : 'unmuted';
  }

  /**
   * A participant's own mute set from their device (a browser's mute button):
   * like *1, it never lifts a chair's or the web's mute, nor listen-only.
   */
  async setSelfMuted(p: Participant, muted: boolean): Promise<ParticipantView> {
    if (p.selfMuted !== muted && !(muted === false && (p.listenOnly || p.forcedMute))) {
      p.selfMuted = muted;
      this.event(muted ? 'mute' : 'unmute', p.id, { by: 'self' });
      return this.changed(p, byParticipant(p));
    }
    return viewOf(p);
  }

  /**
   * A chair-style mute (the web, a chair): *1 cannot undo it. Unmuting opens
   * the line whatever muted it — self, chair, web, listen-only (hold and the
   * wait for a chair have their own controls).
   */
  async setMuted(p: Participant, muted: boolean, by: LiveActor): Promise<ParticipantView> {
    if (muted) {
      p.forcedMute = forcedMuteBy(by);
    } else {
      p.forcedMute = null;
      p.selfMuted = false;
      p.listenOnly = false;
    }
    this.event(muted ? 'mute' : 'unmute', p.id, { by: forcedMuteBy(by) }, by);
    return this.changed(p, by);
  }

  /** Removes a participant: out of the room (a kick) and hung up (its CDR closes as for any hang-up). */
  async remove(p: Participant, by: LiveActor): Promise<void> {
    await this.leave(p, 'kicked', by);
    await p.ctx.leg.hangup(Q850.NORMAL_CLEARING).catch((err: unknown) => this.log.warn({ err }, 'hanging up the removed participant failed'));
  }

  /** *3: removes the participant who joined last (never `by`); the removed one, or null. */
  async removeLast(by: Participant): Promise<Participant | null> {
    const candidates = [...this.participants.values()].filter((p) => p !== by).sort((a, b) => b.joinOrder - a.joinOrder);
    const last = candidates[0];
    if (!last) return null;
    await this.remove(last, byParticipant(by));
    return last;
  }

  /** Make chair / make guest. A new chair speaks whatever the guest rules, and releases guests waiting for a chair. */
  async setRole(p: Participant, role: Role, by: LiveActor): Promise<ParticipantView> {
    if (p.role === role) return viewOf(p);
    if (role === 'chair') applyChairRules(p);
    else applyGuestRules(p, this.room.options, this.allMutedBy);
    this.event('role_change', p.id, { role }, by);
    const view = await this.changed(p, by);
    if (role === 'chair' && await this.releaseWaiting(by)) void this.announce(['chair-joined']);
    return view;
  }

  /** Hold with music (not heard, hears the music) and back. */
  async setHeld(p: Participant, held: boolean, by: LiveActor): Promise<ParticipantView> {
    p.held = held;
    return this.changed(p, by);
  }

  /** Talk / listen volume, dB within VOLUME_DB; ValidationError outside. */
  async setVolume(p: Participant, v: { talkDb?: number; listenDb?: number }, by: LiveActor): Promise<ParticipantView> {
    checkVolume(v);
    if (v.talkDb !== undefined) p.talkDb = v.talkDb;
    if (v.listenDb !== undefined) p.listenDb = v.listenDb;
    return this.changed(p, by);
  }

  /** Pushes p's state to the mix and tells who changed it. */
  private async changed(p: Participant, by: By): Promise<ParticipantView> {
    await applyMember(p, this.log);
    const view = viewOf(p);
    this.emit('changed', view, by);
    return view;
  }

  // ---- the room's controls (keypad and console) ----

  /** Mute all (chairs stay open; guests joining now are muted too) or unmute all. */
  async setMuteAll(muted: boolean, by: LiveActor): Promise<void> {
    this.allMutedBy = muted ? forcedMuteBy(by) : null;
    const guests = [...this.participants.values()].filter((p) => p.role !== 'chair');
    for (const p of guests) p.forcedMute = this.allMutedBy;
    await Promise.all(guests.map((p) => applyMember(p, this.log)));
    for (const p of guests) this.emit('changed', viewOf(p), by);
    this.event(muted ? 'mute_all' : 'unmute_all', legOf(by), {}, by);
    this.emit('all-muted', muted, by);
  }

  /** *5: true when now muted. */
  async toggleMuteAll(by: Participant): Promise<boolean> {
    await this.setMuteAll(!this.allMuted, byParticipant(by));
    return this.allMuted;
  }

  /** Lock (new guests refused) or unlock; saved on the conference row. */
  async setLocked(locked: boolean, by: LiveActor): Promise<void> {
    if (this.isLocked === locked) return;
    this.isLocked = locked;
    await this.deps.repos.conferences.setLocked(this.account.id, this.conferenceId, locked).catch((err: unknown) => this.log.error({ err }, 'saving the lock failed'));
    this.event(locked ? 'lock' : 'unlock', legOf(by), {}, by);
    this.emit('locked', locked, by);
  }

  /** *2: true when now locked. */
  async toggleLock(by: Participant): Promise<boolean> {
    await this.setLocked(!this.isLocked, byParticipant(by));
    return this.isLocked;
  }

  /** Starts (announced first) or stops (announced) recording the mix. */
  async setRecording(on: boolean, by: LiveActor): Promise<void> {
    if (on === this.recorder.on) return;
    if (on) {
      const path = await this.recorder.start(by);
      if (path !== null) this.emit('recording', true, path, by);
    } else if (await this.recorder.stop(by)) {
      this.emit('recording', false, null, by);
    }
  }

  /** *7: true when now recording. */
  async toggleRecording(by: Participant): Promise<boolean> {
    await this.setRecording(!this.recorder.on, byParticipant(by));
    return this.recorder.on;
  }

  /** Extends the window ("extended by N minutes" to the room); the new close. Rejects, nothing changed, when the row cannot be saved. */
  async extend(minutes: number, by: LiveActor, data: Record<string, unknown> = {}): Promise<Date> {
    const closesAt = await this.window.extend(minutes);
    this.event('extend', legOf(by), { minutes, ...data }, by);
    this.log.info({ minutes, ...data }, 'extended');
    this.emit('extended', minutes, by);
    void this.announce((lang) => say(extendedBy(minutes, lang), lang));
    return closesAt;
  }

  /** Raises or lowers the participant limit, up to the account tier's cap (ValidationError above). Nobody already in is removed. */
  setLimit(max: number, by: LiveActor): number {
    const cap = this.tierMaxParticipants;
    if (!Number.isInteger(max) || max < 1) throw new ValidationError('the participant limit must be a positive whole number', 'max');
    if (cap !== null && max > cap) throw new ValidationError(`the ${this.account.tier} tier allows at most ${cap} participants`, 'max');
    this.max = max;
    this.log.info({ max }, 'participant limit set');
    this.emit('limit', max, by);
    return max;
  }

  // ---- away from the mix (*0, *6) ----

  /** Takes a participant out of the mix (operator, private invite call); they stay in the room. */
  async stepOut(p: Participant, why: AwayReason): Promise<void> {
    p.away = why;
    const m = p.member;
    p.member = null;
    if (m) await m.leave();
    if (why === 'operator') { this.event('operator_request', p.id, {}); this.emit('help-requested', viewOf(p)); }
    this.emit('changed', viewOf(p), null);
  }

  /** Back into the mix after stepOut(). */
  async stepIn(p: Participant): Promise<void> {
    if (p.ctx.leg.ended || this.participants.get(p.id) !== p) return;
    const was = p.away;
    p.away = null;
    p.member = await this.conference.join(p.ctx.leg, memberOptions(p));
    if (was === 'operator') { this.event('operator_done', p.id, {}); this.emit('help-done', viewOf(p)); }
    this.emit('changed', viewOf(p), null);
  }

  // ---- what the console learns on the side ----

  private stats(p: Participant, s: LegStats): void {
    if (this.participants.get(p.id) !== p) return;
    const q = qualityOf(s);
    if (sameQuality(p.quality, q)) return;
    p.quality = q;
    this.emit('quality', viewOf(p));
  }

  /** The account's contact name for the number, when the call gave no display name. */
  private async findName(p: Participant): Promise<void> {
    try {
      const name = await contactName(this.deps.repos.contacts, this.account.id, numberOf(p), this.deps.defaultRegion ?? 'CN');
      if (name === null || p.displayName !== null || this.participants.get(p.id) !== p) return;
      p.displayName = name;
      this.emit('changed', viewOf(p), null);
    } catch (err) {
      this.log.warn({ err, leg: p.id }, 'looking up the contact name failed');
    }
  }

  /** A conference event (DTMF command, invite …) written through core; never blocks or fails the caller. */
  event(kind: ConferenceEventKind, legId: string | null, data: Record<string, unknown>, by?: By): void {
    this.deps.repos.conferences.addEvent(this.account.id, this.conferenceId, { at: this.deps.now(), kind, legId, actor: actorColumn(by, legId), data })
      .catch((err: unknown) => this.log.error({ err, kind }, 'writing a conference event failed'));
  }

  // ---- prompts to the room ----

  /** Plays to everyone in the mix, each in their language (one mixed prompt when all share one). */
  announce(ids: readonly PromptId[] | ((lang: PromptLang) => PromptRef[])): Promise<void> {
    const refs = (lang: PromptLang): PromptRef[] => (typeof ids === 'function' ? ids(lang) : say(ids, lang));
    return announceToMix(this.conference, [...this.participants.values()].filter((p) => p.member !== null), refs, this.log);
  }

  private announceName(p: Participant, what: 'has-joined' | 'has-left'): Promise<void> {
    const name = p.name!;
    return this.announce((lang) => [{ file: name }, ...say([what], lang)]);
  }

  /** *4 and the joiner's count. */
  countPrompt(lang: PromptLang): PromptId[] { return participantCount(this.size, lang); }

  // ---- end of the window (SPEC §2.7) and of the meeting ----

  private async warn(minutesLeft: number): Promise<void> {
    this.log.info({ minutesLeft }, 'end-of-window warning');
    this.emit('warning', minutesLeft);
    const id = minutesLeft === 10 ? 'warn-10-min' : minutesLeft === 5 ? 'warn-5-min' : minutesLeft === 1 ? 'warn-1-min' : null;
    if (id) await this.announce([id]);
  }

  private async windowEnded(): Promise<void> {
    if (this.closed || this.ending) return;
    const minutes = autoExtendMinutes(this.room.schedule.autoExtendMinutes, this.size);
    if (minutes > 0) {
      try {
        await this.extend(minutes, SYSTEM, { auto: true });
        return;
      } catch (err) {
        this.log.error({ err }, 'auto-extend failed; ending the meeting');
      }
    }
    await this.end('time_up');
  }

  /** Ends the meeting: the goodbye to everyone, then every leg is hung up (their CDRs close) and the room closes. */
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
    this.window.stop();
    await this.listenIn.hangUpAll();
    const stopped = await this.recorder.stop(null, false).catch((err: unknown) => { this.log.error({ err }, 'stopping the recording failed'); return false; });
    if (stopped) this.emit('recording', false, null, null);
    await this.conference.close().catch((err: unknown) => this.log.error({ err }, 'closing the mix failed'));
    await this.deps.repos.conferences.end(this.account.id, this.conferenceId, { at: this.deps.now(), reason })
      .catch((err: unknown) => this.log.error({ err }, 'ending the conference row failed'));
    this.log.info({ reason }, 'room closed');
    this.emit('ended', reason);
  }

  /** True when p is not heard (for tests and the console). */
  isMuted(p: Participant): boolean { return isMuted(p); }
}
