import path from 'node:path';
import { argusReader } from '../../../src/readers/argus';
import { HAVE_SHARED_DATA, readFile, readText, SHARED_DATA } from './support';

const DIR = path.join(SHARED_DATA, 'flows/stratosphere');

(HAVE_SHARED_DATA ? describe : describe.skip)('real Argus binetflow files', () => {
  // Rows counted with awk (NR > 1). test5 holds an Argus management record (addresses "0") and an LLC
  // record between MAC addresses: neither is an IP flow, both are rejected with the field.
  test.each([
    ['test11-portscan.binetflow', 66, 0],
    ['test2-malicious.binetflow', 6751, 0],
    ['test3-mixed.binetflow', 89, 0],
    ['test4-malicious.binetflow', 394, 0],
    ['test5-mixed.binetflow', 298, 2], // 300 rows: its last line has no newline
  ])('%s: %i flows, %i rejected', async (file, flows, rejects) => {
    const got = await readFile(path.join(DIR, file));
    expect(got.formats).toEqual(['argus']);
    expect(got.flows.length).toBe(flows);
    expect(got.rejects.length).toBe(rejects);
    for (const r of got.rejects) expect(r.field).toBe('SrcAddr');
  });

  test('records read by hand', async () => {
    const got = await readFile(path.join(DIR, 'test2-malicious.binetflow'));
    // 2019/04/04 16:23:00.325010,0.027947,udp,10.8.0.69,48427,  <->,8.8.8.8,53,CON,0,0,2,142,63,1,
    expect(got.flows[0]?.doc).toMatchObject({
      '@timestamp': '2019-04-04T16:23:00.325Z',
      event: { end: '2019-04-04T16:23:00.353Z' },
      source: { ip: '10.8.0.69', port: 48427, bytes: 63, packets: 1 },
      destination: { ip: '8.8.8.8', port: 53, bytes: 79, packets: 1 },
      network: { transport: 'udp', bytes: 142, packets: 2 },
    });
    // An ICMP echo: ports are hex, 0x0008 → 8, 0x7208 → 29192.
    const icmp = got.flows.find((f) => f.doc.network.transport === 'icmp');
    expect(icmp?.doc.source.port).toBe(8);
    expect(icmp?.doc.destination.port).toBe(0x7208);
  });

  test('without SrcPkts only the packet total is known', async () => {
    const got = await readFile(path.join(DIR, 'test4-malicious.binetflow'));
    // 2018/09/27 22:40:52.362768,193.831726,tcp,192.168.2.1,52893,  <?>,192.168.2.12,22,CON,16,16,35,3766,1224,
    expect(got.flows[0]?.doc).toMatchObject({
      source: { bytes: 1224 },
      destination: { bytes: 2542 },
      network: { bytes: 3766, packets: 35 },
      flow: { tos: 16 },
    });
    expect(got.flows[0]?.doc.source.packets).toBeUndefined();
  });
});

test('source bytes above the total are rejected', async () => {
  const text =
    'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label\n' +
    '2019/04/04 16:23:00.325010,0.1,udp,10.8.0.69,1,->,8.8.8.8,53,CON,0,0,2,100,150,1,\n' +
    '2019/04/04 16:23:01,0.1,udp,10.8.0.69,1,->,8.8.8.8,53,CON,0,0,2,100,50,1,x\n';
  const got = await readText(argusReader, text);
  expect(got.rejects.map((r) => [r.line, r.field])).toEqual([[2, 'TotBytes']]);
  expect(got.flows.map((f) => f.line)).toEqual([3]);
});
