// *6: invite by phone. "Enter the number, then #"; the bridge calls it; the
// inviter waits out of the mix and then talks privately with the callee;
// `**` brings the callee (and the inviter) into the room, `*8` cancels
// (hangs up the callee) and returns.
import { Q850 } from '../../../bridge/q850.ts';
import { callOut, failurePrompt } from '../../call/call-out.ts';
import { awaitCode } from '../../call/key-sequence.ts';
import type { StarCommand } from './command.ts';

export const invite: StarCommand = {
  key: '6', name: 'invite', chairOnly: false,
  async run({ p, room, svc }) {
    const keys = p.ctx.keys;
    const cfg = svc.config;
    await p.ctx.play(['enter-invite-number']);
    const entry = await keys.collect({ max: 24, terminator: '#', firstTimeoutMs: cfg.firstDigitTimeoutMs, interTimeoutMs: cfg.interDigitTimeoutMs });
    if (entry.digits === '' || p.ctx.ended) { await p.ctx.play(['returned']); return; }
    room.event('invite', p.id, { target: entry.digits, by: 'dtmf' });
    await room.stepOut(p, 'invite');
    let joined = false;
    try {
      await p.ctx.play(['calling']);
      const dial = new AbortController();
      const waitKeys = new AbortController();
      const calling = callOut(svc, { target: entry.digits, room: room.legFacts, role: 'invitee', signal: dial.signal });
      const first = await Promise.race([
        calling.then((r) => ({ kind: 'call' as const, r })),
        awaitCode(keys, ['*8'], cfg.menuTimeoutMs, waitKeys.signal).then((code) => ({ kind: 'code' as const, code })),
      ]);
      waitKeys.abort();
      if (first.kind === 'code') {
        dial.abort();
        const r = await calling;
        if (r.ok) await r.leg.hangup(Q850.NORMAL_CLEARING);
        await p.ctx.play(['invite-cancelled'], false);
        return;
      }
      const r = first.r;
      if (!r.ok) { await p.ctx.play([failurePrompt(r.cause)], false); return; }
      const callee = r.leg;
      const priv = svc.engine.createConference(`invite-${p.id}`, { joinLeaveTones: false });
      const calleeGone = new AbortController();
      callee.on('hangup', () => calleeGone.abort());
      let code: string | undefined;
      try {
        await priv.join(p.ctx.leg);
        if (!callee.ended) await priv.join(callee);
        await p.ctx.play(['callee-answered']);
        code = await awaitCode(keys, ['**', '*8'], cfg.menuTimeoutMs, calleeGone.signal);
      } finally {
        await priv.close();
      }
      if (code === '**' && !callee.ended) {
        joined = await svc.joinCalled(room, callee, r.cdrId, p.ctx.lang);
      } else {
        await callee.hangup(Q850.NORMAL_CLEARING).catch(() => undefined);
        if (code === '*8') await p.ctx.play(['invite-cancelled'], false);
      }
    } finally {
      await room.stepIn(p);
    }
    if (!p.ctx.ended && !joined) await p.ctx.play(['returned']);
  },
};
