// The recording of a room's mix (SPEC §3 *7, the web's record button, the
// *auto record* option): announced to the room, the WAV written by the
// engine, its row in core's recordings (finished with length and size when
// it stops), and the record_start / record_stop conference events. A failed
// row write is logged, never a reason to stop the recording. A recording
// whose file cannot be written (the directory cannot be made or opened, the
// disk fills, an I/O error: the engine's `recording-failed`) stops cleanly:
// its row is finished with the failure, a record_failed event is written,
// `failed` tells the room (the live console hears it), the room hears
// "recording stopped" — and the meeting goes on.
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
  /** The recording stopped on its own; `reason` is the errno code (ENOSPC, EACCES …). */
  failed(reason: string): void;
}

export class RoomRecording {
  private state: { path: string; recordingId: string | null; startedAt: Date } | null = null;
  private readonly failures = new Map<string, string>();

  constructor(private readonly deps: RoomRecordingDeps) {
    deps.conference.on('recording-failed', (f) => {
      this.writeFailed(f).catch((err: unknown) => deps.log.error({ err }, 'handling a failed recording failed'));
    });
  }

  get on(): boolean { return this.state !== null; }
  get path(): string | null { return this.state?.path ?? null; }

  /** Starts recording (after "this meeting is now being recorded"); the WAV's path, or null when stopped during the announcement. */
  async start(by: LiveActor | null): Promise<string | null> {
    const d = this.deps;
    const startedAt = d.now();
    const path = join(d.recordingsDir, `${d.conferenceId}-${startedAt.getTime()}.wav`);
    this.state = { path, recordingId: null, startedAt };
    await d.announce(['recording-started']);
    if (this.state?.path !== path) return null;
    try {
      mkdirSync(d.recordingsDir, { recursive: true });
      await d.conference.startRecording(path);
    } catch (err) {
      if (this.state?.path === path) this.state = null;
      const reason = errnoOf(err);
      if (reason === null) throw err; // not the file: the engine's own error (no members yet …)
      // The file cannot be made (no directory, no permission, disk full): said, and the meeting goes on.
      d.log.error({ err, path }, 'the recording could not be started');
      d.event('record_failed', legOf(by), { path, reason, durationMs: 0 }, by);
      d.failed(reason);
      void d.announce(['recording-stopped']).catch((e: unknown) => d.log.warn({ err: e }, 'recording-stopped not played'));
      return null;
    }
    const row = await d.repos.recordings.create(d.accountId, { conferenceId: d.conferenceId, path, startedAt })
      .catch((err: unknown) => { d.log.error({ err }, 'saving the recording row failed'); return null; });
    if (this.state?.path === path) {
      this.state.recordingId = row?.id ?? null;
    } else if (row) {
      // Stopped or failed while its row was being written: the row is finished here, not left "running".
      await this.finishRow(row.id, path, startedAt, null, this.failures.get(path) ?? null);
    }
    d.event('record_start', legOf(by), { path }, by);
    return path;
  }

  /** Rows finished with the failure when a stop or a start raced it; the failure reason by path (a few at most). */
  private async finishRow(id: string, path: string, startedAt: Date, durationMs: number | null, failure: string | null): Promise<void> {
    const d = this.deps;
    const endedAt = d.now();
    await d.repos.recordings.finish(d.accountId, id, {
      endedAt, durationMs: durationMs ?? Math.max(0, endedAt.getTime() - startedAt.getTime()), sizeBytes: sizeOf(path), failure,
    }).catch((err: unknown) => d.log.error({ err }, 'finishing the recording row failed'));
  }

  /** The engine stopped the recording: its file could not be written. */
  private async writeFailed(f: { path: string; reason: string; durationMs: number }): Promise<void> {
    const d = this.deps;
    this.failures.set(f.path, f.reason);
    if (this.failures.size > 8) this.failures.delete(this.failures.keys().next().value!);
    const rec = this.state;
    if (!rec || rec.path !== f.path) return; // a stop() under way finishes the row with the reason
    this.state = null;
    d.log.error({ path: f.path, reason: f.reason }, 'the recording stopped: its file could not be written');
    d.event('record_failed', null, { path: f.path, reason: f.reason, durationMs: f.durationMs }, null);
    d.failed(f.reason);
    void d.announce(['recording-stopped']).catch((err: unknown) => d.log.warn({ err }, 'recording-stopped not played'));
    // No id yet: start() is still writing the row and finishes it with this failure.
    if (rec.recordingId) await this.finishRow(rec.recordingId, f.path, rec.startedAt, f.durationMs, f.reason);
  }

  /** Stops recording (announced unless `announce` is false); false when none ran. */
  async stop(by: LiveActor | null, announce = true): Promise<boolean> {
    const d = this.deps;
    const rec = this.state;
    if (!rec) return false;
    this.state = null;
    if (announce) await d.announce(['recording-stopped']);
    const info = await d.conference.stopRecording();
    // No info: the engine had nothing left to stop — it failed meanwhile (its failure came while this stop ran).
    if (rec.recordingId) await this.finishRow(rec.recordingId, rec.path, rec.startedAt, info?.durationMs ?? null, info ? null : this.failures.get(rec.path) ?? 'write_error');
    d.event('record_stop', legOf(by), { path: rec.path, durationMs: info?.durationMs ?? null }, by);
    return true;
  }
}

/** The file's size; 0 when it cannot be read (the row keeps 0). */
function sizeOf(path: string): number {
  try { return statSync(path).size; } catch { return 0; }
}

/** The errno code of a file-system error (ENOSPC, EACCES …), or null for other errors. */
function errnoOf(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : null;
}
