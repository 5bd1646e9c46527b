// The executor: runs a plan pass by pass. Each rank takes a contiguous range
// of the global chunk indices, reads its blocks straight from the sources
// (the next block is read while the current one is computed), evaluates the
// fused element-wise graph into buffers reused from block to block, folds
// reductions into a merge tree keyed on the chunk index, and writes output
// blocks to a temporary that is renamed once every rank has finished.

import { type DType, DTYPES, type Scalar } from "../core/dtype.ts";
import { copyInto, empty, NDArray } from "../core/ndarray.ts";
import { type Reducer, reducer, type ReduceState } from "../core/reduce.ts";
import { compileMap, type MapExpr, type MapKernel, TRANSCEND_OPS } from "../core/wasm.ts";
import type { Comm } from "../dist/comm.ts";
import { describeRegion, type Region } from "../io/region.ts";
import { HDF5_CHUNK_CACHE_BYTES, memoryBudget } from "./budget.ts";
import { formatBytes } from "../core/errors.ts";
import { extentProblem } from "../core/limits.ts";
import { formatOf } from "../io/formats.ts";
import { parseLocator } from "../io/locator.ts";
import {
  applyMap,
  broadcastRegion,
  type MapNode,
  type Node,
  type ReduceNode,
  sliceBlock,
  sliceRegion,
  type SourceNode,
} from "./_graph.ts";
import { type Held, makePlan, nodeId, type Output, type Pass, type Plan } from "./_plan.ts";
import { ChunkGrid, rankRange } from "./_grid.ts";
import { TreeAccumulator, treeCombine } from "../dist/tree_reduce.ts";
import { BufferPool } from "./_buffers.ts";
import { outputMetadata, packableSource, sourceStorage } from "./_meta.ts";
import { packBlock, packingOf } from "./_pack.ts";
import { type OutputTarget, prepareOutput } from "./_output.ts";
import type { RunOptions, TargetOptions, WriteOptions } from "./options.ts";

async function worldOf(options: RunOptions): Promise<Comm> {
  if (options.comm) return options.comm;
  const { init } = await import("../dist/comm.ts");
  return await init();
}

function prefetchOf(options: RunOptions): number {
  const p = options.prefetch ?? 1;
  if (!Number.isInteger(p) || p < 0 || p > 8) {
    throw new RangeError(`Invalid prefetch ${p}: expected an integer from 0 to 8`);
  }
  return p;
}

/** Plans a run without reading anything. */
export function planRun(root: Node, output: Output, options: RunOptions): Plan {
  return makePlan(root, output, {
    budget: memoryBudget(options.memory),
    prefetch: prefetchOf(options),
  });
}

/**
 * Agrees on a plan: rank 0's grids are used by every rank (so a budget that
 * differs between hosts cannot split the grid differently), and a planning
 * error on rank 0 is raised on every rank.
 */
function agreePlan(comm: Comm, make: () => Plan): Plan {
  let plan: Plan | null = null;
  let error: unknown = null;
  try {
    plan = make();
  } catch (e) {
    error = e;
  }
  if (comm.size === 1) {
    if (error) throw error;
    return plan as Plan;
  }
  const root = comm.bcastJson(
    error ? { error: String((error as Error)?.message ?? error) } : {
      edges: plan!.passes.map((p) => p.grid.edges),
    },
  );
  if ("error" in root) {
    if (error) throw error;
    throw new Error(`Planning failed on rank 0: ${root.error}`);
  }
  if (error) throw error;
  plan!.passes.forEach((p, i) => {
    p.grid = new ChunkGrid(p.shape, root.edges[i]);
  });
  return plan as Plan;
}

// ---------------------------------------------------------------------------
// block evaluation

const FUSE_BIN: Readonly<Record<string, "add" | "sub" | "mul" | "div">> = {
  add: "add",
  subtract: "sub",
  multiply: "mul",
  divide: "div",
  "true_divide": "div",
};
const FUSE_UN: Readonly<Record<string, "neg" | "abs" | "sqrt">> = {
  negative: "neg",
  absolute: "abs",
  abs: "abs",
  sqrt: "sqrt",
};

/** The SIMD kernels of core/_wasm/transcend.ts, inlined (float32: computed in float64). */
const FUSE_TR = new Set<string>(TRANSCEND_OPS);

interface Fused {
  readonly kernel: MapKernel;
  readonly inputs: readonly Node[];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A fused WebAssembly kernel for a float32/float64 subtree, or null. */
function fuse(root: MapNode): Fused | null {
  const d = root.dtype;
  if (d !== "float32" && d !== "float64") return null;
  const inputs: Node[] = [];
  let ops = 0;
  const build = (n: Node, top: boolean): MapExpr | null => {
    if (
      n.kind === "map" && n.dtype === d &&
      (FUSE_BIN[n.op] || FUSE_UN[n.op] || n.op === "square" || FUSE_TR.has(n.op))
    ) {
      const args: MapExpr[] = [];
      for (const a of n.args) {
        if (typeof a === "number") args.push({ op: "const", value: a });
        else if (a !== null && typeof a === "object") {
          const sub = build(a, false);
          if (sub === null) return null;
          args.push(sub);
        } else return null;
      }
      ops += FUSE_TR.has(n.op) ? 2 : 1; // one transcendental op is worth a kernel alone
      if (FUSE_BIN[n.op]) return { op: FUSE_BIN[n.op], a: args[0], b: args[1] };
      if (n.op === "square") return { op: "mul", a: args[0], b: args[0] };
      if (FUSE_TR.has(n.op)) return { op: n.op, arg: args[0] } as MapExpr;
      return { op: FUSE_UN[n.op], arg: args[0] };
    }
    if (top) return null;
    if (n.dtype !== d || !sameShape(n.shape, root.shape)) return null;
    let k = inputs.indexOf(n);
    if (k < 0) k = inputs.push(n) - 1;
    return { op: "input", index: k };
  };
  const expr = build(root, true);
  if (expr === null || ops < 2 || inputs.length === 0) return null;
  const kernel = compileMap(expr, d);
  return kernel ? { kernel, inputs } : null;
}

function regionKey(n: Node, r: Region): string {
  return `${nodeId(n)}@${describeRegion(r)}`;
}

function sizeOfShape(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/** Evaluates the nodes of one pass on its blocks, with buffers reused between blocks. */
class BlockEvaluator {
  readonly #values: Map<ReduceNode, NDArray>;
  readonly #fused = new Map<MapNode, Fused | null>();
  readonly #buffers = new Map<string, NDArray>();
  #memo = new Map<string, NDArray | Scalar>();
  #uses = new Map<number, number>();

  constructor(values: Map<ReduceNode, NDArray>) {
    this.#values = values;
  }

  /** The source reads block `r` of `roots` needs (keyed, deduplicated). */
  reads(roots: readonly Node[], r: Region): Map<string, { node: SourceNode; region: Region }> {
    const out = new Map<string, { node: SourceNode; region: Region }>();
    const visit = (n: Node, reg: Region): void => {
      switch (n.kind) {
        case "source":
          out.set(regionKey(n, reg), { node: n, region: reg });
          return;
        case "reduce":
          return;
        case "slice":
          visit(n.arg, sliceRegion(n, reg).region);
          return;
        case "map":
          for (const a of n.args) {
            if (a !== null && typeof a === "object") {
              visit(a, broadcastRegion(n.shape, a.shape, reg));
            }
          }
      }
    };
    for (const root of roots) visit(root, r);
    return out;
  }

  /** Starts a new block: forgets the memoised results of the last one. */
  begin(): void {
    this.#memo = new Map();
    this.#uses = new Map();
  }

  #buffer(n: MapNode, shape: readonly number[]): NDArray {
    const id = nodeId(n);
    const use = this.#uses.get(id) ?? 0;
    this.#uses.set(id, use + 1);
    const key = `${id}#${use}`;
    const need = sizeOfShape(shape);
    let buf = this.#buffers.get(key);
    if (!buf || buf.size < need) {
      buf = empty([Math.max(need, 1)], n.dtype);
      this.#buffers.set(key, buf);
    }
    return new NDArray(n.dtype, buf.data, shape);
  }

  /** The value of node `n` on region `r`, given the blocks read. */
  eval(n: Node, r: Region, blocks: Map<string, NDArray>): NDArray {
    const key = regionKey(n, r);
    const m = this.#memo.get(key);
    if (m !== undefined) return m as NDArray;
    const v = this.#eval(n, r, blocks);
    this.#memo.set(key, v);
    return v;
  }

  #eval(n: Node, r: Region, blocks: Map<string, NDArray>): NDArray {
    switch (n.kind) {
      case "source": {
        const b = blocks.get(regionKey(n, r));
        if (!b) {
          throw new Error(`Internal error: block ${describeRegion(r)} of a source was not read`);
        }
        return b;
      }
      case "reduce": {
        const v = this.#values.get(n);
        if (!v) throw new Error("Internal error: a reduction was used before it was computed");
        if (v.ndim === 0) return v;
        return v.slice(
          ...r.start.map((s, i) => ({
            start: s,
            stop: s + r.count[i] * r.step[i],
            step: r.step[i],
          })),
        );
      }
      case "slice": {
        const { region, reverse } = sliceRegion(n, r);
        return sliceBlock(n, this.eval(n.arg, region, blocks), reverse);
      }
      case "map": {
        let f = this.#fused.get(n);
        if (f === undefined) this.#fused.set(n, f = fuse(n));
        const out = this.#buffer(n, r.count);
        if (f) {
          const k = out.size;
          const ins = f.inputs.map((x) =>
            this.eval(x, broadcastRegion(n.shape, x.shape, r), blocks)
          );
          if (ins.every((a) => a.isContiguous && a.size === k)) {
            const data = (a: NDArray): Float32Array | Float64Array =>
              (a.data as Float32Array | Float64Array).subarray(a.offset, a.offset + k);
            f.kernel.run(data(out), ins.map(data));
            return out;
          }
        }
        const args = n.args.map((a) =>
          a !== null && typeof a === "object"
            ? this.eval(a, broadcastRegion(n.shape, a.shape, r), blocks)
            : a
        );
        return applyMap(n.op, n.dtype, args, out);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// running

interface Ctx {
  readonly comm: Comm;
  readonly plan: Plan;
  readonly options: RunOptions;
  readonly values: Map<ReduceNode, NDArray>;
}

async function readBlocks(
  reads: Map<string, { node: SourceNode; region: Region }>,
  pool: BufferPool,
  slot: number,
): Promise<{ blocks: Map<string, NDArray>; bytes: number }> {
  const blocks = new Map<string, NDArray>();
  let bytes = 0;
  await Promise.all(
    [...reads].map(async ([k, { node, region }], ordinal) => {
      const src = node.source;
      let b: NDArray;
      if (src.readInto && !src.fortranOrder) {
        // into a buffer (in the wasm arena) reused every `inFlight` blocks
        const out = pool.array(`${ordinal}:${slot}`, src.dtype, region.count);
        b = await (src.readIntoAsync ? src.readIntoAsync(region, out) : src.readInto(region, out));
      } else b = await src.read(region);
      blocks.set(k, b);
      bytes += b.size * DTYPES[b.dtype].bytes;
    }),
  );
  return { blocks, bytes };
}

function readBytes(reads: Map<string, { node: SourceNode; region: Region }>): number {
  let n = 0;
  for (const { node, region } of reads.values()) {
    n += sizeOfShape(region.count) * DTYPES[node.dtype].bytes;
  }
  return n;
}

/**
 * Runs the blocks `[lo, hi)` of a pass: reads block i+1 while block i is
 * computed, and hands each computed block to `use`.
 */
async function runBlocks(
  ctx: Ctx,
  passIndex: number,
  lo: number,
  hi: number,
  use: (
    i: number,
    region: Region,
    ev: BlockEvaluator,
    blocks: Map<string, NDArray>,
  ) => Promise<void> | void,
  split?: (region: Region) => Region[],
): Promise<void> {
  const pass = ctx.plan.passes[passIndex];
  const roots = pass.root ? [pass.root] : pass.reductions.map((r) => r.arg);
  const ev = new BlockEvaluator(ctx.values);
  const prefetch = prefetchOf(ctx.options);
  const grid = pass.grid;
  // the work items: each block, or the cache-sized pieces of each block
  const items: { i: number; region: Region; last: boolean }[] = [];
  for (let i = lo; i < hi; i++) {
    const parts = split ? split(grid.region(i)) : [grid.region(i)];
    parts.forEach((region, k) => items.push({ i, region, last: k === parts.length - 1 }));
  }
  let total = 0;
  if (ctx.options.onProgress) {
    for (let i = lo; i < hi; i++) total += readBytes(ev.reads(roots, grid.region(i)));
  }
  const pending: Promise<{ blocks: Map<string, NDArray>; bytes: number }>[] = [];
  const pool = new BufferPool();
  let next = 0;
  // items k .. k + prefetch are in flight while item k is used: each has its own buffers
  const launch = (k: number): void => {
    while (next < items.length && next <= k + prefetch) {
      const p = readBlocks(ev.reads(roots, items[next].region), pool, next % (prefetch + 1));
      p.catch(() => {}); // awaited in order below; avoid an unhandled rejection meanwhile
      pending.push(p);
      next++;
    }
  };
  let done = 0;
  let bytesDone = 0;
  try {
    for (let k = 0; k < items.length; k++) {
      launch(k);
      const { blocks, bytes } = await pending.shift()!;
      const { i, region, last } = items[k];
      ev.begin();
      await use(i, region, ev, blocks);
      bytesDone += bytes;
      if (!last) continue;
      done++;
      ctx.options.onProgress?.({
        pass: passIndex + 1,
        passes: ctx.plan.passes.length,
        chunksDone: done,
        chunks: hi - lo,
        bytesDone,
        bytes: total,
      });
    }
  } finally {
    await Promise.allSettled(pending);
    pool.release();
  }
}

/**
 * Splits a block region into pieces of about {@link PIECE_BYTES} along its
 * first axis longer than one, so a reduction reads and reduces each piece
 * while it is still in cache (reading 32 MiB then reducing it moves every
 * byte through memory twice; 4 MiB pieces measured 2x faster here). The
 * split depends only on the region, never on the rank count.
 */
function cachePieces(region: Region, itemBytes: number): Region[] {
  const ax = region.count.findIndex((c) => c > 1);
  if (ax < 0) return [region];
  let rowBytes = itemBytes;
  for (let a = ax + 1; a < region.count.length; a++) rowBytes *= region.count[a];
  const rows = Math.max(1, Math.floor(PIECE_BYTES / rowBytes));
  if (rows >= region.count[ax]) return [region];
  const out: Region[] = [];
  for (let r = 0; r < region.count[ax]; r += rows) {
    const start = [...region.start];
    const count = [...region.count];
    start[ax] = region.start[ax] + r * region.step[ax];
    count[ax] = Math.min(rows, region.count[ax] - r);
    out.push({ start, step: region.step, count });
  }
  return out;
}

/** Target size of the pieces a reduction pass reads at a time. */
const PIECE_BYTES = 4 << 20;

/**
 * Agrees across ranks whether the local work of a step succeeded: a failure
 * on any rank is raised on every rank (the failing rank raises its own
 * error), so no rank waits in a collective that another never reaches.
 */
function agree(comm: Comm, error: unknown): void {
  if (comm.size === 1) {
    if (error !== null) throw error;
    return;
  }
  const all = comm.allgatherJson(
    error === null ? null : String((error as Error)?.message ?? error),
  );
  if (error !== null) throw error;
  const bad = all.findIndex((m) => m !== null);
  if (bad >= 0) throw new Error(`Rank ${bad} failed: ${all[bad]}`);
}

async function reducePass(ctx: Ctx, passIndex: number): Promise<void> {
  const pass = ctx.plan.passes[passIndex];
  const n = pass.grid.size;
  const [lo, hi] = rankRange(n, ctx.comm.size, ctx.comm.rank);
  const reducers: Reducer[] = pass.reductions.map((r) =>
    reducer(r.name, r.arg.dtype, r.arg.shape, r.options)
  );
  const mergers = reducers.map((r) => new TreeAccumulator(r, n));
  let error: unknown = null;
  try {
    // one state per block, stepped piece by piece, pushed when the block is done
    let current = -1;
    let states: ReduceState[] = [];
    const flush = (): void => {
      if (current >= 0) states.forEach((s, k) => mergers[k].push(current, s));
    };
    // pieces only where sub-blocks are cheap to read (.npy, memory, random,
    // contiguous HDF5): a piece of a Zarr or chunked HDF5 block would decode
    // whole storage chunks again for every piece
    const splittable = pass.accesses.every((a) => a.node.splittable);
    const itemBytes = Math.max(
      8,
      ...pass.reductions.map((rn) => DTYPES[rn.arg.dtype].bytes),
    );
    await runBlocks(ctx, passIndex, lo, hi, (i, region, ev, blocks) => {
      if (i !== current) {
        flush();
        current = i;
        states = reducers.map((r) => r.init());
      }
      pass.reductions.forEach((rn, k) => {
        const block = ev.eval(rn.arg, region, blocks);
        reducers[k].step(states[k], block, region.start);
      });
    }, splittable ? (region) => cachePieces(region, itemBytes) : undefined);
    flush();
  } catch (e) {
    error = e;
  }
  agree(ctx.comm, error);
  pass.reductions.forEach((rn, k) => {
    const state = treeCombine(ctx.comm, reducers[k], mergers[k].nodes(), n);
    ctx.values.set(rn, reducers[k].finish(state));
  });
}

function regionView(a: NDArray, r: Region): NDArray {
  if (a.ndim === 0) return a;
  return a.slice(
    ...r.start.map((s, i) => ({ start: s, stop: s + r.count[i] * r.step[i], step: r.step[i] })),
  );
}

async function computePass(ctx: Ctx, passIndex: number): Promise<NDArray> {
  const pass = ctx.plan.passes[passIndex];
  const root = pass.root as Node;
  const result = empty(root.shape, root.dtype);
  const n = pass.grid.size;
  const { comm } = ctx;
  const [lo, hi] = rankRange(n, comm.size, comm.rank);
  let error: unknown = null;
  try {
    await runBlocks(ctx, passIndex, lo, hi, (_i, region, ev, blocks) => {
      copyInto(regionView(result, region), ev.eval(root, region, blocks));
    });
  } catch (e) {
    error = e;
  }
  agree(comm, error);
  if (comm.size > 1 && result.size > 0) {
    // every rank gets the whole result: blocks gathered in chunk order
    const bytes = DTYPES[root.dtype].bytes;
    const local: Uint8Array[] = [];
    for (let i = lo; i < hi; i++) {
      const part = regionView(result, pass.grid.region(i)).copy();
      const d = part.data as unknown as ArrayBufferView;
      local.push(new Uint8Array(d.buffer, d.byteOffset, part.size * bytes));
    }
    const send = new Uint8Array(local.reduce((a, b) => a + b.length, 0));
    let at = 0;
    for (const b of local) {
      send.set(b, at);
      at += b.length;
    }
    const counts = Array.from({ length: comm.size }, (_, r) => {
      const [a, b] = rankRange(n, comm.size, r);
      let c = 0;
      for (let i = a; i < b; i++) c += sizeOfShape(pass.grid.region(i).count) * bytes;
      return c;
    });
    const recv = comm.allgatherv(send, { counts });
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const reg = pass.grid.region(i);
      const k = sizeOfShape(reg.count);
      const Ctor = DTYPES[root.dtype].array;
      const buf = recv.slice(pos, pos + k * bytes).buffer;
      copyInto(regionView(result, reg), new NDArray(root.dtype, new Ctor(buf) as never, reg.count));
      pos += k * bytes;
    }
  }
  return result;
}

/**
 * Computes a node into an NDArray on every rank.
 */
export async function computeNode(root: Node, options: RunOptions = {}): Promise<NDArray> {
  const comm = await worldOf(options);
  const plan = agreePlan(comm, () => planRun(root, { kind: "compute" }, options));
  const ctx: Ctx = { comm, plan, options, values: new Map() };
  for (let p = 0; p < plan.passes.length; p++) {
    if (plan.passes[p].root === null) await reducePass(ctx, p);
  }
  if (root.kind === "reduce") return ctx.values.get(root) as NDArray;
  return await computePass(ctx, plan.passes.length - 1);
}

/**
 * What the writer of `locator` holds however small the blocks: libhdf5 keeps
 * a partly written chunk whole (and its compressed copy when filtered) plus
 * its chunk cache per open dataset. Absurd `chunks` are a RangeError.
 */
function outputHeld(locator: string, dtype: DType, options: TargetOptions): Held[] {
  const itemsize = DTYPES[dtype].bytes;
  const chunks = options.chunks ?? null;
  if (chunks !== null) {
    const problem = Array.isArray(chunks) ? extentProblem([], itemsize, chunks) : "not an array";
    if (problem !== null) {
      throw new RangeError(`Invalid chunks ${JSON.stringify(chunks)} for "${locator}": ${problem}`);
    }
  }
  if (formatOf(parseLocator(locator)).name !== "hdf5") return [];
  const held: Held[] = [{
    bytes: HDF5_CHUNK_CACHE_BYTES,
    what: `the HDF5 chunk cache is ${formatBytes(HDF5_CHUNK_CACHE_BYTES)}`,
  }];
  if (chunks !== null) {
    const bytes = chunks.reduce((a, b) => a * b, 1) * itemsize;
    const filtered = options.codec !== undefined && !/^none$/i.test(options.codec.trim());
    held.push({
      bytes: bytes * (filtered ? 2 : 1),
      what: `one output chunk of [${chunks.join(",")}] ${dtype} is ${formatBytes(bytes)}${
        filtered ? " (held twice: raw and compressed)" : ""
      }, held whole by libhdf5 while blocks fill it`,
    });
  }
  return held;
}

/**
 * Writes a node to a locator: every rank computes and writes its own blocks
 * into a temporary that rank 0 renames when all have finished. The plan is
 * checked against the budget before the output is created, and again with
 * the output's own chunks.
 */
export async function writeNode(
  root: Node,
  locator: string,
  options: WriteOptions = {},
): Promise<void> {
  const comm = await worldOf(options);
  if (options.pack !== undefined && typeof options.pack !== "boolean") {
    throw new TypeError(
      `Invalid pack ${JSON.stringify(options.pack)} for "${locator}": expected true or false`,
    );
  }
  const packSource = options.pack === true ? packableSource(root) : null;
  const packing = packSource === null ? null : packingOf(packSource);
  if (packing !== null && options.dtype !== undefined && options.dtype !== packing.dtype) {
    throw new TypeError(
      `Cannot write "${locator}" with pack and dtype "${options.dtype}": packed values are ${packing.dtype}, as stored in "${packSource?.locator}"`,
    );
  }
  const dtype: DType = packing?.dtype ?? options.dtype ?? root.dtype;
  // HDF5 output of a chunked netCDF-4/HDF5 source: its chunks and compression by default
  const storage = formatOf(parseLocator(locator)).name === "hdf5" ? sourceStorage(root) : null;
  if (storage !== null) {
    options = {
      ...options,
      chunks: options.chunks ?? storage.chunks ?? undefined,
      codec: options.codec ?? storage.codec ?? undefined,
    };
  }
  const held = outputHeld(locator, dtype, options);
  const output = (chunks: readonly number[] | null): Output => ({
    kind: "write",
    chunks,
    itemsize: DTYPES[dtype].bytes,
    held,
  });
  // refused before anything is created or read; the grid the output's chunks impose is
  // known once it is created (and checked again then)
  agreePlan(comm, () => planRun(root, output(null), options));
  const metadata = outputMetadata(root, dtype, packing !== null);
  const target: OutputTarget = await prepareOutput(
    comm,
    locator,
    { shape: root.shape, dtype, metadata, budget: memoryBudget(options.memory) },
    options,
  );
  let plan: Plan;
  try {
    plan = agreePlan(comm, () => planRun(root, output(target.gridChunks), options));
  } catch (e) {
    await target.abort();
    throw e;
  }
  const ctx: Ctx = { comm, plan, options, values: new Map() };
  try {
    for (let p = 0; p < plan.passes.length; p++) {
      if (plan.passes[p].root === null) await reducePass(ctx, p);
    }
    const pi = plan.passes.length - 1;
    const pass: Pass = plan.passes[pi];
    const n = pass.grid.size;
    const [lo, hi] = rankRange(n, comm.size, comm.rank);
    const src: Node = pass.root ?? root;
    await target.run(async (write) => {
      if (root.kind === "reduce") {
        // the result of a reduction is small: rank 0 writes it
        if (comm.rank === 0) {
          const v = ctx.values.get(root) as NDArray;
          await write({
            start: v.shape.map(() => 0),
            step: v.shape.map(() => 1),
            count: [...v.shape],
          }, v);
        }
        return;
      }
      await runBlocks(ctx, pi, lo, hi, async (_i, region, ev, blocks) => {
        const block = ev.eval(src, region, blocks);
        await write(region, packing === null ? block : packBlock(packing, block, locator));
      });
    });
  } catch (e) {
    await target.abort();
    throw e;
  }
  await target.commit();
}

export type { Plan };
