// IVR settings: digit timeouts, the operator, multi-party size, the PIN
// lockout (per caller and per room) and the end-of-window clock. Validated
// once by ivrConfig().
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import type { PromptLang } from '../prompts/catalog.ts';
import type { PinLockoutConfig } from '../room/pin-lockout.ts';
import type { WaitingLimitConfig } from '../call/waiting-limit.ts';

export interface IvrConfig {
  /** Operator for `*0`: a SIP URI (`sip:op@host:port`) or a phone number dialled through the trunk; null = no operator. */
  operatorTarget: string | null;
  /** Caller id (From user) on calls the bridge places. */
  callerId: string;
  /** Multi-party call (多方通): most parties, the convener included. */
  multiPartyMaxParties: number;
  /** First key of an entry (room, PIN, number). */
  firstDigitTimeoutMs: number;
  /** Between keys of an entry. */
  interDigitTimeoutMs: number;
  /** Tries for the room number and for the PIN. */
  tries: number;
  /** After the `*` menu: no key within this returns to the room. */
  menuTimeoutMs: number;
  /** Wrong PINs: slowed then refused per caller; alert and slower checks per room. */
  pinLockout: PinLockoutConfig;
  /** Calls answered but not yet in a room, per source address (carriers: pinLockout.carrierAddresses); over it refused before the answer. */
  waiting: WaitingLimitConfig;
  /** Longest name recording (*announce*). */
  nameMaxMs: number;
  /** Invitations (`*6`, multi-party) ring this long before "no answer". */
  inviteNoAnswerMs: number;
  /** A callee invited from the web who is asked to press 1 has this long after the prompt (then hung up: no_answer). */
  inviteConfirmMs: number;
  /** Web and API invites of one conference on their way at once (a sanity cap; each trunk's queue paces the calls: call/trunk-queue.ts). */
  inviteConcurrency: number;
  /** Language when the dialled number is not an access number (SIP URI dial-in `sip:ROOM@host`). */
  defaultLanguage: PromptLang;
  /** Region for numbers typed without a country code. */
  defaultRegion: string;
  /** Where name recordings and conference recordings go. */
  recordingsDir: string;
  /**
   * Length of one "minute" of the end-of-window clock (warnings at 10, 5 and
   * 1 minutes, auto-extend). 60000 in production; tests shrink it.
   */
  minuteMs: number;
  /** End-of-window warnings, minutes before the end. */
  warnMinutes: readonly number[];
  /** CDR checkpoint period for all open legs. */
  checkpointIntervalMs: number;
  /** `balance-low` is played this long before an account's balance runs out and its paid calls are cut (the prompt says "one minute"). */
  balanceWarningMs: number;
}

export const DEFAULT_IVR_CONFIG: Readonly<IvrConfig> = {
  operatorTarget: null,
  callerId: 'bridge',
  multiPartyMaxParties: 4,
  firstDigitTimeoutMs: 10_000,
  interDigitTimeoutMs: 5_000,
  tries: 3,
  menuTimeoutMs: 5_000,
  pinLockout: {
    windowMs: 10 * 60_000, slowAfter: 5, delayMs: 2_000, maxDelayMs: 30_000, blockAfter: 10, blockMs: 10 * 60_000,
    roomAlertAfter: 10, roomDelayMs: 2_000, roomSlowMs: 10 * 60_000, carrierAddresses: [], maxTracked: 10_000,
  },
  waiting: { perSource: 20, perCarrier: 0 },
  nameMaxMs: 3_000,
  inviteNoAnswerMs: 60_000,
  inviteConfirmMs: 10_000,
  inviteConcurrency: 1000,
  defaultLanguage: 'zh-CN',
  defaultRegion: 'CN',
  recordingsDir: join(tmpdir(), 'bridge-recordings'),
  minuteMs: 60_000,
  warnMinutes: [10, 5, 1],
  checkpointIntervalMs: 15_000,
  balanceWarningMs: 60_000,
};

/** What createIvr is given: any setting, the PIN lockout's one by one. */
export type IvrSettings = Partial<Omit<IvrConfig, 'pinLockout'>> & { pinLockout?: Partial<PinLockoutConfig> };

/** Defaults overlaid with `partial`; throws ConfigError on values that cannot work. */
export function ivrConfig(partial: IvrSettings = {}): IvrConfig {
  const c: IvrConfig = { ...DEFAULT_IVR_CONFIG, ...partial, pinLockout: { ...DEFAULT_IVR_CONFIG.pinLockout, ...partial.pinLockout } };
  const pl = c.pinLockout;
  const positive: Array<[string, number]> = [
    ['multiPartyMaxParties', c.multiPartyMaxParties], ['firstDigitTimeoutMs', c.firstDigitTimeoutMs], ['interDigitTimeoutMs', c.interDigitTimeoutMs],
    ['tries', c.tries], ['menuTimeoutMs', c.menuTimeoutMs], ['nameMaxMs', c.nameMaxMs], ['inviteNoAnswerMs', c.inviteNoAnswerMs],
    ['inviteConfirmMs', c.inviteConfirmMs], ['inviteConcurrency', c.inviteConcurrency],
    ['minuteMs', c.minuteMs], ['checkpointIntervalMs', c.checkpointIntervalMs], ['balanceWarningMs', c.balanceWarningMs],
    ...(['windowMs', 'slowAfter', 'delayMs', 'maxDelayMs', 'blockAfter', 'blockMs', 'roomAlertAfter', 'roomDelayMs', 'roomSlowMs', 'maxTracked'] as const)
      .map((k): [string, number] => [`pinLockout.${k}`, pl[k]]),
  ];
  for (const [name, v] of positive) if (!Number.isFinite(v) || v <= 0) throw new ConfigError(`ivr.${name} must be positive`);
  for (const k of ['slowAfter', 'blockAfter', 'roomAlertAfter', 'maxTracked'] as const) {
    if (!Number.isInteger(pl[k])) throw new ConfigError(`ivr.pinLockout.${k} must be a whole number`);
  }
  if (pl.slowAfter >= pl.blockAfter) throw new ConfigError('ivr.pinLockout.slowAfter must be below blockAfter');
  if (pl.maxDelayMs < pl.delayMs) throw new ConfigError('ivr.pinLockout.maxDelayMs must not be below delayMs');
  if (pl.carrierAddresses.some((a) => a.trim() === '')) throw new ConfigError('ivr.pinLockout.carrierAddresses must not hold an empty address');
  for (const k of ['perSource', 'perCarrier'] as const) {
    if (!Number.isInteger(c.waiting[k]) || c.waiting[k] < 0) throw new ConfigError(`ivr.waiting.${k} must be a whole number, 0 or more`);
  }
  if (c.multiPartyMaxParties < 2) throw new ConfigError('ivr.multiPartyMaxParties must be at least 2');
  if (c.operatorTarget !== null && c.operatorTarget.trim() === '') throw new ConfigError('ivr.operatorTarget must not be empty');
  return c;
}
