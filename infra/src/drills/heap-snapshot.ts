/**
 * What an isolate's JS heap holds, by kind of object: a heap snapshot taken through an inspector (wrangler's, for
 * our edge's isolate; a tab's CDP session), summed by constructor, and two such sums compared, so a heap that grows
 * says what grows (a Map of peers, strings, closures, ...). The snapshot itself is V8's format (`.heapsnapshot`).
 */
import { openInspector } from './inspector-session';

/** Count and bytes (self size) of one kind of object. */
export interface HeapKind {
  count: number;
  bytes: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: unknown[] } };
  nodes: number[];
  strings: string[];
}

/** Pure: a snapshot's objects summed by `<type> <name>` (the constructor's name for objects). */
export function summarizeSnapshot(raw: string | Snapshot): Map<string, HeapKind> {
  const s: Snapshot = typeof raw === 'string' ? JSON.parse(raw) : raw;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0] as string[];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const kinds = new Map<string, HeapKind>();
  for (let i = 0; i + width <= s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt] as number] ?? '?';
    // Strings and numbers are named by their value: sum them by type alone.
    const name =
      type === 'object' || type === 'closure' || type === 'native' ? s.strings[s.nodes[i + nameAt] as number] : '';
    const key = name ? `${type} ${name}` : type;
    const kind = kinds.get(key) ?? { count: 0, bytes: 0 };
    kind.count++;
    kind.bytes += s.nodes[i + sizeAt] as number;
    kinds.set(key, kind);
  }
  return kinds;
}

/**
 * The kind V8's heap snapshots give compiled code and what compiling keeps beside it: bytecode, instruction streams
 * and their metadata, feedback vectors and cells, allocation sites, inline-cache handlers, scope infos, uncompiled
 * function data (`HeapEntry::kCode`, V8's `V8HeapExplorer::GetSystemEntryType`). It is summed by type alone.
 */
export const compiledCodeKind = 'code';

/**
 * Pure: a snapshot's bytes (self sizes, array buffers' backing stores included), all of them and without V8's
 * compiled code. What is left is what a program's objects hold: a leak of ours (entries piling up in a Map, strings,
 * closures, contexts, array buffers) lands there. Compiled code is not ours to hold or leak where code cannot be
 * made at run time (workerd refuses `eval` and `new Function`): V8 compiles and optimises the bundle's functions
 * as they get hot, so it grows as paths warm up and is bounded by the bundle.
 */
export function heapBytes(kinds: ReadonlyMap<string, HeapKind>): { total: number; code: number; withoutCode: number } {
  let total = 0;
  for (const kind of kinds.values()) total += kind.bytes;
  const code = kinds.get(compiledCodeKind)?.bytes ?? 0;
  return { total, code, withoutCode: total - code };
}

/** Pure: the kinds that grew most in bytes from `before` to `after`, largest first. */
export function heapGrowth(
  before: ReadonlyMap<string, HeapKind>,
  after: ReadonlyMap<string, HeapKind>,
  top = 12,
): { kind: string; count: number; countDelta: number; bytes: number; bytesDelta: number }[] {
  return [...after]
    .map(([kind, a]) => {
      const b = before.get(kind) ?? { count: 0, bytes: 0 };
      return { kind, count: a.count, countDelta: a.count - b.count, bytes: a.bytes, bytesDelta: a.bytes - b.bytes };
    })
    .sort((x, y) => y.bytesDelta - x.bytesDelta)
    .slice(0, top);
}

/** A heap snapshot of the inspector target at `webSocketUrl`, after a full collection; the raw JSON text. */
export async function takeHeapSnapshot(webSocketUrl: string, timeoutMs = 60_000): Promise<string> {
  const session = await openInspector(webSocketUrl, timeoutMs, { maxPayload: 1 << 30 });
  try {
    const chunks: string[] = [];
    session.onEvent((method, params) => {
      if (method === 'HeapProfiler.addHeapSnapshotChunk')
        chunks.push(typeof params.chunk === 'string' ? params.chunk : '');
    });
    await session.call('HeapProfiler.collectGarbage');
    await session.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    return chunks.join('');
  } finally {
    session.close();
  }
}
