/**
 * The server side of a flow, decided once at ingest and stored as ECS `server.*`: a reply flow
 * (server → client) puts the client's ephemeral port in `destination.port`, so services counted
 * by destination port scatter over thousands of ports. nfdump and ntop users expect a service to
 * be the server's port whichever way the flow was exported.
 */

/**
 * Listening ports above 1023 common enough to outrank an unknown port on the other side
 * (databases, proxies, brokers, collectors, remote desktops, VPNs).
 */
export const KNOWN_SERVICE_PORTS: ReadonlySet<number> = new Set([
  1080, 1194, 1433, 1521, 1723, 1883, 2049, 2055, 2181, 2375, 2376, 3000, 3128, 3306, 3389, 3478, 4369, 4500, 4739,
  5000, 5044, 5060, 5061, 5222, 5353, 5432, 5601, 5671, 5672, 5900, 5984, 6343, 6379, 6443, 6514, 6660, 6667, 7001,
  8000, 8008, 8080, 8081, 8088, 8443, 8888, 9000, 9042, 9090, 9092, 9093, 9200, 9300, 9418, 9443, 9995, 9996, 10250,
  11211, 15672, 25565, 27017,
]);

/** How strongly a port looks like a listening service: IANA system port, known service, other. */
function rank(port: number): number {
  if (port > 0 && port < 1024) return 2;
  return KNOWN_SERVICE_PORTS.has(port) ? 1 : 0;
}

/**
 * Which end of a flow is the server: the end whose port ranks higher (a system port < 1024,
 * then a known service), on a tie the lower port; the destination when the ports say nothing
 * (equal, or absent as for ICMP). Pure.
 */
export function serverSide(srcPort: number | undefined, dstPort: number | undefined): 'source' | 'destination' {
  if (srcPort === undefined) return 'destination';
  if (dstPort === undefined) return 'source';
  const s = rank(srcPort);
  const d = rank(dstPort);
  if (s !== d) return s > d ? 'source' : 'destination';
  return srcPort < dstPort ? 'source' : 'destination';
}
