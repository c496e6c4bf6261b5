// The bulk of the live bench's conference: sipp callers (one process, cheap)
// through the whole IVR — SIP URI dial-in `sip:ROOM@bridge`, then a bare #
// as an RFC 4733 event about 1 s in (the room's empty guest PIN), then
// silence for the rest of the call (sipp-ivr-guest.xml: a short generated
// pcap, then a raw silence file streamed in a loop; sipp sends the BYE after `holdMs`).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makePcap } from '../../support/rtp-pcap.ts';
import { startSipp, type SippRun } from '../../support/sipp.ts';

export interface IvrCallersOptions {
  bridgeSipPort: number;
  room: string;
  calls: number;
  /** Calls started per second. */
  cps: number;
  /** Each call's time after its ACK, ms (the pcap's silence lasts as long). */
  holdMs: number;
  sippPort: number;
  /** sipp's media port (every call's RTP comes from it). */
  mediaPort: number;
}

export interface IvrCallers extends SippRun {
  /** Calls sipp gave up so far (its error log): hung up by the bridge (an unexpected BYE: the IVR ended the call), or otherwise. */
  aborted(): { byBridge: number; other: number };
}

export function startIvrCallers(o: IvrCallersOptions): IvrCallers {
  const dir = mkdtempSync(join(tmpdir(), 'live-sipp-'));
  const pcap = join(dir, 'guest.pcap');
  makePcap(pcap, ['silence:1', 'dtmf:#:100:100']);
  const silence = join(dir, 'silence.ulaw');
  writeFileSync(silence, Buffer.alloc(8000 * 2, 0xff)); // 2 s of PCMU silence
  const rampS = o.calls / o.cps;
  const run = startSipp({
    scenario: resolve(import.meta.dirname, 'sipp-ivr-guest.xml'), remote: `127.0.0.1:${o.bridgeSipPort}`, localPort: o.sippPort, mediaPort: o.mediaPort,
    service: o.room, calls: o.calls, rate: o.cps, limit: o.calls, durationMs: o.holdMs, keys: { pcap, rtp_file: `${silence},-1,0` },
    timeoutS: Math.ceil(rampS + o.holdMs / 1000 + 60), recvTimeoutMs: 30_000, dir,
  });
  // Stopped, it leaves nothing behind (its logs, the pcap and the silence file are in `dir`).
  return {
    pid: run.pid, done: run.done,
    stop: async (graceMs) => { try { return await run.stop(graceMs); } finally { rmSync(dir, { recursive: true, force: true }); } },
    aborted: () => countAborted(dir),
  };
}

function countAborted(dir: string): { byBridge: number; other: number } {
  let text = '';
  try {
    for (const f of readdirSync(dir)) if (f.endsWith('_errors.log')) text += readFileSync(join(dir, f), 'utf8');
  } catch { /* not written yet */ }
  const aborts = text.match(/Aborting call[^\n]*?for call/g) ?? [];
  const byBridge = aborts.filter((a) => a.includes('unexpected BYE')).length;
  return { byBridge, other: aborts.length - byBridge };
}
