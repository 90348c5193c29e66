import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { type Config } from '../domain/config';

// The SSRF guard of outbound webhooks. An admin names the URL, so without a guard the service
// could be made to POST into its own network (a database's HTTP port, a cloud metadata service
// at 169.254.169.254). Subscriber hosts are resolved and refused when any address is loopback,
// link-local, private or otherwise not public: at registration, and again at every delivery,
// inside the connection's own DNS lookup, so a name re-pointed after registration (DNS
// rebinding) is caught on the address actually dialled.

export interface AddressPolicy {
  /** false: every address is allowed (development, tests). */
  guarded: boolean;
  /** Ranges allowed although not public (KYC_WEBHOOK_ALLOW_PRIVATE as a CIDR list). */
  allowed: BlockList;
}

// Not public: RFC 6890 special-purpose ranges that can reach this host or its network. 192.88.99.0/24
// is the deprecated 6to4 relay anycast (RFC 7526): what answers there is a tunnel relay, not a receiver.
const NOT_PUBLIC_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24',
  '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
];

const notPublicV4 = new BlockList();
for (const range of NOT_PUBLIC_V4) notPublicV4.addSubnet(range.split('/')[0]!, Number(range.split('/')[1]), 'ipv4');

function parseRanges(list: string): BlockList {
  const ranges = new BlockList();
  for (const entry of list.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '');
    if (!address || !family || prefix === undefined) throw new Error(`KYC_WEBHOOK_ALLOW_PRIVATE: "${entry}" is not a CIDR range`);
    ranges.addSubnet(address, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
  }
  return ranges;
}

export function addressPolicy(config: Pick<Config, 'NODE_ENV' | 'KYC_WEBHOOK_ALLOW_PRIVATE'>): AddressPolicy {
  const setting = config.KYC_WEBHOOK_ALLOW_PRIVATE ?? (config.NODE_ENV === 'production' ? 'false' : 'true');
  if (setting === 'true') return { guarded: false, allowed: new BlockList() };
  if (setting === 'false') return { guarded: true, allowed: new BlockList() };
  return { guarded: true, allowed: parseRanges(setting) };
}

/** The eight 16-bit groups of an IPv6 address, whichever way it is written (zeros compressed, a dotted IPv4 tail, a zone). */
function ipv6Groups(address: string): number[] {
  // WHATWG URL serialisation gives one canonical text: hex groups only, at most one "::".
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [left = '', right] = canonical.split('::');
  const head = left ? left.split(':') : [];
  const tail = right ? right.split(':') : [];
  const groups = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return groups.map((group) => parseInt(group, 16));
}

const ipv4Of = (high: number, low: number) => [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
const startsWith = (groups: number[], prefix: number[]) => prefix.every((group, i) => groups[i] === group);

/**
 * How an IPv6 address is judged, after the IANA IPv6 special-purpose registry: by the IPv4 address
 * it carries, when a router or this host's own stack delivers it to that IPv4 address; refused, when
 * it is not a global unicast address (or reaches an IPv4 host through a tunnel we do not control);
 * otherwise public.
 */
function ipv6Verdict(address: string): { ipv4: string } | 'refused' | 'public' {
  const g = ipv6Groups(address);
  // ::ffff:0:0/96, IPv4-mapped: a dual-stack socket connects to the IPv4 address itself. Resolvers
  // answer in this form, so a public IPv4 address written so stays allowed.
  if (startsWith(g, [0, 0, 0, 0, 0, 0xffff])) return { ipv4: ipv4Of(g[6]!, g[7]!) };
  // 64:ff9b::/96, the well-known NAT64 prefix: a DNS64 network's translator connects to the IPv4
  // address (an IPv6-only network reaches public IPv4 receivers this way).
  if (startsWith(g, [0x64, 0xff9b, 0, 0, 0, 0])) return { ipv4: ipv4Of(g[6]!, g[7]!) };
  // Outside 2000::/3 nothing is global unicast. That covers ::/128 and ::1/128, the deprecated
  // IPv4-compatible ::/96 ([::127.0.0.1]) and IPv4-translated ::ffff:0:0:0/96 ([::ffff:0:127.0.0.1])
  // forms, whatever IPv4 address they carry (no resolver answers them for a real receiver), the
  // local-use NAT64 prefix 64:ff9b:1::/48 (its translator is the operator's, the IPv4 position
  // depends on its prefix length), discard-only 100::/64, unique-local fc00::/7, link-local
  // fe80::/10, site-local fec0::/10, multicast ff00::/8 and the space IANA has not allocated.
  if ((g[0]! & 0xe000) !== 0x2000) return 'refused';
  // Inside it: 2001::/23, the IETF protocol assignments (Teredo 2001::/32 tunnels to an obfuscated
  // IPv4 address through relays, benchmarking 2001:2::/48, ORCHID identifiers, anycast services:
  // none is a webhook receiver); 2001:db8::/32 and 3fff::/20, documentation; 2002::/16, 6to4
  // (RFC 7526 deprecated it; the packet goes to the embedded IPv4 address through a relay).
  if (g[0] === 0x2001 && g[1]! < 0x200) return 'refused';
  if (g[0] === 0x2001 && g[1] === 0xdb8) return 'refused';
  if (g[0] === 0x3fff && g[1]! < 0x1000) return 'refused';
  if (g[0] === 0x2002) return 'refused';
  return 'public';
}

/** Whether the policy lets a delivery connect to this IP address. */
export function isAddressAllowed(address: string, policy: AddressPolicy): boolean {
  if (!policy.guarded) return true;
  const bare = address.split('%')[0]!;
  const family = isIP(bare);
  if (family === 0) return false;
  if (family === 4) return !notPublicV4.check(bare, 'ipv4') || policy.allowed.check(bare, 'ipv4');
  const verdict = ipv6Verdict(bare);
  if (typeof verdict === 'object') return isAddressAllowed(verdict.ipv4, policy);
  return verdict === 'public' || policy.allowed.check(bare, 'ipv6');
}

export class ForbiddenAddressError extends Error {
  readonly code = 'EADDRFORBIDDEN';
}

// URL.hostname keeps the brackets of an IPv6 literal.
const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

export type UrlVerdict = { ok: true } | { ok: false; rule: 'scheme' | 'credentials' | 'unresolvable' | 'forbidden_address'; message: string };

/** The registration-time check of a subscriber URL (the delivery checks again as it connects). */
export async function checkSubscriberUrl(raw: string, policy: AddressPolicy, resolve: (host: string) => Promise<LookupAddress[]> = resolveAll): Promise<UrlVerdict> {
  const url = new URL(raw);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, rule: 'scheme', message: 'Must be an http:// or https:// URL' };
  if (url.username || url.password) return { ok: false, rule: 'credentials', message: 'Must not carry credentials: receivers authenticate us by the signature' };
  if (!policy.guarded) return { ok: true };
  const host = bareHost(url.hostname);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await resolve(host)).map((a) => a.address);
    } catch {
      return { ok: false, rule: 'unresolvable', message: 'The host name does not resolve' };
    }
  }
  if (addresses.length === 0) return { ok: false, rule: 'unresolvable', message: 'The host name does not resolve' };
  if (addresses.some((a) => !isAddressAllowed(a, policy))) {
    return { ok: false, rule: 'forbidden_address', message: 'Resolves to a loopback, link-local or private address, which this service does not call (KYC_WEBHOOK_ALLOW_PRIVATE)' };
  }
  return { ok: true };
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
}

/**
 * The DNS lookup a delivery's socket uses: every address the name resolves to must be allowed,
 * otherwise the connection fails with EADDRFORBIDDEN before a byte is sent.
 */
export function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    const all: LookupAllOptions = { ...options, all: true };
    dnsLookup(hostname, all, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.find((a) => !isAddressAllowed(a.address, policy));
      if (refused || addresses.length === 0) return callback(new ForbiddenAddressError(`${hostname} resolves to an address webhooks may not reach`), '', 0);
      if (options.all) return (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** IP literals never reach the lookup: the delivery judges them itself. */
export function isLiteralAddressRefused(hostname: string, policy: AddressPolicy): boolean {
  const host = bareHost(hostname);
  return isIP(host) !== 0 && !isAddressAllowed(host, policy);
}
