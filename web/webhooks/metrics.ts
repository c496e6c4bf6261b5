// Webhook metrics: deliveries by outcome (delivered, retry, failed — each
// attempt counted once), and the deliveries waiting (pending, retries
// included): one count per scrape at most, reused for CACHE_MS and bounded
// by TIMEOUT_MS, so a slow database leaves the last figure standing rather
// than holding the scrape (as core/outbox/metrics.ts does for mail).
import { counter, gauge } from '../../common/metrics.ts';
import { moduleLogger } from '../../common/log.ts';
import type { WebhookStore } from '../../core/webhooks/store.ts';

const log = moduleLogger('web', { part: 'webhook-metrics' });
const CACHE_MS = 5000;
const TIMEOUT_MS = 1000;

export const webhookDeliveries = counter({
  name: 'bridge_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome: delivered, retry (a temporary failure), failed (for good)', labelNames: ['outcome'],
});

let source: Pick<WebhookStore, 'countPending'> | undefined;
let last: { at: number; pending: number } | undefined;
let reading: Promise<void> | undefined;

/** Counts `store`'s pending deliveries in bridge_webhook_deliveries_pending until the returned function is called. */
export function watchWebhookQueue(store: Pick<WebhookStore, 'countPending'>): () => void {
  source = store;
  last = undefined;
  return () => { if (source === store) { source = undefined; last = undefined; } };
}

async function refresh(store: Pick<WebhookStore, 'countPending'>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const pending = await Promise.race([
      store.countPending(),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS); }),
    ]);
    last = { at: Date.now(), pending };
  } catch (err) {
    log.debug({ err: (err as Error).message }, 'pending webhooks not counted');
  } finally {
    clearTimeout(timer);
  }
}

gauge({
  name: 'bridge_webhook_deliveries_pending', help: 'Webhook deliveries waiting to be sent (first tries and retries)',
  collect: async function () {
    const store = source;
    if (!store) return;
    if (!last || Date.now() - last.at > CACHE_MS) {
      reading ??= refresh(store).finally(() => { reading = undefined; });
      await reading;
    }
    if (last) this.set(last.pending);
  },
});
