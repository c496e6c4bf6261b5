// The live page's invite panel: a number (`number*ext`) or SIP URI with an
// optional name, the account's contacts (many at once) or a whole group,
// "call everyone absent", and the invites list, whose rows and states
// web/public/js/live/invites.js draws from the snapshot and `invite` events.
import type { PageContext } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { formatPhone } from '../views/format.ts';

/** Contacts offered in the picker (the API takes any of the account's by id). */
const MAX_PICK = 500;

export async function invitePanel(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const [entries, groups] = await Promise.all([s.contacts.list(ctx.accountId), s.contacts.groups(ctx.accountId)]);
  const contacts = entries.slice(0, MAX_PICK).map((e) => e.contact);
  return html`<section class="card" id="live-invites-card"><h2>${t('live.invites')}</h2>
    <form id="invite-one" class="group">
      <label class="inline">${t('live.invite.target')} <input name="target" id="invite-target" required maxlength="256" placeholder="${t('live.invite.targetHint')}"></label>
      <label class="inline">${t('live.invite.name')} <input name="name" id="invite-name" maxlength="200"></label>
      <button type="submit" id="invite-call">${t('live.invite.call')}</button>
    </form>
    <form id="invite-bulk" class="group">
      <label class="inline">${t('live.invite.contacts')} <select multiple size="4" id="invite-contacts">${contacts.map((c) => html`<option value="${c.id}">${c.name} ${formatPhone(c.phone, s.config.defaultRegion)}</option>`)}</select></label>
      <label class="inline">${t('live.invite.group')} <select id="invite-group"><option value="">${t('live.invite.noGroup')}</option>${groups.map((g) => html`<option value="${g.id}">${g.name}</option>`)}</select></label>
      <button type="submit" class="secondary" id="invite-bulk-call">${t('live.invite.callSelected')}</button>
      <button type="button" class="secondary" id="invite-absent">${t('live.invite.absent')}</button>
    </form>
    <p class="muted" id="invite-none">${t('live.invite.none')}</p>
    <table id="live-invites" hidden><thead><tr><th>${t('live.invite.col.who')}</th><th>${t('live.invite.col.state')}</th><th>${t('live.invite.col.actions')}</th></tr></thead><tbody></tbody></table>
  </section>`;
}
