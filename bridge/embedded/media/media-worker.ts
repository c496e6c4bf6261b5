// Entry of a media worker thread: a MediaHost on the parent port.
import { parentPort, workerData } from 'node:worker_threads';
import { moduleLogger } from '../../../common/log.ts';
import { createUdpIo, type UdpIoKind } from '../../rtp/udp-io.ts';
import { MediaHost, MediaError } from './media-host.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const log = moduleLogger('media-worker');
const port = parentPort;
if (!port) throw new Error('media-worker.ts must run in a worker thread');

const post = (m: FromWorker) => port.postMessage(m);
const io = (workerData as { io?: UdpIoKind } | null)?.io ?? 'auto';
const host = new MediaHost((ev) => post({ ev }), { io: createUdpIo(io) });

port.on('message', (m: ToWorker | { shutdown: true }) => {
  if ('shutdown' in m) {
    host.closeAll().finally(() => process.exit(0));
    return;
  }
  host.handle(m.req).then(
    (result) => post({ id: m.id, ok: true, result }),
    (err: unknown) => {
      if (!(err instanceof MediaError)) log.error({ err, op: m.req.op }, 'media request failed');
      post({ id: m.id, ok: false, error: (err as Error).message, code: err instanceof MediaError ? err.code : undefined });
    },
  );
});
