// libdeflate's deflate filter (io/_hdf5_deflate.ts) under MPI: parallel
// HDF5's collective gzip writes (the stream engine's and writeDistributed's)
// compress with it and give files h5py reads back identical to the source;
// h5py's gzip files (libhdf5's zlib) read back right through it; a corrupt
// chunk is a FormatError on every rank. Runs alone and under any launcher:
//   deno test -A tests/io/hdf5_deflate_mpi_test.ts
//   timeout 180 mpiexec.mpich -n 3 deno test -A tests/io/hdf5_deflate_mpi_test.ts
//   timeout 180 mpirun.openmpi --allow-run-as-root --oversubscribe -n 2 deno test -A ...

import assert from "node:assert/strict";
import { Distribution } from "../../dist/distribution.ts";
import { FormatError } from "../../core/errors.ts";
import type { NDArray } from "../../core/ndarray.ts";
import { randn } from "../../core/random.ts";
import { hdf5 } from "../../ffi/hdf5.ts";
import { readDistributed, writeDistributed } from "../../io/hdf5_parallel.ts";
import { readNpy, writeNpy } from "../../io/npy.ts";
import { _deflateFilterHooks } from "../../io/_hdf5_deflate.ts";
import { nativeCodecAvailable } from "../../io/_native_codecs.ts";
import { open } from "../../stream/mod.ts";
import { mpiTest, world } from "../_mpi.ts";
import { hasPython, pythonJson, runPython } from "../_util.ts";

const { rank, size } = world;
const H5PY = hasPython("h5py", "numpy");
// the filter compresses when the ranks write at once through parallel HDF5
const PARALLEL = size > 1 && hdf5().parallel !== null && nativeCodecAvailable("deflate");

function test(name: string, fn: () => void | Promise<void>): void {
  mpiTest(name, fn, { sanitizeResources: false });
}

const dir = world.bcastJson(rank === 0 ? await Deno.makeTempDir({ prefix: "tessera-h5z-" }) : "");

function bytes(a: NDArray): Uint8Array {
  const t = a.copy().toTypedArray() as ArrayBufferView;
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}

/** Chunks encoded by the filter on any rank since `before` (this rank's count). */
function encodedSince(before: number): number {
  return world.allreduceNumber(_deflateFilterHooks.encoded - before, "max");
}

// h5py's view of a dataset against a .npy: same dtype, shape and values; its filters
const SAME = `
import sys, json, h5py, numpy as np
f, o = sys.argv[1].split(":", 1)
with h5py.File(f, "r") as h:
    d = h[o]
    a = np.load(sys.argv[2])
    print(json.dumps([bool(d.dtype == a.dtype and d.shape == a.shape and np.array_equal(d[...], a)),
                      d.compression, d.compression_opts, d.shuffle]))
`;

test("to() .h5 gzip under MPI: libdeflate compresses, h5py reads the source back", async () => {
  const data = randn([301, 29], { seed: 3 }).astype("float32");
  if (rank === 0) await writeNpy(`${dir}/src.npy`, data);
  world.barrier();
  using x = await open(`${dir}/src.npy`, { chunks: [20, 29] });
  const before = _deflateFilterHooks.encoded;
  const codecs = [["gzip:1", 1, false], ["shuffle+gzip:4", 4, true], ["gzip:9", 9, false]] as const;
  for (const [codec] of codecs) {
    await x.to(`${dir}/s.h5:/${codec.replace(/[:+]/g, "_")}`, {
      comm: world,
      codec,
      chunks: [40, 29],
    });
  }
  if (PARALLEL) assert.ok(encodedSince(before) > 0, "the filter compressed nothing");
  assert.equal(_deflateFilterHooks.lastError, null);
  if (rank === 0 && H5PY) {
    for (const [codec, level, shuffle] of codecs) {
      const r = await pythonJson(
        SAME,
        `${dir}/s.h5:/${codec.replace(/[:+]/g, "_")}`,
        `${dir}/src.npy`,
      );
      assert.deepEqual(r, [true, "gzip", level, shuffle], codec);
    }
  }
  world.barrier();
});

test("writeDistributed() gzip levels 1, 4, 9 under MPI: h5py reads the values back", async () => {
  const shape = [97, 13];
  const d = Distribution.create(shape, { dist: "bn", commSize: size });
  const full = randn(shape, { seed: 11 });
  if (rank === 0) await writeNpy(`${dir}/wd.npy`, full);
  const rows = d.globalIndices(0, rank);
  const mine = rows.length === 0
    ? full.slice("0:0")
    : full.slice(`${rows[0]}:${rows[rows.length - 1] + 1}`).copy();
  const before = _deflateFilterHooks.encoded;
  for (const level of [1, 4, 9]) {
    await writeDistributed(world, `${dir}/wd.h5:/l${level}`, d, mine, {
      compression: { name: "gzip", level },
      chunks: [16, 13],
    });
  }
  if (PARALLEL) assert.ok(encodedSince(before) > 0, "the filter compressed nothing");
  if (rank === 0 && H5PY) {
    for (const level of [1, 4, 9]) {
      const r = await pythonJson(SAME, `${dir}/wd.h5:/l${level}`, `${dir}/wd.npy`);
      assert.deepEqual(r, [true, "gzip", level, false], `level ${level}`);
    }
  }
  // and back through the filter, on every rank
  const back = await readDistributed(world, `${dir}/wd.h5:/l9`, d);
  assert.deepEqual(bytes(back), bytes(mine));
  world.barrier();
});

const FIXTURES = `
import sys, h5py, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(9)
cases = {
  "f64_l1": (rng.standard_normal((41, 23)), dict(chunks=(8, 5), compression="gzip", compression_opts=1)),
  "i16_l9": (rng.integers(-300, 300, (50, 33)).astype("i2"), dict(chunks=(7, 11), compression="gzip", compression_opts=9)),
  "u64_shuf": (np.arange(3000, dtype="u8").reshape(60, 50) * 12345, dict(chunks=(13, 17), compression="gzip", compression_opts=4, shuffle=True)),
  "zeros": (np.zeros((256, 512)), dict(chunks=(128, 512), compression="gzip", compression_opts=6)),
  "edge3d": (rng.standard_normal((9, 6, 7)).astype("f4"), dict(chunks=(2, 4, 3), compression="gzip", compression_opts=4)),
}
with h5py.File(d + "/h5py.h5", "w") as f:
    for k, (v, o) in cases.items():
        f.create_dataset(k, data=v, **o)
        np.save(d + "/" + k + ".npy", v)
    f.create_dataset("bad", data=np.arange(4096.0).reshape(64, 64), chunks=(32, 64), compression="gzip")
    off = f["bad"].id.get_chunk_info(1).byte_offset
with open(d + "/h5py.h5", "r+b") as g:
    g.seek(off + 20)
    g.write(bytes(range(7, 207)))
`;

test("readDistributed() under MPI reads h5py's gzip datasets through libdeflate", async () => {
  if (!H5PY) return;
  if (rank === 0) await runPython(FIXTURES, dir);
  world.barrier();
  const before = _deflateFilterHooks.decoded;
  for (const name of ["f64_l1", "i16_l9", "u64_shuf", "zeros", "edge3d"]) {
    const want = await readNpy(`${dir}/${name}.npy`);
    const dist = "b" + "n".repeat(want.ndim - 1);
    const d = Distribution.create(want.shape, { dist, commSize: size });
    const got = await readDistributed(world, `${dir}/h5py.h5:/${name}`, d);
    const rows = d.globalIndices(0, rank);
    const mine = rows.length === 0
      ? want.slice("0:0")
      : want.slice(`${rows[0]}:${rows[rows.length - 1] + 1}`);
    assert.equal(got.dtype, want.dtype, name);
    assert.deepEqual(bytes(got), bytes(mine), name);
  }
  if (nativeCodecAvailable("deflate")) {
    assert.ok(world.allreduceNumber(_deflateFilterHooks.decoded - before, "max") > 0);
  }
  world.barrier();
});

test("a corrupt chunk read under MPI is a FormatError on every rank", async () => {
  if (!H5PY || !nativeCodecAvailable("deflate")) return;
  // chunks of whole rows, columns over the ranks: every rank decodes every chunk
  const d = Distribution.create([64, 64], { dist: "nb", commSize: size });
  await assert.rejects(readDistributed(world, `${dir}/h5py.h5:/bad`, d), (e: unknown) => {
    assert.ok(e instanceof FormatError, String(e));
    assert.equal(e.file, `${dir}/h5py.h5`);
    assert.match(e.message, /a chunk cannot be decoded: libdeflate: bad data/);
    return true;
  });
  world.barrier();
  // the file's other datasets still read
  const want = await readNpy(`${dir}/zeros.npy`);
  const n = Distribution.create(want.shape, { dist: "nb", commSize: size });
  const got = await readDistributed(world, `${dir}/h5py.h5:/zeros`, n);
  assert.deepEqual(got.shape, n.localShape(rank));
  assert.ok((got.toTypedArray() as Float64Array).every((v) => v === 0));
  world.barrier();
});

test("cleanup", async () => {
  world.barrier();
  if (rank === 0) await Deno.remove(dir, { recursive: true });
  world.barrier();
});
