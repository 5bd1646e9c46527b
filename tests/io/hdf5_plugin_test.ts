// HDF5 filters from plugins (Debian's hdf5-filter-plugin: LZ4 and BZip2):
// read through libhdf5 as h5py wrote them, and LZ4 output (`--codec lz4`)
// that h5py reads back; without the plugin the write is refused with the
// package named, leaving nothing behind.

import assert from "node:assert/strict";
import { readNpy } from "../../io/npy.ts";
import { open } from "../../stream/mod.ts";
import { hasPython, IN_CI, leftovers, pythonJson, runCli, tempDir } from "../_util.ts";

function pluginInstalled(): boolean {
  try {
    return Deno.readDirSync("/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins").some((e) =>
      e.name === "libh5lz4.so"
    );
  } catch {
    return false;
  }
}

const ok = (pluginInstalled() && hasPython("h5py", "numpy")) || IN_CI;

Deno.test({
  name: "datasets h5py wrote with the LZ4 and BZip2 plugins read as h5py reads them",
  ignore: !ok,
  fn: async () => {
    await using dir = await tempDir();
    const d = dir.path;
    await pythonJson(
      `
import json, sys, h5py, numpy as np
d = sys.argv[1]
x = np.random.default_rng(2).standard_normal((300, 70)).astype("f4")
np.save(f"{d}/x.npy", x)
with h5py.File(f"{d}/p.h5", "w") as f:
    f.create_dataset("lz4", data=x, chunks=(64, 32), compression=32004)
    f.create_dataset("bz2", data=x, chunks=(64, 32), compression=307, compression_opts=(9,))
print(json.dumps(0))
`,
      d,
    );
    const want = await readNpy(`${d}/x.npy`);
    for (const name of ["lz4", "bz2"]) {
      const a = await open(`${d}/p.h5:/${name}`);
      assert.deepEqual((await a.compute()).data, want.data, name);
      assert.deepEqual(
        (await a.slice("17:250:3, 5:61").compute()).data,
        want.slice("17:250:3, 5:61").copy().data,
        name,
      );
    }
  },
});

Deno.test({
  name: "--codec lz4 and bz2:N write HDF5 datasets with the plugin filters that h5py reads",
  ignore: !ok,
  fn: async () => {
    await using dir = await tempDir();
    const d = dir.path;
    await pythonJson(
      `
import json, sys, numpy as np
np.save(sys.argv[1] + "/x.npy", np.arange(100000, dtype="f8").reshape(400, 250) / 7)
print(json.dumps(0))
`,
      d,
    );
    const r = await runCli(
      ["convert", "x.npy", "o.h5:/x", "--codec", "lz4", "--chunks", "64,250"],
      d,
    );
    assert.equal(r.code, 0, r.stderr);
    const b = await runCli(["convert", "x.npy", "o.h5:/b", "--codec", "bz2:7"], d);
    assert.equal(b.code, 0, b.stderr);
    const got = await pythonJson<Record<string, unknown>>(
      `
import json, sys, h5py, numpy as np
with h5py.File(sys.argv[1] + "/o.h5") as f:
    x = np.load(sys.argv[1] + "/x.npy")
    d, b = f["x"], f["b"]
    print(json.dumps({"filters": d._filters, "same": bool(np.array_equal(d[...], x)),
                      "bz2": b._filters, "bsame": bool(np.array_equal(b[...], x))}))
`,
      d,
    );
    assert.deepEqual(got, {
      filters: { "32004": [0] },
      same: true,
      bz2: { "307": [7] },
      bsame: true,
    });
    // no plugin: refused with the package named, nothing written
    const p = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${new URL("../../cli/main.ts", import.meta.url).pathname}`,
        "convert",
        "x.npy",
        "n.h5:/x",
        "--codec",
        "lz4",
      ],
      cwd: d,
      stdout: "piped",
      stderr: "piped",
      env: { HDF5_PLUGIN_PATH: `${d}/no-plugins`, NO_COLOR: "1" },
    });
    const n = await p.output();
    assert.equal(n.code, 1);
    assert.match(
      new TextDecoder().decode(n.stderr),
      /needs libhdf5's LZ4 filter plugin .*hdf5-filter-plugin/,
    );
    assert.deepEqual(leftovers(d), []);
    assert.ok(![...Deno.readDirSync(d)].some((e) => e.name.startsWith("n.h5")));
  },
});
