// The planner: splits a graph into passes (reductions first, deepest first;
// then the element-wise pass), chooses each pass's chunk grid from the
// sources' own chunks, and projects the peak memory of each pass before
// anything is read (DESIGN.md, contract 5).

import { type DTypeInfo, DTYPES } from "../core/dtype.ts";
import { MemoryBudgetError } from "../core/errors.ts";
import { formatBytes } from "../core/errors.ts";
import { reducer } from "../core/reduce.ts";
import { projectAxis } from "../core/indexer.ts";
import { ChunkGrid } from "./_grid.ts";
import {
  children,
  type MapNode,
  type Node,
  reduceDepth,
  type ReduceNode,
  type SourceNode,
  topoOrder,
} from "./_graph.ts";
import { rootLevel } from "../dist/tree_reduce.ts";
import { BLOCK_TARGET, defaultChunks } from "./_sources.ts";
import { CfSource } from "./_cf.ts";
import { RandomSource } from "./_random_source.ts";
import { TRANSCEND_OPS } from "../core/wasm.ts";
import { nodeId } from "./_block_ops.ts";

export { nodeId };

/** How one axis of a node is indexed by the pass's block coordinates. */
export interface AxisMap {
  /** The pass axis, or null when the node's index is the constant `start`. */
  readonly out: number | null;
  readonly start: number;
  readonly step: number;
}

/** A path from the pass root to a source: how the source is indexed. */
export interface Access {
  readonly node: SourceNode;
  readonly map: readonly AxisMap[];
}

/** One pass over the data. */
export interface Pass {
  /** Shape the grid covers (the shape of the pass's roots). */
  readonly shape: readonly number[];
  /** Reductions computed by this pass (empty for the element-wise pass). */
  readonly reductions: readonly ReduceNode[];
  /** The element-wise root of the final pass, or null for a reduction pass. */
  readonly root: Node | null;
  /** The chunk grid (global chunk index = C order over its blocks). */
  grid: ChunkGrid;
  /** Every source access of the pass. */
  readonly accesses: readonly Access[];
  /** Projected peak bytes. */
  projected: number;
  /** What the projection consists of. */
  detail: string;
  /** Threads computing its blocks (this one and compute workers), as many as the budget allows. */
  threads: number;
}

/** A buffer a writer or reader holds whatever the grid: its size and what it is, for messages. */
export interface Held {
  readonly bytes: number;
  /** What it is, e.g. `one output chunk of [8192,8192] float32`. */
  readonly what: string;
}

/** What the final pass does with its blocks. */
export type Output =
  | { readonly kind: "compute" }
  | {
    readonly kind: "write";
    readonly chunks: readonly number[] | null;
    readonly itemsize: number;
    /** Buffers the writer holds however small the blocks (an HDF5 chunk and its cache). */
    readonly held?: readonly Held[];
    /**
     * Bytes the writer's chunk encodes hold (encode workers' heaps, chunks in
     * flight) for chunks of the given bytes (stream/_output.ts encodeCost),
     * counted once the output's chunks are known.
     */
    readonly encode?: (chunkBytes: number, threads?: number) => number;
    /** Called when the encodes must run in the writing thread (workers over half the budget). */
    readonly encodeInThread?: () => void;
  };

/** A plan: the passes, and the budget they were checked against. */
export interface Plan {
  readonly passes: Pass[];
  readonly budget: number;
}

/** Blocks in flight per source: the one being computed and the ones being read. */
export function inFlight(prefetch: number): number {
  return 1 + prefetch;
}

function shapeKey(s: readonly number[]): string {
  return s.join(",");
}

/** Maps every node reachable from `roots` (not crossing reductions) and collects the source accesses. */
export function walkPass(
  roots: readonly Node[],
  shape: readonly number[],
): { accesses: Access[]; nodes: Map<Node, AxisMap[][]> } {
  const accesses: Access[] = [];
  const nodes = new Map<Node, AxisMap[][]>();
  const seen = new Set<string>();
  const visit = (n: Node, map: AxisMap[]): void => {
    const key = `${nodeId(n)}|${JSON.stringify(map)}`;
    if (seen.has(key)) return;
    seen.add(key);
    const list = nodes.get(n) ?? [];
    list.push(map);
    nodes.set(n, list);
    switch (n.kind) {
      case "source":
        accesses.push({ node: n, map });
        return;
      case "reduce":
        return;
      case "map": {
        for (const c of children(n)) {
          const off = n.shape.length - c.shape.length;
          visit(
            c,
            c.shape.map((d, i) =>
              d === 1 && n.shape[i + off] !== 1 ? { out: null, start: 0, step: 1 } : map[i + off]
            ),
          );
        }
        return;
      }
      case "slice": {
        const argMap: AxisMap[] = n.arg.shape.map((_, a) => ({
          out: null,
          start: n.fixed[a] ?? 0,
          step: 1,
        }));
        n.axes.forEach((ax, k) => {
          if (ax.input === null) return;
          const m = map[k];
          argMap[ax.input] = m.out === null
            ? { out: null, start: ax.start + ax.step * m.start, step: 1 }
            : { out: m.out, start: ax.start + ax.step * m.start, step: ax.step * m.step };
        });
        visit(n.arg, argMap);
      }
    }
  };
  const identity = shape.map((_, i) => ({ out: i, start: 0, step: 1 }));
  for (const r of roots) visit(r, identity);
  return { accesses, nodes };
}

/**
 * The block edges an access implies along each pass axis (null where it
 * says nothing): where, along the pass axis, the access enters a new
 * storage chunk of its source (the indexer's projection of the strided
 * access onto the source's chunks).
 */
function accessEdges(a: Access, shape: readonly number[]): (number[] | null)[] {
  const out: (number[] | null)[] = shape.map(() => null);
  a.map.forEach((m, ax) => {
    if (m.out === null) return;
    const n = shape[m.out];
    const c = Math.max(1, a.node.chunks[ax] ?? a.node.shape[ax]);
    // read backwards, the access is the positive-step range from its last index, reversed
    const first = m.step > 0 ? m.start : m.start + m.step * (n - 1);
    const pieces = projectAxis(first, Math.abs(m.step), n, c);
    const edges = pieces.slice(1).map((p) => (m.step > 0 ? p.out : n - p.out));
    out[m.out] = edges.sort((x, y) => x - y);
  });
  return out;
}

/** Bytes a band of {@link bandGrid} grows to. */
const BAND_TARGET = 2 * BLOCK_TARGET;

/**
 * Bands of whole output chunks, for a write whose chunks are encoded on
 * workers: the output's chunks along the first axis, along the others whole
 * rows of chunks (from the last axis) as far as {@link BAND_TARGET} allows.
 * A source chunked in rows (HDF5 [256,16384] under Zarr [1024,1024] output
 * chunks) then decodes each of its chunks once instead of once per output
 * chunk column, and the writer has a band of chunks for its encode workers.
 * Null when a band is one chunk.
 *
 * @param shape The output's shape.
 * @param chunks The output's chunks.
 * @param itemsize Bytes per element.
 * @returns The band grid, or null.
 */
export function bandGrid(
  shape: readonly number[],
  chunks: readonly number[],
  itemsize: number,
): ChunkGrid | null {
  const chunk = shape.map((n, ax) => Math.max(1, Math.min(chunks[ax] ?? n, n)));
  const block = [...chunk];
  for (let ax = shape.length - 1; ax >= 1; ax--) {
    const across = Math.ceil(shape[ax] / chunk[ax]);
    const room = Math.floor(BAND_TARGET / (sizeOf(block) * itemsize));
    const take = Math.max(1, Math.min(across, room));
    block[ax] = Math.min(shape[ax], take * chunk[ax]);
    if (take < across) break;
  }
  return block.every((b, ax) => b === chunk[ax]) ? null : ChunkGrid.regular(shape, block);
}

/** The chunk grid of a pass: the coarsest source's chunks (first on ties), refined by nothing. */
export function chooseGrid(
  shape: readonly number[],
  accesses: readonly Access[],
  output: Output,
  itemsize: number,
): ChunkGrid {
  if (output.kind === "write" && output.chunks) return ChunkGrid.regular(shape, output.chunks);
  const candidates = accesses.map((a) => accessEdges(a, shape));
  if (candidates.length === 0) {
    return ChunkGrid.regular(shape, defaultChunks(shape, itemsize, BLOCK_TARGET));
  }
  let best = 0;
  let bestScore: [number, number] = [-1, -1];
  candidates.forEach((edges, i) => {
    const mapped = edges.filter((e) => e !== null).length;
    let vol = 1;
    edges.forEach((e, ax) => {
      vol *= e === null ? 1 : shape[ax] / (e.length + 1);
    });
    if (mapped > bestScore[0] || (mapped === bestScore[0] && vol > bestScore[1])) {
      best = i;
      bestScore = [mapped, vol];
    }
  });
  const edges = shape.map((_, ax) => {
    const own = candidates[best][ax];
    if (own !== null) return own;
    const other = candidates.find((c) => c[ax] !== null);
    return other ? other[ax] as number[] : [];
  });
  return new ChunkGrid(shape, edges);
}

function itemsizeOf(n: Node): number {
  return (DTYPES[n.dtype] as DTypeInfo).bytes;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Elements of a node's block for the largest block of the grid. */
function blockElements(maps: readonly AxisMap[][], grid: ChunkGrid): number {
  const mb = grid.maxBlock;
  let best = 0;
  for (const m of maps) {
    best = Math.max(
      best,
      m.reduce((a, x) => a * (x.out === null ? 1 : mb[x.out]), 1),
    );
  }
  return best;
}

/**
 * Chunks a reader decodes at once for one read (io/zarr.ts decodes up to 4
 * concurrently; libhdf5 one at a time, so this is an upper bound there).
 */
const CHUNK_READ_CONCURRENCY = 4;

/** Whether every block of `grid` covers whole storage chunks of the access's source. */
function aligned(a: Access, grid: ChunkGrid): boolean {
  const src = a.node.source;
  return a.map.every((m, ax) => {
    const n = src.shape[ax];
    const c = Math.max(1, Math.min(src.chunks[ax], n));
    if (m.out === null) return c === 1;
    if (m.step !== 1) return c === 1;
    return grid.edges[m.out].every((e) => {
      const at = m.start + e;
      return at % c === 0 || at >= n;
    });
  });
}

/**
 * What reading a block of a source holds beyond the block: a source that
 * decodes whole storage chunks (Zarr, filtered HDF5: not `splittable`) holds
 * each touched chunk's stored bytes and the decoded chunk (up to
 * {@link CHUNK_READ_CONCURRENCY} at once, for every block in flight) while
 * it extracts a part of it. Reads of whole chunks decode into the block.
 */
function chunkReads(accesses: readonly Access[], grid: ChunkGrid, prefetch: number): Held[] {
  const out: Held[] = [];
  const seen = new Set<number>();
  for (const a of accesses) {
    if (a.node.splittable || seen.has(nodeId(a.node))) continue;
    if (aligned(a, grid)) continue;
    seen.add(nodeId(a.node));
    const src = a.node.source;
    const chunk = src.chunks.map((c, ax) => Math.max(1, Math.min(c, src.shape[ax])));
    // the most chunks one block touches, axis by axis
    const touched = a.map.reduce((acc, m, ax) => {
      if (m.out === null) return acc;
      const e = grid.edges[m.out];
      let most = 1;
      for (let k = 0; k + 1 < e.length; k++) {
        if (e[k + 1] <= e[k]) continue;
        const i0 = m.start + m.step * e[k];
        const i1 = m.start + m.step * (e[k + 1] - 1);
        const lo = Math.floor(Math.min(i0, i1) / chunk[ax]);
        const hi = Math.floor(Math.max(i0, i1) / chunk[ax]);
        most = Math.max(most, hi - lo + 1);
      }
      return acc * most;
    }, 1);
    const atOnce = Math.min(touched, CHUNK_READ_CONCURRENCY);
    const reads = Math.min(inFlight(prefetch), grid.size);
    const bytes = sizeOf(chunk) * itemsizeOf(a.node);
    out.push({
      bytes: 2 * bytes * atOnce * reads,
      what: `one storage chunk [${chunk.join(",")}] ${a.node.dtype} of "${src.locator}" is ${
        formatBytes(bytes)
      }, read and decoded whole (2x, ${atOnce} at once, ${reads} block${
        reads === 1 ? "" : "s"
      } in flight) to extract part of it`,
    });
  }
  return out;
}

/** What the sources' readers hold while open (libhdf5's chunk cache, Zarr decoders). */
function readCaches(accesses: readonly Access[]): Held[] {
  const out: Held[] = [];
  const seen = new Set<unknown>();
  for (const a of accesses) {
    const src = a.node.source;
    const w = src.decodeWorkers;
    const bytes = (src.cacheBytes ?? 0) + (w?.enabled ? w.bytes : 0);
    if (bytes <= 0 || seen.has(src)) continue;
    seen.add(src);
    out.push({
      bytes,
      what: `the reader of "${src.locator}" holds ${
        formatBytes(bytes)
      } (chunk cache, decode buffers and threads)`,
    });
  }
  return out;
}

/** What the output's chunk encodes hold (known once its chunks are). */
function encodes(output: Output & { kind: "write" }): Held[] {
  if (output.encode === undefined || output.chunks === null) return [];
  const chunk = sizeOf(output.chunks) * output.itemsize;
  const bytes = output.encode(chunk);
  return bytes <= 0 ? [] : [{
    bytes,
    what: `the output's chunk encodes (workers and chunks in flight) hold ${formatBytes(bytes)}`,
  }];
}

/**
 * The output as planned: when its encode workers would take more than half
 * the budget (as decode workers, below), the writer encodes in its own
 * thread and only its chunks in flight are counted.
 */
function encodeFitted(out: Output | null, budget: number, force = false): Output | null {
  if (out?.kind !== "write" || !out.encode || !out.chunks || !out.encodeInThread) return out;
  const chunk = sizeOf(out.chunks) * out.itemsize;
  const encode = out.encode;
  if ((!force && encode(chunk) <= budget / 2) || encode(chunk, 1) >= encode(chunk)) return out;
  out.encodeInThread();
  return { ...out, encode: (c) => encode(c, 1) };
}

/** The largest of the named parts of a projection, for messages. */
function dominant(parts: readonly Held[]): string {
  let best: Held | null = null;
  for (const p of parts) if (best === null || p.bytes > best.bytes) best = p;
  return best === null ? "" : best.what;
}

/**
 * Projected peak bytes of a pass over `grid`: source blocks in flight
 * (x `1 + prefetch`), one reused buffer per element-wise node (plus a cast
 * temporary where an operand's dtype differs), per reduction its merge-tree
 * states (depth + 2) and result, the earlier results it reads, and the output.
 */
export function project(
  pass: Pass,
  grid: ChunkGrid,
  nodes: Map<Node, AxisMap[][]>,
  values: readonly ReduceNode[],
  output: Output | null,
  prefetch: number,
): {
  bytes: number;
  detail: string;
  dominant: string;
  dominantFixed: string;
  fixed: number;
  perThread: number;
  outBlock: number;
} {
  let input = 0;
  let temps = 0;
  let reads = 0;
  for (const [n, maps] of nodes) {
    const el = blockElements(maps, grid);
    if (n.kind === "source") {
      // a CF-decoded source also holds the stored values of each block read
      const stored = n.source instanceof CfSource ? DTYPES[n.source.raw.dtype].bytes : 0;
      input += el * (itemsizeOf(n) + stored);
      reads++;
    } else if (n.kind === "map") {
      const cast = (n as MapNode).args.some((a) =>
        typeof a === "object" && a !== null && a.dtype !== n.dtype
      );
      temps += el * (itemsizeOf(n) + (cast ? 8 : 0));
    }
  }
  const inBytes = input * inFlight(prefetch);
  let states = 0;
  for (const r of pass.reductions) {
    const red = reducer(r.name, r.arg.dtype, r.arg.shape, r.options);
    const stateBytes = red.slots *
      red.fields.reduce((a, f) => a + (f.dtype === "uint8" ? 1 : 8), 0);
    const scratch = DTYPES[r.arg.dtype].big ? grid.maxBlockElements * 8 : 0;
    states += stateBytes * (rootLevel(grid.size) + 2) + sizeOf(r.shape) * itemsizeOf(r) + scratch;
  }
  const held = values.reduce((a, v) => a + sizeOf(v.shape) * itemsizeOf(v), 0);
  let out = 0;
  if (output && pass.root) {
    out = output.kind === "compute"
      ? sizeOf(pass.root.shape) * itemsizeOf(pass.root)
      : grid.maxBlockElements * output.itemsize;
  }
  const fixed = [
    ...chunkReads(pass.accesses, grid, prefetch),
    ...readCaches(pass.accesses),
    ...(output?.kind === "write" && pass.root ? output.held ?? [] : []),
    ...(output?.kind === "write" && pass.root ? encodes(output) : []),
  ];
  const fixedBytes = fixed.reduce((a, h) => a + h.bytes, 0);
  const bytes = inBytes + temps + states + held + out + fixedBytes;
  const named: Held[] = [
    {
      bytes: inBytes,
      what: `${reads} source block${reads === 1 ? "" : "s"} of up to [${
        grid.maxBlock.join(",")
      }] x ${inFlight(prefetch)} in flight are ${formatBytes(inBytes)}`,
    },
    { bytes: temps, what: `element-wise buffers are ${formatBytes(temps)}` },
    { bytes: states, what: `reduction states are ${formatBytes(states)}` },
    { bytes: held, what: `earlier results are ${formatBytes(held)}` },
    {
      bytes: out,
      what: output?.kind === "compute"
        ? `the result is ${formatBytes(out)}`
        : `one output block is ${formatBytes(out)}`,
    },
    ...fixed,
  ];
  const parts = [
    `${reads} source block${reads === 1 ? "" : "s"} x ${inFlight(prefetch)} in flight ${
      formatBytes(inBytes)
    }`,
    `element-wise buffers ${formatBytes(temps)}`,
  ];
  if (states) parts.push(`reduction states ${formatBytes(states)}`);
  if (held) parts.push(`earlier results ${formatBytes(held)}`);
  if (out) {
    parts.push(
      output?.kind === "compute"
        ? `result ${formatBytes(out)}`
        : `output block ${formatBytes(out)}`,
    );
  }
  for (const h of fixed) parts.push(h.what);
  // each more thread: a worker's heap, the blocks in flight for it (stream/_parallel.ts: 2
  // queued on it and 1 read ahead, of every source and of the map root in map passes), its
  // element-wise buffers and one reduction state
  let oneState = 0;
  for (const r of pass.reductions) {
    const red = reducer(r.name, r.arg.dtype, r.arg.shape, r.options);
    oneState += red.slots * red.fields.reduce((a, f) => a + (f.dtype === "uint8" ? 1 : 8), 0);
  }
  const outBlock = pass.root ? grid.maxBlockElements * itemsizeOf(pass.root) : 0;
  // a worker copies its inputs into its WebAssembly arena and evaluates them piece by piece
  // where the reduction pass is split in cache pieces (stream/_exec.ts cachePieces)
  const pieces = pass.root === null && pass.accesses.every((a) => a.node.splittable);
  const blockBytes = grid.maxBlockElements *
    Math.max(8, ...pass.reductions.map((r) => itemsizeOf(r.arg)));
  const share = pieces ? Math.min(1, PIECE_BYTES / Math.max(1, blockBytes)) : 1;
  // workers that read their own blocks (selfRead) hold no shared input blocks: only their
  // arena's pieces, and the decode buffers of the sources they opened (a Zarr array's)
  const own = selfRead(nodes.keys());
  const shared = own ? 0 : input;
  const decoders = own
    ? [...new Set(pass.accesses.map((a) => a.node.source))]
      .reduce((n, src) => n + (src.cacheBytes ?? 0), 0)
    : 0;
  const perThread = COMPUTE_WORKER_HEAP + 3 * (shared + outBlock) + (temps + input) * share +
    oneState + decoders;
  return {
    perThread,
    outBlock,
    bytes,
    detail: `${grid.describe()}: ${parts.join(" + ")}`,
    dominant: dominant(named),
    dominantFixed: dominant(fixed),
    fixed: fixedBytes,
  };
}

/** Target size of the pieces a reduction pass reads (and a compute worker evaluates) at a time. */
export const PIECE_BYTES = 4 << 20;

/**
 * What one compute worker (stream/_compute_worker.ts) holds beyond its
 * blocks: measured as the RSS a std(exp(sin(x))) over 64 KiB blocks gained
 * with 2 and 3 threads over 1 (23 and 41 MiB: about 21 MiB a worker).
 */
export const COMPUTE_WORKER_HEAP = 22 << 20;

const HEAVY_OPS = new Set<string>([...TRANSCEND_OPS, "power", "float_power", "arctan2"]);

/**
 * Whether a pass is worth compute workers by default: it generates random
 * data or evaluates transcendental functions or powers, or it is a reduction
 * whose workers read their own blocks ({@link selfRead}: two threads each
 * reading half of a 2 GiB .npy from the page cache took 0.21 s, one
 * 0.37-0.45 s). Other passes are bound by reading (measured: a 2 GiB .npy sum
 * over axis 0 took 1.1 s with a worker that this thread read every block for,
 * against 0.55 s in one thread), and their decode workers still run in
 * parallel; a cheap map written by this thread gains nothing from workers
 * that read (a .npy -> Zarr convert spent more CPU with them, beside its
 * encode workers).
 */
function computeBound(nodes: Iterable<Node>, reduces: boolean): boolean {
  const list = [...nodes];
  for (const n of list) {
    if (n.kind === "map" && HEAVY_OPS.has(n.op)) return true;
    if (n.kind === "source" && n.source instanceof RandomSource) return true;
  }
  return reduces && selfRead(list);
}

/**
 * Whether the compute workers of a pass read every source themselves (as
 * stream/_wire.ts encodes it): each source random or one a worker opens
 * (ArraySource.workerSpec, a .npy file or a Zarr array on the fast path) in
 * its own dtype, and no complex or float16 value (which keeps a pass on this
 * thread). A Zarr array's chunks are then decoded by the threads that reduce
 * them, its decode workers paused (a 2 GiB Blosc-LZ4 sum over axis 0, medians
 * of 5 on this loaded VM: 1.28 s on 2 such threads, 1.43 s on 1, 1.61 s with
 * the decode workers beside this thread).
 */
function selfRead(nodes: Iterable<Node>): boolean {
  let any = false;
  for (const n of nodes) {
    if (DTYPES[n.dtype].kind === "c" || n.dtype === "float16") return false;
    if (n.kind !== "source") continue;
    any = true;
    if (n.source instanceof RandomSource) continue;
    if (n.source.dtype !== n.dtype || !n.source.workerSpec?.()) return false;
  }
  return any;
}

/** Options of {@link makePlan}. */
export interface PlanOptions {
  readonly budget: number;
  readonly prefetch: number;
  /** Threads asked for (default 1); each pass gets as many as fit the budget. */
  readonly threads?: number;
  /**
   * Whether `threads` was asked for by the run's `threads` option: then every
   * pass uses them (where they fit). Otherwise (the default count) only
   * compute-bound passes do (see {@link computeBound}).
   */
  readonly threadsAsked?: boolean;
}

/**
 * Plans a run of `root`: one pass per level of nested reductions (those of
 * a level sharing a shape share a pass), then the element-wise pass unless
 * the root is a reduction. Each grid follows the sources' chunks and is
 * split along its leading axes (only where every source reads sub-blocks
 * cheaply) until the projection fits the budget.
 *
 * @throws {MemoryBudgetError} When a pass cannot fit.
 */
export function makePlan(root: Node, output: Output, options: PlanOptions): Plan {
  const order = topoOrder(root);
  const memo = new Map<Node, number>();
  const reductions = order.filter((n): n is ReduceNode => n.kind === "reduce");
  const levels = new Map<number, ReduceNode[]>();
  for (const r of reductions) {
    const d = reduceDepth(r, memo);
    levels.set(d, [...(levels.get(d) ?? []), r]);
  }
  const passes: Pass[] = [];
  const done: ReduceNode[] = [];
  const sorted = [...levels.keys()].sort((a, b) => a - b);
  const groups: { shape: readonly number[]; reductions: ReduceNode[]; root: Node | null }[] = [];
  for (const lvl of sorted) {
    const byShape = new Map<string, ReduceNode[]>();
    for (const r of levels.get(lvl)!) {
      const k = shapeKey(r.arg.shape);
      byShape.set(k, [...(byShape.get(k) ?? []), r]);
    }
    for (const rs of byShape.values()) {
      groups.push({ shape: rs[0].arg.shape, reductions: rs, root: null });
    }
  }
  if (root.kind !== "reduce") groups.push({ shape: root.shape, reductions: [], root });
  for (const g of groups) {
    const roots = g.root ? [g.root] : g.reductions.map((r) => r.arg);
    const { accesses, nodes } = walkPass(roots, g.shape);
    const usedValues = [...done];
    const isLast = g.root !== null;
    let out = isLast && g.root ? encodeFitted(output, options.budget) : isLast ? output : null;
    const itemsize = Math.max(1, ...roots.map(itemsizeOf));
    let grid = chooseGrid(g.shape, accesses, out ?? { kind: "compute" }, itemsize);
    const band = out?.kind === "write" && out.chunks && out.encode
      ? bandGrid(g.shape, out.chunks, out.itemsize)
      : null;
    const pass: Pass = {
      shape: g.shape,
      reductions: g.reductions,
      root: g.root,
      grid,
      accesses,
      projected: 0,
      detail: "",
      threads: 1,
    };
    const splittable = accesses.every((a) => a.node.splittable) &&
      !(out?.kind === "write" && out.chunks);
    // decode threads are worth at most half the budget: beyond, the readers decode in this thread
    for (const a of accesses) {
      const w = a.node.source.decodeWorkers;
      if (w?.enabled && w.bytes > options.budget / 2) w.disable();
    }
    // bands when a source decodes whole storage chunks that the output's chunks cut (each read
    // again for every block) and the bands cover whole; where they fit once the decode workers
    // give way (as below): decoding each source chunk once saves more than the decode threads.
    // Bands too when every source reads any region (a .npy: a band of whole rows is one read
    // where a block is a read per row), with the encode workers writing the chunks: 2 GiB
    // npy -> Zarr LZ4 7.2 against 10.0 CPU s; read by the compute workers, 10.6-12.7 against
    // 13.5-14.6 CPU s, peak RSS 790 against 360 MiB (in budget)
    const cut = band !== null && accesses.some((a) => !a.node.splittable && !aligned(a, grid)) &&
      accesses.every((a) => a.node.splittable || aligned(a, band));
    const whole = band !== null && accesses.length > 0 && accesses.every((a) => a.node.splittable);
    if (band !== null && (cut || whole)) {
      const pb = project(pass, band, nodes, usedValues, out, options.prefetch);
      const workers = new Set(accesses.map((a) => a.node.source.decodeWorkers));
      const decode = [...workers].reduce((n, w) => n + (w?.enabled ? w.bytes : 0), 0);
      if (pb.bytes - decode <= options.budget) grid = band;
    }
    let p = project(pass, grid, nodes, usedValues, out, options.prefetch);
    // over the budget: the decode workers, then the encode workers give way (their work is
    // done in this thread) before anything is refused
    const withoutWorkers = (): void => {
      if (p.bytes <= options.budget) return;
      for (const a of accesses) {
        const w = a.node.source.decodeWorkers;
        if (w?.enabled) w.disable();
      }
      p = project(pass, grid, nodes, usedValues, out, options.prefetch);
      if (p.bytes <= options.budget || !g.root) return;
      out = encodeFitted(out, options.budget, true);
      p = project(pass, grid, nodes, usedValues, out, options.prefetch);
    };
    if (p.fixed > options.budget) withoutWorkers();
    if (out?.kind === "compute" && g.root) {
      const resultBytes = sizeOf(g.root.shape) * itemsizeOf(g.root);
      if (resultBytes > options.budget) {
        throw new MemoryBudgetError(
          resultBytes,
          options.budget,
          `the result alone (shape [${
            g.root.shape.join(",")
          }], ${g.root.dtype}) does not fit; write it with to() instead`,
        );
      }
    }
    // buffers held whatever the grid (whole storage chunks) cannot be split away
    if (p.fixed > options.budget) {
      throw new MemoryBudgetError(
        p.bytes,
        options.budget,
        `${p.dominantFixed}, more than the budget whatever the blocks; pass ${
          passes.length + 1
        } of shape [${g.shape.join(",")}] over ${p.detail}`,
      );
    }
    while (p.bytes > options.budget && splittable) {
      const mb = grid.maxBlock;
      const axis = mb.findIndex((b) => b > 1);
      const finer = axis < 0 ? null : grid.split(axis);
      if (finer === null) break;
      grid = finer;
      p = project(pass, grid, nodes, usedValues, out, options.prefetch);
    }
    withoutWorkers();
    if (p.bytes > options.budget) {
      throw new MemoryBudgetError(
        p.bytes,
        options.budget,
        `${p.dominant}; pass ${passes.length + 1} of shape [${g.shape.join(",")}] over ${p.detail}${
          splittable ? "" : " (storage chunks cannot be split further without reading them twice)"
        }`,
      );
    }
    pass.grid = grid;
    // the grid does not depend on the threads (nor then the bits); the threads fit around it
    const asked = options.threadsAsked || computeBound(nodes.keys(), g.root === null)
      ? Math.min(options.threads ?? 1, grid.size)
      : 1;
    let threads = asked;
    // with workers, the blocks computed here and read ahead also get a shared map output
    const extra = (t: number): number =>
      t > 1 ? (t - 1) * p.perThread + inFlight(options.prefetch) * p.outBlock : 0;
    while (threads > 1 && p.bytes + extra(threads) > options.budget) threads--;
    pass.threads = threads;
    pass.projected = p.bytes + extra(threads);
    pass.detail = p.detail + (
      threads > 1
        ? ` + ${threads - 1} compute worker${threads > 2 ? "s" : ""} x ${formatBytes(p.perThread)}`
        : ""
    ) + (threads < asked ? ` (${threads} of ${asked} threads fit the budget)` : "");
    passes.push(pass);
    done.push(...g.reductions);
  }
  return { passes, budget: options.budget };
}
