// A live room's listen-in legs (issue 17): each hears the mix (in it muted,
// so never heard), is not a participant (not counted, listed, announced or
// toned, keeps no room open), and is hung up when the room closes. One leg
// may carry several browsers of one link: the WebRTC gateway counts those.
import type { Conference, ConferenceMember } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import type { Logger } from '../../common/log.ts';
import type { CallContext } from '../call/call-context.ts';

interface ListenLeg {
  ctx: CallContext;
  key: string;
  member: ConferenceMember | null;
}

export class RoomListeners {
  private readonly legs = new Map<string, ListenLeg>();

  constructor(private readonly conference: Conference, private readonly log: Logger) {}

  /** The link keys of the legs in the mix now. */
  keys(): string[] { return [...this.legs.values()].map((l) => l.key); }

  async add(ctx: CallContext, key: string): Promise<void> {
    const leg = ctx.leg;
    const entry: ListenLeg = { ctx, key, member: null };
    this.legs.set(leg.id, entry);
    leg.on('hangup', () => { void this.remove(leg.id); });
    try {
      if (leg.ended) throw new Error('hung up before listening');
      entry.member = await this.conference.join(leg, { muted: true, hold: null, talkDb: 0, listenDb: 0 });
      ctx.markJoined();
    } catch (err) {
      this.legs.delete(leg.id);
      throw err;
    }
    this.log.info({ leg: leg.id, key }, 'listen-in leg joined');
  }

  /** Hangs up every listen-in leg (the room closes). */
  async hangUpAll(): Promise<void> {
    const all = [...this.legs.values()];
    this.legs.clear();
    await Promise.allSettled(all.map((l) => l.ctx.leg.hangup(Q850.NORMAL_CLEARING)));
  }

  private async remove(legId: string): Promise<void> {
    const l = this.legs.get(legId);
    if (!l) return;
    this.legs.delete(legId);
    if (l.member && !l.ctx.leg.ended) await l.member.leave().catch((err: unknown) => this.log.warn({ err }, 'listen-in leg leaving the mix failed'));
    this.log.info({ leg: legId, key: l.key }, 'listen-in leg left');
  }
}
