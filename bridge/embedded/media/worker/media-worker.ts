// Entry of a media worker thread: a MediaHost on the parent port.
import { parentPort, workerData } from 'node:worker_threads';
import { moduleLogger } from '../../../../common/log.ts';
import { createUdpIo, type UdpIoKind } from '../../../rtp/udp-io.ts';
import { MediaError } from '../media-error.ts';
import type { FromWorker, ToWorker } from '../protocol.ts';
import { MediaClock } from './media-clock.ts';
import { MediaHost } from './media-host.ts';

const log = moduleLogger('media-worker');
const port = parentPort;
if (!port) throw new Error('media-worker.ts must run in a worker thread');

const post = (m: FromWorker) => port.postMessage(m);
const data = (workerData ?? {}) as { io?: UdpIoKind; epochMs?: number };
// Every worker's clock counts from the same epoch (the parent's), so the
// shards of a conference tick together and name their slots alike.
const epochMs = data.epochMs ?? performance.timeOrigin;
const clock = new MediaClock(() => performance.timeOrigin + performance.now() - epochMs, true);
const host = new MediaHost((ev) => post({ ev }), { io: createUdpIo(data.io ?? 'auto'), clock });

port.on('message', (m: ToWorker | { shutdown: true }) => {
  if ('shutdown' in m) {
    host.closeAll().finally(() => process.exit(0));
    return;
  }
  host.handle(m.req).then(
    (result) => post({ id: m.id, ok: true, result }),
    (err: unknown) => {
      if (!(err instanceof MediaError)) log.error({ err, op: m.req.op }, 'media request failed');
      // A file-system error keeps its errno code (EACCES, ENOSPC …): the control side tells "cannot write the recording" by it.
      const errno = (err as NodeJS.ErrnoException | null)?.code;
      post({ id: m.id, ok: false, error: (err as Error).message, code: err instanceof MediaError ? err.code : typeof errno === 'string' ? errno : undefined });
    },
  );
});
