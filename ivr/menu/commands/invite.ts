// *6: invite by phone. "Enter the number, then #"; the bridge calls it; the
// inviter waits out of the mix and then talks privately with the callee;
// `**` brings the callee (and the inviter) into the room, `*8` cancels
// (hangs up the callee) and returns. Every way back to the room but `**`
// (a cancel, a busy or unanswered number) says "you are back". Each *6 is an
// invite row (source 'phone') whose states show in the console like the web's.
// Guests may use it only where the account and the room allow it
// (guestsMayInvite on both; issue 21);
// the number then passes the dial-out policy like every call the bridge places.
import { Q850 } from '../../../bridge/q850.ts';
import { inviteStateForCause } from '../../../core/invites/states.ts';
import { callOut, failurePrompt } from '../../call/call-out.ts';
import { awaitCode } from '../../call/key-sequence.ts';
import type { CommandContext, StarCommand } from './command.ts';

export const invite: StarCommand = {
  key: '6', name: 'invite', chairOnly: false,
  async run(c) {
    const { p, room, svc } = c;
    const cfg = svc.config;
    if (p.role !== 'chair' && !(await guestsMayInvite(c))) {
      svc.guard?.guestRefused({ ...room.legFacts, target: '' });
      await p.ctx.play(['invite-chair-only']);
      return;
    }
    await p.ctx.play(['enter-invite-number']);
    const entry = await p.ctx.keys.collect({ max: 24, terminator: '#', firstTimeoutMs: cfg.firstDigitTimeoutMs, interTimeoutMs: cfg.interDigitTimeoutMs });
    if (entry.digits === '' || p.ctx.ended) { await p.ctx.play(['returned']); return; }
    room.event('invite', p.id, { target: entry.digits, by: 'dtmf' });
    await room.stepOut(p, 'invite');
    let joined = false;
    try {
      joined = await inviteCall(c, entry.digits);
    } finally {
      await room.stepIn(p);
    }
    if (!p.ctx.ended && !joined) await p.ctx.play(['returned']);
  },
};

/**
 * Guests may invite where both the account (its dial-out policy) and the room
 * allow it, as both are now (the owner may change them during the meeting);
 * when they cannot be read, the room's option at the start and no.
 */
async function guestsMayInvite({ room, svc }: CommandContext): Promise<boolean> {
  try {
    const [r, policy] = await Promise.all([svc.repos.rooms.get(room.account.id, room.room.id), svc.repos.dialOut.policy(room.account.id)]);
    return r.options.guestsMayInvite && policy.guestsMayInvite;
  } catch {
    return false;
  }
}

/** Out of the mix: calls `target`, then talks with the callee until `**` (true: the callee joined) or `*8`. */
async function inviteCall({ p, room, svc }: CommandContext, target: string): Promise<boolean> {
  const keys = p.ctx.keys;
  await p.ctx.play(['calling']);
  const row = await svc.live.invites?.phone(room, target, p.id) ?? null;
  void row?.move('calling');
  const dial = new AbortController();
  const waitKeys = new AbortController();
  const calling = callOut(svc, {
    target, room: room.legFacts, role: 'invitee', signal: dial.signal,
    onProgress: (pr) => { if (pr === 'ringing') void row?.move('ringing'); },
  });
  const first = await Promise.race([
    calling.then((r) => ({ kind: 'call' as const, r })),
    awaitCode(keys, ['*8'], svc.config.menuTimeoutMs, waitKeys.signal).then((code) => ({ kind: 'code' as const, code })),
  ]);
  waitKeys.abort();
  if (first.kind === 'code') {
    dial.abort();
    const r = await calling;
    if (r.ok) await r.leg.hangup(Q850.NORMAL_CLEARING);
    void row?.move('cancelled', r.ok ? {} : { q850Cause: r.cause, sipStatus: r.sipStatus });
    await p.ctx.play(['invite-cancelled'], false);
    return false;
  }
  const r = first.r;
  if (!r.ok) {
    void row?.move(r.refused ? 'refused' : inviteStateForCause(r.cause), { q850Cause: r.cause, sipStatus: r.sipStatus });
    await p.ctx.play([failurePrompt(r.cause, r.refused)], false);
    return false;
  }
  const callee = r.leg;
  void row?.move('answered', { legId: r.cdrId });
  const priv = svc.engine.createConference(`invite-${p.id}`, { joinLeaveTones: false });
  const calleeGone = new AbortController();
  callee.on('hangup', () => calleeGone.abort());
  let code: string | undefined;
  try {
    await priv.join(p.ctx.leg);
    if (!callee.ended) await priv.join(callee);
    await p.ctx.play(['callee-answered']);
    code = await awaitCode(keys, ['**', '*8'], svc.config.menuTimeoutMs, calleeGone.signal);
  } finally {
    await priv.close();
  }
  if (code === '**' && !callee.ended) {
    const joined = await svc.joinCalled(room, callee, r.cdrId, p.ctx.lang);
    void row?.move(joined ? 'joined' : 'failed', joined ? { participantId: callee.id } : { q850Cause: Q850.CALL_REJECTED });
    return joined;
  }
  void row?.move(code === '*8' ? 'cancelled' : 'ended');
  await callee.hangup(Q850.NORMAL_CLEARING).catch(() => undefined);
  if (code === '*8') await p.ctx.play(['invite-cancelled'], false);
  return false;
}
