// The bulk of the live bench's conference: sipp callers (one process, cheap)
// through the whole IVR — SIP URI dial-in `sip:ROOM@bridge`, then a bare #
// as an RFC 4733 event about 1 s in (the room's empty guest PIN), then
// silence for the rest of the call (test/wire/scenarios/uac-pcap.xml playing
// one generated pcap; sipp sends the BYE after `holdMs`).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** First of sipp's media ports (one per call, 4 apart: [auto_media_port]). */
  mediaPort: number;
}

export function startIvrCallers(o: IvrCallersOptions): SippRun {
  const dir = mkdtempSync(join(tmpdir(), 'live-sipp-'));
  const pcap = join(dir, 'guest.pcap');
  makePcap(pcap, ['silence:1', 'dtmf:#:100:100', `silence:${Math.ceil(o.holdMs / 1000)}`]);
  const rampS = o.calls / o.cps;
  return startSipp({
    scenario: 'uac-pcap.xml', remote: `127.0.0.1:${o.bridgeSipPort}`, localPort: o.sippPort, mediaPort: o.mediaPort,
    service: o.room, calls: o.calls, rate: o.cps, limit: o.calls, durationMs: o.holdMs, keys: { pcap },
    timeoutS: Math.ceil(rampS + o.holdMs / 1000 + 60), recvTimeoutMs: 30_000, dir,
  });
}
