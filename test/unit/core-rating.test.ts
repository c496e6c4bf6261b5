import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rateCall, findRate, billedSeconds, costOf, billableSecondsOf, type Rate } from '../../core/billing/rating.ts';
import { authorizeCall, maxCallSeconds } from '../../core/billing/balance.ts';
import { classifyDestination } from '../../core/billing/destination.ts';
import { CallRefusedError } from '../../core/errors.ts';

let n = 0;
const rate = (r: Partial<Rate> & Pick<Rate, 'direction' | 'destinationClass' | 'perMinuteMinor'>): Rate =>
  ({ id: `r${++n}`, accessNumberId: null, prefix: null, incrementS: 60, ...r });

const rates: Rate[] = [
  rate({ direction: 'in', destinationClass: 'access_number', accessNumberId: 'an-400', perMinuteMinor: 15 }),
  rate({ direction: 'in', destinationClass: 'access_number', accessNumberId: 'an-intl', perMinuteMinor: 30, incrementS: 6 }),
  rate({ direction: 'out', destinationClass: 'domestic_fixed', perMinuteMinor: 10 }),
  rate({ direction: 'out', destinationClass: 'domestic_mobile', perMinuteMinor: 12, incrementS: 6 }),
  rate({ direction: 'out', destinationClass: 'international', prefix: null, perMinuteMinor: 300 }),
  rate({ direction: 'out', destinationClass: 'international', prefix: '1', perMinuteMinor: 50 }),
  rate({ direction: 'out', destinationClass: 'international', prefix: '1268', perMinuteMinor: 200 }),
  rate({ direction: 'out', destinationClass: 'international', prefix: '44', perMinuteMinor: 80, incrementS: 6 }),
];

describe('rating: increments and integer cost', () => {
  it('61 s at a 60 s increment bills 120 s', () => {
    const r = rateCall({ direction: 'out', destination: { kind: 'number', e164: '+861065529988' }, billableSeconds: 61, rates });
    assert.equal(r.billedSeconds, 120);
    assert.equal(r.costMinor, 20); // 2 minutes × 10 fen
    assert.equal(r.destinationClass, 'domestic_fixed');
  });

  it('6 s increments: 61 s bills 66 s, 13.2 fen rounds up to 14', () => {
    const r = rateCall({ direction: 'out', destination: { kind: 'number', e164: '+8613800138000' }, billableSeconds: 61, rates });
    assert.equal(r.destinationClass, 'domestic_mobile');
    assert.equal(r.billedSeconds, 66);
    assert.equal(r.costMinor, 14);
    assert.equal(billedSeconds(60, 6), 60);
    assert.equal(billedSeconds(1, 6), 6);
  });

  it('an unanswered leg costs nothing', () => {
    const r = rateCall({ direction: 'in', destination: { kind: 'access_number', accessNumberId: 'an-400' }, billableSeconds: 0, rates });
    assert.deepEqual([r.billedSeconds, r.costMinor], [0, 0]);
  });

  it('rates dial-in per access number', () => {
    const a = rateCall({ direction: 'in', destination: { kind: 'access_number', accessNumberId: 'an-400' }, billableSeconds: 3600, rates });
    const b = rateCall({ direction: 'in', destination: { kind: 'access_number', accessNumberId: 'an-intl' }, billableSeconds: 7, rates });
    assert.deepEqual([a.costMinor, a.billedSeconds], [900, 3600]);
    assert.deepEqual([b.billedSeconds, b.costMinor], [12, 6]);
  });

  it('keeps to integers for long, expensive calls', () => {
    assert.equal(costOf(2000 * 3600, 300), 36_000_000);
    assert.ok(Number.isInteger(costOf(7, 13)));
    assert.equal(costOf(7, 13), 2); // 91/60 = 1.52 → 2
  });

  it('counts billable seconds from answer, rounded up, zero when never answered', () => {
    assert.equal(billableSecondsOf(new Date(1000), new Date(61_500)), 61);
    assert.equal(billableSecondsOf(null, new Date(61_500)), 0);
    assert.equal(billableSecondsOf(new Date(5000), new Date(4000)), 0);
  });
});

describe('rating: international by country code, longest prefix', () => {
  const intl = (e164: string) => rateCall({ direction: 'out', destination: { kind: 'number', e164 }, billableSeconds: 60, rates });

  it('picks the country rate, a longer prefix over a shorter one, and the default otherwise', () => {
    assert.equal(intl('+16502530000').rate.prefix, '1'); // USA
    assert.equal(intl('+12684601234').rate.prefix, '1268'); // Antigua, inside +1
    assert.equal(intl('+442079460958').rate.prefix, '44');
    assert.equal(intl('+81312345678').rate.prefix, null); // Japan → default
    assert.equal(intl('+81312345678').costMinor, 300);
  });

  it('classifies from the home region', () => {
    assert.equal(classifyDestination('+16502530000', 'CN').class, 'international');
    assert.equal(classifyDestination('+16502530000', 'US').class, 'domestic_fixed'); // FIXED_LINE_OR_MOBILE rates as fixed
    assert.equal(classifyDestination('+864006701018').class, 'domestic_fixed'); // 400 shared-cost
    assert.equal(classifyDestination('+8613800138000').countryCode, '86');
  });

  it('refuses when no rate applies', () => {
    const onlyIn = rates.filter((r) => r.direction === 'in');
    assert.throws(() => rateCall({ direction: 'out', destination: { kind: 'number', e164: '+8613800138000' }, billableSeconds: 1, rates: onlyIn }),
      (e: unknown) => e instanceof CallRefusedError && e.reason === 'no_rate');
    assert.equal(findRate(rates, 'out', { kind: 'access_number', accessNumberId: 'an-400' }), undefined);
  });
});

describe('prepaid balance', () => {
  it('refuses a leg at zero balance', () => {
    assert.throws(() => authorizeCall({ frozen: false, balanceMinor: 0 }), (e: unknown) => e instanceof CallRefusedError && e.reason === 'no_balance' && e.q850 === 57);
    assert.throws(() => authorizeCall({ frozen: false, balanceMinor: -5 }), CallRefusedError);
    assert.throws(() => authorizeCall({ frozen: true, balanceMinor: 1000 }), (e: unknown) => e instanceof CallRefusedError && e.reason === 'account_frozen');
    assert.throws(() => authorizeCall(null), (e: unknown) => e instanceof CallRefusedError && e.reason === 'unknown_account');
    assert.throws(() => authorizeCall({ frozen: false, balanceMinor: 10 }, null), (e: unknown) => e instanceof CallRefusedError && e.reason === 'no_rate');
    assert.doesNotThrow(() => authorizeCall({ frozen: false, balanceMinor: 1 }));
  });

  it('knows how long a call may last on the balance', () => {
    const r = { perMinuteMinor: 12, incrementS: 6 };
    const secs = maxCallSeconds(100, r);
    assert.equal(secs, 498);
    assert.ok(costOf(billedSeconds(secs!, 6), 12) <= 100);
    assert.ok(costOf(billedSeconds(secs! + 1, 6), 12) > 100);
    assert.equal(maxCallSeconds(0, r), 0);
    assert.equal(maxCallSeconds(100, { perMinuteMinor: 0, incrementS: 60 }), null);
  });
});
