// The live seam's invite commands on this node (core/live/messages.ts:
// invite, invite-cancel, invite-redial, invite-absent) and the rows of *6
// invites: each target checked by the dialer first (one bad target refuses
// the whole command, nothing created), a row per target in one transaction
// (InviteBook; 500 rows answer well within the bus's 5 s), then
// the calls placed (invite-call.ts) at most `concurrency` at a time per
// conference (a sanity cap, 1,000 by default); each trunk's queue
// (call/trunk-queue.ts) holds them to its concurrent and calls/s limits.
// A joined invitee who leaves ends the invite; a conference that ends
// cancels what is still on its way. When a conference starts, the room's
// auto-invite list (RoomStore.listAutoInvites) is invited the same way
// (source 'auto', by 'system'), once per conference row.
import type { Logger } from '../../common/log.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { ACTIVE_STATES, FAILED_STATES } from '../../core/invites/states.ts';
import type { InviteSource } from '../../core/invites/store.ts';
import type { RoomStore } from '../../core/rooms/store.ts';
import type { InviteTarget, LiveActor, LiveInvite } from '../../core/live/messages.ts';
import type { LiveRoom } from '../room/live-room.ts';
import { liveInvite, type InviteBook, type InviteTrack } from './invite-book.ts';
import { placeInvite, type InviteCallDeps } from './invite-call.ts';

export interface InviteRunnerDeps extends InviteCallDeps {
  log: Logger;
  /** Calls placed at once per conference. */
  concurrency: number;
  /** The rooms' auto-invite lists. */
  rooms: Pick<RoomStore, 'listAutoInvites'>;
}

/** Conference rows whose auto-invites this process has placed (a room reopened on the same row is not called again). */
const AUTO_REMEMBERED = 10_000;

interface Job { track: InviteTrack; abort: AbortController }

/** The calls of one conference: a queue and at most `limit` running. */
class ConferenceCalls {
  readonly waiting: Job[] = [];
  readonly jobs = new Map<string, Job>();
  running = 0;
}

export class InviteRunner {
  private readonly calls = new Map<string, ConferenceCalls>();
  private readonly autoDone = new Set<string>();

  constructor(readonly book: InviteBook, private readonly d: InviteRunnerDeps) {}

  /** New rows for `targets`, then their calls; answers the rows (state queued). */
  async invite(room: LiveRoom, targets: readonly InviteTarget[], by: LiveActor, auto = false): Promise<LiveInvite[]> {
    const bad = await this.d.dialer.check(targets.map((t) => t.target));
    if (bad) throw new ValidationError(`cannot call ${targets[bad.index]!.target}: ${bad.error.message}`, `targets.${bad.index}.target`);
    const source: InviteSource = auto ? 'auto' : targets.length > 1 ? 'bulk' : 'web';
    const requestedBy = by.kind === 'web' ? by.userId : by.kind === 'participant' ? by.participantId : 'system';
    const tracks = await this.book.createMany(room.account.id, room.conferenceId, targets.map((t) => ({
      roomId: room.room.id, target: t.target, name: t.name ?? '', dtmf: t.dtmf ?? '', contactId: t.contactId ?? null, source, requestedBy,
    })));
    for (const track of tracks) this.enqueue(room, track);
    return tracks.map((t) => liveInvite(t.invite));
  }

  /**
   * The room's auto-invite list, called as the conference starts: once per
   * conference row (the rows say whether it was done before this process),
   * nothing when the list is empty. Never throws (logged).
   */
  async autoInvite(room: LiveRoom): Promise<LiveInvite[]> {
    if (this.autoDone.has(room.conferenceId)) return [];
    this.autoDone.add(room.conferenceId);
    if (this.autoDone.size > AUTO_REMEMBERED) this.autoDone.delete(this.autoDone.values().next().value!);
    try {
      const list = await this.d.rooms.listAutoInvites(room.account.id, room.room.id);
      if (list.length === 0 || room.isClosed) return [];
      const before = await this.book.rows(room.account.id, room.conferenceId);
      if (before.some((i) => i.source === 'auto')) return [];
      const targets: InviteTarget[] = list.map((a) => ({ target: a.target, ...(a.name ? { name: a.name } : {}), ...(a.dtmf ? { dtmf: a.dtmf } : {}) }));
      // A line the dialer cannot call (no trunk for it any more …) is left out, not the whole list.
      for (let i = 0, n = targets.length; i < n && targets.length > 0; i++) {
        const bad = await this.d.dialer.check(targets.map((t) => t.target));
        if (!bad) break;
        this.d.log.warn({ room: room.number, target: targets[bad.index]!.target, err: bad.error.message }, 'auto-invite left out');
        targets.splice(bad.index, 1);
      }
      return targets.length > 0 ? await this.invite(room, targets, { kind: 'system' }, true) : [];
    } catch (err) {
      this.d.log.error({ err, room: room.number }, 'the auto-invites failed');
      return [];
    }
  }

  /** Stops an invite on its way (queued, calling, ringing, being asked to press 1). */
  cancel(room: LiveRoom, inviteId: string): LiveInvite {
    const track = this.track(room, inviteId);
    const job = this.conference(room).jobs.get(inviteId);
    if (!job || !ACTIVE_STATES.has(track.state)) throw new InvalidStateError(`invite ${inviteId} is ${track.state}: nothing to cancel`);
    job.abort.abort();
    return liveInvite(track.invite);
  }

  /** Calls a finished invite's target again (the same row). */
  async redial(room: LiveRoom, inviteId: string): Promise<LiveInvite> {
    const track = this.track(room, inviteId);
    if (this.conference(room).jobs.has(inviteId) || !(FAILED_STATES.has(track.state) || track.state === 'ended')) {
      throw new InvalidStateError(`invite ${inviteId} is ${track.state}: it cannot be redialled`);
    }
    if (!(await track.move('queued'))) throw new InvalidStateError(`invite ${inviteId} could not be queued again`);
    this.enqueue(room, track);
    return liveInvite(track.invite);
  }

  /** Redials every target whose latest invite failed or ended and who is not in the room. */
  async absent(room: LiveRoom): Promise<LiveInvite[]> {
    const latest = new Map<string, InviteTrack>();
    for (const t of this.book.all(room.conferenceId)) latest.set(t.invite.target, t); // oldest first: the last wins
    const out: LiveInvite[] = [];
    for (const t of latest.values()) {
      const finished = FAILED_STATES.has(t.state) || t.state === 'ended';
      const here = t.invite.participantId !== null && room.get(t.invite.participantId) !== undefined;
      if (finished && !here && !this.conference(room).jobs.has(t.id)) out.push(await this.redial(room, t.id));
    }
    return out;
  }

  /**
   * A *6 invite's row (source 'phone'), to be moved by the keypad's call;
   * null when the row could not be written (the call goes on without it).
   */
  async phone(room: LiveRoom, target: string, participantId: string): Promise<InviteTrack | null> {
    try {
      return await this.book.create(room.account.id, room.conferenceId, { roomId: room.room.id, target, source: 'phone', requestedBy: participantId });
    } catch (err) {
      this.d.log.error({ err, room: room.number }, 'writing the *6 invite row failed');
      return null;
    }
  }

  /** Follows a room once: a joined invitee who leaves ends the invite; the end cancels what is on its way. */
  watch(room: LiveRoom): void {
    void this.autoInvite(room);
    room.on('left', (v) => {
      for (const t of this.book.all(room.conferenceId)) if (t.invite.participantId === v.id && t.state === 'joined') void t.move('ended');
    });
    room.once('ended', () => {
      const c = this.calls.get(room.conferenceId);
      for (const job of c?.jobs.values() ?? []) job.abort.abort();
      this.tidy(room);
    });
  }

  /** A closed room's book and queue go once no call of it runs any more (its rows stay). */
  private tidy(room: LiveRoom): void {
    const c = this.calls.get(room.conferenceId);
    if (!room.isClosed || (c && c.jobs.size > 0)) return;
    this.calls.delete(room.conferenceId);
    this.book.forget(room.conferenceId);
  }

  private enqueue(room: LiveRoom, track: InviteTrack): void {
    const c = this.conference(room);
    const job: Job = { track, abort: new AbortController() };
    c.jobs.set(track.id, job);
    c.waiting.push(job);
    this.pump(room, c);
  }

  private pump(room: LiveRoom, c: ConferenceCalls): void {
    while (c.running < this.d.concurrency && c.waiting.length > 0) {
      const job = c.waiting.shift()!;
      c.running++;
      void placeInvite(this.d, room, job.track, job.abort.signal)
        .catch((err: unknown) => this.d.log.error({ err, invite: job.track.id }, 'placing an invite failed'))
        .finally(() => {
          c.running--;
          c.jobs.delete(job.track.id);
          this.pump(room, c);
          this.tidy(room);
        });
    }
  }

  private conference(room: LiveRoom): ConferenceCalls {
    let c = this.calls.get(room.conferenceId);
    if (!c) { c = new ConferenceCalls(); this.calls.set(room.conferenceId, c); }
    return c;
  }

  private track(room: LiveRoom, inviteId: string): InviteTrack {
    const t = this.book.get(room.conferenceId, inviteId);
    if (!t) throw new NotFoundError('invite', inviteId);
    return t;
  }
}
