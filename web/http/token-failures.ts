// Refused API tokens, counted and logged: `bridge_web_token_failures_total`
// by reason (a wrong, expired or revoked token; a frozen user or account; a
// route outside the token's scopes). The log says who tried, once per source
// address and then at most once a minute with the count since — a stream of
// guesses must not become a stream of log lines. The table of sources is
// bounded; when full it starts again (the counter keeps every failure).
import { counter } from '../../common/metrics.ts';
import { moduleLogger } from '../../common/log.ts';

const log = moduleLogger('web', { part: 'tokens' });

const failures = counter<'reason'>({
  name: 'bridge_web_token_failures_total',
  help: 'API requests refused for their bearer token: invalid (malformed, unknown, expired, revoked, user or account gone or frozen) or outside its scopes',
  labelNames: ['reason'],
});

const LOG_EVERY_MS = 60_000;
const MAX_SOURCES = 1000;
const sources = new Map<string, { loggedAt: number; since: number }>();

export function tokenFailed(reason: string, ip: string | null, detail: Record<string, unknown> = {}, nowMs = Date.now()): void {
  failures.inc({ reason });
  const key = ip ?? '?';
  const seen = sources.get(key);
  if (seen && nowMs - seen.loggedAt < LOG_EVERY_MS) { seen.since++; return; }
  if (!seen && sources.size >= MAX_SOURCES) sources.clear();
  log.warn({ reason, ip, ...detail, ...(seen ? { refusedSinceLastLog: seen.since } : {}) }, 'API token refused');
  sources.set(key, { loggedAt: nowMs, since: 0 });
}
