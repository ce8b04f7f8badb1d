import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MmdbFile, asOf, geoOf } from '../../../src/enrich/mmdb';
import { LONDON, MmdbDouble, writeMmdb } from '../../support/mmdb-writer';

describe('MMDB files (fixtures written by test/support/mmdb-writer)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-mmdb-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const city = path.join(dir, 'city.mmdb');
  writeFileSync(
    city,
    writeMmdb([
      LONDON,
      {
        network: '81.2.69.160/27',
        data: {
          country: { iso_code: 'GB' },
          city: { names: { en: 'Kent' } },
          location: { latitude: 51.25, longitude: new MmdbDouble(1) },
        },
      },
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

  it('reads MaxMind-layout city records exactly, the most specific network first', () => {
    const db = new MmdbFile(city, 'GeoIP');
    const at = (ip: string) => {
      const r = db.get(ip);
      return r === null ? null : geoOf(r);
    };
    expect(at('81.2.69.142')).toEqual({ country: 'GB', city: 'London', lat: 51.5142, lon: -0.0931 });
    expect(at('81.2.69.170')).toEqual({ country: 'GB', city: 'Kent', lat: 51.25, lon: 1 });
    expect(at('2a02:cf47::1')).toEqual({ country: 'NO', city: 'Oslo', lat: 59.9127, lon: 10.7461 });
    expect(at('81.2.70.1')).toBeNull();
    db.close();
  });

  it('reads the AS layouts of MaxMind and IPinfo', () => {
    const file = path.join(dir, 'asn.mmdb');
    writeFileSync(
      file,
      writeMmdb([
        {
          network: '1.128.0.0/11',
          data: { autonomous_system_number: 1221, autonomous_system_organization: 'Telstra Pty Ltd' },
        },
        { network: '2600::/48', data: { asn: 'AS701', as_name: 'Verizon Business' } },
      ]),
    );
    const db = new MmdbFile(file, 'AS');
    expect(asOf(db.get('1.128.0.1') ?? {})).toEqual({ number: 1221, organization: 'Telstra Pty Ltd' });
    expect(asOf(db.get('2600::5') ?? {})).toEqual({ number: 701, organization: 'Verizon Business' });
    db.close();
  });

  it('names the file and the fault when a database is missing, compressed or not an MMDB', () => {
    expect(() => new MmdbFile(path.join(dir, 'nope.mmdb'), 'GeoIP')).toThrow(
      /GeoIP database .*nope\.mmdb cannot be read: ENOENT/,
    );
    const gz = path.join(dir, 'x.mmdb.gz');
    writeFileSync(gz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]));
    expect(() => new MmdbFile(gz, 'GeoIP')).toThrow(/x\.mmdb\.gz is gzip-compressed/);
    const junk = path.join(dir, 'junk.mmdb');
    writeFileSync(junk, 'not a database at all');
    expect(() => new MmdbFile(junk, 'AS')).toThrow(/AS database .*junk\.mmdb is not a MaxMind DB/);
  });
});
