// What evaluating a block takes, apart from the graph's construction: a map
// node's operation on evaluated operands, the regions of operands (broadcast
// and sliced), and the node numbers that key blocks. Kept apart from
// stream/_graph.ts (which knows the sources and their formats) so that a
// compute worker loads only this.

import type { DType, Scalar } from "../core/dtype.ts";
import { copyInto, type NDArray } from "../core/ndarray.ts";
import type { SliceSpec } from "../core/indexer.ts";
import * as uf from "../core/ufunc.ts";
import type { Region } from "../io/region.ts";
import type { Node, SliceNode } from "./_graph.ts";

const ALIASES: Readonly<Record<string, string>> = {
  abs: "absolute",
  "true_divide": "divide",
  "bitwise_not": "invert",
};

type Fn = (...a: unknown[]) => NDArray;

/** The ufunc function (with an options last argument) of a NumPy name, and its arity. */
export function ufuncOf(name: string): { fn: Fn; arity: number } {
  const entry = uf.UFUNCS[name];
  if (!entry) {
    throw new TypeError(
      `Unknown ufunc "${name}": expected one of ${Object.keys(uf.UFUNCS).join(", ")}`,
    );
  }
  const canonical = ALIASES[name] ?? name;
  const camel = canonical.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const fn = (uf as unknown as Record<string, Fn>)[camel];
  if (typeof fn !== "function") throw new TypeError(`Unknown ufunc "${name}"`);
  return { fn, arity: entry.arity };
}

/**
 * Applies a map node's operation to evaluated operands, into `out` when
 * given (reused between blocks).
 */
export function applyMap(
  op: string,
  dtype: DType,
  args: readonly (NDArray | Scalar | null)[],
  out?: NDArray,
): NDArray {
  if (op === "astype") {
    const a = args[0] as NDArray;
    if (out) return copyInto(out, a);
    return a.astype(dtype);
  }
  if (op === "clip") {
    return uf.clip(
      args[0] as uf.Operand,
      args[1] as uf.Operand | null,
      args[2] as uf.Operand | null,
      {
        out,
      },
    );
  }
  const { fn } = ufuncOf(op);
  return fn(...args, { out });
}

/**
 * The region of an operand of shape `child` needed for the region `r` of a
 * result of shape `parent` (NumPy broadcasting: leading axes are dropped,
 * axes of length 1 stay whole).
 */
export function broadcastRegion(
  parent: readonly number[],
  child: readonly number[],
  r: Region,
): Region {
  const off = parent.length - child.length;
  const start: number[] = [];
  const step: number[] = [];
  const count: number[] = [];
  for (let i = 0; i < child.length; i++) {
    if (child[i] === 1 && parent[i + off] !== 1) {
      start.push(0);
      step.push(1);
      count.push(1);
    } else {
      start.push(r.start[i + off]);
      step.push(r.step[i + off]);
      count.push(r.count[i + off]);
    }
  }
  return { start, step, count };
}

/**
 * The region of a slice's operand read for region `r` of the slice, and how
 * to turn the block read into the slice's block: which axes to reverse
 * (negative steps) and the final shape (dropped and new axes).
 */
export function sliceRegion(n: SliceNode, r: Region): { region: Region; reverse: number[] } {
  const start = n.arg.shape.map(() => 0);
  const step = n.arg.shape.map(() => 1);
  const count = n.arg.shape.map(() => 1);
  const reverse: number[] = [];
  n.fixed.forEach((v, ax) => {
    if (v !== null) start[ax] = v;
  });
  n.axes.forEach((a, k) => {
    if (a.input === null) return;
    const st = a.step * r.step[k];
    const first = a.start + a.step * r.start[k];
    const c = r.count[k];
    if (st > 0) {
      start[a.input] = first;
      step[a.input] = st;
    } else {
      start[a.input] = c > 0 ? first + st * (c - 1) : 0;
      step[a.input] = -st;
      reverse.push(a.input);
    }
    count[a.input] = c;
  });
  return { region: { start, step, count }, reverse };
}

/** Turns the block read for a slice into the slice's block (a view). */
export function sliceBlock(n: SliceNode, block: NDArray, reverse: readonly number[]): NDArray {
  const specs: SliceSpec[] = [];
  let next = 0;
  const flushFixed = (upTo: number): void => {
    for (; next < upTo; next++) if (n.fixed[next] !== null) specs.push(0);
  };
  for (const a of n.axes) {
    if (a.input === null) {
      specs.push(null);
      continue;
    }
    flushFixed(a.input);
    specs.push(reverse.includes(a.input) ? "::-1" : ":");
    next = a.input + 1;
  }
  flushFixed(n.fixed.length);
  return block.slice(...specs);
}

const IDS = new WeakMap<Node, number>();
let nextId = 1;

/** A stable number for a node (for keys). */
export function nodeId(n: Node): number {
  let id = IDS.get(n);
  if (id === undefined) IDS.set(n, id = nextId++);
  return id;
}
