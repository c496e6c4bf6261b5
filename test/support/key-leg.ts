// A call leg that only gives keys: the test presses them (or queues many at
// once), and collect() hands them out one at a time as the IVR's Keypad pump
// asks (ivr/call/keypad.ts). For keypad tests without an engine.
import type { CallLeg } from '../../bridge/port.ts';

export interface KeyLeg {
  leg: CallLeg;
  /** Keys not yet read by the pump. */
  readonly queued: number;
  /** One key, read at once if the pump waits. */
  press(key: string): void;
  /** Many keys, then one wake-up: the pump drains them back to back. */
  pressAll(keys: readonly string[]): void;
  /** The caller hangs up. */
  end(): void;
}

export function keyLeg(): KeyLeg {
  const keys: string[] = [];
  let wake: (() => void) | null = null;
  const leg = {
    ended: false,
    collect: async () => {
      for (;;) {
        const k = keys.shift();
        if (k !== undefined) return k;
        await new Promise<void>((r) => { wake = r; });
      }
    },
  };
  return {
    leg: leg as unknown as CallLeg,
    get queued() { return keys.length; },
    press: (k) => { keys.push(k); wake?.(); },
    pressAll: (ks) => { keys.push(...ks); wake?.(); },
    end: () => { leg.ended = true; },
  };
}
