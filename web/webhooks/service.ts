// Webhooks on the web side (issue 19): the owner's endpoints (a URL checked
// against the AddressGuard when saved, a secret made here and shown once,
// the event types wanted), the delivery log, redelivery and the test event;
// and `publish`, which writes an event's deliveries to every subscribed
// endpoint of its account (the outbox) and wakes the sender.
import type { Repositories } from '../../core/repositories.ts';
import { ValidationError } from '../../core/errors.ts';
import { eventBody, testEvent, type WebhookEvent } from '../../core/webhooks/events.ts';
import { newSigningSecret } from '../../core/webhooks/signature.ts';
import {
  WEBHOOK_TEST_EVENT, type WebhookAttempt, type WebhookDelivery, type WebhookEndpoint, type WebhookEventType,
} from '../../core/webhooks/store.ts';
import type { WebhookSettings } from '../config.ts';
import type { AddressGuard } from './address-guard.ts';

/** Endpoints one account may have. */
export const MAX_ENDPOINTS = 20;

export interface DeliveryWithAttempts { delivery: WebhookDelivery; attempts: WebhookAttempt[]; endpointUrl: string | null }

export class WebhookService {
  private kickSender: () => void = () => {};

  constructor(
    private readonly repos: Pick<Repositories, 'webhooks'>,
    readonly guard: AddressGuard,
    private readonly settings: WebhookSettings,
    private readonly now: () => Date,
  ) {}

  /** Who to wake when deliveries were written (the sender of this process). */
  onQueued(kick: () => void): void { this.kickSender = kick; }

  list(accountId: string): Promise<WebhookEndpoint[]> {
    return this.repos.webhooks.listEndpoints(accountId);
  }

  get(accountId: string, id: string): Promise<WebhookEndpoint> {
    return this.repos.webhooks.getEndpoint(accountId, id);
  }

  /** A checked URL: http or https, no user or password in it, every address of its host allowed. */
  async checkUrl(url: string): Promise<string> {
    let u: URL;
    try { u = new URL(url); } catch { throw new ValidationError('not a URL', 'url'); }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ValidationError('the URL must start with https:// or http://', 'url');
    if (u.username || u.password) throw new ValidationError('the URL may not carry a user name or password', 'url');
    if (!u.hostname) throw new ValidationError('the URL has no host', 'url');
    await this.guard.check(u.hostname);
    return u.toString();
  }

  /** The new endpoint with its secret (shown this once). */
  async create(accountId: string, input: { url: string; description?: string | undefined; events: WebhookEventType[] }): Promise<WebhookEndpoint> {
    const url = await this.checkUrl(input.url);
    if ((await this.repos.webhooks.listEndpoints(accountId)).length >= MAX_ENDPOINTS) {
      throw new ValidationError(`an account may have at most ${MAX_ENDPOINTS} webhook endpoints`, 'url');
    }
    return this.repos.webhooks.createEndpoint(accountId, { url, description: input.description ?? '', secret: newSigningSecret(), events: [...new Set(input.events)] });
  }

  setEnabled(accountId: string, id: string, enabled: boolean): Promise<WebhookEndpoint> {
    return this.repos.webhooks.setEnabled(accountId, id, enabled);
  }

  delete(accountId: string, id: string): Promise<void> {
    return this.repos.webhooks.deleteEndpoint(accountId, id);
  }

  /** Queues a webhook.test to the endpoint (whatever it subscribed to). */
  async sendTest(accountId: string, id: string): Promise<WebhookDelivery> {
    const endpoint = await this.repos.webhooks.getEndpoint(accountId, id);
    const at = this.now();
    const e = testEvent(accountId, at);
    const d = await this.repos.webhooks.enqueue(endpoint, { eventId: e.id, eventType: WEBHOOK_TEST_EVENT, body: eventBody(e), at, retryUntil: this.retryUntil(at) });
    this.kickSender();
    return d!;
  }

  /** The latest deliveries (of one endpoint when given), each with its attempts. */
  async deliveries(accountId: string, opts: { endpointId?: string; limit?: number } = {}): Promise<DeliveryWithAttempts[]> {
    if (opts.endpointId) await this.repos.webhooks.getEndpoint(accountId, opts.endpointId);
    const [list, endpoints] = await Promise.all([this.repos.webhooks.listDeliveries(accountId, opts), this.repos.webhooks.listEndpoints(accountId)]);
    const attempts = await this.repos.webhooks.attempts(accountId, list.map((d) => d.id));
    const urls = new Map(endpoints.map((e) => [e.id, e.url]));
    return list.map((delivery) => ({ delivery, attempts: attempts.get(delivery.id) ?? [], endpointUrl: urls.get(delivery.endpointId) ?? null }));
  }

  async redeliver(accountId: string, id: string): Promise<WebhookDelivery> {
    const at = this.now();
    const d = await this.repos.webhooks.redeliver(accountId, id, at, this.retryUntil(at));
    this.kickSender();
    return d;
  }

  /** Enabled endpoints of the account that want `type`. */
  async subscriberCount(accountId: string, type: WebhookEventType): Promise<number> {
    return (await this.repos.webhooks.subscribers(accountId, type)).length;
  }

  /** Writes the event's deliveries to the account's enabled endpoints subscribed to it; how many were new. */
  async publish(e: WebhookEvent): Promise<number> {
    if (e.type === WEBHOOK_TEST_EVENT) return 0;
    const endpoints = await this.repos.webhooks.subscribers(e.accountId, e.type);
    if (endpoints.length === 0) return 0;
    const at = this.now();
    const body = eventBody(e);
    let n = 0;
    for (const ep of endpoints) {
      if (await this.repos.webhooks.enqueue(ep, { eventId: e.id, eventType: e.type, body, at, retryUntil: this.retryUntil(at) })) n++;
    }
    if (n > 0) this.kickSender();
    return n;
  }

  private retryUntil(at: Date): Date {
    return new Date(at.getTime() + this.settings.retryForMs);
  }
}
