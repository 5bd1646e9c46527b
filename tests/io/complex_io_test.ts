// Complex arrays in files against the reference writers and readers: .npy
// from NumPy, HDF5 as h5py writes it (compound {r, i}), Zarr v2 from
// zarr-python (dtype "<c16", fill_value [re, im]) read with the same values;
// the files Tessera writes read back equal in NumPy, h5py and zarr-python;
// `tessera info` and `tessera convert` through .npy -> .h5 -> .zarr; lazy
// arrays over a complex file.

import assert from "node:assert/strict";
import { type Complex, isComplex } from "../../core/dtype.ts";
import { fromArray, type NDArray } from "../../core/ndarray.ts";
import { readNpy, writeNpy } from "../../io/npy.ts";
import { H5File, openDataset } from "../../io/hdf5.ts";
import { createZarr, openZarr } from "../../io/zarr.ts";
import { open } from "../../stream/mod.ts";
import { hasPython, IN_CI, pythonJson, runCli, tempDir } from "../_util.ts";

const ignore = !hasPython("numpy", "h5py", "zarr") && !IN_CI;

type Pairs = unknown; // nested [re, im] pairs

function pairs(a: NDArray): Pairs {
  assert.ok(isComplex(a.dtype), `dtype ${a.dtype} is not complex`);
  const conv = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(conv) : [(v as Complex).re, (v as Complex).im];
  return conv(a.toArray());
}

const PY = `
import json, sys
import numpy as np, h5py, zarr
def enc(a):
    a = np.asarray(a)
    return {"dtype": a.dtype.name, "values": np.stack([a.real, a.imag], -1).tolist()}
`;

// the test arrays, as NumPy builds them
const X = "(np.arange(12).reshape(3, 4) * (1 - 0.5j) + 0.25j)";
const Y = "(np.arange(7) * (2 + 1j)).astype(np.complex64)";

Deno.test({
  name: "complex arrays written by NumPy, h5py and zarr-python read with their values",
  ignore,
  async fn() {
    await using dir = await tempDir();
    const d = dir.path;
    const want = await pythonJson<Record<string, { dtype: string; values: Pairs }>>(
      `${PY}
d = sys.argv[1]
X = ${X}; Y = ${Y}
np.save(d + "/x.npy", X)
np.save(d + "/xbe.npy", X.astype(">c16"))
np.save(d + "/yf.npy", np.asfortranarray(np.stack([Y, Y * 2])))
with h5py.File(d + "/f.h5", "w") as f:
    f["x"] = X
    f.create_dataset("y", data=Y, chunks=(3,), compression="gzip")
    f["xbe"] = X.astype(">c16")
z = zarr.open(d + "/x.zarr", mode="w", shape=X.shape, chunks=(2, 3), dtype="<c16")
z[:] = X
z = zarr.open(d + "/y.zarr", mode="w", shape=(7,), chunks=(3,), dtype="<c8", fill_value=1 + 2j)
z[:4] = Y[:4]
out = {"x": enc(X), "y": enc(Y), "yf": enc(np.stack([Y, Y * 2])), "yfill": enc(zarr.open(d + "/y.zarr")[:]),
       "xs": enc(X[1:, ::2])}
print(json.dumps(out))
`,
      d,
    );
    const check = (a: NDArray, w: { dtype: string; values: Pairs }, what: string) => {
      assert.equal(a.dtype, w.dtype, `dtype of ${what}`);
      assert.deepEqual(pairs(a), w.values, what);
    };
    check(await readNpy(`${d}/x.npy`), want.x, "x.npy");
    check(await readNpy(`${d}/xbe.npy`), want.x, "xbe.npy (big-endian)");
    check(await readNpy(`${d}/yf.npy`), want.yf, "yf.npy (Fortran order)");
    for (const [obj, w] of [["x", want.x], ["y", want.y], ["xbe", want.x]] as const) {
      using ds = await openDataset(`${d}/f.h5:/${obj}`);
      check(await ds.read(), w, `f.h5:/${obj}`);
    }
    {
      using ds = await openDataset(`${d}/f.h5:/x`);
      check(await ds.read("1:, ::2"), want.xs, "f.h5:/x[1:, ::2]");
    }
    const zx = await openZarr(`${d}/x.zarr`);
    check(await zx.read(), want.x, "x.zarr");
    check(await zx.read("1:, ::2"), want.xs, "x.zarr[1:, ::2]");
    const zy = await openZarr(`${d}/y.zarr`);
    assert.deepEqual(zy.fillValue, { re: 1, im: 2 });
    check(await zy.read(), want.yfill, "y.zarr (missing chunk filled with 1+2j)");
    // lazily: slices copy through, abs and arithmetic go through the complex kernels
    const lx = await open(`${d}/x.zarr`);
    check(await lx.slice("1:, ::2").compute(), want.xs, "open(x.zarr).slice");
    const n = await readNpy(`${d}/x.npy`);
    assert.deepEqual((await lx.abs().compute()).toArray(), n.abs().toArray());
    assert.deepEqual(pairs(await lx.mul(lx).add(1).compute()), pairs(n.mul(n).add(1)));
    await assert.rejects(
      async () => await lx.sum().compute(),
      /complex128 is not supported by reducer "sum"/,
    );
    await assert.rejects(
      async () => await lx.sqrt().compute(),
      /complex128 is not supported by sqrt/,
    );
  },
});

Deno.test({
  name: "complex arrays written by Tessera read equal in NumPy, h5py and zarr-python",
  ignore,
  async fn() {
    await using dir = await tempDir();
    const d = dir.path;
    const x = fromArray([[{ re: 1, im: 2 }, { re: 3, im: -4 }], [{ re: 5.5, im: 0 }, {
      re: -1,
      im: 1e-3,
    }]]);
    const y = x.astype("complex64");
    await writeNpy(`${d}/x.npy`, x);
    await writeNpy(`${d}/yt.npy`, y.T);
    {
      using f = H5File.open(`${d}/f.h5`, { mode: "w" });
      f.createDataset("/x", { shape: [2, 2], dtype: "complex128", data: x }).close();
      f.createDataset("/y", { shape: [2, 2], dtype: "complex64", chunks: [1, 2], data: y }).close();
      f.createDataset("/xbe", { shape: [2, 2], dtype: "complex128", data: x, bigEndian: true })
        .close();
    }
    const zx = await createZarr(`${d}/x.zarr`, {
      shape: [5],
      dtype: "complex128",
      chunks: [2],
      fillValue: { re: 1, im: -1 },
    });
    await zx.write("0:3", x.reshape([4]).slice("0:3"));
    const zy = await createZarr(`${d}/y.zarr`, {
      shape: [2, 2],
      dtype: "complex64",
      chunks: [1, 1],
    });
    await zy.write("...", y);
    const got = await pythonJson<Record<string, { dtype: string; values: Pairs }>>(
      `${PY}
d = sys.argv[1]
with h5py.File(d + "/f.h5") as f:
    h = {"hx": enc(f["x"][()]), "hy": enc(f["y"][()]), "hxbe": enc(f["xbe"][()]),
         "hxbe_dtype": f["xbe"].dtype.str}
print(json.dumps({"x": enc(np.load(d + "/x.npy")), "yt": enc(np.load(d + "/yt.npy")), **h,
                  "zx": enc(zarr.open(d + "/x.zarr", "r")[:]), "zy": enc(zarr.open(d + "/y.zarr", "r")[:]),
                  "zxfill": enc(zarr.open(d + "/x.zarr", "r").fill_value)}))
`,
      d,
    );
    const f32 = (v: number) => Math.fround(v);
    const yv = pairs(y);
    assert.deepEqual(got.x, { dtype: "complex128", values: pairs(x) });
    assert.deepEqual(got.yt, { dtype: "complex64", values: pairs(y.T) });
    assert.deepEqual(got.hx, { dtype: "complex128", values: pairs(x) });
    assert.deepEqual(got.hy, { dtype: "complex64", values: yv });
    assert.deepEqual(got.hxbe, { dtype: "complex128", values: pairs(x) });
    assert.equal(got.hxbe_dtype, ">c16");
    assert.deepEqual(got.zx, {
      dtype: "complex128",
      values: [[1, 2], [3, -4], [5.5, 0], [1, -1], [1, -1]],
    });
    assert.deepEqual(got.zy, { dtype: "complex64", values: yv });
    assert.deepEqual(got.zxfill.values, [1, -1]);
    assert.equal(f32(1e-3), (yv as number[][][])[1][1][1]);
  },
});

Deno.test({
  name: "tessera info and convert: complex .npy -> .h5 -> .zarr keeps the values",
  ignore,
  async fn() {
    await using dir = await tempDir();
    const d = dir.path;
    await pythonJson(
      `${PY}
np.save(sys.argv[1] + "/c.npy", ${X})
print("null")`,
      d,
    );
    const info = await runCli(["info", `${d}/c.npy`]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /dtype\s+complex128/);
    let r = await runCli(["convert", `${d}/c.npy`, `${d}/c.h5:/c`]);
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(["info", `${d}/c.h5:/c`]);
    assert.match(r.stdout, /dtype\s+complex128/);
    r = await runCli(["convert", `${d}/c.h5:/c`, `${d}/c.zarr`]);
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(["info", `${d}/c.zarr`]);
    assert.match(r.stdout, /dtype\s+complex128/);
    const same = await pythonJson<boolean[]>(
      `${PY}
d = sys.argv[1]
x = np.load(d + "/c.npy")
with h5py.File(d + "/c.h5") as f:
    h = f["c"][()]
z = zarr.open(d + "/c.zarr", "r")
print(json.dumps([h.dtype == x.dtype and np.array_equal(h, x), z.dtype == x.dtype and np.array_equal(z[:], x)]))
`,
      d,
    );
    assert.deepEqual(same, [true, true]);
    // plots and Jupyter displays refuse or skip complex values instead of drawing the pairs
    r = await runCli(["plot", `${d}/c.npy`, "-o", `${d}/c.png`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /complex128 is not supported by plots/);
    const shown =
      (await readNpy(`${d}/c.npy`) as unknown as Record<symbol, () => Record<string, string>>)[
        Symbol.for("Jupyter.display")
      ]();
    assert.ok(!("image/png" in shown));
    assert.match(shown["text/plain"], /^array\(\[\[ 0\.\+0\.25j, {2}1\.-0\.25j,/);
  },
});
