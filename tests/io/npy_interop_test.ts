// io/npy.ts against the real NumPy (/usr/bin/python3, Debian's numpy):
// fixtures read back with numpy's values, files we write load in numpy with
// the same values, dtype and bytes, region reads equal numpy slicing, and
// disjoint region writes after createNpy give numpy the full array.
// Python is started once per test (batched), values travel as JSON.

import assert from "node:assert/strict";
import { createNpy, NpyFile, readNpy, writeNpy } from "../../io/npy.ts";
import { type Complex, type DType, DTYPE_NAMES, DTYPES } from "../../core/dtype.ts";
import { arange, fromArray, type NDArray, zeros } from "../../core/ndarray.ts";
import { type Region, toRegion } from "../../io/region.ts";
import { hasPython, pythonJson, ROOT, tempDir } from "../_util.ts";

const FIX = `${ROOT}/tests/fixtures/npy`;
const ignore = !hasPython("numpy");

/** Python helpers: `enc(a)` encodes an array as {dtype, shape, fortran, values}. */
const PY_ENC = `
import json, math, sys, io
import numpy as np
def val(x, kind):
    if kind == "b": return bool(x)
    if kind in "iu": return str(int(x))
    x = float(x)
    if math.isnan(x): return "nan"
    if math.isinf(x): return "inf" if x > 0 else "-inf"
    return x
def enc(a):
    k = a.dtype.kind
    if k == "c":
        return {"dtype": a.dtype.name, "shape": list(a.shape),
                "fortran": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
                "values": [[val(x.real, "f"), val(x.imag, "f")] for x in np.ravel(a, order="C").tolist()]}
    return {"dtype": a.dtype.name, "shape": list(a.shape),
            "fortran": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
            "values": [val(x, k) for x in np.ravel(a, order="C").tolist()]}
`;

interface Encoded {
  dtype: string;
  shape: number[];
  fortran?: boolean;
  values: unknown[];
}

/** Our array in the same encoding as PY_ENC's `enc`. */
function enc(a: NDArray): Encoded {
  const kind = DTYPES[a.dtype].kind;
  const num = (v: number): unknown =>
    Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : v;
  const values = [...a.flat()].map((v: unknown) => {
    if (typeof v === "object") return [num((v as Complex).re), num((v as Complex).im)];
    if (typeof v === "boolean") return v;
    if (typeof v === "bigint" || kind === "i" || kind === "u") return String(v);
    if (Number.isNaN(v)) return "nan";
    if (v === Infinity) return "inf";
    if (v === -Infinity) return "-inf";
    return v;
  });
  return { dtype: a.dtype, shape: [...a.shape], values };
}

/** A Python slice tuple for a region: `np.s_[...]` text. */
function pySlices(r: Region): string {
  const parts = r.start.map((s, i) => `${s}:${s + (r.count[i] - 1) * r.step[i] + 1}:${r.step[i]}`);
  return `(${parts.map((p) => `slice(${p.split(":").join(", ")})`).join(", ")}${
    parts.length === 1 ? "," : ""
  })`;
}

Deno.test({
  name: "readNpy() gives numpy's values for every fixture",
  ignore,
  async fn() {
    const names = [...Deno.readDirSync(FIX)].filter((e) => e.isFile && e.name.endsWith(".npy"))
      .map((e) => e.name).sort();
    assert.ok(names.length >= 60, `only ${names.length} fixtures`);
    const want = await pythonJson<Record<string, Encoded>>(
      `${PY_ENC}
d = sys.argv[1]
out = {}
for n in sys.argv[2:]:
    a = np.load(d + "/" + n)
    out[n] = enc(a)
print(json.dumps(out))`,
      FIX,
      ...names,
    );
    for (const name of names) {
      const a = await readNpy(`${FIX}/${name}`);
      const w = want[name];
      assert.deepStrictEqual(enc(a), { dtype: w.dtype, shape: w.shape, values: w.values }, name);
      // a Fortran file gives a view with Fortran strides, as numpy's array is
      const fortranView = a.isFContiguous && !a.isContiguous;
      assert.equal(fortranView, w.fortran, `${name} layout`);
    }
  },
});

Deno.test({
  name: "writeNpy() files load in numpy with the same values, dtype and bytes as np.save",
  ignore,
  async fn() {
    await using dir = await tempDir();
    const arrays: [string, NDArray, boolean, 1 | 2 | 3 | undefined][] = [];
    for (const dtype of DTYPE_NAMES) {
      // the fixture values (extremes, NaN, inf, -0) through our reader, rewritten by us
      const a = await readNpy(`${FIX}/${dtype}_be_c.npy`);
      arrays.push([`${dtype}.npy`, a, false, undefined]);
      arrays.push([`${dtype}_f.npy`, a, true, undefined]);
    }
    arrays.push(["scalar.npy", fromArray(-1.25, "float32"), false, undefined]);
    arrays.push(["scalar_u8.npy", fromArray(2n ** 64n - 1n, "uint64"), false, undefined]);
    arrays.push(["empty.npy", zeros([3, 0], "int32"), false, undefined]);
    arrays.push(["empty_1d.npy", zeros([0], "bool"), false, undefined]);
    arrays.push(["long.npy", arange(1e5, undefined, undefined, "int16"), false, undefined]);
    const m = arange(30, undefined, undefined, "float64").reshape([5, 6]);
    arrays.push(["strided.npy", m.slice("::2", "::-3"), false, undefined]);
    arrays.push(["v2.npy", m, false, 2]);
    arrays.push(["v3.npy", m, false, 3]);
    arrays.push(["v3_f.npy", m, true, 3]);
    for (const [name, a, fortranOrder, version] of arrays) {
      await writeNpy(`${dir.path}/${name}`, a, { fortranOrder, version });
    }
    const got = await pythonJson<
      Record<string, Encoded & { same_bytes: boolean; version: number }>
    >(
      `${PY_ENC}
import warnings
warnings.simplefilter("ignore")
d = sys.argv[1]
out = {}
for n in sys.argv[2:]:
    raw = open(d + "/" + n, "rb").read()
    a = np.load(d + "/" + n)
    b = io.BytesIO()
    np.lib.format.write_array(b, a, version=(raw[6], 0))
    e = enc(a)
    e["same_bytes"] = b.getvalue() == raw
    e["version"] = raw[6]
    out[n] = e
print(json.dumps(out))`,
      dir.path,
      ...arrays.map((x) => x[0]),
    );
    for (const [name, a, fortranOrder, version] of arrays) {
      const g = got[name];
      assert.deepStrictEqual({ dtype: g.dtype, shape: g.shape, values: g.values }, enc(a), name);
      const fortranExpected = fortranOrder && a.ndim > 1 && a.size > 0;
      assert.equal(g.fortran, fortranExpected, `${name} fortran`);
      assert.equal(g.version, version ?? 1, `${name} version`);
      assert.equal(g.same_bytes, true, `${name}: bytes differ from numpy's write_array`);
    }
  },
});

Deno.test({
  name: "NpyFile.read() of regions equals numpy slicing of the same file",
  ignore,
  async fn() {
    await using dir = await tempDir();
    // bigger files written by numpy: C little-endian float32, Fortran big-endian int16
    await pythonJson(
      `import numpy as np, sys, json
rng = np.random.default_rng(7)
a = rng.standard_normal((37, 29, 23)).astype("<f4")
np.save(sys.argv[1] + "/c.npy", a)
np.save(sys.argv[1] + "/f.npy", np.asfortranarray((a * 1000).astype(">i2")))
print("0")`,
      dir.path,
    );
    const files = [`${dir.path}/c.npy`, `${dir.path}/f.npy`, `${FIX}/uint64_be_f.npy`];
    const regionTexts = [
      "",
      "5:9",
      "36",
      "0:37, 3:4",
      "1:30:7, 2:27:5, 0:23:3",
      ":, :, ::2",
      ":, ::4, 5:6",
      "10:20, 28, 1:",
      "-5:, -3:, ::11",
      "3:3",
    ];
    const cases: { file: string; region: Region }[] = [];
    for (const file of files) {
      await using f = await NpyFile.open(file);
      for (const text of regionTexts) {
        try {
          cases.push({ file, region: toRegion(f.shape, text) });
        } catch {
          // index outside the small fixture's shape: skip there
        }
      }
    }
    const want = await pythonJson<Encoded[]>(
      `${PY_ENC}
cases = json.loads(sys.argv[1])
out = []
for c in cases:
    a = np.load(c["file"], mmap_mode="r")
    out.append(enc(np.asarray(a[eval(c["slices"], {})])))
print(json.dumps(out))`,
      JSON.stringify(cases.map((c) => ({ file: c.file, slices: pySlices(c.region) }))),
    );
    for (let i = 0; i < cases.length; i++) {
      await using f = await NpyFile.open(cases[i].file);
      const got = await f.read(cases[i].region);
      assert.deepStrictEqual(enc(got), {
        dtype: want[i].dtype,
        shape: want[i].shape,
        values: want[i].values,
      }, `${cases[i].file} ${pySlices(cases[i].region)}`);
    }
  },
});

Deno.test({
  name: "createNpy() and writes of disjoint regions give numpy the full array",
  ignore,
  async fn() {
    await using dir = await tempDir();
    const shape = [8, 7, 6];
    const cases: [string, DType, boolean][] = [
      ["c_f8.npy", "float64", false],
      ["f_i4.npy", "int32", true],
      ["c_u8.npy", "uint64", false],
      ["c_bool.npy", "bool", false],
    ];
    const expected: Record<string, NDArray> = {};
    for (const [name, dtype, fortranOrder] of cases) {
      const want = arange(8 * 7 * 6, undefined, undefined, "float64").reshape(shape).astype(dtype);
      expected[name] = want;
      const path = `${dir.path}/${name}`;
      (await createNpy(path, { shape, dtype, fortranOrder })).close();
      // three writers, as three ranks would: rows, a stepped block, the rest
      const blocks = ["0:3", "3:8, 0:7:2", "3:8, 1:7:2"];
      await Promise.all(blocks.map(async (b) => {
        await using f = await NpyFile.open(path, { write: true });
        const r = toRegion(shape, b);
        const part = want.slice(
          ...r.start.map((s, i) => ({
            start: s,
            stop: s + r.count[i] * r.step[i],
            step: r.step[i],
          })),
        );
        await f.write(r, part);
      }));
    }
    const got = await pythonJson<Record<string, Encoded>>(
      `${PY_ENC}
out = {}
for p in sys.argv[2:]:
    out[p] = enc(np.load(sys.argv[1] + "/" + p))
print(json.dumps(out))`,
      dir.path,
      ...cases.map((c) => c[0]),
    );
    for (const [name, , fortranOrder] of cases) {
      const g = got[name];
      assert.deepStrictEqual(
        { dtype: g.dtype, shape: g.shape, values: g.values },
        enc(expected[name]),
        name,
      );
      assert.equal(g.fortran, fortranOrder, name);
    }
  },
});
