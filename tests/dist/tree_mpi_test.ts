// Runs alone (one process: SelfComm) and under any launcher and rank count:
//   deno test -A tests/dist/tree_mpi_test.ts
//   timeout 180 mpiexec.mpich -n 3 deno test -A tests/dist/tree_mpi_test.ts
// Every rank runs the same tests in the same order; the last one finalizes MPI.

import assert from "node:assert/strict";
import { rootLevel, TreeAccumulator, treeReduce } from "../../dist/tree_reduce.ts";
import {
  mergeTree,
  reducer,
  type ReduceState,
  type ReductionName,
  stateBuffers,
} from "../../core/reduce.ts";
import { randn } from "../../core/random.ts";
import { mpiTest as test, world } from "../_mpi.ts";

const { rank, size } = world;

function bytesOf(s: ReduceState): number[] {
  return stateBuffers(s).flatMap((b) => [...new Uint8Array(b.buffer, b.byteOffset, b.byteLength)]);
}

// tile t's rows of a global [nTiles * 2, 3] array with values of very different
// magnitudes, so that any other merge order changes the last bits
function tileStates(name: ReductionName, nTiles: number): ReduceState[] {
  const shape = [nTiles * 2, 3];
  const r = reducer(name, "float64", shape, { axis: 0 });
  const a = randn(shape, { seed: 7 + nTiles });
  const d = a.data;
  for (let i = 0; i < d.length; i++) d[i] *= 10 ** ((i * 7) % 17 - 8);
  return Array.from(
    { length: nTiles },
    (_, t) => r.step(r.init(), a.slice(`${2 * t}:${2 * t + 2}`), [2 * t, 0]),
  );
}

// which rank holds each tile, by pattern
function owners(pattern: string, nTiles: number, P: number): number[] {
  return Array.from({ length: nTiles }, (_, t) => {
    switch (pattern) {
      case "block":
        return Math.min(P - 1, Math.floor((t * P) / nTiles));
      case "cyclic":
        return t % P;
      case "last":
        return P - 1;
      default: // scrambled
        return (t * 7 + 3 * nTiles) % P;
    }
  });
}

test("rootLevel() is the least level whose node covers every tile", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 8, 9].map(rootLevel), [0, 1, 2, 2, 3, 3, 4]);
});

test("TreeAccumulator folds a contiguous run into its maximal aligned subtrees", () => {
  const r = reducer("sum", "float64", [6]);
  const acc = new TreeAccumulator(r, 6);
  for (let t = 1; t < 6; t++) acc.push(t, r.init());
  // tiles 1..5 of 6: leaf 1, node [2,4) at level 1, node [4,6) at level 1
  assert.deepEqual(acc.nodes().map((n) => [n.level, n.index]), [[0, 1], [1, 1], [2, 1]]);
  assert.throws(() => acc.push(3, r.init()), RangeError);
});

test("treeReduce() equals mergeTree in one process, bit for bit, for 1..20 tiles", () => {
  for (const name of ["sum", "var", "argmax"] as const) {
    for (let n = 1; n <= 20; n++) {
      const want = bytesOf(mergeTree(reducer(name, "float64", [n * 2, 3], { axis: 0 }), [
        ...tileStates(name, n),
      ]));
      for (const pattern of ["block", "cyclic", "last", "scrambled"]) {
        const r = reducer(name, "float64", [n * 2, 3], { axis: 0 });
        const states = tileStates(name, n);
        const own = owners(pattern, n, size);
        const mine = new Map<number, ReduceState>();
        states.forEach((s, t) => own[t] === rank && mine.set(t, s));
        const got = treeReduce(world, r, mine, n);
        assert.deepEqual(bytesOf(got), want, `${name} n=${n} ${pattern}`);
      }
    }
  }
});

test("treeReduce() is sensitive to the merge order (the test can fail)", () => {
  const states = tileStates("var", 13);
  const r = reducer("var", "float64", [26, 3], { axis: 0 });
  const tree = bytesOf(mergeTree(r, tileStates("var", 13)));
  const serial = states.reduce((a, b) => r.merge(a, b));
  assert.notDeepEqual(bytesOf(serial), tree);
});

test("treeReduce() returns init() for no tiles and rejects gaps and overlaps on every rank", () => {
  const r = reducer("sum", "float64", [4]);
  assert.deepEqual(bytesOf(treeReduce(world, r, new Map(), 0)), bytesOf(r.init()));
  // tile 1 of 3 is missing everywhere
  const gap = new Map<number, ReduceState>();
  if (rank === 0) gap.set(0, r.init()).set(2, r.init());
  assert.throws(() => treeReduce(world, r, gap, 3), /tile 1 has no state/);
  // every rank claims tile 0
  const dup = new Map<number, ReduceState>([[0, r.init()]]);
  if (rank === 0) dup.set(1, r.init());
  if (size > 1) assert.throws(() => treeReduce(world, r, dup, 2), /more than one rank/);
  assert.throws(() => treeReduce(world, r, new Map([[5, r.init()]]), 3), RangeError);
});

// must stay last: finalizes MPI
test("world[Symbol.asyncDispose]() finalizes MPI", async () => {
  world.barrier();
  await world[Symbol.asyncDispose]();
});
