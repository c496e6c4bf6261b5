// The balance projection: cut instants agree with the CDR arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exhaustionAt, usedAt, canAffordNewLeg, legCostAt } from '../../ivr/billing/account-budget.ts';

test('one leg 600/min 1 s, balance 75 → cut at 7.5 s ceil rules (7 s = 70, 8 s = 80)', () => {
  const legs = [{ perMinuteMinor: 600, incrementS: 1, answeredAtMs: 1000 }];
  const t = exhaustionAt(75, legs, 1000);
  assert.equal(t, 8000);
  assert.equal(usedAt(legs, t!), 70);
  assert.ok(usedAt(legs, t! + 1) > 75);
});

test('60/min 1 s, balance 75 → 75 s; remainder below one increment', () => {
  const legs = [{ perMinuteMinor: 60, incrementS: 1, answeredAtMs: 0 }];
  const t = exhaustionAt(75, legs, 0)!;
  assert.equal(t, 75_000);
  assert.equal(75 - usedAt(legs, t), 0);
});

test('two legs share the balance', () => {
  const legs = [
    { perMinuteMinor: 60, incrementS: 1, answeredAtMs: 0 },
    { perMinuteMinor: 60, incrementS: 1, answeredAtMs: 10_000 },
  ];
  const t = exhaustionAt(100, legs, 10_000)!;
  assert.ok(usedAt(legs, t) <= 100 && usedAt(legs, t + 1) > 100);
  assert.equal(t, 55_000);
  const after = 100 - usedAt(legs, t);
  assert.ok(after >= 0 && after < 2);
});

test('free legs are never cut', () => {
  assert.equal(exhaustionAt(0, [{ perMinuteMinor: 0, incrementS: 60, answeredAtMs: 0 }], 5000), null);
});

test('increment rounding: 60 s increments at 10/min, balance 25 → two increments', () => {
  const legs = [{ perMinuteMinor: 10, incrementS: 60, answeredAtMs: 0 }];
  assert.equal(exhaustionAt(25, legs, 0), 120_000);
  assert.equal(legCostAt(legs[0]!, 120_000), 20);
});

test('new leg refused when the remainder is below one increment', () => {
  const legs = [{ perMinuteMinor: 60, incrementS: 1, answeredAtMs: 0 }];
  assert.equal(canAffordNewLeg(75, legs, 70_000, { perMinuteMinor: 600, incrementS: 1 }), false);
  assert.equal(canAffordNewLeg(75, legs, 60_000, { perMinuteMinor: 600, incrementS: 1 }), true);
});

test('exhaustionAt matches a brute-force scan over 200 random account states', () => {
  let seed = 13;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let c = 0; c < 200; c++) {
    const legs = Array.from({ length: 1 + rnd(3) }, () => ({
      perMinuteMinor: 1 + rnd(900), incrementS: [1, 6, 30, 60][rnd(4)]!, answeredAtMs: rnd(20) * 250,
    }));
    const now = 5000;
    const balance = usedAt(legs, now) + rnd(400);
    const t = exhaustionAt(balance, legs, now)!;
    assert.ok(usedAt(legs, t) <= balance, `case ${c}: over balance at the cut`);
    // Cost is monotonic in time, so t ≤ balance and t+1 > balance pin t as the exact cut; the grid double-checks.
    for (let x = now; x < t; x += 250) assert.ok(usedAt(legs, x) <= balance, `case ${c}: exhausted earlier at ${x}`);
    assert.ok(usedAt(legs, t + 1) > balance, `case ${c}: cut too early`);
  }
});
