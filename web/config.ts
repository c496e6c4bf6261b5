// What the web app needs to know, taken from the process configuration.
import type { Config } from '../common/config.ts';

export interface SmtpSettings {
  /** smtp://user:pass@host:port or smtps://… */
  url: string;
  from: string;
}

/** Webhooks: allowed networks and the retry schedule (common/config.ts `webhooks`). */
export interface WebhookSettings {
  allow: string[];
  retryBaseMs: number;
  retryMaxMs: number;
  retryForMs: number;
  timeoutMs: number;
  pollMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: Readonly<WebhookSettings> = {
  allow: [], retryBaseMs: 30_000, retryMaxMs: 3_600_000, retryForMs: 86_400_000, timeoutMs: 10_000, pollMs: 2000,
};

export interface WebConfig {
  /** Region of numbers typed without a country code, and the "national" of display. */
  defaultRegion: string;
  secureCookies: boolean;
  licensedPorts: number;
  /** Without SMTP, mails go to the operator's outbox. */
  smtp?: SmtpSettings | undefined;
  /** The web's address as people reach it (links in mails); default http://<host>:<port>. */
  publicUrl?: string | undefined;
  /** Session lifetime (default 12 h). */
  sessionTtlMs?: number;
  /** Default DEFAULT_WEBHOOK_SETTINGS (nothing forbidden allowed). */
  webhooks?: Partial<WebhookSettings>;
  /** The bridge's own addresses (SIP, RTP, web hosts): never a webhook's target unless allowed. */
  ownAddresses?: string[];
}

export function webConfigFrom(c: Config): WebConfig {
  return {
    defaultRegion: c.defaultRegion,
    secureCookies: c.web.secureCookies,
    licensedPorts: c.web.licensedPorts,
    smtp: c.web.smtpUrl ? { url: c.web.smtpUrl, from: c.web.mailFrom } : undefined,
    publicUrl: c.web.publicUrl ?? `http://${c.web.host}:${c.web.port}`,
    webhooks: c.webhooks,
    ownAddresses: [c.sip.host, c.sip.advertisedHost, c.rtp.host, c.rtp.advertisedHost, c.web.host].filter((h): h is string => h !== undefined),
  };
}
