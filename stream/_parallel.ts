// Blocks of a pass computed on several threads: this thread reads the blocks
// (prefetched, into shared memory) and hands them to the compute workers
// (stream/_compute_worker.ts, core/threads.ts's WorkerPool), computing itself
// those that no worker is free to take. When every source of the pass is
// random or one a worker can open itself (a .npy file: ArraySource.workerSpec),
// nothing is read ahead: the worker reads its blocks piece by piece straight
// into its arena, and this thread those it computes. A block's pieces stay in order on one
// thread, and the results are used in block order: a reduction's state per
// block is the same whoever computed it, so the bits do not depend on the
// thread count. A pass a worker cannot rebuild and a pool that cannot start
// fall back to this thread; a block whose worker died or failed is computed
// again here (which raises the error, typed, if it is the block's own).

import { copyInto, NDArray } from "../core/ndarray.ts";
import type { Reducer, ReduceState } from "../core/reduce.ts";
import { WorkerPool, type WorkerReply } from "../core/threads.ts";
import type { Region } from "../io/region.ts";
import { BufferPool } from "./_buffers.ts";
import { BlockEvaluator, READ_ONLY_REDUCTIONS } from "./_evaluate.ts";
import type { Node, ReduceNode, SourceNode } from "./_graph.ts";
import {
  type ComputeJob,
  encodePass,
  sharedArray,
  type WireInput,
  type WirePass,
} from "./_wire.ts";

const WORKER_URL = new URL("./_compute_worker.ts", import.meta.url);

/** How long an idle compute worker is kept (between the passes of a run; a live worker keeps the process alive). */
const IDLE_MS = 100;

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
  readonly slot: number;
  readonly read: Promise<Piece[]>;
  pieces?: Piece[];
  /** Who computes it, once decided. */
  taken?: "worker" | "here";
  job?: Promise<WorkerReply | null>;
  result?: BlockResult;
}

/** How long this thread waits at most for an answer a worker has counted as posted. */
const ANSWER_WAIT_MS = 20;

/** Jobs queued on each worker, so that it never waits for this thread to hand it the next. */
const DEPTH = 2;

/** Shared buffers kept from one run to the next (fresh ones cost page faults), by name. */
let spareBuffers = new Map<string, SharedArrayBuffer>();
let spareTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Runs the blocks of a pass on `threads` threads and hands each result to
 * `use` in block order. Blocks are read into shared memory; a worker takes
 * the next block read while it has fewer than {@link DEPTH} queued, and this
 * thread computes a block read that no worker took rather than wait: the
 * faster threads compute more blocks. Returns false, having done nothing,
 * when the pass cannot run on workers (one thread, one block, no worker, a
 * pass a worker cannot rebuild): the caller then runs it in this thread.
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
  // the workers stay up for the whole pass, even while this thread computes a run of blocks
  const release = workers.hold();
  const ev = new BlockEvaluator(p.values);
  if (spareTimer !== undefined) clearTimeout(spareTimer);
  const buffers = spareBuffers;
  spareBuffers = new Map();
  const used = new Set<string>();
  const shared = (key: string, node: Node, shape: readonly number[]): NDArray => {
    used.add(key);
    const a = sharedArray(node.dtype, shape, buffers.get(key));
    buffers.set(key, (a.data as unknown as { buffer: SharedArrayBuffer }).buffer);
    return a;
  };
  // every source random or opened by the workers themselves: a block is read by whoever
  // computes it (a worker straight into its arena), none ahead into shared memory
  const selfRead = wire.selfRead;
  // their decode workers (a Zarr array's) give way meanwhile: the compute workers and this
  // thread decode the blocks they compute, and more threads would only share the cores
  const resumes = selfRead
    ? [...new Set([...wire.inputs.keys()].map((n) => n.source.decodeWorkers))]
      .flatMap((w) => (w?.pause ? [w.pause()] : []))
    : [];
  const readItem = async (k: number, slot: number): Promise<Piece[]> => {
    if (selfRead) {
      return p.items[k].pieces.map((region) => ({ region, blocks: new Map(), inputs: [] }));
    }
    return await Promise.all(p.items[k].pieces.map(async (region, pi) => {
      const blocks = new Map<string, NDArray>();
      const inputs: WireInput[] = [];
      const reads = [...ev.reads(roots, region)];
      await Promise.all(reads.map(async ([key, { node, region: r }], ordinal) => {
        const input = wire.inputs.get(node);
        if (input === undefined) return; // a random source: generated where it is computed
        const out = shared(`${slot}:${pi}:${ordinal}`, node, r.count);
        await readSource(node, r, out);
        blocks.set(key, out);
        inputs.push({ input, region: r, data: out.data as ArrayBufferView });
      }));
      return { region, blocks, inputs };
    }));
  };
  // a block computed here: random blocks generated, inputs copied piece by piece into the
  // WebAssembly arena (the kernels run there in place, on data still in cache), a map
  // block's values copied into the slot's shared output
  const arena = new BufferPool();
  // (a block not read ahead is read here, piece by piece, straight into the arena where the
  // source can)
  const here = async (rec: Rec, k: number): Promise<BlockResult> => {
    const pieces = rec.pieces ?? await rec.read;
    const local = async (piece: Piece, unmaps?: (() => void)[]): Promise<Map<string, NDArray>> => {
      const out = new Map<string, NDArray>();
      let ordinal = 0;
      for (const [key, { node, region }] of ev.reads(roots, piece.region)) {
        let b = piece.blocks.get(key);
        const name = String(ordinal++);
        // a reduction's block of a .npy file: its pages mapped into the arena, not read
        const m = b === undefined && unmaps !== undefined && node.source.mapBlock
          ? node.source.mapBlock(region, (n, shift) => arena.place(name, n, shift))
          : null;
        if (m !== null) {
          unmaps!.push(m.unmap);
          out.set(key, m.array);
          continue;
        }
        const a = arena.array(name, node.dtype, region.count);
        if (b === undefined) {
          const src = node.source;
          if (src.readInto && !src.fortranOrder && src.dtype === node.dtype) {
            b = await src.readInto(region, a);
          } else b = await src.read(region);
          if (b === a) {
            out.set(key, a);
            continue;
          }
        }
        if (b.isContiguous && b.dtype === a.dtype) {
          const n = a.data.length;
          (a.data as Float64Array).set((b.data as Float64Array).subarray(b.offset, b.offset + n));
        } else copyInto(a, b);
        out.set(key, a);
      }
      return out;
    };
    if (p.root) {
      ev.begin();
      const blocks = await local(pieces[0]);
      const block = shared(`${rec.slot}:out`, p.root, p.items[k].region.count);
      copyInto(block, ev.eval(p.root, pieces[0].region, blocks));
      return { block };
    }
    const states = p.reducers.map((r) => r.init());
    const map = p.reductions.length > 0 &&
      p.reductions.every((r) => READ_ONLY_REDUCTIONS.has(r.name));
    const unmaps: (() => void)[] = [];
    try {
      for (const piece of pieces) {
        ev.begin();
        const blocks = await local(piece, map ? unmaps : undefined);
        p.reductions.forEach((rn, j) => {
          p.reducers[j].step(states[j], ev.eval(rn.arg, piece.region, blocks), piece.region.start);
        });
        // ordinary memory back before the arena's buffers are used for anything else
        while (unmaps.length > 0) unmaps.pop()!();
      }
    } finally {
      while (unmaps.length > 0) unmaps.pop()!();
    }
    return { states };
  };
  const W = p.threads - 1;
  // blocks in flight: those queued on the workers, one read for each worker beyond those (for
  // this thread to take while the workers are busy), the one computed here, the prefetched
  const slots = W * (DEPTH + 1) + 1 + p.prefetch;
  const recs: Rec[] = [];
  let next = 0;
  let first = 0; // the first block not yet used
  let queued = 0;
  let taken = 0; // blocks given to a thread (a worker or this one)
  let wake: (() => void) | null = null;
  // the workers' answers posted (counted by them, in shared memory) and those received here:
  // when they differ an answer is on its way, and this thread takes it before computing a
  // block (the worker then gets its next job at once). Looking by yielding to the event loop
  // instead (setTimeout 0) cost 2-3 ms a block: 0.15 s of 1 s on a 2 GiB .npy sum.
  const posted = new Int32Array(new SharedArrayBuffer(4));
  let answered = 0;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const send = (k: number): void => {
    const rec = recs[k];
    rec.taken = "worker";
    taken++;
    queued++;
    const job: ComputeJob = {
      pass,
      pieces: rec.pieces!.map((x) => ({ region: x.region, inputs: x.inputs })),
      out: p.root
        ? shared(`${rec.slot}:out`, p.root, p.items[k].region.count).data as ArrayBufferView
        : undefined,
      posted,
    };
    rec.job = workers.run({ ...job }).catch(() => null).then((reply) => {
      queued--;
      if (reply !== null && reply.id >= 0) answered++;
      // a worker stopped (the pool's UNAVAILABLE) may have counted an answer it never sent
      else answered = Math.max(answered, Atomics.load(posted, 0));
      dispatch();
      notify();
      return reply;
    });
  };
  // near the end, no more queued on the workers than their share of the blocks left: a
  // full queue there left this thread idle while a worker ended its queue (8 blocks on 2
  // threads were computed 5 and 3)
  const dispatch = (): void => {
    const share = (): number => Math.ceil(((p.items.length - taken + queued) * W) / p.threads);
    for (let k = first; k < next && queued < W * DEPTH && queued < share(); k++) {
      const rec = recs[k];
      if (rec.pieces !== undefined && rec.taken === undefined) send(k);
    }
  };
  const launch = (k: number): void => {
    while (next < p.items.length && next < k + slots) {
      const rec: Rec = { slot: next % slots, read: readItem(next, next % slots) };
      rec.read.then((pieces) => {
        rec.pieces = pieces;
        dispatch();
        notify();
      }, notify);
      recs[next++] = rec;
    }
  };
  try {
    for (let k = 0; k < p.items.length; k++) {
      first = k;
      launch(k);
      dispatch();
      for (;;) {
        const rec = recs[k];
        if (rec.result !== undefined) break;
        if (rec.taken === "worker") {
          // let the workers' answers in first (they are events, which a run of blocks computed
          // here would hold back, leaving the workers idle), and the reads' ends when blocks
          // are read ahead, then rather than wait for the worker, compute a block read that no
          // worker took
          if (Atomics.load(posted, 0) > answered) {
            // (the timer: should an answer never come, e.g. its worker stopped after counting;
            // yieldToEvents would not do: it resolves before a worker's message arrives)
            let timer: ReturnType<typeof setTimeout> | undefined;
            await Promise.race([
              new Promise<void>((r) => (wake = r)),
              new Promise<void>((r) => (timer = setTimeout(r, ANSWER_WAIT_MS))),
            ]);
            clearTimeout(timer);
            wake = null;
          } else if (!selfRead && recs.slice(first, next).some((r) => r.pieces === undefined)) {
            await yieldToEvents();
          }
          let j = k + 1;
          while (j < next && (recs[j].pieces === undefined || recs[j].taken !== undefined)) j++;
          if (j < next) {
            recs[j].taken = "here";
            taken++;
            recs[j].result = await here(recs[j], j);
            continue;
          }
          // wait for it, or for a read or another job to end (then look again for a block)
          const box: { reply?: WorkerReply | null } = {};
          const done = rec.job!.then((r) => (box.reply = r));
          await Promise.race([done, new Promise<void>((r) => (wake = r))]);
          if (!("reply" in box)) continue;
          const reply = box.reply as WorkerReply | null;
          // the worker died (UNAVAILABLE), could not take the job or failed: this thread
          // computes the block, and raises its own typed error if there is one
          if (reply === null || reply.error !== undefined) rec.result = await here(rec, k);
          else if (p.root) {
            const d = buffers.get(`${rec.slot}:out`)!;
            rec.result = { block: sharedArray(p.root.dtype, p.items[k].region.count, d) };
          } else rec.result = { states: reply.states as ReduceState[] };
        } else if (rec.taken === undefined && rec.pieces !== undefined) {
          rec.taken = "here";
          taken++;
          rec.result = await here(rec, k);
        } else {
          await Promise.race([rec.read, new Promise<void>((r) => (wake = r))]);
        }
      }
      await use(p.items[k].i, p.items[k].region, recs[k].result!);
      delete recs[k];
    }
  } finally {
    release();
    for (const resume of resumes) resume();
    wake = null;
    await Promise.allSettled(recs.flatMap((r) => (r ? [r.read, r.job] : [])));
    arena.release();
    for (const key of buffers.keys()) if (!used.has(key)) buffers.delete(key); // an earlier run's
    spareBuffers = buffers;
    spareTimer = setTimeout(() => (spareBuffers = new Map()), IDLE_MS);
    Deno.unrefTimer(spareTimer as unknown as number);
  }
  return true;
}

/**
 * Resolves after the events already queued (a worker's message, a read's end)
 * are handled: a message to itself, not a timer (a 0 ms timeout waited 1-4 ms,
 * clamped: a 2 GiB Zarr sum of 512 blocks on 2 threads spent 1.3 s of its 2.3 s
 * there, 0.1 s now).
 */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      port2.close();
      resolve();
    };
    port2.postMessage(null);
  });
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
