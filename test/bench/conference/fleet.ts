// A fleet of TypeScript RTP callers for the capacity benchmark: each caller
// places a SIP call (our own user agent on its own port) into a conference
// of the bridge and then sends a 20 ms PCMU frame every 20 ms — a tone when
// it talks, silence otherwise — and measures what comes back: missing and
// late frames, and the delay of a probe's level steps through the mixer.
// For the live-console bench a call may also dial any Request-URI user (a
// room number, through the IVR), press keys as RFC 4733 events (PT 101), and
// report every frame it receives with its arrival time and the level of one
// frequency (Goertzel), so the effect of a web command on the audio can be timed.
import dgram from 'node:dgram';
import { moduleLogger } from '../../../common/log.ts';
import type { ClientInviteSession } from '../../../bridge/sip/dialog/client-invite-session.ts';
import { parseUri } from '../../../bridge/sip/grammar/uri.ts';
import { answerOffer, createOffer, readAnswer } from '../../../bridge/sip/sdp/offer-answer.ts';
import { SipTransport } from '../../../bridge/sip/transport/transport.ts';
import { SipUserAgent } from '../../../bridge/sip/user-agent.ts';
import { ULAW_TO_LINEAR, linearToUlaw } from '../../../bridge/rtp/g711.ts';
import { telephoneEventPackets, type TelephoneEventPacket } from '../../../bridge/rtp/telephone-event.ts';

const log = moduleLogger('bench-fleet');
const FRAME = 160;
/** A frame later than this behind its schedule counts as late (a phone's jitter buffer absorbs less). */
export const LATE_MS = 40;

function toneFrames(freq: number, dbfs: number, count: number): Uint8Array[] {
  const amp = 32767 * 10 ** (dbfs / 20);
  const frames: Uint8Array[] = [];
  let phase = 0;
  for (let f = 0; f < count; f++) {
    const out = new Uint8Array(FRAME);
    for (let i = 0; i < FRAME; i++) { out[i] = linearToUlaw(Math.round(amp * Math.sin(phase))); phase += (2 * Math.PI * freq) / 8000; }
    frames.push(out);
  }
  return frames;
}

const SILENCE = new Uint8Array(FRAME).fill(0xff);

function frameDbfs(payload: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) { const s = ULAW_TO_LINEAR[payload[i]!]!; sum += s * s; }
  const rms = Math.sqrt(sum / Math.max(1, payload.length));
  return 20 * Math.log10(Math.max(rms, 1) / 23170); // 0 dBFS = full-scale sine
}

/** Goertzel level of `freq` in one frame, dB relative to a full-scale sine at that frequency. */
export function toneDb(payload: Uint8Array, freq: number): number {
  const k = 2 * Math.cos((2 * Math.PI * freq) / 8000);
  let s1 = 0, s2 = 0;
  for (let i = 0; i < payload.length; i++) {
    const s0 = ULAW_TO_LINEAR[payload[i]!]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  const fullScale = ((32767 * payload.length) / 2) ** 2;
  return 10 * Math.log10(Math.max(power, 1e-3) / fullScale);
}

/** RFC 4733 payload type: the one createOffer writes for telephone-event. */
const TE_PT = 101;
/** Pause between two keys sent, in 20 ms ticks. */
const DIGIT_GAP_TICKS = 5;

/** A chatter's tone is on for the first half of each period (ticks), silent for the second: talking starts and stops. */
const CHATTER_PERIOD = 100;

/** silent, talker (a steady tone), probe (a tone with a burst 12 dB up every second), chatter (a tone 1 s on, 1 s off). */
export type Role = 'silent' | 'talker' | 'probe' | 'chatter';

/** What the live bench holds of one fleet caller. */
export interface FleetCaller {
  /** Presses `digits` as RFC 4733 events (100 ms each, 100 ms apart) in place of audio; resolves once sent. */
  sendDigits(digits: string): Promise<void>;
  /** Calls `listener` for every PCMU frame received, with its arrival (performance.now()) and the level of `freq`. */
  watchTone(freq: number, listener: (arrival: number, db: number) => void): () => void;
}

interface Receive {
  first?: { arrival: number; ts: number };
  minOffset: number;
  offsets: number[];
  received: number;
  lastArrival: number;
  lastLevel: number;
}

class Caller implements FleetCaller {
  session: ClientInviteSession | undefined;
  remote: { address: string; port: number } | undefined;
  private seq = Math.floor(Math.random() * 65535);
  private ts = Math.floor(Math.random() * 2 ** 31);
  private readonly packet = Buffer.alloc(12 + FRAME);
  rx: Receive = { minOffset: Infinity, offsets: [], received: 0, lastArrival: 0, lastLevel: -120 };
  measuring = false;
  /** Arrival times of level steps (probe bursts) seen by this caller. */
  readonly steps: number[] = [];
  private readonly keys: Array<{ digit: string; done?: () => void }> = [];
  private key: { packets: TelephoneEventPacket[]; startTick: number; done?: () => void } | undefined;
  private nextKeyTick = 0;
  private readonly eventPacket = Buffer.alloc(12 + 4);
  private readonly toneWatchers = new Set<{ freq: number; listener: (arrival: number, db: number) => void }>();

  constructor(readonly socket: dgram.Socket, readonly role: Role, readonly frames: Uint8Array[], private readonly watchSteps: boolean) {
    this.packet[0] = 0x80;
    this.packet.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, 8);
    socket.on('message', (msg) => this.onPacket(msg));
  }

  get port(): number { return this.socket.address().port; }

  sendDigits(digits: string): Promise<void> {
    if (digits === '') return Promise.resolve();
    return new Promise((resolve) => {
      for (let i = 0; i < digits.length; i++) this.keys.push({ digit: digits[i]!, ...(i === digits.length - 1 ? { done: resolve } : {}) });
    });
  }

  watchTone(freq: number, listener: (arrival: number, db: number) => void): () => void {
    const w = { freq, listener };
    this.toneWatchers.add(w);
    return () => { this.toneWatchers.delete(w); };
  }

  send(frameIndex: number, burst: boolean): void {
    if (!this.remote) return;
    if (this.sendKey(frameIndex)) return;
    this.sendAudio(frameIndex, burst);
  }

  /** A key being pressed takes the tick (RFC 4733 §2.5.1: the events replace the audio); true when it did. */
  private sendKey(tick: number): boolean {
    if (!this.key && this.keys.length > 0 && tick >= this.nextKeyTick) {
      const next = this.keys.shift()!;
      this.key = { packets: telephoneEventPackets(next.digit, { durationMs: 100, packetMs: 20, startTimestamp: this.ts }), startTick: tick, ...(next.done ? { done: next.done } : {}) };
    }
    const key = this.key;
    if (!key) return false;
    const elapsedMs = (tick - key.startTick) * 20;
    const p = this.eventPacket;
    p[0] = 0x80;
    this.packet.copy(p, 8, 8, 12); // the SSRC
    for (const e of key.packets) {
      if (e.offsetMs < elapsedMs || e.offsetMs >= elapsedMs + 20) continue;
      p[1] = (e.marker ? 0x80 : 0) | TE_PT;
      p.writeUInt16BE(this.seq, 2);
      p.writeUInt32BE(e.timestamp >>> 0, 4);
      p.set(e.payload, 12);
      this.socket.send(p, this.remote!.port, this.remote!.address);
      this.seq = (this.seq + 1) & 0xffff;
    }
    this.ts = (this.ts + FRAME) >>> 0;
    if (elapsedMs >= key.packets.at(-1)!.offsetMs) {
      this.key = undefined;
      this.nextKeyTick = tick + DIGIT_GAP_TICKS;
      key.done?.();
    }
    return true;
  }

  private sendAudio(frameIndex: number, burst: boolean): void {
    const p = this.packet;
    p[1] = 0; // PT 0 (PCMU)
    p.writeUInt16BE(this.seq, 2);
    p.writeUInt32BE(this.ts >>> 0, 4);
    const quiet = this.role === 'silent' || (this.role === 'chatter' && frameIndex % CHATTER_PERIOD >= CHATTER_PERIOD / 2);
    const payload = quiet ? SILENCE : this.frames[(burst ? this.frames.length / 2 : 0) + (frameIndex % (this.frames.length / 2))]!;
    p.set(payload, 12);
    this.socket.send(p, this.remote!.port, this.remote!.address);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + FRAME) >>> 0;
  }

  private onPacket(msg: Buffer): void {
    if (this.toneWatchers.size > 0 && msg.length >= 12 + FRAME && (msg[1]! & 0x7f) === 0) {
      const arrival = performance.now();
      for (const w of this.toneWatchers) w.listener(arrival, toneDb(msg.subarray(12, 12 + FRAME), w.freq));
    }
    if (!this.measuring || msg.length < 12 + FRAME) return;
    const now = performance.now();
    const ts = msg.readUInt32BE(4);
    const rx = this.rx;
    if (!rx.first) rx.first = { arrival: now, ts };
    const offset = now - (((ts - rx.first.ts) >>> 0) / 8);
    rx.offsets.push(offset);
    if (offset < rx.minOffset) rx.minOffset = offset;
    rx.received++;
    rx.lastArrival = now;
    if (this.watchSteps) {
      const level = frameDbfs(msg.subarray(12));
      if (level - rx.lastLevel > 8 && level > -14) this.steps.push(now);
      rx.lastLevel = level;
    }
  }

  resetMeasure(): void {
    this.rx = { minOffset: Infinity, offsets: [], received: 0, lastArrival: 0, lastLevel: -120 };
    this.steps.length = 0;
    this.measuring = true;
  }
}

export interface FleetResult {
  callers: number;
  expectedFrames: number;
  missingFrames: number;
  lateFrames: number;
  badPct: number;
  latencyP50Ms: number | undefined;
  latencyP99Ms: number | undefined;
  latencySamples: number;
}

export interface CallOptions {
  cps: number;
  /** The first this many callers (not the probe) record level steps. */
  watchSteps: number;
  /** Request-URI user to dial instead of `c-NAME` (a room number: the IVR's SIP URI dial-in). */
  uri?: string;
  /** From users, by the callers' order (default bench0, bench1 …). */
  from?: string[];
  /** Offer telephone-event (PT 101), so the callers can press keys. */
  dtmf?: boolean;
  /** The tone of every caller, or of each by order, instead of one frequency per caller from a table. */
  toneHz?: number | number[];
}

export class Fleet {
  private readonly transport: SipTransport;
  private readonly ua: SipUserAgent;
  private readonly callers: Caller[] = [];
  private timer: NodeJS.Timeout | undefined;
  private tick = 0;
  private origin = 0;
  /** Send times of probe bursts. */
  private readonly bursts: number[] = [];

  constructor(private readonly bridge: { host: string; port: number }, sipPort: number) {
    this.transport = new SipTransport({ host: '127.0.0.1', port: sipPort, transports: ['udp'], logger: log });
    this.ua = new SipUserAgent({ transport: this.transport, logger: log, host: '127.0.0.1', port: sipPort });
  }

  async start(): Promise<void> {
    await this.transport.listen();
    this.origin = performance.now();
    const run = () => {
      const due = this.origin + (this.tick + 1) * 20;
      this.timer = setTimeout(() => {
        this.tick++;
        // Probe: a 200 ms burst 12 dB up every second.
        const phase = this.tick % 50;
        const burst = phase < 10;
        if (phase === 0) this.bursts.push(performance.now());
        for (const c of this.callers) c.send(this.tick, c.role === 'probe' && burst);
        run();
      }, Math.max(0, due - performance.now()));
    };
    run();
  }

  /**
   * Places one call per role into conference `name` (Request-URI user `c-NAME`,
   * or `opts.uri` as it is) at `cps` calls per second; resolves once all are
   * answered, with the callers in the order of `roles`.
   */
  async call(name: string, roles: Role[], opts: CallOptions): Promise<FleetCaller[]> {
    const freqs = [440, 620, 770, 930, 1100, 1250, 1400, 1600];
    const started: Promise<void>[] = [];
    const placed: Caller[] = [];
    for (let i = 0; i < roles.length; i++) {
      const role = roles[i]!;
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
      socket.on('error', () => undefined);
      const base = role === 'probe' ? -20 : -30;
      const freq = (Array.isArray(opts.toneHz) ? opts.toneHz[i] : opts.toneHz) ?? freqs[i % freqs.length]!;
      const frames = role === 'silent' ? [SILENCE, SILENCE] : [...toneFrames(freq, base, 50), ...toneFrames(freq, base + 12, 50)];
      const caller = new Caller(socket, role, frames, i < opts.watchSteps && role !== 'probe');
      this.callers.push(caller);
      placed.push(caller);
      const local = { address: '127.0.0.1', port: caller.port, codecs: ['PCMU' as const], telephoneEvent: opts.dtmf ?? false, ptime: 20, sessionId: String(i), sessionVersion: 1 };
      const target = parseUri(`sip:${opts.uri ?? `c-${name}`}@${this.bridge.host}:${this.bridge.port}`);
      const from = { user: opts.from?.[i] ?? `bench${i}` };
      started.push((async () => {
        const session = await this.ua.invite({ target, from, sdp: createOffer(local) });
        caller.session = session;
        // A re-INVITE (a relaying node pointing this call's media at the host): same port, new far end.
        session.offerHandler = (offer) => {
          if (offer === undefined) return createOffer(local);
          local.sessionVersion++;
          const r = answerOffer(offer, local);
          caller.remote = { address: r.audio.remoteAddress, port: r.audio.remotePort };
          return r.answer;
        };
        await new Promise<void>((resolve, reject) => {
          session.once('confirmed', () => resolve());
          session.once('terminated', (r) => reject(new Error(`call ${i} failed: ${r.status ?? r.by}`)));
        });
        const audio = readAnswer(session.finalResponse!.body.toString('utf8'), local);
        caller.remote = { address: audio.remoteAddress, port: audio.remotePort };
      })());
      if ((i + 1) % Math.max(1, Math.round(opts.cps / 10)) === 0) await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(started);
    return placed;
  }

  /** Measures for `ms`: frames each caller got back, and probe latency. */
  async measure(ms: number): Promise<FleetResult> {
    for (const c of this.callers) c.resetMeasure();
    const burstsBefore = this.bursts.length;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    for (const c of this.callers) c.measuring = false;
    const bursts = this.bursts.slice(burstsBefore).filter((b) => b >= t0);
    let expected = 0, missing = 0, late = 0;
    const latencies: number[] = [];
    for (const c of this.callers) {
      const rx = c.rx;
      const frames = Math.round(ms / 20);
      expected += frames;
      missing += Math.max(0, frames - 1 - rx.received); // one frame of slack for the window's edges
      if (rx.received < frames / 2) console.log(`# fleet caller ${this.callers.indexOf(c)} (${c.role}) got ${rx.received} of ${frames} frames; it sends to ${c.remote ? `${c.remote.address}:${c.remote.port}` : 'nowhere'}`);
      for (const o of rx.offsets) if (o - rx.minOffset > LATE_MS) late++;
      for (const b of bursts) {
        const seen = c.steps.find((s) => s >= b && s < b + 500);
        if (seen !== undefined) latencies.push(seen - b);
      }
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : undefined);
    return {
      callers: this.callers.length, expectedFrames: expected, missingFrames: missing, lateFrames: late,
      badPct: expected ? ((missing + late) / expected) * 100 : 0,
      latencyP50Ms: pct(0.5), latencyP99Ms: pct(0.99), latencySamples: latencies.length,
    };
  }

  async hangupAll(): Promise<void> {
    await Promise.allSettled(this.callers.map((c) => c.session?.hangup()));
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.hangupAll();
    for (const c of this.callers) c.socket.close();
    this.callers.length = 0;
    this.ua.close();
    await this.transport.close();
  }
}
