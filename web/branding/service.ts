// The account's branding (issue 19): the owner sets colours, slogan and logo
// (each checked: core/branding/colour.ts, slogan.ts, image.ts) or resets it
// all; pages, mails and the public logo and stylesheet read it back.
// The logo and the stylesheet are public by an unguessable URL
// (/branding/<token>/…, 128 random bits, new on every change): the logo is
// shown on the account's pages, and will be on the browser join and listen
// pages of issue 17, which have no session; mails carry it inline instead.
import { createHash } from 'node:crypto';
import type { Repositories } from '../../core/repositories.ts';
import type { Branding, LogoFile } from '../../core/branding/store.ts';
import { checkLogo, LogoRejectedError } from '../../core/branding/image.ts';
import { AA_CONTRAST, contrastRatio, normaliseColour, textColourOn, WHITE } from '../../core/branding/colour.ts';
import { normaliseSlogan } from '../../core/branding/slogan.ts';
import type { PageBranding } from '../views/branding.ts';
import { counter } from '../../common/metrics.ts';

/** Logo uploads refused, by reason (svg, not_an_image, malformed, too_large, dimensions, empty): a spike of svg or not_an_image is someone probing. */
const logosRejected = counter<'reason'>({ name: 'bridge_branding_logos_rejected_total', help: 'Logo uploads refused, by reason', labelNames: ['reason'] });

export interface BrandingUpdate {
  primaryColor?: string | null | undefined;
  accentColor?: string | null | undefined;
  slogan?: string | null | undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const themeUrl = (b: Pick<Branding, 'token'>): string => `/branding/${b.token}/theme.css`;
export const logoUrl = (b: Pick<Branding, 'token' | 'logo'>): string | null => (b.logo ? `/branding/${b.token}/logo` : null);

export class BrandingService {
  constructor(private readonly repos: Pick<Repositories, 'branding'>) {}

  get(accountId: string): Promise<Branding | null> {
    return this.repos.branding.get(accountId);
  }

  /** Every branded account's branding by account id (the operators' accounts page). */
  async byAccount(): Promise<Map<string, Branding>> {
    return new Map((await this.repos.branding.list()).map((b) => [b.accountId, b]));
  }

  /** What the account's pages show; null: the default look. Also for the join/listen pages to come (issue 17). */
  async pageBranding(accountId: string): Promise<PageBranding | null> {
    const b = await this.repos.branding.get(accountId);
    return b ? pageBrandingOf(b) : null;
  }

  /** Colours and slogan; absent fields stay, null clears. Everything is checked before anything is written. */
  async update(accountId: string, u: BrandingUpdate, now: Date): Promise<Branding> {
    const patch = {
      ...(u.primaryColor !== undefined ? { primaryColor: u.primaryColor === null ? null : normaliseColour(u.primaryColor, 'primaryColor') } : {}),
      ...(u.accentColor !== undefined ? { accentColor: u.accentColor === null ? null : normaliseColour(u.accentColor, 'accentColor') } : {}),
      ...(u.slogan !== undefined ? { slogan: u.slogan === null ? null : normaliseSlogan(u.slogan) } : {}),
    };
    return this.repos.branding.set(accountId, patch, now);
  }

  /** A new logo from its base64 bytes (a data: URL prefix is allowed and its declared type ignored: the bytes say what it is). */
  async setLogo(accountId: string, base64: string, now: Date): Promise<Branding> {
    const body = base64.replace(/^data:[^,]{0,100},/, '').replace(/\s+/g, '');
    let content: Buffer;
    let info: ReturnType<typeof checkLogo>;
    try {
      if (!BASE64.test(body) || body.length % 4 !== 0) throw new LogoRejectedError('not_an_image', 'the logo must be sent as base64');
      content = Buffer.from(body, 'base64');
      info = checkLogo(content);
    } catch (err) {
      if (err instanceof LogoRejectedError) logosRejected.inc({ reason: err.reason });
      throw err;
    }
    const sha256 = createHash('sha256').update(content).digest('hex');
    return this.repos.branding.set(accountId, { logo: { sha256, contentType: info.type, width: info.width, height: info.height, content } }, now);
  }

  async removeLogo(accountId: string, now: Date): Promise<Branding> {
    return this.repos.branding.set(accountId, { logo: null }, now);
  }

  /** Back to the default look; false when it had it already. */
  reset(accountId: string): Promise<boolean> {
    return this.repos.branding.reset(accountId);
  }

  byToken(token: string): Promise<Branding | null> {
    return this.repos.branding.byToken(token);
  }

  logoFile(sha256: string): Promise<LogoFile | undefined> {
    return this.repos.branding.logoFile(sha256);
  }
}

export function pageBrandingOf(b: Branding): PageBranding {
  return { themeUrl: themeUrl(b), logoUrl: logoUrl(b), slogan: b.slogan, primaryColor: b.primaryColor, accentColor: b.accentColor };
}

/** The pages' text colour (app.css --fg): the accent's stand-in as text on white when the accent is too light. */
const INK = '#1d2733';

/** The stylesheet of a branding: its colours as custom properties, each with its black or white text (WCAG AA). */
export function themeCss(b: Pick<Branding, 'primaryColor' | 'accentColor'>): string {
  const vars: string[] = [];
  if (b.primaryColor) vars.push(`--brand-primary: ${b.primaryColor};`, `--brand-on-primary: ${textColourOn(b.primaryColor)};`);
  if (b.accentColor) {
    const ink = contrastRatio(b.accentColor, WHITE) >= AA_CONTRAST ? b.accentColor : INK;
    vars.push(`--accent: ${b.accentColor};`, `--on-accent: ${textColourOn(b.accentColor)};`, `--accent-ink: ${ink};`);
  }
  return `/* The account's brand colours (generated). */\n:root {\n${vars.map((v) => `  ${v}\n`).join('')}}\n`;
}
