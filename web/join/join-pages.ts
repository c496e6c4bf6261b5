// The public join page (issue 17): /join, from the invitation link
// (/join?room=123456) or typed; asks room, PIN and name, then
// web/public/js/join.js takes the microphone, sends the offer, and shows
// mute, leave and the participants (who talks).
import { preSessionToken } from '../auth/routes.ts';
import type { PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html } from '../views/html.ts';
import { layout } from '../views/layout.ts';

export function registerJoinPages(pages: PageRouter, s: WebServices): void {
  pages.get('/join', 'public', async (ctx) => {
    const token = preSessionToken(ctx.req, ctx.res, s.config.secureCookies);
    const room = /^[0-9]{4,12}$/.test(ctx.query.room ?? '') ? ctx.query.room! : '';
    const t = ctx.t;
    return layout(ctx, {
      title: t('join.title'), csrfToken: token,
      body: html`<section class="card" id="join-page">
        <p>${t('join.intro')}</p>
        <form id="join-form">
          <label>${t('join.room')} <input type="text" name="room" id="join-room" inputmode="numeric" pattern="[0-9]{4,12}" value="${room}" required></label>
          <label>${t('join.pin')} <input type="password" name="pin" id="join-pin" inputmode="numeric" pattern="[0-9]{0,8}" autocomplete="off"></label>
          <label>${t('join.name')} <input type="text" name="name" id="join-name" maxlength="64"></label>
          <p class="form-error" id="join-error" hidden></p>
          <button type="submit" id="join-submit">${t('join.submit')}</button>
        </form>
        <div id="join-call" hidden>
          <p id="join-status"></p>
          <button type="button" id="join-mute">${t('join.mute')}</button>
          <button type="button" class="secondary" id="join-leave">${t('join.leave')}</button>
          <h2>${t('join.participants')}</h2>
          <ul id="join-participants"></ul>
        </div>
        <audio id="join-audio" autoplay></audio>
      </section>`,
    });
  });
}
