// Where webhooks may not go: the bridge's own and private networks, unless
// the operator allows them (BRIDGE_WEBHOOK_ALLOW, a CIDR list). Checked when
// an endpoint is saved (every address its name resolves to) and again when
// each request is sent, on the address actually connected to: the sender
// resolves through `lookup` below and connects to the address it checked
// (a name re-pointed after the save — DNS rebinding — is caught there), and
// the socket's remote address is checked once more on connect.
// Refused: unspecified, loopback, RFC 1918 and fc00::/7 private, link-local
// (169.254/16 with the cloud metadata address, fe80::/10), CGNAT
// (100.64/10, RFC 6598), multicast, reserved and broadcast, benchmark
// (198.18/15), NAT64 (64:ff9b::/96), 6to4 (2002::/16), and this host's own
// interface addresses. IPv4-mapped, -translated and -compatible IPv6
// addresses are checked as the IPv4 address they carry.
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { ValidationError } from '../../core/errors.ts';

const FORBIDDEN_V4: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'], ['10.0.0.0', 8, 'private'], ['100.64.0.0', 10, 'CGNAT'], ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'], ['172.16.0.0', 12, 'private'], ['192.0.0.0', 24, 'reserved'], ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmark'], ['224.0.0.0', 4, 'multicast'], ['240.0.0.0', 4, 'reserved'],
];
const FORBIDDEN_V6: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'], ['::1', 128, 'loopback'], ['fc00::', 7, 'private'], ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'], ['64:ff9b::', 96, 'NAT64'], ['2002::', 16, '6to4'], ['100::', 64, 'discard'],
];

/**
 * A plain IPv4 address for an IPv4-mapped (::ffff:a.b.c.d), -translated
 * (SIIT, ::ffff:0:a.b.c.d) or -compatible (::a.b.c.d) IPv6 one; else the
 * address as given.
 */
export function unmapIPv4(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = expandIPv6(address);
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  const mapped = zeros(0, 5) && groups[5] === 0xffff;
  const translated = zeros(0, 4) && groups[4] === 0xffff && groups[5] === 0;
  const compatible = zeros(0, 6) && groups[6] !== 0;
  if (!mapped && !translated && !compatible) return address;
  return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
}

function expandIPv6(a: string): number[] {
  let s = a.toLowerCase().split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const p = v4[1]!.split('.').map(Number);
    s = s.slice(0, -v4[1]!.length) + `${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [l, r] = s.split('::') as [string, string | undefined];
  const left = l ? l.split(':') : [];
  const right = r ? r.split(':') : [];
  const fill = r === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g || '0', 16));
}

function parseCidr(c: string): { address: string; prefix: number; type: 'ipv4' | 'ipv6' } {
  const [addr, len] = c.trim().split('/');
  const fam = isIP(addr ?? '');
  if (fam === 0) throw new ValidationError(`not an IP network: ${c}`);
  const max = fam === 4 ? 32 : 128;
  const prefix = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new ValidationError(`not an IP network: ${c}`);
  return { address: addr!, prefix, type: fam === 4 ? 'ipv4' : 'ipv6' };
}

/** Is each entry a CIDR (or a single address)? For the configuration's check. */
export function isCidr(c: string): boolean {
  try { parseCidr(c); return true; } catch { return false; }
}

export interface AddressGuardOptions {
  /** CIDRs the operator allows although they are forbidden (BRIDGE_WEBHOOK_ALLOW). */
  allow?: readonly string[];
  /** The bridge's own addresses besides its interfaces' (e.g. configured SIP, RTP and web hosts). */
  ownAddresses?: readonly string[];
  /** Name resolution (tests may hand in their own). */
  resolve?: (host: string) => Promise<string[]>;
}

export class AddressGuard {
  private readonly allowed = new BlockList();
  private readonly forbidden: Array<{ list: BlockList; why: string }> = [];
  private readonly own = new Set<string>();
  private readonly resolveName: (host: string) => Promise<string[]>;

  constructor(opts: AddressGuardOptions = {}) {
    for (const c of opts.allow ?? []) { const n = parseCidr(c); this.allowed.addSubnet(n.address, n.prefix, n.type); }
    for (const [addr, prefix, why] of FORBIDDEN_V4) { const l = new BlockList(); l.addSubnet(addr, prefix, 'ipv4'); this.forbidden.push({ list: l, why }); }
    for (const [addr, prefix, why] of FORBIDDEN_V6) { const l = new BlockList(); l.addSubnet(addr, prefix, 'ipv6'); this.forbidden.push({ list: l, why }); }
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) this.own.add(unmapIPv4(i.address));
    for (const a of opts.ownAddresses ?? []) if (isIP(a)) this.own.add(unmapIPv4(a));
    this.resolveName = opts.resolve ?? (async (host) => (await dnsLookup(host, { all: true, verbatim: true })).map((r) => r.address));
  }

  /** Why `address` may not be reached (e.g. "loopback"), or null when it may. */
  refusal(address: string): string | null {
    const a = unmapIPv4(address);
    const fam = isIP(a);
    if (fam === 0) return 'not an IP address';
    const type = fam === 4 ? 'ipv4' : 'ipv6';
    if (this.allowed.check(a, type)) return null;
    for (const f of this.forbidden) if (f.list.check(a, type)) return f.why;
    if (fam === 4 && a === '255.255.255.255') return 'broadcast';
    if (this.own.has(a)) return "the bridge's own address";
    return null;
  }

  /**
   * Every address `host` resolves to, each allowed; otherwise a
   * ValidationError naming the address and why. An IP literal is checked as it is.
   */
  async check(host: string): Promise<string[]> {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    let addresses: string[];
    if (isIP(bare)) addresses = [bare];
    else {
      try { addresses = await this.resolveName(bare); } catch (err) {
        throw new ValidationError(`the host ${bare} cannot be resolved (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'url');
      }
      if (addresses.length === 0) throw new ValidationError(`the host ${bare} has no address`, 'url');
    }
    for (const a of addresses) {
      const why = this.refusal(a);
      if (why) throw new ValidationError(`webhooks may not be sent to ${a}${a === bare ? '' : ` (${bare})`}: ${why} address, not allowed by the operator (BRIDGE_WEBHOOK_ALLOW)`, 'url');
    }
    return addresses;
  }
}
