// The executor: runs a plan pass by pass. Each rank takes a contiguous range
// of the global chunk indices, reads its blocks straight from the sources
// (the next block is read while the current one is computed), evaluates the
// fused element-wise graph into buffers reused from block to block, folds
// reductions into a merge tree keyed on the chunk index, and writes output
// blocks to a temporary that is renamed once every rank has finished.

import { type DType, DTYPES } from "../core/dtype.ts";
import { copyInto, empty, NDArray } from "../core/ndarray.ts";
import { type Reducer, reducer, type ReduceState } from "../core/reduce.ts";
import type { Comm } from "../dist/comm.ts";
import type { Region } from "../io/region.ts";
import { HDF5_CHUNK_CACHE_BYTES, memoryBudget } from "./budget.ts";
import { formatBytes } from "../core/errors.ts";
import { extentProblem } from "../core/limits.ts";
import { formatOf } from "../io/formats.ts";
import { parseLocator } from "../io/locator.ts";
import type { Node, ReduceNode, SourceNode } from "./_graph.ts";
import { BlockEvaluator, READ_ONLY_REDUCTIONS, sizeOfShape } from "./_evaluate.ts";
import { runParallel } from "./_parallel.ts";
import { threadCount } from "../core/threads.ts";
import { type Held, makePlan, type Output, type Pass, PIECE_BYTES, type Plan } from "./_plan.ts";
import { ChunkGrid, rankRange } from "./_grid.ts";
import { TreeAccumulator, treeCombine } from "../dist/tree_reduce.ts";
import { BufferPool } from "./_buffers.ts";
import { outputMetadata, packableSource, sourceStorage } from "./_meta.ts";
import { packBlock, packingOf } from "./_pack.ts";
import { encodeCost, encodeInThread, type OutputTarget, prepareOutput } from "./_output.ts";
import { syncOption } from "../io/output.ts";
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
    threads: threadCount(options.threads),
    threadsAsked: options.threads !== undefined,
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
// running

interface Ctx {
  readonly comm: Comm;
  readonly plan: Plan;
  readonly options: RunOptions;
  readonly values: Map<ReduceNode, NDArray>;
  /** This run's number (keys the passes sent to the compute workers). */
  readonly run: number;
  /** Progress of the threaded pass being run. */
  progress?: { pass: number; done: number; bytes: number; total: number };
}

async function readBlocks(
  reads: Map<string, { node: SourceNode; region: Region }>,
  pool: BufferPool,
  slot: number,
  map: boolean,
): Promise<{ blocks: Map<string, NDArray>; bytes: number; unmaps: (() => void)[] }> {
  const blocks = new Map<string, NDArray>();
  const unmaps: (() => void)[] = [];
  let bytes = 0;
  try {
    await Promise.all(
      [...reads].map(async ([k, { node, region }], ordinal) => {
        const src = node.source;
        let b: NDArray;
        const key = `${ordinal}:${slot}`;
        // a reduction's block of a .npy file: its pages mapped into the arena, not read
        const m = map && src.mapBlock
          ? src.mapBlock(region, (n, shift) => pool.place(key, n, shift))
          : null;
        if (m !== null) {
          unmaps.push(m.unmap);
          b = m.array;
        } else if (src.readInto && !src.fortranOrder) {
          // into a buffer (in the wasm arena) reused every `inFlight` blocks
          const out = pool.array(key, src.dtype, region.count);
          b =
            await (src.readIntoAsync ? src.readIntoAsync(region, out) : src.readInto(region, out));
        } else b = await src.read(region);
        blocks.set(k, b);
        bytes += b.size * DTYPES[b.dtype].bytes;
      }),
    );
  } catch (e) {
    unmapAll(unmaps);
    throw e;
  }
  return { blocks, bytes, unmaps };
}

/** Whether a pass's source blocks may be mapped read-only (io/_map.ts). */
function mappable(pass: Pass): boolean {
  return pass.root === null && pass.reductions.length > 0 &&
    pass.reductions.every((r) => READ_ONLY_REDUCTIONS.has(r.name));
}

function unmapAll(unmaps: (() => void)[]): void {
  while (unmaps.length > 0) unmaps.pop()!();
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
  const pending: Promise<
    { blocks: Map<string, NDArray>; bytes: number; unmaps: (() => void)[] }
  >[] = [];
  const pool = new BufferPool();
  const map = mappable(pass);
  let next = 0;
  // items k .. k + prefetch are in flight while item k is used: each has its own buffers
  const launch = (k: number): void => {
    while (next < items.length && next <= k + prefetch) {
      const p = readBlocks(
        ev.reads(roots, items[next].region),
        pool,
        next % (prefetch + 1),
        map,
      );
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
      const { blocks, bytes, unmaps } = await pending.shift()!;
      const { i, region, last } = items[k];
      ev.begin();
      try {
        await use(i, region, ev, blocks);
      } finally {
        // mapped blocks: ordinary memory back before their buffers can be used again
        unmapAll(unmaps);
      }
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
    for (const r of await Promise.allSettled(pending)) {
      if (r.status === "fulfilled") unmapAll(r.value.unmaps);
    }
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

/** The blocks `[lo, hi)` of a pass, each with its pieces (`split`, else whole). */
function blockItems(
  pass: Pass,
  lo: number,
  hi: number,
  split: ((region: Region) => Region[]) | null,
): { i: number; region: Region; pieces: Region[] }[] {
  const out = [];
  for (let i = lo; i < hi; i++) {
    const region = pass.grid.region(i);
    out.push({ i, region, pieces: split ? split(region) : [region] });
  }
  return out;
}

let runs = 0;

/** What every threaded pass shares: its key, the blocks, the earlier results, the threads. */
function parallelOf(
  ctx: Ctx,
  passIndex: number,
  items: { i: number; region: Region; pieces: Region[] }[],
) {
  const pass = ctx.plan.passes[passIndex];
  return {
    key: `${ctx.run}:${passIndex}`,
    reductions: pass.reductions,
    values: ctx.values,
    items,
    threads: pass.threads,
    prefetch: prefetchOf(ctx.options),
  };
}

/** Reports one more block of a threaded pass done (bytes counted from the block regions). */
function progress(ctx: Ctx, passIndex: number, lo: number, hi: number): void {
  const report = ctx.options.onProgress;
  if (!report) return;
  const pass = ctx.plan.passes[passIndex];
  const roots = pass.root ? [pass.root] : pass.reductions.map((r) => r.arg);
  const ev = new BlockEvaluator(ctx.values);
  const t = (ctx.progress ??= { pass: -1, done: 0, bytes: 0, total: 0 });
  if (t.pass !== passIndex) {
    t.pass = passIndex;
    t.done = 0;
    t.bytes = 0;
    t.total = 0;
    for (let i = lo; i < hi; i++) t.total += readBytes(ev.reads(roots, pass.grid.region(i)));
  }
  t.bytes += readBytes(ev.reads(roots, pass.grid.region(lo + t.done)));
  t.done++;
  report({
    pass: passIndex + 1,
    passes: ctx.plan.passes.length,
    chunksDone: t.done,
    chunks: hi - lo,
    bytesDone: t.bytes,
    bytes: t.total,
  });
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
    const items = blockItems(pass, lo, hi, splittable ? (r) => cachePieces(r, itemBytes) : null);
    const threaded = await runParallel(
      { ...parallelOf(ctx, passIndex, items), root: null, reducers },
      (i, _region, r) => {
        r.states!.forEach((s, k) => mergers[k].push(i, s));
        progress(ctx, passIndex, lo, hi);
      },
    );
    if (!threaded) {
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
    }
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
    const threaded = await runParallel(
      { ...parallelOf(ctx, passIndex, blockItems(pass, lo, hi, null)), root, reducers: [] },
      (_i, region, r) => {
        copyInto(regionView(result, region), r.block!);
        progress(ctx, passIndex, lo, hi);
      },
    );
    if (!threaded) {
      await runBlocks(ctx, passIndex, lo, hi, (_i, region, ev, blocks) => {
        copyInto(regionView(result, region), ev.eval(root, region, blocks));
      });
    }
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
  const ctx: Ctx = { comm, plan, options, values: new Map(), run: ++runs };
  try {
    for (let p = 0; p < plan.passes.length; p++) {
      if (plan.passes[p].root === null) await reducePass(ctx, p);
    }
    if (root.kind === "reduce") return ctx.values.get(root) as NDArray;
    return await computePass(ctx, plan.passes.length - 1);
  } finally {
    endRun();
  }
}

/**
 * The end of a run: the compute workers are left to their pool's idle
 * countdown (stream/_parallel.ts IDLE_MS, 100 ms), so that runs back to back
 * share them. Stopped after every run, each run paid a worker's start again:
 * loading its modules, generating its kernels, warming its arena (0.15-0.25 s
 * of a 2 GiB .npy sum on 2 threads; a tiny threaded run 110-220 ms against
 * 23-27 ms with the workers kept). Their heaps no longer grow run after run
 * since the states are transferred back (12 runs of sum(exp(sin)) over a
 * 128 MiB Blosc Zarr and .npy on 2 threads: the same RSS either way,
 * 107-137 and 106-125 MiB kept, 115-154 and 106-121 MiB stopped).
 */
function endRun(): void {}

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
  syncOption(options.sync, locator); // refused before anything is read
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
  let inThread = false; // set by the planner: encode workers would take over half the budget
  const output = (chunks: readonly number[] | null): Output => ({
    kind: "write",
    chunks,
    itemsize: DTYPES[dtype].bytes,
    held,
    encode: encodeCost(locator, options.codec),
    encodeInThread: () => void (inThread = true),
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
  const ctx: Ctx = { comm, plan, options, values: new Map(), run: ++runs };
  const release = inThread ? encodeInThread() : () => {};
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
      const put = async (region: Region, block: NDArray): Promise<void> => {
        await write(region, packing === null ? block : packBlock(packing, block, locator));
      };
      const threaded = await runParallel(
        { ...parallelOf(ctx, pi, blockItems(pass, lo, hi, null)), root: src, reducers: [] },
        async (_i, region, r) => {
          await put(region, r.block!);
          progress(ctx, pi, lo, hi);
        },
      );
      if (threaded) return;
      await runBlocks(ctx, pi, lo, hi, async (_i, region, ev, blocks) => {
        await put(region, ev.eval(src, region, blocks));
      });
    });
  } catch (e) {
    release();
    await target.abort();
    throw e;
  }
  try {
    await target.commit();
  } finally {
    release();
  }
  endRun();
}

export type { Plan };
