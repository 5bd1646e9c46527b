// Zarr reduction benchmark: sum over axis 0 of a float32 Zarr v2 array made by
// zarr-python (default 32768 x 16384 = 2 GiB, chunks 1024 x 1024), for each
// codec (raw, Blosc-LZ4, Blosc-zstd, zlib-1, gzip-1), Tessera against
// dask.array (threads scheduler, 2 threads, `da.from_zarr`), warm page cache.
// Rounds are interleaved (Tessera, dask, Tessera, dask, each a fresh
// process); each reports its best in-process time and its whole-process wall
// time and its CPU time (user + system, /usr/bin/time: on a shared machine the
// wall times mostly measure waiting for a core); results are compared (max
// relative difference, tolerance 1e-4) before a time is accepted; the load
// average is printed with every figure.
//
//   deno run -A bench/zarr_read_bench.ts [--dir /tmp/zarr-bench] [--rows 32768]
//     [--codecs raw,blosc-lz4,blosc-zstd,zlib1,gzip1] [--rounds 3] [--reps 3]
//     [--memory 512MiB] [--threads N] [--dask-threads 2]
//   deno run -A bench/zarr_read_bench.ts --split blosc-lz4   # where the time goes
//   deno run -A bench/zarr_read_bench.ts --rss blosc-lz4 --memory 64MiB  # RSS over 5 runs
//
// Data is generated on the first run by bench/_zarr_read_peer.py (about 9 GiB
// for the default size). `--child` is the Tessera side (one process).

import { parseArgs } from "node:util";
import { open } from "../stream/mod.ts";
import { setDefaultThreads } from "../core/threads.ts";
import { openZarr } from "../io/zarr.ts";
import { ChunkBuffers, decodeInto, readChunkFile } from "../io/_zarr_fast.ts";
import { fastKind } from "../io/_zarr_fast.ts";
import { readNode } from "../io/_zarr_meta.ts";
import { openStore } from "../io/_zarr_tree.ts";
import { REDUCTIONS } from "../core/reduce.ts";
import { fromTypedArray } from "../core/ndarray.ts";

const { values: o } = parseArgs({
  args: Deno.args,
  options: {
    dir: { type: "string", default: "/tmp/zarr-bench" },
    rows: { type: "string", default: "32768" },
    cols: { type: "string", default: "16384" },
    codecs: { type: "string", default: "raw,blosc-lz4,blosc-zstd,zlib1,gzip1" },
    rounds: { type: "string", default: "3" },
    reps: { type: "string", default: "3" },
    memory: { type: "string", default: "512MiB" },
    threads: { type: "string" },
    "dask-threads": { type: "string", default: "2" },
    child: { type: "string" },
    out: { type: "string" },
    split: { type: "string" },
    rss: { type: "string" },
  },
});

const PEER = new URL("./_zarr_read_peer.py", import.meta.url).pathname;
const HERE = new URL(import.meta.url).pathname;
const dec = new TextDecoder();
const store = (codec: string) => `${o.dir}/${codec}.zarr`;

function load(): string {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
}

function hwmMiB(): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) / 1024 : NaN;
}

function rssMiB(): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function sumOnce(codec: string): Promise<Float32Array<ArrayBuffer>> {
  const a = await open(store(codec));
  try {
    const r = await a.reduce("sum", { axis: 0 }).compute({ memory: o.memory });
    return new Float32Array(r.data as ArrayLike<number>);
  } finally {
    a.close();
  }
}

if (o.threads !== undefined) setDefaultThreads(Number(o.threads));

if (o.child !== undefined) {
  // one Tessera process: best of `reps` in-process times, the result to --out
  const times: number[] = [];
  let r = new Float32Array(0);
  for (let k = 0; k < Number(o.reps); k++) {
    const t0 = performance.now();
    r = await sumOnce(o.child);
    times.push((performance.now() - t0) / 1000);
  }
  Deno.writeFileSync(o.out!, new Uint8Array(r.buffer));
  console.log(JSON.stringify({ seconds: Math.min(...times), times, hwm: hwmMiB() }));
  Deno.exit(0);
}

if (o.rss !== undefined) {
  // repeated compute in one process: RSS after each run
  const rows: string[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    await sumOnce(o.rss);
    rows.push(`${rssMiB().toFixed(0)}`);
    console.log(
      `run ${k + 1}: ${((performance.now() - t0) / 1000).toFixed(2)} s, RSS ${
        rows.at(-1)
      } MiB, peak ${hwmMiB().toFixed(0)} MiB (load ${load()})`,
    );
  }
  Deno.exit(0);
}

if (o.split !== undefined) {
  // where the time goes, one thread: file read, decode, copy into a block, reduce
  const path = store(o.split);
  const z = await openZarr(path, { threads: 1 });
  const st = await openStore(path, true);
  const meta = (await readNode(st, path, "/"))!;
  if (meta.kind !== "array") throw new TypeError(`${path} is not an array`);
  const kind = fastKind(meta);
  if (kind === null) throw new TypeError(`${path}: not on the fast path`);
  const [cr, cc] = z.chunks;
  const n = cr * cc * 4;
  const bufs = new ChunkBuffers();
  const chunk = new Uint8Array(n);
  const block = new Float32Array(cr * z.shape[1]);
  const acc = new Float32Array(z.shape[1]);
  let tRead = 0, tDecode = 0, tCopy = 0, tReduce = 0;
  const t0 = performance.now();
  for (let i = 0; i < z.chunkGrid[0]; i++) {
    for (let j = 0; j < z.chunkGrid[1]; j++) {
      let t = performance.now();
      const src = readChunkFile(`${path}/${z.chunkKey([i, j])}`, bufs)!;
      tRead += performance.now() - t;
      t = performance.now();
      decodeInto(kind, src, n, chunk);
      tDecode += performance.now() - t;
      t = performance.now();
      const f = new Float32Array(chunk.buffer);
      for (let r = 0; r < cr; r++) {
        block.set(f.subarray(r * cc, (r + 1) * cc), r * z.shape[1] + j * cc);
      }
      tCopy += performance.now() - t;
    }
    const t = performance.now();
    const s = REDUCTIONS.sum(fromTypedArray(block, [cr, z.shape[1]]), { axis: 0 });
    acc.set((s.data as Float32Array).map((v, k) => v + acc[k]));
    tReduce += performance.now() - t;
  }
  const total = (performance.now() - t0) / 1000;
  const gb = z.shape[0] * z.shape[1] * 4 / 1e9;
  const f = (ms: number) => `${(ms / 1000).toFixed(3)} s (${(gb / (ms / 1000)).toFixed(2)} GB/s)`;
  console.log(`${o.split} split, one thread, ${gb.toFixed(2)} GB (load ${load()}):`);
  console.log(`  file read ${f(tRead)}\n  decode (decompress + unshuffle) ${f(tDecode)}`);
  console.log(
    `  copy into block ${f(tCopy)}\n  reduce ${f(tReduce)}\n  total ${total.toFixed(3)} s`,
  );
  Deno.exit(0);
}

// the comparison
const rows = Number(o.rows), cols = Number(o.cols);
const tmpTimes = await Deno.makeTempDir();
const codecs = o.codecs!.split(",");
if (codecs.some((c) => !existsSync(store(c)))) {
  console.error(`generating ${rows} x ${cols} float32 stores under ${o.dir} ...`);
  await run("/usr/bin/python3", [PEER, "gen", o.dir!, `${rows}`, `${cols}`, "1024", "1024"]);
}

function existsSync(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Runs a process under /usr/bin/time: its stdout, wall time and CPU time (user + system). */
async function run(
  cmd: string,
  args: string[],
): Promise<{ out: string; wall: number; cpu: number }> {
  const times = `${tmpTimes}/time.txt`;
  const t0 = performance.now();
  const r = await new Deno.Command("/usr/bin/time", {
    args: ["-o", times, "-f", "%U %S", cmd, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wall = (performance.now() - t0) / 1000;
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")} failed:\n${dec.decode(r.stderr)}`);
  const [u, s] = Deno.readTextFileSync(times).trim().split("\n").pop()!.split(" ").map(Number);
  return { out: dec.decode(r.stdout), wall, cpu: u + s };
}

function maxRel(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-30));
  }
  return a.length === b.length ? m : Infinity;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const tmp = await Deno.makeTempDir();
const threadArgs = o.threads === undefined ? [] : ["--threads", o.threads];
console.log(
  `sum over axis 0, ${rows} x ${cols} float32, chunks 1024 x 1024, memory ${o.memory}; ` +
    `dask ${o["dask-threads"]} threads; best of ${o.reps} in-process, ${o.rounds} rounds`,
);
console.log(
  "| codec | Tessera in-proc s | dask in-proc s | ratio | Tessera process s | dask process s | ratio " +
    "| Tessera CPU s | dask CPU s | ratio | max rel diff | load |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const codec of codecs) {
  const ti: number[] = [], di: number[] = [], tw: number[] = [], dw: number[] = [];
  const tc: number[] = [], dc: number[] = [];
  let diff = 0;
  const loads: string[] = [];
  for (let k = 0; k < Number(o.rounds); k++) {
    const t = await run(Deno.execPath(), [
      "run",
      "-A",
      HERE,
      "--child",
      codec,
      "--dir",
      o.dir!,
      "--reps",
      o.reps!,
      "--memory",
      o.memory!,
      "--out",
      `${tmp}/t.f32`,
      ...threadArgs,
    ]);
    const d = await run("/usr/bin/python3", [
      PEER,
      "dask",
      store(codec),
      o["dask-threads"]!,
      o.reps!,
      `${tmp}/d.f32`,
    ]);
    const a = new Float32Array(Deno.readFileSync(`${tmp}/t.f32`).buffer);
    const b = new Float32Array(Deno.readFileSync(`${tmp}/d.f32`).buffer);
    const rel = maxRel(a, b);
    if (!(rel <= 1e-4)) throw new Error(`${codec}: results differ (max relative ${rel})`);
    diff = Math.max(diff, rel);
    ti.push(JSON.parse(t.out).seconds);
    di.push(JSON.parse(d.out).seconds);
    tw.push(t.wall);
    dw.push(d.wall);
    tc.push(t.cpu);
    dc.push(d.cpu);
    loads.push(load().split(" ")[0]);
  }
  const ratio = (x: number[], y: number[]) => {
    const r = x.map((v, i) => v / y[i]);
    return `${median(r).toFixed(2)} (${Math.min(...r).toFixed(2)}-${Math.max(...r).toFixed(2)})`;
  };
  console.log(
    `| ${codec} | ${median(ti).toFixed(3)} | ${median(di).toFixed(3)} | ${ratio(ti, di)} | ${
      median(tw).toFixed(2)
    } | ${median(dw).toFixed(2)} | ${ratio(tw, dw)} | ${median(tc).toFixed(2)} | ${
      median(dc).toFixed(2)
    } | ${ratio(tc, dc)} | ${diff.toExponential(1)} | ${loads.join(", ")} |`,
  );
}
await Deno.remove(tmp, { recursive: true });
await Deno.remove(tmpTimes, { recursive: true });
