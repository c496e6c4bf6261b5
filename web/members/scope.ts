// Organizer scoping, enforced on the server (issue 19): an organizer sees and
// runs only the rooms they organise, and only those rooms' conferences
// (history, live console, invites and dial-out), recordings and alerts. An
// id of another organizer's room answers 404, as another account's does
// (web/http/access.ts decides who reaches a route at all; this decides which
// rows of the account an organizer may touch). Owners and admins see the
// whole account. A room without an organizer (null) is the account's: owners
// and admins only. Contacts, groups and templates are the account's shared
// directory, read and written by every member.
import type { Repositories } from '../../core/repositories.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { User } from '../../core/users/store.ts';
import type { LiveEvent } from '../../core/live/messages.ts';
import { seesWholeAccount } from '../http/access.ts';

/** What scoping needs of the caller (a RouteContext or a PageContext has it). */
export interface ScopeCaller {
  accountId: string;
  auth: { user: Pick<User, 'id' | 'role'> } | undefined;
}

export class ScopeService {
  constructor(private readonly repos: Repositories) {}

  /** The organizer's user id, or null when the caller sees the whole account. */
  organizerOf(c: ScopeCaller): string | null {
    const u = c.auth?.user;
    if (!u) throw new NotFoundError('caller', '');
    return seesWholeAccount(u.role) ? null : u.id;
  }

  /** May the caller see rows of this room (null: a conference without a room)? */
  async seesRoom(c: ScopeCaller, roomId: string | null): Promise<boolean> {
    const me = this.organizerOf(c);
    if (me === null) return true;
    if (roomId === null) return false;
    try {
      return (await this.repos.rooms.get(c.accountId, roomId)).organizerUserId === me;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** The ids of the rooms an organizer organises (null: every room). */
  async roomIds(c: ScopeCaller): Promise<Set<string> | null> {
    const me = this.organizerOf(c);
    if (me === null) return null;
    return new Set((await this.repos.rooms.list(c.accountId)).filter((r) => r.organizerUserId === me).map((r) => r.id));
  }

  /** Keeps the rows whose room the caller sees. */
  async filter<T>(c: ScopeCaller, rows: readonly T[], roomOf: (row: T) => string | null): Promise<T[]> {
    const ids = await this.roomIds(c);
    if (ids === null) return [...rows];
    return rows.filter((r) => { const id = roomOf(r); return id !== null && ids.has(id); });
  }

  /** 404 unless the caller sees the room. */
  async room(c: ScopeCaller, roomId: string): Promise<void> {
    if (!(await this.seesRoom(c, roomId))) throw new NotFoundError('room', roomId);
  }

  /** 404 unless the caller sees the conference's room. */
  async conference(c: ScopeCaller, conferenceId: string): Promise<void> {
    if (this.organizerOf(c) === null) return;
    const conf = await this.repos.conferences.get(c.accountId, conferenceId);
    if (!(await this.seesRoom(c, conf.roomId))) throw new NotFoundError('conference', conferenceId);
  }

  /** 404 unless the caller sees the recording's room. */
  async recording(c: ScopeCaller, recordingId: string): Promise<void> {
    if (this.organizerOf(c) === null) return;
    const rec = await this.repos.recordings.get(c.accountId, recordingId);
    if (!(await this.seesRoom(c, rec.roomId))) throw new NotFoundError('recording', recordingId);
  }

  /** 404 unless the caller sees the (open) alert's room. */
  async alert(c: ScopeCaller, alertId: string): Promise<void> {
    if (this.organizerOf(c) === null) return;
    const alert = (await this.repos.alerts.listOpen(c.accountId, { limit: 1000 })).find((a) => a.id === alertId);
    if (!alert || !(await this.seesRoom(c, alert.roomId))) throw new NotFoundError('alert', alertId);
  }

  /**
   * For the account-wide live stream: null when every event goes through,
   * else an (async) test of one event, remembering each conference's answer.
   */
  eventFilter(c: ScopeCaller): ((e: LiveEvent) => Promise<boolean>) | null {
    if (this.organizerOf(c) === null) return null;
    const known = new Map<string, Promise<boolean>>();
    return (e) => {
      if ('roomId' in e && typeof e.roomId === 'string') return this.seesRoom(c, e.roomId);
      const id = e.conferenceId;
      if (!id) return Promise.resolve(false);
      let p = known.get(id);
      if (!p) {
        p = this.conference(c, id).then(() => true, () => false);
        known.set(id, p);
      }
      return p;
    };
  }
}
