// An in-memory LiveHost for tests of the live seam's consumers (the web, the
// PostgreSQL bus): conferences are plain snapshots the test adds; commands
// are applied to them the way the IVR applies them (enough for the console),
// recorded in `commands`, and answered with events. `failNext` makes the next
// command throw the given error.
import { InvalidStateError } from '../../common/errors.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { LiveHost, LiveListener, Unsubscribe } from '../../core/live/live.ts';
import type { LiveActor, LiveCommand, LiveCommandResult, LiveEvent, LiveInvite, LiveParticipant, LiveSnapshot } from '../../core/live/messages.ts';

export function fakeParticipant(id: string, over: Partial<LiveParticipant> = {}): LiveParticipant {
  return {
    id, name: null, number: `1380000${id.padStart(4, '0').slice(-4)}`, role: 'guest', kind: 'caller', accessNumber: '4008001000', lang: 'zh-CN',
    joinedAt: new Date(0).toISOString(), joinOrder: 1, muted: false, mutedBy: null, talking: false, held: false, away: null,
    talkDb: 0, listenDb: 0, quality: null, ...over,
  };
}

export function fakeSnapshot(conferenceId: string, accountId: string, over: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return {
    conferenceId, accountId, roomId: null, roomNumber: '12345678', roomName: 'Test room', nodeId: 'node-1',
    startedAt: new Date(0).toISOString(), closesAt: new Date(3_600_000).toISOString(), locked: false, recording: false, allMuted: false,
    maxParticipants: 600, tierMaxParticipants: 600, endWhenLastChairLeaves: false, helpRequested: [], participants: [], ...over,
  };
}

export class FakeLiveHost implements LiveHost {
  readonly conferences = new Map<string, LiveSnapshot>();
  readonly commands: Array<{ accountId: string; conferenceId: string; command: LiveCommand; actor: LiveActor }> = [];
  private readonly listeners = new Set<LiveListener>();
  private failure: Error | null = null;

  constructor(readonly nodeId = 'node-1') {}

  add(s: LiveSnapshot): LiveSnapshot { this.conferences.set(s.conferenceId, s); return s; }

  /** Emits an event to every subscriber (as the IVR would). */
  emit(e: LiveEvent): void { for (const l of [...this.listeners]) l(e); }

  failNext(err: Error): void { this.failure = err; }
  private inviteSeq = 0;

  snapshot(accountId: string, conferenceId: string): LiveSnapshot | undefined {
    const s = this.conferences.get(conferenceId);
    return s && s.accountId === accountId ? structuredClone(s) : undefined;
  }

  list(accountId: string): Array<Omit<LiveSnapshot, 'participants'> & { participantCount: number }> {
    return [...this.conferences.values()].filter((s) => s.accountId === accountId)
      .map(({ participants, ...rest }) => ({ ...rest, participantCount: participants.length }));
  }

  /** Invites as a dialer would answer them: queued rows, cancel / redial by id, absent = every failed one. */
  private inviteCommand(s: LiveSnapshot, command: LiveCommand, base: { conferenceId: string; accountId: string; at: string }): LiveCommandResult {
    const invites = (s.invites ??= []);
    const byId = (id: string): LiveInvite => {
      const i = invites.find((x) => x.id === id);
      if (!i) throw new NotFoundError('invite', id);
      return i;
    };
    const set = (i: LiveInvite, state: LiveInvite['state']): LiveInvite => { i.state = state; i.updatedAt = base.at; this.emit({ type: 'invite', ...base, invite: { ...i } }); return { ...i }; };
    switch (command.type) {
      case 'invite': {
        const made = command.targets.map((t) => ({ id: `inv-${++this.inviteSeq}`, target: t.target, name: t.name ?? '', state: 'queued' as const, q850Cause: null, sipStatus: null, participantId: null, updatedAt: base.at }));
        invites.push(...made);
        for (const i of made) this.emit({ type: 'invite', ...base, invite: { ...i } });
        return { ok: true, invites: made.map((i) => ({ ...i })) };
      }
      case 'invite-cancel': {
        const i = byId(command.inviteId);
        if (!['queued', 'calling', 'ringing', 'answered'].includes(i.state)) throw new InvalidStateError(`invite is ${i.state}`);
        return { ok: true, invites: [set(i, 'cancelled')] };
      }
      case 'invite-redial': {
        const i = byId(command.inviteId);
        if (['queued', 'calling', 'ringing', 'answered', 'joined'].includes(i.state)) throw new InvalidStateError(`invite is ${i.state}`);
        return { ok: true, invites: [set(i, 'queued')] };
      }
      case 'invite-absent':
        return { ok: true, invites: invites.filter((i) => !['queued', 'calling', 'ringing', 'answered', 'joined'].includes(i.state)).map((i) => set(i, 'queued')) };
      default: throw new ValidationError(`unknown command ${command.type}`, 'type');
    }
  }

  subscribe(listener: LiveListener): Unsubscribe {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  async execute(accountId: string, conferenceId: string, command: LiveCommand, actor: LiveActor): Promise<LiveCommandResult> {
    const s = this.conferences.get(conferenceId);
    if (!s || s.accountId !== accountId) throw new NotFoundError('conference', conferenceId);
    if (this.failure) { const f = this.failure; this.failure = null; throw f; }
    this.commands.push({ accountId, conferenceId, command, actor });
    const at = new Date().toISOString();
    const base = { conferenceId, accountId, at };
    const participant = (id: string): LiveParticipant => {
      const p = s.participants.find((x) => x.id === id);
      if (!p) throw new NotFoundError('participant', id);
      return p;
    };
    const changed = (p: LiveParticipant): LiveCommandResult => { this.emit({ type: 'participant', ...base, participant: p, by: actor }); return { ok: true, participant: p }; };
    switch (command.type) {
      case 'mute': { const p = participant(command.participantId); p.muted = command.muted; p.mutedBy = command.muted ? 'web' : null; return changed(p); }
      case 'remove': {
        participant(command.participantId);
        s.participants = s.participants.filter((x) => x.id !== command.participantId);
        this.emit({ type: 'left', ...base, participantId: command.participantId, reason: 'kicked' });
        return { ok: true };
      }
      case 'role': { const p = participant(command.participantId); p.role = command.role; return changed(p); }
      case 'hold': { const p = participant(command.participantId); p.held = command.held; return changed(p); }
      case 'volume': {
        const p = participant(command.participantId);
        if (command.talkDb !== undefined) p.talkDb = command.talkDb;
        if (command.listenDb !== undefined) p.listenDb = command.listenDb;
        return changed(p);
      }
      case 'mute-all': s.allMuted = command.muted; this.emit({ type: 'all-muted', ...base, muted: command.muted, by: actor }); return { ok: true };
      case 'lock': s.locked = command.locked; this.emit({ type: 'locked', ...base, locked: command.locked, by: actor }); return { ok: true };
      case 'record': s.recording = command.on; this.emit({ type: 'recording', ...base, on: command.on, by: actor }); return { ok: true };
      case 'extend': {
        s.closesAt = new Date(Date.parse(s.closesAt) + command.minutes * 60_000).toISOString();
        this.emit({ type: 'extended', ...base, minutes: command.minutes, closesAt: s.closesAt, by: actor });
        return { ok: true, closesAt: s.closesAt };
      }
      case 'limit': {
        if (s.tierMaxParticipants !== null && command.max > s.tierMaxParticipants) throw new ValidationError(`the tier allows at most ${s.tierMaxParticipants}`, 'max');
        s.maxParticipants = command.max;
        this.emit({ type: 'limit', ...base, max: command.max, by: actor });
        return { ok: true, max: command.max };
      }
      case 'end': {
        if (!this.conferences.delete(conferenceId)) throw new InvalidStateError('already ended');
        this.emit({ type: 'ended', ...base, reason: 'web' });
        return { ok: true };
      }
      default: return this.inviteCommand(s, command, base);
    }
  }
}
