// Scans (cumsum, cumprod, ufunc accumulate) and ufunc outer of DistArrays.
//
// A scan along axis k moves the array to canonical tiles: runs of R indices
// along k with every other axis whole, R and the tile count fixed by the
// shape alone (never by the rank count). Each rank scans its tiles locally
// (left to right in global index order), the tile totals are allgathered,
// every rank combines them left to right into the carry into each tile, and
// a tile's result is op(carry, local scan). So the bits are the same for any
// rank count and any input distribution; integers, bool, maximum and minimum
// equal NumPy's exactly, and float sums and products equal NumPy's inside the
// first tile and differ after it only by rounding (the carry is added to a
// tile's own running sum instead of to the previous element).

import type { DType } from "../core/dtype.ts";
import { copyInto, empty, NDArray } from "../core/ndarray.ts";
import {
  accumulate,
  accumulateDType,
  type AccumulateOptions,
  ARRAY_UFUNC,
  binaryWithMethods,
  reduceUfunc,
  type UfuncMethod,
  type UfuncReduceOptions,
  ufuncReduction,
} from "../core/ufunc_methods.ts";
import type { Comm, CommBuffer } from "./comm.ts";
import { Distribution, redistributionPlan } from "./distribution.ts";
import { bitsDType, bitsView, type Block, fromBits, moveBlock, prod } from "./_dist_blocks.ts";
import { gather } from "./_dist_ops.ts";
import { sameBlockLayout } from "./_dist_reduce.ts";
import { checkOptionKeys } from "../core/options.ts";

const checkKeys = checkOptionKeys;

/** A binary ufunc's NumPy name, as core/ufunc_methods.ts types it. */
type BinaryOp = Parameters<typeof accumulate>[0];

/** Ufuncs a distributed scan supports: associative, so tile totals combine. */
const ASSOCIATIVE: ReadonlySet<string> = new Set([
  "add",
  "multiply",
  "maximum",
  "minimum",
  "logical_and",
  "logical_or",
  "logical_xor",
  "bitwise_and",
  "bitwise_or",
  "bitwise_xor",
]);

/** Elements per canonical scan tile (at least), and the most tiles along the axis. */
const TILE_ELEMENTS = 65536;
const MAX_TILES = 256;

function checkAxis(caller: string, axis: unknown, ndim: number): number {
  if (typeof axis !== "number" || !Number.isInteger(axis)) {
    throw new TypeError(`Invalid axis for ${caller}: expected an integer, got ${String(axis)}`);
  }
  if (axis < -ndim || axis >= ndim) {
    throw new RangeError(
      `Invalid axis for ${caller}: axis ${axis} is out of bounds for an array of dimension ${ndim}`,
    );
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Tile length along the scanned axis: a function of the shape only. */
function tileRows(n: number, row: number): number {
  const byElements = row === 0 ? n : Math.ceil(TILE_ELEMENTS / row);
  return Math.max(1, byElements, Math.ceil(n / MAX_TILES));
}

/** Block distribution along `axis` with tile-aligned bounds in rank order, other axes whole. */
function scanDistribution(shape: readonly number[], axis: number, rows: number, P: number) {
  const n = shape[axis];
  const tiles = n === 0 ? 0 : Math.ceil(n / rows);
  const q = Math.floor(tiles / P);
  const r = tiles % P;
  const bounds = [0];
  let t = 0;
  for (let p = 0; p < P; p++) {
    t += q + (p < r ? 1 : 0);
    bounds.push(Math.min(t * rows, n));
  }
  return Distribution.create(shape, {
    dist: shape.map((_, i) => (i === axis ? { type: "b" as const, bounds } : "n" as const)),
    grid: shape.map((_, i) => (i === axis ? P : 1)),
    commSize: P,
  });
}

function along(ndim: number, axis: number, start: number, stop: number) {
  return Array.from({ length: ndim }, (_, i) => (i === axis ? { start, stop } : ":"));
}

/** The scan of the tiles of `local` (rows [lo, hi) along `axis`), with the carries applied. */
function scanTiles(
  comm: Comm,
  target: Distribution,
  local: NDArray,
  op: string,
  axis: number,
  rows: number,
  rd: DType,
): NDArray {
  const shape = target.shape;
  const n = shape[axis];
  const tiles = n === 0 ? 0 : Math.ceil(n / rows);
  const pos = target.gridCoords(comm.rank);
  const bounds = target.axis(axis).bounds!;
  const lo = pos ? bounds[pos[axis]] : 0;
  const hi = pos ? bounds[pos[axis] + 1] : 0;
  const t0 = Math.ceil(lo / rows);
  const t1 = Math.ceil(hi / rows);
  const totalShape = shape.map((m, i) => (i === axis ? 1 : m));
  const row = prod(totalShape);
  const nd = shape.length;
  const out = empty(local.shape, rd);
  // tile totals of this rank, in tile order
  const mine = empty(shape.map((m, i) => (i === axis ? t1 - t0 : m)), rd);
  for (let t = t0; t < t1; t++) {
    const a = t * rows - lo;
    const b = Math.min((t + 1) * rows, n) - lo;
    const s = accumulate(op as never, local.slice(...along(nd, axis, a, b)), { axis, dtype: rd });
    copyInto(out.slice(...along(nd, axis, a, b)), s);
    copyInto(
      mine.slice(...along(nd, axis, t - t0, t - t0 + 1)),
      s.slice(...along(nd, axis, b - a - 1, b - a)),
    );
  }
  // all tile totals, in tile order (ranks own contiguous runs of tiles in rank order)
  const counts = new Array<number>(comm.size).fill(0);
  const displs = new Array<number>(comm.size).fill(0);
  for (let p = 0; p < target.grid[axis]; p++) {
    const rk = target.ranks[p];
    counts[rk] = (Math.ceil(bounds[p + 1] / rows) - Math.ceil(bounds[p] / rows)) * row;
    displs[rk] = Math.ceil(bounds[p] / rows) * row;
  }
  // gathered tile-major: [tiles, ...totalShape]
  const mineTM = moveAxisFirst(mine, axis);
  const all = empty([tiles, ...totalShape], bitsDType(rd));
  if (tiles > 0) {
    comm.allgatherv(bitsView(mineTM).data as CommBuffer, {
      counts,
      displs,
      recv: all.data as CommBuffer,
    });
  }
  const totals = fromBits(all, rd);
  // carry into tile t: totals[0] op totals[1] op ... op totals[t-1], left to right
  let carry: NDArray | null = null;
  for (let t = 0; t < t1; t++) {
    if (t >= t0 && carry !== null) {
      const a = t * rows - lo;
      const b = Math.min((t + 1) * rows, n) - lo;
      const v = out.slice(...along(nd, axis, a, b));
      binaryWithMethods(op as BinaryOp)(carry, v, { out: v, dtype: rd });
    }
    const tot = totals.slice(t).reshape(totalShape);
    carry = carry === null
      ? tot.copy()
      : binaryWithMethods(op as BinaryOp)(carry, tot, { dtype: rd });
  }
  return out;
}

/** A C-contiguous copy with `axis` moved first (the tile axis of the totals). */
function moveAxisFirst(a: NDArray, axis: number): NDArray {
  const order = [axis, ...a.shape.map((_, i) => i).filter((i) => i !== axis)];
  return a.transpose(order).copy();
}

/**
 * `DistArray.accumulate` / `cumsum` / `cumprod`: the scan of an associative
 * binary ufunc along `axis` (null: the C-order flattening, a 1-D result),
 * in the input's distribution (block along the tiles for the flattening).
 * Collective.
 */
export function scanBlock(
  comm: Comm,
  from: Block,
  op: string,
  options: { axis?: number | null; dtype?: DType } | undefined,
  caller: string,
): Block {
  checkKeys(caller, options, ["axis", "dtype"]);
  if (!ASSOCIATIVE.has(op)) {
    throw new TypeError(
      `Cannot run ${caller} with "${op}" on a DistArray: only associative ufuncs (${
        [...ASSOCIATIVE].join(", ")
      }) scan in parallel`,
    );
  }
  const shape = from.dist.shape;
  if (shape.length === 0) throw new TypeError(`Cannot run ${caller} on a 0-d array`);
  const rd = accumulateDType(op as never, from.local.dtype, options?.dtype);
  if (prod(shape) === 0) {
    const dist = options?.axis === null
      ? Distribution.create([0], { dist: "b", commSize: comm.size })
      : from.dist;
    return { dist, local: empty(dist.localShape(comm.rank) as number[], rd) };
  }
  const flatten = options?.axis === null;
  const axis = flatten ? 0 : checkAxis(caller, options?.axis ?? 0, shape.length);
  const rowLen = prod(shape) / (shape[axis] || 1);
  const rest = flatten ? prod(shape.slice(1)) : rowLen;
  // flattening: whole rows of axis 0 are contiguous runs of the C-order flattening
  const rows = flatten && rest > 0
    ? Math.ceil(tileRows(prod(shape), 1) / rest)
    : tileRows(shape[axis], rest);
  const target = scanDistribution(shape, axis, rows, comm.size);
  // moving costs a plan and an alltoallv: skipped when the layout is already the tiles'
  const same = sameBlockLayout(from.dist, target);
  const move = (a: NDArray, src: Distribution, dst: Distribution) =>
    same ? a : moveBlock(comm, redistributionPlan(src, dst, { rank: comm.rank }), a);
  const local = move(from.local, from.dist, target);
  if (flatten) {
    const size = prod(shape);
    const flatRows = rows * rest;
    const flatDist = scanDistribution(
      [size],
      0,
      flatRows,
      comm.size,
    );
    const flat = local.reshape([local.size]);
    return { dist: flatDist, local: scanTiles(comm, flatDist, flat, op, 0, flatRows, rd) };
  }
  const out = scanTiles(comm, target, local, op, axis, rows, rd);
  return { dist: from.dist, local: move(out, target, from.dist) };
}

/**
 * `DistArray.outer`: op of every pair of two 1-D DistArrays, a 2-D array
 * block-distributed along axis 0 (`b` is gathered on every rank). Collective.
 */
export function outerBlock(comm: Comm, a: Block, b: Block, op: string, caller: string): Block {
  if (a.dist.ndim !== 1 || b.dist.ndim !== 1) {
    throw new RangeError(
      `Invalid operands of ${caller}: expected two 1-D DistArrays, got ${a.dist.ndim}-D and ${b.dist.ndim}-D`,
    );
  }
  const n = a.dist.shape[0];
  const m = b.dist.shape[0];
  const rows = Distribution.create([n], { dist: "b", commSize: comm.size });
  const la = sameBlockLayout(a.dist, rows)
    ? a.local
    : moveBlock(comm, redistributionPlan(a.dist, rows, { rank: comm.rank }), a.local);
  const whole = gather(comm, b, undefined)!;
  const dist = Distribution.create([n, m], {
    dist: ["b", "n"],
    grid: [comm.size, 1],
    commSize: comm.size,
  });
  const local = binaryWithMethods(op as BinaryOp)(la.reshape([la.size, 1]), whole);
  return { dist, local: local.reshape(dist.localShape(comm.rank) as number[]) };
}

/** What `_dist_scan.ts` needs of a DistArray (its class is not imported: no cycle). */
export interface DistLike {
  readonly comm: Comm;
  readonly distribution: Distribution;
  readonly local: NDArray;
  reduce(name: "sum" | "prod" | "max" | "min" | "all" | "any", options: object): NDArray;
  toNDArray(): NDArray | null;
}

/** The DistArray class, passed in by dist_array.ts (its constructor is private to TypeScript). */
export interface DistClass<T> {
  readonly prototype: T;
  ufunc(name: string, operands: readonly never[]): T;
  fromLocal(comm: Comm, local: NDArray, options: { distribution: Distribution }): T;
}

function blockOf(a: DistLike): Block {
  return { dist: a.distribution, local: a.local };
}

/** `cumsum` / `cumprod` of the operation table on a DistArray (axis default null). */
export function scanArray<T extends DistLike>(
  self: T,
  op: "add" | "multiply",
  options: AccumulateOptions | undefined,
  C: DistClass<T>,
): T {
  const caller = op === "add" ? "cumsum()" : "cumprod()";
  const r = scanBlock(self.comm, blockOf(self), op, { axis: null, ...options }, caller);
  return C.fromLocal(self.comm, r.local, { distribution: r.dist });
}

/**
 * A ufunc's `reduce`, `accumulate` or `outer` on a DistArray (its
 * `[ARRAY_UFUNC]` method): accumulate scans in parallel, reduce runs the
 * DistArray's reduction (`sum` for add, ...) and gathers for the others,
 * outer of two 1-D DistArrays is a 2-D DistArray. Collective.
 */
export function ufuncMethod<T extends DistLike>(
  self: T,
  method: UfuncMethod,
  op: BinaryOp,
  args: readonly unknown[],
  C: DistClass<T>,
): unknown {
  const caller = `${op}.${method}()`;
  if (method === "accumulate") {
    const opts = args[0] as AccumulateOptions | undefined;
    const r = scanBlock(self.comm, blockOf(self), op, { ...opts, axis: opts?.axis ?? 0 }, caller);
    return C.fromLocal(self.comm, r.local, { distribution: r.dist });
  }
  if (method === "outer") {
    const b = args[0] as T;
    if (!(b instanceof (C as unknown as new () => T))) {
      throw new TypeError(`Invalid operand 1 of ${caller}: expected a DistArray`);
    }
    const r = outerBlock(self.comm, blockOf(self), blockOf(b), op, caller);
    return C.fromLocal(self.comm, r.local, { distribution: r.dist });
  }
  const opts = (args[0] ?? {}) as UfuncReduceOptions;
  checkKeys(caller, opts, ["axis", "keepdims", "dtype"]);
  const red = ufuncReduction(op);
  const shape = self.distribution.shape;
  if (red === null || shape.some((n) => n === 0)) {
    // no dedicated reduction (or an empty array): gather and fold in order
    const whole = gather(self.comm, blockOf(self), undefined)!;
    return reduceUfunc(op, whole, opts);
  }
  const axis = opts.axis === undefined ? 0 : opts.axis;
  if (typeof axis === "number") checkAxis(caller, axis, shape.length);
  else if (Array.isArray(axis)) axis.forEach((x) => checkAxis(caller, x, shape.length));
  const rd = accumulateDType(op, self.local.dtype, opts.dtype);
  const withDType = red === "sum" || red === "prod" ? { dtype: rd } : {};
  const r = self.reduce(red, { axis, keepdims: opts.keepdims === true, ...withDType });
  return r.dtype === rd ? r : r.astype(rd);
}

/**
 * Installs the ufunc protocols on the DistArray class: `Symbol.for("tessera.ufunc")`
 * (NDArray's method form hands a ufunc with a DistArray operand over:
 * `nd.add(dist)`, core/ndarray.ts) and `[ARRAY_UFUNC]` (`add.accumulate(dist)`,
 * `add.reduce(dist)`, `subtract.outer(d1, d2)`); returns the `scan`
 * implementation of its `installOps` call (`cumsum`, `cumprod`).
 */
export function installUfuncProtocols<T extends DistLike>(
  C: DistClass<T>,
): (self: T, op: "add" | "multiply", options: AccumulateOptions | undefined) => T {
  Object.defineProperty(C.prototype, Symbol.for("tessera.ufunc"), {
    value: (name: string, operands: unknown[]) => C.ufunc(name, operands as never[]),
  });
  Object.defineProperty(C.prototype, ARRAY_UFUNC, {
    value: function (this: T, method: UfuncMethod, op: BinaryOp, args: readonly unknown[]) {
      return ufuncMethod(this, method, op, args, C);
    },
  });
  return (self, op, options) => scanArray(self, op, options, C);
}
