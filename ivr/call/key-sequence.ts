// Two-key codes inside a sub-mode (`*#` with the operator, `**` / `*8` in
// invite mode): waits until the caller presses one of them, the call ends,
// or `signal` aborts.
import type { Keypad } from './keypad.ts';

const IDLE_MS = 3_600_000;

/** The code pressed ('*#', '**', …), or undefined on hang-up / abort. */
export async function awaitCode(keys: Keypad, codes: readonly string[], secondKeyTimeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
  for (;;) {
    if (keys.leg.ended || signal?.aborted) return undefined;
    const k = await keys.next(IDLE_MS, signal);
    if (k !== '*') continue;
    const second = await keys.next(secondKeyTimeoutMs, signal);
    if (second === undefined) continue;
    const code = `*${second}`;
    if (codes.includes(code)) return code;
  }
}
