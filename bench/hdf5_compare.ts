// HDF5 read and write throughput, side by side in one run: Tessera (serial
// libhdf5, and parallel libhdf5 with 2 ranks under mpiexec.mpich) against h5py
// (serial, and Debian's MPI build, which is linked to Open MPI, with 2 ranks
// under mpirun.openmpi). A float32 dataset of --mib MiB (default 1 GiB),
// contiguous and chunked, distributed by blocks of rows.
//
//   deno run -A bench/hdf5_compare.ts [--mib 1024] [--runs 3] [--dir /tmp]
//
// Each tool runs in its own process (one launch per tool and layout) and
// times, between barriers, the whole write (create, write, close; Tessera
// also renames its temporary file) and the whole read of every rank's block
// into a new array, excluding start-up. Writes of new files are bimodal on
// this VM: the table shows the minimum of --runs for writes and for reads
// (warm page cache). The ratio is Tessera's time over h5py's.

import { parseArgs } from "node:util";
import { init, type MpiComm } from "../dist/comm.ts";
import { Distribution } from "../dist/distribution.ts";
import { empty } from "../core/ndarray.ts";
import { readDistributed, writeDistributed } from "../io/hdf5_parallel.ts";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    mib: { type: "string", default: "1024" },
    runs: { type: "string", default: "3" },
    dir: { type: "string", default: "/tmp" },
    worker: { type: "string" },
    layout: { type: "string", default: "contiguous" },
    file: { type: "string" },
  },
});
const COLS = 16384;
const rows = Math.max(2, Math.round((Number(opts.mib) * 2 ** 20) / (4 * COLS)));
const shape = [rows, COLS];
const bytes = rows * COLS * 4;
const runs = Math.max(1, Number(opts.runs));
const chunkRows = 128; // 8 MiB chunks of whole rows
const PY = Deno.env.get("TESSERA_PYTHON") ?? "/usr/bin/python3";

// ---------------------------------------------------------------- worker (Tessera)

function removeIfThere(file: string): void {
  try {
    Deno.removeSync(file);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

async function tesseraWorker(file: string, layout: string): Promise<void> {
  const world = await init();
  const d = Distribution.create(shape, { dist: "bn", commSize: world.size });
  const block = empty(d.localShape(world.rank), "float32");
  (block.data as Float32Array).fill(world.rank + 0.5);
  const options = layout === "chunked" ? { chunks: [chunkRows, COLS] } : {};
  const write: number[] = [];
  const read: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (world.rank === 0) removeIfThere(file);
    world.barrier();
    const t0 = performance.now();
    await writeDistributed(world, `${file}:/data`, d, block, options);
    world.barrier();
    write.push((performance.now() - t0) / 1000);
  }
  for (let i = 0; i < runs; i++) {
    world.barrier();
    const t0 = performance.now();
    const got = await readDistributed(world, `${file}:/data`, d);
    world.barrier();
    read.push((performance.now() - t0) / 1000);
    if ((got.data as Float32Array)[0] !== world.rank + 0.5) throw new Error("bad read");
  }
  if (world.rank === 0) {
    const lib = "library" in world ? (world as MpiComm).library.abi : "serial";
    console.log(JSON.stringify({ write, read, ranks: world.size, mpi: lib }));
    Deno.removeSync(file);
  }
  await world[Symbol.asyncDispose]();
}

// ---------------------------------------------------------------- h5py

const H5PY = `
import sys, json, time, os
import numpy as np
mpi = sys.argv[1] == "mpi"
path, layout, rows, cols, runs, chunk_rows = sys.argv[2], sys.argv[3], *map(int, sys.argv[4:8])
import h5py
if mpi:
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    rank, size = comm.Get_rank(), comm.Get_size()
    barrier = comm.Barrier
    assert h5py.get_config().mpi
else:
    rank, size = 0, 1
    barrier = lambda: None
lo = rank * (rows // size) + min(rank, rows % size)
hi = lo + rows // size + (1 if rank < rows % size else 0)
block = np.full((hi - lo, cols), rank + 0.5, dtype=np.float32)
kw = {"chunks": (chunk_rows, cols)} if layout == "chunked" else {}
fopts = {"driver": "mpio", "comm": comm} if mpi else {}
write, read = [], []
for _ in range(runs):
    if rank == 0 and os.path.exists(path):
        os.remove(path)
    barrier()
    t0 = time.perf_counter()
    with h5py.File(path, "w", **fopts) as f:
        d = f.create_dataset("data", (rows, cols), dtype="f4", **kw)
        if mpi:
            with d.collective:
                d[lo:hi] = block
        else:
            d[...] = block
    barrier()
    write.append(time.perf_counter() - t0)
for _ in range(runs):
    barrier()
    t0 = time.perf_counter()
    with h5py.File(path, "r", **fopts) as f:
        d = f["data"]
        if mpi:
            with d.collective:
                got = d[lo:hi]
        else:
            got = d[...]
    barrier()
    read.append(time.perf_counter() - t0)
    assert got[0, 0] == rank + 0.5
if rank == 0:
    print(json.dumps({"write": write, "read": read, "ranks": size}))
    os.remove(path)
`;

// ---------------------------------------------------------------- driver

interface Result {
  write: number[];
  read: number[];
}

async function launch(label: string, cmd: string[], env: Record<string, string> = {}) {
  const full = ["timeout", "180", ...cmd];
  const r = await new Deno.Command(full[0], {
    args: full.slice(1),
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout);
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (!r.success || line === undefined) {
    console.error(`${label} failed (${r.code}):\n${new TextDecoder().decode(r.stderr)}\n${out}`);
    return null;
  }
  return JSON.parse(line) as Result;
}

async function main(): Promise<void> {
  const self = new URL(import.meta.url).pathname;
  const base = `${opts.dir}/tessera-h5bench-${Deno.pid}`;
  const mib = (bytes / 2 ** 20).toFixed(0);
  console.log(
    `HDF5 float32 [${shape}] (${mib} MiB), ${runs} runs each, min; row blocks; chunks [${chunkRows},${COLS}]`,
  );
  const deno = Deno.execPath();
  const rows: string[][] = [];
  for (const layout of ["contiguous", "chunked"]) {
    const tool = (file: string): string[] => [
      deno,
      "run",
      "-A",
      self,
      "--worker",
      "tessera",
      "--layout",
      layout,
      "--file",
      file,
      "--mib",
      String(opts.mib),
      "--runs",
      String(runs),
    ];
    const py = (mode: string, file: string): string[] => [
      PY,
      "-c",
      H5PY,
      mode,
      file,
      layout,
      String(shape[0]),
      String(COLS),
      String(runs),
      String(chunkRows),
    ];
    const results: [string, Result | null, Result | null][] = [
      [
        "serial",
        await launch("tessera serial", tool(`${base}-t1.h5`)),
        await launch("h5py serial", py("serial", `${base}-p1.h5`)),
      ],
      [
        "2 ranks",
        await launch("tessera mpich -n 2", ["mpiexec.mpich", "-n", "2", ...tool(`${base}-t2.h5`)]),
        await launch("h5py-mpi openmpi -n 2", [
          "mpirun.openmpi",
          "--allow-run-as-root",
          "--oversubscribe",
          "-n",
          "2",
          ...py("mpi", `${base}-p2.h5`),
        ]),
      ],
    ];
    for (const [procs, t, p] of results) {
      for (const op of ["write", "read"] as const) {
        const tt = t ? Math.min(...t[op]) : NaN;
        const pt = p ? Math.min(...p[op]) : NaN;
        rows.push([
          layout,
          op,
          procs,
          tt.toFixed(3),
          (bytes / tt / 1e9).toFixed(2),
          pt.toFixed(3),
          (bytes / pt / 1e9).toFixed(2),
          (tt / pt).toFixed(2),
          `${t ? t[op].map((x) => x.toFixed(2)).join("/") : "-"} | ${
            p ? p[op].map((x) => x.toFixed(2)).join("/") : "-"
          }`,
        ]);
      }
    }
  }
  const head = [
    "layout",
    "op",
    "procs",
    "tessera s",
    "GB/s",
    "h5py s",
    "GB/s",
    "ratio",
    "all runs (tessera | h5py)",
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(fmt(head));
  for (const r of rows) console.log(fmt(r));
  console.log(
    "serial: Tessera with libhdf5_serial, h5py serial; 2 ranks: Tessera under mpiexec.mpich " +
      "(libhdf5_mpich), h5py-mpi under mpirun.openmpi (libhdf5_openmpi); ratio = Tessera / h5py",
  );
}

if (opts.worker === "tessera") {
  await tesseraWorker(opts.file as string, opts.layout as string);
} else {
  await main();
}
