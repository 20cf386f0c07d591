import { describe, expect, it } from 'vitest';
import { decadeTicks, formatTick, legendLayout, lineChart, niceTicks, stackedBarChart } from './svg-charts';

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;

describe('svg charts', () => {
  it('picks round ticks covering the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 118, 6)).toEqual([0, 20, 40, 60, 80, 100, 120]);
    expect(niceTicks(0, 7, 5)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(3, 3)).toEqual([3, 3.2, 3.4, 3.6, 3.8, 4]);
    expect(niceTicks(0, Number.NaN)).toEqual([0]);
  });

  it('draws one path per series, breaks lines at gaps, and adds bands and reference lines', () => {
    const svg = lineChart({
      title: 'Offload <%>',
      xLabel: 's',
      yLabel: '%',
      series: [
        {
          name: 'hybrid',
          color: '#00f',
          points: [
            [0, 10],
            [2, null],
            [4, 30],
            [6, 40],
          ],
          band: [[5, 15], null, [25, 35], [35, 45]],
        },
        { name: 'CDN-only', color: '#f80', points: [], dashed: true },
      ],
      references: [{ label: 'bound', y: 50, color: '#909' }],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(count(svg, /class="series"/g)).toBe(1); // an empty series draws nothing
    const series = svg.match(/class="series" d="([^"]+)"/)?.[1] ?? '';
    expect(count(series, /M/g)).toBe(2); // the null splits the line in two
    expect(count(svg, /class="band"/g)).toBe(1); // one band run of two points; a lone point is no area
    expect(count(svg, /class="reference"/g)).toBe(1);
    expect(svg).toContain('Offload &lt;%&gt;');
  });

  it('stacks bars by segment, one rect per non-empty segment, with a legend per label', () => {
    const svg = stackedBarChart({
      title: 'bytes',
      xLabel: 'MB',
      format: (v) => (v / 1e6).toFixed(1),
      groups: [
        {
          label: 'hybrid',
          bars: [
            {
              label: 'viewer 1',
              segments: [
                { label: 'HTTP', value: 1e6, color: '#999' },
                { label: 'P2P', value: 3e6, color: '#0a0' },
              ],
            },
            {
              label: 'viewer 2',
              segments: [
                { label: 'HTTP', value: 2e6, color: '#999' },
                { label: 'P2P', value: 0, color: '#0a0' },
              ],
            },
          ],
        },
      ],
    });
    expect(count(svg, /class="bar"/g)).toBe(3);
    expect(svg).toContain('>4.0</text>'); // viewer 1's total at the end of its bar
    expect(count(svg, /<rect x="[\d.]+" y="[\d.]+" width="10"/g)).toBe(2); // legend: HTTP, P2P
  });

  it('gives an all-zero chart a 0–1 axis, not one in units of 10⁻⁹', () => {
    const svg = lineChart({
      title: 'stalls',
      xLabel: 's',
      yLabel: 's',
      series: [
        {
          name: 'CDN-only',
          color: '#f80',
          points: [
            [2, 0],
            [4, 0],
          ],
        },
      ],
    });
    expect(svg).not.toMatch(/\de-\d/); // e.g. a tick written 2e-10
    expect(svg).toMatch(/text-anchor="end">1<\/text>/); // the y axis tops out at 1
  });

  it('escapes every label with the one HTML escaper', () => {
    const svg = lineChart({
      title: `"t" & 'u'`,
      xLabel: '<x>',
      yLabel: 'y',
      series: [{ name: 'a<b', points: [[1, 1]] }],
      references: [{ label: 'c>d', y: 1, color: '#000' }],
    });
    expect(svg).toContain('aria-label="&quot;t&quot; &amp; &#39;u&#39;"');
    for (const text of ['&lt;x&gt;', 'a&lt;b', 'c&gt;d']) expect(svg).toContain(text);
    expect(svg).not.toMatch(/<x>|a<b|c>d/);
  });

  it('draws a log x axis at powers of ten, for curves over N', () => {
    expect(decadeTicks(10, 100_000)).toEqual([10, 100, 1000, 10_000, 100_000]);
    expect(decadeTicks(4, 8)).toEqual([1, 10]);
    const svg = lineChart({
      title: 'Offload vs N',
      xLabel: 'N',
      yLabel: '%',
      logX: true,
      yMin: 0,
      yMax: 100,
      series: [
        {
          name: 'steady',
          points: [
            [10, 50],
            [1000, 80],
            [100_000, 90],
          ],
        },
      ],
    });
    for (const tick of ['10', '100', '1000', '10k', '100k']) expect(svg).toContain(`>${tick}</text>`);
    // Equal steps in log space: 10 → 1000 is as far as 1000 → 100 000.
    const xs = [...(svg.match(/class="series" d="([^"]+)"/)?.[1] ?? '').matchAll(/[ML]([\d.]+),/g)].map((m) =>
      Number(m[1]),
    );
    expect(xs).toHaveLength(3);
    expect((xs[1] ?? 0) - (xs[0] ?? 0)).toBeCloseTo((xs[2] ?? 0) - (xs[1] ?? 0), 0);
  });

  it('marks the points of short series only, and colours unnamed series from the palette', () => {
    const long = Array.from({ length: 30 }, (_, i) => [i, i] as [number, number]);
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        { name: 'few', points: long.slice(0, 3) },
        { name: 'many', points: long },
        { name: 'forced', points: long.slice(0, 20), markers: true },
      ],
    });
    expect(count(svg, /class="marker"/g)).toBe(3 + 20);
    expect(svg).toContain('stroke="#1f77b4"');
    expect(svg).toContain('stroke="#d62728"');
  });

  it('wraps a long legend onto more rows and makes room for them', () => {
    expect(legendLayout(['a', 'b'], 0, 1000)).toEqual([
      { x: 0, row: 0 },
      { x: 35.8, row: 0 },
    ]);
    const names = Array.from({ length: 8 }, (_, i) => `a fairly long series name ${i}`);
    const rows = legendLayout(names, 60, 544);
    expect(Math.max(...rows.map((r) => r.row))).toBeGreaterThan(0);
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      yLabel: 'y',
      series: names.map((name) => ({ name, points: [[0, 1] as [number, number]] })),
    });
    expect(Number(svg.match(/height="(\d+)"/)?.[1])).toBeGreaterThan(260);
  });

  it('writes axis labels short', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(0.2)).toBe('0.2');
    expect(formatTick(2e-10)).toBe('2e-10');
    expect(formatTick(120)).toBe('120');
    expect(formatTick(5000)).toBe('5000');
    expect(formatTick(10_000)).toBe('10k');
    expect(formatTick(2_500_000)).toBe('2.5M');
  });
});
