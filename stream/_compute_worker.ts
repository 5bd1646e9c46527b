// A compute worker of the streaming engine (stream/_parallel.ts), a Deno Web
// Worker: evaluates one block of a pass (its pieces in order, with the same
// BlockEvaluator as the main thread) and answers with the block's reduction
// states, or writes the block's values into the job's shared output buffer.

import { copyInto, NDArray } from "../core/ndarray.ts";
import { type Reducer, reducer, type ReduceState } from "../core/reduce.ts";
import { BufferPool } from "./_buffers.ts";
import { BlockEvaluator, regionKey } from "./_evaluate.ts";
import type { Node } from "./_graph.ts";
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
}

let cached: Cached | null = null;
const local = new BufferPool();

function prepare(job: ComputeJob): Cached {
  if (cached?.key === job.pass.key) return cached;
  const { nodes, values } = decodePass(job.pass);
  const reducers = job.pass.reductions.map((r) => {
    const arg = nodes[r.arg];
    return reducer(r.name, arg.dtype, arg.shape, r.options);
  });
  cached = { key: job.pass.key, nodes, ev: new BlockEvaluator(values), reducers };
  return cached;
}

async function run(job: ComputeJob): Promise<{ states?: ReduceState[] }> {
  const c = prepare(job);
  const { pass } = job;
  const states = c.reducers.map((r) => r.init());
  const roots = pass.root !== null
    ? [c.nodes[pass.root]]
    : pass.reductions.map((r) => c.nodes[r.arg]);
  for (const piece of job.pieces) {
    const blocks = new Map<string, NDArray>();
    // random sources: generated here, from their seed and the region
    for (const [key, { node, region }] of c.ev.reads(roots, piece.region)) {
      if (node.source !== null) blocks.set(key, await node.source.read(region));
    }
    // into the WebAssembly arena, piece by piece (the kernels run there in place, on data
    // still in cache)
    piece.inputs.forEach((inp, k) => {
      const n = c.nodes[inp.input];
      const a = local.array(String(k), n.dtype, inp.region.count);
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
  return pass.root === null ? { states } : {};
}

scope.onmessage = async (e) => {
  const job = e.data;
  try {
    // the states' arrays move to the main thread (a copy left here was garbage that grew
    // the worker's heap run after run)
    const reply = await run(job);
    const transfer = (reply.states ?? []).flatMap((st) =>
      Object.values(st.arrays).map((a) => (a as ArrayBufferView).buffer as ArrayBuffer)
    );
    scope.postMessage({ id: job.id, ...reply }, transfer);
  } catch (err) {
    scope.postMessage({ id: job.id, error: (err as Error)?.message ?? String(err) });
  }
};
