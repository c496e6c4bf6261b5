// The error of the media side, known to both threads: a worker throws it with
// a code, and the control side rebuilds it from the reply (protocol.ts
// carries the message and the code across).
export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(message: string, readonly code?: string) { super(message); }
}

/** The code of a MediaError for what a media worker held when it died. */
export const WORKER_DIED = 'EWORKERDIED';
