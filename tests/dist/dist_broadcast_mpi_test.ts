// Broadcasting between DistArrays of different shapes, and with NDArrays and
// scalars in both operand orders. Runs alone and under any launcher:
//   deno test -A tests/dist/dist_broadcast_mpi_test.ts
//   timeout 300 mpiexec.mpich -n 3 deno test -A tests/dist/dist_broadcast_mpi_test.ts
//   timeout 300 mpirun.openmpi --allow-run-as-root --oversubscribe -n 2 deno test -A ...
// Values are checked against NumPy on the gathered operands; the data moved
// is counted through a communicator that wraps the world's alltoallv.

import assert from "node:assert/strict";
import type { Comm, CommBuffer } from "../../dist/comm.ts";
import { Distribution } from "../../dist/distribution.ts";
import { DistArray, type DistOperand } from "../../dist/dist_array.ts";
import { ShapeMismatchError } from "../../core/errors.ts";
import { fromArray, type NDArray } from "../../core/ndarray.ts";
import * as random from "../../core/random.ts";
import { mpiTest as test, world } from "../_mpi.ts";
import { hasPython, pythonJson } from "../_util.ts";

const { rank, size } = world;

/** The world communicator, counting the elements this rank receives by alltoallv. */
function counting(): { comm: Comm; received: () => number } {
  let n = 0;
  const comm = new Proxy(world, {
    get(t, k) {
      if (k === "alltoallv") {
        return <T extends CommBuffer>(
          send: T,
          counts: readonly number[],
          o?: { recvCounts?: readonly number[] },
        ) => {
          const r = t.alltoallv(send, counts, o as never);
          n += r.length;
          return r;
        };
      }
      const v = Reflect.get(t, k, t);
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
  return { comm, received: () => n };
}

function spec(letters: string, nd: number): string {
  const s = letters.slice(0, nd).padEnd(nd, "n");
  return /^n+$/.test(s) ? `${s.slice(1)}b` : s; // at least one distributed axis
}

const PAIRS: [number[], number[]][] = [
  [[5, 4], [4]],
  [[5, 1], [5, 4]],
  [[5, 1], [1, 4]],
  [[4], [5, 4]],
  [[2, 5, 4], [5, 1]],
  [[3, 1, 4], [1, 6, 1]],
];

/** Every case: [what, operands as DistArrays/NDArrays/scalars]; the NumPy reference sees them gathered. */
function cases(): [string, string, DistOperand[]][] {
  const out: [string, string, DistOperand[]][] = [];
  PAIRS.forEach(([s1, s2], k) => {
    for (const [l1, l2] of [["b", "b"], ["c", "b"], ["nb", "c"], ["bc", "cb"]]) {
      const a = DistArray.rand(world, s1, { seed: 10 + k, dist: spec(l1, s1.length) });
      const b = DistArray.rand(world, s2, { seed: 20 + k, dist: spec(l2, s2.length) });
      const what = `[${s1}] ${l1} and [${s2}] ${l2}`;
      out.push([`${what} add`, "add", [a, b]]);
      out.push([`${what} subtract reversed`, "subtract", [b, a]]);
      out.push([`${what} NDArray first`, "subtract", [b.toNDArray()!, a]]);
      out.push([`${what} NDArray second`, "divide", [a, b.toNDArray()!]]);
      out.push([`${what} scalar first`, "subtract", [2, a]]);
      out.push([`${what} where`, "where", [a.gt(0.5), b, -1]]);
    }
  });
  return out;
}

function gathered(x: DistOperand): unknown {
  if (x instanceof DistArray) return x.toNDArray()!.toArray();
  if (typeof x === "object") return (x as NDArray).toArray();
  return x;
}

test("ufuncs broadcast DistArrays of compatible shapes, NDArrays and scalars as NumPy does", async () => {
  const all = cases();
  const got = all.map(([, name, ops]) => DistArray.ufunc(name, ops));
  // the result takes the layout of an operand of the full shape, or a default one
  all.forEach(([what, , ops], i) => {
    const full = ops.find((x) => x instanceof DistArray && x.shape.join() === got[i].shape.join());
    if (full) assert.ok((full as DistArray).distribution.equals(got[i].distribution), what);
    assert.deepEqual(got[i].localShape, got[i].distribution.localShape(rank), what);
  });
  const inputs = all.map(([, name, ops]) => [name, ops.map(gathered)]);
  const results = got.map((g) => g.toNDArray()!.toArray());
  if (rank !== 0 || !hasPython("numpy")) return;
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/in.json`, JSON.stringify(inputs));
    const want = await pythonJson<unknown[]>(
      `
import json, sys, numpy as np
out = []
for name, ops in json.load(open(sys.argv[1])):
    ops = [np.array(x) if isinstance(x, list) else x for x in ops]
    out.append(getattr(np, name)(*ops).tolist())
print(json.dumps(out))
`,
      `${dir}/in.json`,
    );
    all.forEach(([what], i) => assert.deepEqual(results[i], want[i], what));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("a broadcast operand travels once per rank that needs it, not once per result element", () => {
  // (5,4) with its columns over the ranks, plus a (5,1) column held in row blocks:
  // every rank needs the whole column, 5 elements, whatever its share of the columns
  const { comm, received } = counting();
  const grid = Distribution.create([5, 4], { dist: "nb", commSize: size });
  const a = DistArray.rand(comm, grid, { seed: 1 });
  const col = DistArray.rand(comm, [5, 1], { seed: 2, dist: "bn" });
  const before = received();
  const r = a.mul(col);
  const moved = received() - before;
  assert.equal(moved, grid.localShape(rank)[1] > 0 ? 5 : 0); // an empty block needs nothing
  const want = random.rand([5, 4], { seed: 1 }).mul(random.rand([5, 1], { seed: 2 }));
  assert.deepEqual(r.toNDArray()!.toArray(), want.toArray());
  // a row (4,) against (5,4) in row blocks: each rank receives the 4 values once
  const row = DistArray.rand(comm, [4], { seed: 3, dist: "c" });
  const rows = DistArray.rand(comm, [5, 4], { seed: 4 });
  const b0 = received();
  rows.add(row);
  assert.equal(received() - b0, rows.localShape[0] > 0 ? 4 : 0);
  // the same distribution and shape: nothing moves
  const b1 = received();
  rows.add(rows);
  assert.equal(received() - b1, 0);
});

test("an NDArray's method form with a DistArray operand gives a DistArray (nd.add(dist))", () => {
  const d = DistArray.rand(world, [5, 4], { seed: 5, dist: "cn" });
  const row = random.rand([4], { seed: 6 });
  const r = row.sub(d as never) as unknown as DistArray;
  assert.ok(r instanceof DistArray);
  assert.ok(r.distribution.equals(d.distribution));
  assert.deepEqual(r.toNDArray()!.toArray(), row.sub(d.toNDArray()!).toArray());
  const m = row.reshape([1, 4]).maximum(d as never) as unknown as DistArray;
  assert.deepEqual(m.toNDArray()!.toArray(), row.reshape([1, 4]).maximum(d.toNDArray()!).toArray());
});

test("ufuncs refuse shapes that do not broadcast, naming them", () => {
  const a = DistArray.zeros(world, [5, 4]);
  assert.throws(() => a.add(DistArray.zeros(world, [3])), {
    name: "ShapeMismatchError",
    message: /Cannot apply "add" to operands of shapes \[5,4\] and \[3\]/,
  });
  assert.throws(() => a.add(DistArray.zeros(world, [4, 5])), ShapeMismatchError);
  assert.throws(() => DistArray.ufunc("add", [fromArray([1, 2, 3]), a]), ShapeMismatchError);
});

// must stay last: finalizes MPI
test("world[Symbol.asyncDispose]() finalizes MPI", async () => {
  world.barrier();
  await world[Symbol.asyncDispose]();
});
