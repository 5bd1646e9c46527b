// `tessera convert` to compressed Zarr (issue 13): the store equals its source
// as zarr-python reads it, and has the same bytes whatever the thread count:
// a .npy to Blosc-LZ4 (1024-style square chunks with edge chunks), and an
// HDF5 gzip+shuffle dataset chunked in rows to Blosc-zstd, written in bands
// of whole output chunks (stream/_plan.ts bandGrid).

import assert from "node:assert/strict";
import { bandGrid } from "../../stream/_plan.ts";
import { CLI_MAIN, hasPython, IN_CI, pythonJson, runPython, tempDir } from "../_util.ts";

const ok = hasPython("numpy", "h5py", "zarr");

/** Every file of a store: relative name -> bytes as hex digest input. */
async function files(root: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p, `${rel}${e.name}/`);
      else out.set(`${rel}${e.name}`, await Deno.readFile(p));
    }
  };
  await walk(root, "");
  return out;
}

async function convert(threads: number, ...args: string[]): Promise<void> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI_MAIN, "convert", ...args, "--threads", String(threads), "-q"],
    env: { TESSERA_THREADS: String(threads) },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
}

/** Converts with 1 and 2 threads; asserts the two stores have the same files and bytes. */
async function sameBytes(dir: string, src: string, name: string, more: string[]): Promise<string> {
  const one = `${dir}/${name}1.zarr`;
  const two = `${dir}/${name}2.zarr`;
  await convert(1, src, one, ...more);
  await convert(2, src, two, ...more);
  const [a, b] = [await files(one), await files(two)];
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [k, v] of a) assert.deepEqual(v, b.get(k), `${k} differs between 1 and 2 threads`);
  return one;
}

const EQUAL = `
import sys, json, numpy as np, zarr, h5py
src, store = sys.argv[1], sys.argv[2]
if ":" in src:
    path, name = src.split(":")
    with h5py.File(path, "r") as f:
        want = f[name][...]
else:
    want = np.load(src)
z = zarr.open(store, mode="r")
got = z[...]
print(json.dumps({"equal": bool(np.array_equal(got, want)), "dtype": str(z.dtype),
                  "chunks": list(z.chunks), "compressor": z.compressor.get_config()}))
`;

Deno.test({
  name:
    "tessera convert .npy -> Zarr Blosc-LZ4: equal to the source in zarr-python, same bytes for 1 and 2 threads",
  ignore: !ok && !IN_CI,
  async fn() {
    await using dir = await tempDir();
    const src = `${dir.path}/a.npy`;
    await runPython(
      `import numpy as np, sys; np.save(sys.argv[1], np.random.default_rng(5).random((300, 500), dtype=np.float32))`,
      src,
    );
    const store = await sameBytes(dir.path, src, "a", [
      "--chunks",
      "64,128",
      "--codec",
      "blosc:lz4:5:shuffle",
    ]);
    const r = await pythonJson<Record<string, unknown>>(EQUAL, src, store);
    assert.deepEqual(r, {
      equal: true,
      dtype: "float32",
      chunks: [64, 128],
      compressor: { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 },
    });
  },
});

Deno.test({
  name:
    "tessera convert HDF5 gzip+shuffle (chunks in rows) -> Zarr Blosc-zstd in bands: equal, same bytes for 1 and 2 threads",
  ignore: !ok && !IN_CI,
  async fn() {
    await using dir = await tempDir();
    const h5 = `${dir.path}/g.h5`;
    await runPython(
      `import numpy as np, h5py, sys
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("x", data=np.random.default_rng(7).random((200, 384), dtype=np.float32),
                     chunks=(16, 384), compression="gzip", shuffle=True)`,
      h5,
    );
    const store = await sameBytes(dir.path, `${h5}:/x`, "g", [
      "--chunks",
      "64,64",
      "--codec",
      "blosc:zstd:5:shuffle",
      "--memory",
      "64MiB",
    ]);
    const r = await pythonJson<{ equal: boolean; chunks: number[] }>(EQUAL, `${h5}:/x`, store);
    assert.equal(r.equal, true);
    assert.deepEqual(r.chunks, [64, 64]);
  },
});

Deno.test("bandGrid() widens output chunks into bands of whole chunks up to 64 MiB", () => {
  // 1024 x 1024 float32 chunks of a 32768 x 16384 array: bands of 1024 whole rows (64 MiB)
  const g = bandGrid([32768, 16384], [1024, 1024], 4)!;
  assert.deepEqual(g.maxBlock, [1024, 16384]);
  assert.deepEqual(g.counts, [32, 1]);
  // wider rows: as many whole chunks as fit, still chunk-aligned
  assert.deepEqual(bandGrid([4096, 65536], [1024, 1024], 4)!.maxBlock, [1024, 16384]);
  // 3-D: the last axis whole, then the middle one as far as it fits
  assert.deepEqual(bandGrid([8, 4096, 4096], [1, 512, 512], 4)!.maxBlock, [1, 4096, 4096]);
  // one chunk already as wide as the array, or 1-D: no band
  assert.equal(bandGrid([100, 10], [10, 10], 8), null);
  assert.equal(bandGrid([1000], [100], 8), null);
});
