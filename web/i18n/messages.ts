// The two languages of the web app. Every key has both texts (the dictionary
// is typed so a missing translation does not compile); {name} placeholders
// are filled by t().
import { DICTIONARY } from './dictionary.ts';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = typeof LOCALES[number];
export type MessageKey = keyof typeof DICTIONARY;

export function isLocale(s: string): s is Locale {
  return (LOCALES as readonly string[]).includes(s);
}

export function t(locale: Locale, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const entry = DICTIONARY[key];
  const text: string = locale === 'en' ? entry.en : entry.zh;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** The texts the page script needs (errors, confirmations), in one language. */
export function clientMessages(locale: Locale): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(DICTIONARY) as MessageKey[]) if (key.startsWith('js.')) out[key] = t(locale, key);
  return out;
}
