// generic-param lists (RFC 3261 §25.1): *( SEMI generic-param ) after a Via,
// a name-addr or a media type, read and written.
import { TOKEN, isToken } from './char-classes.ts';
import { isIPv6Address, isValidHost } from './host.ts';
import type { Scanner } from './scanner.ts';
import type { Params } from './types.ts';

// gen-value = token / host / quoted-string; host adds ":" "[" "]" for IPv6 references.
const GEN_VALUE = (() => {
  const t = Uint8Array.from(TOKEN);
  for (const ch of ':[]') t[ch.charCodeAt(0)] = 1;
  return t;
})();

/**
 * *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ]
 * (RFC 3261 §25.1). Names are lower-cased; a quoted-string value is kept
 * with its quotes; a repeated name is an error.
 */
export function readParams(sc: Scanner): Params {
  const params: Params = new Map();
  while (sc.eat(0x3b)) {
    const name = sc.takeToken('parameter name').toLowerCase();
    let value: string | null = null;
    if (sc.eat(0x3d)) {
      if (sc.peek() === 0x22) {
        value = sc.takeQuoted().raw;
      } else {
        value = sc.take(GEN_VALUE);
        if (value.length === 0) sc.fail(`parameter ${name} has no value`);
        // A bare IPv6 address is a gen-value too: received = IPv4address / IPv6address (RFC 3261 §20.42).
        if (!isToken(value) && !isValidHost(value.toLowerCase()) && !isIPv6Address(value)) sc.fail(`bad value for parameter ${name}`);
      }
    }
    if (params.has(name)) sc.fail(`parameter ${name} repeated`);
    params.set(name, value);
  }
  return params;
}

/** Header parameters: ";name" or ";name=value", values written as stored (token, host or quoted string). */
export function formatParams(p: Params): string {
  let s = '';
  for (const [name, value] of p) s += value === null ? `;${name}` : `;${name}=${value}`;
  return s;
}
