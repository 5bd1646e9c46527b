// The evaluator of one pass on one block: element-wise nodes (fused into a
// WebAssembly kernel where it can), slices and the values of earlier
// reductions, into buffers reused from block to block. The executor runs it
// in this thread and the compute workers (stream/_compute_worker.ts) run the
// same code on their blocks, so a block has the same bits wherever it is
// computed.

import type { Scalar } from "../core/dtype.ts";
import { empty, NDArray } from "../core/ndarray.ts";
import { compileMap, type MapExpr, type MapKernel, TRANSCEND_OPS } from "../core/wasm.ts";
import { describeRegion, type Region } from "../io/region.ts";
import type { MapNode, Node, ReduceNode, SourceNode } from "./_graph.ts";
import { applyMap, broadcastRegion, nodeId, sliceBlock, sliceRegion } from "./_block_ops.ts";

const FUSE_BIN: Readonly<Record<string, "add" | "sub" | "mul" | "div" | "pow">> = {
  add: "add",
  subtract: "sub",
  multiply: "mul",
  divide: "div",
  "true_divide": "div",
  power: "pow", // core/_wasm/power.ts, within 1 ulp (the ufunc's JS loop: also 1 ulp)
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
      // one transcendental op (or a power) is worth a kernel alone
      ops += FUSE_TR.has(n.op) || n.op === "power" ? 2 : 1;
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

/**
 * The reductions whose kernels only read their blocks, so that a block may be
 * a read-only file mapping (a write there would crash the process).
 */
export const READ_ONLY_REDUCTIONS: ReadonlySet<string> = new Set<string>([
  "sum",
  "mean",
  "var",
  "std",
  "min",
  "max",
  "argmin",
  "argmax",
  "prod",
]);

/** The key of node `n`'s block `r` (for the blocks read and memoised values). */
export function regionKey(n: Node, r: Region): string {
  return `${nodeId(n)}@${describeRegion(r)}`;
}

/** Elements of a shape. */
export function sizeOfShape(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/** Evaluates the nodes of one pass on its blocks, with buffers reused between blocks. */
export class BlockEvaluator {
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
