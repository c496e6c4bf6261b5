// The webhooks page: add an endpoint (its secret shown once, by
// js/webhooks.js), the endpoints with enable/disable, test and delete, and
// the delivery log — each delivery's event, state and every attempt's
// HTTP status or error — with redelivery.
import type { PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatDateTime } from '../views/format.ts';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT } from '../../core/webhooks/store.ts';
import type { MessageKey } from '../i18n/messages.ts';

const LOG_ROWS = 50;

export function registerWebhookPages(pages: PageRouter, s: WebServices): void {
  pages.get('/webhooks', 'admin', async (ctx) => {
    const t = ctx.t;
    const [endpoints, log] = await Promise.all([s.webhooks.list(ctx.accountId), s.webhooks.deliveries(ctx.accountId, { limit: LOG_ROWS })]);
    const evName = (type: string) => (type === WEBHOOK_TEST_EVENT ? t('webhooks.test') : t(`webhooks.ev.${type}` as MessageKey));
    const when = (d: Date) => formatDateTime(d, ctx.timeZone, ctx.locale);
    return layout(ctx, {
      title: t('nav.webhooks'), active: '/webhooks',
      body: html`<p class="error" id="page-error" hidden></p>
      <p>${t('webhooks.intro')}</p>
      <form class="card" id="webhook-form" data-webhook-create="POST /api/webhooks">
        <h2>${t('webhooks.add')}</h2>
        <label>${t('webhooks.url')} <input type="url" name="url" required maxlength="2000" placeholder="https://example.com/hooks/bridge"></label>
        <label>${t('common.description')} <input type="text" name="description" maxlength="200"></label>
        <fieldset><legend>${t('webhooks.events')}</legend>
          ${WEBHOOK_EVENT_TYPES.map((e) => html`<label class="inline"><input type="checkbox" name="events" value="${e}" checked> ${evName(e)} <code>${e}</code></label>`)}
        </fieldset>
        <p class="form-error error" hidden></p>
        <button type="submit">${t('common.add')}</button>
      </form>
      <div class="card" id="webhook-secret" hidden><p id="webhook-secret-label"></p><p><code id="webhook-secret-value"></code></p>
        <button type="button" id="webhook-secret-done"></button></div>
      ${endpoints.length === 0 ? html`<p id="webhooks-empty">${t('webhooks.none')}</p>` : html`
      <table id="webhooks-table"><thead><tr><th>URL</th><th>${t('webhooks.events')}</th><th>${t('webhooks.status')}</th><th></th></tr></thead>
      <tbody>${endpoints.map((e) => html`<tr data-webhook-id="${e.id}">
        <td><code>${e.url}</code>${e.description ? html`<br>${e.description}` : ''}</td>
        <td>${e.events.map((x) => evName(x)).join(', ')}</td>
        <td class="webhook-state">${e.enabled ? t('webhooks.enabled') : t('webhooks.disabled')}</td>
        <td><div class="actions">
          <button type="button" class="secondary webhook-toggle" data-action="PATCH /api/webhooks/${e.id}" data-body="${JSON.stringify({ enabled: !e.enabled })}">${e.enabled ? t('webhooks.disable') : t('webhooks.enable')}</button>
          <button type="button" class="secondary webhook-test" data-action="POST /api/webhooks/${e.id}/test">${t('webhooks.test')}</button>
          <button type="button" class="danger webhook-delete" data-action="DELETE /api/webhooks/${e.id}" data-confirm="js.confirmDelete">${t('common.delete')}</button>
        </div></td></tr>`)}</tbody></table>`}
      <h2>${t('webhooks.deliveries')}</h2>
      ${log.length === 0 ? html`<p id="deliveries-empty">${t('webhooks.noDeliveries')}</p>` : html`
      <table id="deliveries-table"><thead><tr><th>${t('common.time')}</th><th>${t('webhooks.event')}</th><th>URL</th><th>${t('webhooks.status')}</th><th>${t('webhooks.attempts')}</th><th></th></tr></thead>
      <tbody>${log.map(({ delivery: d, attempts, endpointUrl }) => html`<tr data-delivery-id="${d.id}" data-status="${d.status}">
        <td>${when(d.createdAt)}</td>
        <td>${evName(d.eventType)}<br><code>${d.eventType}</code></td>
        <td><code>${endpointUrl ?? ''}</code></td>
        <td class="delivery-status">${t(`webhooks.status.${d.status}` as MessageKey)}${d.status === 'pending' && d.nextAttemptAt && d.attempts > 0 ? html`<br><small>${t('webhooks.next', { time: when(d.nextAttemptAt) })}</small>` : ''}</td>
        <td><ol class="attempts">${attempts.map((a) => html`<li data-status-code="${a.statusCode ?? ''}">${when(a.at)} · ${a.statusCode === null ? '' : html`<strong>HTTP ${a.statusCode}</strong>`}${a.error ? html` ${a.error}` : ''} · ${a.durationMs} ms</li>`)}</ol></td>
        <td>${d.status === 'pending' ? '' : html`<button type="button" class="secondary webhook-redeliver" data-action="POST /api/webhook-deliveries/${d.id}/redeliver">${t('webhooks.redeliver')}</button>`}</td>
      </tr>`)}</tbody></table>`}`,
    });
  });
}
