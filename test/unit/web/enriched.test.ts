import { normalize } from '../../../src/model/normalize';
import { pivots } from '../../../src/report/pivots';
import { hostFacts } from '../../../src/report/host';
import { endpointTag, tableCellText, TABLE_COLUMNS } from '../../../src/web/view-models';
import { formatMetric } from '../../../src/web/format';

const doc = () => {
  const d = normalize({
    format: 'test',
    start: 0,
    srcIp: '10.1.0.5',
    dstIp: '8.8.8.8',
    protocol: 17,
    srcPort: 5000,
    dstPort: 53,
  }).doc;
  d.destination.geo = { country_iso_code: 'US', city_name: 'Mountain View' };
  d.destination.as = { number: 15169, organization: { name: 'Google LLC' } };
  d.flow.src_net = { name: 'office' };
  return d;
};

describe('enriched fields in the explorer', () => {
  it('shows country and AS beside an address, nothing for an address without them', () => {
    const d = doc();
    expect(endpointTag(d.destination)).toBe(' · US · AS15169 Google LLC');
    expect(endpointTag(d.source)).toBe('');
    const dst = TABLE_COLUMNS.find((f) => f.name === 'destination.ip');
    if (!dst) throw new Error('no destination column');
    expect(tableCellText(dst, d)).toBe('8.8.8.8 · US · AS15169 Google LLC');
  });

  it('tells a host page what enrichment stored about the host, from the side it is on', () => {
    expect(hostFacts(doc(), '8.8.8.8')).toEqual({
      country: 'US',
      city: 'Mountain View',
      as_number: 15169,
      as_organization: 'Google LLC',
    });
    expect(hostFacts(doc(), '10.1.0.5')).toEqual({ network: 'office' });
    expect(hostFacts(undefined, '10.1.0.5')).toEqual({});
  });

  it('offers pivots on the enriched fields of each side', () => {
    const extra = pivots(doc()).slice(-3);
    expect(extra).toEqual([
      { label: 'same source network', query: 'src_net:"office"' },
      { label: 'same destination country', query: 'dst_country:"US"' },
      { label: 'same destination AS', query: 'dst_as:15169' },
    ]);
  });

  it('prints AS numbers and ifIndexes as names, not quantities', () => {
    expect(formatMetric('as', 15169)).toBe('15169');
    expect(formatMetric('interface', 1001)).toBe('1001');
  });
});
