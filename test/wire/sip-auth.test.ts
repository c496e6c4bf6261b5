// Digest authentication on calls the bridge places, on the wire: sipp as a
// carrier trunk answers the first INVITE with 407 and a Proxy-Authenticate
// challenge (MD5, then SHA-256 per RFC 8760, qop=auth); the bridge's second
// INVITE must carry a Proxy-Authorization whose response the test recomputes
// from the known password (read from sipp's message log), then the call is
// up. With a wrong password the trunk challenges again and the bridge gives
// up: exactly two INVITEs, the call fails with 407.
// Ports: engine SIP 15075, RTP 31100–31199; sipp SIP 15401+, media 15421+.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../common/config.ts';
import { CallFailedError } from '../../common/errors.ts';
import { EmbeddedEngine } from '../../bridge/embedded/engine.ts';
import { MediaPool } from '../../bridge/embedded/media/control/media-pool.ts';
import { Q850 } from '../../bridge/q850.ts';
import { digestResponse, type DigestAlgorithm } from '../../bridge/sip/auth/digest.ts';
import { startSipp } from '../support/sipp.ts';
import { waitForPort } from '../support/ports.ts';

const SIP_PORT = 15075;
const config = configSchema.parse({
  sip: { host: '127.0.0.1', port: SIP_PORT, noAnswerTimeoutS: 20 },
  rtp: { host: '127.0.0.1', portMin: 31100, portMax: 31199, workers: 1 },
});
const engine = new EmbeddedEngine({ config, media: new MediaPool(config.rtp) });
let port = 15399;
let media = 15419;
const dirs: string[] = [];

before(async () => { await engine.start(); });
after(async () => {
  await engine.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The messages sipp received, from its -trace_msg log. */
function messages(dir: string): string {
  return readdirSync(dir).filter((f) => f.endsWith('_messages.log')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
}

function params(header: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const x of header.replace(/^Digest\s+/i, '').matchAll(/([a-z-]+)=("([^"]*)"|[^,\s]+)/gi)) m.set(x[1]!.toLowerCase(), x[3] ?? x[2]!);
  return m;
}

for (const algo of ['MD5', 'SHA-256'] as const) {
  test(`407 with a ${algo} challenge: the second INVITE carries a correct Proxy-Authorization and the call is answered`, { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sip-auth-'));
    dirs.push(dir);
    port += 2; media += 10;
    const nonce = `n${Date.now().toString(16)}`;
    const uas = startSipp({ scenario: 'uas-auth.xml', localPort: port, mediaPort: media, calls: 1, timeoutS: 30, keys: { algo, nonce }, extraArgs: ['-trace_msg'], dir });
    await waitForPort(port);
    const leg = await engine.originate({ uri: `sip:008613900139001@127.0.0.1:${port}` }, { from: { user: '4008001000' }, auth: { username: 'bridge-trunk', password: 's3cret pass' } });
    assert.equal(leg.direction, 'out');
    await leg.hangup(Q850.NORMAL_CLEARING);
    const r = await uas.done;
    assert.equal(r.code, 0, r.summary);
    const log = messages(dir);
    const invites = log.match(/^INVITE sip:/gm) ?? [];
    assert.equal(invites.length, 2, 'two INVITEs: the first challenged, the second authorised');
    const line = /^Proxy-Authorization:\s*(.*)$/im.exec(log);
    assert.ok(line, 'the second INVITE has Proxy-Authorization');
    const p = params(line[1]!.trim());
    assert.equal(p.get('algorithm'), algo);
    assert.equal(p.get('realm'), 'carrier.test');
    assert.equal(p.get('nonce'), nonce);
    assert.equal(p.get('opaque'), 'op4q');
    assert.equal(p.get('qop'), 'auth');
    assert.equal(p.get('username'), 'bridge-trunk');
    assert.ok(!log.includes('s3cret'), 'the password is not on the wire');
    const expected = digestResponse({
      algorithm: algo as DigestAlgorithm, username: 'bridge-trunk', password: 's3cret pass', realm: 'carrier.test', nonce,
      method: 'INVITE', uri: p.get('uri')!, qop: 'auth', cnonce: p.get('cnonce')!, nc: p.get('nc')!,
    });
    assert.equal(p.get('response'), expected, 'the digest response matches the password');
    assert.equal(p.get('uri'), `sip:008613900139001@127.0.0.1:${port}`);
    // CSeq of the second INVITE is one more than the first; same Call-ID.
    const cseqs = [...log.matchAll(/^CSeq:\s*(\d+)\s+INVITE/gim)].map((m) => Number(m[1]));
    assert.ok(cseqs.includes(cseqs[0]! + 1), `CSeq went up by one (${cseqs.join(',')})`);
  });
}

test('a wrong password: the trunk challenges again and the bridge gives up after two INVITEs with 407', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sip-auth-'));
  dirs.push(dir);
  port += 2; media += 10;
  const uas = startSipp({ scenario: 'uas-auth-wrong.xml', localPort: port, mediaPort: media, calls: 1, timeoutS: 30, keys: { algo: 'MD5', nonce: 'fixed' }, extraArgs: ['-trace_msg'], dir });
  await waitForPort(port);
  await assert.rejects(
    engine.originate({ uri: `sip:8613900139001@127.0.0.1:${port}` }, { from: { user: '4008001000' }, auth: { username: 'bridge-trunk', password: 'wrong' } }),
    (err: unknown) => err instanceof CallFailedError && err.sipStatus === 407,
  );
  const r = await uas.done;
  assert.equal(r.code, 0, r.summary);
  assert.equal((messages(dir).match(/^INVITE sip:/gm) ?? []).length, 2, 'no third INVITE');
});
