// Compute workers that read their own blocks of an uncompressed HDF5 dataset
// at its file offsets (H5Dataset.workerSpec, io/_hdf5_worker_source.ts):
// h5py's files (contiguous, whole-row chunks, tiles, chunks never written),
// the same values as libhdf5's own reads, mapped rows, the same bits on 1, 2
// and 3 threads, and files truncated or replaced after they were opened.

import assert from "node:assert/strict";
import { zeros } from "../../core/ndarray.ts";
import { FormatError } from "../../core/errors.ts";
import { setDefaultThreads } from "../../core/threads.ts";
import { wasmArena } from "../../core/wasm.ts";
import { SelfComm } from "../../dist/comm.ts";
import { H5File } from "../../io/hdf5.ts";
import type { Region } from "../../io/region.ts";
import { openWorkerSource } from "../../io/_hdf5_worker_source.ts";
import { open } from "../../stream/mod.ts";
import { bits, hasPython, runPython, tempDir } from "../_util.ts";
import { sameBitsWhenWorkersStop } from "./_stop_workers.ts";

const comm = new SelfComm();

const FIXTURE = `import h5py, numpy as np, sys
rng = np.random.default_rng(11)
with h5py.File(sys.argv[1] + "/a.h5", "w") as f:
    f.create_dataset("contig", data=rng.standard_normal((300, 50)).astype("f4"))
    f.create_dataset("rows", data=rng.standard_normal((300, 40)), chunks=(64, 40))
    f.create_dataset("tiles", data=rng.integers(-9, 9, (100, 90)).astype("i4"), chunks=(32, 16))
    s = f.create_dataset("sparse", shape=(128, 20), dtype="f4", chunks=(32, 20), fillvalue=7.5)
    s[32:64] = rng.standard_normal((32, 20)).astype("f4")
    f.create_dataset("gz", data=np.ones((64, 8), "f4"), chunks=(16, 8), compression="gzip")
    f.create_dataset("be", data=np.ones((64, 8), ">f4"))
`;

const r = (start: number[], count: number[], step = start.map(() => 1)): Region => ({
  start,
  step,
  count,
});

Deno.test("HDF5 worker source: h5py's datasets read at their file offsets as libhdf5 reads them", async () => {
  if (!hasPython("h5py")) return;
  await using dir = await tempDir();
  await runPython(FIXTURE, dir.path);
  using f = H5File.open(`${dir.path}/a.h5`);
  for (const name of ["gz", "be"]) {
    using ds = f.dataset(`/${name}`);
    assert.equal(ds.workerSpec(), null, `${name}: no spec (compressed / big-endian)`);
  }
  const cases: [string, Region[]][] = [
    ["contig", [r([0, 0], [300, 50]), r([17, 3], [40, 20]), r([1, 2], [50, 16], [3, 3])]],
    ["rows", [r([0, 0], [300, 40]), r([60, 0], [10, 40]), r([5, 1], [100, 13], [2, 3])]],
    ["tiles", [r([0, 0], [100, 90]), r([30, 15], [40, 40]), r([3, 0], [30, 30], [3, 3])]],
    ["sparse", [r([0, 0], [128, 20]), r([20, 5], [60, 10]), r([0, 0], [43, 7], [3, 3])]],
  ];
  for (const [name, regions] of cases) {
    using ds = f.dataset(`/${name}`);
    const spec = ds.workerSpec();
    assert.ok(spec !== null, name);
    const reader = await openWorkerSource(spec.args as never);
    try {
      for (const region of regions) {
        const want = await ds.read(region);
        const out = zeros(region.count, ds.dtype);
        await reader.readInto(region, out);
        assert.deepEqual(bits(out), bits(want), `${name} ${JSON.stringify(region)}`);
      }
    } finally {
      reader.close();
    }
  }
  // the chunks never written read as the fill value, as h5py reads them
  using sparse = f.dataset("/sparse");
  const all = await sparse.read();
  assert.equal(all.get(0, 0), 7.5);
  assert.equal(all.get(127, 19), 7.5);
  assert.notEqual(all.get(40, 3), 7.5);
});

Deno.test("HDF5 worker source: whole rows are mapped, across chunks stored one after another", async () => {
  if (!hasPython("h5py")) return;
  await using dir = await tempDir();
  await runPython(FIXTURE, dir.path);
  using f = H5File.open(`${dir.path}/a.h5`);
  const arena = wasmArena();
  let mapped = 0;
  for (
    const [name, region] of [["contig", r([7, 0], [200, 50])], ["rows", r([60, 0], [130, 40])]]
  ) {
    using ds = f.dataset(`/${name as string}`);
    const reader = await openWorkerSource(ds.workerSpec()!.args as never);
    const span = arena.alloc(300 * 50 * 8 + 3 * 4096);
    try {
      const rg = region as Region;
      const m = reader.mapBlock!(rg, (n, shift) => {
        const at = (4096 - (span.u8.byteOffset % 4096)) % 4096 + 4096 + shift;
        return { memory: arena.memory, view: span.u8.subarray(at, at + n) };
      });
      if (m === null) continue; // no mapping here (not Linux, no FFI): reads are the path
      mapped++;
      try {
        assert.deepEqual(bits(m.array), bits(await ds.read(rg)), name as string);
      } finally {
        m.unmap();
      }
    } finally {
      span.free();
      reader.close();
    }
  }
  if (Deno.build.os === "linux") assert.equal(mapped, 2, "both blocks mapped on Linux");
});

Deno.test("an uncompressed HDF5 dataset reduced on self-reading workers: same bits on 1, 2, 3 threads, NumPy's values", async () => {
  if (!hasPython("h5py")) return;
  await using dir = await tempDir();
  await runPython(FIXTURE, dir.path);
  await runPython(
    `import h5py, numpy as np, sys
with h5py.File(sys.argv[1] + "/a.h5") as f:
    np.save(sys.argv[1] + "/want.npy", np.asarray(f["rows"], "f8").sum(axis=0))`,
    dir.path,
  );
  const blocks: Record<string, number[]> = {
    contig: [60, 50],
    rows: [64, 40],
    tiles: [32, 32],
    sparse: [32, 20],
  };
  for (const [name, chunks] of Object.entries(blocks)) {
    const src = await open(`${dir.path}/a.h5:/${name}`, { chunks });
    for (const op of ["sum", "std", "max"] as const) {
      for (const axis of [0, 1, undefined]) {
        const make = () => src.reduce(op, axis === undefined ? {} : { axis });
        const one = await make().compute({ comm, threads: 1, memory: "64MiB" });
        for (const threads of [2, 3]) {
          setDefaultThreads(threads);
          try {
            const p = make().plan({ memory: "64MiB" });
            assert.ok(p.passes.every((x) => x.threads > 1), `${name} ${op}: one thread`);
            const got = await make().compute({ comm, memory: "64MiB" });
            assert.deepEqual(
              bits(got),
              bits(one),
              `${name} ${op} axis ${axis}, ${threads} threads`,
            );
          } finally {
            setDefaultThreads(undefined);
          }
        }
      }
    }
  }
  const got = await (await open(`${dir.path}/a.h5:/rows`)).sum({ axis: 0 }).compute({ comm });
  const want = await (await open(`${dir.path}/want.npy`)).compute();
  for (let j = 0; j < 40; j++) {
    const g = got.get(j) as number, w = want.get(j) as number;
    assert.ok(Math.abs(g - w) <= 1e-12 * Math.max(1, Math.abs(w)), `${j}: ${g} vs ${w}`);
  }
});

Deno.test("an HDF5 file truncated or replaced after it was opened: the typed error names the file", async () => {
  if (!hasPython("h5py")) return;
  await using dir = await tempDir();
  const path = `${dir.path}/a.h5`;
  await runPython(FIXTURE, dir.path);
  using f = H5File.open(path);
  using ds = f.dataset("/rows");
  const spec = ds.workerSpec()!;
  const reader = await openWorkerSource(spec.args as never);
  const size = (await Deno.stat(path)).size;
  const t = await Deno.open(path, { write: true });
  await t.truncate(Math.floor(size / 2));
  t.close();
  await assert.rejects(
    async () => await reader.readInto(r([0, 0], [300, 40]), zeros([300, 40], "float64")),
    (e: unknown) =>
      e instanceof FormatError && e.message.includes(path) && /past the end/.test(e.message),
  );
  reader.close();
  await Deno.copyFile(`${dir.path}/a.h5`, `${dir.path}/b.h5`);
  await Deno.rename(`${dir.path}/b.h5`, path);
  await assert.rejects(
    () => openWorkerSource(spec.args as never),
    (e: unknown) =>
      e instanceof FormatError && e.message.includes(path) && /replaced/.test(e.message),
  );
});

Deno.test("self-reading HDF5 workers stopped mid-run: the blocks are computed here, same bits", async () => {
  if (!hasPython("h5py")) return;
  await using dir = await tempDir();
  await runPython(FIXTURE, dir.path);
  await sameBitsWhenWorkersStop(await open(`${dir.path}/a.h5:/rows`, { chunks: [64, 40] }), 2);
});
