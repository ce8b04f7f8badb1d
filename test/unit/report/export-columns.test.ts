import { fieldByName } from '../../../src/model/fields';
import { CSV_FIELDS, MISSING_AT } from '../../../src/report/export';

// CSV export reads its columns as sort keys, where a missing value comes back as the type's
// largest value: that is only exact while no stored value can equal it.
describe('CSV export columns as sort keys', () => {
  test.each(CSV_FIELDS)('%s: its type is read back exactly', (name) => {
    const f = fieldByName(name);
    expect(f).toBeDefined();
    const type = f?.type ?? '';
    if (['ip', 'keyword', 'date'].includes(type)) return;
    const missing = MISSING_AT[type];
    expect(missing).toBeDefined();
    // Long counters carry no range: JSON numbers cannot tell 2^63-1 from 2^63 anyway.
    if (type !== 'long') expect((f?.range ?? [0, Infinity])[1]).toBeLessThan(missing as number);
  });
});
