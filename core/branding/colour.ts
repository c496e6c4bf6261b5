// Brand colours (issue 19): an account's primary and accent colours are
// written #rrggbb, nothing else (no names, no url(), no expressions: the value
// goes into a stylesheet). Text on a brand colour is black or white, whichever
// contrasts more — WCAG 2.1 §1.4.3 (AA) asks 4.5:1 for normal text, and the
// better of black and white always reaches at least 4.58:1 (the worst case is
// a background of relative luminance 0.175, where both are equal).
// Relative luminance and contrast ratio as WCAG 2.1 defines them
// (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance, #dfn-contrast-ratio).
import { ValidationError } from '../errors.ts';

export const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;
export const BLACK = '#000000';
export const WHITE = '#ffffff';
/** WCAG 2.1 AA for normal text. */
export const AA_CONTRAST = 4.5;

/** '#RRGGBB' in any case → '#rrggbb'; anything else is a ValidationError on `field`. */
export function normaliseColour(value: string, field: string): string {
  if (!HEX_COLOUR.test(value)) throw new ValidationError(`${field} must be a colour written #rrggbb (e.g. #12324f)`, field);
  return value.toLowerCase();
}

function channel(hex: string, at: number): number {
  const c = parseInt(hex.slice(at, at + 2), 16) / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function relativeLuminance(hex: string): number {
  if (!HEX_COLOUR.test(hex)) throw new TypeError(`not a #rrggbb colour: ${hex}`);
  return 0.2126 * channel(hex, 1) + 0.7152 * channel(hex, 3) + 0.0722 * channel(hex, 5);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Black or white text, whichever contrasts more with the background. */
export function textColourOn(background: string): typeof BLACK | typeof WHITE {
  return contrastRatio(background, BLACK) >= contrastRatio(background, WHITE) ? BLACK : WHITE;
}
