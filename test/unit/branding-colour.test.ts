// Brand colours (core/branding/colour.ts) and slogans (core/branding/slogan.ts):
// #rrggbb only; the text on any brand colour meets WCAG 2.1 AA (4.5:1);
// slogans up to 80 characters in any script, one line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AA_CONTRAST, BLACK, contrastRatio, normaliseColour, relativeLuminance, textColourOn, WHITE } from '../../core/branding/colour.ts';
import { normaliseSlogan, SLOGAN_MAX } from '../../core/branding/slogan.ts';
import { ValidationError } from '../../core/errors.ts';

const hex = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
  .map(([r, g, b]) => `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`);

describe('brand colours', () => {
  it('takes #rrggbb in either case and writes it lower case; refuses everything else', () => {
    assert.equal(normaliseColour('#12AB9f', 'primaryColor'), '#12ab9f');
    for (const bad of ['red', '#fff', '#12345', '#1234567', '12ab9f', '#12ab9g', 'url(x)', '#123456;background:red', ' #123456']) {
      assert.throws(() => normaliseColour(bad, 'primaryColor'), (e: unknown) => e instanceof ValidationError && e.field === 'primaryColor', bad);
    }
  });
  it('computes WCAG luminance and contrast (black on white is 21:1)', () => {
    assert.equal(relativeLuminance(WHITE), 1);
    assert.equal(relativeLuminance(BLACK), 0);
    assert.equal(contrastRatio(BLACK, WHITE), 21);
    assert.equal(Math.round(contrastRatio('#777777', WHITE) * 100) / 100, 4.48); // the classic just-fails-AA grey
  });
  it('picks white on dark and black on light colours', () => {
    assert.equal(textColourOn('#12324f'), WHITE);
    assert.equal(textColourOn('#ffd500'), BLACK);
    assert.equal(textColourOn('#000000'), WHITE);
    assert.equal(textColourOn('#ffffff'), BLACK);
  });
  it('keeps AA contrast (≥ 4.5:1) for the text on every colour', () => {
    fc.assert(fc.property(hex, (c) => contrastRatio(c, textColourOn(c)) >= AA_CONTRAST), { numRuns: 5000, seed: 19 });
  });
});

describe('slogans', () => {
  it('takes up to 80 characters of any script, trimmed; empty is none', () => {
    assert.equal(normaliseSlogan('  让沟通更简单 Talk made simple  '), '让沟通更简单 Talk made simple');
    assert.equal(normaliseSlogan('会'.repeat(SLOGAN_MAX)), '会'.repeat(SLOGAN_MAX));
    assert.equal(normaliseSlogan('😀'.repeat(SLOGAN_MAX))?.length, SLOGAN_MAX * 2); // characters, not UTF-16 units
    assert.equal(normaliseSlogan('   '), null);
  });
  it('refuses 81 characters and control characters, saying why', () => {
    assert.throws(() => normaliseSlogan('会'.repeat(SLOGAN_MAX + 1)), (e: unknown) => e instanceof ValidationError && e.field === 'slogan' && /81/.test(e.message));
    assert.throws(() => normaliseSlogan('one\ntwo'), (e: unknown) => e instanceof ValidationError && e.field === 'slogan');
    assert.throws(() => normaliseSlogan('a\u0000b'), ValidationError);
  });
});
