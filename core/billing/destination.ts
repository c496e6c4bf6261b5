// Destination classes for dial-out rating: domestic fixed, domestic mobile,
// international (by country code, rated by longest prefix).
import { getCountryCallingCode, parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { ValidationError } from '../errors.ts';
import { DEFAULT_REGION } from '../phone/normalise.ts';

export type DialOutClass = 'domestic_fixed' | 'domestic_mobile' | 'international';

export interface ClassifiedDestination {
  class: DialOutClass;
  /** Country calling code without '+', e.g. '86', '1', '44'. */
  countryCode: string;
  /** E.164 digits without '+': what international prefixes are matched against. */
  digits: string;
}

/**
 * Classify an E.164 number seen from `homeRegion`. Mobile is what
 * libphonenumber calls MOBILE; everything else domestic (fixed lines, 400
 * shared-cost, toll-free, ambiguous FIXED_LINE_OR_MOBILE) rates as fixed.
 */
export function classifyDestination(e164: string, homeRegion: string = DEFAULT_REGION): ClassifiedDestination {
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(e164, { defaultCountry: homeRegion.toUpperCase() as CountryCode });
  } catch {
    throw new ValidationError(`"${e164}" is not a phone number`, 'destination');
  }
  const digits = parsed.number.slice(1);
  const countryCode = parsed.countryCallingCode;
  if (countryCode !== countryCodeOfRegion(homeRegion)) return { class: 'international', countryCode, digits };
  return { class: parsed.getType() === 'MOBILE' ? 'domestic_mobile' : 'domestic_fixed', countryCode, digits };
}

function countryCodeOfRegion(region: string): string {
  try {
    return getCountryCallingCode(region.toUpperCase() as CountryCode);
  } catch {
    throw new ValidationError(`unknown region ${region}`, 'region');
  }
}
