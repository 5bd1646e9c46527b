// The operation table (core/ops.ts) against the three array types: the same
// method names, kinds, `function.length` and option names on NDArray,
// LazyArray and DistArray, with every deliberate difference listed below with
// its reason; and the methods the table added, against NumPy's values.

import assert from "node:assert/strict";
import { ARRAY_OPS, type OpName, type ReductionMethodOptions } from "../../core/ops.ts";
import { fromArray, full, NDArray } from "../../core/ndarray.ts";
import { SelfComm } from "../../dist/comm.ts";
import { DistArray } from "../../dist/dist_array.ts";
import { lazy, LazyArray } from "../../stream/lazy.ts";

const comm = new SelfComm();
const A = fromArray([[-1.5, 0.25, 2.0], [3.0, -4.0, 0.5]]);
const B = fromArray([1.0, -1.0, 0.5]);

type TypeName = "NDArray" | "LazyArray" | "DistArray";

function samples(): Record<TypeName, object> {
  return { NDArray: A, LazyArray: lazy(A), DistArray: DistArray.fromNDArray(comm, A) };
}

/**
 * Public members a type has beyond the table, each with the reason it is not
 * shared. A new public member on a type fails the test until it is added to
 * the table or here.
 */
const EXTRAS: Record<TypeName, Record<string, string>> = {
  NDArray: {
    data: "the backing typed buffer: only an in-memory view has one",
    strides: "view geometry of one buffer",
    offset: "view geometry of one buffer",
    itemsize: "view geometry of one buffer (the others use DTYPES[dtype].bytes)",
    isContiguous: "layout of one buffer",
    isFContiguous: "layout of one buffer",
    get: "element access by variadic index; DistArray.get takes one index array and is collective",
    set: "element write of one buffer (DistArray.set writes every local copy)",
    transpose: "a strided view; LazyArray/DistArray have no transposed layout yet",
    T: "a strided view (see transpose)",
    reshape: "a strided view (see transpose)",
    broadcastTo: "a stride-0 view (see transpose)",
    squeeze: "a strided view (see transpose)",
    flat: "iterates one buffer",
    copy: "a LazyArray is immutable; DistArray.copy is listed there",
    toTypedArray: "exports one buffer",
    toArray: "exports one buffer (LazyArray: compute().toArray())",
    toString: "the values as NumPy's str (console.log shows its repr)",
    sort: "core/sort.ts (LazyArray has no out-of-core sort)",
    median: "core/sort.ts; LazyArray's returns a Promise (passes over the data)",
    quantile: "core/sort.ts; LazyArray's returns a Promise (passes over the data)",
    percentile: "core/sort.ts; LazyArray's returns a Promise (passes over the data)",
    real: "complex: a view of the real parts of one buffer (LazyArray/DistArray: not yet)",
    imag: "complex: a view of the imaginary parts of one buffer (LazyArray/DistArray: not yet)",
    conjugate: "complex conjugate; not a table ufunc (no real kernel: a copy for real dtypes)",
    conj: "alias of conjugate",
  },
  LazyArray: {
    chunks: "the source's chunk grid: only an on-disk source has one",
    ufunc: "any ufunc by name as a method; NDArray uses UFUNCS, DistArray the static ufunc",
    plan: "planning a streamed run is LazyArray's own",
    compute: "runs the graph into memory",
    to: "runs the graph into a file",
    close: "closes the source file",
    toString: "what it is, from which source or operation: no values, nothing is computed",
    display: "the notebook view: reads the first values (NDArray's comes from viz/display.ts)",
    median: "exact, out of core: a Promise of the NDArray (stream/_quantile.ts)",
    quantile: "exact, out of core: a Promise of the NDArray (stream/_quantile.ts)",
    percentile: "exact, out of core: a Promise of the NDArray (stream/_quantile.ts)",
  },
  DistArray: {
    comm: "the communicator",
    distribution: "the layout over ranks",
    local: "this rank's block",
    localShape: "this rank's block shape, equal to distribution.localShape(comm.rank)",
    toString: "description with the distribution",
    toNDArray: "gathers the global array (collective)",
    redistribute: "moves blocks to another distribution (collective)",
    exchangeHalos: "fills halo cells from their owners (collective)",
    copy: "copies the local blocks (a LazyArray is immutable)",
    apply: "runs a function on each local block",
    get: "one element by global index, broadcast from its owner (collective)",
    set: "writes one element in every local copy",
    toDap: "the Distributed Array Protocol view of this rank",
    saveNpy: "parallel .npy write, each rank its own cells (collective)",
    sort: "sample sort into the default block layout (collective)",
    median: "exact by distributed selection, replicated (collective)",
    quantile: "exact by distributed selection, replicated (collective)",
    percentile: "exact by distributed selection, replicated (collective)",
    // main's indexing (dist/_dist_index.ts) added these without listing them
    extract: "the elements where a bool mask is true, a 1-D DistArray",
    take: "elements at indices along an axis (NumPy's take), a DistArray",
  },
};

/** Table entries a type implements with another signature, with the reason. */
const SIGNATURE_EXCEPTIONS: Record<TypeName, Partial<Record<OpName, string>>> = {
  NDArray: {},
  LazyArray: {},
  DistArray: {
    slice: "takes one selection argument until the indexer rewrite of issue 10 makes it variadic",
  },
};

/** Every public, non-symbol member name of an object and its prototype chain. */
function publicMembers(x: object): Map<string, "getter" | "method" | "field"> {
  const out = new Map<string, "getter" | "method" | "field">();
  for (const k of Object.keys(x)) out.set(k, "field");
  for (
    let p = Object.getPrototypeOf(x);
    p && p !== Object.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    for (const k of Object.getOwnPropertyNames(p)) {
      if (k === "constructor" || out.has(k)) continue;
      const d = Object.getOwnPropertyDescriptor(p, k)!;
      out.set(k, d.get ? "getter" : typeof d.value === "function" ? "method" : "field");
    }
  }
  return out;
}

function expectedLength(name: OpName): number | null {
  const op = ARRAY_OPS[name];
  switch (op.kind) {
    case "unary":
    case "reduction":
      return 0;
    case "binary":
      return 1;
    case "method":
      return op.arity;
    default:
      return null;
  }
}

for (const [type, x] of Object.entries(samples()) as [TypeName, object][]) {
  Deno.test(`ARRAY_OPS: ${type} has every entry with its kind and length`, () => {
    const members = publicMembers(x);
    for (const name of Object.keys(ARRAY_OPS) as OpName[]) {
      const kind = members.get(name);
      assert.ok(kind !== undefined, `${type} lacks "${name}"`);
      const want = ARRAY_OPS[name].kind === "getter" ? ["getter", "field"] : ["method"];
      assert.ok(want.includes(kind), `${type}.${name} is a ${kind}, the table says ${want[0]}`);
      const len = expectedLength(name);
      const fn = (x as Record<string, unknown>)[name];
      if (len !== null && !SIGNATURE_EXCEPTIONS[type][name]) {
        assert.equal((fn as () => void).length, len, `${type}.${name}.length`);
      }
    }
  });

  Deno.test(`ARRAY_OPS: every other public member of ${type} is a listed exception`, () => {
    const extra = [...publicMembers(x).keys()].filter((k) => !Object.hasOwn(ARRAY_OPS, k));
    assert.deepEqual(extra.sort(), Object.keys(EXTRAS[type]).sort());
  });

  Deno.test(`ARRAY_OPS: ${type} reductions reject an option their entry does not list`, () => {
    const a = x as Record<string, (o?: unknown) => unknown>;
    assert.throws(() => a.min({ ddof: 1 }), TypeError);
    assert.throws(() => a.sum({ axes: 0 }), /Unknown option "axes" for sum\(\): expected axis/);
    assert.throws(() => a.argmax({ dtype: "int64" }), TypeError);
  });
}

Deno.test("ARRAY_OPS: signature exceptions are still real", () => {
  for (const [type, ex] of Object.entries(SIGNATURE_EXCEPTIONS) as [TypeName, object][]) {
    for (const name of Object.keys(ex) as OpName[]) {
      const fn = (samples()[type] as Record<string, unknown>)[name] as () => void;
      // an exception that no longer differs should be removed from the list
      if (fn.length === expectedLength(name)) {
        console.warn(`${type}.${name} now matches the table: drop its exception`);
      }
    }
  }
});

// The option names, at the type level: the same for the three types, and the
// table's own. A mismatch fails `deno check` (and so this file).
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true
  : false;
type OptionKeys<F> = F extends (o?: infer O) => unknown ? keyof NonNullable<O> : never;
const typeChecks: [
  Equal<OptionKeys<NDArray["std"]>, "axis" | "keepdims" | "ddof" | "dtype" | "skipna">,
  Equal<OptionKeys<LazyArray["std"]>, OptionKeys<NDArray["std"]>>,
  Equal<OptionKeys<DistArray["std"]>, OptionKeys<NDArray["std"]>>,
  Equal<OptionKeys<DistArray["min"]>, "axis" | "keepdims" | "skipna">,
  Equal<OptionKeys<LazyArray["sum"]>, keyof ReductionMethodOptions<"sum">>,
  Equal<Parameters<LazyArray["argmax"]>, Parameters<DistArray["argmax"]>>,
  Equal<Parameters<NDArray["argmax"]>, Parameters<DistArray["argmax"]>>,
  Equal<ReturnType<DistArray["add"]>, DistArray>,
  Equal<ReturnType<DistArray["sum"]>, NDArray | DistArray>, // DistArray with an axis
  Equal<ReturnType<LazyArray["sin"]>, LazyArray>,
] = [true, true, true, true, true, true, true, true, true, true];

Deno.test("ARRAY_OPS: option names agree at the type level", () => {
  assert.ok(typeChecks.every((x) => x));
  for (const [name, op] of Object.entries(ARRAY_OPS)) {
    if (op.kind === "reduction") assert.ok(op.options.includes("axis"), name);
  }
});

// NumPy 1.24 values (/usr/bin/python3):
// a = np.array([[-1.5, 0.25, 2.0], [3.0, -4.0, 0.5]]); b = np.array([1.0, -1.0, 0.5])
const NP = {
  square: [[2.25, 0.0625, 4.0], [9.0, 16.0, 0.25]],
  sin: [[-0.9974949866040544, 0.24740395925452296, 0.9092974268256816], [
    0.1411200080598672,
    0.7568024953079284,
    0.47942553860420295,
  ]],
  cos: [[0.0707372016677029, 0.968912421710645, -0.4161468365471424], [
    -0.9899924966004454,
    -0.6536436208636119,
    0.8775825618903725,
  ]],
  minimum: [[-1.5, -1.0, 0.5], [1.0, -4.0, 0.5]], // np.minimum(a, b)
  maximum: [[1.0, 0.25, 2.0], [3.0, -1.0, 0.5]], // np.maximum(a, b)
  floorDiv: [[-2.0, -1.0, 4.0], [3.0, 4.0, 1.0]], // np.floor_divide(a, b)
  clip: [[-1.0, 0.25, 1.0], [1.0, -1.0, 0.5]], // np.clip(a, -1, 1)
  clipLo: [[0.0, 0.25, 2.0], [3.0, 0.0, 0.5]], // np.clip(a, 0, None)
};

function close(got: unknown, want: number[][], what: string): void {
  const g = (got as number[][]).flat();
  const w = want.flat();
  assert.equal(g.length, w.length, what);
  g.forEach((v, i) => assert.ok(Math.abs(v - w[i]) <= 1e-15 * Math.max(1, Math.abs(w[i])), what));
}

Deno.test("NDArray square/sin/cos/minimum/maximum/floorDiv/clip match NumPy", () => {
  close(A.square().toArray(), NP.square, "square");
  close(A.sin().toArray(), NP.sin, "sin");
  close(A.cos().toArray(), NP.cos, "cos");
  assert.deepEqual(A.minimum(B).toArray(), NP.minimum);
  assert.deepEqual(A.maximum(B).toArray(), NP.maximum);
  assert.deepEqual(A.floorDiv(B).toArray(), NP.floorDiv);
  assert.deepEqual(A.clip(-1, 1).toArray(), NP.clip);
  assert.deepEqual(A.clip(0, null).toArray(), NP.clipLo);
  // integers: np.square(int16 [-7, 5, 200]) wraps, floor_divide by -2, sin gives float32
  const i = fromArray([-7, 5, 200], "int16");
  assert.deepEqual(i.square().toArray(), [49, 25, -25536]);
  assert.deepEqual(i.floorDiv(fromArray([-2], "int16")).toArray(), [3, -3, -100]);
  const s = i.sin();
  assert.equal(s.dtype, "float32");
  assert.deepEqual(s.toArray(), [-0.6569865942001343, -0.9589242935180664, -0.8732972741127014]);
  // NDArray methods keep the ufunc options
  const out = full([3], 0, "float64");
  assert.equal(i.square({ out }), out);
  assert.deepEqual(out.toArray(), [49, 25, -25536]);
  assert.equal(A.sin({ dtype: "float32" }).dtype, "float32");
  assert.deepEqual(A.reduce("nanmax", { axis: 1 }).toArray(), [2, 3]);
  assert.throws(() => A.reduce("median" as "sum"), TypeError);
});

Deno.test("LazyArray sin/cos match NumPy", async () => {
  const x = lazy(A);
  close((await x.sin().compute({ comm })).toArray(), NP.sin, "sin");
  close((await x.cos().compute({ comm })).toArray(), NP.cos, "cos");
});

Deno.test("DistArray clip/floorDiv/nbytes match NumPy", () => {
  const d = DistArray.fromNDArray(comm, A);
  assert.deepEqual(d.clip(-1, 1).toNDArray()!.toArray(), NP.clip);
  assert.deepEqual(d.clip(0, null).toNDArray()!.toArray(), NP.clipLo);
  assert.deepEqual(d.clip(DistArray.fromNDArray(comm, A.mul(0).sub(1)), B).toNDArray()!.toArray(), [
    [-1, -1, 0.5],
    [1, -1, 0.5],
  ]);
  assert.deepEqual(d.floorDiv(B).toNDArray()!.toArray(), NP.floorDiv);
  assert.equal(d.nbytes, 48); // a.nbytes
  assert.equal(DistArray.zeros(comm, [5, 3], { dtype: "float32" }).nbytes, 60);
});

Deno.test("DistArray.full() infers the dtype as core full() and np.full do", () => {
  // np.full((2,), 3).dtype int64, np.full((2,), 3.5) float64, np.full((2,), True) bool
  for (const value of [3, 3.5, true, 7n]) {
    const d = DistArray.full(comm, [2], { value });
    assert.equal(d.dtype, full([2], value).dtype, String(value));
  }
  assert.equal(DistArray.full(comm, [2], { value: 3 }).dtype, "int64");
  assert.equal(DistArray.full(comm, [2], { value: 3.5 }).dtype, "float64");
  assert.equal(DistArray.full(comm, [2], { value: true }).dtype, "bool");
  assert.equal(DistArray.full(comm, [2], { value: 3, dtype: "float32" }).dtype, "float32");
  assert.equal(DistArray.ones(comm, [2]).dtype, "float64");
});

Deno.test("DistArray.localShape is distribution.localShape(comm.rank)", () => {
  const d = DistArray.zeros(comm, [7, 3], { dist: "bn" });
  assert.deepEqual(d.localShape, d.distribution.localShape(comm.rank));
  assert.ok(d instanceof DistArray && !(d instanceof NDArray) && !(lazy(A) instanceof NDArray));
  assert.ok(lazy(A) instanceof LazyArray);
});
