// Via (RFC 3261 §20.42, RFC 3581 rport), read and written.
//
//   via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
//   sent-protocol = protocol-name SLASH protocol-version SLASH transport
//   sent-by       = host [ COLON port ]
import { isToken } from './char-classes.ts';
import { isIPv4Address, isIPv6Address, isValidHost, parsePort } from './host.ts';
import { formatParams, readParams } from './params.ts';
import { Scanner, splitHeaderList, unfold } from './scanner.ts';
import type { Params, Via } from './types.ts';

// sent-by host characters: hostname chars and an IPv6 reference's.
const HOST_CHARS = (() => {
  const t = new Uint8Array(128);
  for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.') t[ch.charCodeAt(0)] = 1;
  return t;
})();

function readVia(sc: Scanner): Via {
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport, SLASH = SWS "/" SWS
  sc.skipWs();
  const name = sc.takeToken('protocol name');
  sc.expect(0x2f, '/');
  const version = sc.takeToken('protocol version');
  sc.expect(0x2f, '/');
  const transport = sc.takeToken('transport').toUpperCase();
  if (name.toUpperCase() !== 'SIP' || version !== '2.0') sc.fail(`unsupported protocol ${name}/${version}`);
  if (!sc.skipWs()) sc.fail('expected whitespace before sent-by');
  let host: string;
  if (sc.peek() === 0x5b) {
    const close = sc.text.indexOf(']', sc.pos);
    if (close < 0) sc.fail('unterminated IPv6 reference');
    host = sc.text.slice(sc.pos, close + 1);
    sc.pos = close + 1;
  } else {
    host = sc.take(HOST_CHARS);
  }
  host = host.toLowerCase();
  if (!isValidHost(host)) sc.fail(`bad host "${host.slice(0, 40)}"`);
  const via: Via = { transport, host, params: new Map() };
  if (sc.eat(0x3a)) {
    const port = parsePort(sc.take(HOST_CHARS));
    if (port === null) sc.fail('bad port');
    via.port = port;
  }
  via.params = readParams(sc);
  checkViaParams(sc, via.params);
  return via;
}

function checkViaParams(sc: Scanner, params: Params): void {
  for (const [name, value] of params) {
    switch (name) {
      case 'branch':
        if (value === null || !isToken(value)) sc.fail('bad branch');
        break;
      case 'ttl':
        if (value === null || !/^\d{1,3}$/.test(value) || Number(value) > 255) sc.fail('bad ttl');
        break;
      case 'maddr':
        if (value === null || !isValidHost(value.toLowerCase())) sc.fail('bad maddr');
        break;
      case 'received':
        if (value === null || !(isIPv4Address(value) || isIPv6Address(value))) sc.fail('bad received');
        break;
      case 'rport':
        if (value !== null && parsePort(value) === null) sc.fail('bad rport');
        break;
    }
  }
}

/** Parses one Via header value, which may hold several comma-separated via-parms. */
export function parseVia(s: string): Via[] {
  return splitHeaderList(unfold(s)).map((part) => {
    const sc = new Scanner(part, 'Via');
    const via = readVia(sc);
    sc.expectEnd();
    return via;
  });
}

/** via-parm: "SIP/2.0/" transport SP host [":" port] *(";" param). */
export function formatVia(v: Via): string {
  return `SIP/2.0/${v.transport} ${v.host}${v.port !== undefined ? `:${v.port}` : ''}${formatParams(v.params)}`;
}
