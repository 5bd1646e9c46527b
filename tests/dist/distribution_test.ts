import assert from "node:assert/strict";
import {
  type AxisSpec,
  Distribution,
  pack,
  redistributionPlan,
  unpack,
} from "../../dist/distribution.ts";
import { NDArray } from "../../core/ndarray.ts";

/** A small deterministic generator for random cases (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

function shuffle<T>(r: () => number, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** The global array's value at each element of a rank's local block (value = global flat index). */
function expectedBlock(d: Distribution, rank: number): Float64Array<ArrayBuffer> {
  const lists = d.shape.map((_, a) => [...d.globalIndices(a, rank)]);
  const n = lists.reduce((s, l) => s * l.length, 1);
  const out = new Float64Array(n);
  const gstr = d.shape.map((_, a) => d.shape.slice(a + 1).reduce((x, y) => x * y, 1));
  for (let k = 0; k < n; k++) {
    let rem = k;
    let flat = 0;
    for (let a = d.ndim - 1; a >= 0; a--) {
      const len = lists[a].length;
      flat += lists[a][rem % len] * gstr[a];
      rem = Math.floor(rem / len);
    }
    out[k] = flat;
  }
  return out;
}

/** A random distribution of `shape` over some of `commSize` ranks. */
function randomDist(r: () => number, shape: number[], commSize: number): Distribution {
  const nranks = r() < 0.2 ? int(r, 1, commSize) : commSize;
  const ranks = shuffle(r, [...Array(commSize).keys()]).slice(0, nranks);
  // factor nranks over the axes at random
  const grid = shape.map(() => 1);
  let left = nranks;
  for (let f = 2; left > 1;) {
    if (left % f === 0) {
      grid[int(r, 0, shape.length - 1)] *= f;
      left /= f;
    } else f++;
  }
  const dist: AxisSpec[] = shape.map((n, a) => {
    const P = grid[a];
    const kind = P === 1 ? ["n", "b", "c", "u"][int(r, 0, 3)] : ["b", "c", "u"][int(r, 0, 2)];
    if (kind === "n") return "n";
    if (kind === "c") return { type: "c", blockSize: int(r, 1, 3) };
    if (kind === "u") {
      const lists: number[][] = Array.from({ length: P }, () => []);
      for (const g of shuffle(r, [...Array(n).keys()])) lists[int(r, 0, P - 1)].push(g);
      return { type: "u", indices: lists };
    }
    // block: balanced or explicit bounds, sometimes padded
    const cuts = Array.from({ length: P - 1 }, () => int(r, 0, n)).sort((x, y) => x - y);
    const bounds = r() < 0.5 ? [0, ...cuts, n] : undefined;
    const d = Distribution.create([n], { dist: [{ type: "b", bounds }], commSize: P });
    const own = d.axis(0).bounds!.slice(1).map((b, p) => b - d.axis(0).bounds![p]);
    if (r() < 0.4 && own.every((x) => x >= 1)) {
      const periodic = r() < 0.5 && n >= 1;
      return { type: "b", bounds, padding: [1, 1], periodic };
    }
    return { type: "b", bounds };
  });
  return Distribution.create(shape, { dist, grid, commSize, ranks });
}

Deno.test("Distribution cyclic block 2 over 2 ranks owns 4 and 3 of 7", () => {
  const d = Distribution.create([7], { dist: [{ type: "c", blockSize: 2 }], commSize: 2 });
  assert.deepEqual(d.localShape(0), [4]);
  assert.deepEqual(d.localShape(1), [3]);
  assert.deepEqual([...d.globalIndices(0, 0)], [0, 1, 4, 5]);
  assert.deepEqual([...d.globalIndices(0, 1)], [2, 3, 6]);
  assert.deepEqual(d.globalToLocal([5]), { rank: 0, localIndex: [3] });
  assert.deepEqual(d.globalToLocal([6]), { rank: 1, localIndex: [2] });
});

Deno.test("Distribution cyclic maps agree with brute force on 300 random cases", () => {
  const r = rng(1);
  for (let t = 0; t < 300; t++) {
    const size = int(r, 0, 40);
    const B = int(r, 1, 6);
    const P = int(r, 1, 5);
    const d = Distribution.create([size], { dist: [{ type: "c", blockSize: B }], commSize: P });
    const owned: number[][] = Array.from({ length: P }, () => []);
    for (let g = 0; g < size; g++) owned[Math.floor(g / B) % P].push(g);
    for (let p = 0; p < P; p++) {
      assert.deepEqual(d.localShape(p), [owned[p].length], `size ${size} B ${B} P ${P} rank ${p}`);
      assert.deepEqual([...d.globalIndices(0, p)], owned[p]);
      owned[p].forEach((g, l) => {
        assert.deepEqual(d.globalToLocal([g]), { rank: p, localIndex: [l] });
        assert.deepEqual(d.localToGlobal(p, [l]), [g]);
      });
    }
  }
});

Deno.test("Distribution block is balanced: the first size % P ranks get one more", () => {
  const d = Distribution.create([10], { dist: "b", commSize: 3 });
  assert.deepEqual([0, 1, 2].map((p) => d.localShape(p)[0]), [4, 3, 3]);
  assert.deepEqual([...d.globalIndices(0, 1)], [4, 5, 6]);
  assert.equal(d.owner([7]), 2);
  const e = Distribution.create([3], { dist: "b", commSize: 5 });
  assert.deepEqual([0, 1, 2, 3, 4].map((p) => e.localShape(p)[0]), [1, 1, 1, 0, 0]);
});

Deno.test("Distribution block with explicit bounds skips empty blocks when finding owners", () => {
  const d = Distribution.create([7], { dist: [{ type: "b", bounds: [0, 3, 3, 7] }], commSize: 3 });
  assert.deepEqual([0, 1, 2].map((p) => d.localShape(p)[0]), [3, 0, 4]);
  assert.equal(d.owner([3]), 2);
  assert.equal(d.owner([2]), 0);
});

Deno.test("Distribution.create() fits the default grid to the aspect ratio", () => {
  const opts = (commSize: number, dist = "bb") => ({ dist, commSize });
  assert.deepEqual(Distribution.create([4, 6], opts(4)).grid, [2, 2]);
  assert.deepEqual(Distribution.create([100, 10], opts(4)).grid, [4, 1]);
  assert.deepEqual(Distribution.create([10, 40], opts(8)).grid, [1, 8]);
  assert.deepEqual(Distribution.create([20, 40], opts(8)).grid, [2, 4]);
  assert.deepEqual(Distribution.create([10, 40], opts(6, "bn")).grid, [6, 1]);
  assert.deepEqual(Distribution.create([10, 20, 40], opts(8, "bbb")).grid, [1, 2, 4]);
  assert.deepEqual(Distribution.create([30, 30, 30], opts(8, "bbb")).grid, [2, 2, 2]);
  assert.deepEqual(Distribution.create([5, 5], { commSize: 3 }).grid, [3, 1]);
});

Deno.test("Distribution process grid is C-ordered like MPI_Cart_create", () => {
  const d = Distribution.create([4, 6], { dist: "bb", grid: [2, 3], commSize: 6 });
  assert.deepEqual(d.gridCoords(5), [1, 2]);
  assert.deepEqual(d.gridCoords(2), [0, 2]);
  assert.equal(d.rankAt([1, 0]), 3);
  assert.deepEqual(d.localShape(4), [2, 2]);
  assert.equal(d.owner([3, 5]), 5);
  assert.deepEqual(d.localToGlobal(4, [1, 1]), [3, 3]);
});

Deno.test("Distribution over a subset of ranks leaves the others empty", () => {
  const d = Distribution.create([6, 2], { dist: "bn", commSize: 4, ranks: [3, 1] });
  assert.deepEqual(d.localShape(0), [0, 0]);
  assert.deepEqual(d.localShape(2), [0, 0]);
  assert.equal(d.gridCoords(0), null);
  assert.deepEqual(d.localShape(3), [3, 2]);
  assert.deepEqual(d.globalIndices(0, 1), new Int32Array([3, 4, 5]));
  assert.equal(d.owner([0, 1]), 3);
  assert.equal(d.owner([5, 0]), 1);
  assert.deepEqual(d.regions(0), []);
});

Deno.test("Distribution block padding adds halos inside and keeps boundary padding owned", () => {
  // the DAP's example: 18 elements, 2 ranks, padding (1, 1)
  const d = Distribution.create([18], { dist: [{ type: "b", padding: [1, 1] }], commSize: 2 });
  assert.deepEqual([...d.globalIndices(0, 0)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual([...d.globalIndices(0, 1)], [8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
  assert.equal(d.owner([9]), 1);
  assert.deepEqual(d.globalToLocal([9]), { rank: 1, localIndex: [1] });
  const p = Distribution.create([9], {
    dist: [{ type: "b", padding: [1, 2], periodic: true }],
    commSize: 3,
  });
  assert.deepEqual([...p.globalIndices(0, 0)], [8, 0, 1, 2, 3, 4]);
  assert.deepEqual([...p.globalIndices(0, 2)], [5, 6, 7, 8, 0, 1]);
});

Deno.test("Distribution.create() rejects bad input with typed errors naming the value", () => {
  const c = (shape: number[], o: object) => () =>
    Distribution.create(shape, { commSize: 2, ...o } as never);
  assert.throws(c([4, 4], { dist: "bb", grid: [3, 1] }), {
    name: "RangeError",
    message: "Invalid grid [3,1]: it has 3 positions for 2 ranks",
  });
  assert.throws(c([7], { dist: [{ type: "c", blockSize: 0 }] }), {
    name: "RangeError",
    message: "Invalid block size 0 on axis 0: must be a positive integer",
  });
  assert.throws(c([7], { dist: [{ type: "c", blockSize: -2 }] }), /Invalid block size -2/);
  assert.throws(c([4], { dist: [{ type: "u", indices: [[0, 1], [1, 2, 3]] }] }), {
    name: "RangeError",
    message: "Duplicate index 1 on axis 0: listed at grid positions 0 and 1",
  });
  assert.throws(c([4], { dist: [{ type: "u", indices: [[0, 4], [1, 2, 3]] }] }), {
    name: "RangeError",
    message: "Invalid index 4 on axis 0: outside [0, 4) at grid position 0",
  });
  assert.throws(c([4], { dist: [{ type: "u", indices: [[0], [1, 2]] }] }), {
    name: "RangeError",
    message: "Index 3 on axis 0 is not in any list: the lists must cover [0, 4)",
  });
  assert.throws(c([4], { dist: [{ type: "b", bounds: [0, 3, 2, 4] }], commSize: 3 }), {
    name: "RangeError",
    message: "Invalid bounds [0,3,2,4] on axis 0: not increasing at position 2",
  });
  assert.throws(c([4], { dist: [{ type: "b", bounds: [0, 2, 3] }] }), {
    name: "RangeError",
    message: "Invalid bounds [0,2,3] on axis 0: must run from 0 to 4",
  });
  assert.throws(c([4, 4], { dist: "b" }), {
    name: "RangeError",
    message: 'Invalid dist "b": 1 axis specs for a 2-dimensional shape',
  });
  assert.throws(c([4], { dist: "x" }), { name: "TypeError" });
  assert.throws(c([4, 4], { dist: "nn" }), /do not fit 2 ranks/);
  assert.throws(c([4], { ranks: [0, 0] }), { message: "Duplicate rank 0 in the rank list" });
  assert.throws(c([4], { dist: [{ type: "b", padding: [0, 3] }] }), /halo reaches outside/);
  assert.throws(c([4], { dist: [{ type: "b", padding: [5, 0] }] }), {
    message:
      "Invalid padding [5,0] at grid position 0 of axis 0: boundary padding 5 is wider than the block (2)",
  });
});

Deno.test("Distribution.regions() fill every local block on random distributions", () => {
  const r = rng(2);
  for (let t = 0; t < 60; t++) {
    const shape = Array.from({ length: int(r, 1, 3) }, () => int(r, 1, 7));
    const P = int(r, 1, 4);
    const d = randomDist(r, shape, P);
    for (let rank = 0; rank < P; rank++) {
      const ls = d.localShape(rank);
      const got = new Float64Array(ls.reduce((a, b) => a * b, 1)).fill(-1);
      const lstr = ls.map((_, a) => ls.slice(a + 1).reduce((x, y) => x * y, 1));
      const gstr = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
      for (const { region, localStart } of d.regions(rank)) {
        const n = region.count.reduce((a, b) => a * b, 1);
        for (let k = 0; k < n; k++) {
          let rem = k;
          let flat = 0;
          let local = 0;
          for (let a = d.ndim - 1; a >= 0; a--) {
            const i = rem % region.count[a];
            rem = Math.floor(rem / region.count[a]);
            flat += (region.start[a] + i * region.step[a]) * gstr[a];
            local += (localStart[a] + i) * lstr[a];
          }
          got[local] = flat;
        }
      }
      assert.deepEqual(got, expectedBlock(d, rank), `${d} rank ${rank}`);
    }
  }
});

Deno.test("Distribution.regions() gives one strided region for a cyclic axis", () => {
  const d = Distribution.create([8, 3], { dist: "cn", commSize: 2 });
  assert.deepEqual(d.regions(1), [{
    region: { start: [1, 0], step: [2, 1], count: [4, 3] },
    localStart: [0, 0],
  }]);
});

Deno.test("Distribution.equals() and isCompatible() compare layouts and owners", () => {
  const b = Distribution.create([8, 4], { dist: "bn", commSize: 2 });
  const c4 = Distribution.create([8, 4], { dist: [{ type: "c", blockSize: 4 }, "n"], commSize: 2 });
  const c1 = Distribution.create([8, 4], { dist: "cn", commSize: 2 });
  const u = Distribution.create([8, 4], {
    dist: [{ type: "u", indices: [[3, 2, 1, 0], [4, 5, 6, 7]] }, "n"],
    commSize: 2,
  });
  const swapped = Distribution.create([8, 4], { dist: "bn", commSize: 2, ranks: [1, 0] });
  assert.equal(b.equals(c4), true);
  assert.equal(b.equals(c1), false);
  assert.equal(b.isCompatible(u), true);
  assert.equal(b.equals(u), false);
  assert.equal(b.isCompatible(c1), false);
  assert.equal(b.isCompatible(swapped), false);
  const grid = Distribution.create([8, 4], { dist: "bb", grid: [2, 1], commSize: 2 });
  assert.equal(b.isCompatible(grid), true);
});

/** Moves blocks from `from` to `to` on every simulated rank with alltoallv semantics. */
function simulate(from: Distribution, to: Distribution): Float64Array<ArrayBuffer>[] {
  const P = from.commSize;
  const plans = [...Array(P).keys()].map((rank) => redistributionPlan(from, to, { rank }));
  const sent = plans.map((plan, rank) =>
    pack<Float64Array<ArrayBuffer>>(
      plan,
      new NDArray("float64", expectedBlock(from, rank), plan.sendShape),
    )
  );
  return plans.map((plan, rank) => {
    // alltoallv: the receive buffer holds, peer by peer, what each peer sent to this rank
    const parts: Float64Array<ArrayBuffer>[] = [];
    for (let peer = 0; peer < P; peer++) {
      const s = sent[peer];
      const part = s.buffer.subarray(s.displs[rank], s.displs[rank] + s.counts[rank]);
      assert.equal(part.length, plan.recvCounts[peer]);
      parts.push(part);
    }
    const buf = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      buf.set(p, o);
      o += p.length;
    }
    const out = new NDArray(
      "float64",
      new Float64Array(plan.recvShape.reduce((a, b) => a * b, 1)).fill(-1),
      plan.recvShape,
    );
    unpack(plan, buf, out);
    return out.data;
  });
}

Deno.test("redistributionPlan() moves random b/c/u/n layouts with one alltoallv", () => {
  const r = rng(3);
  for (let t = 0; t < 80; t++) {
    const shape = Array.from({ length: int(r, 1, 3) }, () => int(r, 1, 6));
    const P = int(r, 1, 4);
    const from = randomDist(r, shape, P);
    const to = randomDist(r, shape, P);
    const got = simulate(from, to);
    for (let rank = 0; rank < P; rank++) {
      assert.deepEqual(got[rank], expectedBlock(to, rank), `${from} -> ${to} rank ${rank}`);
    }
  }
});

Deno.test("redistributionPlan() from a padded layout to itself is a halo exchange", () => {
  const d = Distribution.create([8], {
    dist: [{ type: "b", padding: [1, 1], periodic: true }],
    commSize: 2,
  });
  const plan = redistributionPlan(d, d, { rank: 0 });
  // rank 0 holds [7 | 0 1 2 3 | 4]: it gets 7 and 4 from rank 1, and 0..3 from itself
  assert.deepEqual([...plan.recvCounts], [4, 2]);
  assert.deepEqual([...plan.sendCounts], [4, 2]);
  const got = simulate(d, d);
  assert.deepEqual([...got[0]], [7, 0, 1, 2, 3, 4]);
  assert.deepEqual([...got[1]], [3, 4, 5, 6, 7, 0]);
});
