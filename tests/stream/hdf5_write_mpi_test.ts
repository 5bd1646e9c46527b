// The stream engine's HDF5 outputs under MPI go through parallel HDF5
// (stream/_output.ts, io/hdf5_parallel.ts openParallelWriter): every rank
// writes its own blocks at once. Runs alone and under any launcher:
//   deno test -A tests/stream/hdf5_write_mpi_test.ts
//   timeout 120 mpiexec.mpich -n 3 deno test -A tests/stream/hdf5_write_mpi_test.ts
//   timeout 120 mpirun.openmpi --allow-run-as-root --oversubscribe -n 2 deno test -A ...
// Every result is read back with h5py and compared, byte for byte, with the
// same output written by one process (rank 0 with a SelfComm).

import assert from "node:assert/strict";
import type { NDArray } from "../../core/ndarray.ts";
import { randn } from "../../core/random.ts";
import { hdf5 } from "../../ffi/hdf5.ts";
import { writeNpy } from "../../io/npy.ts";
import type { ArraySource, RegionLike } from "../../io/region.ts";
import { SelfComm } from "../../dist/comm.ts";
import { fromSource, open } from "../../stream/mod.ts";
import { _testHooks } from "../../stream/_output.ts";
import { mpiTest, world } from "../_mpi.ts";
import { hasPython, pythonJson, runPython } from "../_util.ts";

const { rank, size } = world;
const self = new SelfComm();
const H5PY = hasPython("h5py", "numpy");

function test(name: string, fn: () => void | Promise<void>): void {
  mpiTest(name, fn, { sanitizeResources: false });
}

// how the ranks are expected to write: at once through parallel HDF5 when
// there are several and the libhdf5 loaded is a parallel build
const PARALLEL = size > 1 && hdf5().parallel !== null;
function expectRun(parallel: string): void {
  assert.equal(_testHooks.lastRun, PARALLEL ? parallel : "turns");
}

const dir = world.bcastJson(rank === 0 ? await Deno.makeTempDir({ prefix: "tessera-h5w-" }) : "");
const DATA = randn([203, 17], { seed: 5 }).astype("float32");
if (rank === 0) await writeNpy(`${dir}/x.npy`, DATA);
world.barrier();

// h5py's view of two datasets: same dtype, shape and bytes; plus their chunks and filters
const SAME = `
import sys, json, h5py, numpy as np
def ds(s):
    f, o = s.split(":", 1)
    h = h5py.File(f, "r")
    return h, h[o]
ha, a = ds(sys.argv[1]); hb, b = ds(sys.argv[2])
print(json.dumps({"same": a.dtype == b.dtype and a.shape == b.shape
                  and a[...].tobytes() == b[...].tobytes(),
                  "chunks": a.chunks, "compression": a.compression,
                  "incomplete": "tessera_incomplete" in a.attrs}))
`;

async function sameAsOne(par: string, one: string): Promise<Record<string, unknown>> {
  const r = await pythonJson<Record<string, unknown>>(SAME, par, one);
  assert.equal(r.same, true, `${par} differs from ${one}`);
  assert.equal(r.incomplete, false);
  return r;
}

function names(): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name);
}

test("to() .h5 under MPI: every rank writes at once, bytes of one process", async () => {
  using x = await open(`${dir}/x.npy`, { chunks: [9, 17] }); // 23 blocks: uneven on 2, 3, 4 ranks
  const e = x.sub(x.mean({ axis: 0 })).div(x.std({ axis: 0 }));
  await e.to(`${dir}/map.h5:/g/y`, { comm: world });
  expectRun("independent");
  await x.to(`${dir}/conv.h5:/x`, { comm: world });
  expectRun("independent");
  if (rank === 0) {
    await e.to(`${dir}/map1.h5:/g/y`, { comm: self });
    await x.to(`${dir}/conv1.h5:/x`, { comm: self });
    if (H5PY) {
      await sameAsOne(`${dir}/map.h5:/g/y`, `${dir}/map1.h5:/g/y`);
      await sameAsOne(`${dir}/conv.h5:/x`, `${dir}/conv1.h5:/x`);
    }
  }
  world.barrier();
});

test("to() .h5 with gzip under MPI: collective writes, padded, bytes of one process", async () => {
  using x = await open(`${dir}/x.npy`, { chunks: [10, 17] });
  const o = { codec: "gzip:1", chunks: [10, 17] };
  await x.mul(3).to(`${dir}/gz.h5:/z`, { comm: world, ...o });
  expectRun("collective");
  // a reduction's result is written by rank 0 alone: the others only pad
  await x.sum({ axis: 0 }).to(`${dir}/gz.h5:/s`, { comm: world, codec: "gzip", chunks: [17] });
  expectRun("collective");
  if (rank === 0) {
    await x.mul(3).to(`${dir}/gz1.h5:/z`, { comm: self, ...o });
    await x.sum({ axis: 0 }).to(`${dir}/gz1.h5:/s`, { comm: self, codec: "gzip", chunks: [17] });
    if (H5PY) {
      const r = await sameAsOne(`${dir}/gz.h5:/z`, `${dir}/gz1.h5:/z`);
      assert.deepEqual([r.chunks, r.compression], [[10, 17], "gzip"]);
      await sameAsOne(`${dir}/gz.h5:/s`, `${dir}/gz1.h5:/s`);
    }
  }
  world.barrier();
});

test("collective transfers of an unfiltered dataset give the same bytes", async () => {
  using x = await open(`${dir}/x.npy`, { chunks: [7, 17] });
  _testHooks.transfer = "collective";
  try {
    await x.add(1).to(`${dir}/coll.h5:/c`, { comm: world });
    await x.add(1).to(`${dir}/coll.h5:/cc`, { comm: world, chunks: [16, 5] });
  } finally {
    _testHooks.transfer = undefined;
  }
  expectRun("collective");
  if (rank === 0) {
    await x.add(1).to(`${dir}/coll1.h5:/c`, { comm: self });
    if (H5PY) {
      await sameAsOne(`${dir}/coll.h5:/c`, `${dir}/coll1.h5:/c`);
      await sameAsOne(`${dir}/coll.h5:/cc`, `${dir}/coll1.h5:/c`);
    }
  }
  world.barrier();
});

test("into an existing file under MPI: siblings kept, the object replaced only with overwrite", async () => {
  if (rank === 0 && H5PY) {
    await runPython(
      `import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["title"] = "kept"
    f["keep"] = np.arange(10)
    f.create_group("g").attrs["units"] = "m"
    f["g/old"] = np.ones(3)`,
      `${dir}/box.h5`,
    );
  }
  world.barrier();
  if (!H5PY) return;
  using x = await open(`${dir}/x.npy`, { chunks: [20, 17] });
  await x.to(`${dir}/box.h5:/g/new`, { comm: world });
  await assert.rejects(x.to(`${dir}/box.h5:/g/old`, { comm: world }), Deno.errors.AlreadyExists);
  await x.mul(2).to(`${dir}/box.h5:/g/old`, { comm: world, overwrite: true });
  expectRun("independent");
  if (rank === 0) {
    await x.to(`${dir}/box1.h5:/x`, { comm: self });
    await x.mul(2).to(`${dir}/box1.h5:/y`, { comm: self });
    await sameAsOne(`${dir}/box.h5:/g/new`, `${dir}/box1.h5:/x`);
    await sameAsOne(`${dir}/box.h5:/g/old`, `${dir}/box1.h5:/y`);
    const kept = await pythonJson<unknown[]>(
      `import sys, json, h5py
with h5py.File(sys.argv[1], "r") as f:
    print(json.dumps([f.attrs["title"], f["keep"][...].tolist(), f["g"].attrs["units"],
                      sorted(f["g"].keys())]))`,
      `${dir}/box.h5`,
    );
    assert.deepEqual(kept, ["kept", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "m", ["new", "old"]]);
    assert.ok(!names().some((n) => n.includes("tessera")), names().join());
  }
  world.barrier();
});

class Failing implements ArraySource {
  readonly locator = "failing";
  readonly shape = [40, 4];
  readonly dtype = "float64" as const;
  readonly chunks = [4, 4];
  #reads = 0;
  read(region?: RegionLike): Promise<NDArray> {
    void region;
    // the last rank fails after its first block: the others are still writing
    return rank === size - 1 && this.#reads++ > 0
      ? Promise.reject(new Error("bad sector"))
      : Promise.resolve(randn([4, 4], { seed: 1 }));
  }
}

test("a failure on one rank fails every rank, leaves the existing file as it was", async () => {
  if (rank === 0) await x0();
  world.barrier();
  const before = await Deno.readFile(`${dir}/fail.h5`);
  for (const codec of ["none", "gzip"]) {
    const f = fromSource(new Failing());
    await assert.rejects(
      f.add(1).to(`${dir}/fail.h5:/new`, { comm: world, codec, chunks: [4, 4] }),
    );
    world.barrier();
    assert.deepEqual(await Deno.readFile(`${dir}/fail.h5`), before);
    assert.ok(!names().some((n) => n.includes("tessera")), names().join());
    world.barrier();
  }
  async function x0(): Promise<void> {
    using x = await open(`${dir}/x.npy`);
    await x.to(`${dir}/fail.h5:/x`, { comm: self });
  }
});

test("cleanup", async () => {
  world.barrier();
  if (rank === 0) await Deno.remove(dir, { recursive: true });
  world.barrier();
});
