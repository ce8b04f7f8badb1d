/**
 * The flow document as stored in OpenSearch (ECS-aligned, DESIGN §3), and the flat record
 * that readers produce before normalization turns it into a document.
 */

export interface GeoFields {
  country_iso_code?: string;
  city_name?: string;
  location?: { lat: number; lon: number };
}

export interface AsFields {
  number?: number;
  organization?: { name?: string };
}

export interface EndpointFields {
  ip?: string;
  address?: string;
  port?: number;
  /** ECS form: upper-case hex pairs joined by hyphens. */
  mac?: string;
  /** Address and port after NAT (ECS `source.nat.*`). */
  nat?: { ip?: string; port?: number };
  bytes?: number;
  packets?: number;
  geo?: GeoFields;
  as?: AsFields;
}

export interface FlowDoc {
  '@timestamp': string;
  event: { end?: string; duration?: number };
  source: EndpointFields;
  destination: EndpointFields;
  /** The end listening for the flow (model/server): source or destination, copied. */
  server?: { ip?: string; address?: string; port?: number };
  network: {
    /** Service name of the server port (IANA registry, enrichment). */
    application?: string;
    bytes?: number;
    packets?: number;
    transport?: string;
    iana_number?: number;
    type?: 'ipv4' | 'ipv6';
    protocol?: string;
    community_id?: string;
    direction?: string;
    vlan?: { id: string };
    inner?: { vlan: { id: string } };
  };
  observer?: {
    ip?: string;
    name?: string;
    /** The exporter's site from the networks file (ECS `observer.geo.name`). */
    geo?: { name?: string };
    ingress?: { interface: InterfaceFields };
    egress?: { interface?: InterfaceFields; vlan?: { id: string } };
  };
  flow: {
    format: string;
    /** Top 53 bits of the Community ID hash (stored; the ID itself is computed on read). */
    community_hash?: number;
    tcp_flags?: number;
    tos?: number;
    /** 1 in N packets sampled: the rate that applied (the record's, a configured default or an override). */
    sampling_rate?: number;
    /** Counters as exported by a sampling exporter (network.* and per-direction fields hold estimates). */
    sampled?: SampledCounters;
    /** UDP source of the export datagram, when the exporter field names another address (sFlow agent). */
    sender_ip?: string;
    next_hop?: string;
    bgp_next_hop?: string;
    physical_interface?: { ingress?: number; egress?: number };
    /** Interface speeds in bits/s as the exporter reported them (sFlow generic interface counters). */
    interface_speed?: { ingress?: number; egress?: number };
    mpls?: { top_label: number };
    end_reason?: string;
    vrf?: { ingress?: number; egress?: number };
    icmp?: { type?: number; code?: number };
    latency?: { client_ms?: number; server_ms?: number; application_ms?: number };
    retransmissions?: { client?: number; server?: number };
    /** The operator's network of each side and the nDPI category (enrichment). */
    src_net?: NetworkNames;
    dst_net?: NetworkNames;
    app_category?: string;
  };
  dns?: { question: { name: string } };
  url?: { domain?: string; original?: string };
  http?: { request?: { method?: string }; response?: { status_code?: number } };
  tls?: { version?: string; client?: { server_name?: string } };
}

/**
 * A sampled flow's raw counters beside the estimates, and the variance terms reports sum into
 * error bounds (model/sampling `varianceTerms`).
 */
export interface SampledCounters {
  bytes?: number;
  packets?: number;
  source?: { bytes?: number; packets?: number };
  destination?: { bytes?: number; packets?: number };
  variance: { bytes: number; packets: number };
}

export interface InterfaceFields {
  id?: number;
  name?: string;
  /** Description (ifAlias) from the networks file. */
  alias?: string;
}

/** One of the operator's networks as stored on a flow (`flow.src_net`, `flow.dst_net`). */
export interface NetworkNames {
  name: string;
  role?: string;
  site?: string;
  tenant?: string;
}

/** A document ready for the bulk API: its deterministic id and its target day. */
export interface IdentifiedFlow {
  id: string;
  doc: FlowDoc;
}

/**
 * What a reader yields for one flow: flat, in the units of the format already converted
 * (times in epoch milliseconds, counts as exported). Normalization derives everything else.
 */
export interface FlowRecord {
  /** Reader name, e.g. `netflow-v5`, `nprobe-json` — stored as `flow.format`. */
  format: string;
  /** Flow start, epoch ms. */
  start: number;
  /** Flow end, epoch ms (when the format has it). */
  end?: number;
  srcIp?: string;
  dstIp?: string;
  /** Raw address as given when it is not an IP (LANL device names). */
  srcAddress?: string;
  dstAddress?: string;
  srcPort?: number;
  dstPort?: number;
  /** IANA protocol number. */
  protocol?: number;
  /** Transport name when only a name is known (e.g. Zeek `proto` column). */
  transport?: string;
  srcBytes?: number;
  srcPackets?: number;
  dstBytes?: number;
  dstPackets?: number;
  /** Totals when the format does not split by direction. */
  bytes?: number;
  packets?: number;
  tcpFlags?: number;
  tos?: number;
  samplingRate?: number;
  /** Exporter / probe address (NetFlow source IP of the datagram). */
  exporter?: string;
  observerName?: string;
  inputInterface?: number;
  outputInterface?: number;
  /** Interface names (IPFIX options data, IE 82/83). */
  inputInterfaceName?: string;
  outputInterfaceName?: string;
  /** Interface speeds in bits/s (sFlow generic interface counters, ifSpeed). */
  inputInterfaceSpeed?: number;
  outputInterfaceSpeed?: number;
  /** Physical interfaces behind logical ones (IE 252/253). */
  inputPhysicalInterface?: number;
  outputPhysicalInterface?: number;
  /** UDP source of the datagram when `exporter` is another address (the sFlow agent). */
  sender?: string;
  srcAs?: number;
  dstAs?: number;
  nextHop?: string;
  bgpNextHop?: string;
  /** Ingress VLAN, egress (post) VLAN and the inner (customer) VLAN of QinQ. */
  vlan?: number;
  postVlan?: number;
  innerVlan?: number;
  /** MACs in any common notation; normalization writes the ECS form. */
  srcMac?: string;
  dstMac?: string;
  /** Top MPLS label value (20 bits, without EXP and bottom-of-stack bits). */
  mplsLabel?: number;
  /** IANA flowEndReason name (`idle timeout`, `active timeout`, …). */
  endReason?: string;
  natSrcIp?: string;
  natDstIp?: string;
  natSrcPort?: number;
  natDstPort?: number;
  ingressVrf?: number;
  egressVrf?: number;
  /** ICMP type and code; ports stay unset for ICMP. */
  icmpType?: number;
  icmpCode?: number;
  /**
   * Number of identical records before this one in the same input: the reader stage counts them
   * so two identical lines stay two flows, while re-reading the input gives the same ids.
   */
  occurrence?: number;
  /** L7 application name (nDPI / nProbe), lower-cased by normalization. */
  app?: string;
  dnsQuery?: string;
  httpHost?: string;
  httpUrl?: string;
  httpMethod?: string;
  httpStatus?: number;
  tlsServerName?: string;
  tlsVersion?: string;
  clientLatencyMs?: number;
  serverLatencyMs?: number;
  applicationLatencyMs?: number;
  clientRetransmissions?: number;
  serverRetransmissions?: number;
}

/** Where a record came from, for dead letters and error messages. */
export interface SourceLocation {
  file: string;
  /** 1-based line for text formats. */
  line?: number;
  /** Byte offset for binary formats (of the datagram/record within the file). */
  offset?: number;
}
