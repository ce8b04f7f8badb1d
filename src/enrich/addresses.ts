import { contains, parseIpv4, parseIpv6, parsePrefix, type ParsedIp, type Prefix } from './ip';

/**
 * Address blocks that never have a place or an owner on the public Internet: private, shared,
 * loopback, link-local, documentation, benchmarking, multicast, reserved (IANA special-purpose
 * registries for IPv4 and IPv6). Geo and AS lookups skip them.
 */
const SPECIAL = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  '::ffff:0:0/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '2002::/16',
  '3fff::/20',
  '5f00::/16',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
].map((c) => parsePrefix(c) as Prefix);

/** The IPv4 blocks as inclusive first, last number pairs in one flat list: a check is a few integer compares. */
const SPECIAL_V4 = SPECIAL.filter((p) => p.version === 4).flatMap((p) => [p.v4, p.v4 + 2 ** (32 - p.length) - 1]);
const SPECIAL_V6 = SPECIAL.filter((p) => p.version === 6);

/**
 * True for an address that can be looked up in a geo or AS database. 2001::/23 (IETF protocol
 * assignments) counts as special as a whole although a few blocks in it are routed.
 */
export function isPublicAddress(ip: string): boolean {
  const v4 = parseIpv4(ip);
  if (v4 !== undefined) {
    for (let i = 0; i < SPECIAL_V4.length; i += 2)
      if (v4 >= (SPECIAL_V4[i] as number) && v4 <= (SPECIAL_V4[i + 1] as number)) return false;
    return true;
  }
  const v6 = parseIpv6(ip);
  if (v6 === undefined) return false;
  const parsed: ParsedIp = { version: 6, v6 };
  for (const p of SPECIAL_V6) if (contains(p, parsed)) return false;
  return true;
}
