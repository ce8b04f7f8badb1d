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
  };
  observer?: {
    ip?: string;
    name?: string;
    ingress?: { interface: { id: number } };
    egress?: { interface: { id: number } };
  };
  flow: {
    format: string;
    /** Top 53 bits of the Community ID hash (stored; the ID itself is computed on read). */
    community_hash?: number;
    tcp_flags?: number;
    tos?: number;
    sampling_rate?: number;
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
