// The engine is picked from the configuration; one that cannot run is
// refused at start-up with its reason (it used to run the embedded engine
// in silence): the FreeSWITCH engine without its secrets, or with a
// drachtio-server that does not answer.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createEngine } from '../../app/engine.ts';
import { loadConfig } from '../../common/config.ts';
import { ConfigError } from '../../common/errors.ts';

const root = new URL('../..', import.meta.url).pathname;

/** Runs `npm start`'s command with `env`; resolves with its exit code and output. Killed after 20 s. */
function startBridge(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bridge-start-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    cwd: root,
    // Ports no other test uses, in case the refusal ever came too late.
    env: { ...process.env, BRIDGE_DATA_DIR: dataDir, BRIDGE_SIP_PORT: '17990', BRIDGE_WEB_PORT: '17991', BRIDGE_SEED_DEMO: 'false', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { output += b.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, output });
    });
  });
}

describe('engine selection', () => {
  it('refuses the freeswitch engine without its secrets, with a ConfigError naming the setting', () => {
    const config = loadConfig({ BRIDGE_ENGINE: 'freeswitch' });
    assert.throws(() => createEngine(config), (err: unknown) => err instanceof ConfigError && /freeswitch/.test(err.message) && /BRIDGE_DRACHTIO_SECRET/.test(err.message));
    const noEsl = loadConfig({ BRIDGE_ENGINE: 'freeswitch', BRIDGE_DRACHTIO_SECRET: 's' });
    assert.throws(() => createEngine(noEsl), (err: unknown) => err instanceof ConfigError && /BRIDGE_FS_ESL_SECRET/.test(err.message));
  });

  it('a freeswitch engine whose drachtio-server does not answer fails start() with a ConfigError naming the address, and leaves nothing running', async () => {
    const config = loadConfig({ BRIDGE_ENGINE: 'freeswitch', BRIDGE_DRACHTIO_SECRET: 's', BRIDGE_FS_ESL_SECRET: 'e', BRIDGE_DRACHTIO_PORT: '17992', BRIDGE_FS_ESL_PORT: '17993' });
    config.freeswitch.connectTimeoutS = 1;
    const engine = createEngine(config);
    const t0 = Date.now();
    await assert.rejects(engine.start(), (err: unknown) => err instanceof ConfigError && /drachtio-server at 127\.0\.0\.1:17992/.test(err.message));
    assert.ok(Date.now() - t0 < 5000, 'refused within the connect timeout');
    await engine.close();
  });

  it('refuses an unknown engine name when the configuration is read', () => {
    assert.throws(() => loadConfig({ BRIDGE_ENGINE: 'asterisk' }), (err: unknown) => err instanceof ConfigError && /engine/.test(err.message));
  });

  it('the bridge process exits 1 at start-up with BRIDGE_ENGINE=freeswitch and an unreachable drachtio-server, and says why', async () => {
    const { code, output } = await startBridge({ BRIDGE_ENGINE: 'freeswitch', BRIDGE_DRACHTIO_SECRET: 's', BRIDGE_FS_ESL_SECRET: 'e', BRIDGE_DRACHTIO_PORT: '17992', BRIDGE_FS_ESL_PORT: '17993', BRIDGE_FS_CONNECT_TIMEOUT_S: '2' });
    assert.equal(code, 1);
    assert.match(output, /bridge failed to start/);
    assert.match(output, /cannot reach drachtio-server at 127\.0\.0\.1:17992 within 2 s/);
    assert.doesNotMatch(output, /bridge ready/);
  });
});
