// The outbound dialer under load: 1,000 web invites (two `invite` commands of
// 500) on a trunk limited to 50 calls/s and 200 concurrent, sipp as the
// carrier answering every INVITE 486 Busy (the quickest outcome that still
// walks queued → calling → busy). The real IVR bridge runs in-process; one
// baresip chair holds the room open. Reports the total time against the ideal
// 20 s, the peak INVITEs per second as the dialer saw them (its `calling`
// events in whole seconds) and as the carrier did (sipp's clock, any 1 s
// window), the process CPU and ms of CPU per invite, and the final states.
// Ports: SIP 19780, RTP 49800–49999, the chair 19790/19795, sipp 19785.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveEvent } from '../../core/live/messages.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { Phone } from '../support/ivr-phones.ts';
import { startSipp } from '../support/sipp.ts';
import { waitUntil } from '../support/ports.ts';

export interface DialerBench { invites: number; wallS: number; peakCps: number; carrierPeakCps: number; carrierInvites: number; cpuMs: number; cpuMsPerInvite: number; states: Record<string, number> }

/** When sipp received each INVITE (its clock, ms), from its -trace_logs file. */
function carrierInviteTimes(dir: string): number[] {
  const text = readdirSync(dir).filter((f) => f.endsWith('_logs.log')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  return [...text.matchAll(/^I (\d+) /gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

/** The most events in any window of `ms` (sliding, starting at each event). */
function maxInWindow(times: readonly number[], ms: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! <= times[i]! - ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

export async function benchDialer(total = 1000, cps = 50): Promise<DialerBench> {
  const work = mkdtempSync(join(tmpdir(), 'bench-dialer-'));
  const bridge = await IvrBridge.start({ sipPort: 19780, rtpMin: 49800, rtpMax: 49999, workers: 2, config: { callerId: '4008001000', inviteNoAnswerMs: 30_000 } });
  const finals = new Map<string, string>();
  const calling: number[] = [];
  bridge.ivr.live.subscribe((e: LiveEvent) => {
    if (e.type !== 'invite') return;
    if (e.invite.state === 'calling') calling.push(Date.now());
    finals.set(e.invite.id, e.invite.state);
  });
  const sippDir = mkdtempSync(join(work, 'sipp-'));
  const sipp = startSipp({ scenario: 'uas-busy-log.xml', localPort: 19785, calls: total, timeoutS: 300, recvTimeoutMs: 120_000, dir: sippDir, extraArgs: ['-trace_logs'] });
  const chair = await Phone.start({ work, name: 'chair', toneHz: 440, sipPort: 19790, rtpBase: 19795 });
  try {
    const trunk = (await bridge.repos.trunks.list()).find((t) => t.name === 'demo-carrier')!;
    await bridge.repos.trunks.update(trunk.id, { port: 19785, maxCallsPerSecond: cps, maxConcurrent: 200, dialPlanId: null });
    await bridge.repos.rooms.create(bridge.seed.accountId, { name: 'bench', number: '7013201', chairPin: '4321', guestPin: '8765' }, { now: new Date() });
    await chair.dial('sip:4008001000@127.0.0.1:19780');
    await chair.keys('7013201#4321#');
    await waitUntil(() => bridge.ivr.rooms.byNumber('7013201')?.list().length === 1, 20_000, 'the chair in the room');
    const conferenceId = bridge.ivr.rooms.byNumber('7013201')!.conferenceId;
    const web = { kind: 'web', userId: 'bench', name: 'Bench' } as const;
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    for (let batch = 0; batch < total / 500; batch++) {
      const targets = Array.from({ length: 500 }, (_, i) => ({ target: `139${String(batch * 500 + i).padStart(8, '0')}` }));
      await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'invite', targets }, web);
    }
    const done = () => [...finals.values()].filter((s) => !['queued', 'calling', 'ringing'].includes(s)).length >= total;
    await waitUntil(done, 120_000, 'every invite final');
    const wallS = (Date.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const perSecond = new Map<number, number>();
    for (const t of calling) perSecond.set(Math.floor((t - t0) / 1000), (perSecond.get(Math.floor((t - t0) / 1000)) ?? 0) + 1);
    const states: Record<string, number> = {};
    for (const s of finals.values()) states[s] = (states[s] ?? 0) + 1;
    const cpuMs = (cpu.user + cpu.system) / 1000;
    await Promise.race([sipp.done, new Promise((r) => setTimeout(r, 5000))]); // sipp ends after its last call's ACK
    const carrier = carrierInviteTimes(sippDir);
    return { invites: total, wallS, peakCps: Math.max(...perSecond.values()), carrierPeakCps: maxInWindow(carrier, 1000), carrierInvites: carrier.length, cpuMs, cpuMsPerInvite: cpuMs / total, states };
  } finally {
    await chair.quit().catch(() => undefined);
    await sipp.stop(2000).catch(() => undefined);
    await bridge.close();
    rmSync(work, { recursive: true, force: true });
  }
}
