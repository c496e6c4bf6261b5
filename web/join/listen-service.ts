// Listen-in links (issue 17): the owner makes, lists and revokes a room's
// links (password, expiry, most listeners); a listener's page sends the
// password with a receive-only WebRTC offer and hears the live mix through the
// gateway — all listeners of one link share one SIP leg, which the IVR puts in
// the mix muted and unannounced. Wrong passwords count per link and per client
// address (5 per 10 minutes each, then 429); wrong, expired and revoked links
// are refused with their own message; a full link is refused too.
import type { Repositories } from '../../core/repositories.ts';
import { AttemptLimit } from '../../core/rooms/attempt-limit.ts';
import { JOIN_HEADER, type JoinTokenSigner } from '../../core/rooms/join-token.ts';
import type { ListenLink } from '../../core/listen-links/store.ts';
import { HttpError } from '../errors.ts';
import { gatewayStatusOf, type BrowserGateway } from './browser-gateway.ts';
import { gatewayRequired, tooManyAttempts } from './join-service.ts';

const TEN_MINUTES = 10 * 60_000;

export interface ListenLinkView {
  id: string;
  roomId: string;
  expiresAt: string;
  maxListeners: number;
  createdAt: string;
  revokedAt: string | null;
  /** Browsers listening through it now. */
  listeners: number;
  /** The public page's path. */
  path: string;
}

export interface ListenDeps {
  repos: Pick<Repositories, 'listenLinks' | 'rooms'>;
  gateway: BrowserGateway | undefined;
  tokens: JoinTokenSigner;
  now: () => Date;
}

const REFUSALS = {
  wrong_password: { status: 403, message: 'wrong password' },
  expired: { status: 410, message: 'this listen-in link has expired' },
  revoked: { status: 410, message: 'this listen-in link was revoked' },
} as const;

export class ListenService {
  private readonly perLink = new AttemptLimit({ max: 5, windowMs: TEN_MINUTES });
  private readonly perAddress = new AttemptLimit({ max: 5, windowMs: TEN_MINUTES });

  constructor(private readonly deps: ListenDeps) {}

  async create(accountId: string, roomId: string, input: { password: string; validMinutes: number; maxListeners: number }, userId: string | null): Promise<ListenLinkView> {
    await this.deps.repos.rooms.get(accountId, roomId); // another account's room: 404
    const now = this.deps.now();
    const link = await this.deps.repos.listenLinks.create({
      accountId, roomId, password: input.password, expiresAt: new Date(now.getTime() + input.validMinutes * 60_000),
      maxListeners: input.maxListeners, createdBy: userId, now,
    });
    return this.view(link);
  }

  async list(accountId: string, roomId: string): Promise<ListenLinkView[]> {
    await this.deps.repos.rooms.get(accountId, roomId);
    return (await this.deps.repos.listenLinks.list(accountId, roomId)).map((l) => this.view(l));
  }

  async revoke(accountId: string, roomId: string, id: string): Promise<ListenLinkView> {
    return this.view(await this.deps.repos.listenLinks.revoke(accountId, roomId, id, this.deps.now()));
  }

  /** Browsers listening now through the room's open links (the console's count). */
  async listenersOf(accountId: string, roomId: string): Promise<number> {
    const links = await this.deps.repos.listenLinks.list(accountId, roomId);
    return links.reduce((n, l) => n + (this.deps.gateway?.listeners(l.id) ?? 0), 0);
  }

  /** A listener's page: the password checked, then the gateway's answer to the receive-only offer. */
  async listen(linkId: string, password: string, offerSdp: string, address: string): Promise<{ sessionId: string; answerSdp: string }> {
    const gateway = gatewayRequired(this.deps.gateway);
    const now = this.deps.now();
    const keys = { link: `link:${linkId}`, address: `address:${address}` };
    const wait = Math.max(this.perLink.peek(keys.link, now.getTime()), this.perAddress.peek(keys.address, now.getTime()));
    if (wait > 0) throw tooManyAttempts(wait, 'password');
    const checked = await this.deps.repos.listenLinks.check(linkId, password, now);
    if (!checked.ok) {
      this.perLink.take([keys.link], now.getTime());
      this.perAddress.take([keys.address], now.getTime());
      const r = REFUSALS[checked.reason];
      throw new HttpError(r.status, checked.reason, r.message);
    }
    const link = checked.link;
    if (gateway.listeners(link.id) >= link.maxListeners) throw new HttpError(409, 'full', `at most ${link.maxListeners} listeners at once; try again later`);
    const room = await this.deps.repos.rooms.get(link.accountId, link.roomId);
    const token = this.deps.tokens.sign({ room: room.number, role: 'guest', kind: 'listen', name: '', jti: link.id }, now.getTime());
    try {
      const s = await gateway.join({ offerSdp, to: room.number, headers: { [JOIN_HEADER]: token }, listenKey: link.id });
      return { sessionId: s.id, answerSdp: s.answerSdp };
    } catch (err) {
      const status = gatewayStatusOf(err);
      if (status === null) throw err;
      if (status === 400) throw new HttpError(400, 'bad_offer', (err as Error).message);
      throw new HttpError(status === 504 ? 504 : 409, 'not_running', 'the meeting is not running now', { sipStatus: status });
    }
  }

  /** The listener's page stops. */
  async stop(sessionId: string): Promise<void> {
    await gatewayRequired(this.deps.gateway).hangup(sessionId);
  }

  private view(l: ListenLink): ListenLinkView {
    return {
      id: l.id, roomId: l.roomId, expiresAt: l.expiresAt.toISOString(), maxListeners: l.maxListeners, createdAt: l.createdAt.toISOString(),
      revokedAt: l.revokedAt?.toISOString() ?? null, listeners: this.deps.gateway?.listeners(l.id) ?? 0, path: `/listen/${l.id}`,
    };
  }
}
