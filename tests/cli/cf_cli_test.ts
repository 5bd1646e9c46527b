// `tessera reduce` on CF-encoded files (netCDF4-python, xarray): decoded
// means that skip missing values as xarray's and CDO's, `--raw` for the
// stored integers, `--skipna` / `--no-skipna`, and plain .npy data that keeps
// NumPy's NaN propagation.

import assert from "node:assert/strict";
import { hasCommand, hasPython, pythonJson, ROOT, runCli, runPython, tempDir } from "../_util.ts";
import { CF_MODULES, makeCfFiles, nanOf } from "../stream/_cf_fixture.ts";

const MAIN = `${ROOT}/cli/main.ts`;
const ok = hasPython(...CF_MODULES);

async function tessera(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCli(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

async function reduceJson(...args: string[]): Promise<{ value: unknown; dtype: string }> {
  const r = await tessera("reduce", ...args, "--json", "-q");
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x === null ? NaN : x as number];
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
  name: "tessera reduce mean f.nc:/t2m --axis 0 gives xarray's mean; --no-skipna and --raw",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    await makeCfFiles(dir.path);
    const want = await pythonJson<Record<string, unknown>>(
      `
import sys, json, warnings, numpy as np, xarray as xr
warnings.simplefilter("ignore")
v = xr.open_dataset(sys.argv[1] + "/cf.nc").t2m
raw = xr.open_dataset(sys.argv[1] + "/cf.nc", mask_and_scale=False).t2m
f = lambda a: np.where(np.isnan(a), None, a.astype("f8")).tolist()
print(json.dumps({
  "mean": f(v.mean(dim="time").values),
  "noskip": f(v.mean(dim="time", skipna=False).values),
  "raw": raw.values.astype("f8").mean(axis=0).tolist(),
}))
`,
      dir.path,
    );
    const loc = `${dir.path}/cf.nc:/t2m`;
    const mean = await reduceJson("mean", loc, "--axis", "0");
    assert.equal(mean.dtype, "float32");
    assertClose(mean.value, want.mean, 2e-3, "mean");
    assertClose(
      (await reduceJson("mean", loc, "--axis", "0", "--skipna")).value,
      want.mean,
      2e-3,
      "--skipna",
    );
    const noskip = await reduceJson("mean", loc, "--axis", "0", "--no-skipna");
    assertClose(noskip.value, want.noskip, 2e-3, "--no-skipna");
    const raw = await reduceJson("mean", loc, "--axis", "0", "--raw");
    assert.equal(raw.dtype, "float64");
    assertClose(raw.value, want.raw, 1e-9, "--raw");
    // the table printed without --json
    const text = await tessera("reduce", "max", loc, "--axis", "0,1,2", "-q");
    assert.equal(text.code, 0, text.err);
    const max = await pythonJson<number>(
      `import sys, warnings, xarray as xr; warnings.simplefilter("ignore"); print(float(xr.open_dataset(sys.argv[1] + "/cf.nc").t2m.max()))`,
      dir.path,
    );
    assertClose(Number(text.out.trim()), max, 1e-3, "max printed");
  },
});

Deno.test({
  name: "tessera reduce of a plain .npy with NaN keeps NumPy's propagation unless --skipna",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    const want = await pythonJson<Record<string, unknown>>(
      `
import sys, json, warnings, numpy as np
warnings.simplefilter("ignore")
a = np.arange(12, dtype="f4").reshape(3, 4); a[1, 2] = np.nan
np.save(sys.argv[1] + "/a.npy", a)
f = lambda x: np.where(np.isnan(x), None, x.astype("f8")).tolist()
print(json.dumps({"mean": f(a.mean(axis=0)), "nanmean": f(np.nanmean(a, axis=0)),
                  "std": f(np.nanstd(a, axis=0))}))
`,
      dir.path,
    );
    const loc = `${dir.path}/a.npy`;
    assertClose((await reduceJson("mean", loc, "--axis", "0")).value, want.mean, 1e-6, "mean");
    assertClose(
      (await reduceJson("mean", loc, "--axis", "0", "--skipna")).value,
      want.nanmean,
      1e-6,
      "mean --skipna",
    );
    assertClose(
      (await reduceJson("std", loc, "--axis", "0", "--skipna")).value,
      want.std,
      1e-6,
      "std --skipna",
    );
    const both = await tessera("reduce", "mean", loc, "--skipna", "--no-skipna");
    assert.equal(both.code, 2);
    assert.match(both.err, /--skipna and --no-skipna exclude each other/);
    const any = await tessera("reduce", "any", loc, "--skipna");
    assert.equal(any.code, 2);
    assert.match(any.err, /Invalid --skipna for "any"/);
  },
});

Deno.test({
  name: "tessera reduce of an xarray-written CF Zarr store, and convert --raw keeps the integers",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    await makeCfFiles(dir.path);
    const want = nanOf(
      await pythonJson(
        `
import sys, json, numpy as np, xarray as xr
v = xr.open_zarr(sys.argv[1] + "/t2m.zarr").t2m.mean(dim="time").values
print(json.dumps(np.where(np.isnan(v), None, v.astype("f8")).tolist()))
`,
        dir.path,
      ),
    );
    const mean = await reduceJson("mean", `${dir.path}/t2m.zarr:/t2m`, "--axis", "0");
    assertClose(mean.value, want, 2e-3, "zarr mean");
    const c = await tessera(
      "convert",
      `${dir.path}/cf.nc:/t2m`,
      `${dir.path}/raw.npy`,
      "--raw",
      "-q",
    );
    assert.equal(c.code, 0, c.err);
    const d = await tessera("convert", `${dir.path}/cf.nc:/t2m`, `${dir.path}/dec.npy`, "-q");
    assert.equal(d.code, 0, d.err);
    const check = await runPython(
      `
import sys, warnings, numpy as np, netCDF4, xarray as xr
warnings.simplefilter("ignore")
d = sys.argv[1]
with netCDF4.Dataset(d + "/cf.nc") as f:
    v = f.variables["t2m"]; v.set_auto_maskandscale(False); stored = v[:]
raw = np.load(d + "/raw.npy"); dec = np.load(d + "/dec.npy")
x = xr.open_dataset(d + "/cf.nc").t2m.values
assert raw.dtype == np.int16 and (raw == stored).all(), "raw"
assert dec.dtype == x.dtype and np.array_equal(dec, x, equal_nan=True), "decoded"
print("ok")
`,
      dir.path,
    );
    assert.equal(check.trim(), "ok");
  },
});

/** The file: t2m as ncgen writes it (int16, packed, fill = missing, zlib + shuffle). */
const CDL = `netcdf t2m {
dimensions:
  time = UNLIMITED ; lat = 3 ; lon = 4 ;
variables:
  double time(time) ; time:units = "days since 1970-01-01" ;
  float lat(lat) ; float lon(lon) ;
  short t2m(time, lat, lon) ;
    t2m:scale_factor = 0.01 ; t2m:add_offset = 273.15 ;
    t2m:_FillValue = -32767s ; t2m:missing_value = -32767s ; t2m:units = "K" ;
    t2m:_Storage = "chunked" ; t2m:_ChunkSizes = 1, 3, 4 ; t2m:_DeflateLevel = 4 ;
    t2m:_Shuffle = "true" ;
data:
  time = 19000, 19001, 19002 ;
  lat = 10, 20, 30 ; lon = 0, 1, 2, 3 ;
  t2m = -32767, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100,
        105, 210, 310, 410, 510, 610, 710, 810, 910, 1010, 1110, -32767,
        110, 220, 320, 420, 520, 620, 720, 820, 920, 1020, 1120, 1220 ;
}
`;

async function run(cmd: string, ...args: string[]): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  assert.ok(r.success, `${cmd} ${args.join(" ")}: ${dec.decode(r.stderr)}`);
  return dec.decode(r.stdout);
}

Deno.test({
  name: "tessera reduce mean of an ncgen-made netCDF-4 file agrees with xarray and ncwa",
  ignore: !ok || !hasCommand("ncgen") || !hasCommand("ncwa") || !hasCommand("ncdump"),
  async fn() {
    await using dir = await tempDir();
    await Deno.writeTextFile(`${dir.path}/t2m.cdl`, CDL);
    await run("ncgen", "-4", "-o", `${dir.path}/t2m.nc`, `${dir.path}/t2m.cdl`);
    const mean = await reduceJson("mean", `${dir.path}/t2m.nc:/t2m`, "--axis", "0");
    assert.equal(mean.dtype, "float32");
    const xr = await pythonJson<number[][]>(
      `import sys, xarray as xr; print(xr.open_dataset(sys.argv[1]).t2m.mean(dim="time").values.astype("f8").tolist())`,
      `${dir.path}/t2m.nc`,
    );
    assertClose(mean.value, xr, 1e-4, "xarray");
    await run("ncwa", "-O", "-a", "time", "-v", "t2m", `${dir.path}/t2m.nc`, `${dir.path}/avg.nc`);
    const dump = await run("ncdump", "-v", "t2m", `${dir.path}/avg.nc`);
    const nco = dump.slice(dump.lastIndexOf("t2m =") + 5, dump.lastIndexOf(";")).split(",")
      .map(Number);
    assertClose(mean.value, nco, 1e-4, "ncwa");
    // the first value: 274.225 (the masked -32767 of time 0 skipped), not -10852.33
    assert.ok(Math.abs(flat(mean.value)[0] - 274.225) < 1e-4);
    const raw = await reduceJson("mean", `${dir.path}/t2m.nc:/t2m`, "--axis", "0", "--raw");
    assertClose(flat(raw.value)[0], (-32767 + 105 + 110) / 3, 1e-9, "raw");
  },
});

Deno.test({
  name: "tessera reduce of a CF file under mpiexec.mpich -n 2 gives the same bits as one process",
  ignore: !ok || !hasCommand("mpiexec.mpich"),
  async fn() {
    await using dir = await tempDir();
    await makeCfFiles(dir.path);
    for (const op of ["mean", "std", "max"]) {
      const args = ["run", "-A", MAIN, "reduce", op, `${dir.path}/cf.nc:/t2m`, "--axis", "0"];
      const one = await tessera(...args.slice(3), "--json", "-q");
      assert.equal(one.code, 0, one.err);
      const two = await run(
        "timeout",
        "120",
        "mpiexec.mpich",
        "-n",
        "2",
        Deno.execPath(),
        ...args,
        "--json",
        "-q",
      );
      assert.equal(two, one.out, `${op}: same bits, printed once`);
    }
  },
});

Deno.test({
  name: "tessera reduce of an ncgen-made netCDF-3 file and of a glob of them decodes as xarray",
  ignore: !ok || !hasCommand("ncgen"),
  async fn() {
    await using dir = await tempDir();
    const classic = CDL.split("\n").filter((l) => !/_Storage|_DeflateLevel|_Shuffle/.test(l))
      .map((l) => l.replace(/t2m:_ChunkSizes = 1, 3, 4 ;/, "")).join("\n");
    await Deno.writeTextFile(`${dir.path}/t2m.cdl`, classic);
    for (const name of ["a_1.nc", "a_2.nc"]) {
      await run("ncgen", "-3", "-o", `${dir.path}/${name}`, `${dir.path}/t2m.cdl`);
    }
    const xr = await pythonJson<Record<string, number[][]>>(
      `
import sys, json, xarray as xr
v = xr.open_dataset(sys.argv[1] + "/a_1.nc").t2m
both = xr.concat([v, v], dim="time")
print(json.dumps({"one": v.mean(dim="time").values.astype("f8").tolist(),
                  "both": both.std(dim="time").values.astype("f8").tolist()}))
`,
      dir.path,
    );
    const one = await reduceJson("mean", `${dir.path}/a_1.nc:/t2m`, "--axis", "0");
    assert.equal(one.dtype, "float32");
    assertClose(one.value, xr.one, 1e-4, "netCDF-3 mean");
    const both = await reduceJson("std", `${dir.path}/a_*.nc:/t2m`, "--axis", "0");
    assertClose(both.value, xr.both, 1e-4, "glob std");
  },
});
