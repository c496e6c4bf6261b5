// The recording of a room's mix (SPEC §3 *7, the web's record button, the
// *auto record* option): announced to the room, the WAV written by the
// engine, its row in core's recordings (finished with length and size when
// it stops), and the record_start / record_stop conference events. A failed
// row write is logged, never a reason to stop the recording.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Conference } from '../../bridge/port.ts';
import type { Logger } from '../../common/log.ts';
import type { ConferenceEventKind } from '../../core/conferences/store.ts';
import type { LiveActor } from '../../core/live/messages.ts';
import type { Repositories } from '../../core/repositories.ts';
import type { PromptId } from '../prompts/catalog.ts';
import { legOf } from './actor.ts';

export interface RoomRecordingDeps {
  conference: Conference;
  repos: Repositories;
  accountId: string;
  conferenceId: string;
  recordingsDir: string;
  now: () => Date;
  log: Logger;
  announce(ids: readonly PromptId[]): Promise<void>;
  event(kind: ConferenceEventKind, legId: string | null, data: Record<string, unknown>, by?: LiveActor | null): void;
}

export class RoomRecording {
  private state: { path: string; recordingId: string | null; startedAt: Date } | null = null;

  constructor(private readonly deps: RoomRecordingDeps) {}

  get on(): boolean { return this.state !== null; }
  get path(): string | null { return this.state?.path ?? null; }

  /** Starts recording (after "this meeting is now being recorded"); the WAV's path, or null when stopped during the announcement. */
  async start(by: LiveActor | null): Promise<string | null> {
    const d = this.deps;
    mkdirSync(d.recordingsDir, { recursive: true });
    const startedAt = d.now();
    const path = join(d.recordingsDir, `${d.conferenceId}-${startedAt.getTime()}.wav`);
    this.state = { path, recordingId: null, startedAt };
    await d.announce(['recording-started']);
    if (this.state?.path !== path) return null;
    try {
      await d.conference.startRecording(path);
    } catch (err) {
      if (this.state?.path === path) this.state = null;
      throw err;
    }
    const row = await d.repos.recordings.create(d.accountId, { conferenceId: d.conferenceId, path, startedAt })
      .catch((err: unknown) => { d.log.error({ err }, 'saving the recording row failed'); return null; });
    if (this.state?.path === path) this.state.recordingId = row?.id ?? null;
    d.event('record_start', legOf(by), { path }, by);
    return path;
  }

  /** Stops recording (announced unless `announce` is false); false when none ran. */
  async stop(by: LiveActor | null, announce = true): Promise<boolean> {
    const d = this.deps;
    const rec = this.state;
    if (!rec) return false;
    this.state = null;
    if (announce) await d.announce(['recording-stopped']);
    const info = await d.conference.stopRecording();
    if (rec.recordingId && info) {
      let size = 0;
      try { size = statSync(info.path).size; } catch { /* the row keeps 0 */ }
      await d.repos.recordings.finish(d.accountId, rec.recordingId, { endedAt: d.now(), durationMs: info.durationMs, sizeBytes: size })
        .catch((err: unknown) => d.log.error({ err }, 'finishing the recording row failed'));
    }
    d.event('record_stop', legOf(by), { path: rec.path, durationMs: info?.durationMs ?? null }, by);
    return true;
  }
}
