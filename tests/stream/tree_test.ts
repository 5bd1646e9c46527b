import assert from "node:assert/strict";
import { mergeTree, reducer, stateBuffers } from "../../core/reduce.ts";
import { rand } from "../../core/random.ts";
import { SelfComm } from "../../dist/comm.ts";
import { completeTree, stateBytes, TreeMerger, treeReduce } from "../../stream/_tree.ts";
import { ChunkGrid, rankRange } from "../../stream/_grid.ts";

function chunkStates(n: number, name: "sum" | "std" | "mean") {
  const data = rand([n * 37], { seed: 7 }).astype("float32");
  const r = reducer(name, "float32", data.shape);
  const states = Array.from(
    { length: n },
    (_, i) => r.step(r.init(), data.slice(`${i * 37}:${(i + 1) * 37}`), [i * 37]),
  );
  return { r, states };
}

Deno.test("TreeMerger and completeTree give mergeTree's bits for every chunk count and split", () => {
  for (let n = 1; n <= 19; n++) {
    for (const name of ["sum", "std"] as const) {
      const want = (() => {
        const { r, states } = chunkStates(n, name);
        return stateBytes(mergeTree(r, states));
      })();
      for (let size = 1; size <= 5; size++) {
        const { r, states } = chunkStates(n, name);
        const nodes = [];
        for (let rank = 0; rank < size; rank++) {
          const [lo, hi] = rankRange(n, size, rank);
          const m = new TreeMerger(r, n);
          for (let i = lo; i < hi; i++) m.push(i, states[i]);
          nodes.push(...m.nodes());
        }
        const got = stateBytes(completeTree(r, nodes, n));
        assert.deepEqual(got, want, `n=${n} size=${size} ${name}`);
      }
    }
  }
});

Deno.test("TreeMerger keeps at most log2(n) + 1 states", () => {
  const { r, states } = chunkStates(100, "sum");
  const m = new TreeMerger(r, 100);
  let most = 0;
  states.forEach((s, i) => {
    m.push(i, s);
    most = Math.max(most, m.nodes().length);
  });
  assert.ok(most <= 8, `kept ${most}`);
  assert.equal(m.nodes().length, 1);
});

Deno.test("TreeMerger refuses chunks out of order", () => {
  const { r, states } = chunkStates(4, "sum");
  const m = new TreeMerger(r, 4);
  m.push(2, states[2]);
  assert.throws(() => m.push(1, states[1]), RangeError);
  assert.throws(() => m.push(4, states[3]), RangeError);
});

Deno.test("treeReduce() on one rank takes a Map of chunk states", () => {
  const { r, states } = chunkStates(6, "mean");
  const want = stateBytes(mergeTree(r, chunkStates(6, "mean").states));
  const got = treeReduce(new SelfComm(), r, new Map(states.map((s, i) => [i, s])), 6);
  assert.deepEqual(stateBytes(got), want);
  assert.equal(stateBuffers(got).length, r.fields.length);
});

Deno.test("rankRange() splits blocks contiguously, the first ranks one more", () => {
  assert.deepEqual([0, 1, 2].map((r) => rankRange(8, 3, r)), [[0, 3], [3, 6], [6, 8]]);
  assert.deepEqual(rankRange(2, 4, 3), [2, 2]);
});

Deno.test("ChunkGrid numbers blocks in C order and splits along an axis", () => {
  const g = ChunkGrid.regular([5, 4], [2, 3]);
  assert.equal(g.size, 6);
  assert.deepEqual(g.region(3), { start: [2, 3], step: [1, 1], count: [2, 1] });
  assert.deepEqual(g.maxBlock, [2, 3]);
  const s = g.split(1)!;
  assert.deepEqual(s.edges[1], [0, 2, 3, 4]);
  assert.equal(ChunkGrid.regular([3], [1]).split(0), null);
});
