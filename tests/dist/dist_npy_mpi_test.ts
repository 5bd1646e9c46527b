// Parallel .npy save and load of a DistArray, checked with NumPy, and the
// option checks of the creation functions. Runs alone and under any launcher:
//   deno test -A tests/dist/dist_npy_mpi_test.ts
//   timeout 300 mpiexec.mpich -n 3 deno test -A tests/dist/dist_npy_mpi_test.ts
//   timeout 300 mpirun.openmpi --allow-run-as-root --oversubscribe -n 2 deno test -A ...

import assert from "node:assert/strict";
import { dimsCreate } from "../../dist/comm.ts";
import { type AxisSpec, Distribution } from "../../dist/distribution.ts";
import { DistArray } from "../../dist/dist_array.ts";
import { ShapeMismatchError } from "../../core/errors.ts";
import type { NDArray } from "../../core/ndarray.ts";
import * as random from "../../core/random.ts";
import { mpiTest as test, world } from "../_mpi.ts";
import { hasPython, runPython } from "../_util.ts";

const { rank, size } = world;
const dir: string = world.bcastJson(rank === 0 ? await Deno.makeTempDir() : "", 0);

function layouts(shape: number[]): [string, Distribution][] {
  const perm = Array.from({ length: shape[0] }, (_, i) => (i * 7 + 3) % shape[0]);
  const u: AxisSpec = {
    type: "u",
    indices: Array.from({ length: size }, (_, p) => perm.filter((_, i) => i % size === p)),
  };
  return [
    ["b", Distribution.create(shape, { commSize: size })],
    [
      "c2",
      Distribution.create(shape, { dist: [{ type: "c", blockSize: 2 }, "n"], commSize: size }),
    ],
    [
      "bc grid",
      Distribution.create(shape, { dist: "bc", grid: dimsCreate(size, 2), commSize: size }),
    ],
    ["cyclic last axis", Distribution.create(shape, { dist: "nc", commSize: size })],
    ["u", Distribution.create(shape, { dist: [u, "n"], commSize: size })],
    [
      "padded",
      Distribution.create(shape, {
        dist: [{ type: "b", padding: [1, 1], periodic: true }, "n"],
        commSize: size,
      }),
    ],
    ["one rank", Distribution.create(shape, { dist: "nn", commSize: size, ranks: [size - 1] })],
  ];
}

/** The elements NumPy reads from a file, as JSON (dtype name, shape, values). */
async function numpyRead(
  path: string,
): Promise<{ dtype: string; shape: number[]; values: unknown }> {
  const out = await runPython(
    `import json, sys, numpy as np
a = np.load(sys.argv[1])
print(json.dumps({"dtype": str(a.dtype), "shape": list(a.shape), "values": a.tolist()}))`,
    path,
  );
  return JSON.parse(out);
}

function plain(a: NDArray): unknown {
  return JSON.parse(
    JSON.stringify(a.toArray(), (_k, v) => (typeof v === "bigint" ? Number(v) : v)),
  );
}

test("saveNpy() writes every layout and dtype as NumPy reads it, and no temporary is left", async () => {
  const shape = [11, 6];
  const ref = random.randn(shape, { seed: 4 });
  for (const [dn, d] of layouts(shape)) {
    for (const dtype of ["float64", "float32", "int16", "uint8", "bool"] as const) {
      const a = DistArray.randn(world, d, { seed: 4 }).mul(10).astype(dtype);
      const path = `${dir}/${dn.replaceAll(" ", "_")}_${dtype}.npy`;
      await a.saveNpy(path);
      if (rank === 0 && hasPython("numpy")) {
        const got = await numpyRead(path);
        assert.equal(got.dtype, dtype, `${dn} ${dtype}`);
        assert.deepEqual(got.shape, shape);
        assert.deepEqual(got.values, plain(ref.mul(10).astype(dtype)), `${dn} ${dtype}`);
      }
    }
  }
  world.barrier();
  if (rank === 0) {
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names.filter((n) => !n.endsWith(".npy") || n.startsWith(".")), []);
  }
});

test("loadNpy() reads NumPy's files (C, Fortran, big-endian) into any layout, halos included", async () => {
  if (rank === 0 && hasPython("numpy")) {
    await runPython(
      `import sys, numpy as np
a = np.arange(66, dtype=np.float64).reshape(11, 6) * 1.5
np.save(sys.argv[1] + "/c.npy", a)
np.save(sys.argv[1] + "/f.npy", np.asfortranarray(a))
np.save(sys.argv[1] + "/be.npy", a.astype(">i4"))`,
      dir,
    );
  }
  const skip = world.bcastJson(rank === 0 ? !hasPython("numpy") : false, 0);
  if (skip) return;
  for (const [dn, d] of layouts([11, 6])) {
    for (const file of ["c", "f", "be"]) {
      const a = await DistArray.loadNpy(world, `${dir}/${file}.npy`, { distribution: d });
      const want = DistArray.fromFunction(world, d, {
        fn: ([i, j]) => (i * 6 + j) * 1.5,
        dtype: file === "be" ? "int32" : "float64",
      });
      assert.ok(a.distribution === d);
      assert.equal(a.dtype, want.dtype, `${dn} ${file}`);
      assert.deepEqual([...a.local.data], [...want.local.data], `${dn} ${file}: rank ${rank}`);
    }
  }
  const b = await DistArray.loadNpy(world, `${dir}/c.npy`, {
    dist: "cb",
    grid: dimsCreate(size, 2),
  });
  assert.equal(b.get([10, 5]), 65 * 1.5);
  await assert.rejects(
    () =>
      DistArray.loadNpy(world, `${dir}/c.npy`, {
        distribution: Distribution.create([6, 11], { commSize: size }),
      }),
    ShapeMismatchError,
  );
});

test("saveNpy() round-trips through loadNpy() between layouts and refuses to overwrite", async () => {
  const shape = [13, 5];
  const path = `${dir}/round.npy`;
  const ls = layouts(shape);
  for (const [from, df] of ls) {
    const a = DistArray.rand(world, df, { seed: 9 });
    await a.saveNpy(path, { overwrite: true });
    for (const [to, dt] of ls) {
      const b = await DistArray.loadNpy(world, path, { distribution: dt });
      const want = DistArray.rand(world, dt, { seed: 9 });
      assert.deepEqual([...b.local.data], [...want.local.data], `${from} -> ${to}`);
    }
  }
  await assert.rejects(
    () => DistArray.zeros(world, shape).saveNpy(path),
    Deno.errors.AlreadyExists,
  );
  await assert.rejects(
    () => DistArray.zeros(world, shape).saveNpy(path, { overwite: true } as never),
    {
      name: "TypeError",
      message: /Unknown option "overwite" for DistArray.saveNpy\(\)/,
    },
  );
  // an empty array
  const e = DistArray.zeros(world, [0, 3]);
  await e.saveNpy(`${dir}/empty.npy`);
  assert.deepEqual((await DistArray.loadNpy(world, `${dir}/empty.npy`)).shape, [0, 3]);
});

test("DistArray creation functions reject unknown option keys, naming them", () => {
  const cases: [string, () => unknown][] = [
    [
      "DistArray.empty/zeros/ones/full",
      () => DistArray.zeros(world, [4], { dtyp: "int32" } as never),
    ],
    [
      "DistArray.empty/zeros/ones/full",
      () => DistArray.full(world, [4], { value: 1, fill: 2 } as never),
    ],
    [
      "DistArray.fromFunction",
      () => DistArray.fromFunction(world, [4], { fn: () => 1, f: 1 } as never),
    ],
    ["DistArray.rand", () => DistArray.rand(world, [4], { sed: 1 } as never)],
    ["DistArray.normal", () => DistArray.normal(world, [4], { sigma: 1 } as never)],
    ["DistArray.uniform", () => DistArray.uniform(world, [4], { lo: 1 } as never)],
    ["DistArray.randint", () => DistArray.randint(world, [4], { high: 3, hi: 4 } as never)],
    [
      "DistArray.fromNDArray",
      () => DistArray.fromNDArray(world, random.rand([4]), { rot: 0 } as never),
    ],
  ];
  for (const [caller, f] of cases) {
    assert.throws(
      f,
      (e: Error) =>
        e instanceof TypeError && e.message.startsWith(`Unknown option "`) &&
        e.message.includes(`for ${caller}()`),
      caller,
    );
  }
  // normal: NumPy's names, the old ones as aliases, not both
  const a = DistArray.normal(world, [50], { loc: 3, scale: 2, seed: 1 });
  const b = DistArray.normal(world, [50], { mean: 3, std: 2, seed: 1 });
  assert.deepEqual([...a.local.data], [...b.local.data]);
  assert.deepEqual(
    a.toNDArray()!.toArray(),
    random.normal([50], { loc: 3, scale: 2, seed: 1 }).toArray(),
  );
  assert.throws(() => DistArray.normal(world, [4], { loc: 1, mean: 1 }), TypeError);
  assert.throws(() => DistArray.normal(world, [4], { scale: -1 }), RangeError);
});

// must stay last: removes the directory and finalizes MPI
test("world[Symbol.asyncDispose]() finalizes MPI", async () => {
  world.barrier();
  if (rank === 0) await Deno.remove(dir, { recursive: true });
  await world[Symbol.asyncDispose]();
});
