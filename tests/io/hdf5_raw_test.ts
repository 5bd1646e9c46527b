// Raw reads of uncompressed HDF5 (io/_hdf5_raw.ts, opt-in with
// TESSERA_HDF5_RAW=1): contiguous and unfiltered
// chunked datasets written by h5py (edge chunks, chunks never written read as
// the fill value, 1-3 axes, strided selections) read into shared memory on the
// decode workers (reads of 256 KiB or more; smaller ones keep H5Dread) give
// h5py's values bit for bit; big-endian storage keeps
// H5Dread; a file truncated or deleted after open is a FormatError naming it;
// a stream reduction gives the H5Dread path's bits.

import assert from "node:assert/strict";
import { type DType, DTYPES } from "../../core/dtype.ts";
import { FormatError } from "../../core/errors.ts";
import { NDArray } from "../../core/ndarray.ts";
import { setDefaultThreads } from "../../core/threads.ts";
import { H5File } from "../../io/hdf5.ts";
import { open } from "../../stream/mod.ts";
import { hasPython, runPython, tempDir } from "../_util.ts";

const H5PY = hasPython("h5py", "numpy");

// the raw path is opt-in: on for every test of this file
Deno.env.set("TESSERA_HDF5_RAW", "1");

const SCRIPT = String.raw`
import sys, json, h5py, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(11)
sels = ["::", "30:590,50:500", "3:590:2,:", ":,::3", "599,529", "0:1,0:530"]
cases = [
    ("contig_f4", (600, 530), None, "<f4", None, False),
    ("chunk_i4", (600, 530), (80, 160), "<i4", -7, True),
    ("chunk_u2", (600, 530), (600, 530), "<u2", None, False),
    ("chunk_f8", (600, 530), (50, 530), "<f8", 1.5, True),
    ("be_f8", (600, 530), None, ">f8", None, False),
    ("be_chunk", (600, 530), (80, 160), ">i2", None, False),
]
with h5py.File(d + "/data.h5", "w") as f, h5py.File(d + "/expect.h5", "w") as e:
    for name, shape, chunks, dt, fill, partial in cases:
        ds = f.create_dataset(name, shape=shape, chunks=chunks, dtype=dt, fillvalue=fill)
        v = (rng.standard_normal(shape) * 1000).astype(dt)
        if partial:
            ds[:300, :300] = v[:300, :300]
        else:
            ds[...] = v
    f.create_dataset("three", data=rng.standard_normal((40, 70, 90)), chunks=(16, 30, 40))
    f.create_dataset("three_c", data=rng.integers(0, 99, (40, 70, 90)).astype("<i8"))
    f.flush()
    for name in [c[0] for c in cases]:
        for i, s in enumerate(sels):
            idx = tuple(slice(*[int(x) if x else None for x in p.split(":")]) if ":" in p
                        else slice(int(p), int(p) + 1) for p in s.split(","))
            a = f[name][idx]
            e.create_dataset(name + "/" + str(i), data=a.astype(a.dtype.newbyteorder("=")))
    for name in ["three", "three_c"]:
        e.create_dataset(name + "/0", data=f[name][...])
        e.create_dataset(name + "/1", data=f[name][1:39, 2:67, 3:89])
print(json.dumps(sels))
`;

function bytes(a: NDArray): Uint8Array {
  const t = a.copy().toTypedArray();
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}

/** A C-contiguous array over a SharedArrayBuffer (as the stream engine's arena). */
function shared(dtype: DType, shape: readonly number[]): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const Ctor = DTYPES[dtype].array;
  const data = new Ctor(new SharedArrayBuffer(8 * n + 64) as unknown as ArrayBuffer, 64, n);
  return new NDArray(dtype, data as never, shape);
}

Deno.test({
  name: "hdf5 raw: uncompressed datasets read into shared memory as h5py reads them, bit for bit",
  ignore: !H5PY,
  async fn() {
    setDefaultThreads(2);
    try {
      await using dir = await tempDir();
      const sels = JSON.parse(await runPython(SCRIPT, dir.path)) as string[];
      using f = H5File.open(`${dir.path}/data.h5`);
      using e = H5File.open(`${dir.path}/expect.h5`);
      const cases: [string, string[]][] = [
        ...["contig_f4", "chunk_i4", "chunk_u2", "chunk_f8", "be_f8", "be_chunk"].map((
          n,
        ) => [n, sels] as [string, string[]]),
        ["three", ["::", "1:39,2:67,3:89"]],
        ["three_c", ["::", "1:39,2:67,3:89"]],
      ];
      for (const [name, ss] of cases) {
        using ds = f.dataset(`/${name}`);
        // the raw path is planned (decode workers counted) except for big-endian storage
        assert.equal(ds.decodeWorkers !== undefined, !name.startsWith("be"), name);
        Deno.env.delete("TESSERA_HDF5_RAW");
        try {
          using off = f.dataset(`/${name}`);
          assert.equal(off.decodeWorkers, undefined, `${name}: opt-in`);
        } finally {
          Deno.env.set("TESSERA_HDF5_RAW", "1");
        }
        for (let i = 0; i < ss.length; i++) {
          const sel = ss[i] === "::" ? ":" : ss[i];
          using want = e.dataset(`/${name}/${i}`);
          const w = want.readSync();
          const out = shared(ds.dtype, w.shape);
          assert.equal(await ds.readIntoAsync(sel, out), out);
          assert.deepEqual(bytes(out), bytes(w), `${name}[${sel}]`);
          assert.deepEqual(bytes(ds.readSync(sel)), bytes(w), `${name}[${sel}] H5Dread`);
        }
      }
    } finally {
      setDefaultThreads(undefined);
    }
  },
});

Deno.test({
  name: "hdf5 raw: a file truncated or deleted after open is a FormatError naming it",
  ignore: !H5PY,
  async fn() {
    setDefaultThreads(2);
    try {
      await using dir = await tempDir();
      // reads of 256 KiB or more take the workers
      await runPython(
        String.raw`
import sys, h5py, numpy as np
a = np.random.default_rng(4).standard_normal((300, 300))
with h5py.File(sys.argv[1] + "/data.h5", "w") as f:
    f.create_dataset("contig_f4", data=a.astype("f4"))
    f.create_dataset("chunk_f8", data=a, chunks=(64, 300))
`,
        dir.path,
      );
      const path = `${dir.path}/data.h5`;
      for (const name of ["contig_f4", "chunk_f8"]) {
        await Deno.copyFile(`${dir.path}/data.h5`, `${dir.path}/c.h5`);
        using f = H5File.open(`${dir.path}/c.h5`);
        using ds = f.dataset(`/${name}`);
        // read once: the chunk index is then in libhdf5's metadata cache
        await ds.readIntoAsync(":", shared(ds.dtype, ds.shape));
        await Deno.truncate(`${dir.path}/c.h5`, 8192);
        await assert.rejects(
          () => ds.readIntoAsync(":", shared(ds.dtype, ds.shape)),
          (e: unknown) =>
            e instanceof FormatError && e.file === `${dir.path}/c.h5` &&
            new RegExp(`dataset "/${name}": \\d+ bytes at offset \\d+ lie past the end`).test(
              e.message,
            ),
        );
        await Deno.remove(`${dir.path}/c.h5`);
        await assert.rejects(
          () => ds.readIntoAsync(":", shared(ds.dtype, ds.shape)),
          (e: unknown) => e instanceof FormatError && /cannot be read/.test(e.message),
        );
      }
      assert.ok((await Deno.stat(path)).size > 8192);
    } finally {
      setDefaultThreads(undefined);
    }
  },
});

Deno.test({
  name: "hdf5 raw: a stream sum over axis 0 gives the H5Dread path's bits and NumPy's sums",
  ignore: !H5PY,
  async fn() {
    await using dir = await tempDir();
    const want = JSON.parse(
      await runPython(
        String.raw`
import sys, json, h5py, numpy as np
a = (np.random.default_rng(3).standard_normal((3000, 700)) * 10).astype("f4")
with h5py.File(sys.argv[1] + "/r.h5", "w") as f:
    f.create_dataset("k", data=a, chunks=(128, 700))
    f.create_dataset("c", data=a)
print(json.dumps(a.astype("f8").sum(axis=0).tolist()))
`,
        dir.path,
      ),
    ) as number[];
    const sum = async (name: string): Promise<number[]> => {
      const a = await open(`${dir.path}/r.h5:/${name}`);
      const r = await a.sum({ axis: 0 }).compute({ threads: 2, memory: "64MiB" });
      return [...r.toTypedArray() as Float32Array];
    };
    for (const name of ["k", "c"]) {
      const raw = await sum(name);
      Deno.env.set("TESSERA_HDF5_DIRECT", "0");
      let plain;
      try {
        plain = await sum(name);
      } finally {
        Deno.env.delete("TESSERA_HDF5_DIRECT");
      }
      assert.deepEqual(raw, plain, name);
      raw.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-3 * (1 + Math.abs(want[i]))));
    }
  },
});

Deno.test({
  name: "hdf5 raw and direct: a read whose chunks were never written exits (no worker left alive)",
  ignore: !H5PY,
  async fn() {
    await using dir = await tempDir();
    await runPython(
      String.raw`
import sys, h5py
with h5py.File(sys.argv[1] + "/e.h5", "w") as f:
    for name, gz in [("gz", "gzip"), ("raw", None)]:
        f.create_dataset(name, shape=(1024, 1024), chunks=(512, 1024), dtype="f4",
                         compression=gz, fillvalue=3)
`,
      dir.path,
    );
    const mod = new URL("../../stream/mod.ts", import.meta.url).href;
    for (const name of ["gz", "raw"]) {
      const script = `import { open } from "${mod}";
const a = await open("${dir.path}/e.h5:/${name}");
const r = await a.sum({ axis: 0 }).compute({ threads: 2 });
console.log(r.toTypedArray()[5]);`;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "-"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        env: { TESSERA_THREADS: "2" },
        signal: AbortSignal.timeout(60_000),
      }).spawn();
      const w = out.stdin.getWriter();
      await w.write(new TextEncoder().encode(script));
      await w.close();
      const { code, stdout, stderr } = await out.output();
      assert.equal(code, 0, `${name}: ${new TextDecoder().decode(stderr)}`);
      assert.equal(new TextDecoder().decode(stdout).trim(), "3072", name);
    }
  },
});
