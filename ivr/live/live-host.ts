// The IVR's side of the live seam (core/live/live.ts LiveHost): the
// conferences this node runs, as snapshots and summaries, the commands the
// web (or the dialer …) sends them, and every event of every room — their
// own (ivr/live/room-feed.ts) and the PIN lockouts of rooms, which start
// before any conference. Scoped to an account: another account's conference
// is not found, exactly like one that does not run here.
import { InvalidStateError } from '../../common/errors.ts';
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { LiveHost, LiveListener, Unsubscribe } from '../../core/live/live.ts';
import { liveActorSchema, liveCommandSchema, type LiveActor, type LiveCommand, type LiveCommandResult, type LiveEvent, type LiveSnapshot } from '../../core/live/messages.ts';
import type { Repositories } from '../../core/repositories.ts';
import type { Room } from '../../core/rooms/store.ts';
import type { LiveRoom } from '../room/live-room.ts';
import type { RoomRegistry } from '../room/registry.ts';
import { InviteBook } from './invite-book.ts';
import { InviteRunner, type InviteRunnerDeps } from './invites.ts';
import { runCommand } from './live-commands.ts';
import { liveSnapshot, liveSummary, type LiveSummary } from './live-view.ts';
import { feedRoom } from './room-feed.ts';

export interface IvrLiveHostDeps {
  repos: Pick<Repositories, 'alerts' | 'invites'>;
  now: () => Date;
  /** Times the batching of quality events. */
  clock: Clock;
  log: Logger;
  nodeId: string;
  /** Quality events of one conference at most this often (default 1000 ms). */
  qualityIntervalMs?: number;
}

export class IvrLiveHost implements LiveHost {
  readonly nodeId: string;
  private readonly listeners = new Set<LiveListener>();
  /** The invites of this node's conferences; null until useInvites (a host that places no calls). */
  invites: InviteRunner | null = null;

  constructor(private readonly rooms: RoomRegistry, private readonly deps: IvrLiveHostDeps) {
    this.nodeId = deps.nodeId;
    const feed = { ...deps, qualityIntervalMs: deps.qualityIntervalMs ?? 1000, emit: (e: LiveEvent) => this.emit(e) };
    rooms.on('opened', (room) => { feedRoom(room, feed); this.invites?.watch(room); });
  }

  /** Places the invite commands' calls (createIvr wires it once the services exist). */
  useInvites(deps: InviteRunnerDeps): InviteRunner {
    const book = new InviteBook({ repos: this.deps.repos, now: this.deps.now, log: this.deps.log, emit: (e) => this.emit(e) });
    this.invites = new InviteRunner(book, deps);
    return this.invites;
  }

  snapshot(accountId: string, conferenceId: string): LiveSnapshot | undefined {
    const room = this.find(accountId, conferenceId);
    if (!room) return undefined;
    const s = liveSnapshot(room, this.nodeId);
    return this.invites ? { ...s, invites: this.invites.book.list(conferenceId) } : s;
  }

  list(accountId: string): LiveSummary[] {
    return this.rooms.all().filter((r) => r.account.id === accountId && !r.isClosed).map((r) => liveSummary(r, this.nodeId));
  }

  async execute(accountId: string, conferenceId: string, command: LiveCommand, actor: LiveActor): Promise<LiveCommandResult> {
    const cmd = liveCommandSchema.safeParse(command);
    if (!cmd.success) throw new ValidationError(`not a live command: ${cmd.error.issues[0]?.message ?? 'invalid'}`, cmd.error.issues[0]?.path.join('.') || 'command');
    const by = liveActorSchema.safeParse(actor);
    if (!by.success) throw new ValidationError('not a live actor', 'actor');
    const room = this.find(accountId, conferenceId);
    if (!room) throw new NotFoundError('conference', conferenceId);
    if (room.isEnding && cmd.data.type !== 'end') throw new InvalidStateError('the meeting is ending');
    return runCommand(room, cmd.data, by.data, { log: this.deps.log, invites: this.invites });
  }

  subscribe(listener: LiveListener): Unsubscribe {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /**
   * `room` is under a PIN attack, its checks slowed until `until`
   * (ivr/room/pin-lockout.ts): a `lockout` alert (core/alerts) and event,
   * with the room's running conference if there is one. Never waits for,
   * nor fails on, the database.
   */
  lockout(room: Room, until: Date): void {
    const live = this.rooms.byId(room.id);
    const conferenceId = live && !live.isClosed ? live.conferenceId : null;
    const at = this.deps.now();
    void this.deps.repos.alerts.raise(room.accountId, { roomId: room.id, roomNumber: room.number, conferenceId, kind: 'lockout', data: { until: until.toISOString() }, at })
      .then((a) => a.id, (err: unknown) => { this.deps.log.error({ err, room: room.number }, 'raising the lockout alert failed'); return null; })
      .then((alertId) => this.emit({
        type: 'lockout', conferenceId, accountId: room.accountId, at: at.toISOString(), roomId: room.id, roomNumber: room.number, until: until.toISOString(), alertId,
      }));
  }

  /** The account's conference running here (not closed), or undefined. */
  private find(accountId: string, conferenceId: string): LiveRoom | undefined {
    const room = this.rooms.byConference(conferenceId);
    return room && room.account.id === accountId && !room.isClosed ? room : undefined;
  }

  /** An event from outside the rooms (a dial-out refusal: ivr/billing/dial-out-guard.ts) to the subscribers. */
  publish(e: LiveEvent): void { this.emit(e); }

  private emit(e: LiveEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(e);
      } catch (err) {
        this.deps.log.error({ err, event: e.type }, 'a live listener threw');
      }
    }
  }
}
