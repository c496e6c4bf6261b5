// The branding on the account page (issue 19): the owner's card (logo upload
// with a preview, colours, slogan, reset) and the operators' summary of an
// account's branding. Every value is escaped (web/views/html.ts); the logo
// is shown from its public URL, the colours as their codes (a swatch would
// need an inline style, which the CSP forbids).
import { html, type SafeHtml } from '../views/html.ts';
import type { PageContext } from '../http/page-router.ts';
import type { Branding } from '../../core/branding/store.ts';
import { LOGO_MAX_BYTES } from '../../core/branding/image.ts';
import { SLOGAN_MAX } from '../../core/branding/slogan.ts';
import { logoUrl } from './service.ts';

const DEFAULT_PRIMARY = '#12324f';
const DEFAULT_ACCENT = '#0b63c5';

/** The owner's card: each form calls the JSON API (web/public/js/branding.js for the logo). */
export function brandingCard(ctx: Pick<PageContext, 't'>, b: Branding | null, accountName: string): SafeHtml {
  const t = ctx.t;
  const url = b ? logoUrl(b) : null;
  return html`<section class="card" id="branding"><h2>${t('branding.title')}</h2>
    <p class="muted">${t('branding.intro')}</p>
    <p class="error" id="page-error" hidden></p>
    <h3>${t('branding.logo')}</h3>
    <p id="branding-logo-current">${url ? html`<img class="logo-preview" id="branding-logo" src="${url}" alt="${accountName}">` : html`<span class="muted">${t('branding.noLogo')}</span>`}</p>
    <form id="branding-logo-form" data-max-bytes="${LOGO_MAX_BYTES}">
      <label>${t('branding.chooseLogo')} <input type="file" id="branding-logo-file" accept="image/png,image/jpeg,image/webp"></label>
      <p class="muted">${t('branding.logoHint')}</p>
      <p hidden id="branding-preview-box">${t('branding.preview')}: <img class="logo-preview" id="branding-preview" alt=""></p>
      <p class="form-error" hidden></p><p id="branding-logo-done" class="status-ok" hidden></p>
      <button type="submit">${t('branding.upload')}</button>
      ${b?.logo ? html`<button type="button" class="danger" id="branding-logo-remove" data-action="DELETE /api/account/branding/logo">${t('branding.removeLogo')}</button>` : ''}
    </form>
    <form data-api="PUT /api/account/branding" id="branding-form">
      <h3>${t('branding.colours')}</h3>
      <label>${t('branding.primary')} <input type="color" name="primaryColor" value="${b?.primaryColor ?? DEFAULT_PRIMARY}"></label>
      <label>${t('branding.accent')} <input type="color" name="accentColor" value="${b?.accentColor ?? DEFAULT_ACCENT}"></label>
      <p class="muted">${t('branding.contrastHint')}</p>
      <label>${t('branding.slogan')} <input type="text" name="slogan" maxlength="${SLOGAN_MAX * 2}" data-empty="null" value="${b?.slogan ?? ''}"></label>
      <p class="form-error" hidden></p><button type="submit">${t('branding.save')}</button>
    </form>
    ${b ? html`<p><button type="button" class="danger" id="branding-reset" data-action="DELETE /api/account/branding" data-confirm="js.confirmBrandingReset">${t('branding.reset')}</button></p>` : ''}
  </section>`;
}

/** What an operator sees of an account's branding (a cell of the accounts table). */
export function brandingSummary(ctx: Pick<PageContext, 't'>, b: Branding | undefined, accountName: string): SafeHtml {
  const t = ctx.t;
  if (!b) return html`<span class="muted">${t('branding.default')}</span>`;
  const url = logoUrl(b);
  return html`<div class="branding-summary" data-branding="${b.accountId}">
    ${url ? html`<img class="logo-thumb" src="${url}" alt="${accountName}">` : ''}
    ${b.slogan ? html`<div class="brand-slogan-text">${b.slogan}</div>` : ''}
    <div class="muted">${b.primaryColor ?? '—'} / ${b.accentColor ?? '—'}</div></div>`;
}
