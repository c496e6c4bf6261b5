// Multi-party call (SPEC §4): the convener types a number and #; the bridge
// calls it and the party joins the room on answer. The convener stays in
// the room meanwhile and hears how it went.
import { callOut, failurePrompt } from '../call/call-out.ts';
import type { LiveRoom } from '../room/live-room.ts';
import type { Participant } from '../room/participant.ts';
import type { IvrServices } from '../services/ivr-services.ts';

export async function dialParty(svc: IvrServices, room: LiveRoom, p: Participant, firstDigit: string): Promise<void> {
  const cfg = svc.config;
  const entry = await p.ctx.keys.collect({ max: 23, terminator: '#', firstTimeoutMs: cfg.interDigitTimeoutMs, interTimeoutMs: cfg.interDigitTimeoutMs });
  if (p.ctx.ended) return;
  if (!entry.terminated) { await p.ctx.play(['try-again']); return; }
  const number = firstDigit + entry.digits;
  if (room.size >= room.maxParticipants) { await p.ctx.play(['meeting-full']); return; }
  room.event('invite', p.id, { target: number, by: 'multi_party' });
  await p.ctx.play(['calling']);
  const r = await callOut(svc, { target: number, room: room.legFacts, role: 'party' });
  if (!r.ok) { await p.ctx.play([failurePrompt(r.cause, r.refused)]); return; }
  const joined = await svc.joinCalled(room, r.leg, r.cdrId, p.ctx.lang);
  if (joined) await p.ctx.play(['party-joined']);
}
