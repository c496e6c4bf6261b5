// The public files of a branding (issue 19): the logo and the stylesheet of
// the brand colours, at /branding/<token>/logo and /branding/<token>/theme.css.
// Public by an unguessable URL, by choice: the logo shows on the account's
// pages and, later, on the browser join and listen pages (issue 17), which
// have no session; the token is 128 random bits that change on every change
// of the branding, so an old URL answers 404 and a current one can be cached
// for good (immutable). Not JSON routes (the ApiRouter's), so plain Express
// routes, mounted before the session: no cookie is read, nothing is written.
// The logo goes out as the type its bytes were checked to be, with nosniff,
// a CSP that lets nothing run if it is opened on its own, and CORP same-origin.
import type { Express, Response } from 'express';
import type { BrandingService } from './service.ts';
import { themeCss } from './service.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

function notFound(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.status(404).type('text/plain').send('not found');
}

export function mountBrandingAssets(app: Express, branding: BrandingService): void {
  app.get('/branding/:token/logo', (req, res, next) => {
    void (async () => {
      const b = await branding.byToken(req.params.token);
      const file = b?.logo ? await branding.logoFile(b.logo.sha256) : undefined;
      if (!file) { notFound(res); return; }
      res.setHeader('Content-Type', file.contentType);
      res.setHeader('Content-Length', String(file.content.length));
      res.setHeader('Content-Disposition', `inline; filename="logo.${EXTENSIONS[file.contentType] ?? 'img'}"`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
      res.setHeader('Cache-Control', IMMUTABLE);
      res.status(200).end(req.method === 'HEAD' ? undefined : file.content);
    })().catch(next);
  });
  app.get('/branding/:token/theme.css', (req, res, next) => {
    void (async () => {
      const b = await branding.byToken(req.params.token);
      if (!b) { notFound(res); return; }
      res.setHeader('Content-Type', 'text/css; charset=utf-8');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Cache-Control', IMMUTABLE);
      res.status(200).send(themeCss(b));
    })().catch(next);
  });
}
