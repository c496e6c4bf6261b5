// The webhook sender: claims due deliveries (a lease, so of several web
// processes on one database one sends each; a crash mid-send leaves the
// lease to lapse and the delivery is tried again), signs and POSTs each,
// logs the attempt and moves the delivery on:
//   2xx                                   → delivered
//   network error, timeout, 5xx, 429      → retried after base · 2^(n−1)
//                                           (capped, with jitter) while
//                                           inside the retry window (24 h)
//   other 4xx, 3xx (redirects are not followed), a forbidden address,
//   a disabled endpoint                   → failed at once
// Deliveries of one endpoint go one after the other, oldest first; endpoints
// are served side by side. New deliveries of this process are sent at once
// (kick); others' and the retries are found by polling.
import { moduleLogger } from '../../common/log.ts';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from '../../core/webhooks/signature.ts';
import { WEBHOOK_TEST_EVENT, type AttemptOutcome, type WebhookDelivery, type WebhookEndpoint, type WebhookStore } from '../../core/webhooks/store.ts';
import type { WebhookSettings } from '../config.ts';
import type { AddressGuard } from './address-guard.ts';
import { postWebhook, type PostResult } from './http-post.ts';
import { webhookDeliveries } from './metrics.ts';

const log = moduleLogger('web', { part: 'webhooks' });
/** Claimed per pass; passes per wake-up (the loop is bounded). */
const BATCH = 20;
const MAX_PASSES = 50;

/** The wait before attempt `attempts + 1`: base · 2^(attempts − 1), capped, then jittered to between half and all of it. */
export function retryDelayMs(s: Pick<WebhookSettings, 'retryBaseMs' | 'retryMaxMs'>, attempts: number, random: () => number = Math.random): number {
  const full = Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.round(full / 2 + random() * (full / 2));
}

/** Is this answer worth trying again? Network errors and timeouts (no status), 5xx, 429. */
export function isTemporary(r: Pick<PostResult, 'status' | 'refused'>): boolean {
  if (r.refused) return false;
  if (r.status === null) return true;
  return r.status >= 500 || r.status === 429;
}

export class WebhookSender {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    readonly store: WebhookStore,
    private readonly guard: AddressGuard,
    private readonly settings: WebhookSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get leaseMs(): number { return this.settings.timeoutMs + 30_000; }

  /** Polls every `pollMs` until stop(). */
  start(): this {
    this.stopped = false;
    this.kick();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Look for due deliveries now (a new one was written). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) { this.again = true; return; }
    clearTimeout(this.timer);
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) { this.again = false; this.kick(); return; }
      this.timer = setTimeout(() => this.kick(), this.settings.pollMs);
      this.timer.unref();
    });
  }

  private async loop(): Promise<void> {
    try {
      for (let pass = 0; pass < MAX_PASSES && !this.stopped; pass++) {
        this.again = false;
        if (await this.deliverDue() < BATCH) break;
      }
    } catch (err) {
      log.error({ err }, 'webhook delivery pass failed');
    }
  }

  /** One pass: claims what is due and sends it; the number claimed. */
  async deliverDue(): Promise<number> {
    const claimed = await this.store.claimDue(this.now(), { leaseMs: this.leaseMs, limit: BATCH });
    const byEndpoint = new Map<string, Array<{ delivery: WebhookDelivery; endpoint: WebhookEndpoint }>>();
    for (const c of claimed) byEndpoint.set(c.endpoint.id, [...(byEndpoint.get(c.endpoint.id) ?? []), c]);
    await Promise.all([...byEndpoint.values()].map(async (list) => {
      for (const c of list) {
        await this.attempt(c.delivery, c.endpoint).catch((err: unknown) => log.error({ err, delivery: c.delivery.id }, 'webhook attempt not recorded'));
      }
    }));
    return claimed.length;
  }

  private async attempt(d: WebhookDelivery, endpoint: WebhookEndpoint): Promise<void> {
    const at = this.now();
    let r: PostResult;
    if (!endpoint.enabled && d.eventType !== WEBHOOK_TEST_EVENT) {
      r = { status: null, error: 'endpoint disabled', durationMs: 0, snippet: '', refused: true };
    } else {
      const t = Math.floor(Date.now() / 1000);
      r = await postWebhook(this.guard, endpoint.url, d.body, {
        [SIGNATURE_HEADER]: signatureHeader(endpoint.secret, d.body, t), [EVENT_HEADER]: d.eventType, [DELIVERY_HEADER]: d.id,
      }, this.settings.timeoutMs);
    }
    const ok = r.status !== null && r.status >= 200 && r.status < 300;
    let outcome: AttemptOutcome;
    if (ok) outcome = { kind: 'delivered', at: new Date(at.getTime() + r.durationMs) };
    else {
      const next = new Date(this.now().getTime() + retryDelayMs(this.settings, d.attempts));
      outcome = isTemporary(r) && next.getTime() <= d.retryUntil.getTime() ? { kind: 'retry', nextAttemptAt: next } : { kind: 'failed' };
    }
    const error = ok ? null : (r.error ?? (r.status !== null && r.status >= 300 && r.status < 400 ? `HTTP ${r.status}: redirects are not followed` : `HTTP ${r.status}${r.snippet ? `: ${r.snippet.slice(0, 200)}` : ''}`));
    await this.store.recordAttempt(d.id, { attempt: d.attempts, at, statusCode: r.status, error, durationMs: r.durationMs }, outcome);
    webhookDeliveries.inc({ outcome: outcome.kind });
    const line = { delivery: d.id, endpoint: endpoint.id, account: d.accountId, event: d.eventType, attempt: d.attempts, status: r.status, error, ms: r.durationMs };
    if (outcome.kind === 'delivered') log.debug(line, 'webhook delivered');
    else if (outcome.kind === 'retry') log.info({ ...line, next: outcome.nextAttemptAt }, 'webhook not delivered; will retry');
    else log.warn(line, 'webhook not delivered; failed for good');
  }
}
