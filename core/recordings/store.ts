// Recordings of conference mixes (files on disk; rows here).
export interface Recording {
  id: string;
  accountId: string;
  conferenceId: string | null;
  roomId: string | null;
  path: string;
  startedAt: Date;
  endedAt: Date | null;
  durationMs: number | null;
  sizeBytes: number | null;
}

export interface RecordingStore {
  create(accountId: string, input: { conferenceId: string; path: string; startedAt: Date }): Promise<Recording>;
  finish(accountId: string, id: string, input: { endedAt: Date; durationMs: number; sizeBytes: number }): Promise<Recording>;
  get(accountId: string, id: string): Promise<Recording>;
  list(accountId: string, filter?: { conferenceId?: string; limit?: number }): Promise<Recording[]>;
  /** Marks deleted (the caller removes the file); deleted recordings are no longer listed or found. */
  delete(accountId: string, id: string): Promise<Recording>;
}
