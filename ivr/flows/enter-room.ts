// After the PIN (or for the convener): the live room, locked / full checks,
// the name recording, the join, then the star-code loop until the call ends.
import { Q850 } from '../../bridge/q850.ts';
import type { CallContext } from '../call/call-context.ts';
import type { ParticipantKind, Role } from '../room/participant.ts';
import type { IvrServices } from '../services/ivr-services.ts';
import type { OpenAdmission } from '../steps/ask-room.ts';
import { recordName } from '../steps/record-name.ts';
import { inRoom } from './in-room.ts';
import { relayToHost, roomHost } from './relay.ts';

export interface EnterRoomRequest {
  ctx: CallContext;
  cdrId: string;
  admission: OpenAdmission;
  role: Role;
  kind: ParticipantKind;
  maxParticipants: number;
  multiParty: boolean;
  /** A browser's join id (kind 'browser'). */
  joinId?: string;
  /** Relayed here by another node, which checked the PIN (flows/relay.ts): joins here, never relayed on. */
  relayed?: boolean;
  /** Relayed again after the room's host was lost: the lock does not keep it out. */
  rejoin?: boolean;
  /** Played to the participant after the join's count (multi-party: "enter a number"). */
  afterJoin?: () => Promise<void>;
}

export async function enterRoom(svc: IvrServices, req: EnterRoomRequest): Promise<void> {
  const { ctx, admission } = req;
  const { room, account, window } = admission;
  // Several nodes: the room is mixed on one of them; a caller who landed on another is relayed there.
  let rejoining = false;
  for (let hops = 0; hops < 3 && !req.relayed && !ctx.ended; hops++) {
    const host = await roomHost(svc, account.id, room.id);
    if (host.kind === 'here') break;
    const end = await relayToHost(svc, { ctx, cdrId: req.cdrId, room, role: req.role, host, rejoin: rejoining });
    if (end === 'ended') return;
    rejoining = true; // the host was lost: back into the room (here, or on the node that took it over), without a new name
  }
  if (ctx.ended) return;
  if (req.relayed && (await roomHost(svc, account.id, room.id)).kind !== 'here') {
    // Relayed to a node that no longer hosts the room (it moved meanwhile): the relaying node asks again.
    await ctx.goodbye(['service-unavailable'], Q850.TEMPORARY_FAILURE, 'relay_misdirected');
    return;
  }
  const live = await svc.rooms.open({
    room, account, closesAt: window.closesAt, occurrenceStart: window.occurrence.start,
    maxParticipants: req.maxParticipants, multiParty: req.multiParty,
  });
  // One who was in the room already (its host node was lost) comes back in even if the room is locked.
  const refusal = live.reserve(req.role, { ignoreLock: rejoining || req.rejoin === true });
  if (refusal) {
    ctx.log.info({ refusal }, 'not admitted');
    await ctx.goodbye([refusal === 'locked' ? 'meeting-locked' : 'meeting-full', 'goodbye'], Q850.CALL_REJECTED, `refused:${refusal}`);
    return;
  }
  let name: string | null = null;
  try {
    const announce = req.role === 'chair' ? room.options.chairAnnounce : room.options.guestAnnounce;
    // A browser has no keypad to end a name recording: it is shown by its typed name instead.
    if (announce && req.kind !== 'browser' && !req.relayed && !rejoining) name = await recordName(ctx, svc.config.recordingsDir, svc.config.nameMaxMs);
  } catch (err) {
    live.release();
    throw err;
  }
  if (ctx.ended) { live.release(); return; }
  svc.records.update(req.cdrId, { conferenceId: live.conferenceId, role: req.kind === 'convener' ? 'convener' : req.role });
  ctx.log = ctx.log.child({ conferenceId: live.conferenceId });
  const p = await live.join({ ctx, cdrId: req.cdrId, role: req.role, kind: req.kind, name, joinId: req.joinId ?? null });
  ctx.outcome = 'joined';
  if (req.afterJoin) await req.afterJoin();
  await inRoom(svc, live, p);
}
