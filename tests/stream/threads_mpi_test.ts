// Ranks x threads: results computed by N ranks of 2 threads each have the
// bits of one process on one thread. Runs alone and under any launcher:
//   deno test -A tests/stream/threads_mpi_test.ts
//   timeout 120 mpiexec.mpich -n 2 deno test -A tests/stream/threads_mpi_test.ts

import assert from "node:assert/strict";
import type { NDArray } from "../../core/ndarray.ts";
import { randn } from "../../core/random.ts";
import type { ReduceOptions, ReductionName } from "../../core/reduce.ts";
import { writeNpy } from "../../io/npy.ts";
import { SelfComm } from "../../dist/comm.ts";
import { open } from "../../stream/mod.ts";
import { mpiTest, world } from "../_mpi.ts";

const { rank } = world;
const self = new SelfComm();

function bytesOf(a: NDArray): number[] {
  const c = a.copy();
  const d = c.data as unknown as ArrayBufferView;
  return [...new Uint8Array(d.buffer, d.byteOffset, c.nbytes)];
}

const dir = world.bcastJson(rank === 0 ? await Deno.makeTempDir({ prefix: "tessera-mpi-" }) : "");
if (rank === 0) await writeNpy(`${dir}/x.npy`, randn([403, 33], { seed: 12 }));
world.barrier();

const CASES: [ReductionName, ReduceOptions][] = [
  ["sum", {}],
  ["mean", { axis: 0 }],
  ["std", {}],
  ["var", { axis: 1 }],
  ["min", {}],
  ["argmax", {}],
];

mpiTest("ranks x 2 threads have the bits of 1 rank x 1 thread", async () => {
  using x = await open(`${dir}/x.npy`, { chunks: [19, 33] }); // 22 blocks, uneven over ranks
  const run = { memory: "256MiB" };
  for (const [name, o] of CASES) {
    const y = x.sin().exp().reduce(name, o);
    assert.equal(y.plan({ ...run, threads: 2 }).passes[0].threads, 2);
    const par = await y.compute({ ...run, comm: world, threads: 2 });
    const one = await y.compute({ ...run, comm: self, threads: 1 });
    assert.deepEqual(bytesOf(par), bytesOf(one), `${name} ${JSON.stringify(o)}`);
  }
  // a map pass gathered on every rank, and a write
  const m = x.sin().exp().sub(x.mean({ axis: 0 }));
  const par = await m.compute({ ...run, comm: world, threads: 2 });
  assert.deepEqual(bytesOf(par), bytesOf(await m.compute({ ...run, comm: self, threads: 1 })));
  await m.to(`${dir}/par.npy`, { ...run, comm: world, threads: 2 });
  if (rank === 0) {
    await m.to(`${dir}/one.npy`, { ...run, comm: self, threads: 1 });
    assert.deepEqual(await Deno.readFile(`${dir}/par.npy`), await Deno.readFile(`${dir}/one.npy`));
  }
  world.barrier();
  if (rank === 0) await Deno.remove(dir, { recursive: true });
}, { sanitizeResources: false });
