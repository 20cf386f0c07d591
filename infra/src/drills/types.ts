/**
 * What a drill is and what it hands back. A drill runs one fault against a
 * real local stack (child.ts, inside a private network namespace) and records
 * checks (each one a thing that must hold when the fault is survived) and
 * figures (what the fault cost). It passes when every check holds.
 */

export interface DrillCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** One process group's resident memory over the drill, MB by seconds since the drill started. */
export interface MemorySeries {
  label: string;
  points: [number, number][];
}

export interface DrillResult {
  drill: string;
  title: string;
  quick: boolean;
  ok: boolean;
  startedAt: string;
  seconds: number;
  /** Shown in the table, in this order. */
  figures: Record<string, number | string>;
  checks: DrillCheck[];
  memory: MemorySeries[];
  /** Counts over the drill (timers, sockets, descriptors), by series, when the drill recorded them. */
  counts?: MemorySeries[];
  /** The machine's 1-minute load average at the start and the end. */
  load: { start: number; end: number };
  /** Why the drill could not finish (a check that failed is not an error). */
  error?: string;
}

export interface DrillContext {
  quick: boolean;
  /** A private scratch folder. */
  work: string;
  /** The report's folder: what a drill keeps beyond its result (the soak's heap snapshots) is written here. */
  outDir: string;
  log(line: string): void;
  /** Records a thing that must hold; returns `ok`. */
  check(name: string, ok: boolean, detail: string): boolean;
  figure(name: string, value: number | string): void;
  /** Seconds since the drill started. */
  elapsed(): number;
  /** The memory samples so far (MB), and open descriptors and sockets by the same groups. */
  memory(): MemorySeries[];
  fds(): MemorySeries[];
  sockets(): MemorySeries[];
  /** Keeps count series (timers, sockets) for the report. */
  recordCounts(series: MemorySeries[]): void;
  /** Keeps memory series the drill measured itself (MB, as the sampler's) for the report, beside the sampler's. */
  recordMemory(series: MemorySeries[]): void;
}

export interface Drill {
  name: string;
  title: string;
  /** What must hold, as the table says it. */
  holds: string;
  /** Memory samples this often, seconds (quick, full). */
  sampleSeconds: [number, number];
  /** Killed, with everything it started, after this long (quick, full), seconds. */
  timeoutSeconds: [number, number];
  /**
   * No browser: the drill is a publisher and an edge, and its checks are of bytes and order, never of time, so
   * with `--jobs` it may run beside other such drills (each in namespaces of its own). A drill with viewers always
   * runs alone: they share the machine's cores with nothing else.
   */
  browserless?: boolean;
  /** One memory series per Chromium renderer (a tab), not one for all. */
  memoryPerTab?: boolean;
  run(ctx: DrillContext): Promise<void>;
}
