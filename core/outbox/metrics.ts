// The mail queue for /metrics: mails waiting to be sent (queued, retries
// included) and mails kept in the operator's outbox for want of SMTP. One
// grouped count per scrape at most (on the status index), reused for
// CACHE_MS and bounded by TIMEOUT_MS: a slow or absent database leaves the
// last figure standing rather than holding the scrape.
import { gauge } from '../../common/metrics.ts';
import { moduleLogger } from '../../common/log.ts';
import type { OutboxStore } from './store.ts';

const log = moduleLogger('core', { part: 'outbox-metrics' });
const CACHE_MS = 5000;
const TIMEOUT_MS = 1000;

let source: OutboxStore | undefined;
let last: { at: number; figures: { queued: number; outbox: number } } | undefined;
let reading: Promise<void> | undefined;

/** Counts `store`'s waiting mails in bridge_mail_queue until the returned function is called. */
export function watchOutbox(store: OutboxStore): () => void {
  source = store;
  last = undefined;
  return () => { if (source === store) { source = undefined; last = undefined; } };
}

async function refresh(store: OutboxStore): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const figures = await Promise.race([
      store.countWaiting(),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS); }),
    ]);
    last = { at: Date.now(), figures };
  } catch (err) {
    log.debug({ err: (err as Error).message }, 'mail queue not counted');
  } finally {
    clearTimeout(timer);
  }
}

gauge({
  name: 'bridge_mail_queue', help: 'Mails waiting: queued (to send or retry) and outbox (kept without SMTP)', labelNames: ['status'],
  collect: async function () {
    const store = source;
    if (!store) return;
    if (!last || Date.now() - last.at > CACHE_MS) {
      reading ??= refresh(store).finally(() => { reading = undefined; });
      await reading;
    }
    if (last) { this.set({ status: 'queued' }, last.figures.queued); this.set({ status: 'outbox' }, last.figures.outbox); }
  },
});
