import { describe, expect, it } from 'vitest';
import { escapeXml, lineChart, niceTicks, stackedBarChart } from './svg-charts';

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
    expect(svg).toContain('Offload &#60;%&#62;');
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

  it('escapes text', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&#60;a href=&#34;x&#34;&#62;&#38;&#39;');
  });
});
