// Runs alone (one process: SelfComm) and under any launcher and rank count:
//   deno test -A tests/dist/dist_array_mpi_test.ts
//   timeout 180 mpiexec.mpich -n 3 deno test -A tests/dist/dist_array_mpi_test.ts
//   timeout 180 mpirun.openmpi --allow-run-as-root --oversubscribe -n 3 deno test -A ...
// Every rank runs the same tests in the same order; the last one finalizes MPI.
// References are computed in-process: the same values with core/ NDArrays, and
// reductions with the same code on a one-rank SelfComm.

import assert from "node:assert/strict";
import { type Comm, dimsCreate, SelfComm } from "../../dist/comm.ts";
import { type AxisSpec, Distribution } from "../../dist/distribution.ts";
import { DistArray } from "../../dist/dist_array.ts";
import { arange, fromArray, NDArray } from "../../core/ndarray.ts";
import { ShapeMismatchError } from "../../core/errors.ts";
import * as random from "../../core/random.ts";
import * as ufunc from "../../core/ufunc.ts";
import { type ReductionName, REDUCTIONS } from "../../core/reduce.ts";
import { mpiTest as test, world } from "../_mpi.ts";

const { rank, size } = world;
const self = new SelfComm();

/** What this rank's block must hold: the reference's elements at its global indices. */
function expectedLocal(ref: NDArray, dist: Distribution, r = rank): unknown[] {
  const lists = dist.shape.map((_, a) => dist.globalIndices(a, r));
  const c = ref.copy();
  const st = c.strides;
  const out: unknown[] = [];
  const n = lists.reduce((s, l) => s * l.length, 1);
  const idx = new Array<number>(lists.length).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let a = 0; a < lists.length; a++) off += lists[a][idx[a]] * st[a];
    out.push(c.data[off]);
    for (let a = lists.length - 1; a >= 0; a--) {
      if (++idx[a] < lists[a].length) break;
      idx[a] = 0;
    }
  }
  return out;
}

function assertLocal(a: DistArray, ref: NDArray, msg = ""): void {
  assert.deepEqual(a.shape, ref.shape, msg);
  assert.equal(a.dtype, ref.dtype, msg);
  assert.deepEqual([...a.local.copy().data], expectedLocal(ref, a.distribution), msg);
}

function f64(n: number): NDArray {
  return arange(n, undefined, undefined, "float64");
}

function gathered(x: NDArray | DistArray): NDArray {
  return x instanceof DistArray ? x.toNDArray()! : x;
}

/** The bytes of an array; a DistArray (an axis reduction) is gathered first. */
function bytes(x: NDArray | DistArray): string {
  const a = x instanceof DistArray ? x.toNDArray()! : x;
  const d = a.copy().data;
  return [...new Uint8Array(d.buffer, d.byteOffset, d.byteLength)].join(",");
}

// a permutation of 0..n-1 split into `parts` lists (deterministic)
function permutationLists(n: number, parts: number): number[][] {
  const perm = Array.from({ length: n }, (_, i) => (i * 7 + 3) % n);
  if (new Set(perm).size !== n) throw new Error("not a permutation");
  return Array.from({ length: parts }, (_, p) => perm.filter((_, i) => i % parts === p));
}

/** The distributions every layout test runs through, for a 2-D shape. */
function layouts(shape: readonly number[]): [string, Distribution][] {
  const commSize = size;
  const g2 = dimsCreate(size, 2);
  const nrest = shape.slice(1).map(() => "n" as AxisSpec);
  return [
    ["b", Distribution.create(shape, { commSize })],
    ["c3", Distribution.create(shape, { dist: [{ type: "c", blockSize: 3 }, ...nrest], commSize })],
    ["bc", Distribution.create(shape, { dist: "bc", grid: g2, commSize })],
    ["cb", Distribution.create(shape, { dist: "cb", grid: [g2[1], g2[0]], commSize })],
    [
      "u",
      Distribution.create(shape, {
        dist: [{ type: "u", indices: permutationLists(shape[0], size) }, ...nrest],
        commSize,
      }),
    ],
    [
      "b padded",
      Distribution.create(shape, {
        dist: [{ type: "b", padding: [1, 2], periodic: true }, ...nrest],
        commSize,
      }),
    ],
    [
      "unbalanced b",
      Distribution.create(shape, {
        dist: [{ type: "b", bounds: skewed(shape[0]) }, ...nrest],
        commSize,
      }),
    ],
  ];
}

// bounds that give rank 0 almost nothing and the last rank most rows
function skewed(n: number): number[] {
  const b = [0];
  for (let p = 1; p < size; p++) b.push(Math.min(n, p * 2 + 1));
  b.push(n);
  return b;
}

// ---------------------------------------------------------------------------

test("DistArray creation functions fill every local block (halos included)", () => {
  for (const [name, d] of layouts([11, 5])) {
    assertLocal(DistArray.zeros(world, d), random.rand([11, 5]).mul(0), name);
    assertLocal(
      DistArray.ones(world, d, { dtype: "int32" }),
      ufunc.add(arange(55, undefined, undefined, "int32").reshape([11, 5]).mul(0), 1) as NDArray,
      name,
    );
    const f = DistArray.full(world, d, { value: 2.5, dtype: "float32" });
    assert.equal(f.dtype, "float32");
    assert.ok([...f.local.data].every((v) => v === 2.5));
    const g = DistArray.fromFunction(world, d, { fn: ([i, j]) => i * 100 + j, dtype: "int32" });
    assertLocal(
      g,
      arange(11, undefined, undefined, "int32").reshape([11, 1]).mul(100).add(
        arange(5, undefined, undefined, "int32"),
      ),
      name,
    );
    assert.deepEqual(g.localShape, d.localShape(rank));
    assert.equal(DistArray.empty(world, d, { dtype: "bool" }).dtype, "bool");
  }
  const a = DistArray.zeros(world, [6, 4], { dist: "bn" });
  assert.equal(a.size, 24);
  assert.equal(a.ndim, 2);
  assert.equal(a.comm, world);
  assert.ok(String(a).startsWith("DistArray<float64>[6,4]"));
});

test("DistArray creation rejects bad layouts and blocks with typed errors", () => {
  assert.throws(() => DistArray.zeros(world, [4, 4], { grid: [size + 1, 1] }), /Invalid grid/);
  assert.throws(() => DistArray.zeros(world, [4, 4], { dist: "bq" }), TypeError);
  assert.throws(() => DistArray.zeros(world, "4" as unknown as number[]), TypeError);
  const other = Distribution.create([4], { commSize: size + 1 });
  assert.throws(() => DistArray.zeros(world, other), /over \d+ ranks/);
  const d = Distribution.create([10, 2], { commSize: size });
  assert.throws(
    () => DistArray.fromLocal(world, random.rand([99, 2]), { distribution: d }),
    ShapeMismatchError,
  );
  assert.throws(() => DistArray.fromFunction(world, [3], {} as never), TypeError);
  const ok = DistArray.fromLocal(world, random.rand(d.localShape(rank)).T.T, { distribution: d });
  assert.ok(ok.local.isContiguous);
});

test("DistArray random arrays equal the one-process arrays for every layout", () => {
  const shape = [13, 6];
  for (const [name, d] of layouts(shape)) {
    assertLocal(DistArray.rand(world, d, { seed: 5 }), random.rand(shape, { seed: 5 }), name);
    assertLocal(
      DistArray.randn(world, d, { seed: 6, stream: 2 }),
      random.randn(shape, { seed: 6, stream: 2 }),
      name,
    );
    assertLocal(
      DistArray.normal(world, d, { seed: 7, mean: 3, std: 0.5 }),
      random.normal(shape, { seed: 7, mean: 3, std: 0.5 }),
      name,
    );
    assertLocal(
      DistArray.uniform(world, d, { seed: 8, low: -2, high: 4 }),
      random.uniform(shape, { seed: 8, low: -2, high: 4 }),
      name,
    );
    assertLocal(
      DistArray.randint(world, d, { seed: 9, low: -5, high: 50, dtype: "int16" }),
      random.randint(shape, { seed: 9, low: -5, high: 50, dtype: "int16" }),
      name,
    );
  }
  // a shape with its own layout options
  const a = DistArray.rand(world, [7, 3, 2], { seed: 1, dist: "cbn" });
  assertLocal(a, random.rand([7, 3, 2], { seed: 1 }));
});

test("fromNDArray() scatters from a root and toNDArray() gathers to one rank or all", () => {
  const ref = random.randint([9, 4], { high: 1000, seed: 3 });
  const root = size - 1;
  for (const [name, d] of layouts([9, 4])) {
    const a = DistArray.fromNDArray(world, rank === root ? ref : null, { distribution: d, root });
    assertLocal(a, ref, name);
    const at0 = a.toNDArray(0);
    if (rank === 0) assert.deepEqual(at0!.toArray(), ref.toArray(), name);
    else assert.equal(at0, null);
    assert.deepEqual(a.toNDArray()!.toArray(), ref.toArray(), name);
  }
  const b = DistArray.fromNDArray(
    world,
    rank === 0 ? fromArray([[true, false], [false, true]]) : null,
    { dist: "cc" },
  );
  assert.equal(b.dtype, "bool");
  assert.deepEqual(b.toNDArray()!.toArray(), [[true, false], [false, true]]);
  assert.throws(() => DistArray.fromNDArray(world, null, { root: size }), RangeError);
});

test("ufunc() and the method forms match NDArray ufuncs, across distributions and broadcasts", () => {
  const shape = [10, 4];
  const A = random.randn(shape, { seed: 1 });
  const B = random.rand(shape, { seed: 2 });
  const [[, db], [, dc], [, dbc]] = layouts(shape);
  const a = DistArray.randn(world, db, { seed: 1 });
  const bOther = DistArray.rand(world, dc, { seed: 2 }); // another distribution: redistributed
  const b = DistArray.rand(world, dbc, { seed: 2 });
  assertLocal(a.add(bOther), ufunc.add(A, B));
  assert.ok(a.add(bOther).distribution.equals(db));
  assertLocal(b.sub(a), ufunc.subtract(B, A));
  assertLocal(b.mul(3), ufunc.multiply(B, 3));
  assertLocal(a.div(b), ufunc.divide(A, B));
  assertLocal(b.pow(2.5), ufunc.power(B, 2.5));
  assertLocal(a.mod(0.3), ufunc.remainder(A, 0.3));
  assertLocal(a.abs().sqrt(), ufunc.sqrt(ufunc.absolute(A)));
  assertLocal(b.log().exp().neg(), ufunc.negative(ufunc.exp(ufunc.log(B))));
  assertLocal(
    a.sin().square().add(a.cos().square()),
    ufunc.add(ufunc.square(ufunc.sin(A)), ufunc.square(ufunc.cos(A))),
  );
  assertLocal(a.minimum(b).maximum(0.2), ufunc.maximum(ufunc.minimum(A, B), 0.2));
  for (
    const [m, f] of [
      ["eq", ufunc.equal],
      ["ne", ufunc.notEqual],
      ["lt", ufunc.less],
      ["le", ufunc.lessEqual],
      ["gt", ufunc.greater],
      ["ge", ufunc.greaterEqual],
    ] as const
  ) {
    assertLocal((a[m] as (x: number) => DistArray)(0), f(A, 0), m);
  }
  // a replicated NDArray: per-column means broadcast along axis 0, and a column vector
  const colMean = ufunc.add(random.rand([4], { seed: 4 }), 0);
  assertLocal(b.sub(colMean), ufunc.subtract(B, colMean));
  const col = random.rand([10, 1], { seed: 5 });
  assertLocal(DistArray.ufunc("arctan2", [col, b]), ufunc.arctan2(col, B));
  assertLocal(DistArray.ufunc("where", [a.gt(0), b, -1]), ufunc.where(ufunc.greater(A, 0), B, -1));
  assertLocal(
    DistArray.ufunc("floor_divide", [7, b.add(0.5)]),
    ufunc.floorDivide(7, ufunc.add(B, 0.5)),
  );
  assertLocal(a.astype("int32"), A.astype("int32"));
  // errors, the same on every rank
  assert.throws(() => DistArray.ufunc("nope", [a]), /Unknown ufunc "nope"/);
  assert.throws(() => DistArray.ufunc("add", [a]), TypeError);
  assert.throws(() => DistArray.ufunc("add", [A, 1]), /none is a DistArray/);
  assert.throws(() => a.add(random.rand([3])), ShapeMismatchError);
  // an NDArray of more dimensions broadcasts the DistArray up (a new default layout)
  const big = random.rand([2, 10, 4], { seed: 6 });
  assertLocal(a.add(big), ufunc.add(A, big));
  assert.throws(() => a.add(DistArray.zeros(world, [4, 10])), ShapeMismatchError);
});

// Shapes with several canonical tiles (65536 elements each) and uneven last tiles.
const RED_SHAPE_2D = [37, 4001]; // 17 rows per tile: 3 tiles
const RED_SHAPE_1D = [200_003]; // 4 tiles
const REDS: [ReductionName, Record<string, unknown>][] = [
  ["sum", {}],
  ["sum", { axis: 0 }],
  ["sum", { axis: 1, keepdims: true }],
  ["prod", { axis: 0 }],
  ["min", {}],
  ["max", { axis: 1 }],
  ["mean", {}],
  ["mean", { axis: 0, keepdims: true }],
  ["var", { axis: 0 }],
  ["std", { ddof: 1 }],
  ["std", { axis: -1 }],
  ["argmin", {}],
  ["argmax", { axis: 0 }],
  ["argmax", { axis: 1 }],
  ["any", { axis: 0 }],
  ["all", {}],
  ["nansum", { axis: 0 }],
];

test("reductions are identical in every bit for every distribution and rank count", () => {
  const shape = RED_SHAPE_2D;
  const ref = DistArray.randn(self, shape, { seed: 11 });
  const want = REDS.map(([name, o]) => gathered(ref.reduce(name, o)));
  const refNd = random.randn(shape, { seed: 11 });
  // the one-process result agrees with the NDArray reduction (within rounding) or exactly
  REDS.forEach(([name, o], i) => {
    const nd = REDUCTIONS[name](refNd, o);
    assert.deepEqual(want[i].shape, nd.shape, `${name} ${JSON.stringify(o)}`);
    const x = [...want[i].copy().data].map(Number);
    const y = [...nd.copy().data].map(Number);
    x.forEach((v, k) =>
      assert.ok(Math.abs(v - y[k]) <= 1e-9 * Math.max(1, Math.abs(y[k])), `${name} ${v} ${y[k]}`)
    );
  });
  for (const [dname, d] of layouts(shape)) {
    const a = DistArray.randn(world, d, { seed: 11 });
    REDS.forEach(([name, o], i) => {
      const got = gathered(a.reduce(name, o));
      assert.equal(got.dtype, want[i].dtype);
      assert.deepEqual(got.shape, want[i].shape);
      assert.equal(bytes(got), bytes(want[i]), `${name} ${JSON.stringify(o)} on ${dname}`);
    });
  }
});

test("reductions of 1-D, 3-D, integer and bool arrays are bit-identical to one rank", () => {
  const cases: [
    string,
    (c: Comm, d: Distribution | number[]) => DistArray,
    number[],
    [ReductionName, Record<string, unknown>][],
  ][] = [
    ["1-D randn", (c, d) => DistArray.randn(c, d, { seed: 3 }), RED_SHAPE_1D, [
      ["sum", {}],
      ["std", {}],
      ["argmax", {}],
      ["mean", { keepdims: true }],
    ]],
    ["3-D rand", (c, d) => DistArray.rand(c, d, { seed: 4 }), [9, 50, 300], [
      ["sum", { axis: [0, 2] }],
      ["var", { axis: 1 }],
      ["max", { axis: 0 }],
      ["mean", {}],
    ]],
    [
      "int32",
      (c, d) => DistArray.randint(c, d, { seed: 5, low: -1000, high: 1000, dtype: "int32" }),
      [70, 1000],
      [["sum", {}], ["prod", { axis: 1 }], ["argmin", {}], ["mean", { axis: 0 }]],
    ],
    ["bool", (c, d) => DistArray.randint(c, d, { seed: 6, high: 2, dtype: "int8" }).gt(0), [
      70,
      1000,
    ], [["any", { axis: 1 }], ["all", { axis: 0 }], ["sum", {}], ["count_nonzero", { axis: 0 }]]],
    ["empty rows", (c, d) => DistArray.zeros(c, d), [0, 5], [["sum", { axis: 0 }], ["mean", {
      axis: 1,
    }]]],
  ];
  for (const [what, make, shape, reds] of cases) {
    const ref = make(self, shape);
    const want = reds.map(([n, o]) => bytes(ref.reduce(n, o)));
    const ds: [string, Distribution][] = shape.length === 1
      ? [
        ["b", Distribution.create(shape, { commSize: size })],
        ["c", Distribution.create(shape, { dist: "c", commSize: size })],
        [
          "u",
          Distribution.create(shape, {
            dist: [{ type: "u", indices: permutationLists(shape[0], size) }],
            commSize: size,
          }),
        ],
      ]
      : [
        ["b", Distribution.create(shape, { commSize: size })],
        ["cb", Distribution.create(shape, { dist: "c".padEnd(shape.length, "b"), commSize: size })],
        [
          "last axis",
          Distribution.create(shape, { dist: "b".padStart(shape.length, "n"), commSize: size }),
        ],
      ];
    for (const [dn, d] of ds) {
      const a = make(world, d);
      reds.forEach(([n, o], i) =>
        assert.equal(bytes(a.reduce(n, o)), want[i], `${what} ${n} ${JSON.stringify(o)} on ${dn}`)
      );
    }
  }
  const e = DistArray.zeros(world, [0, 3]);
  assert.throws(() => e.max(), RangeError);
  assert.throws(() => e.reduce("median" as ReductionName), /Unknown reduction "median"/);
});

test("redistribute() round-trips between b, c, u and n layouts (padded too)", () => {
  const shape = [12, 7];
  const ref = random.rand(shape, { seed: 21 });
  const ds = layouts(shape);
  ds.push(["n on axis 0", Distribution.create(shape, { dist: "nb", commSize: size })]);
  ds.push([
    "all on one rank",
    Distribution.create(shape, { dist: "nn", commSize: size, ranks: [size - 1] }),
  ]);
  for (const [from, df] of ds) {
    const a = DistArray.rand(world, df, { seed: 21 });
    for (const [to, dt] of ds) {
      const b = a.redistribute(dt);
      assert.ok(b.distribution === dt);
      assertLocal(b, ref, `${from} -> ${to}`);
      assertLocal(b.redistribute(df), ref, `${from} -> ${to} -> ${from}`);
    }
  }
  const c = DistArray.rand(world, shape, { seed: 21 }).redistribute({
    dist: "cc",
    grid: dimsCreate(size, 2),
  });
  assertLocal(c, ref);
  assert.throws(
    () => c.redistribute(Distribution.create([7, 12], { commSize: size })),
    ShapeMismatchError,
  );
});

test("exchangeHalos() refreshes periodic and non-periodic halos of a 2-D block grid", () => {
  const shape = [9, 8];
  const grid = dimsCreate(size, 2);
  const d = Distribution.create(shape, {
    dist: [{ type: "b", padding: [1, 1], periodic: true }, { type: "b", padding: [2, 1] }],
    grid,
    commSize: size,
  });
  const f = ([i, j]: number[]) => i * 10 + j;
  const ref = f64(9).reshape([9, 1]).mul(10).add(f64(8));
  const a = DistArray.fromFunction(world, d, { fn: f });
  assertLocal(a, ref);
  // spoil every cell that is not owned, then refresh
  const c = d.gridCoords(rank)!;
  const own = [0, 1].map((ax) => {
    const info = d.axis(ax);
    const lo = c[ax] > 0 || info.periodic ? info.padding![c[ax]][0] : 0;
    return [lo, lo + info.bounds![c[ax] + 1] - info.bounds![c[ax]]];
  });
  const [n0, n1] = a.localShape;
  let spoiled = 0;
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) {
      if (i < own[0][0] || i >= own[0][1] || j < own[1][0] || j >= own[1][1]) {
        a.local.set([i, j], -1);
        spoiled++;
      }
    }
  }
  assert.ok(spoiled > 0);
  assert.equal(a.exchangeHalos(), a);
  assertLocal(a, ref);
  a.exchangeHalos(); // a cached plan, again
  assertLocal(a, ref);
  // an unpadded array: nothing to do
  const b = DistArray.ones(world, shape);
  assert.equal(b.exchangeHalos(), b);
});

test("apply() returns a DistArray for local-shaped NDArrays and allgathers other values", () => {
  const a = DistArray.fromFunction(world, [10, 3], { fn: ([i, j]) => i * 3 + j, dist: "cn" });
  const sizes = a.apply((local, ctx) => ({
    rank: ctx.rank,
    n: local.size,
    first: ctx.globalIndices[0][0] ?? null,
  }));
  assert.equal(sizes.length, size);
  assert.deepEqual(sizes.map((s) => s.rank), Array.from({ length: size }, (_, r) => r));
  assert.equal(sizes.reduce((s, x) => s + x.n, 0), 30);
  assert.equal(sizes[rank].first, a.distribution.globalIndices(0, rank)[0] ?? null);
  const doubled = a.apply((local) => local.mul(2));
  assertLocal(doubled, f64(30).reshape([10, 3]).mul(2));
  const regionCounts = a.apply((_l, ctx) => ctx.regions.length);
  assert.equal(regionCounts[rank], a.distribution.regions(rank).length);
  assert.throws(() => a.apply(() => random.rand([99])), ShapeMismatchError);
  if (size > 1) assert.throws(() => a.apply((l, ctx) => (ctx.rank === 0 ? l : 1)), TypeError);
  assert.deepEqual(a.apply(() => 2n), Array(size).fill(2));
});

test("get() answers from the owner on every rank and set() writes every copy", () => {
  const d = Distribution.create([7, 6], {
    dist: [{ type: "b", padding: [1, 1] }, { type: "c", blockSize: 2 }],
    grid: dimsCreate(size, 2),
    commSize: size,
  });
  const a = DistArray.fromFunction(world, d, { fn: ([i, j]) => i * 6 + j, dtype: "int64" });
  for (const idx of [[0, 0], [6, 5], [3, 2], [4, 1]]) {
    assert.equal(a.get(idx), BigInt(idx[0] * 6 + idx[1]));
  }
  a.set([3, 2], -7);
  assert.equal(a.get([3, 2]), -7n);
  // halo copies of row 3 hold the new value too
  const rows = d.globalIndices(0, rank);
  const cols = d.globalIndices(1, rank);
  for (let i = 0; i < rows.length; i++) {
    for (let j = 0; j < cols.length; j++) {
      if (rows[i] === 3 && cols[j] === 2) assert.equal(a.local.get(i, j), -7n);
    }
  }
  assert.throws(() => a.get([7, 0]), RangeError);
  assert.throws(() => a.set([0, 6], 1), RangeError);
  const b = DistArray.zeros(world, [5], { dtype: "bool" });
  b.set([4], true);
  assert.equal(b.get([4]), true);
  assert.equal(b.get([3]), false);
  const h = DistArray.full(world, [3], { value: 1.5, dtype: "float32" });
  assert.equal(h.get([2]), 1.5);
});

test("slice() selects ranges and indices of any layout as a new DistArray", () => {
  const shape = [12, 8];
  const ref = f64(96).reshape(shape);
  const cases: [string, string, NDArray][] = [
    ["2:10, :", "2:10, :", ref.slice("2:10", ":")],
    ["1::3", "1::3", ref.slice("1::3")],
    ["3, 1:7", "3, 1:7", ref.slice(3, "1:7")],
    ["..., 5", "..., 5", ref.slice("...", 5)],
    ["-4:, ::2", "-4:, ::2", ref.slice("-4:", "::2")],
    ["0:0", "0:0", ref.slice("0:0")],
  ];
  for (const [dn, d] of layouts(shape)) {
    const a = DistArray.fromFunction(world, d, { fn: ([i, j]) => i * 8 + j });
    for (const [what, sel, want] of cases) {
      const s = a.slice(sel);
      assertLocal(s, want, `${what} on ${dn}`);
      assert.deepEqual(s.toNDArray()!.toArray(), want.toArray(), `${what} on ${dn}`);
    }
    const s = a.slice({ start: 1, stop: 9, step: 2 }, 7);
    assert.deepEqual(s.toNDArray()!.toArray(), ref.slice("1:9:2", 7).toArray());
    assert.equal(a.slice("4, 4").toNDArray()!.get(), 36);
  }
  const a = DistArray.zeros(world, shape);
  // negative steps and new axes are supported (tests/dist/index_mpi_test.ts checks values)
  assert.deepEqual(a.slice("::-5, None").shape, [3, 1, 8]);
  assert.throws(() => a.slice("1, 2, 3"), RangeError);
  assert.throws(() => a.slice("12"), RangeError);
});

test("slice() refuses index arrays on two axes and malformed specs instead of returning everything", () => {
  const a = DistArray.fromFunction(world, [6, 4], { fn: ([i, j]) => 10 * i + j });
  assert.throws(() => a.slice([0, 2], [1, 3]), {
    name: "TypeError",
    message:
      /^Index arrays on more than one axis are not supported by DistArray.slice: axes 0 and 1/,
  });
  assert.deepEqual(a.slice(":", [3, 1]).toNDArray()!.toArray(), [
    [3, 1],
    [13, 11],
    [23, 21],
    [33, 31],
    [43, 41],
    [53, 51],
  ]);
  assert.deepEqual(a.slice([true, false, true, false, false, true], 0).toNDArray()!.toArray(), [
    0,
    20,
    50,
  ]);
  assert.throws(() => a.slice({ start: 1, stop: 4, count: 2 } as never), {
    name: "TypeError",
    message: /unknown key "count"/,
  });
  assert.throws(() => a.slice({ step: 0.5 }), RangeError);
  // the one-string form and the variadic form agree
  assert.deepEqual(a.slice("1:5:2, 3").toNDArray()!.toArray(), [13, 33]);
  assert.deepEqual(a.slice("1:5:2", 3).toNDArray()!.toArray(), [13, 33]);
});

test("toDap() and fromDap() round-trip every layout through the DAP", () => {
  const shape = [10, 6];
  const ref = random.rand(shape, { seed: 31 });
  for (const [dn, d] of layouts(shape)) {
    const a = DistArray.rand(world, d, { seed: 31 });
    const dap = a.toDap();
    assert.equal(dap.__version__, "0.10.0");
    assert.equal(dap.buffer, a.local);
    assert.equal(dap.dim_data.length, 2);
    const b = DistArray.fromDap(world, dap);
    assert.ok(b.distribution.equals(d), dn);
    assertLocal(b, ref, dn);
    const c = DistArray.fromDap(world, { ...dap, buffer: a.local.data });
    assertLocal(c, ref, dn);
  }
  assert.throws(() => DistArray.fromDap(world, {} as never), TypeError);
});

// must stay last: finalizes MPI
test("world[Symbol.asyncDispose]() finalizes MPI", async () => {
  world.barrier();
  await world[Symbol.asyncDispose]();
});
