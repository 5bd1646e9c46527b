// CF decoding on read (stream/_cf.ts): values, dtypes and reductions of
// netCDF-4 and Zarr files made by netCDF4-python and xarray, compared with
// xarray's own decoding (`xr.open_dataset(path)[name].values`), with
// netCDF4-python's valid-range masking, and with CDO's `timmean`.

import assert from "node:assert/strict";
import { readNpy } from "../../io/npy.ts";
import { SelfComm } from "../../dist/comm.ts";
import { fromSource, open } from "../../stream/mod.ts";
import { cfEncoding, decodeValues } from "../../stream/_cf.ts";
import type { NDArray } from "../../core/ndarray.ts";
import { fromArray } from "../../core/ndarray.ts";
import { hasCommand, hasPython, pythonJson, runPython, tempDir } from "../_util.ts";
import { CF_MODULES, makeCfFiles, nanOf } from "./_cf_fixture.ts";

const comm = new SelfComm();
const ok = hasPython(...CF_MODULES);
const run = { comm, memory: "64MiB" };

const VARS = [
  "t2m",
  "scale_only",
  "offset_only",
  "i32_fill",
  "f32_scale",
  "u8_packed",
  "mv_list",
  "plain",
  "u8_unsigned",
  "u16_only",
];

function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x as number];
}

/** Same values, NaN where NaN, bit for bit (as doubles). */
function assertSameValues(got: NDArray, want: NDArray, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const a = flat(got.toArray());
  const b = flat(want.toArray());
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} is ${a[i]}, xarray ${b[i]}`);
  }
}

function assertClose(got: unknown, want: unknown, tol: number, what: string): void {
  const a = flat(got);
  const b = flat(want);
  assert.equal(a.length, b.length, what);
  a.forEach((x, i) => {
    if (Number.isNaN(b[i])) assert.ok(Number.isNaN(x), `${what}[${i}]: ${x}, expected NaN`);
    else assert.ok(Math.abs(x - b[i]) <= tol, `${what}[${i}]: ${x}, expected ${b[i]}`);
  });
}

Deno.test({
  name: "open() decodes netCDF-4 CF variables as xarray does: values and dtypes bit for bit",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    await makeCfFiles(dir.path);
    const dtypes = await pythonJson<Record<string, string>>(
      `
import sys, os, warnings, json
import numpy as np, xarray as xr
warnings.simplefilter("ignore")
os.chdir(sys.argv[1])
ds = xr.open_dataset("cf.nc")
out = {}
for name in sys.argv[2:]:
    v = ds[name].values
    np.save(name + ".npy", v)
    out[name] = str(v.dtype)
print(json.dumps(out))
`,
      dir.path,
      ...VARS,
    );
    for (const name of VARS) {
      using a = await open(`${dir.path}/cf.nc:/${name}`);
      assert.equal(a.dtype, dtypes[name], `${name}: dtype`);
      const want = await readNpy(`${dir.path}/${name}.npy`);
      assertSameValues(await a.compute(run), want, name);
    }
  },
});

Deno.test({
  name: "open() masks values outside valid_range as netCDF4-python does",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    await makeCfFiles(dir.path);
    const want = nanOf(
      await pythonJson(
        `
import sys, json, numpy as np, netCDF4
with netCDF4.Dataset(sys.argv[1] + "/cf.nc") as f:
    v = f.variables["valid"][:]
    print(json.dumps(np.ma.filled(v.astype("f8"), np.nan).tolist(), allow_nan=True).replace("NaN", "null"))
`,
        dir.path,
      ),
    );
    using a = await open(`${dir.path}/cf.nc:/valid`);
    assert.equal(a.dtype, "float32");
    assertSameValues(await a.compute(run), fromArray(want as number[][][], "float64"), "valid");
  },
});

Deno.test({
  name: "open() with decode: false reads the stored integers",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    await makeCfFiles(dir.path);
    const raw = await pythonJson<number[][][]>(
      `
import sys, json, netCDF4
with netCDF4.Dataset(sys.argv[1] + "/cf.nc") as f:
    v = f.variables["t2m"]; v.set_auto_maskandscale(False)
    print(json.dumps(v[:].tolist()))
`,
      dir.path,
    );
    using a = await open(`${dir.path}/cf.nc:/t2m`, { decode: false });
    assert.equal(a.dtype, "int16");
    // the planner counts a decoded block (float32) and its stored values (int16)
    using d = await open(`${dir.path}/cf.nc:/t2m`);
    const blocks = (x: typeof a) => x.mean({ axis: 0 }).plan({ memory: "64MiB" }).passes[0].detail;
    assert.match(blocks(d), /x 2 in flight 240 B/);
    assert.match(blocks(a), /x 2 in flight 80 B/);
    assert.deepEqual((await a.compute(run)).toArray(), raw);
    // raw reductions keep NumPy's integer semantics (fill values included)
    const s = (await a.sum({ axis: 0 }).compute(run)).toArray() as bigint[][];
    assert.equal(s[1][1], BigInt(-32767 * 6));
  },
});

Deno.test({
  name:
    "reductions of decoded variables skip missing values as xarray's (mean, std, min, max, sum)",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    await makeCfFiles(dir.path);
    const want = await pythonJson<Record<string, unknown>>(
      `
import sys, os, warnings, json
import numpy as np, xarray as xr
warnings.simplefilter("ignore")
v = xr.open_dataset(sys.argv[1] + "/cf.nc").t2m
f = lambda a: np.where(np.isnan(a), None, a).tolist()
print(json.dumps({
  "mean": f(v.mean(dim="time").values.astype("f8")),
  "std": f(v.std(dim="time").values.astype("f8")),
  "min": f(v.min(dim="time").values.astype("f8")),
  "max": f(v.max(dim="time").values.astype("f8")),
  "sum": f(v.sum(dim="time").values.astype("f8")),
  "meanAll": float(v.mean()),
  "noskip": f(v.mean(dim="time", skipna=False).values.astype("f8")),
}))
`,
      dir.path,
    );
    // both chunkings: the file's own (1 time step a block) and 3 steps a block
    for (const chunks of [undefined, [3, 4, 5]]) {
      using t = await open(`${dir.path}/cf.nc:/t2m`, { chunks });
      for (const op of ["mean", "std", "min", "max", "sum"] as const) {
        const r = await t[op]({ axis: 0 }).compute(run);
        assert.equal(r.dtype, "float32", op);
        // float32 results: xarray sums in float32, Tessera in float64 then rounds
        assertClose(r.toArray(), nanOf(want[op]), 2e-3, `${op} ${chunks}`);
      }
      const all = (await t.mean().compute(run)).get() as number;
      assertClose(all, want.meanAll, 2e-3, "mean over all");
      const noskip = await t.mean({ axis: 0, skipna: false }).compute(run);
      assertClose(noskip.toArray(), nanOf(want.noskip), 2e-3, "skipna false");
    }
  },
});

Deno.test({
  name: "a CF-encoded Zarr store written by xarray decodes as xr.open_zarr does",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    await makeCfFiles(dir.path);
    await runPython(
      `
import sys, numpy as np, xarray as xr
v = xr.open_zarr(sys.argv[1] + "/t2m.zarr").t2m
np.save(sys.argv[1] + "/z.npy", v.values)
np.save(sys.argv[1] + "/zmean.npy", v.mean(dim="time").values)
`,
      dir.path,
    );
    using a = await open(`${dir.path}/t2m.zarr:/t2m`);
    assert.equal(a.dtype, "float32");
    assertSameValues(await a.compute(run), await readNpy(`${dir.path}/z.npy`), "zarr");
    const m = await a.mean({ axis: 0 }).compute(run);
    assertClose(m.toArray(), (await readNpy(`${dir.path}/zmean.npy`)).toArray(), 2e-3, "zarr mean");
    using raw = await open(`${dir.path}/t2m.zarr:/t2m`, { decode: false });
    assert.equal(raw.dtype, "int16");
  },
});

Deno.test({
  name: "the mean over time of a CF file agrees with cdo timmean",
  ignore: !ok || !hasCommand("cdo"),
  async fn() {
    await using dir = await tempDir();
    await makeCfFiles(dir.path);
    const r = await new Deno.Command("cdo", {
      args: ["-s", "outputtab,value", "-timmean", `${dir.path}/same.nc`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(r.success, new TextDecoder().decode(r.stderr));
    const cdo = new TextDecoder().decode(r.stdout).trim().split("\n").slice(1)
      .map((l) => Number(l.trim()))
      .map((x) => x === -32767 ? NaN : x); // CDO prints its missing value
    using t = await open(`${dir.path}/same.nc:/t2m`);
    const m = flat((await t.mean({ axis: 0 }).compute(run)).toArray());
    // outputtab prints 7 significant digits
    assertClose(m, cdo, 1e-3, "cdo timmean");
  },
});

Deno.test("cfEncoding() follows xarray's decoded-dtype rules and fromSource() decodes", async () => {
  const src = (
    dtype: "int16" | "int32" | "uint8" | "float32" | "float64",
    attrs: Record<string, unknown>,
  ) => ({
    locator: "mem",
    shape: [3],
    dtype,
    chunks: [3],
    attributes: attrs,
    read: () => Promise.resolve(fromArray([1, 2, 3], dtype)),
  });
  const dtypeOf = (d: Parameters<typeof src>[0], attrs: Record<string, unknown>) =>
    cfEncoding(src(d, attrs))?.dtype ?? null;
  assert.equal(dtypeOf("int16", {}), null);
  assert.equal(dtypeOf("int16", { units: "K" }), null);
  assert.equal(dtypeOf("int16", { scale_factor: 0.1 }), "float32");
  assert.equal(dtypeOf("int16", { add_offset: 1 }), "float64");
  assert.equal(dtypeOf("int16", { add_offset: 1, _FillValue: -1 }), "float32");
  assert.equal(dtypeOf("int32", { scale_factor: 0.1 }), "float64");
  assert.equal(dtypeOf("int32", { _FillValue: 0 }), "float64");
  assert.equal(dtypeOf("uint8", { _FillValue: 0 }), "float32");
  assert.equal(dtypeOf("float32", { scale_factor: 2, add_offset: 1 }), "float32");
  assert.equal(dtypeOf("float64", { scale_factor: 2 }), "float64");
  assert.equal(dtypeOf("int16", { _Unsigned: "true" }), "uint16");
  assert.equal(dtypeOf("int16", { _Unsigned: "true", scale_factor: 2 }), "float32");
  assert.equal(dtypeOf("float32", { _Unsigned: "true" }), null);
  assert.deepEqual(cfEncoding(src("int16", { _Unsigned: "true", _FillValue: -1 }))?.fills, [65535]);
  // a Zarr fill value counts as _FillValue only in an xarray-written array
  const z = { ...src("int16", { _ARRAY_DIMENSIONS: ["x"] }), fillValue: 2 };
  assert.deepEqual(cfEncoding(z)?.fills, [2]);
  assert.equal(cfEncoding({ ...src("int16", {}), fillValue: 2 }), null);
  const a = fromSource(src("int16", { scale_factor: 0.5, add_offset: 10, missing_value: 2 }));
  assert.equal(a.dtype, "float32"); // masked int16: float32, kept with the offset
  assert.deepEqual((await a.compute(run)).toArray(), [10.5, NaN, 11.5]);
  assert.equal((await a.mean().compute(run)).get(), 11); // skipna by default
  assert.ok(Number.isNaN((await a.mean({ skipna: false }).compute(run)).get() as number));
  // more than two fill values (the generic loop), float64 arithmetic with the offset
  const three = fromSource(src("int16", { missing_value: [1, 3], _FillValue: 2, add_offset: 0.5 }));
  assert.deepEqual((await three.compute(run)).toArray(), [NaN, NaN, NaN]);
  const two = fromSource(src("int32", { missing_value: [1], add_offset: 0.1, scale_factor: 3 }));
  assert.equal(two.dtype, "float64");
  assert.deepEqual((await two.compute(run)).toArray(), [NaN, 2 * 3 + 0.1, 3 * 3 + 0.1]);
  const raw = fromSource(src("int16", { scale_factor: 0.5 }), { decode: false });
  assert.equal(raw.dtype, "int16");
  // float32 arithmetic as NumPy's: x * f32(scale) + f32(offset), each rounded
  const out = new Float32Array(1);
  const e = cfEncoding(src("int16", { scale_factor: 0.01, _FillValue: -1, add_offset: 273.15 }))!;
  decodeValues(e, [1234], out);
  assert.equal(out[0], Math.fround(Math.fround(1234 * Math.fround(0.01)) + Math.fround(273.15)));
});
