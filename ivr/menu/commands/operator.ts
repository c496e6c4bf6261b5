// *0: operator assistance. The caller leaves the mix and talks privately with
// the operator (a configured SIP URI or number); the room shows "help
// requested". `*#` (or `*8`) ends assistance and returns to the room, as does
// a failed call ("busy", "no answer") — every way back says "you are back".
import { Q850 } from '../../../bridge/q850.ts';
import { callOut, failurePrompt } from '../../call/call-out.ts';
import { awaitCode } from '../../call/key-sequence.ts';
import type { CommandContext, StarCommand } from './command.ts';

const RETURN_CODES = ['*#', '*8'];

export const operator: StarCommand = {
  key: '0', name: 'operator', chairOnly: false,
  async run(c) {
    const { p, room, svc } = c;
    if (!svc.config.operatorTarget) { await p.ctx.play(['call-failed']); return; }
    await room.stepOut(p, 'operator');
    try {
      await assistance(c, svc.config.operatorTarget);
    } finally {
      await room.stepIn(p);
    }
    if (!p.ctx.ended) await p.ctx.play(['returned']);
  },
};

/** Out of the mix: calls the operator and talks with them until `*#`, `*8` or their hang-up. */
async function assistance({ p, room, svc }: CommandContext, target: string): Promise<void> {
  const keys = p.ctx.keys;
  await p.ctx.play(['operator-connecting'], false);
  const dial = new AbortController();
  const waitKeys = new AbortController();
  const calling = callOut(svc, { target, room: room.legFacts, role: 'operator', signal: dial.signal });
  const first = await Promise.race([
    calling.then((r) => ({ kind: 'call' as const, r })),
    awaitCode(keys, RETURN_CODES, svc.config.menuTimeoutMs, waitKeys.signal).then((code) => ({ kind: 'code' as const, code })),
  ]);
  waitKeys.abort();
  if (first.kind === 'code') {
    // Given up while it rang.
    dial.abort();
    const r = await calling;
    if (r.ok) await r.leg.hangup(Q850.NORMAL_CLEARING);
    return;
  }
  const r = first.r;
  if (!r.ok) { await p.ctx.play([failurePrompt(r.cause, r.refused)], false); return; }
  p.ctx.log.info({ operator: r.leg.callId }, 'talking with the operator');
  const priv = svc.engine.createConference(`operator-${p.id}`, { joinLeaveTones: false });
  const operatorGone = new AbortController();
  r.leg.on('hangup', () => operatorGone.abort());
  try {
    await priv.join(p.ctx.leg);
    if (!r.leg.ended) await priv.join(r.leg);
    await awaitCode(keys, RETURN_CODES, svc.config.menuTimeoutMs, operatorGone.signal);
  } finally {
    await r.leg.hangup(Q850.NORMAL_CLEARING).catch(() => undefined);
    await priv.close();
  }
}
