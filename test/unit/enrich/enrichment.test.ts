import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isPublicAddress } from '../../../src/enrich/addresses';
import { direction } from '../../../src/enrich/networks';
import { Enrichment } from '../../../src/enrich/pipeline';
import { ndpiCategory, serviceName } from '../../../src/enrich/services';
import type { FlowDoc } from '../../../src/model/flow';
import { normalize } from '../../../src/model/normalize';
import { LONDON, writeMmdb } from '../../support/mmdb-writer';

const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-enrich-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function doc(src: string, dst: string, extra: Partial<Parameters<typeof normalize>[0]> = {}): FlowDoc {
  return normalize({
    format: 'test',
    start: Date.UTC(2026, 0, 1),
    srcIp: src,
    dstIp: dst,
    protocol: 6,
    srcPort: 50000,
    dstPort: 443,
    bytes: 100,
    packets: 1,
    ...extra,
  }).doc;
}

const geoFile = path.join(dir, 'city.mmdb');
const asnFile = path.join(dir, 'asn.mmdb');
writeFileSync(
  geoFile,
  writeMmdb([
    LONDON,
    {
      network: '2a02:cf40::/29',
      data: {
        country: { iso_code: 'NO' },
        city: { names: { en: 'Oslo' } },
        location: { latitude: 59.9127, longitude: 10.7461 },
      },
    },
  ]),
);
writeFileSync(
  asnFile,
  writeMmdb([
    {
      network: '81.2.69.0/24',
      data: { autonomous_system_number: 20712, autonomous_system_organization: 'Andrews & Arnold Ltd' },
    },
  ]),
);
const networksFile = path.join(dir, 'networks.yaml');
writeFileSync(
  networksFile,
  [
    'networks:',
    '  10.0.0.0/8: { name: corp, role: internal, site: hq, tenant: acme }',
    '  10.9.0.0/16: { name: lab, role: lab, site: basement }',
    '  192.0.2.0/24: { name: partner, role: external }',
    '  2001:db8:1::/48: office6',
    'exporters:',
    '  192.0.2.1:',
    '    name: edge1',
    '    site: hq',
    '    interfaces:',
    '      1: { name: ge-0/0/1, description: uplink to ISP, speed: 1000000000 }',
    '      2: ge-0/0/2',
  ].join('\n'),
);

describe('public addresses', () => {
  it.each([
    ['8.8.8.8', true],
    ['81.2.69.142', true],
    ['2606:4700:4700::1111', true],
    ['10.1.2.3', false],
    ['172.20.0.1', false],
    ['192.168.1.1', false],
    ['127.0.0.1', false],
    ['169.254.1.1', false],
    ['100.64.0.1', false],
    ['192.0.2.7', false],
    ['198.51.100.1', false],
    ['203.0.113.9', false],
    ['224.0.0.251', false],
    ['255.255.255.255', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['2001:db8::1', false],
    ['ff02::1', false],
    ['::ffff:8.8.8.8', false],
    ['not-an-ip', false],
  ])('%s → %s', (ip, expected) => expect(isPublicAddress(ip)).toBe(expected));
});

describe('direction (ECS network.direction)', () => {
  it.each([
    [true, true, 'internal'],
    [true, false, 'outbound'],
    [false, true, 'inbound'],
    [false, false, 'external'],
  ] as const)('source ours %s, destination ours %s → %s', (s, d, expected) => expect(direction(s, d)).toBe(expected));

  const e = Enrichment.open({ enabled: true, networksFile, geoipDb: geoFile, asnDb: asnFile });
  afterAll(() => e.close());
  it.each([
    ['10.1.1.1', '10.2.2.2', 'internal'],
    ['10.1.1.1', '81.2.69.142', 'outbound'],
    ['81.2.69.142', '10.9.1.1', 'inbound'],
    ['81.2.69.142', '8.8.8.8', 'external'],
    ['10.1.1.1', '192.0.2.9', 'outbound'],
    ['2001:db8:1::5', '2a02:cf47::1', 'outbound'],
  ])('%s → %s is %s', (src, dst, expected) => expect(e.apply(doc(src, dst)).network.direction).toBe(expected));

  it('names the most specific network of each side, searchable under flow.src_net / flow.dst_net', () => {
    const d = e.apply(doc('10.9.4.4', '192.0.2.9'));
    expect(d.flow.src_net).toEqual({ name: 'lab', role: 'lab', site: 'basement' });
    expect(d.flow.dst_net).toEqual({ name: 'partner', role: 'external' });
    expect(e.apply(doc('10.1.1.1', '8.8.8.8')).flow.src_net).toEqual({
      name: 'corp',
      role: 'internal',
      site: 'hq',
      tenant: 'acme',
    });
  });
});

describe('geo and AS from user databases', () => {
  const e = Enrichment.open({ enabled: true, geoipDb: geoFile, asnDb: asnFile });
  afterAll(() => e.close());

  it('fills country, city, location and AS on both sides with the exact database values', () => {
    const d = e.apply(doc('81.2.69.142', '2a02:cf47::1'));
    expect(d.source.geo).toEqual({
      country_iso_code: 'GB',
      city_name: 'London',
      location: { lat: 51.5142, lon: -0.0931 },
    });
    expect(d.source.as).toEqual({ number: 20712, organization: { name: 'Andrews & Arnold Ltd' } });
    expect(d.destination.geo).toEqual({
      country_iso_code: 'NO',
      city_name: 'Oslo',
      location: { lat: 59.9127, lon: 10.7461 },
    });
    expect(d.destination.as).toBeUndefined();
  });

  it('skips private and special addresses without a lookup, and counts each outcome', () => {
    const before = e.stats().find((s) => s.name === 'geo');
    e.apply(doc('10.0.0.1', '192.168.1.1'));
    e.apply(doc('81.2.69.142', '8.8.8.8'));
    const after = e.stats().find((s) => s.name === 'geo');
    expect((after?.skipped ?? 0) - (before?.skipped ?? 0)).toBe(2);
    // 81.2.69.142 was looked up in the first test: now cached; 8.8.8.8 is not in the fixture.
    expect((after?.cached ?? 0) - (before?.cached ?? 0)).toBe(1);
    expect((after?.misses ?? 0) - (before?.misses ?? 0)).toBe(1);
    expect((after?.lookups ?? 0) - (before?.lookups ?? 0)).toBe(1);
  });

  it('keeps an AS number the exporter sent and adds only what is missing', () => {
    const d = doc('81.2.69.142', '8.8.8.8');
    d.source.as = { number: 64500 };
    e.apply(d);
    expect(d.source.as).toEqual({ number: 64500 });
    const same = doc('81.2.69.142', '8.8.8.8');
    same.source.as = { number: 20712 };
    expect(e.apply(same).source.as).toEqual({ number: 20712, organization: { name: 'Andrews & Arnold Ltd' } });
  });

  it('reloads a database file when it changes', async () => {
    const file = path.join(dir, 'changing.mmdb');
    writeFileSync(file, writeMmdb([{ network: '81.2.69.0/24', data: { country: { iso_code: 'GB' } } }]));
    const r = Enrichment.open({ enabled: true, geoipDb: file, watchIntervalMs: 50 });
    try {
      expect(r.apply(doc('81.2.69.1', '10.0.0.1')).source.geo).toEqual({ country_iso_code: 'GB' });
      writeFileSync(
        file,
        writeMmdb([
          { network: '81.2.69.0/24', data: { country: { iso_code: 'IE' }, city: { names: { en: 'Dublin' } } } },
        ]),
      );
      for (let i = 0; i < 400 && r.apply(doc('81.2.69.1', '10.0.0.1')).source.geo?.country_iso_code !== 'IE'; i++)
        await new Promise((ok) => setTimeout(ok, 20));
      expect(r.apply(doc('81.2.69.1', '10.0.0.1')).source.geo).toEqual({ country_iso_code: 'IE', city_name: 'Dublin' });
      // A damaged new version is refused and the loaded one stays in use.
      writeFileSync(file, 'garbage');
      await new Promise((ok) => setTimeout(ok, 300));
      expect(r.apply(doc('81.2.69.1', '10.0.0.1')).source.geo?.country_iso_code).toBe('IE');
    } finally {
      r.close();
    }
  });
});

describe('the bundled databases (DB-IP Lite country, ip-location-db AS)', () => {
  const e = Enrichment.open({ enabled: true });
  afterAll(() => e.close());

  it.each([
    ['8.8.8.8', 'US', 15169, /google/i],
    ['1.1.1.1', undefined, 13335, /cloudflare/i],
    ['9.9.9.9', undefined, 19281, /quad9/i],
    ['2001:4860:4860::8888', undefined, 15169, /google/i],
  ])('%s', (ip, country, asn, org) => {
    const d = e.apply(doc('10.0.0.1', ip));
    if (country !== undefined) expect(d.destination.geo?.country_iso_code).toBe(country);
    else expect(d.destination.geo?.country_iso_code).toMatch(/^[A-Z]{2}$/);
    expect(d.destination.as?.number).toBe(asn);
    expect(d.destination.as?.organization?.name).toMatch(org);
    expect(d.source.geo).toBeUndefined();
  });
});

describe('exporters, services and applications', () => {
  const e = Enrichment.open({ enabled: true, networksFile });
  afterAll(() => e.close());

  it('names exporters and interfaces from the networks file', () => {
    const d = e.apply(doc('10.0.0.1', '10.0.0.2', { exporter: '192.0.2.1', inputInterface: 1, outputInterface: 2 }));
    expect(d.observer?.name).toBe('edge1');
    expect(d.observer).toMatchObject({
      ip: '192.0.2.1',
      geo: { name: 'hq' },
      ingress: { interface: { id: 1, name: 'ge-0/0/1', alias: 'uplink to ISP' } },
      egress: { interface: { id: 2, name: 'ge-0/0/2' } },
    });
  });

  it('matches an exporter written in any text form of its address', () => {
    const file = path.join(dir, 'v6-exporter.yaml');
    writeFileSync(file, 'exporters:\n  "2001:DB8:0:0::9": { name: core6, interfaces: { 4: et-0/0/4 } }\n');
    const v6 = Enrichment.open({ enabled: true, networksFile: file });
    const d = v6.apply(doc('10.0.0.1', '10.0.0.2', { exporter: '2001:db8::9', inputInterface: 4 }));
    expect(d.observer).toMatchObject({ name: 'core6', ingress: { interface: { id: 4, name: 'et-0/0/4' } } });
    v6.close();
  });

  it('gives later flows of an exporter the interface names its options data announced', () => {
    const named = doc('10.0.0.1', '10.0.0.2', { exporter: '198.51.100.7', inputInterface: 7 });
    (named.observer as { ingress: { interface: { name?: string } } }).ingress.interface.name = 'xe-1/0/7';
    e.apply(named);
    const later = e.apply(doc('10.0.0.3', '10.0.0.4', { exporter: '198.51.100.7', inputInterface: 7 }));
    expect(later.observer).toMatchObject({ ingress: { interface: { id: 7, name: 'xe-1/0/7' } } });
  });

  it.each([
    [443, 'tcp', 'https'],
    [80, 'tcp', 'http'],
    [53, 'udp', 'dns'],
    [3389, 'tcp', 'rdp'],
    [2055, 'udp', 'netflow'],
    [22, 'tcp', 'ssh'],
    [5432, 'tcp', 'postgresql'],
    [445, 'tcp', 'smb'],
    [49999, 'tcp', undefined],
  ])('port %s/%s is %s', (port, transport, name) => expect(serviceName(port, transport)).toBe(name));

  it('names the server side: destination, else a named source port, else the lower of two', () => {
    expect(e.apply(doc('10.0.0.1', '10.0.0.2', { srcPort: 50123, dstPort: 22 })).network.application).toBe('ssh');
    expect(e.apply(doc('10.0.0.1', '10.0.0.2', { srcPort: 443, dstPort: 50123 })).network.application).toBe('https');
    expect(e.apply(doc('10.0.0.1', '10.0.0.2', { srcPort: 8080, dstPort: 53, protocol: 17 })).network.application).toBe(
      'dns',
    );
    expect(
      e.apply(doc('10.0.0.1', '10.0.0.2', { srcPort: 50123, dstPort: 50124 })).network.application,
    ).toBeUndefined();
  });

  it('gives nDPI applications their category', () => {
    expect(ndpiCategory('dns')).toBe('Network');
    expect(ndpiCategory('tls.youtube')).toBe('Media');
    expect(ndpiCategory('http.unknownthing')).toBe('Web');
    expect(e.apply(doc('10.0.0.1', '10.0.0.2', { app: 'TLS.YouTube' })).flow.app_category).toBe('Media');
  });
});

describe('bad configuration', () => {
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  it.each([
    [
      'bad-cidr.yaml',
      'networks:\n  10.0.0.0/33: x\n',
      /networks file .*bad-cidr\.yaml: networks\.10\.0\.0\.0\/33: .* is not a CIDR block/,
    ],
    [
      'no-name.yaml',
      'networks:\n  10.0.0.0/8: { role: office }\n',
      /no-name\.yaml: networks\.10\.0\.0\.0\/8: needs a name/,
    ],
    ['typo.yaml', 'network:\n  10.0.0.0/8: x\n', /typo\.yaml: top level: unknown key "network"/],
    ['bad.json', '{"networks": ', /bad\.json is not valid JSON/],
    [
      'bad-if.yaml',
      'exporters:\n  192.0.2.1:\n    interfaces:\n      eth0: x\n',
      /exporters\.192\.0\.2\.1\.interfaces\.eth0: "eth0" is not an ifIndex/,
    ],
  ])('%s', (name, text, message) => {
    const file = write(name, text);
    expect(() => Enrichment.open({ enabled: true, networksFile: file })).toThrow(message);
  });

  it('a missing file is named', () => {
    expect(() => Enrichment.open({ enabled: true, networksFile: path.join(dir, 'missing.yaml') })).toThrow(
      /networks file .*missing\.yaml cannot be read: ENOENT/,
    );
    expect(() => Enrichment.open({ enabled: true, asnDb: path.join(dir, 'missing.mmdb') })).toThrow(
      /AS database .*missing\.mmdb cannot be read/,
    );
  });

  it('a lookup that throws is counted and the flow goes on', () => {
    const e = Enrichment.open({ enabled: true, geoipDb: geoFile, asnDb: asnFile });
    const broken = { source: {}, destination: {}, network: {}, flow: { format: 'x' } } as unknown as FlowDoc;
    (broken as unknown as { network: unknown }).network = null;
    expect(() => e.apply(broken)).not.toThrow();
    expect(e.stats().reduce((n, s) => n + s.failures, 0)).toBeGreaterThan(0);
    e.close();
  });
});
