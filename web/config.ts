// What the web app needs to know, taken from the process configuration.
import type { Config } from '../common/config.ts';

export interface SmtpSettings {
  /** smtp://user:pass@host:port or smtps://… */
  url: string;
  from: string;
}

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
}

export function webConfigFrom(c: Config): WebConfig {
  return {
    defaultRegion: c.defaultRegion,
    secureCookies: c.web.secureCookies,
    licensedPorts: c.web.licensedPorts,
    smtp: c.web.smtpUrl ? { url: c.web.smtpUrl, from: c.web.mailFrom } : undefined,
    publicUrl: c.web.publicUrl ?? `http://${c.web.host}:${c.web.port}`,
  };
}
