// Compressed writes through the encode workers (io/_encode_pool.ts): HDF5
// deflate / shuffle+deflate datasets written by direct chunk writes
// (io/_hdf5_direct_write.ts) read back by h5py equal to the input, with the
// filters h5dump shows for h5py's own dataset (edge chunks, a one-chunk
// dataset, chunks larger than the data, blocks that cover chunks in part);
// other pipelines keep H5Dwrite; Zarr stores written with 1 and 2 threads
// hold the same bytes; encode workers that cannot start leave the encodes to
// the calling thread.

import assert from "node:assert/strict";
import { type DType, DTYPES } from "../../core/dtype.ts";
import { arange, NDArray } from "../../core/ndarray.ts";
import { setDefaultThreads } from "../../core/threads.ts";
import { H5File } from "../../io/hdf5.ts";
import { writeNpy } from "../../io/npy.ts";
import { createZarr } from "../../io/zarr.ts";
import { _directWriteStats } from "../../io/_hdf5_direct_write.ts";
import {
  _encodeHooks,
  closeEncodeWorkers,
  encodeH5Chunk,
  FLUSH_WRITES,
  QUEUED_WRITE,
  shuffle,
} from "../../io/_encode_pool.ts";
import { unshuffle } from "../../io/_blosc.ts";
import { hasCommand, hasPython, runPython, tempDir } from "../_util.ts";

const H5PY = hasPython("h5py", "numpy");

interface Case {
  name: string;
  shape: number[];
  chunks: number[];
  dtype: DType;
  shuffle: boolean;
  level: number;
  /** Block shape of the writes (undefined: one write of everything). */
  block?: number[];
  maxshape?: (number | null)[];
  fletcher32?: boolean;
  /** Whether every chunk goes through H5Dwrite_chunk. */
  direct: boolean;
}

const CASES: Case[] = [
  {
    name: "f4_edges",
    shape: [37, 45],
    chunks: [8, 10],
    dtype: "float32",
    shuffle: true,
    level: 4,
    direct: true,
  },
  {
    name: "f8_noshuf",
    shape: [37, 45],
    chunks: [8, 10],
    dtype: "float64",
    shuffle: false,
    level: 1,
    direct: true,
  },
  {
    name: "i2",
    shape: [33, 7],
    chunks: [5, 7],
    dtype: "int16",
    shuffle: true,
    level: 9,
    direct: true,
  },
  {
    name: "u8",
    shape: [100],
    chunks: [16],
    dtype: "uint64",
    shuffle: true,
    level: 0,
    direct: true,
  },
  { name: "i1", shape: [50], chunks: [8], dtype: "int8", shuffle: true, level: 5, direct: true },
  {
    name: "one_chunk",
    shape: [12, 9],
    chunks: [12, 9],
    dtype: "int32",
    shuffle: true,
    level: 4,
    direct: true,
  },
  {
    name: "chunk_bigger",
    shape: [5, 3],
    chunks: [8, 8],
    maxshape: [null, null],
    dtype: "float32",
    shuffle: true,
    level: 4,
    direct: true,
  },
  {
    name: "three_d",
    shape: [5, 6, 7],
    chunks: [2, 4, 3],
    dtype: "float64",
    shuffle: true,
    level: 6,
    direct: true,
  },
  {
    name: "aligned_blocks",
    shape: [40, 30],
    chunks: [8, 10],
    block: [16, 10],
    dtype: "float32",
    shuffle: true,
    level: 1,
    direct: true,
  },
  {
    // blocks that cut chunks: the cut chunks through H5Dwrite, the rest direct
    name: "cut_blocks",
    shape: [40, 30],
    chunks: [8, 10],
    block: [12, 30],
    dtype: "uint16",
    shuffle: true,
    level: 1,
    direct: false,
  },
  {
    name: "fletcher",
    shape: [20, 20],
    chunks: [8, 8],
    dtype: "float32",
    shuffle: true,
    level: 4,
    fletcher32: true,
    direct: false,
  },
];

function values(c: Case): NDArray {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const a = arange(n, undefined, undefined, "float64");
  const d = a.data as Float64Array;
  // mixed magnitudes and signs, in range for every dtype
  for (let i = 0; i < n; i++) d[i] = ((i * 7919) % 251) - (DTYPES[c.dtype].kind === "u" ? 0 : 120);
  return a.astype(c.dtype).reshape(c.shape);
}

async function writeCase(path: string, c: Case): Promise<number> {
  using f = H5File.open(path, { mode: "r+" });
  let ds;
  if (c.fletcher32) {
    // our createDataset has no fletcher32: h5py makes the dataset
    ds = f.dataset(`/${c.name}`);
  } else {
    ds = f.createDataset(`/${c.name}`, {
      shape: c.shape,
      dtype: c.dtype,
      chunks: c.chunks,
      maxshape: c.maxshape,
      compression: "gzip",
      compressionLevel: c.level,
      shuffle: c.shuffle,
    });
  }
  using _ds = ds;
  const v = values(c);
  const before = _directWriteStats.chunks;
  if (c.block === undefined) {
    await ds.write(undefined, v);
  } else {
    // queued writes of blocks, as the stream engine writes
    const [b0, b1] = c.block;
    for (let i = 0; i < c.shape[0]; i += b0) {
      for (let j = 0; j < c.shape[1]; j += b1) {
        const i1 = Math.min(c.shape[0], i + b0), j1 = Math.min(c.shape[1], j + b1);
        const r = { start: [i, j], step: [1, 1], count: [i1 - i, j1 - j] };
        await ds[QUEUED_WRITE](r, v.slice(`${i}:${i1}, ${j}:${j1}`).copy());
      }
    }
    await ds[FLUSH_WRITES]();
  }
  return _directWriteStats.chunks - before;
}

const CHECK = String.raw`
import sys, json, h5py, numpy as np
d = sys.argv[1]
out = {}
with h5py.File(d + "/out.h5", "r") as f:
    for name in f:
        ds = f[name]
        want = np.load(d + "/" + name + ".npy")
        got = ds[...]
        out[name] = dict(equal=bool(np.array_equal(got, want)) and got.dtype == want.dtype,
                         compression=ds.compression, opts=ds.compression_opts,
                         shuffle=bool(ds.shuffle), fletcher32=bool(ds.fletcher32))
print(json.dumps(out))
`;

for (const threads of [2, 1]) {
  Deno.test({
    name:
      `encode workers: HDF5 gzip/shuffle written by direct chunk writes reads back in h5py equal to the input (${threads} thread${
        threads === 1 ? "" : "s"
      })`,
    ignore: !H5PY,
    async fn() {
      setDefaultThreads(threads);
      try {
        await using dir = await tempDir();
        const path = `${dir.path}/out.h5`;
        H5File.open(path, { mode: "w" }).close();
        await runPython(
          String.raw`
import sys, h5py
with h5py.File(sys.argv[1], "a") as f:
    f.create_dataset("fletcher", shape=(20, 20), chunks=(8, 8), dtype="f4", compression="gzip",
                     compression_opts=4, shuffle=True, fletcher32=True)
`,
          path,
        );
        for (const c of CASES) {
          const chunks = await writeCase(path, c);
          const total = c.shape.reduce((a, n, k) => a * Math.ceil(n / c.chunks[k]), 1);
          if (c.direct) assert.equal(chunks, total, `${c.name}: every chunk direct`);
          else if (c.fletcher32) assert.equal(chunks, 0, `${c.name}: libhdf5's filters`);
          else assert.ok(chunks > 0 && chunks < total, `${c.name}: ${chunks} of ${total} direct`);
          await writeNpy(`${dir.path}/${c.name}.npy`, values(c));
        }
        const got = JSON.parse(await runPython(CHECK, dir.path)) as Record<
          string,
          {
            equal: boolean;
            compression: string;
            opts: number;
            shuffle: boolean;
            fletcher32: boolean;
          }
        >;
        for (const c of CASES) {
          const g = got[c.name];
          assert.ok(g.equal, `${c.name}: h5py reads the input back`);
          assert.equal(g.compression, "gzip", c.name);
          assert.equal(g.opts, c.level, c.name);
          assert.equal(g.shuffle, c.shuffle, c.name);
          assert.equal(g.fletcher32, c.fletcher32 === true, c.name);
        }
        // and so does Tessera (its direct reads are for read-only files)
        using f = H5File.open(path);
        for (const c of CASES) {
          using ds = f.dataset(`/${c.name}`);
          assert.deepEqual((await ds.read()).toArray(), values(c).toArray(), c.name);
        }
      } finally {
        setDefaultThreads(undefined);
        closeEncodeWorkers();
      }
    },
  });
}

Deno.test({
  name:
    "encode workers: h5dump -p shows the filters of h5py's own dataset, edge chunk fill as h5py's",
  ignore: !H5PY || !hasCommand("h5dump"),
  async fn() {
    await using dir = await tempDir();
    {
      using f = H5File.open(`${dir.path}/t.h5`, { mode: "w" });
      using ds = f.createDataset("/x", {
        shape: [10, 7],
        dtype: "float32",
        chunks: [4, 3],
        compression: "gzip",
        compressionLevel: 4,
        shuffle: true,
      });
      await ds.write(undefined, arange(70, undefined, undefined, "float32").reshape([10, 7]));
      using y = f.createDataset("/y", {
        shape: [5],
        maxshape: [null],
        dtype: "int64",
        chunks: [8],
        compression: "gzip",
        fillValue: -3,
      });
      await y.write(undefined, arange(5, undefined, undefined, "int64"));
    }
    const grown = await runPython(
      String.raw`
import sys, h5py, numpy as np
d = sys.argv[1]
with h5py.File(d + "/h.h5", "w") as f:
    f.create_dataset("x", data=np.arange(70, dtype="f4").reshape(10, 7), chunks=(4, 3),
                     compression="gzip", compression_opts=4, shuffle=True)
    y = f.create_dataset("y", shape=(5,), maxshape=(None,), chunks=(8,), dtype="i8",
                         compression="gzip", fillvalue=-3)
    y[:] = np.arange(5)
out = []
for n in ["t", "h"]:
    with h5py.File(d + "/" + n + ".h5", "r+") as f:
        f["y"].resize((8,))
        out.append(f["y"][:].tolist())
print(out)
`,
      dir.path,
    );
    // the padding of an edge chunk reads back as the fill value, as h5py's
    assert.equal(grown.trim(), "[[0, 1, 2, 3, 4, -3, -3, -3], [0, 1, 2, 3, 4, -3, -3, -3]]");
    const filters = async (file: string): Promise<string> => {
      const r = await new Deno.Command("h5dump", {
        args: ["-p", "-H", "-d", "/x", file],
        stdout: "piped",
      })
        .output();
      const text = new TextDecoder().decode(r.stdout);
      return text.slice(text.indexOf("FILTERS"), text.indexOf("FILLVALUE"));
    };
    const ours = await filters(`${dir.path}/t.h5`);
    assert.match(ours, /PREPROCESSING SHUFFLE[\s\S]*COMPRESSION DEFLATE \{ LEVEL 4 \}/);
    assert.equal(ours, await filters(`${dir.path}/h.h5`));
  },
});

Deno.test("encode workers: shuffle is unshuffle's inverse; the HDF5 chunk encode is deterministic", () => {
  for (const typesize of [1, 2, 4, 8, 3]) {
    const src = new Uint8Array(4 * 8 * 5 + (typesize === 3 ? 2 : 0)).map((_, i) => (i * 37) & 255);
    const s = new Uint8Array(src.length);
    shuffle(typesize, src, s);
    const back = new Uint8Array(src.length);
    unshuffle(typesize, src.length, s, back, 0);
    assert.deepEqual(back, src, `typesize ${typesize}`);
  }
  const chunk = new Uint8Array(new SharedArrayBuffer(4096)).map((_, i) => i % 97);
  assert.deepEqual(encodeH5Chunk(chunk, [2, 1], 4, 4), encodeH5Chunk(chunk, [2, 1], 4, 4));
});

async function storeFiles(root: string, at = ""): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const e of Deno.readDir(`${root}${at}`)) {
    const p = `${at}/${e.name}`;
    if (e.isDirectory) { for (const [k, v] of await storeFiles(root, p)) out.set(k, v); }
    else out.set(p, await Deno.readFile(`${root}${p}`));
  }
  return out;
}

async function zarrStore(
  path: string,
  codec: string,
  dtype: DType,
): Promise<Map<string, Uint8Array>> {
  const shape = [50, 37];
  const z = await createZarr(path, { shape, dtype, chunks: [8, 10], codec });
  const n = shape[0] * shape[1];
  const v = arange(n, undefined, undefined, "float64").astype(dtype).reshape(shape);
  // queued blocks of whole chunks, one cut block (read-modify-write), then one plain write
  for (let i = 0; i < 48; i += 16) {
    await z[QUEUED_WRITE](`${i}:${i + 16}, :`, v.slice(`${i}:${i + 16}, :`).copy());
  }
  await z[QUEUED_WRITE]("45:50, 3:20", v.slice("45:50, 3:20").copy());
  await z.write("48:50, :", v.slice("48:50, :").copy());
  await z.close();
  assert.deepEqual((await z.read()).toArray(), v.toArray(), `${codec} ${dtype}`);
  return await storeFiles(path);
}

Deno.test("encode workers: a Zarr store holds the same bytes for 1 and 2 threads", async () => {
  await using dir = await tempDir();
  for (
    const [codec, dtype] of [["blosc:lz4:5", "float32"], ["zstd:3", "int16"], [
      "none",
      "float64",
    ]] as const
  ) {
    const stores = [];
    for (const threads of [1, 2]) {
      setDefaultThreads(threads);
      try {
        stores.push(await zarrStore(`${dir.path}/${codec}_${threads}.zarr`, codec, dtype));
      } finally {
        setDefaultThreads(undefined);
      }
    }
    assert.ok(stores[0].size > 20, codec);
    assert.deepEqual([...stores[0].keys()].sort(), [...stores[1].keys()].sort(), codec);
    for (const [k, v] of stores[0]) assert.deepEqual(stores[1].get(k), v, `${codec} ${k}`);
  }
  closeEncodeWorkers();
});

Deno.test("encode workers: workers that cannot start leave the encodes to this thread", async () => {
  await using dir = await tempDir();
  setDefaultThreads(2);
  // a worker module that fails as it starts
  const url = URL.createObjectURL(
    new Blob(["throw new Error('cannot start');"], { type: "text/javascript" }),
  );
  _encodeHooks.url = new URL(url);
  closeEncodeWorkers();
  try {
    const ours = await zarrStore(`${dir.path}/a.zarr`, "blosc:zstd:5", "float32");
    const before = _directWriteStats.chunks;
    {
      using f = H5File.open(`${dir.path}/x.h5`, { mode: "w" });
      using ds = f.createDataset("/x", {
        shape: [30, 20],
        dtype: "float64",
        chunks: [8, 8],
        compression: "gzip",
        shuffle: true,
      });
      const v = arange(600, undefined, undefined, "float64").reshape([30, 20]);
      await ds.write(undefined, v);
      assert.deepEqual(ds.readSync().toArray(), v.toArray());
    }
    assert.equal(_directWriteStats.chunks - before, 12);
    _encodeHooks.url = null;
    closeEncodeWorkers();
    assert.deepEqual(ours, await zarrStore(`${dir.path}/b.zarr`, "blosc:zstd:5", "float32"));
  } finally {
    _encodeHooks.url = null;
    setDefaultThreads(undefined);
    closeEncodeWorkers();
  }
});

Deno.test("encode workers: NDArray values survive the write (the caller's array is not moved)", async () => {
  await using dir = await tempDir();
  setDefaultThreads(2);
  try {
    using f = H5File.open(`${dir.path}/k.h5`, { mode: "w" });
    using ds = f.createDataset("/x", {
      shape: [16],
      dtype: "int32",
      chunks: [4],
      compression: "gzip",
    });
    const v = arange(16, undefined, undefined, "int32");
    await ds[QUEUED_WRITE](undefined, v);
    assert.ok(v instanceof NDArray && v.get(15) === 15);
    await ds[FLUSH_WRITES]();
    assert.deepEqual(ds.readSync().toArray(), v.toArray());
  } finally {
    setDefaultThreads(undefined);
    closeEncodeWorkers();
  }
});
