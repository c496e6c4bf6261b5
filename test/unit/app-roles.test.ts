// Process roles (BRIDGE_ROLE): bridge and web share one PostgreSQL with the
// other processes and are refused at start-up without DATABASE_URL — before
// anything is opened — with a message that names what is missing; an
// unknown role is refused when the configuration is read. (A web process on
// a real PostgreSQL: test/db/live-app-roles.test.ts.)
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkRole } from '../../app/roles.ts';
import { loadConfig } from '../../common/config.ts';
import { ConfigError } from '../../common/errors.ts';
import { startApp } from '../support/app-process.ts';

const base = mkdtempSync(join(tmpdir(), 'bridge-roles-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** Runs the process to its end; the data folder it was given must not exist afterwards (nothing was opened). */
async function refused(env: Record<string, string>): Promise<string> {
  const dataDir = join(base, `data-${Math.random().toString(36).slice(2)}`);
  // Ports no other test uses, in case the refusal ever came too late.
  const app = startApp({ BRIDGE_DATA_DIR: dataDir, BRIDGE_SIP_PORT: '17992', BRIDGE_WEB_PORT: '17993', DATABASE_URL: '', ...env }, { killAfterMs: 20_000 });
  assert.equal(await app.exited, 1, app.output());
  assert.equal(existsSync(dataDir), false, 'nothing was opened');
  assert.match(app.output(), /bridge failed to start/);
  assert.doesNotMatch(app.output(), /bridge ready/);
  return app.output();
}

describe('process roles', () => {
  it('reads BRIDGE_ROLE; all is the default', () => {
    assert.equal(loadConfig({}).role, 'all');
    assert.equal(loadConfig({ BRIDGE_ROLE: 'web' }).role, 'web');
    assert.equal(loadConfig({ BRIDGE_ROLE: 'bridge' }).role, 'bridge');
  });

  it('refuses bridge and web without DATABASE_URL with a ConfigError naming both; all runs on the embedded database', () => {
    for (const role of ['bridge', 'web']) {
      assert.throws(() => checkRole(loadConfig({ BRIDGE_ROLE: role })),
        (err: unknown) => err instanceof ConfigError && err.message.includes(`BRIDGE_ROLE=${role}`) && err.message.includes('needs DATABASE_URL'));
      assert.doesNotThrow(() => checkRole(loadConfig({ BRIDGE_ROLE: role, DATABASE_URL: 'postgres://127.0.0.1/bridge' })));
    }
    assert.doesNotThrow(() => checkRole(loadConfig({})));
  });

  it('refuses an unknown role when the configuration is read', () => {
    assert.throws(() => loadConfig({ BRIDGE_ROLE: 'media' }), (err: unknown) => err instanceof ConfigError && /role/.test(err.message));
  });

  it('BRIDGE_ROLE=web without DATABASE_URL: the process exits 1 at start-up and says why', async () => {
    assert.match(await refused({ BRIDGE_ROLE: 'web' }), /BRIDGE_ROLE=web shares one PostgreSQL .* needs DATABASE_URL/);
  });

  it('BRIDGE_ROLE=bridge without DATABASE_URL: the process exits 1 at start-up and says why', async () => {
    assert.match(await refused({ BRIDGE_ROLE: 'bridge' }), /BRIDGE_ROLE=bridge shares one PostgreSQL .* needs DATABASE_URL/);
  });

  it('an unknown BRIDGE_ROLE: the process exits 1 and names the setting', async () => {
    assert.match(await refused({ BRIDGE_ROLE: 'media' }), /invalid configuration: role/);
  });
});
