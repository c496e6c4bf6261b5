// sipp callers for the IVR wire tests: one call from a generated pcap
// (RFC 4733 digits, tones, silence), timed from the test's side so the CDR's
// duration can be checked against what the caller saw.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSipp, type SippResult } from './sipp.ts';
import { makePcap } from './rtp-pcap.ts';
import type { CallSummary } from '../../ivr/flows/incoming-call.ts';
import type { IvrBridge } from './ivr-bridge.ts';

const work = mkdtempSync(join(tmpdir(), 'ivr-pcaps-'));
let pcapCounter = 0;

export interface SippCallOptions {
  bridge: IvrBridge;
  sipPort: number;
  /** Request-URI user: an access number or a room number. */
  to: string;
  segments: string[];
  localPort: number;
  mediaPort: number;
  /** sipp's source address (default 127.0.0.1). */
  localIp?: string;
  /** Default: the bridge hangs up (expect-bye). With durationMs: sipp sends BYE that long after the ACK. */
  scenario?: string;
  durationMs?: number;
  /** From user (scenarios ivr-uac-from*.xml). */
  caller?: string;
  recvTimeoutMs?: number;
}

export interface SippCall {
  result: SippResult;
  summary: CallSummary;
  /** From sipp's start to its exit, ms. */
  elapsedMs: number;
  /**
   * sipp's own measure of the call: call length minus the INVITE → 200 time
   * (its statistics file), i.e. from the answer to the end of the scenario.
   */
  sippAnsweredMs: number;
}

/** "HH:MM:SS:uuuuuu" (sipp's statistics) → ms. */
function sippTime(v: string | undefined): number {
  const m = /^(\d+):(\d+):(\d+):(\d+)$/.exec(v ?? '');
  if (!m) throw new Error(`not a sipp time: ${v}`);
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) / 1000;
}

function readStat(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const head = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  return Object.fromEntries(head.map((h, i) => [h, last[i] ?? '']));
}

export interface RunningSippCall {
  pid: number;
  done: Promise<SippCall>;
}

export function startSippCall(o: SippCallOptions): RunningSippCall {
  const pcap = join(work, `call-${++pcapCounter}.pcap`);
  makePcap(pcap, o.segments);
  const scenario = o.scenario ?? (o.caller ? 'ivr-uac-from-expect-bye.xml' : 'uac-pcap-expect-bye.xml');
  const started = Date.now();
  const dir = join(work, `sipp-${pcapCounter}`);
  mkdirSync(dir);
  const run = startSipp({
    dir, extraArgs: ['-trace_stat', '-stf', 'stat.csv', '-fd', '1'],
    scenario, remote: o.bridge.engine.sipAddress, localPort: o.localPort, localIp: o.localIp, mediaPort: o.mediaPort,
    service: o.to, calls: 1, durationMs: o.durationMs, keys: { pcap, ...(o.caller ? { caller: o.caller } : {}) },
    timeoutS: 90, recvTimeoutMs: o.recvTimeoutMs ?? 45_000,
  });
  const done = (async () => {
    const result = await run.done;
    const elapsedMs = Date.now() - started;
    const summary = await o.bridge.call((s) => s.callId.includes(`-${run.pid}@`), 20_000);
    const stat = readStat(join(dir, 'stat.csv'));
    const sippAnsweredMs = sippTime(stat['CallLength(C)']) - sippTime(stat['ResponseTime1(C)']);
    return { result, summary, elapsedMs, sippAnsweredMs };
  })();
  return { pid: run.pid, done };
}

export function sippCall(o: SippCallOptions): Promise<SippCall> {
  return startSippCall(o).done;
}

export interface SippUas {
  pid: number;
  /** sipp's result and its measure of the answered time (ACK → end of scenario, less the 500 ms after BYE). */
  done: Promise<{ result: SippResult; answeredMs: number }>;
  stop(): Promise<unknown>;
}

/**
 * A sipp stand-in that answers one call on `localPort`, sends a tone (or
 * `segments`: digits, silence, tones, as makePcap reads them), and waits for the BYE.
 */
export function startUas(o: { localPort: number; mediaPort: number; toneHz: number; seconds: number; segments?: string[] }): SippUas {
  const pcap = join(work, `uas-${++pcapCounter}.pcap`);
  makePcap(pcap, o.segments ?? [`tone:${o.toneHz}:${o.seconds}`]);
  const dir = join(work, `sipp-${pcapCounter}`);
  mkdirSync(dir);
  const run = startSipp({
    scenario: 'ivr-uas-pcap.xml', localPort: o.localPort, mediaPort: o.mediaPort, calls: 1, keys: { pcap },
    timeoutS: 120, recvTimeoutMs: 100_000, dir, extraArgs: ['-trace_stat', '-stf', 'stat.csv', '-fd', '1'],
  });
  const done = (async () => {
    const result = await run.done;
    let answeredMs = NaN;
    try {
      const stat = readStat(join(dir, 'stat.csv'));
      answeredMs = sippTime(stat['CallLength(C)']) - sippTime(stat['ResponseTime1(C)']) - 500;
    } catch { /* no call: stays NaN */ }
    return { result, answeredMs };
  })();
  return { pid: run.pid, done, stop: () => run.stop(1000) };
}
