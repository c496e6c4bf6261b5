// The account's branding on the JSON API (issue 19): the owner reads and
// changes colours and slogan, uploads or removes the logo, or resets it all;
// every change is audited. Operators read an account's branding. The logo
// and the stylesheet themselves are public files, not JSON: web/branding/assets.ts.
import { z } from 'zod';
import type { ApiRouter } from '../http/api-router.ts';
import type { WebServices } from '../services.ts';
import { idParams } from '../http/schemas.ts';
import { HEX_COLOUR, textColourOn } from '../../core/branding/colour.ts';
import type { Branding } from '../../core/branding/store.ts';
import { logoUrl, themeUrl } from './service.ts';

const TAG = 'branding';

export function brandingJson(b: Branding | null) {
  if (!b) return { branded: false, logo: null, primaryColor: null, accentColor: null, slogan: null, textOnPrimary: null, textOnAccent: null, themeUrl: null, updatedAt: null };
  return {
    branded: true,
    logo: b.logo ? { url: logoUrl(b), contentType: b.logo.contentType, width: b.logo.width, height: b.logo.height, bytes: b.logo.bytes } : null,
    primaryColor: b.primaryColor, accentColor: b.accentColor, slogan: b.slogan,
    textOnPrimary: b.primaryColor ? textColourOn(b.primaryColor) : null, textOnAccent: b.accentColor ? textColourOn(b.accentColor) : null,
    themeUrl: themeUrl(b), updatedAt: b.updatedAt.toISOString(),
  };
}

const colour = z.string().regex(HEX_COLOUR, 'a colour written #rrggbb (e.g. #12324f)').nullable().optional();

export const brandingBody = z.object({
  primaryColor: colour,
  accentColor: colour,
  // At most 80 characters is checked by the service (in characters, not UTF-16 units); this only bounds the work.
  slogan: z.string().max(1000).nullable().optional(),
}).strict();

/** The logo file as base64 (or a data: URL); its bytes decide what it is. 256 KB of file is about 350,000 characters. */
export const logoBody = z.object({ data: z.string().min(1).max(1_000_000) }).strict();

export function registerBrandingRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/account/branding', tag: TAG, access: 'admin',
    summary: 'The account\'s branding: logo (its public URL), primary and accent colours with their black or white text, slogan',
    handler: async (c) => brandingJson(await s.branding.get(c.accountId)),
  });
  api.add({
    method: 'put', path: '/api/account/branding', tag: TAG, access: 'admin',
    summary: 'Sets the colours (#rrggbb) and the slogan (at most 80 characters, one line); an absent field stays, null clears it',
    body: brandingBody,
    handler: async (c) => {
      const b = await s.branding.update(c.accountId, c.body, c.now);
      await c.audit('branding.update', { data: { ...c.body } });
      return brandingJson(b);
    },
  });
  api.add({
    method: 'put', path: '/api/account/branding/logo', tag: TAG, access: 'admin',
    summary: 'Uploads the logo: PNG, JPEG or WebP (never SVG), at most 256 KB, 2048 px a side and 2 megapixels; base64 in `data`',
    body: logoBody,
    handler: async (c) => {
      const b = await s.branding.setLogo(c.accountId, c.body.data, c.now);
      await c.audit('branding.logo', { data: { ...b.logo } });
      return brandingJson(b);
    },
  });
  api.add({
    method: 'delete', path: '/api/account/branding/logo', tag: TAG, access: 'admin', summary: 'Removes the logo (colours and slogan stay)',
    handler: async (c) => {
      const b = await s.branding.removeLogo(c.accountId, c.now);
      await c.audit('branding.logo_remove');
      return brandingJson(b);
    },
  });
  api.add({
    method: 'delete', path: '/api/account/branding', tag: TAG, access: 'admin', summary: 'Back to the default look: no logo, colours or slogan',
    handler: async (c) => {
      const had = await s.branding.reset(c.accountId);
      await c.audit('branding.reset', { data: { had } });
      return brandingJson(null);
    },
  });
  api.add({
    method: 'get', path: '/api/operator/accounts/:id/branding', tag: TAG, access: 'operator', params: idParams,
    summary: 'An account\'s branding, as its owner set it',
    handler: async (c) => {
      await s.account.get(c.params.id); // 404 for an account that does not exist
      return brandingJson(await s.branding.get(c.params.id));
    },
  });
}
