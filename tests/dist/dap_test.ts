import assert from "node:assert/strict";
import { Distribution } from "../../dist/distribution.ts";
import { type DimData, dimData, exportDap, importDap } from "../../dist/dap.ts";

function all(d: Distribution): DimData[][] {
  return [...Array(d.commSize).keys()].map((r) => dimData(d, r));
}

Deno.test("exportDap() gives the protocol's dictionaries for block and cyclic axes", () => {
  const d = Distribution.create([5, 7], {
    dist: ["b", { type: "c", blockSize: 2 }],
    grid: [2, 2],
    commSize: 4,
  });
  const e = exportDap(d, { rank: 3, buffer: "local" });
  assert.deepEqual(e, {
    __version__: "0.10.0",
    buffer: "local",
    dim_data: [
      { dist_type: "b", size: 5, proc_grid_size: 2, proc_grid_rank: 1, start: 3, stop: 5 },
      { dist_type: "c", size: 7, proc_grid_size: 2, proc_grid_rank: 1, start: 2, block_size: 2 },
    ],
  });
});

Deno.test("dimData() reports the DAP padded example: start and stop include the halo", () => {
  const d = Distribution.create([18], { dist: [{ type: "b", padding: [1, 1] }], commSize: 2 });
  assert.deepEqual(dimData(d, 0), [{
    dist_type: "b",
    size: 18,
    proc_grid_size: 2,
    proc_grid_rank: 0,
    start: 0,
    stop: 10,
    padding: [1, 1],
  }]);
  assert.equal(dimData(d, 1)[0].start, 8);
  assert.equal(dimData(d, 1)[0].stop, 18);
});

Deno.test("importDap() round-trips b, c, u, padded and periodic distributions", () => {
  const cases = [
    Distribution.create([6, 5], { dist: "bc", commSize: 4 }),
    Distribution.create([7], { dist: [{ type: "c", blockSize: 3 }], commSize: 3 }),
    Distribution.create([9, 2], {
      dist: [{ type: "b", bounds: [0, 2, 2, 9] }, "n"],
      commSize: 3,
    }),
    Distribution.create([5], {
      dist: [{ type: "u", indices: [[4, 0], [2], [1, 3]] }],
      commSize: 3,
    }),
    Distribution.create([12], { dist: [{ type: "b", padding: [2, 1] }], commSize: 3 }),
    Distribution.create([8, 3], {
      dist: [{ type: "b", padding: [1, 1], periodic: true }, { type: "u", indices: [[2, 0, 1]] }],
      commSize: 2,
    }),
  ];
  for (const d of cases) {
    const back = importDap(all(d));
    assert.equal(back.equals(d), true, `${d}`);
    assert.deepEqual(all(back), all(d));
  }
});

Deno.test("importDap() accepts the old 'n' type as a block over one process", () => {
  const dd: DimData[][] = [0, 1].map((p) => [
    {
      dist_type: "b",
      size: 4,
      proc_grid_size: 2,
      proc_grid_rank: p,
      start: 2 * p,
      stop: 2 * p + 2,
    },
    { dist_type: "n", size: 3, proc_grid_size: 1, proc_grid_rank: 0 },
  ]);
  const d = importDap(dd);
  assert.deepEqual(d.grid, [2, 1]);
  assert.deepEqual(d.localShape(1), [2, 3]);
  assert.equal(d.axis(1).type, "n");
  assert.equal(dimData(d, 1)[1].dist_type, "b");
});

Deno.test("importDap() rejects entries out of C order and gaps between blocks", () => {
  const dd: DimData[][] = [0, 1].map((p) => [
    {
      dist_type: "b",
      size: 4,
      proc_grid_size: 2,
      proc_grid_rank: 1 - p,
      start: 2 * p,
      stop: 2 * p + 2,
    },
  ]);
  assert.throws(() => importDap(dd), { name: "RangeError", message: /proc_grid_rank 1 on axis 0/ });
  const gap: DimData[][] = [[0, 1], [3, 4]].map(([start, stop], p) => [
    { dist_type: "b", size: 4, proc_grid_size: 2, proc_grid_rank: p, start, stop },
  ]);
  assert.throws(() => importDap(gap), {
    message: "Invalid DAP block on axis 0: grid position 1 starts at 3, expected 1",
  });
  assert.throws(
    () => importDap([[{ dist_type: "x" as never, size: 1, proc_grid_size: 1, proc_grid_rank: 0 }]]),
    {
      name: "TypeError",
    },
  );
});
