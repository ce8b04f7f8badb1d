/**
 * The field catalogue: the single source of truth for stored fields. The raw-flow mapping is
 * checked against it, the query language takes its names and aliases from it, and the rollup
 * planner asks it which fields a rollup keeps.
 */

export type FieldType = 'date' | 'ip' | 'keyword' | 'long' | 'integer' | 'short' | 'float' | 'double' | 'geo_point';

/** How the query language reads a value for this field. */
export type ValueUnit = 'bytes' | 'count' | 'duration_ns' | 'plain';

export interface FieldDef {
  /** ECS path as stored. */
  name: string;
  type: FieldType;
  /** Short names in the query language (nfdump/KQL-like). */
  aliases: string[];
  unit?: ValueUnit;
  /** Shown in the explorer's results table and CSV export by default. */
  column?: boolean;
  /** Searchable (indexed). Fields kept only for display are not. */
  indexed?: boolean;
  /**
   * Searched from doc values alone, without an inverted index or points: rarely filtered on,
   * about 10 B/flow less on disk, and still exact (filters on it scan the other filters' matches).
   */
  docValuesOnly?: boolean;
  /**
   * Not stored: computed on read from other fields (see `hydrate`). The query language then
   * searches the stored field named here instead.
   */
  computedFrom?: string;
  /** Column heading in the explorer; the ECS name when unset. */
  label?: string;
  /**
   * The form stored values take: `lower` is lower-cased by normalization (and query values with
   * it), `mac` is the ECS MAC form (upper-case hex pairs joined by hyphens).
   */
  form?: 'lower' | 'mac';
  /**
   * Values the field means, narrower than its storage type: normalization rejects a value outside
   * it, and the query language rejects a numeric value outside it.
   */
  range?: readonly [number, number];
  /** Filled by the enrichment stage (src/enrich) rather than by readers and normalization. */
  enriched?: boolean;
  /** What a rollup bucket keeps of it: a per-bucket sum or maximum (rollup/specs lists them in order). */
  rollup?: 'sum' | 'max';
  description: string;
}

const PORT: readonly [number, number] = [0, 65535];
const BYTE: readonly [number, number] = [0, 255];
const VLAN: readonly [number, number] = [0, 4095];

export const FIELDS: readonly FieldDef[] = [
  {
    name: '@timestamp',
    type: 'date',
    aliases: ['time', 'start'],
    column: true,
    label: 'Time',
    description: 'flow start (first packet)',
  },
  {
    name: 'event.end',
    type: 'date',
    aliases: ['end'],
    docValuesOnly: true,
    rollup: 'max',
    description: 'flow end (last packet)',
  },
  {
    name: 'event.duration',
    type: 'long',
    aliases: ['duration'],
    unit: 'duration_ns',
    column: true,
    label: 'Duration',
    description: 'duration in nanoseconds',
  },
  {
    name: 'source.ip',
    type: 'ip',
    aliases: ['src', 'srcip', 'src_ip', 'sip'],
    column: true,
    label: 'Source',
    description: 'source address',
  },
  {
    name: 'destination.ip',
    type: 'ip',
    aliases: ['dst', 'dstip', 'dst_ip', 'dip'],
    column: true,
    label: 'Destination',
    description: 'destination address',
  },
  {
    name: 'source.address',
    type: 'keyword',
    aliases: ['srcaddr', 'src_address', 'srcdevice'],
    description: 'source address as given (device names)',
  },
  {
    name: 'destination.address',
    type: 'keyword',
    aliases: ['dstaddr', 'dst_address', 'dstdevice'],
    description: 'destination address as given (device names)',
  },
  {
    name: 'source.port',
    type: 'integer',
    aliases: ['sport', 'srcport', 'src_port'],
    column: true,
    label: 'Src port',
    range: PORT,
    description: 'source port',
  },
  {
    name: 'destination.port',
    type: 'integer',
    aliases: ['dport', 'dstport', 'dst_port'],
    column: true,
    label: 'Dst port',
    range: PORT,
    description: 'destination port',
  },
  // The end listening for the flow (model/server), copied at ingest so services group by it.
  {
    name: 'server.ip',
    type: 'ip',
    aliases: ['server', 'server_ip'],
    docValuesOnly: true,
    description: 'server address: the end whose port is the service (source of a reply flow)',
  },
  {
    name: 'server.address',
    type: 'keyword',
    aliases: ['server_address'],
    docValuesOnly: true,
    description: 'server address as given (device names)',
  },
  {
    name: 'server.port',
    type: 'integer',
    aliases: ['server_port', 'svc_port'],
    description: 'server (service) port: a system port, a known service, else the lower port',
  },
  {
    name: 'source.bytes',
    type: 'long',
    aliases: ['sbytes', 'src_bytes'],
    unit: 'bytes',
    docValuesOnly: true,
    rollup: 'sum',
    description: 'bytes sent by the source',
  },
  {
    name: 'source.packets',
    type: 'long',
    aliases: ['spackets', 'src_packets'],
    unit: 'count',
    docValuesOnly: true,
    rollup: 'sum',
    description: 'packets sent by the source',
  },
  {
    name: 'destination.bytes',
    type: 'long',
    aliases: ['dbytes', 'dst_bytes'],
    unit: 'bytes',
    docValuesOnly: true,
    rollup: 'sum',
    description: 'bytes sent by the destination',
  },
  {
    name: 'destination.packets',
    type: 'long',
    aliases: ['dpackets', 'dst_packets'],
    unit: 'count',
    docValuesOnly: true,
    rollup: 'sum',
    description: 'packets sent by the destination',
  },
  {
    name: 'network.bytes',
    type: 'long',
    aliases: ['bytes', 'byt'],
    unit: 'bytes',
    column: true,
    label: 'Bytes',
    rollup: 'sum',
    description: 'bytes in both directions',
  },
  {
    name: 'network.packets',
    type: 'long',
    aliases: ['packets', 'pkts', 'pkt'],
    unit: 'count',
    column: true,
    label: 'Packets',
    rollup: 'sum',
    description: 'packets in both directions',
  },
  {
    name: 'network.transport',
    type: 'keyword',
    aliases: ['proto', 'transport'],
    column: true,
    label: 'Transport',
    form: 'lower',
    description: 'tcp, udp, icmp, …',
  },
  {
    name: 'network.iana_number',
    type: 'short',
    aliases: ['protocol', 'proto_number'],
    docValuesOnly: true,
    range: BYTE,
    description: 'IP protocol number',
  },
  {
    name: 'network.type',
    type: 'keyword',
    aliases: ['ipversion', 'inet'],
    docValuesOnly: true,
    form: 'lower',
    description: 'ipv4 or ipv6',
  },
  {
    name: 'network.protocol',
    type: 'keyword',
    aliases: ['app', 'l7', 'application'],
    column: true,
    label: 'App',
    form: 'lower',
    description: 'L7 application (nDPI name)',
  },
  {
    name: 'network.community_id',
    type: 'keyword',
    aliases: ['community_id', 'cid'],
    computedFrom: 'flow.community_hash',
    description: 'Community ID v1 (computed from the 5-tuple on read)',
  },
  {
    name: 'flow.community_hash',
    type: 'long',
    aliases: [],
    docValuesOnly: true,
    description: 'first 64 bits of the Community ID hash, the searchable stand-in for network.community_id',
  },
  {
    name: 'network.direction',
    type: 'keyword',
    aliases: ['direction'],
    form: 'lower',
    enriched: true,
    description: 'inbound/outbound/internal/external',
  },
  {
    name: 'source.geo.country_iso_code',
    type: 'keyword',
    aliases: ['src_country'],
    enriched: true,
    description: 'source country',
  },
  {
    name: 'destination.geo.country_iso_code',
    type: 'keyword',
    aliases: ['dst_country'],
    enriched: true,
    description: 'destination country',
  },
  { name: 'source.geo.city_name', type: 'keyword', aliases: ['src_city'], enriched: true, description: 'source city' },
  {
    name: 'destination.geo.city_name',
    type: 'keyword',
    aliases: ['dst_city'],
    enriched: true,
    description: 'destination city',
  },
  { name: 'source.geo.location', type: 'geo_point', aliases: [], enriched: true, description: 'source location' },
  {
    name: 'destination.geo.location',
    type: 'geo_point',
    aliases: [],
    enriched: true,
    description: 'destination location',
  },
  { name: 'source.as.number', type: 'long', aliases: ['src_asn', 'srcas', 'src_as'], description: 'source AS number' },
  {
    name: 'destination.as.number',
    type: 'long',
    aliases: ['dst_asn', 'dstas', 'dst_as'],
    description: 'destination AS number',
  },
  {
    name: 'source.as.organization.name',
    type: 'keyword',
    aliases: ['src_asorg'],
    enriched: true,
    description: 'source AS organization',
  },
  {
    name: 'destination.as.organization.name',
    type: 'keyword',
    aliases: ['dst_asorg'],
    enriched: true,
    description: 'destination AS organization',
  },
  {
    name: 'observer.ip',
    type: 'ip',
    aliases: ['exporter', 'router'],
    docValuesOnly: true,
    description: 'exporter / probe address',
  },
  {
    name: 'observer.name',
    type: 'keyword',
    aliases: ['probe', 'observer', 'exporter_name'],
    description: 'exporter / probe name',
  },
  {
    name: 'observer.ingress.interface.id',
    type: 'long',
    aliases: ['in_if', 'inif', 'input'],
    docValuesOnly: true,
    description: 'input SNMP ifIndex',
  },
  {
    name: 'observer.egress.interface.id',
    type: 'long',
    aliases: ['out_if', 'outif', 'output'],
    docValuesOnly: true,
    description: 'output SNMP ifIndex',
  },
  {
    name: 'flow.tcp_flags',
    type: 'short',
    aliases: ['flags', 'tcp_flags'],
    docValuesOnly: true,
    description: 'cumulative TCP flags',
  },
  { name: 'flow.tos', type: 'short', aliases: ['tos'], docValuesOnly: true, description: 'IP type of service' },
  {
    name: 'flow.sampling_rate',
    type: 'long',
    aliases: ['sampling', 'sampling_rate'],
    docValuesOnly: true,
    description: "1 in N packets sampled (the rate applied: the record's, else a configured one)",
  },
  {
    name: 'flow.sampled.bytes',
    type: 'long',
    aliases: ['sampled_bytes'],
    unit: 'bytes',
    docValuesOnly: true,
    description: 'bytes as exported by a sampling exporter (network.bytes holds the estimate)',
  },
  {
    name: 'flow.sampled.packets',
    type: 'long',
    aliases: ['sampled_packets'],
    unit: 'count',
    docValuesOnly: true,
    rollup: 'sum',
    description: 'packets as exported by a sampling exporter (network.packets holds the estimate)',
  },
  {
    name: 'flow.sampled.source.bytes',
    type: 'long',
    aliases: [],
    unit: 'bytes',
    docValuesOnly: true,
    description: 'source bytes as exported (sampled)',
  },
  {
    name: 'flow.sampled.source.packets',
    type: 'long',
    aliases: [],
    unit: 'count',
    docValuesOnly: true,
    description: 'source packets as exported (sampled)',
  },
  {
    name: 'flow.sampled.destination.bytes',
    type: 'long',
    aliases: [],
    unit: 'bytes',
    docValuesOnly: true,
    description: 'destination bytes as exported (sampled)',
  },
  {
    name: 'flow.sampled.destination.packets',
    type: 'long',
    aliases: [],
    unit: 'count',
    docValuesOnly: true,
    description: 'destination packets as exported (sampled)',
  },
  {
    name: 'flow.sampled.variance.bytes',
    type: 'double',
    aliases: [],
    docValuesOnly: true,
    rollup: 'sum',
    description: 'variance of the byte estimate (summed into error bounds)',
  },
  {
    name: 'flow.sampled.variance.packets',
    type: 'double',
    aliases: [],
    docValuesOnly: true,
    rollup: 'sum',
    description: 'variance of the packet estimate (summed into error bounds)',
  },
  {
    name: 'flow.format',
    type: 'keyword',
    aliases: ['format'],
    docValuesOnly: true,
    description: 'input format the flow came from',
  },
  { name: 'dns.question.name', type: 'keyword', aliases: ['dns', 'query_name'], description: 'DNS query name' },
  { name: 'url.domain', type: 'keyword', aliases: ['domain', 'http_host'], description: 'HTTP host' },
  { name: 'url.original', type: 'keyword', aliases: ['url'], description: 'HTTP URL' },
  { name: 'http.request.method', type: 'keyword', aliases: ['method', 'http_method'], description: 'HTTP method' },
  {
    name: 'http.response.status_code',
    type: 'short',
    aliases: ['status', 'http_status'],
    description: 'HTTP status code',
  },
  { name: 'tls.version', type: 'keyword', aliases: ['tls_version'], description: 'TLS version' },
  { name: 'tls.client.server_name', type: 'keyword', aliases: ['sni', 'server_name'], description: 'TLS SNI' },
  {
    name: 'flow.latency.client_ms',
    type: 'float',
    aliases: [],
    indexed: false,
    description: 'client network latency (nProbe)',
  },
  {
    name: 'flow.latency.server_ms',
    type: 'float',
    aliases: [],
    indexed: false,
    description: 'server network latency (nProbe)',
  },
  {
    name: 'flow.latency.application_ms',
    type: 'float',
    aliases: [],
    indexed: false,
    description: 'application latency (nProbe)',
  },
  {
    name: 'flow.retransmissions.client',
    type: 'long',
    aliases: [],
    indexed: false,
    description: 'client retransmitted packets (nProbe)',
  },
  {
    name: 'flow.retransmissions.server',
    type: 'long',
    aliases: [],
    indexed: false,
    description: 'server retransmitted packets (nProbe)',
  },
  // Routing and layer-2 fields of NetFlow/IPFIX/sFlow exports (docs/decoders.md says which element fills each).
  {
    name: 'flow.next_hop',
    type: 'ip',
    aliases: ['next_hop', 'nexthop', 'nh'],
    docValuesOnly: true,
    description: 'IP next hop',
  },
  {
    name: 'flow.bgp_next_hop',
    type: 'ip',
    aliases: ['bgp_next_hop', 'bgpnexthop', 'nhb'],
    docValuesOnly: true,
    description: 'BGP next hop',
  },
  {
    name: 'flow.physical_interface.ingress',
    type: 'long',
    aliases: ['in_phys', 'inphys'],
    docValuesOnly: true,
    description: 'input physical interface (ifIndex)',
  },
  {
    name: 'flow.physical_interface.egress',
    type: 'long',
    aliases: ['out_phys', 'outphys'],
    docValuesOnly: true,
    description: 'output physical interface (ifIndex)',
  },
  {
    name: 'flow.interface_speed.ingress',
    type: 'long',
    aliases: ['in_if_speed'],
    docValuesOnly: true,
    description: 'input interface speed in bits/s (sFlow interface counters)',
  },
  {
    name: 'flow.interface_speed.egress',
    type: 'long',
    aliases: ['out_if_speed'],
    docValuesOnly: true,
    description: 'output interface speed in bits/s (sFlow interface counters)',
  },
  {
    name: 'observer.ingress.interface.name',
    type: 'keyword',
    aliases: ['in_if_name', 'in_ifname'],
    description: 'input interface name (exporter options data)',
  },
  {
    name: 'observer.egress.interface.name',
    type: 'keyword',
    aliases: ['out_if_name', 'out_ifname'],
    description: 'output interface name (exporter options data)',
  },
  {
    name: 'network.vlan.id',
    type: 'keyword',
    aliases: ['vlan', 'src_vlan', 'svln'],
    range: VLAN,
    description: 'ingress VLAN id',
  },
  {
    name: 'observer.egress.vlan.id',
    type: 'keyword',
    aliases: ['post_vlan', 'dst_vlan', 'dvln'],
    range: VLAN,
    description: 'egress (post) VLAN id',
  },
  {
    name: 'network.inner.vlan.id',
    type: 'keyword',
    aliases: ['inner_vlan', 'customer_vlan'],
    range: VLAN,
    description: 'inner (customer) VLAN id of QinQ',
  },
  {
    name: 'source.mac',
    type: 'keyword',
    aliases: ['src_mac', 'smac', 'insrcmac'],
    form: 'mac',
    description: 'source MAC address',
  },
  {
    name: 'destination.mac',
    type: 'keyword',
    aliases: ['dst_mac', 'dmac', 'indstmac'],
    form: 'mac',
    description: 'destination MAC address',
  },
  {
    name: 'flow.mpls.top_label',
    type: 'integer',
    aliases: ['mpls', 'mpls_label', 'mpls1'],
    docValuesOnly: true,
    range: [0, 0xfffff],
    description: 'top MPLS label',
  },
  {
    name: 'flow.end_reason',
    type: 'keyword',
    aliases: ['end_reason', 'flow_end_reason'],
    docValuesOnly: true,
    form: 'lower',
    description:
      'why the exporter ended the flow (idle timeout, active timeout, end of flow, forced end, lack of resources)',
  },
  {
    name: 'source.nat.ip',
    type: 'ip',
    aliases: ['nat_src', 'nsrc', 'nsa', 'src_nat_ip'],
    description: 'source address after NAT',
  },
  {
    name: 'destination.nat.ip',
    type: 'ip',
    aliases: ['nat_dst', 'ndst', 'nda', 'dst_nat_ip'],
    description: 'destination address after NAT',
  },
  {
    name: 'source.nat.port',
    type: 'integer',
    aliases: ['nat_sport', 'nsp', 'src_nat_port'],
    docValuesOnly: true,
    range: PORT,
    description: 'source port after NAT',
  },
  {
    name: 'destination.nat.port',
    type: 'integer',
    aliases: ['nat_dport', 'ndp', 'dst_nat_port'],
    docValuesOnly: true,
    range: PORT,
    description: 'destination port after NAT',
  },
  {
    name: 'flow.vrf.ingress',
    type: 'long',
    aliases: ['ingress_vrf', 'in_vrf'],
    docValuesOnly: true,
    description: 'ingress VRF id',
  },
  {
    name: 'flow.vrf.egress',
    type: 'long',
    aliases: ['egress_vrf', 'out_vrf'],
    docValuesOnly: true,
    description: 'egress VRF id',
  },
  {
    name: 'flow.icmp.type',
    type: 'short',
    aliases: ['icmp_type', 'icmptype'],
    docValuesOnly: true,
    range: BYTE,
    description: 'ICMP type',
  },
  {
    name: 'flow.icmp.code',
    type: 'short',
    aliases: ['icmp_code', 'icmpcode'],
    docValuesOnly: true,
    range: BYTE,
    description: 'ICMP code',
  },
  {
    name: 'flow.sender_ip',
    type: 'ip',
    aliases: ['sender'],
    docValuesOnly: true,
    description: 'UDP source of the export datagram when the exporter field names another address (sFlow agent)',
  },
  // Filled by the enrichment stage (src/enrich).
  {
    name: 'network.application',
    type: 'keyword',
    aliases: ['service', 'svc'],
    enriched: true,
    description: 'service name of the server port (IANA registry)',
  },
  {
    name: 'flow.app_category',
    type: 'keyword',
    aliases: ['category', 'app_category'],
    docValuesOnly: true,
    enriched: true,
    description: 'nDPI category of the L7 application',
  },
  {
    name: 'flow.src_net.name',
    type: 'keyword',
    aliases: ['src_net', 'src_net_name'],
    enriched: true,
    description: "source's network (networks file)",
  },
  {
    name: 'flow.dst_net.name',
    type: 'keyword',
    aliases: ['dst_net', 'dst_net_name'],
    enriched: true,
    description: "destination's network (networks file)",
  },
  {
    name: 'flow.src_net.role',
    type: 'keyword',
    aliases: ['src_role'],
    docValuesOnly: true,
    enriched: true,
    description: "role of the source's network",
  },
  {
    name: 'flow.dst_net.role',
    type: 'keyword',
    aliases: ['dst_role'],
    docValuesOnly: true,
    enriched: true,
    description: "role of the destination's network",
  },
  {
    name: 'flow.src_net.site',
    type: 'keyword',
    aliases: ['src_site'],
    docValuesOnly: true,
    enriched: true,
    description: "site of the source's network",
  },
  {
    name: 'flow.dst_net.site',
    type: 'keyword',
    aliases: ['dst_site'],
    docValuesOnly: true,
    enriched: true,
    description: "site of the destination's network",
  },
  {
    name: 'flow.src_net.tenant',
    type: 'keyword',
    aliases: ['src_tenant'],
    docValuesOnly: true,
    enriched: true,
    description: "tenant of the source's network",
  },
  {
    name: 'flow.dst_net.tenant',
    type: 'keyword',
    aliases: ['dst_tenant'],
    docValuesOnly: true,
    enriched: true,
    description: "tenant of the destination's network",
  },
  {
    name: 'observer.geo.name',
    type: 'keyword',
    aliases: ['exporter_site'],
    docValuesOnly: true,
    enriched: true,
    description: "exporter's site (networks file)",
  },
  {
    name: 'observer.ingress.interface.alias',
    type: 'keyword',
    aliases: ['in_if_description'],
    docValuesOnly: true,
    enriched: true,
    description: 'input interface description (networks file)',
  },
  {
    name: 'observer.egress.interface.alias',
    type: 'keyword',
    aliases: ['out_if_description'],
    docValuesOnly: true,
    enriched: true,
    description: 'output interface description (networks file)',
  },
];

/**
 * Query-language names that mean "either side" (or several name fields): `ip:` matches
 * source or destination, `host:` any of the L7 names.
 */
export const EITHER_ALIASES: Readonly<Record<string, readonly string[]>> = {
  ip: ['source.ip', 'destination.ip'],
  net: ['source.ip', 'destination.ip'],
  port: ['source.port', 'destination.port'],
  address: ['source.address', 'destination.address'],
  country: ['source.geo.country_iso_code', 'destination.geo.country_iso_code'],
  asn: ['source.as.number', 'destination.as.number'],
  as: ['source.as.number', 'destination.as.number'],
  host: ['dns.question.name', 'url.domain', 'tls.client.server_name'],
  if: ['observer.ingress.interface.id', 'observer.egress.interface.id'],
  ifname: ['observer.ingress.interface.name', 'observer.egress.interface.name'],
  phys: ['flow.physical_interface.ingress', 'flow.physical_interface.egress'],
  mac: ['source.mac', 'destination.mac'],
  nat: ['source.nat.ip', 'destination.nat.ip'],
  natport: ['source.nat.port', 'destination.nat.port'],
  vrf: ['flow.vrf.ingress', 'flow.vrf.egress'],
  asn_org: ['source.as.organization.name', 'destination.as.organization.name'],
  as_org: ['source.as.organization.name', 'destination.as.organization.name'],
  city: ['source.geo.city_name', 'destination.geo.city_name'],
  net_name: ['flow.src_net.name', 'flow.dst_net.name'],
  role: ['flow.src_net.role', 'flow.dst_net.role'],
  site: ['flow.src_net.site', 'flow.dst_net.site'],
  tenant: ['flow.src_net.tenant', 'flow.dst_net.tenant'],
};

/**
 * A value that cannot be this field's reads as its twin: `in_if:3` is an ifIndex, `in_if:eth0` a
 * name; `src_net:office` a network name, `src_net:10.0.0.0/8` a block of source addresses.
 */
export const VALUE_TWINS: Readonly<Record<string, string>> = {
  'observer.ingress.interface.id': 'observer.ingress.interface.name',
  'observer.egress.interface.id': 'observer.egress.interface.name',
  'flow.src_net.name': 'source.ip',
  'flow.dst_net.name': 'destination.ip',
};

const byName = new Map<string, FieldDef>(FIELDS.map((f) => [f.name, f]));
const byAlias = new Map<string, FieldDef>();
for (const f of FIELDS) for (const a of f.aliases) byAlias.set(a, f);

export function fieldByName(name: string): FieldDef | undefined {
  return byName.get(name);
}

/** Resolves an ECS name or alias (case-insensitive for aliases) to the stored fields it means. */
export function resolveField(nameOrAlias: string): FieldDef[] | undefined {
  const exact = byName.get(nameOrAlias);
  if (exact) return [exact];
  const lower = nameOrAlias.toLowerCase();
  const alias = byAlias.get(lower);
  if (alias) return [alias];
  // hasOwn: a name such as `constructor` must not reach Object.prototype.
  const either = Object.hasOwn(EITHER_ALIASES, lower) ? EITHER_ALIASES[lower] : undefined;
  if (either) return either.map((n) => byName.get(n)).filter((f): f is FieldDef => f !== undefined);
  return undefined;
}

/** Every name the query language accepts, for "did you mean" suggestions and docs. */
export function allFieldNames(): string[] {
  return [...byName.keys(), ...byAlias.keys(), ...Object.keys(EITHER_ALIASES)];
}

/** Fields that exist in the index mapping (everything not computed on read). */
export function storedFields(): FieldDef[] {
  return FIELDS.filter((f) => f.computedFrom === undefined);
}

/** The catalogue's range of a field; a field without one is a programming error, met at module load. */
export function rangeOf(name: string): readonly [number, number] {
  const range = byName.get(name)?.range;
  if (!range) throw new Error(`the field catalogue gives ${name} no range`);
  return range;
}

/** Columns of the results table and of CSV export, in order. */
export function columnFields(): FieldDef[] {
  return FIELDS.filter((f) => f.column);
}

/** Reads a dotted path out of a nested document. */
export function getPath(doc: unknown, path: string): unknown {
  if (path === '@timestamp') return (doc as Record<string, unknown>)['@timestamp'];
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
