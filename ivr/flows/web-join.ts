// A browser's call (issue 17): the WebRTC gateway places one SIP call per
// browser (or per listen-in link) to the bridge with the web's join token in
// X-Bridge-Join. A good token takes the leg straight into the room with the
// token's role — no welcome, room number or PIN (the web checked the PIN) —
// and the room's own rules still apply (locked, full, wait for chair, the
// account's service). A listen-in leg hears the mix, muted, unannounced, not a
// participant. A bad token is refused before the answer (403).
import type { IncomingCall } from '../../bridge/port.ts';
import { JOIN_HEADER, JoinTokenError, type JoinClaims, type JoinTokenFailure } from '../../core/rooms/join-token.ts';
import type { CallContext } from '../call/call-context.ts';
import type { IvrServices } from '../services/ivr-services.ts';
import { admitRoomNumber, authorized } from './dial-in.ts';
import { enterRoom } from './enter-room.ts';
import { watchHost } from './relay.ts';
import { Q850 } from '../../bridge/q850.ts';

export type JoinCheck = { claims: JoinClaims } | { refused: JoinTokenFailure | 'no_verifier' | 'wrong_room' };

/** The call's join token checked; undefined when the call carries none (an ordinary call). */
export function checkJoinToken(svc: IvrServices, call: IncomingCall): JoinCheck | undefined {
  const token = call.header(JOIN_HEADER);
  if (token === undefined) return undefined;
  if (!svc.joinTokens) return { refused: 'no_verifier' };
  try {
    const claims = svc.joinTokens.verify(token, svc.now().getTime());
    // The token names the room the gateway dials: another number is a token replayed elsewhere.
    return claims.room === call.to ? { claims } : { refused: 'wrong_room' };
  } catch (err) {
    if (err instanceof JoinTokenError) return { refused: err.reason };
    throw err;
  }
}

export async function webJoin(svc: IvrServices, ctx: CallContext, cdrId: string, claims: JoinClaims): Promise<void> {
  ctx.log = ctx.log.child({ join: claims.jti, kind: claims.kind });
  if (claims.kind === 'listen') { await listenIn(svc, ctx, cdrId, claims); return; }
  const admission = await admitRoomNumber(svc, ctx, claims.room);
  if (!admission || ctx.ended) return;
  const { room, account } = admission;
  svc.records.update(cdrId, { accountId: account.id, roomId: room.id, roomNumber: room.number });
  ctx.log = ctx.log.child({ room: room.number });
  if (!(await authorized(ctx, admission))) return;
  ctx.log.info({ role: claims.role }, 'browser joins with a join token');
  if (claims.kind === 'relay') {
    // Another node checked this caller's PIN and relays it here, the room's host (flows/relay.ts);
    // should that node be lost, no BYE comes: its leg is hung up here.
    const unwatch = svc.cluster && claims.node ? watchHost(svc, svc.cluster, claims.node, () => {
      ctx.log.warn({ node: claims.node }, 'the node relaying this caller was lost; hanging up');
      void ctx.leg.hangup(Q850.TEMPORARY_FAILURE).catch(() => undefined);
    }) : undefined;
    try {
      await enterRoom(svc, { ctx, cdrId, admission, role: claims.role, kind: 'caller', relayed: true, rejoin: claims.rejoin === true, maxParticipants: room.maxParticipants, multiParty: false });
    } finally {
      unwatch?.();
    }
    return;
  }
  await enterRoom(svc, { ctx, cdrId, admission, role: claims.role, kind: 'browser', joinId: claims.jti, maxParticipants: room.maxParticipants, multiParty: false });
}

/** A listen-in leg: only into a meeting that is running; stays until the gateway or the room hangs it up. */
async function listenIn(svc: IvrServices, ctx: CallContext, cdrId: string, claims: JoinClaims): Promise<void> {
  const live = svc.rooms.byNumber(claims.room);
  if (!live || live.isClosed || live.isEnding) {
    ctx.log.info({ room: claims.room }, 'listen-in: the meeting is not running');
    await ctx.goodbye(['meeting-not-started', 'goodbye'], undefined, 'room_refused:not_started');
    return;
  }
  svc.records.update(cdrId, { accountId: live.account.id, roomId: live.room.id, roomNumber: live.number, conferenceId: live.conferenceId, role: 'listener' });
  const ended = new Promise<void>((resolve) => { ctx.leg.on('hangup', () => resolve()); });
  await live.listen(ctx, claims.jti);
  ctx.outcome = 'listening';
  if (!ctx.leg.ended) await ended;
}
