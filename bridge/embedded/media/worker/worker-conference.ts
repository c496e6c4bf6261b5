// A conference inside a media worker: the mixer, its member legs, prompts to
// everyone, the recording of the mix, and talking events.
import { moduleLogger } from '../../../../common/log.ts';
import { ConferenceMixer } from '../../../mixer/conference-mixer.ts';
import type { Playback } from '../../../mixer/playback.ts';
import type { PromptRef } from '../../../port.ts';
import { SequenceSource } from '../../../rtp/frame-source.ts';
import { beep } from '../../../rtp/tones.ts';
import { WavWriter } from '../../../rtp/wav.ts';
import type { ConferenceSettings, MediaEvent, MemberSettings } from '../protocol.ts';
import { ShardExchange, type ExchangeLink } from '../shard-exchange.ts';
import { promptSource } from './prompt-source.ts';
import type { WorkerLeg } from './worker-leg.ts';

const log = moduleLogger('media-conference');
/** The mixer's frame (G.711 at 20 ms). */
const FRAME_MS = 20;

export class WorkerConference {
  private readonly mixer: ConferenceMixer;
  readonly legs = new Map<string, WorkerLeg>();
  private recording: { path: string; writer: WavWriter; frames: number } | undefined;
  private readonly plays = new Map<string, Playback>();
  /** Set when the conference spans several workers (this is one shard of it). */
  private exchange: ShardExchange | undefined;

  constructor(readonly confId: string, settings: ConferenceSettings, private readonly emit: (ev: MediaEvent) => void) {
    const tones = settings.joinLeaveTones ?? true;
    this.mixer = new ConferenceMixer({
      maxTalkers: settings.maxTalkers,
      joinTone: tones ? () => beep({ frequency: 1000, durationMs: 120, levelDbfs: -20 }) : undefined,
      leaveTone: tones ? () => beep({ frequency: 600, durationMs: 120, levelDbfs: -20 }) : undefined,
      onMixFrame: (pcm) => {
        const rec = this.recording;
        if (rec) { rec.writer.write(pcm); rec.frames++; }
      },
    });
    if (settings.exchange) this.link(settings.exchange);
  }

  /** Becomes one shard of a conference spread over workers. */
  link(exchange: ExchangeLink): void {
    if (exchange.maxTalkers !== this.mixer.maxTalkers) throw new RangeError(`exchange for ${exchange.maxTalkers} talkers, mixer has ${this.mixer.maxTalkers}`);
    this.exchange = new ShardExchange(exchange);
  }

  get size(): number { return this.legs.size; }

  join(leg: WorkerLeg, settings: MemberSettings): void {
    if (this.legs.has(leg.legId)) { this.update(leg.legId, settings); return; }
    leg.interruptPlay();
    this.mixer.addMember(leg.legId, {
      codec: leg.codec, wideband: leg.wideband, muted: settings.muted ?? false, deaf: settings.deaf ?? false, inputGainDb: settings.talkDb ?? 0, outputGainDb: settings.listenDb ?? 0,
    });
    this.legs.set(leg.legId, leg);
    leg.member = {
      playTo: (source, done) => {
        const p = this.mixer.playTo(leg.legId, source, (reason) => done(reason !== 'finished'));
        return { stop: () => p.stop() };
      },
    };
    if (settings.hold) this.mixer.setHolding(leg.legId, promptSource(settings.hold));
  }

  update(legId: string, settings: MemberSettings): void {
    if (!this.legs.has(legId)) return;
    this.mixer.update(legId, { muted: settings.muted, deaf: settings.deaf, inputGainDb: settings.talkDb, outputGainDb: settings.listenDb });
    if (settings.hold !== undefined) this.mixer.setHolding(legId, settings.hold ? promptSource(settings.hold) : null);
  }

  /** The member's codec changed (re-INVITE). */
  codecChanged(leg: WorkerLeg): void {
    if (this.legs.has(leg.legId)) this.mixer.update(leg.legId, { codec: leg.codec, wideband: leg.wideband });
  }

  leave(legId: string): WorkerLeg | undefined {
    const leg = this.legs.get(legId);
    if (!leg) return undefined;
    leg.interruptPlay();
    this.mixer.removeMember(legId);
    this.legs.delete(legId);
    leg.member = undefined;
    return leg;
  }

  playToAll(playId: string, prompts: PromptRef[]): void {
    const source = new SequenceSource(prompts.map((p) => promptSource(p)));
    const playback = this.mixer.playToAll(source, (reason) => {
      this.plays.delete(playId);
      this.emit({ event: 'playEnded', playId, interrupted: reason !== 'finished' });
    });
    this.plays.set(playId, playback);
  }

  stopPlayToAll(): void {
    for (const p of [...this.plays.values()]) p.stop();
  }

  async startRecording(path: string): Promise<void> {
    if (this.recording) await this.stopRecording();
    let rec: { path: string; writer: WavWriter; frames: number } | undefined;
    const writer = await WavWriter.open(path, { onError: (err) => { if (rec) this.recordingFailed(rec, err); } });
    rec = { path, writer, frames: 0 };
    this.recording = rec;
  }

  /**
   * A write of the recording failed (disk full, I/O error): it stops here
   * and now — the mix goes on for everyone — and the control side hears
   * `recordFailed`. What was written before stays a readable WAV (its
   * header says "to the end of the file").
   */
  private recordingFailed(rec: { path: string; writer: WavWriter; frames: number }, err: unknown): void {
    if (this.recording !== rec) return;
    this.recording = undefined;
    const reason = (err as NodeJS.ErrnoException)?.code ?? 'EIO';
    log.error({ err, confId: this.confId, path: rec.path }, 'writing the conference recording failed; recording stopped');
    rec.writer.close().catch(() => { /* the same error, reported above */ });
    this.emit({ event: 'recordFailed', confId: this.confId, path: rec.path, reason, durationMs: rec.frames * FRAME_MS });
  }

  async stopRecording(): Promise<{ path: string; durationMs: number } | null> {
    const rec = this.recording;
    if (!rec) return null;
    this.recording = undefined;
    const r = await rec.writer.close();
    return { path: rec.path, durationMs: r.durationMs };
  }

  tick(nowMs: number, slot: number): void {
    for (const leg of this.legs.values()) this.mixer.setInput(leg.legId, leg.pullInput(nowMs), leg.inputHigh);
    this.exchange?.collect(slot, this.mixer);
    const report = this.mixer.tick();
    this.exchange?.publish(slot, this.mixer);
    for (const m of this.mixer.members) {
      const leg = this.legs.get(m.id);
      if (!leg) continue;
      if (m.outputKind === 'bands') leg.sendBands(m.outputLow, m.outputHigh, slot);
      else leg.sendEncoded(m.output, slot);
    }
    for (const c of report.talkingChanges) this.emit({ event: 'talking', confId: this.confId, legId: c.member.id, talking: c.talking });
  }

  /** Every member leaves (back to solo media); the recording is closed. */
  async close(): Promise<WorkerLeg[]> {
    this.stopPlayToAll();
    const legs = [...this.legs.keys()].map((id) => this.leave(id)).filter((l): l is WorkerLeg => l !== undefined);
    try {
      await this.stopRecording();
    } catch (err) {
      log.error({ err, confId: this.confId }, 'closing the conference recording failed');
    }
    return legs;
  }
}
