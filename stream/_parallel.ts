// Blocks of a pass computed on several threads: this thread reads the blocks
// (prefetched, into shared memory) and hands them to the compute workers
// (stream/_compute_worker.ts, core/threads.ts's WorkerPool) and to itself in
// turn, `threads` blocks being computed and `prefetch` more being read. A
// block's pieces stay in order on one thread, and the results are used in
// block order: a reduction's state per block is the same whoever computed
// it, so the bits do not depend on the thread count. A pass a worker cannot
// rebuild and a pool that cannot start fall back to this thread; a block
// whose worker died or failed is computed again here (which raises the
// error, typed, if it is the block's own).

import { copyInto, NDArray } from "../core/ndarray.ts";
import type { Reducer, ReduceState } from "../core/reduce.ts";
import { WorkerPool, type WorkerReply } from "../core/threads.ts";
import type { Region } from "../io/region.ts";
import { BufferPool } from "./_buffers.ts";
import { BlockEvaluator } from "./_evaluate.ts";
import type { Node, ReduceNode, SourceNode } from "./_graph.ts";
import {
  type ComputeJob,
  encodePass,
  sharedArray,
  type WireInput,
  type WirePass,
} from "./_wire.ts";

const WORKER_URL = new URL("./_compute_worker.ts", import.meta.url);

/** How long an idle compute worker is kept (between the passes of a run). */
const IDLE_MS = 250;

let pool: WorkerPool | undefined;

/** The compute workers (`workers` of them; null when none can start). */
function workersOf(workers: number): WorkerPool | null {
  if (pool === undefined || pool.size !== workers) {
    pool?.close();
    pool = new WorkerPool(WORKER_URL, workers, IDLE_MS);
  }
  return pool.alive ? pool : null;
}

/** Stops the compute workers now (they start again on the next threaded pass). */
export function closeComputeWorkers(): void {
  pool?.close();
}

/** What a block computed to: its reduction states, or its values. */
export interface BlockResult {
  readonly states?: readonly ReduceState[];
  readonly block?: NDArray;
}

/** A pass to run on several threads. */
export interface ParallelPass {
  /** Unique per pass and run. */
  readonly key: string;
  /** The map root (map passes), else null. */
  readonly root: Node | null;
  /** The reductions of a reduction pass and their reducers. */
  readonly reductions: readonly ReduceNode[];
  readonly reducers: readonly Reducer[];
  readonly values: Map<ReduceNode, NDArray>;
  /** The blocks: global index, region, and its pieces (stepped in order). */
  readonly items: readonly {
    readonly i: number;
    readonly region: Region;
    readonly pieces: readonly Region[];
  }[];
  readonly threads: number;
  readonly prefetch: number;
}

interface Piece {
  readonly region: Region;
  readonly blocks: Map<string, NDArray>;
  readonly inputs: WireInput[];
}

interface Rec {
  readonly main: boolean;
  readonly slot: number;
  readonly read: Promise<Piece[]>;
  job?: Promise<WorkerReply>;
  done?: BlockResult;
}

/**
 * Runs the blocks of a pass on `threads` threads and hands each result to
 * `use` in block order. Returns false, having done nothing, when the pass
 * cannot run on workers (one thread, no worker, a pass a worker cannot
 * rebuild): the caller then runs it in this thread.
 */
export async function runParallel(
  p: ParallelPass,
  use: (i: number, region: Region, r: BlockResult) => Promise<void> | void,
): Promise<boolean> {
  if (p.threads < 2 || p.items.length < 2) return false;
  const roots = p.root ? [p.root] : p.reductions.map((r) => r.arg);
  const wire = encodePass(p.key, roots, p.root ? null : p.reductions, p.values);
  if (wire === null) return false;
  const workers = workersOf(p.threads - 1);
  if (workers === null) return false;
  const pass: WirePass = wire.pass;
  const ev = new BlockEvaluator(p.values);
  const spare = new BlockEvaluator(p.values); // for blocks a dead worker left
  const buffers = new Map<string, SharedArrayBuffer>();
  const shared = (key: string, node: Node, shape: readonly number[]): NDArray => {
    const a = sharedArray(node.dtype, shape, buffers.get(key));
    buffers.set(key, (a.data as unknown as { buffer: SharedArrayBuffer }).buffer);
    return a;
  };
  // this thread's blocks are read into the WebAssembly arena (the kernels run on them in
  // place), the workers' into shared memory
  const local = new BufferPool();
  const readItem = async (k: number, slot: number, main: boolean): Promise<Piece[]> => {
    const item = p.items[k];
    return await Promise.all(item.pieces.map(async (region, pi) => {
      const reads = ev.reads(roots, region);
      const blocks = new Map<string, NDArray>();
      const inputs: WireInput[] = [];
      await Promise.all([...reads].map(async ([key, { node, region: r }], ordinal) => {
        const input = wire.inputs.get(node);
        if (!main && input === undefined) return; // a random source: the worker generates it
        const name = `${slot}:${pi}:${ordinal}`;
        const out = main ? local.array(name, node.dtype, r.count) : shared(name, node, r.count);
        await readSource(node, r, out);
        blocks.set(key, out);
        inputs.push({
          input: wire.inputs.get(node)!,
          region: r,
          data: out.data as ArrayBufferView,
        });
      }));
      return { region, blocks, inputs };
    }));
  };
  const here = (pieces: Piece[], e: BlockEvaluator): BlockResult => {
    if (p.root) {
      e.begin();
      return { block: e.eval(p.root, pieces[0].region, pieces[0].blocks) };
    }
    const states = p.reducers.map((r) => r.init());
    for (const piece of pieces) {
      e.begin();
      p.reductions.forEach((rn, k) => {
        p.reducers[k].step(
          states[k],
          e.eval(rn.arg, piece.region, piece.blocks),
          piece.region.start,
        );
      });
    }
    return { states };
  };
  // the random blocks a worker would have generated, for a block computed here after all
  const generated = async (pieces: Piece[]): Promise<Piece[]> => {
    for (const piece of pieces) {
      for (const [key, { node, region }] of ev.reads(roots, piece.region)) {
        if (!piece.blocks.has(key)) piece.blocks.set(key, await node.source.read(region));
      }
    }
    return pieces;
  };
  const slots = p.threads + p.prefetch;
  const recs: Rec[] = [];
  let next = 0;
  const launch = (k: number): void => {
    while (next < p.items.length && next < k + slots) {
      const kk = next++;
      const slot = kk % slots;
      const main = kk % p.threads === p.threads - 1;
      const read = readItem(kk, slot, main);
      read.catch(() => {});
      const rec: Rec = { main, slot, read };
      if (!rec.main) {
        rec.job = read.then((pieces) => {
          const job: ComputeJob = {
            pass,
            pieces: pieces.map((x) => ({ region: x.region, inputs: x.inputs })),
            out: p.root
              ? shared(`${slot}:out`, p.root, p.items[kk].region.count).data as ArrayBufferView
              : undefined,
          };
          return workers.run({ ...job });
        });
        rec.job.catch(() => {});
      }
      recs[kk] = rec;
    }
  };
  try {
    for (let k = 0; k < p.items.length; k++) {
      launch(k);
      const rec = recs[k];
      let result: BlockResult;
      if (rec.main) result = rec.done ?? here(await rec.read, ev);
      else {
        // while the worker computes block k, this thread computes its next block
        let j = k + 1;
        while (j < next && !recs[j].main) j++;
        if (j < next && recs[j].done === undefined) recs[j].done = here(await recs[j].read, ev);
        const reply: WorkerReply | null = await rec.job!.catch(() => null);
        if (reply === null || reply.error !== undefined) {
          // the worker died (UNAVAILABLE), could not take the job or failed: this thread
          // computes the block, and raises its own typed error if there is one
          result = here(await generated(await rec.read), spare);
        } else if (p.root) {
          const d = buffers.get(`${rec.slot}:out`)!;
          result = { block: sharedArray(p.root.dtype, p.items[k].region.count, d) };
        } else result = { states: reply.states as ReduceState[] };
      }
      await use(p.items[k].i, p.items[k].region, result);
      delete recs[k];
    }
  } finally {
    await Promise.allSettled(recs.flatMap((r) => (r ? [r.read, r.job] : [])));
    local.release();
  }
  return true;
}

/** Reads region `r` of a source into `out` (shared memory). */
async function readSource(node: SourceNode, r: Region, out: NDArray): Promise<void> {
  const src = node.source;
  let b: NDArray;
  if (src.readInto && !src.fortranOrder) {
    b = await (src.readIntoAsync ? src.readIntoAsync(r, out) : src.readInto(r, out));
  } else b = await src.read(r);
  if (b.data !== out.data || b.offset !== 0 || !b.isContiguous) copyInto(out, b);
}
