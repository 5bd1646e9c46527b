// Interop with the reference implementations: files written by Tessera are
// read by h5py and shown by h5dump with the same values; files written by
// h5py (live, not only the committed fixtures) are read by Tessera exactly.

import assert from "node:assert/strict";
import { type DType, DTYPE_NAMES, DTYPES, hasFloat16, isComplex } from "../../core/dtype.ts";
import { arange, type NDArray } from "../../core/ndarray.ts";
import { H5File } from "../../io/hdf5.ts";
import { hasCommand, hasPython, pythonJson, tempDir } from "../_util.ts";

const H5PY = hasPython("h5py", "numpy");
const H5DUMP = hasCommand("h5dump");

// the real dtypes (complex datasets: tests/io/complex_io_test.ts)
const DTYPES_USED: DType[] = DTYPE_NAMES.filter((d) =>
  (d !== "float16" || hasFloat16()) && !isComplex(d)
);

// 12 values of each dtype, with extremes
function sample(d: DType): NDArray {
  const a = arange(12, undefined, undefined, "float64").reshape([3, 4]);
  const out = a.astype(d);
  if (d === "bool") return arange(12).reshape([3, 4]).astype("int8").astype("bool");
  if (d.startsWith("float")) {
    out.set([0, 1], -2.5);
    out.set([2, 3], d === "float16" ? 65504 : 1e30);
    out.set([1, 1], Infinity);
  } else if (d.startsWith("int")) {
    const bits = { int8: 8, int16: 16, int32: 32, int64: 64 }[d as "int8"];
    out.set([0, 0], bits === 64 ? -(2n ** 63n) : -(2 ** (bits - 1)));
    out.set([2, 3], bits === 64 ? 2n ** 63n - 1n : 2 ** (bits - 1) - 1);
  } else {
    const bits = { uint8: 8, uint16: 16, uint32: 32, uint64: 64 }[d as "uint8"];
    out.set([2, 3], bits === 64 ? 2n ** 64n - 1n : 2 ** bits - 1);
  }
  return out;
}

function asJson(a: NDArray): unknown[] {
  return [...a.flat()].map((v) =>
    typeof v === "bigint" ? v.toString() : v === Infinity ? "inf" : v === -Infinity ? "-inf" : v
  );
}

const READ_BACK = `
import sys, json
import h5py, numpy as np
def js(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return ["inf" if x == np.inf else "-inf" if x == -np.inf else float(x) for x in a.ravel()]
    if a.dtype.kind == "b":
        return [bool(x) for x in a.ravel()]
    if a.dtype.itemsize == 8:
        return [str(int(x)) for x in a.ravel()]
    return [int(x) for x in a.ravel()]
def attr(v):
    if isinstance(v, bytes): return {"bytes": v.decode()}
    if isinstance(v, str): return {"str": v}
    v = np.asarray(v)
    if v.dtype.kind in "OSU": return {"strs": [x.decode() if isinstance(x, bytes) else x for x in v.ravel()]}
    return {"dtype": v.dtype.str, "shape": list(v.shape), "values": js(v)}
out = {"datasets": {}, "attrs": {}}
with h5py.File(sys.argv[1], "r") as f:
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out["datasets"]["/" + name] = {
                "dtype": obj.dtype.str, "shape": list(obj.shape), "maxshape": list(obj.maxshape),
                "chunks": obj.chunks and list(obj.chunks), "compression": obj.compression,
                "compression_opts": obj.compression_opts, "shuffle": obj.shuffle,
                "fillvalue": js(np.asarray(obj.fillvalue))[0], "values": js(obj[()]),
            }
        out["attrs"]["/" + name] = {k: attr(v) for k, v in obj.attrs.items()}
    f.visititems(visit)
    out["attrs"]["/"] = {k: attr(v) for k, v in f.attrs.items()}
print(json.dumps(out))
`;

Deno.test({
  name: "H5File writes datasets and attributes that h5py reads exactly",
  ignore: !H5PY,
  async fn() {
    await using dir = await tempDir();
    const file = `${dir.path}/ours.h5`;
    {
      using f = H5File.open(file, { mode: "w" });
      for (const d of DTYPES_USED) {
        f.createDataset(`/le/${d}`, { shape: [3, 4], dtype: d, data: sample(d) }).close();
        f.createDataset(`/be/${d}`, { shape: [3, 4], dtype: d, data: sample(d), bigEndian: true })
          .close();
      }
      using z = f.createDataset("/z", {
        shape: [6, 10],
        dtype: "int32",
        chunks: [4, 3],
        compression: "gzip",
        compressionLevel: 7,
        shuffle: true,
        fillValue: -9,
        maxshape: [null, 10],
      });
      await z.write("1:5", arange(40, undefined, undefined, "int32").reshape([4, 10]));
      z.setAttribute("units", "m s-1");
      f.setAttribute("/", "title", "tessera \u00fc");
      f.setAttribute("/", "fixed", "abc", { fixedLength: true });
      f.setAttribute("/", "names", ["x", "yz"]);
      f.setAttribute("/", "n", 42);
      f.setAttribute("/", "ratio", 0.5);
      f.setAttribute("/", "ok", true);
      f.setAttribute("/le", "grid", arange(4, undefined, undefined, "float32"));
    }
    const py = await pythonJson<{
      datasets: Record<string, Record<string, unknown>>;
      attrs: Record<string, Record<string, unknown>>;
    }>(READ_BACK, file);
    for (const d of DTYPES_USED) {
      for (const order of ["le", "be"]) {
        const got = py.datasets[`/${order}/${d}`];
        const descr = DTYPES[d].descr;
        assert.equal(got.dtype, order === "be" ? descr.replace("<", ">") : descr, `${order}/${d}`);
        assert.deepEqual(got.shape, [3, 4]);
        assert.equal(got.chunks, null);
        assert.deepEqual(got.values, asJson(sample(d)), `${order}/${d}`);
      }
    }
    const z = py.datasets["/z"];
    assert.deepEqual(z.shape, [6, 10]);
    assert.deepEqual(z.maxshape, [null, 10]);
    assert.deepEqual(z.chunks, [4, 3]);
    assert.equal(z.compression, "gzip");
    assert.equal(z.compression_opts, 7);
    assert.equal(z.shuffle, true);
    assert.equal(z.fillvalue, -9);
    assert.deepEqual(z.values, [
      ...new Array(10).fill(-9),
      ...Array.from({ length: 40 }, (_, i) => i),
      ...new Array(10).fill(-9),
    ]);
    assert.deepEqual(py.attrs["/z"], { units: { str: "m s-1" } });
    assert.deepEqual(py.attrs["/"], {
      title: { str: "tessera \u00fc" },
      fixed: { bytes: "abc" },
      names: { strs: ["x", "yz"] },
      n: { dtype: "<i8", shape: [], values: ["42"] },
      ratio: { dtype: "<f8", shape: [], values: [0.5] },
      ok: { dtype: "|b1", shape: [], values: [true] },
    });
    assert.deepEqual(py.attrs["/le"], {
      grid: { dtype: "<f4", shape: [4], values: [0, 1, 2, 3] },
    });
  },
});

async function h5dump(file: string, dataset: string): Promise<{ type: string; values: string[] }> {
  const r = await new Deno.Command("h5dump", {
    args: ["-d", dataset, "-y", "-w", "0", "-m", "%.17g", file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout);
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
  const type = /DATATYPE\s+(.*)/.exec(text)?.[1].trim() ?? "";
  const data = /DATA \{([\s\S]*?)\}\s*\}/.exec(text)?.[1] ?? "";
  const values = data.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return {
    type,
    values: values.map((v) => (v === "inf" ? "Infinity" : v === "-inf" ? "-Infinity" : v)),
  };
}

Deno.test({
  name: "H5File writes files that h5dump shows with identical values",
  ignore: !H5DUMP,
  async fn() {
    await using dir = await tempDir();
    const file = `${dir.path}/dump.h5`;
    {
      using f = H5File.open(file, { mode: "w" });
      f.createDataset("/i16be", {
        shape: [3, 4],
        dtype: "int16",
        data: sample("int16"),
        bigEndian: true,
      }).close();
      f.createDataset("/f64", { shape: [3, 4], dtype: "float64", data: sample("float64") })
        .close();
      f.createDataset("/u64", {
        shape: [3, 4],
        dtype: "uint64",
        chunks: [2, 2],
        compression: "gzip",
        data: sample("uint64"),
      }).close();
      f.createDataset("/f32", { shape: [3, 4], dtype: "float32", data: sample("float32") })
        .close();
    }
    const i16 = await h5dump(file, "/i16be");
    assert.equal(i16.type, "H5T_STD_I16BE");
    assert.deepEqual(i16.values, asJson(sample("int16")).map(String));
    const f64 = await h5dump(file, "/f64");
    assert.equal(f64.type, "H5T_IEEE_F64LE");
    assert.deepEqual(f64.values.map(Number), [...sample("float64").flat()]);
    const u64 = await h5dump(file, "/u64");
    assert.equal(u64.type, "H5T_STD_U64LE");
    assert.deepEqual(u64.values, asJson(sample("uint64")));
    const f32 = await h5dump(file, "/f32");
    assert.equal(f32.type, "H5T_IEEE_F32LE");
    assert.deepEqual(f32.values.map(Number), [...sample("float32").flat()]);
  },
});

const H5PY_WRITES = `
import sys, json
import h5py, numpy as np
rng = np.random.default_rng(7)
a = rng.standard_normal((9, 8, 7)).astype("f4")
b = rng.integers(-30000, 30000, (20, 11)).astype(">i2")
c = rng.integers(0, 2**63, (5,), dtype="u8")
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("g/a", data=a, chunks=(4, 3, 7), compression="gzip", compression_opts=2, shuffle=True)
    f.create_dataset("g/b", data=b)
    f.create_dataset("c", data=c, chunks=(2,), maxshape=(None,))
    f["g"].attrs["desc"] = "random"
    f["g/a"].attrs["scale"] = np.float32(0.125)
regions = {
  "a": [a[1:8:3, ::2, 5:6], a[8:9, 7:8, :], a[:, 3:4, 0:7:6]],
  "b": [b[::7, 1:11:4], b[19:20, :]],
}
print(json.dumps({
  "a": [[float(x) for x in r.ravel()] for r in regions["a"]],
  "b": [[int(x) for x in r.ravel()] for r in regions["b"]],
  "c": [str(int(x)) for x in c],
}))
`;

Deno.test({
  name: "H5Dataset.read() reads hyperslabs of files h5py writes exactly as h5py slices them",
  ignore: !H5PY,
  async fn() {
    await using dir = await tempDir();
    const file = `${dir.path}/theirs.h5`;
    const py = await pythonJson<{ a: number[][]; b: number[][]; c: string[] }>(H5PY_WRITES, file);
    using f = H5File.open(file);
    assert.deepEqual(f.list().map((e) => [e.path, e.kind, e.dtype ?? null, e.chunks ?? null]), [
      ["/c", "dataset", "uint64", [2]],
      ["/g", "group", null, null],
      ["/g/a", "dataset", "float32", [4, 3, 7]],
      ["/g/b", "dataset", "int16", null],
    ]);
    assert.deepEqual(f.attributes("/g"), { desc: "random" });
    using a = f.dataset("/g/a");
    assert.equal(a.info.compression, "gzip");
    assert.equal(a.info.compressionLevel, 2);
    assert.equal(a.getAttribute("scale"), 0.125);
    const regions = ["1:8:3, ::2, 5:6", "8:9, 7:8, :", ":, 3:4, 0:7:6"];
    for (let i = 0; i < regions.length; i++) {
      const got = await a.read(regions[i]);
      assert.deepEqual([...got.flat()], py.a[i].map((x) => Math.fround(x)), regions[i]);
    }
    using b = f.dataset("/g/b");
    assert.equal(b.info.byteOrder, "big");
    assert.deepEqual([...(await b.read("::7, 1:11:4")).flat()], py.b[0]);
    assert.deepEqual([...(await b.read("19:20, :")).flat()], py.b[1]);
    using c = f.dataset("/c");
    assert.deepEqual(c.info.maxshape, [null]);
    assert.deepEqual([...(await c.read()).flat()].map(String), py.c);
  },
});
