import { argusReader } from '../../../../src/readers/argus';
import { nfdumpReader } from '../../../../src/readers/nfdump';
import { parseDateTime } from '../../../../src/readers/text/values';
import { readText } from '../support';

describe('calendar dates are taken as written, never rolled over', () => {
  test.each([
    ['2025/02/30 00:00:00', /day 30 does not exist in 2025-02 \(28 days\)/],
    ['2025-13-45 25:61:61', /month 13 does not exist/],
    ['2025-01-01 25:00:00', /hour 25 is past 23/],
    ['2025-01-01 10:61:00', /minute 61 is past 59/],
    ['2025-01-01 10:00:61', /second 61 is past 59/],
  ])('%s is rejected', async (when, why) => {
    expect(parseDateTime(when)).toBeUndefined();
    const header = 'ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,ra';
    const line = `${when},2025-01-01 00:00:01,1.000,10.0.0.1,10.0.0.2,1,2,TCP,........,0,0,1,84,0,0,1,2,192.0.2.1`;
    const got = await readText(nfdumpReader, `${header}\n${line}\n`, {}, 'n.csv');
    expect(got.flows).toEqual([]);
    expect(got.rejects).toEqual([
      expect.objectContaining({ file: 'n.csv', line: 2, field: 'ts', message: expect.stringMatching(why) }),
    ]);
  });

  test('leap days and zone offsets that exist are read', () => {
    expect(parseDateTime('2024/02/29 12:00:00')).toBe(Date.UTC(2024, 1, 29, 12));
    expect(parseDateTime('2024-03-01T00:00:00+01:00')).toBe(Date.UTC(2024, 1, 29, 23));
  });

  test('Argus start times are checked the same way', async () => {
    const text = [
      'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label',
      '2011/02/30 10:00:00.0,1.0,tcp,10.0.0.1,1,->,10.0.0.2,2,S_,0,0,2,120,60,x',
    ].join('\n');
    const got = await readText(argusReader, text, {}, 'a.binetflow');
    expect(got.rejects).toEqual([
      expect.objectContaining({
        line: 2,
        field: 'StartTime',
        message: expect.stringMatching(/day 30 does not exist in 2011-02/),
      }),
    ]);
  });
});
