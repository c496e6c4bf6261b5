// The dial-out decision (core/dial-out/policy.ts) and the IVR's guard
// (ivr/billing/dial-out-guard.ts): blocked prefixes (longest wins) before
// classes, SIP URIs only counted, the calls-at-once cap for keypad calls
// (web invites counted but not refused), the daily cap from the spend today,
// and a cap's alert raised once a day per reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { blockedPrefixOf, judgeDialOut, type DialOutQuestion } from '../../core/dial-out/policy.ts';
import { DialOutGuard, type DialOutFacts } from '../../ivr/billing/dial-out-guard.ts';
import type { DialOutPolicy } from '../../core/dial-out/store.ts';

const policy: DialOutPolicy = { classes: ['domestic_fixed', 'domestic_mobile'], maxOutboundCalls: 2, dailyCapMinor: 100, guestsMayInvite: false };
const q = (over: Partial<DialOutQuestion>): DialOutQuestion => ({
  e164: '+8613900139001', homeRegion: 'CN', policy, blockedPrefixes: ['882', '4490', '44'], openOutbound: 0, spentTodayMinor: 0, ...over,
});

test('the longest blocked prefix matches; none for other numbers', () => {
  assert.equal(blockedPrefixOf('449012345678', ['44', '4490', '1']), '4490');
  assert.equal(blockedPrefixOf('8613900139001', ['44', '4490']), null);
});

test('domestic mobile within the caps goes', () => {
  assert.equal(judgeDialOut(q({})), null);
});

test('international without the class: refused "class"; a blocked prefix is refused first even when international is allowed', () => {
  assert.deepEqual(judgeDialOut(q({ e164: '+14155550123' })), { reason: 'class', detail: 'international' });
  const intl = { ...policy, classes: [...policy.classes, 'international' as const] };
  assert.deepEqual(judgeDialOut(q({ e164: '+449012345678', policy: intl })), { reason: 'blocked', detail: '4490' });
  assert.equal(judgeDialOut(q({ e164: '+14155550123', policy: intl })), null);
});

test('calls at once and the daily cap; no cap when null; a SIP URI is only counted', () => {
  assert.deepEqual(judgeDialOut(q({ openOutbound: 2 })), { reason: 'concurrent', detail: '2' });
  assert.deepEqual(judgeDialOut(q({ spentTodayMinor: 100 })), { reason: 'daily_cap', detail: '100' });
  assert.equal(judgeDialOut(q({ spentTodayMinor: 99 })), null);
  assert.equal(judgeDialOut(q({ spentTodayMinor: 10_000, policy: { ...policy, dailyCapMinor: null } })), null);
  assert.equal(judgeDialOut(q({ e164: null })), null);
  assert.deepEqual(judgeDialOut(q({ e164: null, openOutbound: 5 })), { reason: 'concurrent', detail: '2' });
});

function guard(spent = 0) {
  const audit: unknown[] = [];
  const alerts: unknown[] = [];
  const events: unknown[] = [];
  const repos = {
    dialOut: {
      policy: async () => policy,
      blocked: async () => [{ prefix: '882', description: '', createdAt: new Date() }],
      spentSince: async () => spent,
    },
    accounts: { get: async () => ({ timeZone: 'Asia/Shanghai' }) },
    audit: { append: async (e: unknown) => { audit.push(e); return e; } },
    conferences: { addEvent: async (_a: string, _c: string, e: unknown) => { events.push(e); return e; } },
    alerts: { raise: async (_a: string, a: unknown) => { alerts.push(a); return { id: `alert-${alerts.length}` }; } },
  };
  const g = new DialOutGuard({ repos: repos as never, homeRegion: 'CN', now: () => new Date(), log: pino({ level: 'silent' }) });
  return { g, audit, alerts, events };
}
const facts = (over: Partial<DialOutFacts> = {}): DialOutFacts => ({
  accountId: 'acc', conferenceId: 'conf', roomId: 'room', roomNumber: '7000001', target: '13900139001', e164: '+8613900139001', origin: 'keypad', ...over,
});

test('guard: keypad calls beyond the calls-at-once cap are refused until one ends; web invites are counted, not refused', async () => {
  const { g, audit, alerts } = guard();
  const a = await g.admit(facts());
  const b = await g.admit(facts());
  assert.ok(a.ok && b.ok);
  assert.equal(g.openCalls('acc'), 2);
  const c = await g.admit(facts());
  assert.deepEqual(c, { ok: false, refusal: { reason: 'concurrent', detail: '2' } });
  const w = await g.admit(facts({ origin: 'web' }));
  assert.ok(w.ok, 'a web invite is not refused by the cap');
  assert.equal(g.openCalls('acc'), 3);
  if (a.ok) { a.release(); a.release(); } // idempotent
  if (w.ok) w.release();
  assert.equal(g.openCalls('acc'), 1);
  assert.ok((await g.admit(facts())).ok, 'a place freed');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(audit.length, 1);
  assert.equal(alerts.length, 1, 'the cap raised the owner\'s alert');
  await g.admit(facts());
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(audit.length, 2, 'every refusal is audited');
  assert.equal(alerts.length, 1, 'the alert once a day per reason');
});

test('guard: the daily cap reads the spend today; a blocked prefix is refused without an alert', async () => {
  const capped = guard(100);
  assert.deepEqual(await capped.g.admit(facts()), { ok: false, refusal: { reason: 'daily_cap', detail: '100' } });
  const blocked = guard();
  assert.deepEqual(await blocked.g.admit(facts({ target: '0088216123456', e164: '+88216123456' })), { ok: false, refusal: { reason: 'blocked', detail: '882' } });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(capped.alerts.length, 1);
  assert.equal(blocked.alerts.length, 0);
  assert.equal(blocked.events.length, 1, 'a conference event');
});
