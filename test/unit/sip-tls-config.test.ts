// SIP over TLS settings: sip.tls in the config (and its environment
// variables), the certificate and key read at start-up (ConfigError for a
// missing, unreadable or unusable file), and how URIs resolve to TLS.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema, loadConfig } from '../../common/config.ts';
import { ConfigError } from '../../common/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import { parseUri } from '../../bridge/sip/grammar/uri.ts';
import { loadTlsCredentials } from '../../bridge/sip/transport/tls-credentials.ts';
import { SipUserAgent } from '../../bridge/sip/user-agent.ts';
import { FakeClock } from '../support/step-clock.ts';
import { Network } from '../support/sip-network.ts';

const dir = mkdtempSync(join(tmpdir(), 'sip-tls-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { timeout: 30_000, stdio: 'ignore' });

describe('sip.tls settings', () => {
  test('off by default; a port needs a certificate and a key', () => {
    assert.equal(configSchema.parse({}).sip.tls.port, undefined);
    assert.throws(() => configSchema.parse({ sip: { tls: { port: 5061 } } }), /sip.tls.cert and sip.tls.key are required/);
    assert.equal(configSchema.parse({ sip: { tls: { port: 5061, cert, key } } }).sip.tls.port, 5061);
  });

  test('from the environment', () => {
    const c = loadConfig({ BRIDGE_SIP_TLS_PORT: '5061', BRIDGE_SIP_TLS_CERT: cert, BRIDGE_SIP_TLS_KEY: key });
    assert.deepEqual(c.sip.tls, { port: 5061, cert, key });
    assert.throws(() => loadConfig({ BRIDGE_SIP_TLS_PORT: '5061' }), ConfigError);
  });

  test('the files are read and checked: missing, unreadable as PEM, or a key of another certificate → ConfigError naming them', () => {
    assert.equal(loadTlsCredentials({}), undefined);
    const ok = loadTlsCredentials({ port: 5061, cert, key });
    assert.equal(ok?.port, 5061);
    assert.ok(ok?.cert.toString().includes('BEGIN CERTIFICATE'));
    assert.throws(() => loadTlsCredentials({ port: 5061, cert: join(dir, 'nope.pem'), key }), (e: unknown) => e instanceof ConfigError && e.message.includes('nope.pem'));
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    assert.throws(() => loadTlsCredentials({ port: 5061, cert: garbage, key }), ConfigError);
    const otherKey = join(dir, 'other-key.pem');
    execFileSync('openssl', ['genrsa', '-out', otherKey, '2048'], { timeout: 30_000, stdio: 'ignore' });
    assert.throws(() => loadTlsCredentials({ port: 5061, cert, key: otherKey }), ConfigError);
  });
});

describe('URIs to TLS', () => {
  const ua = new SipUserAgent({ transport: new Network(new FakeClock()).endpoint('127.0.0.1', 5060), logger: moduleLogger('test'), host: '127.0.0.1', port: 5060, tlsPort: 5061, clock: new FakeClock() });
  test('sips: and ;transport=tls resolve to TLS, port 5061 unless given', async () => {
    assert.deepEqual(await ua.resolve(parseUri('sips:room@127.0.0.1')), { transport: 'tls', address: '127.0.0.1', port: 5061 });
    assert.deepEqual(await ua.resolve(parseUri('sip:room@127.0.0.1:6000;transport=tls')), { transport: 'tls', address: '127.0.0.1', port: 6000 });
    assert.deepEqual(await ua.resolve(parseUri('sip:room@127.0.0.1')), { transport: 'udp', address: '127.0.0.1', port: 5060 });
  });
  test('over TLS our Via says TLS and our TLS port; the Contact carries ;transport=tls', () => {
    assert.deepEqual(ua.via('tls'), { transport: 'TLS', host: '127.0.0.1', port: 5061 });
    const c = ua.contactFor('tls');
    assert.equal(c.uri.port, 5061);
    assert.equal(c.uri.params.get('transport'), 'tls');
    assert.equal(ua.contactFor('udp').uri.params.has('transport'), false);
  });
});
