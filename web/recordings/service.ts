// Recordings for the web: the account's list (by room and dates) with room
// names and the storage they take, the file of one (WAV as written, or its
// MP3 copy), and delete (the row marked, the files removed). Every lookup
// goes through the account: another account's id is NotFoundError (404),
// for the row and for its files alike.
import { unlink } from 'node:fs/promises';
import type { Repositories } from '../../core/repositories.ts';
import type { Recording, RecordingUsage } from '../../core/recordings/store.ts';
import { InvalidStateError, ParseError } from '../../common/errors.ts';
import { NotFoundError } from '../../core/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import { mp3Of, mp3PathOf } from './mp3.ts';
import type { FileToSend } from './byte-range.ts';

const log = moduleLogger('web', { part: 'recordings' });

export interface RecordingListing {
  recording: Recording;
  /** null when the room was deleted. */
  roomName: string | null;
  roomNumber: string | null;
}

export type RecordingFormat = 'wav' | 'mp3';

export class RecordingService {
  constructor(private readonly repos: Pick<Repositories, 'recordings' | 'rooms'>) {}

  async list(accountId: string, filter: { roomId?: string | undefined; from: Date; to: Date }): Promise<RecordingListing[]> {
    const [list, rooms] = await Promise.all([
      this.repos.recordings.list(accountId, { ...(filter.roomId ? { roomId: filter.roomId } : {}), from: filter.from, to: filter.to, limit: 1000 }),
      this.repos.rooms.list(accountId),
    ]);
    const byId = new Map(rooms.map((r) => [r.id, r]));
    return list.map((recording) => {
      const room = recording.roomId ? byId.get(recording.roomId) : undefined;
      return { recording, roomName: room?.name ?? null, roomNumber: room?.number ?? null };
    });
  }

  /** The account's rooms, for the filter. */
  async rooms(accountId: string): Promise<Array<{ id: string; name: string; number: string }>> {
    return (await this.repos.rooms.list(accountId)).map((r) => ({ id: r.id, name: r.name, number: r.number }));
  }

  usage(accountId: string): Promise<RecordingUsage> {
    return this.repos.recordings.usage(accountId);
  }

  get(accountId: string, id: string): Promise<Recording> {
    return this.repos.recordings.get(accountId, id);
  }

  /** The file to send; a recording still being written has no MP3 yet (409). */
  async file(accountId: string, id: string, format: RecordingFormat, download: boolean): Promise<FileToSend> {
    const rec = await this.repos.recordings.get(accountId, id);
    const base = `recording-${rec.startedAt.toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
    if (format === 'wav') return { path: rec.path, contentType: 'audio/wav', ...(download ? { downloadName: `${base}.wav` } : {}) };
    if (!rec.endedAt) throw new InvalidStateError('the recording is still running');
    const mp3 = await mp3Of(rec.path).catch((err: unknown) => {
      if (err instanceof ParseError) throw new InvalidStateError(`the recording's file cannot be read: ${err.message}`);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('recording file', id);
      throw err;
    });
    return { path: mp3, contentType: 'audio/mpeg', ...(download ? { downloadName: `${base}.mp3` } : {}) };
  }

  /** Marks the row deleted, then removes its files (a file already gone is fine). */
  async delete(accountId: string, id: string): Promise<Recording> {
    // A running recording is stopped in the meeting first (the engine still writes its file).
    if (!(await this.repos.recordings.get(accountId, id)).endedAt) throw new InvalidStateError('the recording is still running; stop it first');
    const rec = await this.repos.recordings.delete(accountId, id);
    for (const path of [rec.path, mp3PathOf(rec.path)]) {
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') log.error({ err, recordingId: id, path }, 'removing a deleted recording\'s file failed');
      });
    }
    return rec;
  }
}
