// baresip softphones for the IVR wire tests: each sends its own tone (or a
// WAV), dials the bridge, types digits (RFC 4733), and records what it hears.
// Times of establishment and close are taken here, for audio windows and for
// checking CDR durations.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Baresip } from './baresip.ts';
import { goertzelPower, readSamples, slice, steadyToneDb } from './audio-check.ts';

export interface PhoneOptions {
  work: string;
  name: string;
  /** Sine frequency the phone sends (Hz). */
  toneHz: number;
  sipPort: number;
  /** First of 10 RTP ports. */
  rtpBase: number;
  lifetimeS?: number;
}

export class Phone {
  establishedAt = 0;
  closedAt = 0;

  private constructor(readonly name: string, readonly toneHz: number, readonly sip: Baresip) {}

  static async start(o: PhoneOptions): Promise<Phone> {
    const tone = join(o.work, `${o.name}-tone.wav`);
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', tone, 'synth', String((o.lifetimeS ?? 90) + 10), 'sine', String(o.toneHz), 'vol', '0.25'], { timeout: 10_000 });
    const sip = await Baresip.start({
      dir: join(o.work, o.name), user: o.name, sipPort: o.sipPort, ctrlPort: o.sipPort + 2,
      rtpPorts: `${o.rtpBase}-${o.rtpBase + 9}`, source: tone, lifetimeS: o.lifetimeS ?? 90,
    });
    return new Phone(o.name, o.toneHz, sip);
  }

  /** Dials and waits for the answer. */
  async dial(uri: string): Promise<void> {
    const r = await this.sip.ctrl.command('dial', uri);
    if (!r.ok) throw new Error(`${this.name}: dial refused`);
    await this.sip.ctrl.waitEvent('CALL_ESTABLISHED', 15_000);
    this.establishedAt = Date.now();
  }

  /** Types keys one at a time (RFC 4733). */
  async keys(digits: string, gapMs = 250): Promise<void> {
    await this.sip.ctrl.dtmf(digits, gapMs);
  }

  async hangup(): Promise<void> {
    await this.sip.ctrl.command('hangup');
    await this.closed();
  }

  /** Waits for the call to end (either side). */
  async closed(timeoutMs = 15_000): Promise<void> {
    if (this.closedAt) return;
    await this.sip.ctrl.waitEvent('CALL_CLOSED', timeoutMs);
    this.closedAt = Date.now();
  }

  /** What the phone heard in [from, to] (epoch ms), from its decoded recording. */
  heard(from: number, to: number): Int16Array {
    const rec = this.sip.decodedRecordings();
    if (rec.length === 0) throw new Error(`${this.name}: no recording`);
    const x = readSamples(rec[rec.length - 1]!);
    return slice(x, from - this.establishedAt, to - this.establishedAt);
  }

  /** Power (dB) of a frequency in what the phone heard in [from, to]. */
  levelOf(hz: number, from: number, to: number): number {
    const x = this.heard(from, to);
    if (x.length < 4000) throw new Error(`${this.name}: only ${x.length / 8} ms heard in the window`);
    return 10 * Math.log10(Math.max(goertzelPower(x, hz), 1e-12));
  }

  /** Level (dB) of a frequency in [from, to], robust to the phase jumps of dropped frames (steadyToneDb). */
  steadyLevelOf(hz: number, from: number, to: number): number {
    const x = this.heard(from, to);
    if (x.length < 4000) throw new Error(`${this.name}: only ${x.length / 8} ms heard in the window`);
    return steadyToneDb(x, hz);
  }

  quit(): Promise<unknown> { return this.sip.quit(); }
}

/** Lets the audio flow for `ms` and returns the window [start + 300, end − 200]. */
export async function listen(ms: number): Promise<[number, number]> {
  const start = Date.now();
  await new Promise((r) => setTimeout(r, ms)); // audio flows for a while; not a synchronisation
  return [start + 300, Date.now() - 200];
}
