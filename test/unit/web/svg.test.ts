import { barRow, escapeXml, niceTicks, timeChart } from '../../../src/web/svg';

describe('svg', () => {
  test('escapes text', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&#60;a href=&#34;x&#34;&#62;&#38;&#39;');
    const svg = timeChart([{ t: 0, v: 1 }], { kind: 'line', title: '<script>x</script>' });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&#60;script&#62;');
  });

  test('nice ticks cover the maximum in round steps', () => {
    expect(niceTicks(95)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(7_300_000)).toEqual([0, 2_000_000, 4_000_000, 6_000_000, 8_000_000]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  test('bars: one rect per point, heights proportional, inside the plot', () => {
    const points = [0, 1, 2, 3].map((i) => ({ t: i * 60_000, v: i * 10 }));
    const svg = timeChart(points, { kind: 'bars', title: 't', stepMs: 60_000, width: 400, height: 200 });
    const heights = [...svg.matchAll(/<rect class="bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"/g)].map(
      (m) => Number(m[1]),
    );
    expect(heights).toHaveLength(4);
    expect(heights[0]).toBe(0);
    expect((heights[2] ?? 0) / (heights[1] ?? 1)).toBeCloseTo(2, 1);
    expect(Math.max(...heights)).toBeLessThanOrEqual(200 - 10 - 24);
  });

  test('area chart has a closed area and a line; no data says so', () => {
    const svg = timeChart(
      [
        { t: 0, v: 5 },
        { t: 1000, v: 7 },
      ],
      { kind: 'area', title: 't', unit: 'bytes' },
    );
    expect(svg).toMatch(/<path class="area" d="M[^"]+Z"\/>/);
    expect(svg).toContain('<path class="line"');
    expect(svg).toContain('8 B');
    expect(timeChart([], { kind: 'line', title: 't' })).toContain('no data');
  });

  test('bar rows clamp the fraction', () => {
    expect(barRow(0.5)).toContain('width="50"');
    expect(barRow(2)).toContain('width="100"');
    expect(barRow(Number.NaN)).toContain('width="0"');
  });
});
