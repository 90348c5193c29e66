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

// Not public: RFC 6890 special-purpose ranges that can reach this host or its network.
const NOT_PUBLIC_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24',
  '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
];
const NOT_PUBLIC_V6 = ['::/128', '::1/128', '64:ff9b:1::/48', '100::/64', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8'];

const notPublic = new BlockList();
for (const range of NOT_PUBLIC_V4) notPublic.addSubnet(range.split('/')[0]!, Number(range.split('/')[1]), 'ipv4');
for (const range of NOT_PUBLIC_V6) notPublic.addSubnet(range.split('/')[0]!, Number(range.split('/')[1]), 'ipv6');

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

// IPv4 written inside IPv6 (::ffff:a.b.c.d, ::ffff:7f00:1, 64:ff9b::a.b.c.d NAT64, 2002:AABB:CCDD::
// 6to4) reaches the IPv4 address: judge that one.
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4})(?::|$)/.exec(lower);
  const parts = hex ?? sixToFour;
  if (!parts) return null;
  const high = parseInt(parts[1]!, 16);
  const low = parseInt(parts[2]!, 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** Whether the policy lets a delivery connect to this IP address. */
export function isAddressAllowed(address: string, policy: AddressPolicy): boolean {
  if (!policy.guarded) return true;
  const family = isIP(address);
  if (family === 0) return false;
  const v4 = family === 6 ? embeddedIpv4(address) : address;
  if (v4 && v4 !== address) return isAddressAllowed(v4, policy);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return !notPublic.check(address, type) || policy.allowed.check(address, type);
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
