// The owner's webhooks (issue 19): endpoints (the secret is in the answer
// of the create only), enable/disable, delete, a test event, the delivery
// log with every attempt's status, redelivery. Every change is audited.
import { z } from 'zod';
import { idParams } from '../http/schemas.ts';
import type { ApiRouter } from '../http/api-router.ts';
import type { WebServices } from '../services.ts';
import { WEBHOOK_EVENT_TYPES, type WebhookDelivery, type WebhookEndpoint } from '../../core/webhooks/store.ts';
import type { DeliveryWithAttempts } from './service.ts';

const TAG = 'webhooks';

export function endpointJson(e: WebhookEndpoint) {
  return { id: e.id, url: e.url, description: e.description, events: e.events, enabled: e.enabled, createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString() };
}

export function deliveryJson(d: WebhookDelivery) {
  return {
    id: d.id, endpointId: d.endpointId, eventId: d.eventId, eventType: d.eventType, status: d.status, attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt?.toISOString() ?? null : null, retryUntil: d.retryUntil.toISOString(),
    lastStatus: d.lastStatus, lastError: d.lastError, createdAt: d.createdAt.toISOString(), deliveredAt: d.deliveredAt?.toISOString() ?? null,
  };
}

function logJson(x: DeliveryWithAttempts) {
  return {
    ...deliveryJson(x.delivery), payload: JSON.parse(x.delivery.body) as unknown,
    log: x.attempts.map((a) => ({ attempt: a.attempt, at: a.at.toISOString(), statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
  };
}

export const createWebhookBody = z.object({
  url: z.string().trim().min(1).max(2000),
  description: z.string().trim().max(200).optional(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length),
}).strict();

export function registerWebhookRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/webhooks', tag: TAG, access: 'admin', summary: 'The account\'s webhook endpoints (the signing secrets are not shown again)',
    handler: async (c) => (await s.webhooks.list(c.accountId)).map(endpointJson),
  });
  api.add({
    method: 'post', path: '/api/webhooks', tag: TAG, access: 'admin', status: 201,
    summary: 'Add an endpoint: an http(s) URL whose every address is allowed (no loopback, private, link-local, CGNAT, multicast or the bridge\'s own unless the operator allows them), the event types it receives. The answer holds the signing secret, shown this once',
    body: createWebhookBody,
    handler: async (c) => {
      const e = await s.webhooks.create(c.accountId, c.body);
      await c.audit('webhook.create', { target: { type: 'webhook', id: e.id }, data: { url: e.url, events: e.events } });
      return { ...endpointJson(e), secret: e.secret };
    },
  });
  api.add({
    method: 'patch', path: '/api/webhooks/:id', tag: TAG, access: 'admin', summary: 'Enable or disable an endpoint (a disabled one gets no new events)', params: idParams,
    body: z.object({ enabled: z.boolean() }).strict(),
    handler: async (c) => {
      const e = await s.webhooks.setEnabled(c.accountId, c.params.id, c.body.enabled);
      await c.audit(c.body.enabled ? 'webhook.enable' : 'webhook.disable', { target: { type: 'webhook', id: e.id }, data: { url: e.url } });
      return endpointJson(e);
    },
  });
  api.add({
    method: 'delete', path: '/api/webhooks/:id', tag: TAG, access: 'admin', summary: 'Delete an endpoint and its delivery log', params: idParams,
    handler: async (c) => {
      const e = await s.webhooks.get(c.accountId, c.params.id);
      await s.webhooks.delete(c.accountId, c.params.id);
      await c.audit('webhook.delete', { target: { type: 'webhook', id: e.id }, data: { url: e.url } });
    },
  });
  api.add({
    method: 'post', path: '/api/webhooks/:id/test', tag: TAG, access: 'admin', status: 202, summary: 'Send a webhook.test event to the endpoint now (it shows in the delivery log)', params: idParams,
    handler: async (c) => {
      const d = await s.webhooks.sendTest(c.accountId, c.params.id);
      await c.audit('webhook.test', { target: { type: 'webhook', id: c.params.id }, data: { delivery: d.id } });
      return deliveryJson(d);
    },
  });
  api.add({
    method: 'get', path: '/api/webhooks/:id/deliveries', tag: TAG, access: 'admin', params: idParams,
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional() }).strict(),
    summary: 'The endpoint\'s latest deliveries, newest first, with the payload and every attempt (time, HTTP status or network error, duration)',
    handler: async (c) => (await s.webhooks.deliveries(c.accountId, { endpointId: c.params.id, ...(c.query.limit ? { limit: c.query.limit } : {}) })).map(logJson),
  });
  api.add({
    method: 'post', path: '/api/webhook-deliveries/:id/redeliver', tag: TAG, access: 'admin', status: 202, params: idParams,
    summary: 'Send a delivery again (delivered or failed): pending at once, retried as a new one',
    handler: async (c) => {
      const d = await s.webhooks.redeliver(c.accountId, c.params.id);
      await c.audit('webhook.redeliver', { target: { type: 'webhook_delivery', id: d.id }, data: { endpoint: d.endpointId, event: d.eventType } });
      return deliveryJson(d);
    },
  });
}
