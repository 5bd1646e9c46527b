// Properties of the mergeable reduction states: for random arrays (up to
// 4-D), random axis sets and random splits into a grid of blocks, merging the
// blocks' states equals the one-shot result (exactly for integer, bool,
// min/max, arg*, any/all and count results; within tight tolerance for float
// sums, means and variances), and the merged result is bit-identical however
// the blocks were stepped (in any order, into separate states) as long as the
// states are combined by mergeTree in global block order.

import assert from "node:assert/strict";
import fc from "npm:fast-check@4.10.2";
import type { DType } from "../../core/dtype.ts";
import { empty, NDArray } from "../../core/ndarray.ts";
import {
  mergeTree,
  reducer,
  type ReduceState,
  REDUCTION_NAMES,
  type ReductionName,
  stateBuffers,
} from "../../core/reduce.ts";

const DTYPES: DType[] = ["bool", "int8", "uint16", "int32", "int64", "float32", "float64"];

interface Scenario {
  shape: number[];
  dtype: DType;
  values: number[];
  name: ReductionName;
  axis: number | number[] | null;
  splitAxes: number[];
  cuts: number[][];
  order: number[];
  view: "contiguous" | "reversed";
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
    dtype: fc.constantFrom(...DTYPES),
    name: fc.constantFrom(...REDUCTION_NAMES),
    seed: fc.integer(),
    view: fc.constantFrom("contiguous" as const, "reversed" as const),
  })
  .chain(({ shape, dtype, name, view }) => {
    const nd = shape.length;
    const size = shape.reduce((a, b) => a * b, 1);
    const axisArb: fc.Arbitrary<number | number[] | null> = name.startsWith("arg")
      ? fc.oneof(fc.constant(null), fc.integer({ min: -nd, max: nd - 1 }))
      : fc.oneof(
        fc.constant(null),
        fc.integer({ min: -nd, max: nd - 1 }),
        fc.subarray([...Array(nd).keys()]),
      );
    const value = dtype.startsWith("float")
      ? fc.oneof(
        { weight: 9, arbitrary: fc.integer({ min: -1000, max: 1000 }).map((x) => x / 8) },
        { weight: 1, arbitrary: fc.constant(NaN) },
      )
      : fc.integer({ min: -3, max: 3 }); // small: ties and zeros are common
    return fc.record({
      shape: fc.constant(shape),
      dtype: fc.constant(dtype),
      name: fc.constant(name),
      view: fc.constant(view),
      values: fc.array(value, { minLength: size, maxLength: size }),
      axis: axisArb,
      splitAxes: fc.subarray([...Array(nd).keys()], { maxLength: Math.min(2, nd) }),
      cuts: fc.tuple(
        ...shape.map((n) => fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, n - 1) }))),
      ).map((c) => c.map((x) => [...x].sort((a, b) => a - b))),
      order: fc.array(fc.integer(), { minLength: 64, maxLength: 64 }),
    });
  });

function build(s: Scenario): NDArray {
  const a = empty(s.shape, s.dtype) as NDArray;
  const d = a.data as unknown as { [i: number]: number | bigint };
  s.values.forEach((v, i) => {
    if (s.dtype === "int64") d[i] = BigInt(v) * 2n ** 40n + 3n; // beyond 2^53
    else if (s.dtype === "uint16") d[i] = v + 3;
    else if (s.dtype === "bool") d[i] = v > 0 ? 1 : 0;
    else d[i] = v;
  });
  if (s.view === "reversed") {
    // same logical values, read through negative strides of a reversed copy
    const r = empty(s.shape, s.dtype) as NDArray;
    const rev = r.slice(...s.shape.map(() => "::-1"));
    const rd = r.data as unknown as { [i: number]: number | bigint };
    const src = a.data as unknown as { [i: number]: number | bigint };
    let i = 0;
    for (const off of offsets(rev)) rd[off] = src[i++];
    return rev;
  }
  return a;
}

function* offsets(a: NDArray): Generator<number> {
  const idx = new Array<number>(a.ndim).fill(0);
  for (let k = 0; k < a.size; k++) {
    let o = a.offset;
    for (let i = 0; i < a.ndim; i++) o += idx[i] * a.strides[i];
    yield o;
    for (let ax = a.ndim - 1; ax >= 0; ax--) {
      if (++idx[ax] < a.shape[ax]) break;
      idx[ax] = 0;
    }
  }
}

/** Blocks of the grid in C order of block index: [view, start]. */
function blocks(a: NDArray, s: Scenario): [NDArray, number[]][] {
  const ranges = s.shape.map((n, ax) => {
    const cuts = s.splitAxes.includes(ax) ? s.cuts[ax].filter((c) => c < n) : [];
    const edges = [0, ...cuts, n];
    return edges.slice(1).map((e, i) => [edges[i], e] as const);
  });
  const out: [NDArray, number[]][] = [];
  const rec = (ax: number, sel: string[], start: number[]): void => {
    if (ax === s.shape.length) {
      out.push([a.slice(...sel), start]);
      return;
    }
    for (const [lo, hi] of ranges[ax]) rec(ax + 1, [...sel, `${lo}:${hi}`], [...start, lo]);
  };
  rec(0, [], []);
  return out;
}

function exactResult(name: ReductionName, dtype: DType): boolean {
  if (
    ["min", "max", "nanmin", "nanmax", "argmin", "argmax", "any", "all", "count_nonzero"]
      .includes(name)
  ) return true;
  if ((name === "sum" || name === "nansum" || name === "prod") && !dtype.startsWith("float")) {
    return true;
  }
  return false;
}

function values(a: NDArray): (number | bigint | boolean)[] {
  return [...a.flat()];
}

function bytesOf(st: ReduceState): string {
  return stateBuffers(st)
    .map((b) => Array.from(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).join(","))
    .join("|");
}

Deno.test("reducer() states merged over any split equal the one-shot result", () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const a = build(s);
      const r = reducer(s.name, s.dtype, s.shape, { axis: s.axis });
      const finishOrEmpty = (st: ReduceState): (number | bigint | boolean)[] | "empty" => {
        try {
          return values(r.finish(st));
        } catch (e) {
          if (e instanceof RangeError) return "empty";
          throw e;
        }
      };
      const one = finishOrEmpty(r.step(r.init(), a));
      const bl = blocks(a, s);
      const merged = finishOrEmpty(mergeTree(r, bl.map(([b, st]) => r.step(r.init(), b, st))));
      if (one === "empty" || merged === "empty") {
        assert.equal(merged, one);
        return;
      }
      assert.equal(merged.length, one.length);
      const exact = exactResult(s.name, s.dtype);
      const tol = r.resultDType === "float32" ? 1e-6 : 1e-12;
      for (let i = 0; i < one.length; i++) {
        const x = merged[i];
        const y = one[i];
        if (exact || typeof y !== "number") {
          assert.ok(Object.is(x, y) || x === y, `${s.name}: ${x} vs ${y}`);
        } else if (Number.isNaN(y) || !Number.isFinite(y)) {
          assert.ok(Object.is(x, y), `${s.name}: ${x} vs ${y}`);
        } else {
          // errors relative to the data's scale (values up to 125, at most 625 of them)
          const scale = Math.max(Math.abs(y), 1) * (s.name.includes("var") ? 125 : 1);
          assert.ok(Math.abs((x as number) - y) <= tol * scale * 10, `${s.name}: ${x} vs ${y}`);
        }
      }
    }),
    { numRuns: 2000 },
  );
});

Deno.test("mergeTree() is bit-identical whatever order the blocks were stepped in", () => {
  fc.assert(
    fc.property(scenario, (s) => {
      const a = build(s);
      const r = reducer(s.name, s.dtype, s.shape, { axis: s.axis });
      const bl = blocks(a, s);
      const inOrder = mergeTree(r, bl.map(([b, st]) => r.step(r.init(), b, st)));
      // step in a shuffled order (as ranks would), then combine in block order
      const perm = bl.map((_, i) => i).sort((i, j) => (s.order[i % 64] - s.order[j % 64]) || i - j);
      const states: ReduceState[] = new Array(bl.length);
      for (const i of perm) states[i] = r.step(r.init(), bl[i][0], bl[i][1]);
      const shuffled = mergeTree(r, states);
      assert.equal(bytesOf(shuffled), bytesOf(inOrder));
    }),
    { numRuns: 1000 },
  );
});
