// An account's branding as pages show it (issue 19): the stylesheet that sets
// the brand colours as CSS custom properties (a file from our own origin, so
// the Content-Security-Policy's style-src 'self' holds: no inline style, no
// script), the logo in the header, and the slogan (escaped, as every value).
// The layout of the account's pages uses these; so will the browser join and
// listen pages of issue 17 (public, no session): they call
// `BrandingService.pageBranding(accountId)` (web/branding/service.ts) for the
// room's account and put `brandingHead(b)` in their <head> and
// `brandingMark(b, accountName)` in their header.
import { html, type SafeHtml } from './html.ts';

export interface PageBranding {
  /** /branding/<token>/theme.css: the colours as custom properties (--brand-primary, --brand-on-primary, --accent, --on-accent). */
  themeUrl: string;
  /** /branding/<token>/logo, or null without a logo. */
  logoUrl: string | null;
  slogan: string | null;
  primaryColor: string | null;
  accentColor: string | null;
}

/** The brand stylesheet, after the app's own (it overrides the default colours). */
export function brandingHead(b: PageBranding | null | undefined): SafeHtml {
  return b ? html`<link rel="stylesheet" href="${b.themeUrl}" id="brand-theme">` : html``;
}

/** The logo (alt: the account's name), or nothing without one. */
export function brandingLogo(b: PageBranding | null | undefined, accountName: string): SafeHtml {
  return b?.logoUrl ? html`<img class="brand-logo" id="brand-logo" src="${b.logoUrl}" alt="${accountName}">` : html``;
}

export function brandingSlogan(b: PageBranding | null | undefined): SafeHtml {
  return b?.slogan ? html`<span class="brand-slogan" id="brand-slogan">${b.slogan}</span>` : html``;
}

/** The logo and the slogan for a page header. */
export function brandingMark(b: PageBranding | null | undefined, accountName: string): SafeHtml {
  return html`${brandingLogo(b, accountName)}${brandingSlogan(b)}`;
}
