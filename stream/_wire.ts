// A pass as a compute worker receives it (stream/_compute_worker.ts): its
// element-wise and slice nodes, with every source replaced by a block input
// and every earlier reduction by its value (in shared memory, sent once), as
// plain structured-cloneable data; and the rebuilding of those nodes on the
// worker's side, where the same BlockEvaluator runs on them.

import { type DType, DTYPES, isComplex, type Scalar } from "../core/dtype.ts";
import { copyInto, NDArray } from "../core/ndarray.ts";
import type { ReduceOptions, ReduceState, ReductionName } from "../core/reduce.ts";
import type { Region, WorkerSourceSpec } from "../io/region.ts";
import type { MapNode, Node, ReduceNode, SliceAxis, SourceNode } from "./_graph.ts";
import type { RandomSourceOptions } from "./options.ts";
import { RandomSource } from "./_random_source.ts";

/** An operand of a wire map node: a node by index, or a scalar (null: a missing clip bound). */
export type WireArg = { readonly node: number } | { readonly scalar: Scalar | null };

/** A node on the wire; children by index into {@link WirePass.nodes}, before their parents. */
export type WireNode =
  | {
    readonly kind: "input";
    readonly shape: readonly number[];
    readonly dtype: DType;
    /** How the worker opens the source itself (it then reads its blocks), if it can. */
    readonly reader?: WorkerSourceSpec;
  }
  | {
    /** A random source: the worker generates its blocks (counter-based, the same bits). */
    readonly kind: "random";
    readonly shape: readonly number[];
    readonly dtype: DType;
    readonly options: RandomSourceOptions;
  }
  | {
    readonly kind: "value";
    readonly shape: readonly number[];
    readonly dtype: DType;
    /** The value, C-contiguous, over a SharedArrayBuffer. */
    readonly data: ArrayBufferView;
  }
  | {
    readonly kind: "map";
    readonly op: string;
    readonly args: readonly WireArg[];
    readonly shape: readonly number[];
    readonly dtype: DType;
  }
  | {
    readonly kind: "slice";
    readonly arg: number;
    readonly axes: readonly SliceAxis[];
    readonly fixed: readonly (number | null)[];
    readonly shape: readonly number[];
    readonly dtype: DType;
  };

/** A reduction of a reduction pass: what the worker's reducer is made of. */
export interface WireReduction {
  readonly arg: number;
  readonly name: ReductionName;
  readonly options: ReduceOptions;
}

/** A pass on the wire: its nodes, and its roots (map passes) or reductions. */
export interface WirePass {
  /** Unique per pass of a run: the worker rebuilds its evaluator when it changes. */
  readonly key: string;
  readonly nodes: readonly WireNode[];
  readonly root: number | null;
  readonly reductions: readonly WireReduction[];
}

/**
 * One source block of a piece: the input node, its region and its data
 * (shared memory). Random sources send none: the worker generates them; nor
 * do sources the worker reads itself ({@link WireNode} `reader`).
 */
export interface WireInput {
  readonly input: number;
  readonly region: Region;
  readonly data: ArrayBufferView;
}

/** A job: one block (its pieces, in order) of a pass. */
export interface ComputeJob {
  readonly pass: WirePass;
  readonly pieces: readonly { readonly region: Region; readonly inputs: readonly WireInput[] }[];
  /** Map passes: where the block's values go (C order, shared memory). */
  readonly out?: ArrayBufferView;
  /**
   * The pass's count of answers posted (shared, one Int32): the worker adds 1
   * just before it posts a job's answer, so that the main thread knows when an
   * answer is on its way without yielding to the event loop to look.
   */
  readonly posted?: Int32Array;
}

/** A worker's answer: the block's reduction states (reduction passes). */
export interface ComputeReply {
  readonly states?: readonly ReduceState[];
}

/** A C-contiguous array of `shape` over `buf` when it is large enough, else a new SharedArrayBuffer. */
export function sharedArray(
  dtype: DType,
  shape: readonly number[],
  buf?: SharedArrayBuffer,
): NDArray {
  const inf = DTYPES[dtype];
  const n = shape.reduce((a, b) => a * b, 1);
  const bytes = Math.max(1, n) * inf.bytes;
  const sab = buf !== undefined && buf.byteLength >= bytes ? buf : new SharedArrayBuffer(bytes);
  return new NDArray(dtype, new inf.array(sab as unknown as ArrayBuffer, 0, n) as never, shape);
}

/**
 * The wire form of a pass over `roots`, or null when a worker cannot rebuild
 * it (complex or float16 values: they stay in this thread). `inputs` maps
 * each source node to its wire index; `selfRead` says whether every source
 * of the pass is random or opened by the worker itself (then no block is
 * read by this thread for the worker).
 */
export function encodePass(
  key: string,
  roots: readonly Node[],
  reductions: readonly ReduceNode[] | null,
  values: Map<ReduceNode, NDArray>,
): { pass: WirePass; inputs: Map<SourceNode, number>; selfRead: boolean } | null {
  const index = new Map<Node, number>();
  const nodes: WireNode[] = [];
  const inputs = new Map<SourceNode, number>();
  let ok = true;
  let selfRead = true;
  const visit = (n: Node): number => {
    const got = index.get(n);
    if (got !== undefined) return got;
    if (isComplex(n.dtype) || n.dtype === "float16") ok = false;
    let w: WireNode;
    switch (n.kind) {
      case "source": {
        if (n.source instanceof RandomSource) {
          w = { kind: "random", shape: n.shape, dtype: n.dtype, options: n.source.options };
          break;
        }
        // a source whose dtype is its storage's (not a CF-decoded view, say) and that a
        // worker can open
        const reader = n.source.dtype === n.dtype ? n.source.workerSpec?.() ?? null : null;
        if (reader === null) selfRead = false;
        w = reader === null
          ? { kind: "input", shape: n.shape, dtype: n.dtype }
          : { kind: "input", shape: n.shape, dtype: n.dtype, reader };
        break;
      }
      case "reduce": {
        const v = values.get(n);
        if (v === undefined) {
          ok = false;
          w = { kind: "input", shape: n.shape, dtype: n.dtype };
          break;
        }
        const shared = sharedArray(v.dtype, v.shape);
        copyInto(shared, v);
        w = { kind: "value", shape: v.shape, dtype: v.dtype, data: shared.data as ArrayBufferView };
        break;
      }
      case "slice":
        w = {
          kind: "slice",
          arg: visit(n.arg),
          axes: n.axes,
          fixed: n.fixed,
          shape: n.shape,
          dtype: n.dtype,
        };
        break;
      case "map":
        w = {
          kind: "map",
          op: n.op,
          args: n.args.map((a) =>
            a !== null && typeof a === "object" ? { node: visit(a) } : { scalar: a }
          ),
          shape: n.shape,
          dtype: n.dtype,
        };
        break;
    }
    const k = nodes.push(w) - 1;
    index.set(n, k);
    if (w.kind === "input" && n.kind === "source") inputs.set(n, k);
    return k;
  };
  const rootIndex = reductions === null ? visit(roots[0]) : null;
  const reds: WireReduction[] = (reductions ?? []).map((r) => ({
    arg: visit(r.arg),
    name: r.name,
    options: r.options,
  }));
  if (!ok) return null;
  return { pass: { key, nodes, root: rootIndex, reductions: reds }, inputs, selfRead };
}

/** The rebuilt nodes of a wire pass, and the values of its earlier reductions. */
export interface RebuiltPass {
  readonly nodes: readonly Node[];
  readonly values: Map<ReduceNode, NDArray>;
  /** The input nodes the worker opens itself, with how. */
  readonly readers: Map<SourceNode, WorkerSourceSpec>;
}

/** Rebuilds the nodes of a wire pass (inputs become sources with no reader). */
export function decodePass(pass: WirePass): RebuiltPass {
  const nodes: Node[] = [];
  const values = new Map<ReduceNode, NDArray>();
  const readers = new Map<SourceNode, WorkerSourceSpec>();
  for (const w of pass.nodes) {
    switch (w.kind) {
      case "input": {
        const n: SourceNode = {
          kind: "source",
          source: null as never,
          splittable: false,
          shape: w.shape,
          dtype: w.dtype,
          chunks: w.shape,
        };
        if (w.reader !== undefined) readers.set(n, w.reader);
        nodes.push(n);
        break;
      }
      case "random": {
        const source = new RandomSource(w.shape, w.options);
        nodes.push({
          kind: "source",
          source,
          splittable: true,
          shape: w.shape,
          dtype: w.dtype,
          chunks: source.chunks,
        });
        break;
      }
      case "value": {
        const r: ReduceNode = {
          kind: "reduce",
          arg: null as never,
          name: "sum",
          options: {},
          keepShape: w.shape,
          shape: w.shape,
          dtype: w.dtype,
        };
        values.set(r, new NDArray(w.dtype, w.data as never, w.shape));
        nodes.push(r);
        break;
      }
      case "slice":
        nodes.push({ ...w, arg: nodes[w.arg] });
        break;
      case "map":
        nodes.push(
          {
            kind: "map",
            op: w.op,
            args: w.args.map((a) => ("node" in a ? nodes[a.node] : a.scalar)),
            shape: w.shape,
            dtype: w.dtype,
          } satisfies MapNode,
        );
    }
  }
  return { nodes, values, readers };
}
