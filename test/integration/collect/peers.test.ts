import dgram from 'node:dgram';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type FlowdexConfig } from '../../../src/config';
import { normalize } from '../../../src/model/normalize';
import { readFlows } from '../../../src/readers/index';
import { connect } from '../../../src/store/client';
import { setup } from '../../../src/store/setup';
import { testCluster } from '../../support/opensearch';
import {
  hasTool,
  indexTotals,
  nfdumpTotals,
  run,
  SHARED,
  sendDatagrams,
  settled,
  sharedPresent,
  softflowd,
  startCollector,
  startNfcapd,
  stopProcess,
  sumTotals,
  tempDir,
  tupleKey,
  HANG_MS,
  waitFor,
  type Totals,
} from './support';

/**
 * The collector against its peers: softflowd exports a real capture as NetFlow v5, v9 and IPFIX
 * to nfcapd, which stores it and repeats every datagram to flowdex; nfdump's reading of what
 * nfcapd stored must equal what flowdex indexed, per 5-tuple. nfreplay replays an nfcapd file
 * into the collector, and sFlow datagrams from real agents are sent over UDP.
 */
const tc = testCluster(__filename);
const tools = ['softflowd', 'nfcapd', 'nfdump', 'nfreplay'].filter((t) => !hasTool(t));
const ready = tools.length === 0 && sharedPresent;
if (!ready)
  console.warn(
    `collect peers test skipped: ${tools.length ? `missing ${tools.join(', ')} (scripts/system-deps.sh test installs them)` : `no ${SHARED}`}`,
  );
const maybe = ready ? test : test.skip;
const tmp = tempDir('collect-peers');
const PCAP = path.join(SHARED, 'flows/stratosphere/test7-malicious.pcap');

afterAll(async () => {
  await tc.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

/** A prefix of its own per case, so every comparison starts from empty indices. */
async function caseConfig(tag: string): Promise<FlowdexConfig> {
  const cfg = loadConfig({ prefix: `${tc.prefix}${tag}-` });
  const { client, info } = await connect(cfg);
  await setup(client, cfg, info);
  await client.close();
  return cfg;
}

function expectSameTotals(flowdex: Map<string, Totals>, nfdump: Map<string, Totals>): void {
  const diff: string[] = [];
  for (const k of new Set([...flowdex.keys(), ...nfdump.keys()])) {
    const a = flowdex.get(k);
    const b = nfdump.get(k);
    if (JSON.stringify(a) !== JSON.stringify(b))
      diff.push(`${k}: flowdex ${JSON.stringify(a)} nfdump ${JSON.stringify(b)}`);
  }
  expect(diff).toEqual([]);
  expect(sumTotals(flowdex).flows).toBeGreaterThan(100);
}

describe.each([5, 9, 10] as const)('softflowd NetFlow v%i through nfcapd and flowdex', (version) => {
  maybe('flowdex indexes exactly the flows, bytes and packets nfdump reads per 5-tuple', async () => {
    const cfg = await caseConfig(`v${version}`);
    const dir = path.join(tmp, `v${version}`);
    const collector = await startCollector(tc.client, cfg, path.join(dir, 'spool'));
    const nfDir = path.join(dir, 'nfcapd');
    await run('mkdir', ['-p', nfDir]);
    const nfPort = 30000 + (process.pid % 5000) + version;
    const nfcapd = await startNfcapd(nfDir, nfPort, collector.ports[0]);
    try {
      const sent = await softflowd(PCAP, nfPort, version, dir);
      await waitFor('the collector to index the export', () => settled(collector.stats(), sent.datagrams));
      const s = collector.stats();
      expect(s.totals.bad_datagrams).toBe(0);
      expect(s.exporters.map((e) => e.sequence.lost)).toEqual([0]);
      expect(s.totals.kernel_drops).toBe(0);
    } finally {
      await stopProcess(nfcapd);
      await collector.stop();
    }
    expectSameTotals(await indexTotals(tc.client, cfg.prefix), await nfdumpTotals(['-R', nfDir]));
  });
});

maybe('nfreplay replays an nfcapd file into the collector: same totals as nfdump reads from it', async () => {
  const cfg = await caseConfig('nfreplay');
  const dir = path.join(tmp, 'nfreplay');
  const nfDir = path.join(dir, 'nfcapd');
  await run('mkdir', ['-p', nfDir]);
  const nfPort = 30000 + (process.pid % 5000) + 20;
  // nfcapd repeats what it received to a counting socket: stopping it before it read everything would lose flows.
  const echo = dgram.createSocket('udp4');
  let echoed = 0;
  echo.on('message', () => echoed++);
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
  const nfcapd = await startNfcapd(nfDir, nfPort, echo.address().port);
  try {
    const sent = await softflowd(PCAP, nfPort, 9, dir);
    await waitFor('nfcapd to receive the export', () => echoed >= sent.datagrams);
  } finally {
    await stopProcess(nfcapd);
    echo.close();
  }
  const expected = await nfdumpTotals(['-R', nfDir]);
  const collector = await startCollector(tc.client, cfg, path.join(dir, 'spool'));
  try {
    for (const f of readdirSync(nfDir).sort())
      await run('nfreplay', [
        '-r',
        path.join(nfDir, f),
        '-H',
        '127.0.0.1',
        '-p',
        String(collector.ports[0]),
        '-v',
        '9',
      ]);
    const want = sumTotals(expected).flows;
    await waitFor(
      'the replay to be indexed',
      () => {
        const s = collector.stats();
        return s.totals.flows >= want && settled(s, 1);
      },
      HANG_MS,
      () => ({ want, ...collector.stats().totals, exporters: collector.stats().exporters }),
    );
    expect(collector.stats().exporters[0]?.sequence.lost).toBe(0);
  } finally {
    await collector.stop();
  }
  expectSameTotals(await indexTotals(tc.client, cfg.prefix), expected);
});

maybe('sFlow v5 datagrams from real agents, sent over UDP, index as the file reader decodes them', async () => {
  const cfg = await caseConfig('sflow');
  const root = path.join(SHARED, 'datagrams/telegraf');
  const files = readdirSync(root)
    .filter((d) => d.startsWith('sflow'))
    .sort()
    .flatMap((d) =>
      readdirSync(path.join(root, d))
        .filter((f) => f.endsWith('.bin'))
        .sort()
        .map((f) => path.join(root, d, f)),
    );
  const expected = new Map<string, Totals>();
  for (const f of files) {
    for await (const item of readFlows(f, { format: 'datagram' })) {
      if (item.kind !== 'flow') continue;
      const d = normalize(item.record).doc;
      const key = tupleKey(
        d.source.ip ?? '',
        d.destination.ip ?? '',
        d.source.port ?? 0,
        d.destination.port ?? 0,
        d.network.iana_number ?? 0,
      );
      const t = expected.get(key) ?? { flows: 0, bytes: 0, packets: 0 };
      expected.set(key, {
        flows: t.flows + 1,
        bytes: t.bytes + (d.network.bytes ?? 0),
        packets: t.packets + (d.network.packets ?? 0),
      });
    }
  }
  const collector = await startCollector(tc.client, cfg, path.join(tmp, 'sflow-spool'));
  try {
    await sendDatagrams(
      collector.ports[0] ?? 0,
      files.map((f) => readFileSync(f)),
    );
    await waitFor('the sFlow datagrams to be indexed', () => settled(collector.stats(), files.length));
    expect(collector.stats().exporters[0]?.formats).toEqual(['sflow']);
  } finally {
    await collector.stop();
  }
  const got = await indexTotals(tc.client, cfg.prefix);
  expect(sumTotals(expected).flows).toBeGreaterThan(0);
  expect(got).toEqual(expected);
});
