// The live console for the web: the account's running conferences, one
// conference's snapshot, commands to it, its events, and the alerts (help
// requested, PIN lockout). Commands and events go through the LiveBus
// (core/live/live.ts), never the IVR. Every call first takes the conference
// from the account's own records (another account's, or an unknown id, is a
// NotFoundError before the bus is asked), and without a bus (no bridge
// attached to this web process) the live calls fail with
// LiveUnavailableError (503).
import type { Repositories } from '../../core/repositories.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { Conference } from '../../core/conferences/store.ts';
import type { LiveAlert } from '../../core/alerts/store.ts';
import { LiveUnavailableError, type LiveBus, type LiveListener, type Unsubscribe } from '../../core/live/live.ts';
import { MAX_INVITE_TARGETS, type InviteTarget, type LiveActor, type LiveCommand, type LiveCommandResult, type LiveEvent, type LiveSnapshot } from '../../core/live/messages.ts';
import { TIER_LIMITS } from '../../core/accounts/tiers.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { InvalidStateError } from '../../common/errors.ts';

/** One running conference on the live list. */
export interface LiveListing {
  conference: Conference;
  roomName: string | null;
  /** From the bus; null when the node hosting it did not answer. */
  snapshot: Omit<LiveSnapshot, 'participants'> | null;
  participantCount: number | null;
}

/** The events the account-wide stream (the dashboard) carries. */
const ACCOUNT_EVENTS = new Set<LiveEvent['type']>(['started', 'ended', 'help', 'lockout', 'dial-out-refused']);

/** Is `e` for the page of `conf`: its own events, and lockouts of its room. */
function concerns(conf: Conference, e: LiveEvent): boolean {
  if (e.type === 'lockout') return e.conferenceId === conf.id || (conf.roomId !== null && e.roomId === conf.roomId);
  return e.conferenceId === conf.id;
}

export class LiveService {
  constructor(private readonly repos: Pick<Repositories, 'conferences' | 'alerts' | 'rooms' | 'contacts'>, private readonly bus: LiveBus | undefined) {}

  /** Is a bridge attached (are the live routes usable)? */
  get available(): boolean { return this.bus !== undefined; }

  private requireBus(): LiveBus {
    if (!this.bus) throw new LiveUnavailableError('the live console is not connected to a bridge');
    return this.bus;
  }

  /** The account's conference, still running; NotFoundError for another account's, InvalidStateError once ended. */
  async conference(accountId: string, id: string): Promise<Conference> {
    const conf = await this.repos.conferences.get(accountId, id);
    if (conf.endedAt) throw new InvalidStateError('the meeting has ended');
    return conf;
  }

  /** The account's conference, running or ended, and its room's name (for the page's heading). */
  async describe(accountId: string, id: string): Promise<{ conference: Conference; roomName: string | null }> {
    const conference = await this.repos.conferences.get(accountId, id);
    const room = conference.roomId ? await this.repos.rooms.get(accountId, conference.roomId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    }) : null;
    return { conference, roomName: room?.name ?? null };
  }

  /** The account's running conferences, with their participant counts where the bus answers. */
  async list(accountId: string): Promise<LiveListing[]> {
    const bus = this.requireBus();
    const [live, rooms] = await Promise.all([this.repos.conferences.listLive(accountId), this.repos.rooms.list(accountId)]);
    const names = new Map(rooms.map((r) => [r.id, r.name]));
    return Promise.all(live.map(async (conference) => {
      const roomName = conference.roomId ? names.get(conference.roomId) ?? null : null;
      try {
        const { participants, ...snapshot } = await bus.snapshot(accountId, conference.id);
        return { conference, roomName, snapshot, participantCount: participants.length };
      } catch (err) {
        if (err instanceof NotFoundError || err instanceof LiveUnavailableError) return { conference, roomName, snapshot: null, participantCount: null };
        throw err;
      }
    }));
  }

  /** The conference as it is now, and its open alerts. */
  async detail(accountId: string, id: string): Promise<{ snapshot: LiveSnapshot; alerts: LiveAlert[] }> {
    const conf = await this.conference(accountId, id);
    const bus = this.requireBus();
    const [snapshot, alerts] = await Promise.all([bus.snapshot(accountId, conf.id), this.alertsOf(accountId, conf)]);
    return { snapshot, alerts };
  }

  /** Runs a command on the conference; the limit is held to the account's tier here too. */
  async command(account: Account, id: string, command: LiveCommand, actor: LiveActor): Promise<LiveCommandResult> {
    const conf = await this.conference(account.id, id);
    const bus = this.requireBus();
    const cap = TIER_LIMITS[account.tier].maxParticipants;
    if (command.type === 'limit' && cap !== null && command.max > cap) throw new ValidationError(`the ${account.tier} tier allows at most ${cap}`, 'max');
    return bus.command(account.id, conf.id, command, actor);
  }

  /**
   * The targets of a web invite: those given, then the named contacts and the
   * members of the named groups (each number once; the account's own only —
   * another account's contact or group is NotFoundError). At most 500.
   */
  async inviteTargets(accountId: string, req: { targets: InviteTarget[]; contactIds: string[]; groupIds: string[] }): Promise<InviteTarget[]> {
    const out: InviteTarget[] = [...req.targets];
    const seen = new Set(out.map((t) => t.target));
    const add = (c: { id: string; name: string; phone: string }): void => {
      if (seen.has(c.phone)) return;
      seen.add(c.phone);
      out.push({ target: c.phone, name: c.name, contactId: c.id });
    };
    for (const id of req.contactIds) add(await this.repos.contacts.get(accountId, id));
    if (req.groupIds.length > 0) {
      const groups = new Set((await this.repos.contacts.listGroups(accountId)).map((g) => g.id));
      for (const g of req.groupIds) {
        if (!groups.has(g)) throw new NotFoundError('group', g);
        for (const c of await this.repos.contacts.list(accountId, { groupId: g })) add(c);
      }
    }
    if (out.length === 0) throw new ValidationError('name at least one number, contact or group', 'targets');
    if (out.length > MAX_INVITE_TARGETS) throw new ValidationError(`at most ${MAX_INVITE_TARGETS} invites at once (${out.length} asked)`, 'targets');
    return out;
  }

  /**
   * Subscribes to one conference's events (and lockouts of its room), then
   * takes its snapshot: events that come after the snapshot reach `listener`.
   */
  async watch(accountId: string, id: string, listener: LiveListener): Promise<{ snapshot: LiveSnapshot; alerts: LiveAlert[]; unsubscribe: Unsubscribe }> {
    const conf = await this.conference(accountId, id);
    const bus = this.requireBus();
    const unsubscribe = bus.subscribe({ accountId, conferenceId: conf.id, withAlerts: true }, (e) => { if (concerns(conf, e)) listener(e); });
    try {
      const snapshot = bus.snapshot(accountId, conf.id);
      const [s, alerts] = await Promise.all([snapshot, this.alertsOf(accountId, conf)]);
      return { snapshot: s, alerts, unsubscribe };
    } catch (err) {
      unsubscribe();
      throw err;
    }
  }

  /** The account's conferences starting and ending, help requests, lockouts and dial-out refusals (the dashboard; a cap reached is an alert). */
  watchAccount(accountId: string, listener: LiveListener): Unsubscribe {
    return this.requireBus().subscribe({ accountId }, (e) => { if (ACCOUNT_EVENTS.has(e.type)) listener(e); });
  }

  /** Alerts not yet dismissed, newest first. */
  alerts(accountId: string): Promise<LiveAlert[]> {
    return this.repos.alerts.listOpen(accountId, { limit: 200 });
  }

  dismiss(accountId: string, alertId: string, by: { userId: string; at: Date }): Promise<LiveAlert> {
    return this.repos.alerts.dismiss(accountId, alertId, by);
  }

  /** The conference's own alerts and lockouts of its room. */
  private async alertsOf(accountId: string, conf: Conference): Promise<LiveAlert[]> {
    const list = await this.repos.alerts.listOpen(accountId, { conferenceId: conf.id });
    return list.filter((a) => a.kind !== 'lockout' || a.conferenceId === conf.id || (conf.roomId !== null && a.roomId === conf.roomId));
  }
}
