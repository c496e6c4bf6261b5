// `Authorization: Bearer <token>` on /api/* (RFC 6750 §2.1): the request acts
// as the token's creator, with the token's scopes (web/http/token-scopes.ts),
// beside the session middleware and instead of it — a request with a token
// never has its cookies read, so a token and a browser session never mix.
// A token that is not good is a 401 with `WWW-Authenticate: Bearer
// error="invalid_token"` (§3), counted and logged (web/http/token-failures.ts).
// Another scheme (Basic…) is no token: the request goes on as cookie-based.
import type { Request } from 'express';
import type { TokenService } from '../tokens/service.ts';
import { TokenRefusal } from '../tokens/service.ts';
import { setAuth, setLocale } from '../http/request-context.ts';
import { tokenFailed } from '../http/token-failures.ts';
import { isLocale } from '../i18n/messages.ts';

/** The bearer token of an /api request; undefined when it has none (pages never take one). */
export function bearerTokenOf(req: Request): string | undefined {
  if (!req.path.startsWith('/api/')) return undefined;
  const header = req.get('authorization');
  if (!header) return undefined;
  const m = /^Bearer[ \t]+(\S*)[ \t]*$/i.exec(header);
  if (!m) return /^Bearer\b/i.test(header) ? '' : undefined;
  return m[1]!;
}

/** Sets the request's caller from the token, or throws TokenRefusal (401). */
export async function authenticateBearer(req: Request, presented: string, tokens: TokenService): Promise<void> {
  setLocale(req, (req.get('accept-language') ?? '').toLowerCase().startsWith('en') ? 'en' : 'zh-CN');
  const ip = req.ip ?? null;
  try {
    const auth = await tokens.authenticate(presented, ip);
    setAuth(req, auth);
    if (isLocale(auth.user.locale)) setLocale(req, auth.user.locale);
  } catch (err) {
    if (err instanceof TokenRefusal) tokenFailed(err.reason, ip, { method: req.method, path: req.path, prefix: /^cbt_([0-9a-f]{10})_/.exec(presented)?.[1] });
    throw err;
  }
}
