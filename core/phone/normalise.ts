// Phone numbers: what people type → E.164 (+ optional DTMF extension).
// `number*ext` or `number,ext` dials the number, then sends ext after answer.
import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { ValidationError } from '../errors.ts';

/** Default region for numbers written without a country code (config: BRIDGE_DEFAULT_REGION). */
export const DEFAULT_REGION = 'CN';

export interface NormalisedNumber {
  /** +<country><national>, no extension. */
  e164: string;
  /** DTMF digits (0-9 * #) to send after answer, or '' for none. */
  extension: string;
}

export interface PhoneOptions {
  /** ISO 3166 region, e.g. 'CN', 'US'. */
  defaultRegion?: string;
}

const EXT_SPLIT = /^([^*,;]+)[*,;](.*)$/;

/** Throws ValidationError for anything that is not a valid phone number. */
export function normalisePhoneNumber(input: string, opts: PhoneOptions = {}): NormalisedNumber {
  const trimmed = input.trim();
  if (trimmed.length === 0) throw new ValidationError('phone number is empty', 'phone');
  if (trimmed.length > 64) throw new ValidationError('phone number is too long', 'phone');
  const m = EXT_SPLIT.exec(trimmed);
  const main = (m ? m[1]! : trimmed).trim();
  const extension = m ? m[2]!.replace(/[\s-]/g, '') : '';
  if (!/^[0-9*#,]*$/.test(extension)) throw new ValidationError(`extension "${extension}" may hold only digits, * and #`, 'phone');
  if (!/^[+0-9\s\-().]+$/.test(main)) throw new ValidationError(`"${main}" is not a phone number`, 'phone');
  const region = (opts.defaultRegion ?? DEFAULT_REGION).toUpperCase() as CountryCode;
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(main, { defaultCountry: region });
  } catch {
    throw new ValidationError(`"${main}" is not a phone number`, 'phone');
  }
  if (!parsed.isValid()) throw new ValidationError(`"${main}" is not a valid phone number`, 'phone');
  // ITU-T E.164 §6: at most 15 digits with the country code. libphonenumber's
  // metadata accepts longer German numbers ("+49 30 1232147483647", found by
  // fuzzing the CSV import: test/fixtures/fuzz/contacts-csv/).
  if (parsed.number.length > 16) throw new ValidationError(`"${main}" has more than 15 digits`, 'phone');
  return { e164: parsed.number, extension: extension.replace(/,/g, '') };
}

/** The stored form: E.164, with "*ext" when there is an extension. */
export function formatStoredNumber(n: NormalisedNumber): string {
  return n.extension ? `${n.e164}*${n.extension}` : n.e164;
}

/** Normalise and give the stored form in one step. */
export function toStoredNumber(input: string, opts: PhoneOptions = {}): string {
  return formatStoredNumber(normalisePhoneNumber(input, opts));
}

/** Inverse of formatStoredNumber (no validation: stored numbers were validated on the way in). */
export function parseStoredNumber(stored: string): NormalisedNumber {
  const i = stored.indexOf('*');
  return i < 0 ? { e164: stored, extension: '' } : { e164: stored.slice(0, i), extension: stored.slice(i + 1) };
}
