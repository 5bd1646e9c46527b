// Runs alone (one process: SelfComm, serial libhdf5) and under any launcher and rank count:
//   deno test -A tests/io/hdf5_parallel_mpi_test.ts
//   timeout 180 mpiexec.mpich -n 3 deno test -A tests/io/hdf5_parallel_mpi_test.ts
//   timeout 180 mpirun.openmpi --allow-run-as-root --oversubscribe -n 3 deno test -A ...
// Every rank runs the same tests in the same order; the last one finalizes MPI.
// Files written with any rank count must hold the same values: rank 0 checks them with h5py.

import assert from "node:assert/strict";
import { MpiComm } from "../../dist/comm.ts";
import { type AxisSpec, Distribution } from "../../dist/distribution.ts";
import { empty, type NDArray } from "../../core/ndarray.ts";
import { H5File } from "../../io/hdf5.ts";
import { _testHooks, readDistributed, writeDistributed } from "../../io/hdf5_parallel.ts";
import { hasPython, PYTHON } from "../_util.ts";
import { mpiTest as test, world } from "../_mpi.ts";

const { rank, size } = world;

// one directory for the whole job, made by rank 0
const dir = world.bcastJson(rank === 0 ? Deno.makeTempDirSync({ prefix: "tessera-h5p-" }) : "", 0);

// The global array: value = sum of index_k * 10^(2 * (ndim - 1 - k)), distinct per element.
function valueAt(g: readonly number[]): number {
  return g.reduce((a, x) => a * 100 + x, 0);
}

// This rank's local block of the global array under `d` (halos included).
function localBlock(d: Distribution, r = rank): NDArray<"float64"> {
  const shape = d.localShape(r);
  const out = empty(shape, "float64");
  const lists = d.shape.map((_, i) => d.globalIndices(i, r));
  const n = out.size;
  const idx = new Array<number>(shape.length).fill(0);
  for (let p = 0; p < n; p++) {
    out.data[p] = valueAt(idx.map((k, i) => lists[i][k]));
    let a = shape.length - 1;
    while (a >= 0 && ++idx[a] === shape[a]) idx[a--] = 0;
  }
  return out;
}

function expectedFlat(shape: readonly number[]): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  const out: number[] = [];
  for (let p = 0; p < n; p++) {
    out.push(valueAt(idx));
    let a = shape.length - 1;
    while (a >= 0 && ++idx[a] === shape[a]) idx[a--] = 0;
  }
  return out;
}

// Unstructured index lists for any rank count: g goes to (3g + 1) % size.
function scattered(n: number, reversed: boolean): number[][] {
  const lists: number[][] = Array.from({ length: size }, () => []);
  for (let g = 0; g < n; g++) lists[(3 * g + 1) % size].push(g);
  return reversed ? lists.map((l) => l.reverse()) : lists;
}

const CASES: { name: string; shape: number[]; dist: string | AxisSpec[] }[] = [
  { name: "block", shape: [11, 4], dist: "bn" },
  { name: "cyclic", shape: [11, 4], dist: "cn" },
  { name: "blockcyclic", shape: [9, 7], dist: [{ type: "c", blockSize: 2 }, "n"] },
  { name: "block2d", shape: [6, 7], dist: "bb" },
  { name: "blockcyclic2d", shape: [9, 10], dist: [{ type: "c", blockSize: 2 }, "c"] },
  { name: "block_cyclic3d", shape: [5, 6, 3], dist: ["c", "b", { type: "c", blockSize: 2 }] },
  {
    name: "unstructured",
    shape: [13, 3],
    dist: [{ type: "u", indices: scattered(13, false) }, "n"],
  },
  {
    name: "unstructured_unordered",
    shape: [13, 3],
    dist: [{ type: "u", indices: scattered(13, true) }, "n"],
  },
  { name: "halo", shape: [12, 2], dist: [{ type: "b", padding: [1, 1] }, "n"] },
];

// Reads datasets with h5py on rank 0 (without the launcher's environment, so the
// serial h5py is used): name -> flat values, shape, filters.
async function h5pyRead(
  file: string,
  names: string[],
): Promise<Record<string, { v: number[]; shape: number[]; comp: string | null; attrs: string[] }>> {
  const script = `
import h5py, json, sys
out = {}
with h5py.File(sys.argv[1], "r") as f:
    for n in sys.argv[2:]:
        d = f[n]
        out[n] = {"v": d[()].ravel().tolist(), "shape": list(d.shape), "comp": d.compression,
                  "attrs": sorted(d.attrs.keys())}
print(json.dumps(out))`;
  const r = await new Deno.Command(PYTHON, {
    args: ["-c", script, file, ...names],
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/tmp" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!r.success) throw new Error(`h5py failed: ${dec.decode(r.stderr)}`);
  return JSON.parse(dec.decode(r.stdout));
}

const collectiveMode = (): void => {
  if (world instanceof MpiComm) {
    assert.ok(
      _testHooks.lastIoMode !== null && /collective/.test(_testHooks.lastIoMode) &&
        _testHooks.lastIoMode !== "no-collective",
      `I/O mode ${_testHooks.lastIoMode}`,
    );
  } else {
    assert.equal(_testHooks.lastIoMode, null);
  }
};

test("writeDistributed() loads the parallel libhdf5 of the MPI flavour in use", () => {
  const lib = H5File.library();
  if (world instanceof MpiComm) {
    assert.match(lib.path, world.library.abi === "mpich" ? /hdf5_mpich/ : /hdf5_openmpi/);
  } else {
    assert.doesNotMatch(lib.path, /mpich|openmpi/);
  }
});

test("writeDistributed() writes the same dataset for every distribution and rank count", async () => {
  for (const c of CASES) {
    const d = Distribution.create(c.shape, { dist: c.dist, commSize: size });
    await writeDistributed(world, `${dir}/${c.name}.h5:/data`, d, localBlock(d));
    collectiveMode();
  }
  if (rank === 0 && hasPython("h5py")) {
    for (const c of CASES) {
      const got = (await h5pyRead(`${dir}/${c.name}.h5`, ["data"])).data;
      assert.deepEqual(got.shape, c.shape, c.name);
      assert.deepEqual(got.v, expectedFlat(c.shape), c.name);
      assert.deepEqual(got.attrs, [], c.name);
    }
  }
  world.barrier();
});

test("readDistributed() reads every rank's block (halos included) in any distribution", async () => {
  for (const c of CASES) {
    // read back what `c` wrote, in each of the other layouts of the same shape
    for (const other of CASES.filter((o) => o.shape.join() === c.shape.join())) {
      const d = Distribution.create(c.shape, { dist: other.dist, commSize: size });
      const block = await readDistributed(world, `${dir}/${c.name}.h5:/data`, d);
      collectiveMode();
      assert.deepEqual(block.shape, d.localShape(rank));
      assert.deepEqual(
        Array.from(block.data as Float64Array),
        Array.from(localBlock(d).data),
        `${c.name} read as ${other.name}`,
      );
    }
  }
});

test("readDistributed() reads what h5py wrote (chunked gzip, big-endian, contiguous) in every layout", async () => {
  // rank 0 writes with the serial h5py; then every rank reads its part in parallel
  const shape = [11, 7];
  if (rank === 0 && hasPython("h5py")) {
    const script = `
import h5py, numpy as np, sys
shape = (11, 7)
i, j = np.indices(shape)
v = (i * 100 + j).astype(np.float64)
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("plain", data=v)
    f.create_dataset("gzip", data=v.astype(np.float32), chunks=(4, 3), compression="gzip", shuffle=True)
    f.create_dataset("big", data=v.astype(">i4"), chunks=(5, 7))`;
    const r = await new Deno.Command(PYTHON, {
      args: ["-c", script, `${dir}/from_h5py.h5`],
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/tmp" },
      stderr: "piped",
    }).output();
    assert.ok(r.success, new TextDecoder().decode(r.stderr));
  }
  const made = world.bcastJson(rank === 0 ? hasPython("h5py") : false, 0);
  if (!made) return;
  const layouts: (string | AxisSpec[])[] = ["bn", "cn", [{ type: "c", blockSize: 2 }, "b"], "nb"];
  for (const dist of layouts) {
    const d = Distribution.create(shape, { dist, commSize: size });
    const want = Array.from(localBlock(d).data);
    for (const [name, dtype] of [["plain", "float64"], ["gzip", "float32"], ["big", "int32"]]) {
      const block = await readDistributed(world, `${dir}/from_h5py.h5:/${name}`, d);
      assert.equal(block.dtype, dtype, name);
      assert.deepEqual(block.shape, d.localShape(rank), name);
      assert.deepEqual(Array.from(block.data as Float64Array, Number), want, `${name} ${dist}`);
    }
  }
});

test("writeDistributed() and readDistributed() let ranks that own nothing take part", async () => {
  const d = Distribution.create([5, 2], { dist: "bn", commSize: size, ranks: [size - 1] });
  await writeDistributed(world, `${dir}/one.h5:/x`, d, localBlock(d), { dtype: "int32" });
  const back = await readDistributed(world, `${dir}/one.h5:/x`, d);
  assert.equal(back.dtype, "int32");
  assert.deepEqual(back.shape, rank === size - 1 ? [5, 2] : [0, 0]);
  if (rank === size - 1) {
    assert.deepEqual(Array.from(back.data as Int32Array), expectedFlat([5, 2]));
  }
});

test("writeDistributed() writes chunked gzip datasets with collective IO", async () => {
  const shape = [20, 6];
  const d = Distribution.create(shape, {
    dist: [{ type: "c", blockSize: 3 }, "n"],
    commSize: size,
  });
  await writeDistributed(world, `${dir}/gz.h5:/g/z`, d, localBlock(d), {
    dtype: "float32",
    chunks: [4, 6],
    compression: { name: "gzip", level: 1 },
  });
  const back = await readDistributed(world, `${dir}/gz.h5:/g/z`, d);
  assert.deepEqual(Array.from(back.data as Float32Array), Array.from(localBlock(d).data));
  if (rank === 0 && hasPython("h5py")) {
    const got = (await h5pyRead(`${dir}/gz.h5`, ["g/z"]))["g/z"];
    assert.equal(got.comp, "gzip");
    assert.deepEqual(got.v, expectedFlat(shape));
  }
  world.barrier();
});

test("writeDistributed() into an existing file refuses an existing dataset unless overwrite", async () => {
  const d = Distribution.create([7], { dist: "c", commSize: size });
  const loc = `${dir}/block.h5:/data2`;
  await writeDistributed(world, loc, d, localBlock(d));
  await assert.rejects(writeDistributed(world, loc, d, localBlock(d)), Deno.errors.AlreadyExists);
  const twice = localBlock(d);
  for (let i = 0; i < twice.size; i++) twice.data[i] *= 2;
  await writeDistributed(world, loc, d, twice, { overwrite: true });
  const back = await readDistributed(world, loc, d);
  assert.deepEqual(Array.from(back.data as Float64Array), Array.from(twice.data));
  if (rank === 0 && hasPython("h5py")) {
    const got = await h5pyRead(`${dir}/block.h5`, ["data", "data2"]);
    assert.deepEqual(got.data2.v, expectedFlat([7]).map((v) => 2 * v));
    assert.deepEqual(got.data2.attrs, []);
    assert.deepEqual(got.data.v, expectedFlat([11, 4]));
  }
  world.barrier();
});

test("no HDF5 object stays open and no temporary file is left", () => {
  assert.equal(H5File.openObjectCount(), 0);
  world.barrier();
  if (rank === 0) {
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names.filter((n) => n.includes("tessera-tmp")), []);
    Deno.removeSync(dir, { recursive: true });
  }
});

test("finalize", async () => {
  await world[Symbol.asyncDispose]();
});
