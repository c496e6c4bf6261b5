// BRIDGE_TEST_FREESWITCH: where a local FreeSWITCH + drachtio-server for
// the freeswitch engine's tests is (scripts/freeswitch-stack.sh prints it):
// JSON, inline or the path of a file, of the form
// `{ "sipAddress": "127.0.0.1:5070", "config": { …BRIDGE_CONFIG keys of the
// freeswitch engine: drachtio and event-socket addresses and secrets… },
// "capabilities": { "inbandDtmf": true } }`. sipAddress is drachtio-server's
// SIP listener, where the test clients call.
import { readFileSync } from 'node:fs';

export interface FreeswitchSetting {
  sipAddress: string;
  config?: Record<string, unknown>;
  capabilities?: { inbandDtmf?: boolean };
  /** The servers' PIDs (benchmarks add their CPU and memory to the bridge's). */
  pids?: { freeswitch?: number; drachtio?: number };
}

/** The setting, or undefined when BRIDGE_TEST_FREESWITCH is unset. */
export function freeswitchSetting(): FreeswitchSetting | undefined {
  const raw = process.env.BRIDGE_TEST_FREESWITCH?.trim();
  if (!raw) return undefined;
  const text = raw.startsWith('{') ? raw : readFileSync(raw, 'utf8');
  const parsed = JSON.parse(text) as FreeswitchSetting;
  if (typeof parsed.sipAddress !== 'string') throw new Error('BRIDGE_TEST_FREESWITCH: "sipAddress" (drachtio-server\'s SIP host:port) is required');
  return parsed;
}
