// The public listen-in page (issue 17): /listen/<link id> asks the password;
// web/public/js/listen.js sends it with a receive-only offer and plays the
// mix. The owner's side is a section of the room page (listenLinksSection).
import { preSessionToken } from '../auth/routes.ts';
import type { PageContext, PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatShortDateTime } from '../views/format.ts';
import type { ListenLinkView } from './listen-service.ts';

export function registerListenPages(pages: PageRouter, s: WebServices): void {
  pages.get('/listen/:id', 'public', async (ctx) => {
    const token = preSessionToken(ctx.req, ctx.res, s.config.secureCookies);
    const t = ctx.t;
    return layout(ctx, {
      title: t('listen.title'), csrfToken: token,
      body: html`<section class="card" id="listen-page" data-link-id="${ctx.params.id!}">
        <p>${t('listen.intro')}</p>
        <form id="listen-form">
          <label>${t('listen.password')} <input type="password" name="password" id="listen-password" autocomplete="off" required></label>
          <p class="form-error" id="listen-error" hidden></p>
          <button type="submit" id="listen-submit">${t('listen.submit')}</button>
        </form>
        <p id="listen-status" hidden></p>
        <button type="button" class="secondary" id="listen-stop" hidden>${t('listen.stop')}</button>
        <audio id="listen-audio" autoplay></audio>
      </section>`,
    });
  });
}

/** The room page's section: the links with their listeners, revoke, and the form for a new one. */
export function listenLinksSection(ctx: PageContext, roomId: string, links: readonly ListenLinkView[]): SafeHtml {
  const t = ctx.t;
  return html`<section class="card" id="listen-links"><h2>${t('listen.links')}</h2>
    ${links.length === 0 ? html`<p class="muted">${t('listen.none')}</p>` : html`<table id="listen-links-table"><thead><tr><th>${t('listen.link')}</th><th>${t('listen.expires')}</th><th class="num">${t('listen.maxListeners')}</th><th class="num">${t('live.listeners')}</th><th></th></tr></thead>
    <tbody>${links.map((l) => html`<tr data-link-id="${l.id}"><td><a href="${l.path}">${l.path}</a></td><td>${formatShortDateTime(new Date(l.expiresAt), ctx.timeZone, ctx.locale)}</td>
      <td class="num">${l.maxListeners}</td><td class="num">${l.listeners}</td>
      <td>${l.revokedAt ? t('listen.revoked') : html`<button type="button" class="danger" data-action="POST /api/rooms/${roomId}/listen-links/${l.id}/revoke">${t('listen.revoke')}</button>`}</td></tr>`)}</tbody></table>`}
    <form data-api="POST /api/rooms/${roomId}/listen-links" id="listen-link-form"><h3>${t('listen.create')}</h3>
      <label>${t('listen.password')} <input type="text" name="password" minlength="6" maxlength="128" required autocomplete="off"></label>
      <label>${t('listen.validMinutes')} <input type="number" name="validMinutes" min="1" max="10080" value="180" required></label>
      <label>${t('listen.maxListeners')} <input type="number" name="maxListeners" min="1" max="10000" value="100" required></label>
      <p class="form-error" hidden></p><button type="submit">${t('common.add')}</button></form>
  </section>`;
}
