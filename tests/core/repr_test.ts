// NDArray's text forms against NumPy's own: `Deno.inspect(a)` (what
// console.log shows) equals `repr(np_array)` and `String(a)` equals
// `str(np_array)`, for every dtype kind, 0-d to 3-d, wrapped rows,
// summarised arrays, NaN and infinities, scientific notation and empties.

import assert from "node:assert/strict";
import { fromArray, NDArray } from "../../core/ndarray.ts";
import type { DType } from "../../core/dtype.ts";
import { hasPython, IN_CI, pythonJson } from "../_util.ts";

const ok = hasPython("numpy");

// [NumPy expression, dtype, shape, values] - values listed flat in C order
const CASES: [string, DType, number[], number[]][] = [
  ["np.arange(12, dtype='int64').reshape(3, 4)", "int64", [3, 4], range(12)],
  ["np.arange(6, dtype='int32')", "int32", [6], range(6)],
  ["np.arange(40, dtype='int16')", "int16", [40], range(40)],
  ["np.arange(2000, dtype='int64')", "int64", [2000], range(2000)],
  ["np.arange(3000, dtype='float32').reshape(30, 100)", "float32", [30, 100], range(3000)],
  ["np.arange(24, dtype='uint8').reshape(2, 3, 4)", "uint8", [2, 3, 4], range(24)],
  [
    "np.array([0.5, 1.0, -2.25, 3.0])",
    "float64",
    [4],
    [0.5, 1.0, -2.25, 3.0],
  ],
  ["np.array([0.1, 0.2, 0.3], dtype='float32')", "float32", [3], [0.1, 0.2, 0.3]],
  ["np.array([1/3, 2/3, 1.0])", "float64", [3], [1 / 3, 2 / 3, 1.0]],
  ["np.array([1e-5, 1.0, 2.5])", "float64", [3], [1e-5, 1.0, 2.5]],
  ["np.array([1e9, -3.0, 0.0])", "float64", [3], [1e9, -3.0, 0.0]],
  ["np.array([np.nan, 1.5, np.inf, -np.inf])", "float64", [4], [NaN, 1.5, Infinity, -Infinity]],
  ["np.array([[1.0, 2.0], [3.0, 4.0]])", "float64", [2, 2], [1, 2, 3, 4]],
  ["np.array([True, False, True])", "bool", [3], [1, 0, 1]],
  ["np.array([True, True])", "bool", [2], [1, 1]],
  ["np.array([True])", "bool", [1], [1]],
  ["np.array(False)", "bool", [], [0]],
  ["np.array([-0.0, 2.5e-300, 1.7976931348623157e308])", "float64", [3], [
    -0,
    2.5e-300,
    1.7976931348623157e308,
  ]],
  ["np.array([123456.789, 0.001])", "float64", [2], [123456.789, 0.001]],
  [
    "np.arange(10, dtype='uint64') * 1000000007",
    "uint64",
    [10],
    range(10).map((i) => i * 1000000007),
  ],
  ["np.linspace(0, 1, 30)", "float64", [30], range(30).map((i) => i / 29)],
  ["np.zeros((0,), dtype='float64')", "float64", [0], []],
  ["np.zeros((0, 3), dtype='int32')", "int32", [0, 3], []],
  ["np.array(7, dtype='int32')", "int32", [], [7]],
  ["np.array(2.5)", "float64", [], [2.5]],
];

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function make(dtype: DType, shape: number[], values: number[]): NDArray {
  const flat = dtype === "bool"
    ? values.map((v) => v !== 0)
    : dtype === "int64" || dtype === "uint64"
    ? values.map((v) => BigInt(v))
    : values;
  return fromArray(flat as never, dtype).reshape(shape);
}

Deno.test({
  name: "NDArray inspect and String() equal NumPy's repr and str",
  ignore: !ok && !IN_CI,
  async fn() {
    const script = `
import json, sys, numpy as np
out = []
for e in json.loads(sys.argv[1]):
    a = eval(e)
    out.append([repr(a), str(a)])
print(json.dumps(out))
`;
    const want = await pythonJson<[string, string][]>(
      script,
      JSON.stringify(CASES.map((c) => c[0])),
    );
    CASES.forEach(([expr, dtype, shape, values], i) => {
      const a = make(dtype, shape, values);
      assert.equal(Deno.inspect(a), want[i][0], `repr of ${expr}`);
      assert.equal(String(a), want[i][1], `str of ${expr}`);
    });
  },
});
