// Axis reductions of a DistArray return a DistArray along the remaining axes.
// Runs alone (one process) and under any launcher and rank count:
//   deno test -A tests/dist/dist_reduce_axis_mpi_test.ts
//   timeout 300 mpiexec.mpich -n 3 deno test -A tests/dist/dist_reduce_axis_mpi_test.ts
//   timeout 300 mpirun.openmpi --allow-run-as-root --oversubscribe -n 2 deno test -A ...
// References: the replicated reduction of dist/_dist_reduce.ts (the bits must
// be the same), and NumPy on the gathered input (the values, within rounding).

import assert from "node:assert/strict";
import { dimsCreate } from "../../dist/comm.ts";
import { type AxisSpec, Distribution } from "../../dist/distribution.ts";
import { DistArray } from "../../dist/dist_array.ts";
import { reduceBlocks } from "../../dist/_dist_reduce.ts";
import type { NDArray } from "../../core/ndarray.ts";
import type { ReduceOptions, ReductionName } from "../../core/reduce.ts";
import { writeNpy } from "../../io/npy.ts";
import { mpiTest as test, world } from "../_mpi.ts";
import { hasPython, pythonJson } from "../_util.ts";

const { rank, size } = world;

function bytes(a: NDArray): string {
  const d = a.copy().data;
  return [...new Uint8Array(d.buffer, d.byteOffset, d.byteLength)].join(",");
}

function layouts(shape: number[]): [string, Distribution][] {
  const nd = shape.length;
  const perm = Array.from({ length: shape[0] }, (_, i) => (i * 7 + 3) % shape[0]);
  return [
    ["b", Distribution.create(shape, { commSize: size })],
    ["c", Distribution.create(shape, { dist: "c".padEnd(nd, "n"), commSize: size })],
    [
      "bc grid",
      Distribution.create(shape, {
        dist: "bc".padEnd(nd, "n"),
        grid: dimsCreate(size, 2).concat(Array(nd - 2).fill(1)),
        commSize: size,
      }),
    ],
    ["last axis", Distribution.create(shape, { dist: "b".padStart(nd, "n"), commSize: size })],
    [
      "u",
      Distribution.create(shape, {
        dist: [{
          type: "u",
          indices: Array.from({ length: size }, (_, p) => perm.filter((_, i) => i % size === p)),
        }, ...Array<AxisSpec>(nd - 1).fill("n")],
        commSize: size,
      }),
    ],
  ];
}

type Case = [ReductionName, ReduceOptions];
const CASES_2D: Case[] = [
  ["sum", { axis: 0 }],
  ["sum", { axis: 1, keepdims: true }],
  ["sum", { axis: 0, keepdims: true }],
  ["prod", { axis: 0 }],
  ["mean", { axis: 0, keepdims: true }],
  ["mean", { axis: -1 }],
  ["var", { axis: 0, ddof: 1 }],
  ["std", { axis: 1 }],
  ["min", { axis: 1 }],
  ["max", { axis: 0 }],
  ["argmin", { axis: 1 }],
  ["argmax", { axis: 0 }],
  ["any", { axis: 0 }],
  ["all", { axis: 1 }],
  ["count_nonzero", { axis: 0 }],
  ["nansum", { axis: 0 }],
  ["nanmean", { axis: 1 }],
  ["nanmax", { axis: 0 }],
];
const CASES_3D: Case[] = [
  ["sum", { axis: [0, 2] }],
  ["sum", { axis: [0, 2], keepdims: true }],
  ["var", { axis: 1 }],
  ["max", { axis: 0, keepdims: true }],
  ["mean", { axis: [1, 2] }],
  ["argmax", { axis: 2 }],
];

/** Checks one axis reduction against the replicated one; returns the gathered result. */
function check(
  a: DistArray,
  name: ReductionName,
  o: ReduceOptions,
  what: string,
): NDArray {
  const got = a.reduce(name, o);
  assert.ok(got instanceof DistArray, `${what}: not a DistArray`);
  const old = reduceBlocks(world, a.distribution, a.local, name, o);
  assert.deepEqual(got.shape, old.shape, what);
  assert.equal(got.dtype, old.dtype, what);
  // laid out, not replicated: the blocks together hold each element once
  assert.equal(world.allreduceNumber(got.local.size, "sum"), got.size, `${what}: replicated`);
  assert.deepEqual(got.localShape, got.distribution.localShape(rank), what);
  const whole = got.toNDArray()!;
  assert.equal(bytes(whole), bytes(old), `${what}: bits differ from the replicated reduction`);
  return whole;
}

test("axis reductions give a DistArray with the replicated reduction's bits, for every layout", () => {
  for (
    const [shape, cases] of [[[37, 4001], CASES_2D], [[9, 50, 300], CASES_3D], [
      [5, 4],
      CASES_2D,
    ]] as const
  ) {
    for (const [dn, d] of layouts([...shape])) {
      const a = DistArray.randn(world, d, { seed: 11 });
      if (shape[0] === 5) a.set([2, 1], NaN); // the nan reductions skip it
      for (const [name, o] of cases) {
        check(a, name, o, `${name} ${JSON.stringify(o)} of ${shape} on ${dn}`);
      }
    }
  }
});

test("axis reductions of int, bool and empty arrays, and over every axis", () => {
  const ints = DistArray.randint(world, [70, 1000], {
    seed: 5,
    low: -9,
    high: 9,
    dtype: "int32",
    dist: "cn",
  });
  for (
    const [name, o] of [["sum", { axis: 0 }], ["prod", { axis: 1 }], ["argmin", {
      axis: 0,
    }]] as Case[]
  ) {
    check(ints, name, o, `int32 ${name}`);
  }
  const bools = ints.gt(0);
  for (
    const [name, o] of [["any", { axis: 1 }], ["all", { axis: 0 }], ["count_nonzero", {
      axis: 1,
    }]] as Case[]
  ) {
    check(bools, name, o, `bool ${name}`);
  }
  const empty = DistArray.zeros(world, [0, 5]);
  assert.deepEqual(check(empty, "sum", { axis: 0 }, "empty rows").toArray(), [0, 0, 0, 0, 0]);
  assert.deepEqual(check(empty, "mean", { axis: 1 }, "empty mean").shape, [0]);
  // every axis named: a 0-d (or all-ones keepdims) DistArray held by rank 0
  const a = DistArray.fromFunction(world, [6, 4], { fn: ([i, j]) => i * 4 + j, dist: "cn" });
  const s = a.sum({ axis: [0, 1] });
  assert.ok(s instanceof DistArray);
  assert.deepEqual(s.shape, []);
  assert.equal(s.get([]), 276);
  assert.deepEqual(a.sum({ axis: [0, 1], keepdims: true }).toNDArray()!.toArray(), [[276]]);
  // no axis: still a replicated NDArray
  assert.equal(a.sum().get(), 276);
  assert.throws(() => a.sum({ axis: 2 }), RangeError);
  assert.throws(() => a.reduce("median" as ReductionName, { axis: 0 }), TypeError);
});

test("axis reductions agree with NumPy on the gathered array", async () => {
  const shape = [37, 4001];
  const a = DistArray.randn(world, shape, { seed: 7, dist: "bc", grid: dimsCreate(size, 2) });
  a.set([3, 5], NaN);
  const results = CASES_2D.map(([name, o]) => (a.reduce(name, o) as DistArray).toNDArray()!);
  const whole = a.toNDArray(0);
  if (rank !== 0 || !hasPython("numpy")) return;
  const dir = await Deno.makeTempDir();
  try {
    await writeNpy(`${dir}/a.npy`, whole!);
    const script = `
import json, sys, numpy as np
a = np.load(sys.argv[1])
cases = json.loads(sys.argv[2])
out = []
for name, o in cases:
    r = getattr(np, name)(a, **o)
    out.append(np.asarray(r, dtype=np.float64).ravel().tolist())
print(json.dumps(out).replace("NaN", "null"))
`;
    const want = await pythonJson<(number | null)[][]>(
      script,
      `${dir}/a.npy`,
      JSON.stringify(CASES_2D),
    );
    CASES_2D.forEach(([name, o], i) => {
      const got = [...results[i].flat()].map(Number);
      assert.equal(got.length, want[i].length, name);
      got.forEach((v, k) => {
        const w = want[i][k];
        if (w === null) return assert.ok(Number.isNaN(v), `${name} ${JSON.stringify(o)} [${k}]`);
        assert.ok(
          Math.abs(v - w) <= 1e-9 * Math.max(1, Math.abs(w)),
          `${name} ${JSON.stringify(o)} [${k}]: ${v} vs ${w}`,
        );
      });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// must stay last: finalizes MPI
test("world[Symbol.asyncDispose]() finalizes MPI", async () => {
  world.barrier();
  await world[Symbol.asyncDispose]();
});
