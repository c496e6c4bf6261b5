// Range requests for the recordings' files (RFC 9110 §14): the browser's
// <audio> element seeks with them. One range is served (206 with
// Content-Range); a range that starts past the end is 416 with
// `Content-Range: bytes */size` (RFC 9110 §15.5.17). A header we do not
// understand, and several ranges at once, are ignored and the whole file is
// sent (200), which RFC 9110 §14.2 allows ("a server MAY ignore the Range
// header field").
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { HttpError } from '../errors.ts';

export type ByteRange =
  | { kind: 'whole' }
  | { kind: 'part'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SPEC = /^bytes=(\d*)-(\d*)$/;

/** Pure: what to send of a `size`-byte file for this Range header (end inclusive). */
export function byteRangeOf(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return { kind: 'whole' };
  const m = SPEC.exec(header.trim());
  if (!m) return { kind: 'whole' }; // several ranges, other units, garbage: ignored (RFC 9110 §14.2)
  const [, first, last] = m as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // RFC 9110 §14.1.2 suffix range: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return { kind: 'whole' };
  if (end < start) return { kind: 'whole' }; // an invalid range-spec: ignored (RFC 9110 §14.1.1)
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end: Math.min(end, size - 1) };
}

export interface FileToSend {
  path: string;
  contentType: string;
  /** Set: sent as an attachment with this name; absent: inline (for the player). */
  downloadName?: string;
}

/** Sends the file, or the part the Range header asks for; resolves when written (or the client left). */
export async function sendFileWithRanges(req: Request, res: Response, file: FileToSend): Promise<void> {
  const size = await stat(file.path).then((st) => st.size, (err: NodeJS.ErrnoException) => {
    // The row outlived its file (removed by hand, a lost disk): nothing to send.
    if (err.code === 'ENOENT') throw new HttpError(404, 'not_found', 'the file is gone');
    throw err;
  });
  const range = byteRangeOf(req.headers.range, size);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('Content-Type', file.contentType);
  if (file.downloadName) res.setHeader('Content-Disposition', `attachment; filename="${file.downloadName.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
  if (range.kind === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${size}`);
    res.status(416).end();
    return;
  }
  const start = range.kind === 'part' ? range.start : 0;
  const end = range.kind === 'part' ? range.end : size - 1;
  if (range.kind === 'part') {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  } else {
    res.status(200);
  }
  res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
  if (req.method === 'HEAD' || size === 0) { res.end(); return; }
  try {
    await pipeline(createReadStream(file.path, { start, end }), res);
  } catch (err) {
    // A player that seeks closes the old request mid-file: not an error of ours.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  }
}
