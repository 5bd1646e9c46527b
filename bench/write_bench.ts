// Compressed writes, whole processes, warm page cache (issue 13):
//
//   deno run -A bench/write_bench.ts [--dir /tmp/tessera-write-bench] [--rows 32768]
//     [--reps 3] [--threads 1,2] [--baseline /path/to/other/checkout] [--only npy-zarr,...]
//
// Cases (float32 uniform [0, 1), rows x 16384; 32768 rows: 2 GiB):
//  npy-zarr   `tessera convert big.npy out.zarr --codec blosc:lz4:5` (GB/s of input)
//  h5-zarr    HDF5 gzip:1+shuffle (chunks 256 x 1024) to Zarr Blosc-zstd:5 (the same
//             chunks) against dask (`da.from_array(h5py dataset, chunks=...)`
//             `.to_zarr(...)` with numcodecs' Blosc zstd, 2 threads)
//  npy-h5     .npy (the first quarter of the rows) to HDF5 shuffle+gzip:1, chunks
//             256 x 1024 (direct chunk writes on the encode workers) against h5py
//             writing the same (libhdf5's filters, one thread)
//
// Each figure is the median of --reps fresh processes (min-max beside it),
// with the 1-minute load average before each case: the machine is shared.
// --threads runs Tessera under each TESSERA_THREADS; --baseline runs another
// checkout's CLI (e.g. main) on the same cases for a before/after. Outputs
// are checked: a Tessera output is read back by zarr-python / h5py and
// compared with the input (exactly) once per case.

import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    dir: { type: "string", default: "/tmp/tessera-write-bench" },
    rows: { type: "string", default: "32768" },
    reps: { type: "string", default: "3" },
    threads: { type: "string", default: "1,2" },
    baseline: { type: "string" },
    only: { type: "string" },
  },
});
const PY = Deno.env.get("TESSERA_PYTHON") ?? "/usr/bin/python3";
const HERE = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const DIR = opts.dir!;
const ROWS = Number(opts.rows);
const COLS = 16384;
const REPS = Number(opts.reps);
const THREADS = opts.threads!.split(",").map(Number);
const ONLY = opts.only?.split(",") ?? ["npy-zarr", "h5-zarr", "npy-h5"];
if (!Number.isInteger(ROWS) || ROWS < 256 || ROWS % 256 !== 0) {
  console.error(`Invalid --rows ${opts.rows}: a multiple of 256`);
  Deno.exit(2);
}

function load(): string {
  return Deno.readTextFileSync("/proc/loadavg").split(" ")[0];
}

async function run(cmd: string[], env: Record<string, string> = {}): Promise<number> {
  const t = performance.now();
  const r = await new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const s = (performance.now() - t) / 1e3;
  if (!r.success) {
    throw new Error(`${cmd.join(" ")} failed: ${new TextDecoder().decode(r.stderr)}`);
  }
  return s;
}

async function py(script: string, ...args: string[]): Promise<string> {
  const r = await new Deno.Command(PY, {
    args: ["-c", script, ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  return new TextDecoder().decode(r.stdout).trim();
}

const GEN = String.raw`
import sys, os, numpy as np, h5py
from numpy.lib.format import open_memmap
d, rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
npy = os.path.join(d, "big.npy")
if not os.path.exists(npy):
    out = open_memmap(npy + ".tmp", mode="w+", dtype=np.float32, shape=(rows, cols))
    for i in range(0, rows, 2048):
        j = min(rows, i + 2048)
        out[i:j] = np.random.default_rng([1, i // 2048]).random((j - i, cols), dtype=np.float32)
    out.flush(); del out
    os.rename(npy + ".tmp", npy)
h5 = os.path.join(d, "big_gz.h5")
if not os.path.exists(h5):
    a = np.load(npy, mmap_mode="r")
    with h5py.File(h5 + ".tmp", "w") as f:
        x = f.create_dataset("x", shape=a.shape, dtype=a.dtype, chunks=(256, 1024),
                             compression="gzip", compression_opts=1, shuffle=True)
        for i in range(0, rows, 2048):
            x[i:i + 2048] = a[i:i + 2048]
    os.rename(h5 + ".tmp", h5)
`;

const DASK = String.raw`
import sys, time, h5py, zarr, dask, dask.array as da
from numcodecs import Blosc
src, dst = sys.argv[1], sys.argv[2]
dask.config.set(scheduler="threads", num_workers=2)
with h5py.File(src, "r") as f:
    x = da.from_array(f["x"], chunks=(256, 1024))
    x.to_zarr(dst, compressor=Blosc(cname="zstd", clevel=5, shuffle=Blosc.SHUFFLE), overwrite=True)
`;

const H5PY_WRITE = String.raw`
import sys, numpy as np, h5py
src, dst, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
a = np.load(src, mmap_mode="r")
with h5py.File(dst, "w") as f:
    x = f.create_dataset("x", shape=(rows, a.shape[1]), dtype=a.dtype, chunks=(256, 1024),
                         compression="gzip", compression_opts=1, shuffle=True)
    for i in range(0, rows, 2048):
        x[i:i + 2048] = a[i:i + 2048]
`;

const CHECK = String.raw`
import sys, numpy as np, zarr, h5py
kind, out, ref, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
a = np.load(ref, mmap_mode="r")[:rows]
b = zarr.open(out, "r")[...] if kind == "zarr" else h5py.File(out.split(":")[0], "r")["x"][...]
print("ok" if np.array_equal(a, b) else "MISMATCH")
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(label: string, bytes: number, make: () => Promise<number>): Promise<number> {
  const l = load();
  const ts: number[] = [];
  for (let i = 0; i < REPS; i++) ts.push(await make());
  const m = median(ts);
  console.log(
    `${label.padEnd(44)} ${m.toFixed(2).padStart(7)} s  [${Math.min(...ts).toFixed(2)}-${
      Math.max(...ts).toFixed(2)
    }]  ${(bytes / 1e9 / m).toFixed(2).padStart(5)} GB/s  load ${l}`,
  );
  return m;
}

async function main(): Promise<void> {
  await Deno.mkdir(DIR, { recursive: true });
  console.log(`# write_bench: ${ROWS} x ${COLS} float32 in ${DIR}, ${REPS} reps, load ${load()}`);
  await py(GEN, DIR, String(ROWS), String(COLS));
  const npy = `${DIR}/big.npy`;
  const total = ROWS * COLS * 4;
  const clis: [string, string][] = [["tessera", `${HERE}/cli/main.ts`]];
  if (opts.baseline) clis.push(["baseline", `${opts.baseline.replace(/\/$/, "")}/cli/main.ts`]);
  const tessera = (cli: string, threads: number, ...args: string[]) => () =>
    run(["deno", "run", "-A", cli, ...args, "-q", "--overwrite"], {
      TESSERA_THREADS: String(threads),
    });

  if (ONLY.includes("npy-zarr")) {
    const out = `${DIR}/out_lz4.zarr`;
    for (const [name, cli] of clis) {
      for (const t of THREADS) {
        await timed(
          `npy->zarr blosc:lz4:5 ${name} threads=${t}`,
          total,
          tessera(cli, t, "convert", npy, out, "--codec", "blosc:lz4:5"),
        );
      }
    }
    console.log(`  check: ${await py(CHECK, "zarr", out, npy, String(ROWS))}`);
  }
  if (ONLY.includes("h5-zarr")) {
    const src = `${DIR}/big_gz.h5`;
    const out = `${DIR}/out_zstd.zarr`;
    const d = await timed(
      "h5 gzip -> zarr blosc:zstd:5 dask 2 threads",
      total,
      () => run([PY, "-c", DASK, src, `${DIR}/dask_zstd.zarr`]),
    );
    for (const [name, cli] of clis) {
      for (const t of THREADS) {
        const s = await timed(
          `h5 gzip -> zarr blosc:zstd:5 ${name} threads=${t}`,
          total,
          tessera(
            cli,
            t,
            "convert",
            `${src}:/x`,
            out,
            "--codec",
            "blosc:zstd:5",
            "--chunks",
            "256,1024",
          ),
        );
        console.log(`  ratio to dask: ${(s / d).toFixed(2)}x`);
      }
    }
    console.log(`  check: ${await py(CHECK, "zarr", out, npy, String(ROWS))}`);
  }
  if (ONLY.includes("npy-h5")) {
    const rows = ROWS / 4;
    const out = `${DIR}/out_gz.h5`;
    const bytes = rows * COLS * 4;
    const h = await timed(
      "npy -> h5 shuffle+gzip:1 h5py",
      bytes,
      () => run([PY, "-c", H5PY_WRITE, npy, `${DIR}/h5py_gz.h5`, String(rows)]),
    );
    for (const [name, cli] of clis) {
      for (const t of THREADS) {
        const s = await timed(
          `npy -> h5 shuffle+gzip:1 ${name} threads=${t}`,
          bytes,
          tessera(
            cli,
            t,
            "convert",
            npy,
            `${out}:/x`,
            "--slice",
            `0:${rows}`,
            "--codec",
            "shuffle+gzip:1",
            "--chunks",
            "256,1024",
          ),
        );
        console.log(`  ratio to h5py: ${(s / h).toFixed(2)}x`);
      }
    }
    console.log(`  check: ${await py(CHECK, "h5", out, npy, String(rows))}`);
  }
}

await main();
