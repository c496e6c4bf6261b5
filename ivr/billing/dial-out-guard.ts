// Toll fraud (issue 21): every call the bridge is about to place, after the
// dial plan, is judged against the account's dial-out policy
// (core/dial-out/policy.ts): its allowed destination classes, the
// platform's blocked prefixes, its outbound calls at once and its outbound
// spend today (in the account's time zone). A refusal is an audit row
// (`dial_out.refused`), a conference event and a live event; reaching a cap
// (calls at once, spend today) also raises a `dial_out` alert for the owner,
// once per account and reason per day.
//
// Calls at once are counted here, per account, from admission to the end of
// the leg (ringing included). The cap refuses calls asked for from a keypad
// (`*6`, multi-party, the operator: the toll-fraud path); web and API
// invites are the account's own users, paced by the trunks' queues: they
// count towards the cap but wait for nothing and are not refused by it.
// Policies and the block list are cached for CACHE_MS (an operator's change
// applies within that); the spend is read for every call.
import type { Logger } from '../../common/log.ts';
import type { Repositories } from '../../core/repositories.ts';
import { dayStartIn, DIAL_OUT_REFUSED, judgeDialOut, type DialOutRefusal } from '../../core/dial-out/policy.ts';
import type { DialOutPolicy } from '../../core/dial-out/store.ts';
import type { LiveEvent } from '../../core/live/messages.ts';

const CACHE_MS = 5000;

export type DialOutOrigin = 'keypad' | 'web';

export interface DialOutFacts {
  accountId: string;
  conferenceId: string;
  roomId: string;
  roomNumber: string;
  /** What was typed or asked for. */
  target: string;
  /** After the dial plan; null for a SIP URI. */
  e164: string | null;
  origin: DialOutOrigin;
}

export type Admission = { ok: true; release: () => void } | { ok: false; refusal: DialOutRefusal };

export interface DialOutGuardDeps {
  repos: Pick<Repositories, 'dialOut' | 'accounts' | 'audit' | 'conferences' | 'alerts'>;
  homeRegion: string;
  now: () => Date;
  log: Logger;
  /** Live events (the console); absent in tests that do not watch. */
  emit?: (e: LiveEvent) => void;
}

interface Cached<T> { at: number; value: Promise<T> }

export class DialOutGuard {
  private readonly open = new Map<string, number>();
  private readonly policies = new Map<string, Cached<{ policy: DialOutPolicy; timeZone: string }>>();
  private blockedList: Cached<string[]> | null = null;
  private readonly alerted = new Map<string, string>(); // `${account}:${reason}` → the day it was raised

  constructor(private readonly d: DialOutGuardDeps) {}

  /** Outbound calls of the account now (admitted, not yet ended). */
  openCalls(accountId: string): number { return this.open.get(accountId) ?? 0; }

  /** Judges one call; an admitted call holds its place until `release()` (idempotent). Throws only on database errors. */
  async admit(f: DialOutFacts): Promise<Admission> {
    const [{ policy, timeZone }, blocked] = await Promise.all([this.policyOf(f.accountId), this.blocked()]);
    const dayStart = dayStartIn(timeZone, this.d.now());
    const spentTodayMinor = policy.dailyCapMinor === null ? 0 : await this.d.repos.dialOut.spentSince(f.accountId, dayStart);
    const openOutbound = this.openCalls(f.accountId);
    let refusal = judgeDialOut({ e164: f.e164, homeRegion: this.d.homeRegion, policy, blockedPrefixes: blocked, openOutbound, spentTodayMinor });
    if (refusal?.reason === 'concurrent' && f.origin === 'web') refusal = null;
    if (refusal) {
      this.refused(f, refusal, dayStart.toISOString());
      return { ok: false, refusal };
    }
    this.open.set(f.accountId, openOutbound + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const n = (this.open.get(f.accountId) ?? 1) - 1;
        if (n <= 0) this.open.delete(f.accountId); else this.open.set(f.accountId, n);
      },
    };
  }

  /** A guest pressed `*6` in a room that keeps invites to chairs: recorded like any refusal. */
  guestRefused(f: Omit<DialOutFacts, 'e164' | 'origin'>): void {
    this.refused({ ...f, e164: null, origin: 'keypad' }, { reason: 'guest', detail: 'chairs only' }, '');
  }

  private refused(f: DialOutFacts, r: DialOutRefusal, day: string): void {
    const at = this.d.now();
    this.d.log.warn({ account: f.accountId, room: f.roomNumber, target: f.target, e164: f.e164, reason: r.reason, detail: r.detail }, 'dial-out refused');
    const data = { target: f.target, e164: f.e164, reason: r.reason, detail: r.detail, origin: f.origin, roomNumber: f.roomNumber };
    const log = (what: string) => (err: unknown) => this.d.log.error({ err }, `dial-out refusal: writing the ${what} failed`);
    this.d.repos.audit.append({ accountId: f.accountId, actor: 'ivr', action: DIAL_OUT_REFUSED, targetType: 'conference', targetId: f.conferenceId, data, at })
      .catch(log('audit row'));
    this.d.repos.conferences.addEvent(f.accountId, f.conferenceId, { at, kind: 'dial_out_refused', actor: 'system', data }).catch(log('conference event'));
    const capKey = `${f.accountId}:${r.reason}`;
    const isCap = r.reason === 'concurrent' || r.reason === 'daily_cap';
    const raise = isCap && this.alerted.get(capKey) !== day;
    if (raise) this.alerted.set(capKey, day);
    const alert = raise
      ? this.d.repos.alerts.raise(f.accountId, { roomId: f.roomId, roomNumber: f.roomNumber, conferenceId: f.conferenceId, kind: 'dial_out', data: { reason: r.reason, limit: r.detail, target: f.target }, at })
        .then((a) => a.id, (err: unknown) => { log('alert')(err); return null; })
      : Promise.resolve(null);
    void alert.then((alertId) => this.d.emit?.({
      type: 'dial-out-refused', conferenceId: f.conferenceId, accountId: f.accountId, at: at.toISOString(),
      target: f.target, reason: r.reason, detail: r.detail, alertId,
    }));
  }

  private policyOf(accountId: string): Promise<{ policy: DialOutPolicy; timeZone: string }> {
    const now = Date.now();
    const c = this.policies.get(accountId);
    if (c && now - c.at < CACHE_MS) return c.value;
    const value = Promise.all([this.d.repos.dialOut.policy(accountId), this.d.repos.accounts.get(accountId)])
      .then(([policy, account]) => ({ policy, timeZone: account.timeZone }));
    value.catch(() => this.policies.delete(accountId));
    this.policies.set(accountId, { at: now, value });
    if (this.policies.size > 10_000) this.policies.delete(this.policies.keys().next().value!);
    return value;
  }

  private blocked(): Promise<string[]> {
    const now = Date.now();
    if (this.blockedList && now - this.blockedList.at < CACHE_MS) return this.blockedList.value;
    const value = this.d.repos.dialOut.blocked().then((list) => list.map((b) => b.prefix));
    value.catch(() => { this.blockedList = null; });
    this.blockedList = { at: now, value };
    return value;
  }
}
