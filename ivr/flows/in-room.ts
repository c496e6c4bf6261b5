// A participant in the room: waits for keys until the call ends. `*` opens
// the star menu; in a multi-party call the convener's digits dial a party.
import { starMenu } from '../menu/star-menu.ts';
import type { LiveRoom } from '../room/live-room.ts';
import type { Participant } from '../room/participant.ts';
import type { IvrServices } from '../services/ivr-services.ts';
import { dialParty } from './dial-party.ts';

const IDLE_MS = 3_600_000;

export async function inRoom(svc: IvrServices, room: LiveRoom, p: Participant): Promise<void> {
  const keys = p.ctx.keys;
  while (!p.ctx.ended && room.get(p.id) === p) {
    const k = await keys.next(IDLE_MS);
    if (k === undefined) continue;
    if (k === '*') await starMenu({ p, room, svc });
    else if (room.multiParty && p.kind === 'convener' && /^[0-9]$/.test(k)) await dialParty(svc, room, p, k);
  }
}
