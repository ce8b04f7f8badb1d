import { FlowdexError } from '../../../src/errors';
import { parseTime, parseTimeRange } from '../../../src/query/time';
import { formatInterval, intervalMs, parseDurationNs, parseQuantity } from '../../../src/query/units';

// 2024-05-01T12:34:56.789Z, a Wednesday
const NOW = Date.UTC(2024, 4, 1, 12, 34, 56, 789);
const H = 3600000;
const D = 24 * H;

describe('parseTime', () => {
  it.each([
    ['now', NOW],
    ['now-24h', NOW - 24 * H],
    ['now-7d', NOW - 7 * D],
    ['now-15m', NOW - 15 * 60000],
    ['now-30s', NOW - 30000],
    ['now+1h', NOW + H],
    ['now-2w', NOW - 14 * D],
    ['now/d', Date.UTC(2024, 4, 1)],
    ['now-1d/d', Date.UTC(2024, 3, 30)],
    ['now/h', Date.UTC(2024, 4, 1, 12)],
    ['now/w', Date.UTC(2024, 3, 29)], // the Monday before
    ['24h', NOW - 24 * H],
    ['7d', NOW - 7 * D],
    ['2024-05-01', Date.UTC(2024, 4, 1)],
    ['2024-05-01T10:00:00Z', Date.UTC(2024, 4, 1, 10)],
    ['2024-05-01T10:00:00', Date.UTC(2024, 4, 1, 10)],
    ['2024-05-01 10:00', Date.UTC(2024, 4, 1, 10)],
    ['2024-05-01T10:00:00.250Z', Date.UTC(2024, 4, 1, 10, 0, 0, 250)],
    ['2024-05-01T10:00:00+02:00', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T10:00:00-0130', Date.UTC(2024, 4, 1, 11, 30)],
    ['1714521600', Date.UTC(2024, 4, 1)],
    ['1714521600000', Date.UTC(2024, 4, 1)],
    ['0', 0],
  ])('%s', (text, expected) => {
    expect(parseTime(text, NOW)).toBe(expected);
  });

  it.each([
    '',
    'yesterday',
    'now-1y',
    'now-1M',
    'now-h',
    '2024-13-01',
    '2024-02-30',
    '2024-05-01T25:00:00Z',
    '2024/05/01',
    '-24h',
    'now - 1h',
  ])('rejects %j', (text) => {
    expect(() => parseTime(text, NOW, 'from')).toThrow(
      expect.objectContaining({ code: 'QUERY_BAD_TIME', context: { field: 'from' } }),
    );
  });
});

describe('parseTimeRange', () => {
  it('defaults to the last 24 hours', () => {
    expect(parseTimeRange(undefined, undefined, NOW)).toEqual({ from: NOW - 24 * H, to: NOW });
  });

  it('defaults from to 24 hours before an explicit to', () => {
    expect(parseTimeRange(undefined, '2024-04-01', NOW)).toEqual({
      from: Date.UTC(2024, 2, 31),
      to: Date.UTC(2024, 3, 1),
    });
  });

  it('takes both ends', () => {
    expect(parseTimeRange('now-7d/d', 'now/d', NOW)).toEqual({ from: Date.UTC(2024, 3, 24), to: Date.UTC(2024, 4, 1) });
  });

  it('treats empty strings as absent', () => {
    expect(parseTimeRange('', '', NOW)).toEqual({ from: NOW - 24 * H, to: NOW });
  });

  it('rejects an empty or reversed range', () => {
    expect(() => parseTimeRange('now', 'now-1h', NOW)).toThrow(FlowdexError);
    expect(() => parseTimeRange('now', 'now', NOW)).toThrow(expect.objectContaining({ code: 'QUERY_BAD_TIME' }));
  });

  it('names the bad end', () => {
    expect(() => parseTimeRange('now-1h', 'later', NOW)).toThrow(expect.objectContaining({ context: { field: 'to' } }));
  });
});

describe('units', () => {
  it.each([
    ['1500', 'bytes', 1500],
    ['1.5k', 'bytes', 1500],
    ['1.1k', 'bytes', 1100],
    ['1M', 'bytes', 1e6],
    ['2G', 'bytes', 2e9],
    ['10KB', 'bytes', 10000],
    ['3MB', 'bytes', 3e6],
    ['1KiB', 'bytes', 1024],
    ['1.5MiB', 'bytes', 1572864],
    ['1GiB', 'bytes', 1073741824],
    ['7B', 'bytes', 7],
    ['2k', 'count', 2000],
    ['3', 'plain', 3],
  ] as const)('%s as %s', (text, kind, expected) => {
    expect(parseQuantity(text, kind)).toBe(expected);
  });

  it.each([
    ['1KiB', 'count'],
    ['1k', 'plain'],
    ['1m', 'bytes'],
    ['k', 'bytes'],
    ['1e3', 'plain'],
    ['0x10', 'plain'],
  ] as const)('rejects %s as %s', (text, kind) => {
    expect(parseQuantity(text, kind)).toBeUndefined();
  });

  it.each([
    ['250ns', 250],
    ['3us', 3000],
    ['1.5ms', 1500000],
    ['30s', 30e9],
    ['2m', 120e9],
    ['1h', 3600e9],
    ['1d', 86400e9],
  ])('duration %s', (text, ns) => {
    expect(parseDurationNs(text)).toBe(ns);
  });

  it('rejects durations without a known unit', () => {
    expect(parseDurationNs('30')).toBeUndefined();
    expect(parseDurationNs('30 s')).toBeUndefined();
    expect(parseDurationNs('3y')).toBeUndefined();
  });

  it.each([
    ['15m', 900000],
    ['1h', 3600000],
    ['30s', 30000],
    ['1d', 86400000],
    ['90m', 5400000],
  ])('interval %s', (text, ms) => {
    expect(intervalMs(text)).toBe(ms);
  });

  it.each(['0s', '500ms', '1.5m', '15', 'm', '-1h', '1w2'])('rejects interval %j', (text) => {
    expect(() => intervalMs(text)).toThrow(expect.objectContaining({ code: 'QUERY_BAD_VALUE' }));
  });

  it.each([
    [900000, '15m'],
    [5400000, '90m'],
    [7200000, '2h'],
    [86400000, '1d'],
    [45000, '45s'],
    [1500, '1500ms'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatInterval(ms)).toBe(text);
  });
});
