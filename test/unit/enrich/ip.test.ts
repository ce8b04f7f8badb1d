import { canonicalIp, contains, parseIp, parseIpv4, parseIpv6, parsePrefix } from '../../../src/enrich/ip';

describe('address parsing for the ingest path', () => {
  it.each([
    ['1.2.3.4', 0x01020304],
    ['255.255.255.255', 0xffffffff],
    ['0.0.0.0', 0],
    ['1.2.3', undefined],
    ['1.2.3.4.5', undefined],
    ['256.1.1.1', undefined],
    ['1..2.3', undefined],
    ['a.b.c.d', undefined],
  ])('IPv4 %s', (text, n) => expect(parseIpv4(text)).toBe(n));

  it.each([
    ['2001:db8::1', [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]],
    ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['::ffff:1.2.3.4', [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]],
    ['fe80::1%eth0', [0xfe80, 0, 0, 0, 0, 0, 0, 1]],
    ['1:2:3:4:5:6:7:8', [1, 2, 3, 4, 5, 6, 7, 8]],
    ['1:2:3:4:5:6:7', undefined],
    ['1::2::3', undefined],
    ['12345::', undefined],
  ])('IPv6 %s', (text, words) => expect(parseIpv6(text)).toEqual(words));

  it('tests prefixes of both families, the most and least specific', () => {
    const has = (cidr: string, ip: string) => contains(parsePrefix(cidr)!, parseIp(ip)!);
    expect(has('10.0.0.0/8', '10.255.1.1')).toBe(true);
    expect(has('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(has('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(has('192.0.2.7', '192.0.2.7')).toBe(true);
    expect(has('192.0.2.7/32', '192.0.2.8')).toBe(false);
    expect(has('2001:db8:1::/48', '2001:db8:1:ffff::1')).toBe(true);
    expect(has('2001:db8:1::/48', '2001:db8:2::1')).toBe(false);
    expect(has('2001:db8::/31', '2001:db9::1')).toBe(true);
    expect(has('10.0.0.0/8', '::ffff:10.0.0.1')).toBe(false);
    expect(parsePrefix('10.0.0.0/33')).toBeUndefined();
    expect(parsePrefix('2001:db8::/129')).toBeUndefined();
    expect(parsePrefix('10.1.2.3/8')?.v4).toBe(0x0a000000);
  });

  it.each([
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['fe80:0:0:1:0:0:0:2', 'fe80:0:0:1::2'],
    ['1:0:1:1:1:1:1:1', '1:0:1:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['192.168.001.010', '192.168.1.10'],
    ['nope', undefined],
  ])('canonical form of %s is %s', (text, canonical) => expect(canonicalIp(text)).toBe(canonical));
});
