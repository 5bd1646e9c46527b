// Runs alone (one process: SelfComm) and under any launcher and rank count:
//   deno test -A tests/stream/stream_mpi_test.ts
//   timeout 120 mpiexec.mpich -n 3 deno test -A tests/stream/stream_mpi_test.ts
//   timeout 120 mpirun.openmpi --allow-run-as-root --oversubscribe -n 3 deno test -A ...
// Every rank runs the same tests in the same order. Each result computed
// under MPI is compared, bit for bit, with the single-process result over
// the same chunk grid, computed in the same test with a SelfComm.

import assert from "node:assert/strict";
import type { NDArray } from "../../core/ndarray.ts";
import { randn } from "../../core/random.ts";
import type { ReduceOptions, ReductionName } from "../../core/reduce.ts";
import { writeNpy } from "../../io/npy.ts";
import type { ArraySource, RegionLike } from "../../io/region.ts";
import { SelfComm } from "../../dist/comm.ts";
import { fromSource, open, random } from "../../stream/mod.ts";
import { mpiTest, world } from "../_mpi.ts";

const { rank, size } = world;
const self = new SelfComm();

function test(name: string, fn: () => void | Promise<void>): void {
  mpiTest(name, fn, { sanitizeResources: false });
}

function bytesOf(a: NDArray): number[] {
  const c = a.copy();
  const d = c.data as unknown as ArrayBufferView;
  return [...new Uint8Array(d.buffer, d.byteOffset, c.nbytes)];
}

// one shared directory, made by rank 0
const dir = world.bcastJson(rank === 0 ? await Deno.makeTempDir({ prefix: "tessera-mpi-" }) : "");
const DATA = randn([203, 17], { seed: 11 }).astype("float32");
if (rank === 0) await writeNpy(`${dir}/x.npy`, DATA);
world.barrier();

const CASES: [ReductionName, ReduceOptions][] = [
  ["sum", {}],
  ["sum", { axis: 0 }],
  ["mean", {}],
  ["mean", { axis: 0 }],
  ["std", {}],
  ["std", { axis: 0, ddof: 1 }],
  ["argmax", {}],
];

test("reductions under MPI have the bits of one process over the same chunk grid", async () => {
  using x = await open(`${dir}/x.npy`, { chunks: [9, 17] }); // 23 chunks: uneven on 2, 3, 4 ranks
  for (const [name, o] of CASES) {
    const par = await x.reduce(name, o).compute({ comm: world, memory: "64MiB" });
    const one = await x.reduce(name, o).compute({ comm: self, memory: "64MiB" });
    assert.deepEqual(bytesOf(par), bytesOf(one), `${name} ${JSON.stringify(o)}`);
    const all = world.allgatherJson(bytesOf(par));
    for (const b of all) assert.deepEqual(b, all[0]);
  }
});

test("a random source's std under MPI has the bits of one process", async () => {
  const r = random([64, 40], { seed: 3, distribution: "normal", chunks: [5, 40] });
  const par = await r.std().compute({ comm: world });
  const one = await r.std().compute({ comm: self });
  assert.deepEqual(bytesOf(par), bytesOf(one));
});

test("compute() of an element-wise pass under MPI gives every rank the whole result", async () => {
  using x = await open(`${dir}/x.npy`, { chunks: [20, 17] });
  const e = x.sub(x.mean({ axis: 0 })).mul(x).sqrt();
  const par = await e.compute({ comm: world });
  const one = await e.compute({ comm: self });
  assert.deepEqual(bytesOf(par), bytesOf(one));
});

test("to() writes .npy in parallel with the bytes of a single-process write", async () => {
  using x = await open(`${dir}/x.npy`, { chunks: [10, 17] });
  const e = x.sub(x.mean({ axis: 0 })).div(x.std({ axis: 0 }));
  await e.to(`${dir}/par.npy`, { comm: world });
  if (rank === 0) await e.to(`${dir}/one.npy`, { comm: self });
  world.barrier();
  const a = await Deno.readFile(`${dir}/par.npy`);
  const b = await Deno.readFile(`${dir}/one.npy`);
  assert.equal(a.length, b.length);
  assert.ok(a.every((v, i) => v === b[i]));
  world.barrier();
});

test("to() writes HDF5 under MPI with the values of one process", async () => {
  using x = await open(`${dir}/x.npy`, { chunks: [30, 17] });
  await x.mul(2).to(`${dir}/par.h5:/g/y`, { comm: world });
  if (rank === 0) {
    const back = await open(`${dir}/par.h5:/g/y`);
    try {
      assert.deepEqual(
        bytesOf(await back.compute({ comm: self })),
        bytesOf(await x.mul(2).compute({ comm: self })),
      );
    } finally {
      back.close();
    }
  }
  world.barrier();
});

test("to() writes Zarr chunks by their owning rank with the values of one process", async () => {
  using x = await open(`${dir}/x.npy`, { chunks: [30, 17] });
  const e = x.sub(x.mean({ axis: 0 }));
  await e.to(`${dir}/par.zarr:/g/y`, { comm: world, chunks: [16, 9] });
  if (rank === 0) {
    using back = await open(`${dir}/par.zarr:/g/y`);
    assert.deepEqual(back.chunks, [16, 9]);
    assert.deepEqual(
      bytesOf(await back.compute({ comm: self })),
      bytesOf(await e.compute({ comm: self })),
    );
  }
  world.barrier();
});

class Failing implements ArraySource {
  readonly locator = "failing";
  readonly shape = [40, 4];
  readonly dtype = "float64" as const;
  readonly chunks = [4, 4];
  read(region?: RegionLike): Promise<NDArray> {
    void region;
    return rank === size - 1
      ? Promise.reject(new Error("bad sector"))
      : Promise.resolve(randn([4, 4], { seed: 1 }));
  }
}

test("a failure on one rank fails to() on every rank and leaves no output", async () => {
  const f = fromSource(new Failing());
  await assert.rejects(f.add(1).to(`${dir}/fail.npy`, { comm: world }));
  world.barrier();
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.ok(!names.some((n) => n.includes("fail")), names.join());
  world.barrier();
});

test("cleanup", async () => {
  world.barrier();
  if (rank === 0) await Deno.remove(dir, { recursive: true });
  world.barrier();
});
