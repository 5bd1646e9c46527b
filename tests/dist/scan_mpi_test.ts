// Distributed scans (cumsum, cumprod, ufunc accumulate), ufunc reduce and
// outer of DistArrays against NumPy (/usr/bin/python3), and the same bits for
// any rank count (against the one-rank SelfComm result). Runs alone and under
// any launcher and rank count:
//   deno test -A tests/dist/scan_mpi_test.ts
//   timeout 300 mpiexec.mpich -n 3 deno test -A tests/dist/scan_mpi_test.ts
//   timeout 300 mpirun.openmpi --allow-run-as-root --oversubscribe -n 2 deno test -A ...

import assert from "node:assert/strict";
import { SelfComm } from "../../dist/comm.ts";
import { DistArray } from "../../dist/dist_array.ts";
import type { LayoutOptions } from "../../dist/layout.ts";
import { fromArray, NDArray } from "../../core/ndarray.ts";
import type { DType } from "../../core/dtype.ts";
import { add, logicalOr, maximum, minimum, multiply, subtract } from "../../core/ufunc.ts";
import { hasPython, PYTHON } from "../_util.ts";
import { mpiTest as test, world } from "../_mpi.ts";

const self = new SelfComm();
const HAS_NUMPY = hasPython("numpy");

function makeArray(dtype: DType, shape: number[], seed: number): NDArray {
  const n = shape.reduce((x, y) => x * y, 1);
  const vals: (number | boolean | bigint)[] = [];
  let s = seed * 2654435761 % 4294967296;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const r = s / 2147483648;
    if (dtype === "bool") vals.push(r < 0.3);
    else if (dtype === "int64") vals.push(BigInt(Math.floor(r * 2001) - 1000) * 4611686018427n);
    else if (dtype.startsWith("int") || dtype.startsWith("uint")) vals.push(Math.floor(r * 7) - 2);
    // float32: multiples of 1/8, so every partial sum is exact and equals NumPy's bits
    else if (dtype === "float32") vals.push(Math.floor(r * 8) / 8 + 0.5);
    else vals.push(i === 17 && seed === 3 ? NaN : r + 0.5);
  }
  return fromArray(vals as number[], dtype).reshape(shape);
}

interface Case {
  arr: number;
  kind: "cumsum" | "cumprod" | "maximum.accumulate" | "add.reduce" | "subtract.reduce";
  axis: number | null;
}

const ARRAYS: NDArray[] = [
  makeArray("float64", [1000], 1),
  makeArray("float64", [37, 5], 2),
  makeArray("float64", [4, 300, 3], 3),
  makeArray("int32", [50, 6], 4),
  makeArray("bool", [23, 2], 5),
  makeArray("int64", [41], 6),
  makeArray("float32", [200000], 7),
  makeArray("float64", [70000, 2], 8),
  makeArray("uint8", [0, 3], 9),
];

const LAYOUTS: Record<string, (nd: number) => LayoutOptions> = {
  block: () => ({}),
  cyclic: (nd) => ({ dist: ["c", ...new Array(nd - 1).fill("n")] }),
  blockCyclic: (nd) => ({ dist: [{ type: "c", blockSize: 3 }, ...new Array(nd - 1).fill("n")] }),
  lastAxis: (nd) => ({ dist: [...new Array(nd - 1).fill("n"), "b"] }),
};

const CASES: Case[] = [];
ARRAYS.forEach((a, arr) => {
  const big = a.size > 100000;
  const axes = big ? [0, null] : [...a.shape.map((_, i) => i), -1, null];
  for (const axis of axes) {
    CASES.push({ arr, kind: "cumsum", axis });
    if (!big) CASES.push({ arr, kind: "cumprod", axis });
    if (axis !== null) {
      CASES.push({ arr, kind: "maximum.accumulate", axis });
      if (!big) CASES.push({ arr, kind: "add.reduce", axis });
      if (!big && a.size > 0 && a.dtype !== "bool") {
        CASES.push({ arr, kind: "subtract.reduce", axis });
      }
    }
  }
});

const PY = `
import json, sys, numpy as np
req = json.load(sys.stdin)
arrays = []
for a in req["arrays"]:
    dt = np.dtype(a["dtype"])
    if dt.kind in "iu":
        v = np.array([int(x) for x in a["data"]], dtype=dt)
    elif dt.kind == "b":
        v = np.array([x == "1" for x in a["data"]], dtype=dt)
    else:
        v = np.array([float(x) for x in a["data"]], dtype=dt)
    arrays.append(v.reshape(a["shape"]))
out = []
for c in req["cases"]:
    a = arrays[c["arr"]]
    k = c["kind"]
    with np.errstate(all="ignore"):
        if k in ("cumsum", "cumprod"):
            r = getattr(np, k)(a, axis=c["axis"])
        else:
            u, m = k.split(".")
            r = getattr(getattr(np, u), m)(a, axis=c["axis"])
    r = np.asarray(r)
    vals = ["1" if x else "0" for x in r.ravel()] if r.dtype.kind == "b" else (
        [str(int(x)) for x in r.ravel()] if r.dtype.kind in "iu" else [repr(float(x)) for x in r.ravel()])
    out.append({"dtype": str(r.dtype), "shape": list(r.shape), "values": vals})
print(json.dumps(out))
`;

function flatStrings(a: NDArray): string[] {
  return [...a.flat()].map((v) => (typeof v === "boolean" ? (v ? "1" : "0") : String(v)));
}

async function numpy(): Promise<{ dtype: string; shape: number[]; values: string[] }[]> {
  const req = {
    arrays: ARRAYS.map((a) => ({ dtype: a.dtype, shape: a.shape, data: flatStrings(a) })),
    cases: CASES,
  };
  const child = new Deno.Command(PYTHON, {
    args: ["-c", PY],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(req)));
  await w.close();
  const r = await child.output();
  if (!r.success) throw new Error(`python failed: ${new TextDecoder().decode(r.stderr)}`);
  return JSON.parse(new TextDecoder().decode(r.stdout));
}

const RESULTS = HAS_NUMPY ? await numpy() : [];

function run(d: DistArray, c: Case): DistArray | NDArray {
  switch (c.kind) {
    case "cumsum":
      return d.cumsum({ axis: c.axis });
    case "cumprod":
      return d.cumprod({ axis: c.axis });
    case "maximum.accumulate":
      return maximum.accumulate(d, { axis: c.axis! });
    case "add.reduce":
      return add.reduce(d, { axis: c.axis });
    case "subtract.reduce":
      return subtract.reduce(d, { axis: c.axis });
  }
}

function gathered(x: DistArray | NDArray): NDArray {
  return x instanceof DistArray ? x.toNDArray()! : x;
}

function bytes(a: NDArray): string {
  const d = a.copy().data;
  return [...new Uint8Array(d.buffer, d.byteOffset, d.byteLength)].join(",");
}

function toNumber(s: string): number {
  return s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s);
}

for (const [layout, opts] of Object.entries(LAYOUTS)) {
  test(`DistArray scans and ufunc reduce match numpy and one rank's bits (${layout} layout, ${world.size} ranks)`, () => {
    if (!HAS_NUMPY) return;
    CASES.forEach((c, id) => {
      const ref = ARRAYS[c.arr];
      if (layout !== "block" && ref.size > 100000) return;
      const what = `${c.kind}(${ref.dtype} [${ref.shape}], axis=${c.axis}) ${layout}`;
      const d = DistArray.fromNDArray(world, ref, opts(ref.ndim));
      const got = gathered(run(d, c));
      const one = gathered(run(DistArray.fromNDArray(self, ref), c));
      const exp = RESULTS[id];
      assert.equal(got.dtype, exp.dtype, `${what}: dtype`);
      assert.deepEqual([...got.shape], exp.shape, `${what}: shape`);
      if (c.kind !== "add.reduce") {
        assert.equal(bytes(got), bytes(one), `${what}: bits differ from one rank`);
      }
      const gn = [...got.flat()];
      if (!got.dtype.startsWith("float")) {
        assert.deepEqual(flatStrings(got), exp.values, what);
        return;
      }
      exp.values.forEach((s, i) => {
        const e = toNumber(s);
        const g = Number(gn[i]);
        if (!Number.isFinite(e)) {
          assert.ok(Object.is(g, e) || (Number.isNaN(g) && Number.isNaN(e)), `${what}: ${i}`);
          return;
        }
        const tol = (got.dtype === "float32" ? 0 : 1e-12) * Math.max(1, Math.abs(e));
        assert.ok(Math.abs(g - e) <= tol, `${what}: element ${i}: ${g} vs ${e}`);
      });
    });
  });
}

test("cumsum() of a DistArray keeps its distribution; axis null gives a 1-D block array", () => {
  const ref = makeArray("int32", [9, 4], 11);
  const d = DistArray.fromNDArray(world, ref, { dist: ["c", "n"] });
  const r = d.cumsum({ axis: 0 });
  assert.ok(r.distribution.equals(d.distribution));
  assert.equal(r.dtype, "int64");
  const flat = d.cumsum();
  assert.deepEqual(flat.shape, [36]);
  assert.deepEqual(flat.toNDArray()!.toArray(), ref.cumsum().toArray());
});

test("ufunc outer of two 1-D DistArrays is a 2-D DistArray equal to NDArray outer", () => {
  const a = makeArray("float64", [13], 12);
  const b = makeArray("int32", [7], 13);
  const da = DistArray.fromNDArray(world, a, { dist: ["c"] });
  const db = DistArray.fromNDArray(world, b);
  for (const f of [add, subtract, multiply, minimum]) {
    const r = f.outer(da, db);
    assert.ok(r instanceof DistArray);
    assert.deepEqual(r.shape, [13, 7]);
    assert.equal(bytes(r.toNDArray()!), bytes(f.outer(a, b)), f.ufuncName);
  }
  assert.throws(() => add.outer(da, DistArray.fromNDArray(world, b.reshape([7, 1]))), RangeError);
});

test("DistArray scans reject a bad axis, a non-associative ufunc and bad options", () => {
  const d = DistArray.fromNDArray(world, makeArray("float64", [6, 2], 14));
  assert.throws(
    () => d.cumsum({ axis: 2 }),
    (e: unknown) => e instanceof RangeError && /axis 2/.test((e as Error).message),
  );
  assert.throws(() => add.accumulate(d, { axis: -3 }), RangeError);
  assert.throws(() => subtract.accumulate(d), TypeError);
  assert.throws(() => d.cumprod({ axes: 0 } as never), TypeError);
  assert.throws(() => add.reduce(d, { axis: 5 }), RangeError);
  assert.deepEqual(gathered(logicalOr.reduce(d, { axis: 0 })).toArray(), [true, true]);
});
