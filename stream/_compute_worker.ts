// A compute worker of the streaming engine (stream/_parallel.ts), a Deno Web
// Worker: evaluates one block of a pass (its pieces in order, with the same
// BlockEvaluator as the main thread) and answers with the block's reduction
// states, or writes the block's values into the job's shared output buffer.
// Sources the pass sends a reader spec for (a .npy file) are opened here once
// per pass and each piece is read straight into this worker's WebAssembly
// arena; other sources' pieces come in shared memory, read by the main thread.

import { copyInto, NDArray } from "../core/ndarray.ts";
import { type Reducer, reducer, type ReduceState } from "../core/reduce.ts";
import { BufferPool } from "./_buffers.ts";
import { BlockEvaluator, READ_ONLY_REDUCTIONS, regionKey } from "./_evaluate.ts";
import type { Node, SourceNode } from "./_graph.ts";
import type { WorkerSourceReader } from "../io/region.ts";
import { type ComputeJob, decodePass } from "./_wire.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<ComputeJob & { id: number }>) => void) | null;
  postMessage(m: unknown, transfer?: Transferable[]): void;
};

interface Cached {
  readonly key: string;
  readonly nodes: readonly Node[];
  readonly ev: BlockEvaluator;
  readonly reducers: readonly Reducer[];
  /** The sources this worker reads itself, opened. */
  readonly readers: Map<SourceNode, WorkerSourceReader>;
}

let cached: Cached | null = null;
const local = new BufferPool();

async function prepare(job: ComputeJob): Promise<Cached> {
  if (cached?.key === job.pass.key) return cached;
  for (const r of cached?.readers.values() ?? []) r.close();
  cached = null;
  const { nodes, values, readers: specs } = decodePass(job.pass);
  const reducers = job.pass.reductions.map((r) => {
    const arg = nodes[r.arg];
    return reducer(r.name, arg.dtype, arg.shape, r.options);
  });
  const readers = new Map<SourceNode, WorkerSourceReader>();
  try {
    for (const [node, spec] of specs) {
      const mod = await import(spec.module) as {
        openWorkerSource(args: unknown): Promise<WorkerSourceReader>;
      };
      readers.set(node, await mod.openWorkerSource(spec.args));
    }
  } catch (e) {
    for (const r of readers.values()) r.close();
    throw e;
  }
  cached = { key: job.pass.key, nodes, ev: new BlockEvaluator(values), reducers, readers };
  return cached;
}

async function run(job: ComputeJob): Promise<{ states?: ReduceState[] }> {
  const c = await prepare(job);
  const { pass } = job;
  const states = c.reducers.map((r) => r.init());
  const roots = pass.root !== null
    ? [c.nodes[pass.root]]
    : pass.reductions.map((r) => c.nodes[r.arg]);
  // a reduction's blocks of a .npy file: mapped into the arena (read-only), not read
  const map = pass.root === null && pass.reductions.length > 0 &&
    pass.reductions.every((r) => READ_ONLY_REDUCTIONS.has(r.name));
  const unmaps: (() => void)[] = [];
  try {
    for (const piece of job.pieces) {
      await step(c, job, piece, { states, roots, map, unmaps });
      // ordinary memory back before the buffers are used for anything else
      while (unmaps.length > 0) unmaps.pop()!();
    }
  } finally {
    while (unmaps.length > 0) unmaps.pop()!();
  }
  return pass.root === null ? { states } : {};
}

/** One piece of a job: its blocks read (or mapped), evaluated, reduced or copied out. */
async function step(
  c: Cached,
  job: ComputeJob,
  piece: ComputeJob["pieces"][number],
  o: {
    states: ReduceState[];
    roots: readonly Node[];
    map: boolean;
    unmaps: (() => void)[];
  },
): Promise<void> {
  const { pass } = job;
  const { states, roots, map, unmaps } = o;
  {
    const blocks = new Map<string, NDArray>();
    // random sources: generated here, from their seed and the region; sources opened here:
    // read into the WebAssembly arena, piece by piece (the kernels run there in place, on
    // data still in cache)
    let k = 0;
    for (const [key, { node, region }] of c.ev.reads(roots, piece.region)) {
      const reader = c.readers.get(node);
      if (reader !== undefined) {
        const name = String(k++);
        const m = map && reader.mapBlock
          ? reader.mapBlock(region, (n, shift) => local.place(name, n, shift))
          : null;
        if (m !== null) {
          unmaps.push(m.unmap);
          blocks.set(key, m.array);
          continue;
        }
        const a = local.array(name, node.dtype, region.count);
        await reader.readInto(region, a);
        blocks.set(key, a);
      } else if (node.source !== null) blocks.set(key, await node.source.read(region));
    }
    // the others' pieces, from shared memory into the arena
    piece.inputs.forEach((inp) => {
      const n = c.nodes[inp.input];
      const a = local.array(String(k++), n.dtype, inp.region.count);
      (a.data as unknown as Uint8Array).set(inp.data as unknown as Uint8Array);
      blocks.set(regionKey(n, inp.region), a);
    });
    c.ev.begin();
    if (pass.root !== null) {
      const root = c.nodes[pass.root];
      const out = new NDArray(root.dtype, job.out as never, piece.region.count);
      copyInto(out, c.ev.eval(root, piece.region, blocks));
    } else {
      pass.reductions.forEach((r, k) => {
        const block = c.ev.eval(c.nodes[r.arg], piece.region, blocks);
        c.reducers[k].step(states[k], block, piece.region.start);
      });
    }
  }
}

// one job at a time: a job awaits its reads, and two interleaved would share the arena's
// buffers and the evaluator
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (e) => {
  queue = queue.then(() => answer(e.data));
};

async function answer(job: ComputeJob & { id: number }): Promise<void> {
  let reply: { id: number; error?: string; states?: ReduceState[] };
  let transfer: ArrayBuffer[] = [];
  try {
    reply = { id: job.id, ...await run(job) };
    // the states' arrays move to the main thread (a copy left here was garbage that grew
    // the worker's heap run after run)
    transfer = (reply.states ?? []).flatMap((st) =>
      Object.values(st.arrays).map((a) => (a as ArrayBufferView).buffer as ArrayBuffer)
    );
  } catch (err) {
    reply = { id: job.id, error: (err as Error)?.message ?? String(err) };
  }
  // counted once per job, before the answer is posted (the main thread waits for it then)
  if (job.posted !== undefined) Atomics.add(job.posted, 0, 1);
  try {
    scope.postMessage(reply, transfer);
  } catch (err) {
    scope.postMessage({ id: job.id, error: (err as Error)?.message ?? String(err) });
  }
}
