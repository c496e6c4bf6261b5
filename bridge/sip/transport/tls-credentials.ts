// The certificate and key of the SIP TLS listener (config sip.tls), read and
// checked at start-up: a missing, unreadable or mismatched file is a
// ConfigError naming it, not a listener that fails on the first handshake.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { ConfigError } from '../../../common/errors.ts';

export interface TlsListenerOptions {
  port: number;
  cert: Buffer;
  key: Buffer;
}

/** undefined when TLS is off (no sip.tls.port). Throws ConfigError for files that cannot serve. */
export function loadTlsCredentials(settings: { port?: number; cert?: string; key?: string }): TlsListenerOptions | undefined {
  if (settings.port === undefined) return undefined;
  if (!settings.cert || !settings.key) throw new ConfigError('sip.tls.port needs sip.tls.cert and sip.tls.key');
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`cannot read sip.tls.${what} ${path}: ${(err as Error).message}`);
    }
  };
  const cert = read('cert', settings.cert);
  const key = read('key', settings.key);
  try {
    tls.createSecureContext({ cert, key });
  } catch (err) {
    throw new ConfigError(`sip.tls.cert/sip.tls.key (${settings.cert}, ${settings.key}) cannot be used: ${(err as Error).message}`);
  }
  return { port: settings.port, cert, key };
}
