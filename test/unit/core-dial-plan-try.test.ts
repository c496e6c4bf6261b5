// tryDialPlan: unsaved rules tried on sample numbers (the dial-plan page's try box).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tryDialPlan, checkDialPlanRules } from '../../core/telephony/dial-plan-try.ts';
import { ValidationError } from '../../core/errors.ts';

const rules = [
  { pattern: '^\\+86(1\\d{10})$', replacement: '0$1', description: 'CN mobile' },
  { pattern: '^\\+(\\d+)$', replacement: '00$1', description: 'international' },
];

test('samples are normalised, matched and rewritten', () => {
  const r = tryDialPlan(rules, ['138 0013 8000', '+1 212 555 0100'], 'CN');
  assert.deepEqual(r[0], { input: '138 0013 8000', e164: '+8613800138000', rule: 0, digits: '013800138000' });
  assert.deepEqual(r[1], { input: '+1 212 555 0100', e164: '+12125550100', rule: 1, digits: '0012125550100' });
});

test('no rule matches: digits without the plus', () => {
  const r = tryDialPlan([], ['+12125550100']);
  assert.deepEqual(r[0], { input: '+12125550100', e164: '+12125550100', rule: null, digits: '12125550100' });
});

test('a bad sample is reported, not thrown', () => {
  const r = tryDialPlan(rules, ['hello']);
  assert.equal(r[0]!.e164, null);
  assert.equal(r[0]!.digits, null);
  assert.match(r[0]!.error!, /not a phone number/);
});

test('a bad regular expression names the rule', () => {
  const bad = [...rules, { pattern: '^\\+(86', replacement: '', description: '' }];
  assert.throws(() => tryDialPlan(bad, ['+8613800138000']), (e) => e instanceof ValidationError && e.field === 'rules.2.pattern' && /rule 3/.test(e.message));
  assert.doesNotThrow(() => checkDialPlanRules(rules));
});
