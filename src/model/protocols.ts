/** IANA protocol numbers ↔ names, as ECS `network.transport` spells them (lower case). */
const NAMES: Record<number, string> = {
  0: 'hopopt',
  1: 'icmp',
  2: 'igmp',
  4: 'ipv4',
  6: 'tcp',
  8: 'egp',
  9: 'igp',
  17: 'udp',
  27: 'rdp',
  33: 'dccp',
  41: 'ipv6',
  43: 'ipv6-route',
  44: 'ipv6-frag',
  46: 'rsvp',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  58: 'ipv6-icmp',
  59: 'ipv6-nonxt',
  60: 'ipv6-opts',
  88: 'eigrp',
  89: 'ospf',
  94: 'ipip',
  103: 'pim',
  112: 'vrrp',
  115: 'l2tp',
  132: 'sctp',
  136: 'udplite',
  137: 'mpls-in-ip',
};

const NUMBERS: Record<string, number> = Object.fromEntries(Object.entries(NAMES).map(([n, name]) => [name, Number(n)]));
NUMBERS['icmp6'] = 58;
NUMBERS['icmpv6'] = 58;
NUMBERS['ipv6_icmp'] = 58;

export function transportName(iana: number): string {
  return NAMES[iana] ?? String(iana);
}

export function ianaNumber(name: string): number | undefined {
  const lower = name.trim().toLowerCase();
  if (/^\d+$/.test(lower)) return Number(lower);
  return NUMBERS[lower];
}
