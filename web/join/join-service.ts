// Joining a meeting from a browser (issue 17): the PIN is checked here with
// core's PIN rules and attempt limits (per client address and per room,
// 429 past them), which gives the page a ticket (random, in memory, this
// process). With it the page sends its WebRTC offer: a join token
// (core/rooms/join-token.ts) is signed for the room and role and the gateway
// places the SIP call that the IVR puts straight into the room. The ticket
// then mutes the page's own participant (a self-mute the console shows) and
// reads the room's participants and who talks, for its own room only; the
// gateway's 'ended' (removed, meeting over) ends the ticket.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Repositories } from '../../core/repositories.ts';
import { checkRoomAdmission } from '../../core/rooms/admission.ts';
import { AttemptLimit } from '../../core/rooms/attempt-limit.ts';
import { JOIN_HEADER, type JoinTokenSigner } from '../../core/rooms/join-token.ts';
import { roleForPin, type PinRole } from '../../core/rooms/pins.ts';
import type { LiveParticipant } from '../../core/live/messages.ts';
import { HttpError } from '../errors.ts';
import type { LiveService } from '../live/service.ts';
import { gatewayStatusOf, type BrowserGateway } from './browser-gateway.ts';

/** Before the offer a ticket lasts this long; after the call ended, this long for the page to read why. */
const TICKET_TTL_MS = 10 * 60_000;
const ENDED_TTL_MS = 60_000;
const MAX_TICKETS = 10_000;
const TEN_MINUTES = 10 * 60_000;

export interface JoinTicket {
  ticket: string;
  joinId: string;
  accountId: string;
  roomId: string;
  roomNumber: string;
  role: PinRole;
  name: string;
  expiresAt: number;
  sessionId: string | null;
  /** Why the call ended (the gateway's reason), or null while it lasts. */
  ended: string | null;
}

export interface JoinState {
  state: 'ready' | 'joining' | 'joined' | 'ended';
  reason: string | null;
  /** This browser's participant, once in the room. */
  self: { id: string; muted: boolean; mutedBy: string | null } | null;
  participants: Array<{ id: string; name: string; talking: boolean; muted: boolean; browser: boolean; self: boolean }>;
}

export interface JoinDeps {
  repos: Pick<Repositories, 'rooms' | 'accounts' | 'users' | 'conferences'>;
  live: LiveService;
  gateway: BrowserGateway | undefined;
  tokens: JoinTokenSigner;
  now: () => Date;
}

/** 429 with Retry-After. */
export function tooManyAttempts(retryAfterMs: number, what: string): HttpError {
  const e = new HttpError(429, 'too_many_attempts', `too many ${what} attempts; try again in ${Math.ceil(retryAfterMs / 60_000)} min`);
  e.headers['Retry-After'] = String(Math.ceil(retryAfterMs / 1000));
  return e;
}

export function gatewayRequired(gateway: BrowserGateway | undefined): BrowserGateway {
  if (!gateway) throw new HttpError(503, 'webrtc_unavailable', 'joining from a browser is not available on this server');
  return gateway;
}

export class BrowserJoinService {
  private readonly tickets = new Map<string, JoinTicket>();
  private readonly bySession = new Map<string, JoinTicket>();
  /** Wrong PINs from one address (5 per 10 minutes) and on one room (from any address: 50 per 10 minutes). */
  private readonly byAddress = new AttemptLimit({ max: 5, windowMs: TEN_MINUTES });
  private readonly byRoom = new AttemptLimit({ max: 50, windowMs: TEN_MINUTES });

  constructor(private readonly deps: JoinDeps) {
    deps.gateway?.on('ended', (id, reason) => {
      const t = this.bySession.get(id);
      if (!t) return;
      t.ended = reason;
      t.expiresAt = this.nowMs() + ENDED_TTL_MS;
      this.bySession.delete(id);
    });
  }

  /** Checks the PIN; a ticket for this browser, or 403 (wrong room or PIN: the same answer), 429, 409 (not open now). */
  async checkPin(input: { room: string; pin: string; name: string }, address: string): Promise<{ ticket: string; role: PinRole; roomNumber: string; roomName: string }> {
    const now = this.nowMs();
    const keys = { address: `address:${address}`, room: `room:${input.room}` };
    const room = await this.deps.repos.rooms.findByNumber(input.room);
    const role = room ? roleForPin(input.pin, room) : null;
    if (!room || role === null) {
      const a = this.byAddress.take([keys.address], now);
      const r = this.byRoom.take([keys.room], now);
      if (!a.ok) throw tooManyAttempts(a.retryAfterMs, 'PIN');
      if (!r.ok) throw tooManyAttempts(r.retryAfterMs, 'PIN');
      throw new HttpError(403, 'wrong_pin', 'wrong room number or PIN');
    }
    // A right PIN after the limit is still refused until the wait is over (else the limit would only slow guessing).
    const refusedFor = this.refusedFor(keys, now);
    if (refusedFor > 0) throw tooManyAttempts(refusedFor, 'PIN');
    const admission = await checkRoomAdmission(this.deps.repos, input.room, this.deps.now());
    if (!admission.ok) throw new HttpError(409, admission.reason, ADMISSION_MESSAGES[admission.reason]);
    this.sweep(now);
    const t: JoinTicket = {
      ticket: randomBytes(24).toString('base64url'), joinId: randomUUID(), accountId: room.accountId, roomId: room.id, roomNumber: room.number,
      role, name: input.name.trim(), expiresAt: now + TICKET_TTL_MS, sessionId: null, ended: null,
    };
    this.tickets.set(t.ticket, t);
    return { ticket: t.ticket, role, roomNumber: room.number, roomName: room.name };
  }

  /** Answers the page's offer: the gateway calls the bridge with a join token; 404 for an unknown or used ticket. */
  async offer(ticket: string, offerSdp: string): Promise<{ joinId: string; answerSdp: string }> {
    const gateway = gatewayRequired(this.deps.gateway);
    const t = this.ticket(ticket);
    if (t.sessionId !== null || t.ended !== null) throw new HttpError(409, 'already_joined', 'this ticket has joined already; check the PIN again to join anew');
    t.sessionId = 'pending';
    const token = this.deps.tokens.sign({ room: t.roomNumber, role: t.role, kind: 'webrtc', name: t.name, jti: t.joinId }, this.nowMs());
    try {
      const s = await gateway.join({ offerSdp, to: t.roomNumber, headers: { [JOIN_HEADER]: token }, ...(t.name ? { fromName: t.name } : {}) });
      t.sessionId = s.id;
      t.expiresAt = Number.MAX_SAFE_INTEGER; // until the call ends
      this.bySession.set(s.id, t);
      return { joinId: t.joinId, answerSdp: s.answerSdp };
    } catch (err) {
      t.sessionId = null;
      const status = gatewayStatusOf(err);
      if (status === null) throw err;
      if (status === 400) throw new HttpError(400, 'bad_offer', (err as Error).message);
      throw new HttpError(status === 504 ? 504 : 409, 'join_refused', `the meeting refused the call (SIP ${status})`, { sipStatus: status });
    }
  }

  /** The page's mute button: a self-mute of its own participant (the console shows it). */
  async mute(ticket: string, muted: boolean): Promise<JoinState> {
    const t = this.ticket(ticket);
    const found = await this.findSelf(t);
    if (!found) throw new HttpError(409, 'not_joined', 'not in the meeting (yet)');
    const account = await this.deps.repos.accounts.get(t.accountId);
    await this.deps.live.command(account, found.conferenceId, { type: 'mute', participantId: found.self.id, muted }, { kind: 'participant', participantId: found.self.id });
    return this.state(ticket);
  }

  /** Where the page stands, and its room's participants (who talks, who is muted). */
  async state(ticket: string): Promise<JoinState> {
    const t = this.ticket(ticket);
    if (t.ended !== null) return { state: 'ended', reason: t.ended, self: null, participants: [] };
    if (t.sessionId === null || t.sessionId === 'pending') return { state: t.sessionId === null ? 'ready' : 'joining', reason: null, self: null, participants: [] };
    const found = await this.findSelf(t);
    if (!found) return { state: 'joining', reason: null, self: null, participants: [] };
    return {
      state: 'joined', reason: null, self: { id: found.self.id, muted: found.self.muted, mutedBy: found.self.mutedBy },
      participants: found.all.map((p) => ({ id: p.id, name: p.name ?? p.number, talking: p.talking, muted: p.muted, browser: p.kind === 'browser', self: p.id === found.self.id })),
    };
  }

  /** The page leaves: the gateway hangs up its call. */
  async leave(ticket: string): Promise<void> {
    const t = this.ticket(ticket);
    if (t.sessionId && t.sessionId !== 'pending') await gatewayRequired(this.deps.gateway).hangup(t.sessionId);
    t.ended ??= 'left';
  }

  private async findSelf(t: JoinTicket): Promise<{ conferenceId: string; self: LiveParticipant; all: LiveParticipant[] } | null> {
    const conf = await this.deps.repos.conferences.findLive(t.accountId, t.roomId);
    if (!conf) return null;
    const { snapshot } = await this.deps.live.detail(t.accountId, conf.id);
    const self = snapshot.participants.find((p) => p.joinId === t.joinId);
    return self ? { conferenceId: conf.id, self, all: snapshot.participants } : null;
  }

  private ticket(ticket: string): JoinTicket {
    const t = this.tickets.get(ticket);
    if (!t || t.expiresAt <= this.nowMs()) throw new HttpError(404, 'no_ticket', 'this join has expired; enter the PIN again');
    return t;
  }

  private refusedFor(keys: { address: string; room: string }, now: number): number {
    const a = this.byAddress.peek(keys.address, now);
    const r = this.byRoom.peek(keys.room, now);
    return Math.max(a, r);
  }

  private sweep(now: number): void {
    for (const [k, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(k);
    while (this.tickets.size >= MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value!);
  }

  private nowMs(): number { return this.deps.now().getTime(); }
}

const ADMISSION_MESSAGES: Record<'no_such_room' | 'not_started' | 'ended' | 'service_unavailable', string> = {
  no_such_room: 'no such room',
  not_started: 'the meeting has not started yet',
  ended: 'the meeting has ended',
  service_unavailable: 'the service is not available for this room',
};
