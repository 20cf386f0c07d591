import { describe, expect, it } from 'vitest';
import {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  type MetricFamily,
  openMetricsContentType,
  renderOpenMetrics,
} from './openmetrics';

const gauge = (samples: MetricFamily['samples'], extra: Partial<MetricFamily> = {}): MetricFamily => ({
  name: 'g',
  type: 'gauge',
  help: 'a gauge',
  samples,
  ...extra,
});

describe('escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['back\\slash', 'back\\\\slash'],
    ['a "quote"', 'a \\"quote\\"'],
    ['line\nfeed', 'line\\nfeed'],
    ['\\n is not a line feed', '\\\\n is not a line feed'],
    ['\\"', '\\\\\\"'],
    ['all: \\ " \n', 'all: \\\\ \\" \\n'],
    ['tab\tand return\r stay', 'tab\tand return\r stay'],
    ['ünïcødé ✓', 'ünïcødé ✓'],
    ['{braces}, commas=equals', '{braces}, commas=equals'],
  ])('label value %j', (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
    expect(escapeHelp(raw)).toBe(escaped);
  });
});

describe('values', () => {
  it.each([
    [0, '0'],
    [-0, '0'],
    [42, '42'],
    [-3, '-3'],
    [1.5, '1.5'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e21, '1e+21'],
    [1.5e-7, '1.5e-7'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
  ])('%s → %s', (value, text) => expect(formatValue(value)).toBe(text));
});

describe('renderOpenMetrics', () => {
  it('is only # EOF without families, and always ends with # EOF and a line feed', () => {
    expect(renderOpenMetrics([])).toBe('# EOF\n');
    const text = renderOpenMetrics([gauge([{ value: 1 }])]);
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text.split('\n').filter((line) => line === '# EOF')).toHaveLength(1);
  });

  it('writes TYPE, then UNIT, then HELP, then the samples of each family, in order', () => {
    const text = renderOpenMetrics([
      {
        name: 'egress_bytes',
        type: 'counter',
        unit: 'bytes',
        help: 'bytes out',
        samples: [{ labels: { stream: 'a' }, value: 10 }],
      },
      gauge([{ value: 2 }], { name: 'viewers', help: 'now' }),
    ]);
    expect(text).toBe(
      [
        '# TYPE egress_bytes counter',
        '# UNIT egress_bytes bytes',
        '# HELP egress_bytes bytes out',
        'egress_bytes_total{stream="a"} 10',
        '# TYPE viewers gauge',
        '# HELP viewers now',
        'viewers 2',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and HELP text, keeps label order, and writes no braces without labels', () => {
    const text = renderOpenMetrics([
      gauge(
        [
          { labels: { b: 'say "hi"\\\n', a: 'x' }, value: 1 },
          { labels: {}, value: 2 },
        ],
        { help: 'help with \\ and\nnew line and "quotes"' },
      ),
    ]);
    expect(text).toContain('# HELP g help with \\\\ and\\nnew line and \\"quotes\\"\n');
    expect(text).toContain('g{b="say \\"hi\\"\\\\\\n",a="x"} 1\n');
    expect(text).toContain('\ng 2\n');
    // Every line is one line: nothing raw leaked a line feed.
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(# (TYPE|UNIT|HELP|EOF)|g)/);
  });

  it('suffixes counter samples with _total and leaves gauges alone', () => {
    const text = renderOpenMetrics([
      { name: 'c', type: 'counter', help: 'h', samples: [{ value: 3 }] },
      gauge([{ value: 4 }]),
    ]);
    expect(text).toContain('\nc_total 3\n');
    expect(text).toContain('\ng 4\n');
    expect(text).not.toContain('g_total');
  });

  it('skips samples without a value, keeping the family lines', () => {
    const text = renderOpenMetrics([
      gauge([
        { labels: { s: 'a' }, value: null },
        { labels: { s: 'b' }, value: undefined },
        { labels: { s: 'c' }, value: 0 },
      ]),
    ]);
    expect(text).toBe('# TYPE g gauge\n# HELP g a gauge\ng{s="c"} 0\n# EOF\n');
  });

  it('writes special values', () => {
    const text = renderOpenMetrics([
      gauge([
        { labels: { v: 'nan' }, value: Number.NaN },
        { labels: { v: 'inf' }, value: Number.POSITIVE_INFINITY },
      ]),
    ]);
    expect(text).toContain('g{v="nan"} NaN\n');
    expect(text).toContain('g{v="inf"} +Inf\n');
  });

  it.each([
    ['a metric name with a dash', [gauge([], { name: 'bad-name' })], /invalid metric name/],
    ['a metric name starting with a digit', [gauge([], { name: '1abc' })], /invalid metric name/],
    ['an empty metric name', [gauge([], { name: '' })], /invalid metric name/],
    ['a label name with a dot', [gauge([{ labels: { 'a.b': 'x' }, value: 1 }])], /invalid label name/],
    ['a reserved label name', [gauge([{ labels: { __name__: 'x' }, value: 1 }])], /invalid label name/],
    [
      'a counter named …_total',
      [{ name: 'x_total', type: 'counter', help: '', samples: [] } as MetricFamily],
      /without _total/,
    ],
    [
      'a negative counter',
      [{ name: 'x', type: 'counter', help: '', samples: [{ value: -1 }] } as MetricFamily],
      /not a counter value/,
    ],
    [
      'a NaN counter',
      [{ name: 'x', type: 'counter', help: '', samples: [{ value: Number.NaN }] } as MetricFamily],
      /not a counter value/,
    ],
    ['a unit the name does not end with', [gauge([], { name: 'size', unit: 'bytes' })], /must be named/],
    ['a family twice', [gauge([]), gauge([])], /appears twice/],
    [
      'two samples with one label set',
      [
        gauge([
          { labels: { s: 'a' }, value: 1 },
          { labels: { s: 'a' }, value: 2 },
        ]),
      ],
      /two samples/,
    ],
  ])('throws on %s', (_, families, message) => {
    expect(() => renderOpenMetrics(families)).toThrow(message);
  });

  it('declares the OpenMetrics content type Prometheus negotiates', () => {
    expect(openMetricsContentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
  });
});
