/**
 * The OpenMetrics text exposition format (what Prometheus scrapes), rendered
 * from plain data. Pure: families in, text out. A family is rendered as its
 * `# TYPE`, `# UNIT` (when it has one) and `# HELP` lines, then its samples;
 * the text ends with `# EOF`. Names are checked, because a bad one makes a
 * scraper drop the whole exposition: a wrong name is a bug here, so it throws.
 *
 * Spec: https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md
 */

export type MetricType = 'counter' | 'gauge';

export interface MetricSample {
  /** Label name → value; values may hold any text (escaped on output). */
  labels?: Readonly<Record<string, string>>;
  /** null or undefined: no sample (a gauge nobody has measured yet, e.g. latency without viewers). */
  value: number | null | undefined;
}

export interface MetricFamily {
  /** The family name; a counter's samples get `_total` appended. Never ends in `_total` itself. */
  name: string;
  type: MetricType;
  help: string;
  /** e.g. `bytes`, `seconds`; the name must end with `_<unit>`. */
  unit?: string;
  samples: readonly MetricSample[];
}

export const openMetricsContentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text (OpenMetrics): the same three characters as label values. */
export function escapeHelp(text: string): string {
  return escapeLabelValue(text);
}

/** Numbers as OpenMetrics writes them: NaN, +Inf, -Inf, otherwise JavaScript's shortest round-trip form. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return Object.is(value, -0) ? '0' : String(value);
}

function labelSet(labels: Readonly<Record<string, string>> | undefined, family: string): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  for (const [name] of entries) {
    if (!labelName.test(name) || name.startsWith('__')) {
      throw new Error(`metric ${family}: invalid label name ${JSON.stringify(name)}`);
    }
  }
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

function checkFamily(family: MetricFamily): void {
  if (!metricName.test(family.name)) throw new Error(`invalid metric name ${JSON.stringify(family.name)}`);
  if (family.type === 'counter' && family.name.endsWith('_total')) {
    throw new Error(`counter ${family.name}: name the family without _total (it is added to its samples)`);
  }
  if (family.unit !== undefined) {
    if (!/^[a-zA-Z0-9_]+$/.test(family.unit)) throw new Error(`metric ${family.name}: invalid unit ${family.unit}`);
    if (!family.name.endsWith(`_${family.unit}`)) {
      throw new Error(`metric ${family.name}: a family with unit ${family.unit} must be named …_${family.unit}`);
    }
  }
  if (family.type === 'counter') {
    for (const sample of family.samples) {
      if (typeof sample.value === 'number' && !(sample.value >= 0)) {
        throw new Error(`counter ${family.name}: ${sample.value} is not a counter value (≥ 0)`);
      }
    }
  }
}

/** The whole exposition. Families keep their order; a family name may appear once. */
export function renderOpenMetrics(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const family of families) {
    checkFamily(family);
    if (seen.has(family.name)) throw new Error(`metric family ${family.name} appears twice`);
    seen.add(family.name);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.unit !== undefined) lines.push(`# UNIT ${family.name} ${family.unit}`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    const sampleName = family.type === 'counter' ? `${family.name}_total` : family.name;
    const labelSets = new Set<string>();
    for (const sample of family.samples) {
      if (sample.value === null || sample.value === undefined) continue;
      const labels = labelSet(sample.labels, family.name);
      if (labelSets.has(labels)) throw new Error(`metric ${family.name}: two samples with the labels ${labels}`);
      labelSets.add(labels);
      lines.push(`${sampleName}${labels} ${formatValue(sample.value)}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}
