// The invites of the conferences on this node as the console sees them:
// each invite's row (core/invites) and its present state in memory, every
// change written to the row (and its history) first and then told as an
// `invite` LiveEvent. Changes of one invite are applied one after another in
// the order asked (a 180 and the answer may come close together); a change
// the state machine forbids, or a database error, is logged and skipped —
// never thrown at the call that caused it.
import type { Logger } from '../../common/log.ts';
import type { Invite, InviteChange, NewInvite } from '../../core/invites/store.ts';
import type { InviteState } from '../../core/invites/states.ts';
import type { LiveEvent, LiveInvite } from '../../core/live/messages.ts';
import type { Repositories } from '../../core/repositories.ts';

export interface InviteBookDeps {
  repos: Pick<Repositories, 'invites'>;
  now: () => Date;
  log: Logger;
  emit: (e: LiveEvent) => void;
}

export function liveInvite(i: Invite): LiveInvite {
  return {
    id: i.id, target: i.target, name: i.name, state: i.state, q850Cause: i.q850Cause, sipStatus: i.sipStatus,
    participantId: i.participantId, updatedAt: i.updatedAt.toISOString(),
  };
}

/** One invite: its last known row, and its changes in order. */
export class InviteTrack {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly book: InviteBook, public invite: Invite) {}

  get id(): string { return this.invite.id; }
  get state(): InviteState { return this.invite.state; }

  /** Moves the state (after the changes asked before); resolves true when it moved. */
  move(to: InviteState, info: InviteChange = {}): Promise<boolean> {
    const step = this.chain.then(() => this.book.apply(this, to, info));
    this.chain = step;
    return step;
  }
}

export class InviteBook {
  /** conferenceId → inviteId → track. */
  private readonly byConference = new Map<string, Map<string, InviteTrack>>();

  constructor(private readonly d: InviteBookDeps) {}

  /** A new row (state queued), told as an event. Throws what the store throws (bad contact, room …). */
  async create(accountId: string, conferenceId: string, input: NewInvite): Promise<InviteTrack> {
    const inv = await this.d.repos.invites.create(accountId, { ...input, conferenceId });
    const track = new InviteTrack(this, inv);
    this.tracks(conferenceId).set(inv.id, track);
    this.tell(inv);
    return track;
  }

  /** The conference's rows as stored (also those of an earlier process). */
  rows(accountId: string, conferenceId: string): Promise<Invite[]> {
    return this.d.repos.invites.listByConference(accountId, conferenceId);
  }

  /** New rows in one transaction (all or none), each told as an event. */
  async createMany(accountId: string, conferenceId: string, inputs: readonly NewInvite[]): Promise<InviteTrack[]> {
    const invs = await this.d.repos.invites.createMany(accountId, inputs.map((i) => ({ ...i, conferenceId })));
    const m = this.tracks(conferenceId);
    return invs.map((inv) => {
      const track = new InviteTrack(this, inv);
      m.set(inv.id, track);
      this.tell(inv);
      return track;
    });
  }

  get(conferenceId: string, inviteId: string): InviteTrack | undefined {
    return this.byConference.get(conferenceId)?.get(inviteId);
  }

  all(conferenceId: string): InviteTrack[] {
    return [...(this.byConference.get(conferenceId)?.values() ?? [])];
  }

  list(conferenceId: string): LiveInvite[] {
    return this.all(conferenceId).map((t) => liveInvite(t.invite));
  }

  /** Forgets a conference that ended (its rows stay). */
  forget(conferenceId: string): void {
    this.byConference.delete(conferenceId);
  }

  /** @internal (InviteTrack.move) */
  async apply(track: InviteTrack, to: InviteState, info: InviteChange): Promise<boolean> {
    const inv = track.invite;
    try {
      track.invite = await this.d.repos.invites.transition(inv.accountId, inv.id, to, info);
    } catch (err) {
      this.d.log.warn({ err, invite: inv.id, from: inv.state, to }, 'invite state not changed');
      return false;
    }
    this.tell(track.invite);
    return true;
  }

  private tracks(conferenceId: string): Map<string, InviteTrack> {
    let m = this.byConference.get(conferenceId);
    if (!m) { m = new Map(); this.byConference.set(conferenceId, m); }
    return m;
  }

  private tell(inv: Invite): void {
    if (!inv.conferenceId) return;
    this.d.emit({ type: 'invite', conferenceId: inv.conferenceId, accountId: inv.accountId, at: this.d.now().toISOString(), invite: liveInvite(inv) });
  }
}
