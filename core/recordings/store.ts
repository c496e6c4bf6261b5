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
  /** Why the recording stopped on its own (the file could not be written); null when it was stopped. */
  failure: string | null;
}

export interface RecordingFilter {
  conferenceId?: string;
  roomId?: string;
  /** Started at or after. */
  from?: Date;
  /** Started before. */
  to?: Date;
  limit?: number;
}

/** What the account's recordings take on disk. */
export interface RecordingUsage {
  count: number;
  bytes: number;
}

export interface RecordingStore {
  create(accountId: string, input: { conferenceId: string; path: string; startedAt: Date }): Promise<Recording>;
  /** `failure` says why it stopped on its own (a write error). */
  finish(accountId: string, id: string, input: { endedAt: Date; durationMs: number; sizeBytes: number; failure?: string | null }): Promise<Recording>;
  get(accountId: string, id: string): Promise<Recording>;
  /** Newest first. */
  list(accountId: string, filter?: RecordingFilter): Promise<Recording[]>;
  /** Every recording of the account not deleted. */
  usage(accountId: string): Promise<RecordingUsage>;
  /** Marks deleted (the caller removes the file); deleted recordings are no longer listed or found. */
  delete(accountId: string, id: string): Promise<Recording>;
}
