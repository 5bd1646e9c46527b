/**
 * Exact order statistics of data that is never held whole: a distributed
 * array (counts summed over the ranks) or an out-of-core one (one pass per
 * round over its blocks). Each value becomes a 64-bit order-preserving key
 * (float bits with the sign folded, integers with the sign bit flipped);
 * rounds of 65536-bin histograms of the next 16 key bits narrow every
 * wanted rank to one key in at most four passes, or fewer when the
 * candidates left fit a limit and a last pass collects them. NaN is
 * counted, never ranked (NumPy sorts it last).
 *
 * The result depends only on the multiset of values, so any split of the
 * data over blocks or ranks gives the same bits.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { selectOrderStatistics } from "./selection.ts";
 * const blocks = [fromArray([5, 1, NaN], "float64"), fromArray([3, 2], "float64")];
 * const r = await selectOrderStatistics({
 *   dtype: "float64",
 *   pass: (visit) => blocks.forEach(visit),
 *   ranks: (n) => [0, n - 1],
 * });
 * if (r.count !== 4 || r.nan !== 1 || String(r.values) !== "1,5") throw new Error("bad");
 * ```
 *
 * @module
 */

import type { DType, Scalar } from "./dtype.ts";
import type { NDArray } from "./ndarray.ts";

/** How keys are made from the 64-bit words: float bits, signed or unsigned integers. */
type KeyKind = 0 | 1 | 2;

const BINS = 65536;

/** A block as the passes read it: two 32-bit words per element (little-endian), and the key kind. */
interface KeyBlock {
  readonly words: Uint32Array;
  readonly kind: KeyKind;
}

function keyKind(dtype: DType): KeyKind {
  return dtype === "int64" ? 1 : dtype === "uint64" ? 2 : 0;
}

/** The block as 64-bit words: float64/int64/uint64 as they are, anything else as float64. */
function keyBlock(block: NDArray): KeyBlock {
  const kind = keyKind(block.dtype);
  let data: Float64Array | BigInt64Array | BigUint64Array;
  if (block.dtype === "float64" || kind !== 0) {
    data = block.toTypedArray() as Float64Array | BigInt64Array | BigUint64Array;
  } else {
    data = block.astype("float64").toTypedArray() as Float64Array;
  }
  return { words: new Uint32Array(data.buffer, data.byteOffset, data.length * 2), kind };
}

/** Options of {@link selectOrderStatistics}. */
export interface SelectionOptions {
  /** The data's dtype (bool counts as integers; float16/float32 and small integers are ranked as float64, exactly). */
  readonly dtype: DType;
  /** One pass over every block of the data (this rank's share under MPI). */
  readonly pass: (visit: (block: NDArray) => void) => void | Promise<void>;
  /**
   * The ranks wanted (0-based among the non-NaN values), given the non-NaN
   * count and the NaN count; an empty list stops after the counting pass.
   */
  readonly ranks: (count: number, nan: number) => readonly number[];
  /** Sums a histogram over the ranks (MPI allreduce); identity when omitted. */
  readonly combine?: (counts: Float64Array) => Float64Array;
  /**
   * Collect the candidates in one last pass once no more than this many are
   * left (with `combine`, only when `gather` is given; default 0: never,
   * always histogram rounds).
   */
  readonly collectLimit?: number;
  /** Concatenates the candidate keys of every rank (MPI allgatherv), for `collectLimit` with `combine`. */
  readonly gather?: (keys: BigUint64Array) => BigUint64Array;
}

/** What {@link selectOrderStatistics} found. */
export interface SelectionResult {
  /** Number of non-NaN values. */
  readonly count: number;
  /** Number of NaN values. */
  readonly nan: number;
  /** The value at each wanted rank (bigint for int64/uint64 data). */
  readonly values: Scalar[];
  /** Passes made over the data. */
  readonly passes: number;
}

interface Group {
  /** Key bits known so far: high and low words, `level` 16-bit digits of them. */
  hi: number;
  lo: number;
  level: number;
  /** Values in the group (across ranks). */
  size: number;
  /** Targets: index into the ranks list and rank within the group. */
  targets: { index: number; rank: number }[];
}

/**
 * Scans a block, calling `fn(hi, lo)` with the order-preserving key of each
 * non-NaN value; returns the NaN count. Each caller gets its own copy of the
 * loop (see {@link scanner}), so the call of `fn` stays monomorphic.
 */
type Scan = (b: KeyBlock, fn: (hi: number, lo: number) => void) => number;

function scanner(): Scan {
  return (b, fn) => {
    const w = b.words;
    const m = w.length;
    let nan = 0;
    if (b.kind === 0) {
      for (let i = 0; i < m; i += 2) {
        let lo = w[i], hi = w[i + 1];
        if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0) {
          nan++;
          continue;
        }
        if (hi >>> 31) {
          hi = ~hi >>> 0;
          lo = ~lo >>> 0;
        } else hi = (hi | 0x80000000) >>> 0;
        fn(hi, lo);
      }
    } else if (b.kind === 1) {
      for (let i = 0; i < m; i += 2) fn((w[i + 1] ^ 0x80000000) >>> 0, w[i]);
    } else {
      for (let i = 0; i < m; i += 2) fn(w[i + 1], w[i]);
    }
    return nan;
  };
}

/** The counting pass: the top 16 key bits of every non-NaN value, NaN in bin 65536. */
function histogramTop(b: KeyBlock, h: Float64Array): void {
  const w = b.words;
  const m = w.length;
  if (b.kind !== 0) {
    const flip = b.kind === 1 ? 0x8000 : 0;
    for (let i = 1; i < m; i += 2) h[(w[i] >>> 16) ^ flip]++;
    return;
  }
  let nan = 0;
  for (let i = 0; i < m; i += 2) {
    const hi = w[i + 1];
    if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | w[i]) !== 0) nan++;
    else h[hi >>> 31 ? (~hi >>> 16) & 0xffff : (hi >>> 16) | 0x8000]++;
  }
  h[BINS] += nan;
}

const scanGroups = scanner();
const scanCollect = scanner();

function digit(level: number, hi: number, lo: number): number {
  return level === 0
    ? hi >>> 16
    : level === 1
    ? hi & 0xffff
    : level === 2
    ? lo >>> 16
    : lo & 0xffff;
}

function matches(g: Group, hi: number, lo: number): boolean {
  if (g.level === 1) return hi >>> 16 === g.hi >>> 16;
  if (g.level === 2) return hi === g.hi;
  return hi === g.hi && lo >>> 16 === g.lo >>> 16;
}

function withDigit(g: Group, d: number): { hi: number; lo: number } {
  if (g.level === 0) return { hi: (d << 16) >>> 0, lo: 0 };
  if (g.level === 1) return { hi: (g.hi | d) >>> 0, lo: 0 };
  if (g.level === 2) return { hi: g.hi, lo: (d << 16) >>> 0 };
  return { hi: g.hi, lo: (g.lo | d) >>> 0 };
}

function keyValue(kind: KeyKind, hi: number, lo: number): Scalar {
  const w = new Uint32Array(2);
  if (kind === 0) {
    if (hi >>> 31) hi = (hi & 0x7fffffff) >>> 0;
    else {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
    }
  } else if (kind === 1) hi = (hi ^ 0x80000000) >>> 0;
  w[0] = lo;
  w[1] = hi;
  if (kind === 1) return new BigInt64Array(w.buffer)[0];
  if (kind === 2) return new BigUint64Array(w.buffer)[0];
  return new Float64Array(w.buffer)[0];
}

/** Splits the targets of a histogram round into the groups of the next round. */
function narrow(g: Group, hist: Float64Array, at: number, next: Group[]): void {
  const byDigit = new Map<number, Group>();
  const sorted = [...g.targets].sort((x, y) => x.rank - y.rank);
  let d = 0, before = 0;
  for (const t of sorted) {
    while (before + hist[at + d] <= t.rank) before += hist[at + d++];
    let ng = byDigit.get(d);
    if (!ng) {
      const k = withDigit(g, d);
      ng = { hi: k.hi, lo: k.lo, level: g.level + 1, size: hist[at + d], targets: [] };
      byDigit.set(d, ng);
      next.push(ng);
    }
    ng.targets.push({ index: t.index, rank: t.rank - before });
  }
}

/**
 * Finds the values at given ranks of the sorted non-NaN data, exactly, in
 * passes over blocks (see the module doc): one counting pass, then at most
 * three histogram rounds, or a collecting pass once few candidates remain.
 *
 * @param options `dtype`, `pass`, `ranks`, `combine`, `collectLimit`.
 * @returns The counts, the values at the ranks, and the number of passes.
 * @throws {RangeError} When a rank is outside `[0, count)`.
 *
 * @example
 * ```ts
 * import { arange } from "./ndarray.ts";
 * import { selectOrderStatistics } from "./selection.ts";
 * const a = arange(1000, undefined, undefined, "int64").mul(-1n);
 * const r = await selectOrderStatistics({ dtype: "int64", pass: (v) => v(a), ranks: () => [10] });
 * if (r.values[0] !== -989n) throw new Error(`got ${r.values}`);
 * ```
 */
export async function selectOrderStatistics(options: SelectionOptions): Promise<SelectionResult> {
  const steps = selectionSteps(options);
  for (let s = steps.next();; s = steps.next()) {
    if (s.done) return s.value;
    await options.pass(s.value);
  }
}

/**
 * {@link selectOrderStatistics} with a synchronous `pass` (a distributed
 * array's local block), returning without a promise.
 *
 * @param options As {@link selectOrderStatistics}, `pass` synchronous.
 * @returns The counts, the values at the ranks, and the number of passes.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { selectOrderStatisticsSync } from "./selection.ts";
 * const a = fromArray([4, 2, 9], "int32");
 * const r = selectOrderStatisticsSync({ dtype: "int32", pass: (v) => v(a), ranks: (n) => [n - 1] });
 * if (r.values[0] !== 9) throw new Error(`got ${r.values}`);
 * ```
 */
export function selectOrderStatisticsSync(
  options: SelectionOptions & { readonly pass: (visit: (block: NDArray) => void) => void },
): SelectionResult {
  const steps = selectionSteps(options);
  for (let s = steps.next();; s = steps.next()) {
    if (s.done) return s.value;
    options.pass(s.value);
  }
}

type Visitor = (block: NDArray) => void;

function* selectionSteps(options: SelectionOptions): Generator<Visitor, SelectionResult, void> {
  const { dtype } = options;
  const combine = options.combine ?? ((x: Float64Array) => x);
  const limit = options.combine && !options.gather ? 0 : options.collectLimit ?? 0;
  const gather = options.gather ?? ((x: BigUint64Array) => x);
  const kind = keyKind(dtype);
  // pass 0: top 16 bits of every key, and the NaN count in the last bin
  let hist: Float64Array = new Float64Array(BINS + 1);
  yield (block) => {
    const h = hist;
    histogramTop(keyBlock(block), h);
  };
  hist = combine(hist);
  let passes = 1;
  const nan = hist[BINS];
  let count = 0;
  for (let i = 0; i < BINS; i++) count += hist[i];
  const ranks = options.ranks(count, nan);
  const values: Scalar[] = new Array(ranks.length);
  if (ranks.length === 0) return { count, nan, values, passes };
  for (const r of ranks) {
    if (!Number.isInteger(r) || r < 0 || r >= count) {
      throw new RangeError(`Invalid rank ${r}: the data has ${count} non-NaN values`);
    }
  }
  const root: Group = {
    hi: 0,
    lo: 0,
    level: 0,
    size: count,
    targets: ranks.map((rank, index) => ({ index, rank })),
  };
  let groups: Group[] = [];
  narrow(root, hist, 0, groups);
  while (groups.length > 0) {
    const open = groups.filter((g) => g.level < 4);
    for (const g of groups) {
      if (g.level === 4) {
        for (const t of g.targets) values[t.index] = keyValue(kind, g.hi, g.lo);
      }
    }
    if (open.length === 0) break;
    if (limit > 0 && open.reduce((s, g) => s + g.size, 0) <= limit) {
      yield* collect(open, kind, values, gather);
      passes++;
      break;
    }
    const h = new Float64Array(BINS * open.length);
    yield (block) => {
      scanGroups(keyBlock(block), (hi, lo) => {
        for (let j = 0; j < open.length; j++) {
          const g = open[j];
          if (matches(g, hi, lo)) h[j * BINS + digit(g.level, hi, lo)]++;
        }
      });
    };
    const hs = combine(h);
    passes++;
    const next: Group[] = [];
    open.forEach((g, j) => narrow(g, hs, j * BINS, next));
    groups = next;
  }
  return { count, nan, values, passes };
}

/** The last pass: every key in the open groups, sorted, read at the targets' ranks. */
function* collect(
  open: Group[],
  kind: KeyKind,
  values: Scalar[],
  gather: (keys: BigUint64Array) => BigUint64Array,
): Generator<Visitor, void, void> {
  const keys = open.map((g) => new BigUint64Array(g.size));
  const filled = open.map(() => 0);
  yield (block) => {
    scanCollect(keyBlock(block), (hi, lo) => {
      for (let j = 0; j < open.length; j++) {
        if (matches(open[j], hi, lo)) {
          keys[j][filled[j]++] = (BigInt(hi) << 32n) | BigInt(lo);
        }
      }
    });
  };
  open.forEach((g, j) => {
    const all = gather(keys[j].subarray(0, filled[j]));
    all.sort();
    for (const t of g.targets) {
      const k = all[t.rank];
      values[t.index] = keyValue(kind, Number(k >> 32n), Number(k & 0xffffffffn));
    }
  });
}
