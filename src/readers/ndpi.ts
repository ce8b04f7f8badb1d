/**
 * nDPI protocol ids (ndpi_protocol_ids.h) → names, for the ids seen most in practice. nProbe
 * writes `L7_PROTO` as `master.app` (`7.178` = HTTP carrying Amazon); unknown ids stay numeric.
 */
const NDPI: Readonly<Record<number, string>> = {
  1: 'FTP_CONTROL',
  2: 'POP3',
  3: 'SMTP',
  4: 'IMAP',
  5: 'DNS',
  7: 'HTTP',
  8: 'MDNS',
  9: 'NTP',
  10: 'NetBIOS',
  11: 'NFS',
  12: 'SSDP',
  13: 'BGP',
  14: 'SNMP',
  16: 'SMBv1',
  17: 'Syslog',
  18: 'DHCP',
  19: 'PostgreSQL',
  20: 'MySQL',
  23: 'POPS',
  29: 'SMTPS',
  30: 'DTLS',
  37: 'BitTorrent',
  41: 'SMBv23',
  51: 'IMAPS',
  63: 'OCSP',
  65: 'IRC',
  77: 'Telnet',
  78: 'STUN',
  81: 'ICMP',
  87: 'RTP',
  88: 'RDP',
  89: 'VNC',
  91: 'TLS',
  92: 'SSH',
  96: 'TFTP',
  100: 'SIP',
  102: 'ICMPV6',
  103: 'DHCPV6',
  111: 'Kerberos',
  112: 'LDAP',
  114: 'MsSQL-TDS',
  119: 'Facebook',
  120: 'Twitter',
  121: 'Dropbox',
  122: 'GMail',
  124: 'YouTube',
  125: 'Skype_Teams',
  126: 'Google',
  127: 'DCE_RPC',
  128: 'NetFlow',
  129: 'sFlow',
  131: 'HTTP_Proxy',
  133: 'NetFlix',
  140: 'Apple',
  142: 'WhatsApp',
  147: 'WindowsUpdate',
  154: 'LLMNR',
  159: 'OpenVPN',
  163: 'Tor',
  172: 'SOCKS',
  175: 'FTP_DATA',
  178: 'Amazon',
  182: 'Redis',
  185: 'Telegram',
  188: 'QUIC',
  189: 'Zoom',
  196: 'DoH_DoT',
  203: 'Github',
  206: 'WireGuard',
  211: 'Instagram',
  212: 'Microsoft',
  219: 'Microsoft365',
  220: 'Cloudflare',
  221: 'MS_OneDrive',
  222: 'MQTT',
  239: 'GoogleServices',
  250: 'Teams',
  265: 'AmazonAWS',
};

function one(id: string): string | undefined {
  if (id === '' || id === '0') return undefined;
  const n = Number(id);
  return Number.isInteger(n) ? (NDPI[n] ?? id) : id;
}

/** `7.178` → `HTTP.Amazon`, `5` → `DNS`, `0` / `0.0` → undefined (unknown). Names pass through. */
export function ndpiName(value: string): string | undefined {
  if (!/^\d+(\.\d+)?$/.test(value)) return value;
  const [master = '', app = ''] = value.split('.');
  const m = one(master);
  const a = one(app);
  if (m !== undefined && a !== undefined && m !== a) return `${m}.${a}`;
  return a ?? m;
}
