// What the person on a fake leg does, written down before the call: keys to
// type when a prompt starts or ends, or at a time after the answer, and when
// to hang up. Each prompt rule is used once, in the order written, so three
// `onPrompt('enter-pin', …)` rules answer the first, second and third PIN
// prompt. A test may also act on the leg directly (FakeCallLeg.press).
import { Q850, type Q850Cause } from '../q850.ts';

export type ScriptAction =
  | { kind: 'keys'; keys: string; gapMs: number }
  | { kind: 'hangup'; cause: Q850Cause };

export interface Timing {
  /** Fake ms after the moment the rule names (default 0). */
  delayMs?: number;
  /** Fake ms between two keys (default 100). */
  gapMs?: number;
}

interface PromptRule {
  prompt: string;
  when: 'start' | 'end';
  delayMs: number;
  action: ScriptAction;
  used: boolean;
}

export interface TimedAction {
  /** Fake ms after the answer. */
  atMs: number;
  action: ScriptAction;
}

export const DEFAULT_KEY_GAP_MS = 100;

export class CallerScript {
  private readonly rules: PromptRule[] = [];
  private readonly timed: TimedAction[] = [];

  /** Types `keys` once the prompt `prompt` (its file name without .wav) starts playing. */
  onPrompt(prompt: string, keys: string, t: Timing = {}): this {
    return this.rule(prompt, 'start', t, keyAction(keys, t));
  }

  /** Types `keys` once the prompt has played to its end. */
  afterPrompt(prompt: string, keys: string, t: Timing = {}): this {
    return this.rule(prompt, 'end', t, keyAction(keys, t));
  }

  /** Types `keys` `atMs` fake ms after the answer. */
  at(atMs: number, keys: string, t: Timing = {}): this {
    this.timed.push({ atMs, action: keyAction(keys, t) });
    return this;
  }

  /** Hangs up once the prompt starts (or `delayMs` later). */
  hangupOnPrompt(prompt: string, t: Timing = {}, cause: Q850Cause = Q850.NORMAL_CLEARING): this {
    return this.rule(prompt, 'start', t, { kind: 'hangup', cause });
  }

  /** Hangs up `atMs` fake ms after the answer. */
  hangupAt(atMs: number, cause: Q850Cause = Q850.NORMAL_CLEARING): this {
    this.timed.push({ atMs, action: { kind: 'hangup', cause } });
    return this;
  }

  /** The next unused rule for `prompt` starting or ending (it is spent), with its delay. */
  take(prompt: string, when: 'start' | 'end'): { delayMs: number; action: ScriptAction } | undefined {
    const rule = this.rules.find((r) => !r.used && r.prompt === prompt && r.when === when);
    if (!rule) return undefined;
    rule.used = true;
    return { delayMs: rule.delayMs, action: rule.action };
  }

  /** The actions tied to times after the answer. */
  timedActions(): readonly TimedAction[] { return this.timed; }

  /** Prompt rules that never found their prompt (a test can assert there are none). */
  get unused(): string[] { return this.rules.filter((r) => !r.used).map((r) => `${r.when}:${r.prompt}`); }

  private rule(prompt: string, when: 'start' | 'end', t: Timing, action: ScriptAction): this {
    this.rules.push({ prompt, when, delayMs: t.delayMs ?? 0, action, used: false });
    return this;
  }
}

function keyAction(keys: string, t: Timing): ScriptAction {
  return { kind: 'keys', keys, gapMs: t.gapMs ?? DEFAULT_KEY_GAP_MS };
}
