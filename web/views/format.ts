// Display formats: times in the account's zone, money from minor units,
// durations, phone numbers in national format (international for others).
import { DateTime } from 'luxon';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { parseStoredNumber } from '../../core/phone/normalise.ts';
import type { Locale } from '../i18n/messages.ts';

const luxonLocale = (l: Locale): string => (l === 'en' ? 'en-GB' : 'zh-CN');

export function formatDateTime(d: Date | null | undefined, tz: string, locale: Locale): string {
  if (!d) return '';
  return DateTime.fromJSDate(d, { zone: tz }).setLocale(luxonLocale(locale)).toFormat('yyyy-MM-dd HH:mm:ss');
}

export function formatShortDateTime(d: Date | null | undefined, tz: string, locale: Locale): string {
  if (!d) return '';
  return DateTime.fromJSDate(d, { zone: tz }).setLocale(luxonLocale(locale)).toFormat(locale === 'en' ? 'ccc yyyy-MM-dd HH:mm' : 'yyyy-MM-dd (ccc) HH:mm');
}

/** Value for an <input type="datetime-local"> in the zone. */
export function toLocalInput(d: Date, tz: string): string {
  return DateTime.fromJSDate(d, { zone: tz }).toFormat("yyyy-MM-dd'T'HH:mm");
}

export function formatMoney(minor: number, currency: string): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  const symbol = currency === 'CNY' ? '¥' : currency === 'USD' ? '$' : `${currency} `;
  return `${sign}${symbol}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** h:mm:ss */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Billable minutes as billed (rounded up to the increment): one decimal. */
export function formatMinutes(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '';
  return (seconds / 60).toFixed(1);
}

/** A stored number (E.164 with optional *ext) for people: national in the home region, international elsewhere. */
export function formatPhone(stored: string, homeRegion: string): string {
  const { e164, extension } = parseStoredNumber(stored);
  const p = parsePhoneNumberFromString(e164);
  if (!p) return stored;
  const main = p.country === (homeRegion.toUpperCase() as CountryCode) ? p.formatNational() : p.formatInternational();
  return extension ? `${main} ext. ${extension}` : main;
}
