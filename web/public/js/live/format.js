// Small helpers of the live console's script: texts with {placeholders},
// times in the account's zone, durations.

/** The text with each {name} replaced. */
export function fill(text, vars) {
  return text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** hh:mm:ss in the account's zone (joined times, window end). */
export function clockFormatter(locale, timeZone) {
  const f = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-CN', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  return (iso) => (iso ? f.format(new Date(iso)) : '');
}

/** A date and time in the account's zone (lockout ends, alert times). */
export function dateTimeFormatter(locale, timeZone) {
  const f = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-CN', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
  return (iso) => (iso ? f.format(new Date(iso)) : '');
}

/** h:mm:ss of a span of milliseconds (never negative). */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** An amount in minor units as the server writes it (web/views/format.ts formatMoney). */
export function money(minor, currency) {
  const n = Number(minor);
  const symbol = currency === 'USD' ? '$' : currency && currency !== 'CNY' ? `${currency} ` : '¥';
  const abs = Math.abs(n);
  return `${n < 0 ? '-' : ''}${symbol}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
