// The skipna option of every reduction (core/_reducer.ts, core/_kernels/
// reduce_nan.ts): NumPy's nan* functions when true, NumPy's NaN propagation
// by default, the same on NDArray, DistArray and LazyArray, and mergeable
// states whose result does not depend on which process stepped which block.

import assert from "node:assert/strict";
import { fromArray, NDArray } from "../../core/ndarray.ts";
import { mergeTree, reducer, type ReductionName } from "../../core/reduce.ts";
import { SelfComm } from "../../dist/comm.ts";
import { DistArray } from "../../dist/dist_array.ts";
import { lazy } from "../../stream/lazy.ts";
import { hasPython, pythonJson } from "../_util.ts";

const comm = new SelfComm();

// 4 x 5 float64 with NaN: row 2 all NaN along axis 1, column 3 all NaN along axis 0
const DATA = [
  [1.5, NaN, 3, NaN, -2],
  [4, 0.25, NaN, NaN, 7],
  [NaN, NaN, NaN, NaN, NaN],
  [2, 8, -1, NaN, 0.5],
];

const OPS = ["sum", "prod", "mean", "var", "std", "min", "max"] as const;

function flat(x: unknown): unknown[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x];
}

function same(got: unknown, want: unknown, what: string): void {
  const a = flat(got) as number[];
  const b = flat(want) as (number | null)[];
  assert.equal(a.length, b.length, what);
  a.forEach((x, i) => {
    const y = b[i] === null ? NaN : b[i] as number;
    if (Number.isNaN(y)) assert.ok(Number.isNaN(x), `${what}[${i}]: ${x}, NumPy NaN`);
    else {assert.ok(
        Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y)),
        `${what}[${i}]: ${x}, NumPy ${y}`,
      );}
  });
}

Deno.test({
  name: "skipna: true gives NumPy's nan* results on NDArray, DistArray and LazyArray",
  ignore: !hasPython("numpy"),
  async fn() {
    const want = await pythonJson<Record<string, unknown>>(
      `
import json, sys, warnings, numpy as np
warnings.simplefilter("ignore")
a = np.array(json.loads(sys.argv[1]), dtype="f8")
f = lambda x: np.where(np.isnan(x), None, x).tolist()
out = {}
for op in ["sum", "prod", "mean", "var", "std", "min", "max"]:
    nan = getattr(np, "nan" + op)
    plain = getattr(np, op)
    for ax in [0, 1, None]:
        out[f"{op}/{ax}/skip"] = f(np.asarray(nan(a, axis=ax)))
        out[f"{op}/{ax}/plain"] = f(np.asarray(plain(a, axis=ax)))
out["argmin/1"] = np.nanargmin(a[[0, 1, 3]], axis=1).tolist()
out["argmax/all"] = int(np.nanargmax(a))
out["argmax/1"] = np.nanargmax(a[[0, 1, 3]], axis=1).tolist()
print(json.dumps(out).replace("NaN", "null"))
`,
      JSON.stringify(DATA).replaceAll("null", "NaN"),
    );
    const A = fromArray(DATA, "float64");
    const D = DistArray.fromNDArray(comm, A);
    const L = lazy(A, { chunks: [1, 5] });
    for (const op of OPS) {
      for (const axis of [0, 1, null]) {
        for (const skipna of [true, false, undefined]) {
          const key = `${op}/${axis ?? "None"}/${skipna ? "skip" : "plain"}`;
          same(A[op]({ axis, skipna }).toArray(), want[key], `NDArray ${key}`);
          const d = D[op]({ axis, skipna }); // a DistArray along the other axis with an axis
          same(
            (d instanceof DistArray ? d.toNDArray()! : d).toArray(),
            want[key],
            `DistArray ${key}`,
          );
          const l = await L[op]({ axis, skipna }).compute({ comm, memory: "64MiB" });
          same(l.toArray(), want[key], `LazyArray ${key}`);
        }
      }
    }
    const rows = fromArray([DATA[0], DATA[1], DATA[3]], "float64");
    assert.deepEqual(
      (rows.argmin({ axis: 1, skipna: true }).toArray() as bigint[]).map(Number),
      want["argmin/1"],
    );
    assert.deepEqual(
      (rows.argmax({ axis: 1, skipna: true }).toArray() as bigint[]).map(Number),
      want["argmax/1"],
    );
    assert.equal(Number(A.argmax({ skipna: true }).get()), want["argmax/all"]);
    const la = await L.argmax({ skipna: true }).compute({ comm, memory: "64MiB" });
    assert.equal(Number(la.get()), want["argmax/all"]);
  },
});

Deno.test("skipna: an all-NaN slice gives NaN (0 for sum, 1 for prod), argmin a RangeError", () => {
  const a = fromArray([[NaN, NaN], [NaN, 1]], "float32");
  for (const op of ["mean", "var", "std", "min", "max"] as const) {
    const r = a[op]({ axis: 0, skipna: true });
    assert.equal(r.dtype, "float32", op);
    assert.ok(Number.isNaN(r.get(0) as number), op);
    assert.equal(r.get(1), op === "var" || op === "std" ? 0 : 1, op);
  }
  assert.deepEqual(a.sum({ axis: 0, skipna: true }).toArray(), [0, 1]);
  assert.deepEqual(a.prod({ axis: 0, skipna: true }).toArray(), [1, 1]);
  assert.throws(() => a.argmin({ axis: 0, skipna: true }), RangeError);
  assert.deepEqual(a.argmin({ axis: 0 }).toArray(), [0n, 0n]); // NumPy: the first NaN
  assert.equal(a.argmax({ skipna: true }).get(), 3n);
});

Deno.test("skipna: integer data is unchanged, and a non-boolean skipna is a TypeError", () => {
  const i = fromArray([[1, 2], [3, 4]], "int32");
  assert.deepEqual(i.sum({ axis: 0, skipna: true }).toArray(), i.sum({ axis: 0 }).toArray());
  assert.equal(i.mean({ skipna: true }).get(), 2.5);
  assert.throws(
    () => i.sum({ skipna: "yes" as unknown as boolean }),
    (e: unknown) => e instanceof TypeError && /Invalid skipna "yes"/.test(e.message),
  );
});

Deno.test("skipna states: the same bits whichever order blocks are stepped and merged in a fixed tree", () => {
  const n = 1000;
  const data = new Float64Array(n);
  for (let k = 0; k < n; k++) data[k] = k % 7 === 0 ? NaN : Math.sin(k) * 1e3 + 1 / (k + 1);
  const a = new NDArray("float64", data, [n]);
  const blocks = Array.from(
    { length: 8 },
    (_, b) => ({ start: b * 125, v: a.slice(`${b * 125}:${(b + 1) * 125}`) }),
  );
  const ops: ReductionName[] = ["sum", "mean", "var", "std", "min", "max", "prod", "argmin"];
  for (const op of ops) {
    const r = reducer(op, "float64", [n], { skipna: true });
    const forward = blocks.map((b) => r.step(r.init(), b.v, [b.start]));
    // "ranks" stepping in reverse order: the states are then put back in block order
    const reverse = [...blocks].reverse().map((b) => r.step(r.init(), b.v, [b.start])).reverse();
    const x = r.finish(mergeTree(r, forward)).get();
    const y = r.finish(mergeTree(r, reverse)).get();
    assert.ok(Object.is(x, y), `${op}: ${x} and ${y}`);
    if (op !== "prod") assert.ok(!Number.isNaN(Number(x)), `${op} skipped NaN`);
  }
});
