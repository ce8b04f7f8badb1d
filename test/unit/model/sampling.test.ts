import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normalize } from '../../../src/model/normalize';
import { varianceTerms } from '../../../src/model/sampling';
import { envRates, mergeRates, parseRateList, samplingPolicy } from '../../../src/enrich/sampling';
import { Enrichment, enrichConfig } from '../../../src/enrich/pipeline';
import { loadSiteConfig } from '../../../src/enrich/site-config';
import type { FlowRecord } from '../../../src/model/flow';

const flow: FlowRecord = {
  format: 'test',
  start: Date.UTC(2026, 10, 23, 10),
  srcIp: '10.1.2.3',
  dstIp: '192.0.2.80',
  protocol: 6,
  srcBytes: 3000,
  srcPackets: 3,
  dstBytes: 80,
  dstPackets: 1,
  exporter: '192.0.2.1',
};

describe('sampled flows in normalize', () => {
  it('turns counters into estimates and keeps the exported ones beside them', () => {
    const { doc } = normalize({ ...flow, samplingRate: 100 });
    expect([doc.network.bytes, doc.network.packets]).toEqual([308_000, 400]);
    expect([doc.source.bytes, doc.source.packets, doc.destination.bytes, doc.destination.packets]).toEqual([
      300_000, 300, 8000, 100,
    ]);
    expect(doc.flow.sampling_rate).toBe(100);
    expect(doc.flow.sampled).toEqual({
      bytes: 3080,
      packets: 4,
      source: { bytes: 3000, packets: 3 },
      destination: { bytes: 80, packets: 1 },
      variance: { packets: 100 * 99 * 4, bytes: Math.round((100 * 99 * 3080 * 3080) / 4) },
    });
  });

  it('leaves unsampled flows (no rate, or 1 in 1) untouched', () => {
    for (const r of [flow, { ...flow, samplingRate: 1 }]) {
      const { doc } = normalize(r);
      expect([doc.network.bytes, doc.network.packets, doc.source.bytes]).toEqual([3080, 4, 3000]);
      expect(doc.flow.sampled).toBeUndefined();
    }
  });

  it('keeps the id of the record, so re-indexing a sampled export finds the same documents', () => {
    const a = normalize({ ...flow, samplingRate: 100 });
    expect(normalize({ ...flow, samplingRate: 100 })).toEqual(a);
    expect(a.id).toBe(normalize(flow).id);
  });

  it('scales a sampled record exactly once however often the document is built', () => {
    const once = normalize({ ...flow, samplingRate: 10 }).doc;
    const again = normalize({ ...flow, samplingRate: 10 }).doc;
    expect(again.network.bytes).toBe(once.network.bytes);
    expect(once.network.bytes).toBe(30_800);
  });

  it('rejects an estimate no counter can hold, naming the field', () => {
    expect(() => normalize({ ...flow, srcBytes: 2 ** 40, samplingRate: 2 ** 20 })).toThrow(
      /source\.bytes \(estimated, ×1048576\)/,
    );
  });

  it('gives rate-1 flows no variance and sFlow samples (one packet) N(N−1)·size²', () => {
    expect(varianceTerms(1, 10, 1000)).toEqual({ packets: 0, bytes: 0 });
    expect(varianceTerms(512, 1, 1500)).toEqual({ packets: 512 * 511, bytes: 512 * 511 * 1500 * 1500 });
    expect(varianceTerms(4, 0, 600)).toEqual({ packets: 12, bytes: 12 * 600 * 600 });
  });
});

describe('configured sampling rates', () => {
  const rates = {
    defaults: parseRateList('192.0.2.0/24=1000,192.0.2.7=64', 'T'),
    overrides: parseRateList('198.51.100.9=2048', 'T'),
  };
  const policy = samplingPolicy(rates);

  it('takes the record rate, else the most specific default, and an override always', () => {
    expect(policy.rateFor('192.0.2.1', 100)).toBe(100);
    expect(policy.rateFor('192.0.2.1', undefined)).toBe(1000);
    expect(policy.rateFor('192.0.2.7', undefined)).toBe(64);
    expect(policy.rateFor('198.51.100.9', 10)).toBe(2048);
    expect(policy.rateFor('203.0.113.1', undefined)).toBeUndefined();
    expect(policy.rateFor(undefined, 5)).toBe(5);
    expect(normalize({ ...flow, exporter: '198.51.100.9', samplingRate: 10 }, policy).doc.network.packets).toBe(
      4 * 2048,
    );
  });

  it('refuses malformed rates with the variable and the item', () => {
    expect(() => parseRateList('192.0.2.0/24:1000', 'FLOWDEX_SAMPLING_DEFAULTS')).toThrow(
      /FLOWDEX_SAMPLING_DEFAULTS: "192.0.2.0\/24:1000" is not ADDRESS_OR_CIDR=RATE/,
    );
    expect(() => parseRateList('192.0.2.0/24=0', 'X')).toThrow(/whole number ≥ 1/);
    expect(() => parseRateList('exporter-a=10', 'X')).toThrow(/not an exporter address/);
  });

  it('reads the networks file, the environment winning on an equal prefix', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowdex-sampling-'));
    const file = path.join(dir, 'networks.yaml');
    writeFileSync(file, 'sampling:\n  defaults:\n    10.0.0.0/8: 100\n  overrides:\n    10.1.1.1: 4000\n');
    const site = loadSiteConfig(file);
    const env = envRates({ FLOWDEX_SAMPLING_DEFAULTS: '10.0.0.0/8=200' });
    const p = samplingPolicy(mergeRates(env, site.sampling));
    expect([p.rateFor('10.2.0.1', undefined), p.rateFor('10.1.1.1', 7)]).toEqual([200, 4000]);
    // With enrichment off the rates still apply: they decide estimates, not enrichment.
    const e = Enrichment.open({ ...enrichConfig({ networks: file, enrich: false }, {}) });
    expect(e.sampling.rateFor('10.2.0.1', undefined)).toBe(100);
    writeFileSync(file, 'sampling:\n  defaults:\n    10.0.0.0/8: many\n');
    expect(() => loadSiteConfig(file)).toThrow(
      /sampling\.defaults\.10\.0\.0\.0\/8: sampling rate must be a whole number/,
    );
  });
});
