// Branded mails (issue 19): the invitation and the meeting summary of a
// branded account get an HTML alternative of their text — a header in the
// account's primary colour with its logo (inline, cid: — RFC 2392, never a
// URL the mail client would fetch) and slogan, the text as paragraphs, an
// accent rule — while the text part and the .ics stay as they were. Every
// value from the account (name, slogan, the text's own lines) is escaped;
// the colours are #rrggbb (checked on the way in). Styles are inline: mail
// clients drop <style> blocks. An account without branding keeps text only.
import type { Account } from '../../core/accounts/store.ts';
import type { BrandingStore } from '../../core/branding/store.ts';
import { textColourOn } from '../../core/branding/colour.ts';
import { html, raw, type SafeHtml } from '../views/html.ts';
import type { Locale } from '../i18n/messages.ts';
import type { InlineImage, MailMessage } from './mailer.ts';

export const LOGO_CID = 'brand-logo@bridge';
const DEFAULT_PRIMARY = '#12324f';
const FG = '#1d2733';

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

export interface MailBranding {
  accountName: string;
  primaryColor: string | null;
  accentColor: string | null;
  slogan: string | null;
  logo: { contentType: string; content: Buffer; width: number; height: number } | null;
}

/** The account's branding with its logo's bytes, or null (the default look: text only). */
export async function mailBrandingOf(store: Pick<BrandingStore, 'get' | 'logoFile'>, account: Pick<Account, 'id' | 'name'>): Promise<MailBranding | null> {
  const b = await store.get(account.id);
  if (!b) return null;
  const file = b.logo ? await store.logoFile(b.logo.sha256) : undefined;
  return {
    accountName: account.name, primaryColor: b.primaryColor, accentColor: b.accentColor, slogan: b.slogan,
    logo: b.logo && file ? { contentType: file.contentType, content: file.content, width: b.logo.width, height: b.logo.height } : null,
  };
}

/** `m` with the branded HTML part (and the logo inline) when the account is branded; as it was otherwise. */
type Content = Pick<MailMessage, 'subject' | 'text'>;
type Branded<M> = M & Pick<MailMessage, 'html' | 'inline'>;

export async function withBranding<M extends Content>(store: Pick<BrandingStore, 'get' | 'logoFile'>, account: Pick<Account, 'id' | 'name'>, m: M, locale: Locale): Promise<Branded<M>> {
  const b = await mailBrandingOf(store, account);
  return b ? brandMail(m, b, locale) : m;
}

/** Pure: the message with `html` (and `inline`) added. */
export function brandMail<M extends Content>(m: M, b: MailBranding, locale: Locale): Branded<M> {
  const primary = b.primaryColor ?? DEFAULT_PRIMARY;
  const onPrimary = textColourOn(primary);
  const inline: InlineImage[] = b.logo
    ? [{ cid: LOGO_CID, filename: `logo.${EXTENSIONS[b.logo.contentType] ?? 'img'}`, contentType: b.logo.contentType, content: b.logo.content }]
    : [];
  // A logo at most 48 px high, its width kept in proportion (mail clients ignore CSS max-height).
  const height = b.logo ? Math.min(48, b.logo.height) : 0;
  const width = b.logo ? Math.max(1, Math.round((b.logo.width * height) / b.logo.height)) : 0;
  const page = html`<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${m.subject}</title></head>
<body style="margin:0;padding:0;background:#f6f8fa">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;max-width:640px;margin:0 auto;background:#ffffff">
<tr><td data-brand="header" style="background:${primary};color:${onPrimary};padding:16px 24px;font:600 18px/1.4 system-ui,sans-serif">
${b.logo ? html`<img src="cid:${LOGO_CID}" alt="${b.accountName}" width="${width}" height="${height}" style="display:block;border:0;margin:0 0 8px">` : ''}
<div>${b.accountName}</div>
${b.slogan ? html`<div data-brand="slogan" style="font-weight:400;font-size:14px">${b.slogan}</div>` : ''}
</td></tr>
<tr><td style="padding:20px 24px;color:${FG};font:15px/1.5 system-ui,sans-serif">${paragraphs(m.text)}</td></tr>
<tr><td style="border-top:4px solid ${b.accentColor ?? primary};font-size:0;line-height:0">&nbsp;</td></tr>
</table>
</body></html>`;
  return { ...m, html: page.value, ...(inline.length > 0 ? { inline } : {}) };
}

const URL_RE = /https?:\/\/[^\s<>"']+/g;

/** One line, escaped, its web addresses as links. */
function line(s: string): SafeHtml {
  const parts: SafeHtml[] = [];
  let last = 0;
  for (const match of s.matchAll(URL_RE)) {
    parts.push(html`${s.slice(last, match.index)}`, html`<a href="${match[0]}">${match[0]}</a>`);
    last = match.index + match[0].length;
  }
  parts.push(html`${s.slice(last)}`);
  return html`${parts}`;
}

/** Blank lines separate paragraphs; the lines within one keep their breaks. */
function paragraphs(text: string): SafeHtml {
  const blocks = text.split(/\r?\n\s*\r?\n/).filter((p) => p.trim() !== '');
  return html`${blocks.map((p) => html`<p style="margin:0 0 12px">${p.split(/\r?\n/).map((l, i) => html`${i > 0 ? raw('<br>') : ''}${line(l)}`)}</p>`)}`;
}
