// Axis reductions of a DistArray to a distributed result. The tiles and the
// merge tree are those of the replicated reduction (dist/_dist_reduce.ts), so
// every bit is the same for any rank count and layout; only the last step
// differs:
//
// - axis 0 kept: each rank reduces the rows of its tiles and keeps them; the
//   result is block-distributed along axis 0 like the tiles (no allgather);
// - axis 0 reduced: the result is split in balanced blocks along its first
//   kept axis, and each subtree root a rank holds is cut into those blocks and
//   sent to their owners (one alltoallv: a reduce-scatter of the tree), so
//   each rank receives only its own output slots of every node and finishes
//   the same tree on them.

import { copyInto, empty, type NDArray } from "../core/ndarray.ts";
import {
  type ReduceOptions,
  reducer,
  type ReduceState,
  type ReductionName,
  stateBuffers,
  stateFromBuffers,
} from "../core/reduce.ts";
import type { Comm, CommBuffer } from "./comm.ts";
import { type AxisSpec, Distribution } from "./distribution.ts";
import { rootLevel, TreeAccumulator } from "./tree_reduce.ts";
import { type Block, moveBlock, prod } from "./_dist_blocks.ts";
import { reduceArray, tilePlan, tiling } from "./_dist_reduce.ts";

const FIELD_BYTES = { float64: 8, int64: 8, uint64: 8, uint8: 1 } as const;

/** Balanced block bounds of `n` over `parts` (the first `n % parts` get one more). */
function balanced(n: number, parts: number): number[] {
  const q = Math.floor(n / parts);
  const r = n % parts;
  const b = [0];
  for (let p = 0; p < parts; p++) b.push(b[p] + q + (p < r ? 1 : 0));
  return b;
}

/** A result held whole by rank 0 (a reduction over every axis). */
function onRoot(comm: Comm, result: NDArray): Block {
  const dist = Distribution.create(result.shape, {
    dist: "n".repeat(result.ndim),
    commSize: comm.size,
    ranks: [0],
  });
  const local = comm.rank === 0 ? result : empty(dist.localShape(comm.rank), result.dtype);
  return { dist, local };
}

/**
 * `DistArray.reduce` with an `axis`: the result as a distributed block. Collective.
 *
 * @param comm The communicator.
 * @param block This rank's part of the input.
 * @param name The reduction.
 * @param options `axis` (required here), `keepdims`, `ddof`, `dtype`.
 * @returns The result's distribution and this rank's block of it.
 */
export function reduceAxisBlock(
  comm: Comm,
  block: Block,
  name: ReductionName,
  options: ReduceOptions,
): Block {
  const { dist, local: input } = block;
  if (dist.ndim === 0) return onRoot(comm, reduceArray(comm, block, name, options));
  const shape = dist.shape;
  const r = reducer(name, input.dtype, shape, options); // validates name, axis, dtype
  const kept = shape.map((_, i) => i).filter((i) => !r.axes.includes(i));
  if (kept.length === 0) return onRoot(comm, reduceArray(comm, block, name, options));
  const keepdims = options.keepdims === true;
  const { rows, tiles } = tiling(shape);
  const { target, plan } = tilePlan(dist, comm.rank, rows, tiles);
  const local = plan ? moveBlock(comm, plan, input) : input;
  const bounds = target.axis(0).bounds!;
  const pos = target.gridCoords(comm.rank);
  const lo = pos ? bounds[pos[0]] : 0;
  const hi = pos ? bounds[pos[0] + 1] : 0;
  const n = shape[0];
  const zeros = shape.slice(1).map(() => 0);
  const t0 = Math.ceil(lo / rows);
  const t1 = Math.ceil(hi / rows);
  const tileRange = (t: number): [number, number] => [t * rows, Math.min((t + 1) * rows, n)];
  const outShape = r.outShape;
  const axesOut = (specs: AxisSpec[], grid: number[]) => {
    const keep = (_: unknown, i: number) => keepdims || kept.includes(i);
    return {
      shape: outShape.filter(keep),
      dist: specs.filter(keep),
      grid: grid.filter(keep),
    };
  };
  if (!r.axes.includes(0)) {
    // rows are independent: each tile is reduced on its own and stays where it is
    const sub = { ...options, axis: r.axes.length === 1 ? r.axes[0] : r.axes, keepdims: true };
    const mine = empty([hi - lo, ...outShape.slice(1)], r.resultDType);
    for (let t = t0; t < t1; t++) {
      const [a, b] = tileRange(t);
      const tr = reducer(name, input.dtype, [b - a, ...shape.slice(1)], sub);
      const res = tr.finish(tr.step(tr.init(), local.slice({ start: a - lo, stop: b - lo })));
      copyInto(mine.slice({ start: a - lo, stop: b - lo }), res);
    }
    const specs: AxisSpec[] = [{ type: "b", bounds }, ...outShape.slice(1).map(() => "n" as const)];
    const o = axesOut(specs, [target.grid[0], ...outShape.slice(1).map(() => 1)]);
    const out = Distribution.create(o.shape, {
      dist: o.dist,
      grid: o.grid,
      commSize: dist.commSize,
      ranks: target.ranks,
    });
    return { dist: out, local: mine.reshape(out.localShape(comm.rank)) };
  }
  // axis 0 is reduced: step the tiles into subtree roots as the replicated path does
  const acc = new TreeAccumulator(r, tiles);
  for (let t = t0; t < t1; t++) {
    const [a, b] = tileRange(t);
    acc.push(t, r.step(r.init(), local.slice({ start: a - lo, stop: b - lo }), [a, ...zeros]));
  }
  const P = comm.size;
  const k0 = kept[0];
  const cut = balanced(outShape[k0], P);
  const inner = prod(outShape.slice(k0 + 1)); // slots per index of axis k0
  const mineN = cut[comm.rank + 1] - cut[comm.rank];
  const subShape = shape.map((s, i) => (i === k0 ? mineN : s));
  const sr = reducer(name, input.dtype, subShape, options);
  const state = scatterTree(comm, r.fields, acc.nodes(), tiles, { cut, inner, sr });
  const result = sr.finish(state, { keepdims });
  const specs = outShape.map((_, i): AxisSpec => (i === k0 ? { type: "b", bounds: cut } : "n"));
  const o = axesOut(specs, outShape.map((_, i) => (i === k0 ? P : 1)));
  const out = Distribution.create(o.shape, { dist: o.dist, grid: o.grid, commSize: P });
  return { dist: out, local: result };
}

/**
 * The reduce-scatter of the fixed merge tree: every rank sends, for each
 * subtree root it holds, the slots of rank p's block to rank p (one
 * alltoallv), then combines the nodes it received in the tree of
 * `treeCombine`. Returns the state of this rank's slots.
 */
function scatterTree(
  comm: Comm,
  fields: readonly { dtype: keyof typeof FIELD_BYTES }[],
  nodes: readonly { level: number; index: number; state: ReduceState }[],
  nTiles: number,
  out: { cut: readonly number[]; inner: number; sr: ReturnType<typeof reducer> },
): ReduceState {
  const { cut, inner, sr } = out;
  const P = comm.size;
  if (nTiles === 0) return sr.init();
  const perSlot = fields.reduce((s, f) => s + FIELD_BYTES[f.dtype], 0);
  const sendCounts = Array.from(
    { length: P },
    (_, p) => nodes.length * (cut[p + 1] - cut[p]) * inner * perSlot,
  );
  const send = new Uint8Array(sendCounts.reduce((a, b) => a + b, 0));
  let at = 0;
  for (let p = 0; p < P; p++) {
    for (const node of nodes) {
      stateBuffers(node.state).forEach((b, f) => {
        const w = FIELD_BYTES[fields[f].dtype];
        const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
        const seg = bytes.subarray(cut[p] * inner * w, cut[p + 1] * inner * w);
        send.set(seg, at);
        at += seg.length;
      });
    }
  }
  const lists = comm.allgatherJson(nodes.map((nd) => [nd.level, nd.index]));
  const mine = (cut[comm.rank + 1] - cut[comm.rank]) * inner;
  const recvCounts = lists.map((l) => l.length * mine * perSlot);
  const recv = comm.alltoallv(send as CommBuffer, sendCounts, { recvCounts }) as Uint8Array;
  const have = new Map<string, ReduceState>();
  let off = 0;
  for (const list of lists) {
    for (const [level, index] of list) {
      const bufs = fields.map((f) => {
        const len = FIELD_BYTES[f.dtype] * mine;
        const b = recv.slice(off, off + len).buffer;
        off += len;
        return b;
      });
      have.set(`${level}:${index}`, stateFromBuffers(sr, bufs));
    }
  }
  // the same tree as treeCombine: a missing node is the merge of its children
  const node = (level: number, index: number): ReduceState => {
    const got = have.get(`${level}:${index}`);
    if (got) return got;
    if (level === 0) throw new RangeError(`Invalid tile states: tile ${index} has no state`);
    const left = node(level - 1, 2 * index);
    const rightStart = (2 * index + 1) * 2 ** (level - 1);
    return rightStart < nTiles ? sr.merge(left, node(level - 1, 2 * index + 1)) : left;
  };
  return node(rootLevel(nTiles), 0);
}
