// complex64/complex128 against NumPy: type promotion, arithmetic with
// complex and real operands, abs/conjugate/real/imag, sum/mean/prod, layout
// views, casts, repr/str; every kernel without a complex implementation
// refuses complex input with a TypeError.

import assert from "node:assert/strict";
import { copyInto, fromArray, full, NDArray, ones, zeros } from "../../core/ndarray.ts";
import {
  type Complex,
  type DType,
  DTYPE_NAMES,
  hasFloat16,
  promoteTypes,
} from "../../core/dtype.ts";
import { where } from "../../core/ufunc.ts";
import { reducer } from "../../core/reduce.ts";
import { hasPython, IN_CI, pythonJson } from "../_util.ts";

const ok = hasPython("numpy");

type Pair = [number, number];

function pairs(a: NDArray): unknown {
  const conv = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(conv)
      : typeof v === "object"
      ? [(v as Complex).re, (v as Complex).im]
      : v;
  return conv(a.toArray());
}

function close(got: unknown, want: unknown, rtol: number, what: string): void {
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${what}: expected an array`);
    assert.equal((got as unknown[]).length, want.length, `${what}: length`);
    want.forEach((w, i) => close((got as unknown[])[i], w, rtol, `${what}[${i}]`));
    return;
  }
  if (typeof want === "number" && typeof got === "number") {
    const tol = rtol * Math.max(1, Math.abs(want));
    assert.ok(Math.abs(got - want) <= tol || Object.is(got, want), `${what}: ${got} vs ${want}`);
    return;
  }
  assert.deepEqual(got, want, what);
}

// operands, as NumPy builds them
const A: Pair[][] = [[[1, 2], [3, -4], [-0.5, 0.25]], [[0, 1], [2.5, 0], [-3, -3]]];
const B: Pair[] = [[2, -1], [0.5, 0.5], [-1, 3]];
const R = [2, -4, 0.5];

function cplx(v: Pair[][] | Pair[], dtype: DType = "complex128"): NDArray {
  const conv = (x: unknown): unknown =>
    Array.isArray(x) && typeof x[0] === "number"
      ? { re: x[0], im: x[1] }
      : (x as unknown[]).map(conv);
  return fromArray(conv(v) as never, dtype);
}

Deno.test({
  name: "complex ops, reductions and casts equal NumPy's",
  ignore: !ok && !IN_CI,
  async fn() {
    const script = `
import json, sys, numpy as np
A = np.array([[complex(*p) for p in row] for row in json.loads(sys.argv[1])])
B = np.array([complex(*p) for p in json.loads(sys.argv[2])])
R = np.array(json.loads(sys.argv[3]))
def out(x):
    x = np.asarray(x)
    if x.dtype.kind == 'c':
        return [str(x.dtype), np.stack([x.real, x.imag], -1).tolist()]
    return [str(x.dtype), x.tolist()]
res = {
  'add': out(A + B), 'sub': out(A - R), 'mul': out(A * B), 'div': out(A / B),
  'rdiv': out(R / B), 'divr': out(A / R), 'mulr': out(R * A), 'adds': out(A + 2.5),
  'abs': out(np.abs(A)), 'conj': out(np.conjugate(A)), 'neg': out(-A),
  'eq': out(A == A[0]), 'ne': out(A != A[0]),
  'sum': out(A.sum()), 'sum0': out(A.sum(axis=0)), 'mean1': out(A.mean(axis=1)),
  'prod1': out(A.prod(axis=1)), 'prodk': out(A.prod(axis=0, keepdims=True)),
  'real': out(A.real), 'imag': out(A.imag),
  'c64': out(A.astype(np.complex64) * B.astype(np.complex64)),
  'c64r': out(A.astype(np.complex64) + np.float32(1)),
  'c64i': out(A.astype(np.complex64) + np.arange(3, dtype=np.int32)),
  'c64d': out(A.astype(np.complex64) / B.astype(np.complex64)),
  'slice': out(A[:, ::-2]), 'T': out(A.T.copy()), 'reshape': out(A.reshape(3, 2)),
  'fromreal': out(R.astype(np.complex128)),
  'promote': {a: str(np.promote_types(a, b)) for a in json.loads(sys.argv[4]) for b in ['complex64'] },
  'promote128': {a: str(np.promote_types(a, 'complex128')) for a in json.loads(sys.argv[4])},
}
print(json.dumps(res))
`;
    const names = DTYPE_NAMES.filter((d) => d !== "float16" || hasFloat16());
    const want = await pythonJson<Record<string, [string, unknown]>>(
      script,
      JSON.stringify(A),
      JSON.stringify(B),
      JSON.stringify(R),
      JSON.stringify(names),
    );
    const a = cplx(A);
    const b = cplx(B);
    const r = fromArray(R);
    const got: Record<string, NDArray> = {
      add: a.add(b),
      sub: a.sub(r),
      mul: a.mul(b),
      div: a.div(b),
      rdiv: r.div(b),
      divr: a.div(r),
      mulr: r.mul(a),
      adds: a.add(2.5),
      abs: a.abs(),
      conj: a.conjugate(),
      neg: a.neg(),
      eq: a.eq(a.slice(0)),
      ne: a.ne(a.slice(0)),
      sum: a.sum(),
      sum0: a.sum({ axis: 0 }),
      mean1: a.mean({ axis: 1 }),
      prod1: a.prod({ axis: 1 }),
      prodk: a.prod({ axis: 0, keepdims: true }),
      real: a.real,
      imag: a.imag,
      c64: a.astype("complex64").mul(b.astype("complex64")),
      c64r: a.astype("complex64").add(fromArray([1], "float32").reshape([])),
      c64i: a.astype("complex64").add(fromArray([0, 1, 2], "int32")),
      c64d: a.astype("complex64").div(b.astype("complex64")),
      slice: a.slice(":, ::-2"),
      T: a.T.copy(),
      reshape: a.reshape([3, 2]),
      fromreal: r.astype("complex128"),
    };
    for (const [k, g] of Object.entries(got)) {
      const [dtype, values] = want[k];
      assert.equal(g.dtype, dtype, `dtype of ${k}`);
      close(pairs(g), values, g.dtype === "complex64" || g.dtype === "float32" ? 1e-6 : 1e-14, k);
    }
    const promote = want.promote as unknown as Record<string, string>;
    const promote128 = want.promote128 as unknown as Record<string, string>;
    for (const d of names) {
      assert.equal(promoteTypes(d, "complex64"), promote[d], `promote ${d} complex64`);
      assert.equal(promoteTypes("complex128", d), promote128[d], `promote ${d} complex128`);
    }
  },
});

Deno.test({
  name: "complex NDArray inspect and String() equal NumPy's repr and str",
  ignore: !ok && !IN_CI,
  async fn() {
    const cases: [string, NDArray][] = [
      ["np.array([1+2j, 0-1j])", fromArray([{ re: 1, im: 2 }, { re: 0, im: -1 }])],
      ["np.zeros(3, complex)", zeros([3], "complex128")],
      ["np.ones((2, 2), np.complex64)", ones([2, 2], "complex64")],
      ["np.full(2, 1.5-2.25j)", full([2], [1.5, -2.25])],
      ["np.array(3-4j)", full([], { re: 3, im: -4 })],
      ["np.array([1.5+1e-5j, 10-1j])", cplx([[1.5, 1e-5], [10, -1]])],
      ["np.array([1e9+1j, -2.25-3j], np.complex64)", cplx([[1e9, 1], [-2.25, -3]], "complex64")],
      ["np.array([0.1+0.2j], np.complex64)", cplx([[0.1, 0.2]], "complex64")],
      ["np.array([complex(np.nan, np.inf), 1j])", cplx([[NaN, Infinity], [0, 1]])],
      [
        "(np.arange(30) * (1 - 0.5j)).reshape(3, 10)",
        fromArray(Array.from({ length: 30 }, (_, i) => ({ re: i, im: i === 0 ? 0 : -0.5 * i })))
          .reshape([3, 10]),
      ],
      ["np.zeros((0,), complex)", zeros([0], "complex128")],
      ["np.array(2j)", full([], [0, 2])],
      ["np.array(-1.5+1e20j, np.complex64)", full([], [-1.5, 1e20], "complex64")],
      ["np.array(complex(1e-7, np.nan))", full([], [1e-7, NaN])],
    ];
    const want = await pythonJson<[string, string][]>(
      `
import json, sys, numpy as np
print(json.dumps([[repr(a), str(a)] for a in (eval(e) for e in json.loads(sys.argv[1]))]))
`,
      JSON.stringify(cases.map((c) => c[0])),
    );
    cases.forEach(([expr, a], i) => {
      assert.equal(Deno.inspect(a), want[i][0], `repr of ${expr}`);
      assert.equal(String(a), want[i][1], `str of ${expr}`);
    });
  },
});

Deno.test("complex arrays: element access, views share the buffer, documented forms", () => {
  const a = full([2, 3], { re: 1, im: -1 }, "complex64");
  assert.equal(a.data.length, 12);
  assert.equal(a.itemsize, 8);
  assert.equal(a.nbytes, 48);
  a.set([1, 2], [5, 6]);
  assert.deepEqual(a.get(1, 2), { re: 5, im: 6 });
  a.set([0, 0], 7);
  assert.deepEqual(a.get(0, 0), { re: 7, im: 0 });
  // real and imag are views: writing through them changes the array
  a.imag.set([0, 1], 9);
  assert.deepEqual(a.get(0, 1), { re: 1, im: 9 });
  assert.deepEqual([...a.T.flat()][1], { re: 1, im: -1 });
  assert.deepEqual((a.toArray() as Complex[][])[1], [{ re: 1, im: -1 }, { re: 1, im: -1 }, {
    re: 5,
    im: 6,
  }]);
  assert.deepEqual([...a.slice(1).toTypedArray()], [1, -1, 1, -1, 5, 6]);
  assert.deepEqual(fromArray([1.5]).conj().toArray(), [1.5]);
  assert.deepEqual(fromArray([1.5, 2]).imag.toArray(), [0, 0]);
  assert.equal(a.astype("float64", { discardImaginary: true }).get(1, 2), 5);
  const dst = zeros([2], "complex128");
  copyInto(dst, fromArray([3, 4], "int16"));
  assert.deepEqual(dst.toArray(), [{ re: 3, im: 0 }, { re: 4, im: 0 }]);
  const c = cplx([[1, 1], [2, 2]]);
  assert.deepEqual(c.add({ re: 1, im: -1 } as never).toArray(), [{ re: 2, im: 0 }, {
    re: 3,
    im: 1,
  }]);
  const out = zeros([2], "complex128");
  assert.equal(c.mul(2, { out }), out);
  assert.deepEqual(out.get(1), { re: 4, im: 4 });
});

Deno.test("complex arrays: kernels without a complex implementation throw a TypeError", () => {
  const a = full([3], { re: 1, im: 2 });
  const no = (f: () => unknown, what: RegExp) =>
    assert.throws(f, (e) => e instanceof TypeError && what.test((e as Error).message));
  no(() => a.sqrt(), /complex128 is not supported by sqrt/);
  no(() => a.lt(a), /complex128 is not supported by less/);
  no(() => a.max(), /complex128 is not supported by reduction "max"/);
  no(() => a.std(), /complex128 is not supported by reduction "std"/);
  no(
    () => full([2], [1, 1], "complex64").floorDiv(2),
    /complex64 is not supported by floor_divide/,
  );
  no(() => where(fromArray([true, false, true]), a, 0), /complex128 is not supported by where/);
  no(() => reducer("sum", "complex128", [3]), /complex128 is not supported by reducer "sum"/);
  no(() => a.astype("float64"), /discard the imaginary part/);
  no(() => copyInto(zeros([3]), a), /discard the imaginary part/);
  no(() => full([2], { re: 1, im: 1 }, "float64"), /complex value/);
  no(() => fromArray([{ re: 1, im: 1 }], "int32"), /complex value/);
  no(() => a.set([0], "x" as never), /Invalid complex value/);
  // a buffer of one number per element does not fit a complex view
  assert.throws(() => new NDArray("complex128", new Float64Array(3), [3]), RangeError);
});
