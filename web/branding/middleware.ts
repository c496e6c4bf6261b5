// Loads the branding of the session's account for the pages (not for the
// JSON API, the static files or the branding files: they never show it), so
// the layout can link its stylesheet and show its logo and slogan.
import type { NextFunction, Request, Response } from 'express';
import { authOf, setBranding } from '../http/request-context.ts';
import type { BrandingService } from './service.ts';

export function brandingMiddleware(branding: BrandingService) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const account = authOf(req)?.account;
    if (!account || req.method !== 'GET' || req.path.startsWith('/api/')) { next(); return; }
    branding.pageBranding(account.id).then((b) => { if (b) setBranding(req, b); next(); }, next);
  };
}
