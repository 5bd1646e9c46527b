// Many files as one array (stream/_concat.ts through `open()`): netCDF-3
// files joined along time compared with NCO's ncrcat, .npy files joined
// along another axis compared with numpy.concatenate, the block grid
// following the files' boundaries, and parts that disagree refused.
//
//   deno test -A tests/stream/concat_test.ts

import assert from "node:assert/strict";
import { ShapeMismatchError } from "../../core/errors.ts";
import { arange } from "../../core/ndarray.ts";
import { writeNpy } from "../../io/npy.ts";
import { open } from "../../stream/lazy.ts";
import {
  hasCommand,
  hasPython,
  pythonJson,
  ROOT,
  runPython,
  tempDir,
  withoutDownloads,
} from "../_util.ts";

const ok = hasPython("numpy", "netCDF4") && hasCommand("ncrcat");

// three monthly-like files of 4, 5 and 3 records, two record variables each
const MAKE = `
import sys, os, numpy as np, netCDF4
os.chdir(sys.argv[1])
n0 = 0
for i, n in enumerate([4, 5, 3]):
    ds = netCDF4.Dataset(f"m_{i}.nc", "w", format="NETCDF3_64BIT_OFFSET" if i == 1 else "NETCDF3_CLASSIC")
    ds.createDimension("time", None); ds.createDimension("y", 3); ds.createDimension("x", 4)
    t = ds.createVariable("time", "f8", ("time",)); t.units = "hours since 2000-01-01"
    v = ds.createVariable("v", "i2", ("time", "y", "x"), fill_value=np.int16(-999))
    v.set_auto_maskandscale(False)
    t[:] = np.arange(n0, n0 + n)
    v[:] = ((np.arange(n * 12) * 7 + 100 * i) % 1000).reshape(n, 3, 4).astype("i2")
    n0 += n
    ds.close()
`;

const REFERENCE = `
import sys, os, json, numpy as np, netCDF4
os.chdir(sys.argv[1])
ds = netCDF4.Dataset("cat.nc"); ds.set_auto_maskandscale(False)
v = ds["v"][:]
print(json.dumps({"v": v.tolist(), "time": ds["time"][:].tolist(),
                  "sum0": v.astype("i8").sum(axis=0).tolist(),
                  "r1": v[2:10:3, 1:, ::2].tolist()}))
`;

async function ncrcat(dir: string, inputs: string[], out: string): Promise<void> {
  const r = await new Deno.Command("ncrcat", {
    args: ["-O", ...inputs, out],
    cwd: dir,
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`ncrcat failed: ${new TextDecoder().decode(r.stderr)}`);
}

Deno.test({
  name: "open() of a glob of netCDF-3 files joins them along time as ncrcat does",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    await runPython(MAKE, dir.path);
    await ncrcat(dir.path, ["m_0.nc", "m_1.nc", "m_2.nc"], "cat.nc");
    const ref = await pythonJson<Record<string, number[]>>(REFERENCE, dir.path);
    using v = await open(`${dir.path}/m_*.nc:/v`, { decode: false }); // stored values
    assert.deepEqual(v.shape, [12, 3, 4]);
    assert.deepEqual((await v.compute()).toArray(), ref.v);
    assert.deepEqual((await v.slice("2:10:3, 1:, ::2").compute()).toArray(), ref.r1);
    const sum = await v.sum({ axis: 0 }).compute();
    assert.deepEqual(sum.toArray(), (ref.sum0 as unknown as number[][]).map((r) => r.map(BigInt)));
    using t = await open([0, 1, 2].map((i) => `${dir.path}/m_${i}.nc:time`), { concat: 0 });
    assert.deepEqual((await t.compute()).toArray(), ref.time);
  },
});

Deno.test({
  name: "tessera reduce on a glob of netCDF-3 files, compared with ncrcat + NumPy",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    await runPython(MAKE, dir.path);
    await ncrcat(dir.path, ["m_0.nc", "m_1.nc", "m_2.nc"], "cat.nc");
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}/cli/main.ts`,
        "reduce",
        "max",
        "m_*.nc:/v",
        "--axis",
        "0",
        "-o",
        "mx.npy",
      ],
      cwd: dir.path,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    assert.equal(r.code, 0, withoutDownloads(r.stderr));
    const same = await pythonJson<boolean>(
      `import sys, os, json, numpy as np, netCDF4
os.chdir(sys.argv[1])
ds = netCDF4.Dataset("cat.nc"); ds.set_auto_maskandscale(False)
print(json.dumps(bool((np.load("mx.npy") == ds["v"][:].max(axis=0)).all())))`,
      dir.path,
    );
    assert.equal(same, true);
  },
});

Deno.test({
  name:
    "open() of a list of .npy files joins them along axis 1 as numpy.concatenate; blocks follow the files",
  ignore: !hasPython("numpy"),
  async fn() {
    await using dir = await tempDir();
    const parts = [3, 5, 2].map((n, i) =>
      arange(4 * n, undefined, undefined, "float32").reshape([4, n]).add(100 * i)
    );
    for (const [i, p] of parts.entries()) await writeNpy(`${dir.path}/p${i}.npy`, p);
    using a = await open([0, 1, 2].map((i) => `${dir.path}/p${i}.npy`), { concat: 1 });
    assert.deepEqual(a.shape, [4, 10]);
    const expected = await pythonJson<number[][]>(
      `import sys, json, numpy as np
print(json.dumps(np.concatenate([np.load(f"{sys.argv[1]}/p{i}.npy") for i in range(3)], axis=1).tolist()))`,
      dir.path,
    );
    assert.deepEqual((await a.compute()).toArray(), expected);
    assert.deepEqual(
      (await a.slice(":, 2:9:3").compute()).toArray(),
      expected.map((r) => [r[2], r[5], r[8]]),
    );
    assert.equal((await a.sum().compute()).get(), expected.flat().reduce((x, y) => x + y, 0));
    // equal files: each block is one whole file
    for (const i of [0, 1, 2]) {
      await writeNpy(
        `${dir.path}/q${i}.npy`,
        arange(40, undefined, undefined, "int32").reshape([10, 4]),
      );
    }
    using q = await open(`${dir.path}/q*.npy`);
    assert.deepEqual([q.shape, q.chunks], [[30, 4], [10, 4]]);
  },
});

Deno.test({
  name: "open() of many files refuses parts that disagree: dtype, other axes, packing, no match",
  ignore: !ok,
  async fn() {
    await using dir = await tempDir();
    await runPython(MAKE, dir.path);
    await writeNpy(`${dir.path}/a.npy`, arange(6, undefined, undefined, "float32").reshape([2, 3]));
    await writeNpy(`${dir.path}/b.npy`, arange(6, undefined, undefined, "float64").reshape([2, 3]));
    await writeNpy(`${dir.path}/c.npy`, arange(8, undefined, undefined, "float32").reshape([2, 4]));
    await assert.rejects(() => open([`${dir.path}/a.npy`, `${dir.path}/b.npy`]), /dtypes differ/);
    await assert.rejects(
      () => open([`${dir.path}/a.npy`, `${dir.path}/c.npy`]),
      (e) => e instanceof ShapeMismatchError && /other axes differ/.test(e.message),
    );
    {
      using ac = await open([`${dir.path}/a.npy`, `${dir.path}/c.npy`], { concat: 1 });
      assert.deepEqual(ac.shape, [2, 7]);
    }
    await assert.rejects(() => open([`${dir.path}/a.npy`], { concat: 2 }), RangeError);
    await assert.rejects(() => open(`${dir.path}/zz_*.nc:/v`), /no file matches "zz_\*\.nc"/);
    await assert.rejects(() => open([]), TypeError);
    // a file packed with another scale factor
    await runPython(
      `import sys, numpy as np, netCDF4
ds = netCDF4.Dataset(sys.argv[1], "w", format="NETCDF3_CLASSIC")
ds.createDimension("time", None); ds.createDimension("y", 3); ds.createDimension("x", 4)
v = ds.createVariable("v", "i2", ("time", "y", "x"), fill_value=np.int16(-999)); v.scale_factor = 0.1
v.set_auto_maskandscale(False); v[0:2] = 1; ds.close()`,
      `${dir.path}/m_3.nc`,
    );
    await assert.rejects(
      () => open(`${dir.path}/m_*.nc:/v`),
      /attribute "scale_factor" is absent in one and 0.1 in the other/,
    );
  },
});
