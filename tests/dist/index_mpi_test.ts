// DistArray indexing (dist/_dist_index.ts) against NumPy. Runs alone and under
// any launcher and rank count:
//   deno test -A tests/dist/index_mpi_test.ts
//   timeout 180 mpiexec.mpich -n 3 deno test -A tests/dist/index_mpi_test.ts
//   timeout 180 mpirun.openmpi --allow-run-as-root --oversubscribe -n 2 deno test -A ...
// Every rank computes the NumPy references with one python run, then runs the
// same tests in the same order.

import assert from "node:assert/strict";
import type { AxisSpec } from "../../dist/distribution.ts";
import { DistArray } from "../../dist/dist_array.ts";
import type { SliceSpec } from "../../core/indexer.ts";
import { arange, fromArray } from "../../core/ndarray.ts";
import { ShapeMismatchError } from "../../core/errors.ts";
import { mpiTest as test, world } from "../_mpi.ts";
import { hasPython, IN_CI, pythonJson } from "../_util.ts";

const HAVE = IN_CI || hasPython("numpy");

/** One selection: its NumPy expression on `a` and the same as DistArray specs. */
interface Case {
  readonly shape: number[];
  readonly py: string;
  readonly specs: SliceSpec[];
}

const CASES: Case[] = [
  { shape: [11], py: "a[::-1]", specs: ["::-1"] },
  { shape: [11], py: "a[8:1:-3]", specs: ["8:1:-3"] },
  { shape: [11], py: "a[-2::-4]", specs: [{ start: -2, step: -4 }] },
  { shape: [11], py: "a[[3, -1, 3, 0]]", specs: [[3, -1, 3, 0]] },
  { shape: [7, 5], py: "a[::-2, 1:4]", specs: ["::-2, 1:4"] },
  { shape: [7, 5], py: "a[5, ::-1]", specs: [5, "::-1"] },
  { shape: [7, 5], py: "a[2:6, None, ::2]", specs: ["2:6", null, "::2"] },
  { shape: [7, 5], py: "a[[6, 0, 2], ::-2]", specs: [[6, 0, 2], "::-2"] },
  {
    shape: [7, 5],
    py: "a[:, [True, False, True, True, False]]",
    specs: [
      ":",
      [true, false, true, true, false],
    ],
  },
  { shape: [7, 5], py: "a[1:6, [4, 4, 1]]", specs: ["1:6", [4, 4, 1]] },
  { shape: [4, 5, 6], py: "a[1, :, [5, 0]]", specs: [1, ":", [5, 0]] },
  { shape: [4, 5, 6], py: "a[..., ::-3]", specs: ["...", "::-3"] },
  { shape: [4, 5, 6], py: "a[[3, 1], 2, ::-1]", specs: [[3, 1], 2, "::-1"] },
];

const LAYOUTS: Record<number, (AxisSpec[] | string)[]> = {
  1: ["b", "c", [{ type: "b", padding: [1, 1] }], "u"],
  2: ["bn", "cb", "bc", [{ type: "b", padding: [1, 1] }, "n"]],
  3: ["bnn", "cbn", "nbc"],
};

const SCRIPT = `
import json, sys
import numpy as np
cases = json.loads(sys.argv[1])
out = {}
for i, (shape, expr) in enumerate(cases):
    a = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    out["sel%d" % i] = eval(expr).tolist()
a = np.arange(35, dtype=np.int32).reshape(7, 5)
m = (a % 3 == 0) | (a > 30)
out["extract"] = a[m].tolist()
b = a.copy(); b[::-2, 1] = -7; out["set_scalar"] = b.tolist()
b = a.copy(); b[1:5, ::-1] = np.array([10, 20, 30, 40, 50]); out["set_nd"] = b.tolist()
b = a.copy(); b[[3, 0, 2], ::2] = 1000 + np.arange(9).reshape(3, 3); out["set_dist"] = b.tolist()
b = a.copy(); b[None, 6:0:-2, ::-1] = 2000 + np.arange(15).reshape(1, 3, 5); out["set_dist2"] = b.tolist()
out["take1"] = np.take(a, [4, -1, 0, 4], axis=1).tolist()
out["take0"] = np.take(a, 6, axis=0).tolist()
print(json.dumps(out))
`;

const REF: Record<string, unknown> = HAVE
  ? await pythonJson(SCRIPT, JSON.stringify(CASES.map((c) => [c.shape, c.py])))
  : {};

function base(shape: number[], layout: AxisSpec[] | string): DistArray {
  const n = shape.reduce((x, y) => x * y, 1);
  // "u": every third index round the ranks, each list in descending order
  const dist = layout !== "u" ? layout : [{
    type: "u" as const,
    indices: Array.from(
      { length: world.size },
      (_, p) =>
        Array.from({ length: n }, (_, g) => n - 1 - g).filter((g) => (g * 7) % world.size === p),
    ),
  }];
  const a = DistArray.fromNDArray(world, arange(n).astype("int32").reshape(shape), { dist });
  return a.exchangeHalos();
}

function checkLayout(x: DistArray): void {
  assert.deepEqual(x.localShape, x.distribution.localShape(world.rank));
}

test("DistArray.slice() matches NumPy for negative steps, new axes, index arrays and masks", () => {
  if (!HAVE) return;
  CASES.forEach((c, i) => {
    for (const dist of LAYOUTS[c.shape.length]) {
      const s = base(c.shape, dist).slice(...c.specs);
      checkLayout(s);
      assert.deepEqual(
        s.toNDArray()!.toArray(),
        REF[`sel${i}`],
        `${c.py} on ${JSON.stringify(dist)}`,
      );
    }
  });
});

test("DistArray.take() matches numpy.take", () => {
  if (!HAVE) return;
  for (const dist of LAYOUTS[2]) {
    const a = base([7, 5], dist);
    assert.deepEqual(a.take([4, -1, 0, 4], { axis: 1 }).toNDArray()!.toArray(), REF.take1);
    assert.deepEqual(
      a.take(fromArray([4, -1, 0, 4], "int64"), { axis: -1 }).toNDArray()!.toArray(),
      REF.take1,
    );
    assert.deepEqual(a.take(6, { axis: 0 }).toNDArray()!.toArray(), REF.take0);
  }
});

test("DistArray.extract() matches a[mask] for masks of any distribution", () => {
  if (!HAVE) return;
  for (const dist of LAYOUTS[2]) {
    const a = base([7, 5], dist);
    for (const mdist of ["cc", "bn"]) {
      const m = DistArray.fromFunction(world, [7, 5], {
        fn: ([i, j]) => ((5 * i + j) % 3 === 0 || 5 * i + j > 30 ? 1 : 0),
        dtype: "bool",
        dist: mdist,
      });
      const e = a.extract(m);
      checkLayout(e);
      assert.equal(e.distribution.axis(0).type, "b");
      assert.deepEqual(e.toNDArray()!.toArray(), REF.extract);
      assert.deepEqual(a.extract(m.toNDArray()!).toNDArray()!.toArray(), REF.extract);
    }
    const none = a.extract(DistArray.zeros(world, [7, 5], { dtype: "bool" }));
    assert.deepEqual(none.shape, [0]);
  }
});

test("DistArray.set() with a selection matches NumPy assignment", () => {
  if (!HAVE) return;
  for (const dist of LAYOUTS[2]) {
    let a = base([7, 5], dist);
    a.set(["::-2", 1], -7);
    assert.deepEqual(a.toNDArray()!.toArray(), REF.set_scalar);
    a = base([7, 5], dist);
    a.set(["1:5, ::-1"], fromArray([10, 20, 30, 40, 50]));
    assert.deepEqual(a.toNDArray()!.toArray(), REF.set_nd);
    for (const vdist of ["cc", "nb", "bn"]) {
      a = base([7, 5], dist);
      const v = DistArray.fromFunction(world, [3, 3], {
        fn: ([i, j]) => 1000 + 3 * i + j,
        dist: vdist,
      });
      a.set([[3, 0, 2], "::2"], v);
      assert.deepEqual(a.toNDArray()!.toArray(), REF.set_dist);
      // halo copies are written too: same as refreshing them from the owners
      const before = [...a.local.flat()];
      a.exchangeHalos();
      assert.deepEqual([...a.local.flat()], before);
      a = base([7, 5], dist);
      const w = DistArray.fromFunction(world, [1, 3, 5], {
        fn: ([_, i, j]) => 2000 + 5 * i + j,
        dist: vdist + "n",
      });
      a.set([null, "6:0:-2", "::-1"], w);
      assert.deepEqual(a.toNDArray()!.toArray(), REF.set_dist2);
    }
  }
});

test("DistArray.slice() is a view when each rank's part is contiguous, else a copy", () => {
  const a = DistArray.fromNDArray(world, arange(40).astype("int32").reshape([10, 4]), {
    dist: "bn",
  });
  const v = a.slice("2:9");
  const c = a.slice("2:9, ::-1");
  v.set([":"], -1);
  if (v.local.size > 0) assert.equal(v.local.data.buffer, a.local.data.buffer);
  if (c.local.size > 0) assert.notEqual(c.local.data.buffer, a.local.data.buffer);
  assert.deepEqual(a.toNDArray()!.slice("2:9").toArray(), Array(7).fill([-1, -1, -1, -1]));
  assert.deepEqual(c.toNDArray()!.slice(0).toArray(), [11, 10, 9, 8]);
});

test("DistArray indexing refuses unsupported forms with a TypeError naming them", () => {
  const a = DistArray.zeros(world, [4, 5]);
  assert.throws(() => a.slice([0, 1], [1, 2]), /more than one axis.*DistArray.slice/);
  assert.throws(() => a.slice(a as never), /Distributed index arrays are not supported/);
  assert.throws(() => a.slice(arange(4).reshape([2, 2]) as never), /Index arrays of 2 dimensions/);
  assert.throws(() => a.slice(fromArray([0.5]) as never), /dtype "float64"/);
  assert.throws(() => a.slice([[0, 1]] as never), /Nested index arrays/);
  assert.throws(() => a.take([1, 2]), /DistArray.take without an axis/);
  assert.throws(() => a.extract(a), /dtype "float64" \(expected bool\)/);
  assert.throws(
    () => a.extract(DistArray.zeros(world, [4], { dtype: "bool" })),
    ShapeMismatchError,
  );
  assert.throws(() => a.set(["0:2"], DistArray.zeros(world, [3, 5])), ShapeMismatchError);
  assert.throws(() => a.set(["0:2"], fromArray([1, 2, 3])), ShapeMismatchError);
  assert.throws(() => a.set(["0:2"], {} as never), TypeError);
  assert.throws(() => a.slice("::0"), RangeError);
});
