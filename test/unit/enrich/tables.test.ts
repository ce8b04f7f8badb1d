import { AddressCache } from '../../../src/enrich/cache';
import { contains, parseIp, parsePrefix, type Prefix } from '../../../src/enrich/ip';
import { NetworkTable } from '../../../src/enrich/networks';
import type { NetworkDef } from '../../../src/enrich/site-config';
import { Prng } from '../../../src/generate/prng';

describe('AddressCache', () => {
  it('holds at most its size, keeps what is asked for and forgets what is not', () => {
    const c = new AddressCache<number>(4);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3); // a, b move to the old generation
    expect(c.get('a')).toBe(1); // moves up
    c.set('d', 4); // the young generation (c, a) becomes old; b, never asked for, is dropped
    c.set('e', 5);
    expect(c.size).toBeLessThanOrEqual(4);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('e')).toBe(5);
  });

  it('remembers a miss as null, apart from "not cached"', () => {
    const c = new AddressCache<string>(10);
    c.set('x', null);
    expect(c.get('x')).toBeNull();
    expect(c.get('y')).toBeUndefined();
    c.clear();
    expect(c.get('x')).toBeUndefined();
  });

  it('never exceeds its size under a stream of distinct addresses', () => {
    const c = new AddressCache<number>(1000);
    for (let i = 0; i < 10_000; i++) {
      c.set(`10.0.${i >> 8}.${i & 255}`, i);
      expect(c.size).toBeLessThanOrEqual(1000);
    }
  });
});

describe('NetworkTable', () => {
  const net = (cidr: string, name: string): NetworkDef => ({ prefix: parsePrefix(cidr) as Prefix, name });
  // The order loadSiteConfig gives: longest prefix first, file order on a tie.
  const defs = [
    net('10.1.2.3/32', 'host'),
    net('2001:db8:1:2::/64', 'v6-lan'),
    net('10.1.2.0/24', 'lan'),
    net('10.1.2.9/24', 'same block again'),
    net('2001:db8::/32', 'v6-site'),
    net('10.0.0.0/8', 'site'),
    net('0.0.0.0/0', 'everything v4'),
  ];
  const table = new NetworkTable(defs);
  const at = (ip: string) => table.lookup(parseIp(ip) as NonNullable<ReturnType<typeof parseIp>>)?.name;

  it.each([
    ['10.1.2.3', 'host'],
    ['10.1.2.4', 'lan'],
    ['10.1.3.4', 'site'],
    ['8.8.8.8', 'everything v4'],
    ['2001:db8:1:2::99', 'v6-lan'],
    ['2001:db8:1:3::1', 'v6-site'],
    ['2001:db9::1', undefined],
  ])('%s → %s (most specific, the first listed of equal blocks)', (ip, name) => expect(at(ip)).toBe(name));

  it('answers as a scan of every CIDR in order does, on random addresses and networks', () => {
    const rng = new Prng(11);
    const random: NetworkDef[] = [];
    for (let i = 0; i < 300; i++) {
      const len = rng.int(8, 32);
      random.push(net(`10.${rng.int(0, 3)}.${rng.int(0, 255)}.${rng.int(0, 255)}/${len}`, `n${i}`));
    }
    random.sort((a, b) => b.prefix.length - a.prefix.length);
    const t = new NetworkTable(random);
    for (let i = 0; i < 2000; i++) {
      const ip = parseIp(`10.${rng.int(0, 3)}.${rng.int(0, 255)}.${rng.int(0, 255)}`);
      if (ip === undefined) throw new Error('bad address');
      expect(t.lookup(ip)?.name).toBe(random.find((n) => contains(n.prefix, ip))?.name);
    }
  });
});
