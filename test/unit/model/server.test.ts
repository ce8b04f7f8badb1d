import { normalize } from '../../../src/model/normalize';
import { serverSide } from '../../../src/model/server';

describe('the server side of a flow', () => {
  test.each([
    // A request and its reply: the system port is the service either way.
    [51234, 443, 'destination'],
    [443, 51234, 'source'],
    [53, 40000, 'source'],
    // A known service above 1023 outranks an unknown port, even a lower one.
    [5432, 1500, 'source'],
    [40000, 8080, 'destination'],
    // Nothing known on either side, or both system ports: the lower port.
    [50000, 40000, 'destination'],
    [40000, 50000, 'source'],
    [123, 123, 'destination'],
    [25, 110, 'source'],
    // Port 0 (ICMP as exported by some probes) is no service.
    [0, 3, 'destination'],
  ] as const)('source port %s, destination port %s: %s', (sport, dport, side) =>
    expect(serverSide(sport, dport)).toBe(side),
  );

  test('without ports (ICMP) the destination; with one port, its end', () => {
    expect(serverSide(undefined, undefined)).toBe('destination');
    expect(serverSide(undefined, 80)).toBe('destination');
    expect(serverSide(80, undefined)).toBe('source');
  });

  test('normalization stores the server end: address, device name and port', () => {
    const base = { format: 'test', start: Date.UTC(2024, 0, 1), protocol: 6 };
    const reply = normalize({ ...base, srcIp: '10.0.0.5', dstIp: '192.0.2.1', srcPort: 443, dstPort: 50123 }).doc;
    expect(reply.server).toEqual({ ip: '10.0.0.5', port: 443 });
    const request = normalize({ ...base, srcAddress: 'Comp9', dstAddress: 'Comp1', srcPort: 50123, dstPort: 22 }).doc;
    expect(request.server).toEqual({ address: 'Comp1', port: 22 });
    const icmp = normalize({ ...base, protocol: 1, srcIp: '10.0.0.5', dstIp: '10.0.0.6', icmpType: 8 }).doc;
    expect(icmp.server).toEqual({ ip: '10.0.0.6' });
  });
});
