// The nodes of a lazy expression graph, their shape and dtype inference, and
// the mapping of a block (a region of a node) onto the regions of its
// operands: broadcasting and slicing are region transforms, so a slice is
// never materialised and only the selected part of a source is read.

import { type DType, type Scalar, toDType } from "../core/dtype.ts";
import { broadcastShapes, empty, NDArray } from "../core/ndarray.ts";
import { indexSelection, type SliceSpec } from "../core/indexer.ts";
import { type ReduceOptions, reducer, type ReductionName } from "../core/reduce.ts";
import type { ArraySource, Region } from "../io/region.ts";
import { CfSource } from "./_cf.ts";
import { applyMap, ufuncOf } from "./_block_ops.ts";

export {
  applyMap,
  broadcastRegion,
  nodeId,
  sliceBlock,
  sliceRegion,
  ufuncOf,
} from "./_block_ops.ts";

/** A leaf: an array source read block by block. */
export interface SourceNode {
  readonly kind: "source";
  readonly source: ArraySource;
  /** Whether any sub-block can be read without re-reading a storage unit (npy, memory, random). */
  readonly splittable: boolean;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** The block grid to follow (the source's chunks unless overridden). */
  readonly chunks: readonly number[];
}

/** An element-wise operation: a ufunc by NumPy name, or `astype`, `where`, `clip`. */
export interface MapNode {
  readonly kind: "map";
  readonly op: string;
  readonly args: readonly Operand[];
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** One output axis of a slice: an input axis read from `start` by `step`, or a new axis. */
export interface SliceAxis {
  /** The input axis, or null for a new axis of length 1. */
  readonly input: number | null;
  readonly start: number;
  readonly step: number;
  readonly count: number;
}

/** A basic-indexing view of its operand. */
export interface SliceNode {
  readonly kind: "slice";
  readonly arg: Node;
  readonly axes: readonly SliceAxis[];
  /** Per input axis, the index when the axis is dropped by an integer, else null. */
  readonly fixed: readonly (number | null)[];
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** A reduction of its operand. */
export interface ReduceNode {
  readonly kind: "reduce";
  readonly arg: Node;
  readonly name: ReductionName;
  readonly options: ReduceOptions;
  /** Shape of the keepdims result. */
  readonly keepShape: readonly number[];
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** Any node. */
export type Node = SourceNode | MapNode | SliceNode | ReduceNode;

/** An operand of a map: a node, a scalar, or null (a missing clip bound). */
export type Operand = Node | Scalar | null;

function isNode(x: unknown): x is Node {
  return typeof x === "object" && x !== null && "kind" in x && "shape" in x;
}

/** A node's operands that are nodes. */
export function children(n: Node): Node[] {
  switch (n.kind) {
    case "source":
      return [];
    case "map":
      return n.args.filter(isNode);
    default:
      return [n.arg];
  }
}

/** Builds a map node, checking operands and inferring shape and dtype as the ufunc would. */
export function mapNode(op: string, args: readonly Operand[], dtype?: DType): MapNode {
  const probe = (x: Operand): NDArray | Scalar | null => isNode(x) ? empty([0], x.dtype) : x;
  const shapes = args.filter(isNode).map((x) => x.shape);
  const shape = broadcastShapes(...shapes);
  let d: DType;
  if (op === "astype") {
    d = toDType(dtype as DType);
  } else {
    if (op !== "clip") {
      const { arity } = ufuncOf(op);
      if (args.length !== arity) {
        throw new TypeError(`Invalid operands of ${op}: expected ${arity}, got ${args.length}`);
      }
    } else if (args.length !== 3) {
      throw new TypeError(`Invalid operands of clip: expected 3, got ${args.length}`);
    }
    d = applyMap(op, "float64", args.map(probe)).dtype;
  }
  return { kind: "map", op, args, shape, dtype: d };
}

/** Builds a slice node from NumPy-style specs (ints, ranges with steps, null, "..."). */
export function sliceNode(arg: Node, specs: readonly SliceSpec[]): SliceNode {
  const sel = indexSelection(arg.shape, specs, { caller: "LazyArray.slice" });
  const axes: SliceAxis[] = [];
  const fixed: (number | null)[] = arg.shape.map(() => null);
  for (const a of sel.axes) {
    if (a.kind === "newaxis") axes.push({ input: null, start: 0, step: 1, count: 1 });
    else if (a.kind === "index") fixed[a.axis] = a.index;
    else if (a.kind === "range") {
      axes.push({ input: a.axis, start: a.start, step: a.step, count: a.count });
    }
  }
  return {
    kind: "slice",
    arg,
    axes,
    fixed,
    shape: axes.map((a) => a.count),
    dtype: arg.dtype,
  };
}

/** Builds a reduction node. */
export function reduceNode(
  arg: Node,
  name: ReductionName,
  options: ReduceOptions = {},
): ReduceNode {
  // CF-decoded data skips missing values by default (xarray's skipna for floats)
  if (options.skipna === undefined && arg.dtype.startsWith("float") && cfDerived(arg)) {
    options = { ...options, skipna: true };
  }
  const r = reducer(name, arg.dtype, arg.shape, options);
  const keepShape = [...r.outShape];
  const shape = options.keepdims ? keepShape : keepShape.filter((_, i) => !r.axes.includes(i));
  return { kind: "reduce", arg, name, options, keepShape, shape, dtype: r.resultDType };
}

/** Whether a node's values come from a CF-decoded source. */
/** Whether a node reads a CF-decoded source (its float reductions skip NaN by default). */
export function cfDerived(n: Node): boolean {
  return topoOrder(n).some((x) => x.kind === "source" && x.source instanceof CfSource);
}

/** The full region of a shape. */
export function fullRegion(shape: readonly number[]): Region {
  return { start: shape.map(() => 0), step: shape.map(() => 1), count: [...shape] };
}

/** Every distinct node under `root` (children before parents). */
export function topoOrder(root: Node): Node[] {
  const seen = new Set<Node>();
  const out: Node[] = [];
  const visit = (n: Node): void => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const c of children(n)) visit(c);
    out.push(n);
  };
  visit(root);
  return out;
}

/** Number of reductions nested below and including `n` along the deepest path. */
export function reduceDepth(n: Node, memo: Map<Node, number> = new Map()): number {
  const m = memo.get(n);
  if (m !== undefined) return m;
  const below = Math.max(0, ...children(n).map((c) => reduceDepth(c, memo)));
  const d = below + (n.kind === "reduce" ? 1 : 0);
  memo.set(n, d);
  return d;
}
