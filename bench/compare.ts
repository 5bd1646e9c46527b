// Side by side: Tessera's out-of-core engine against NumPy, h5py, dask.array
// and numexpr on the same files, in one run (the machine is shared and noisy:
// compare the ratios of one run, not absolute times across runs).
//
//   deno run -A bench/compare.ts [--quick] [--only throughput|scaling|ooc] [--markdown]
//     [--dir /tmp/tessera-bench] [--keep] [--reps 3] [--no-zlib]
//
// Data: float32 uniform [0, 1), deterministic (seeded per 64 MiB slab), written
// once by NumPy (.npy via open_memmap) and copied by zarr-python (Zarr v2,
// 1024 x 1024 chunks: raw, blosc-lz4, zlib-1) and h5py (HDF5, chunks 256 x
// cols), cached under --dir; removed at the end unless --keep.
//
// Workloads:
//  1. throughput (one process, warm page cache; 2 GiB, 32768 x 16384; --quick
//     256 MiB): sum and mean over axis 0, std over all, from .npy (vs NumPy
//     memmap), HDF5 and Zarr (vs dask.array with the same chunks, 2 threads;
//     h5py 64 MiB slabs for context); sqrt(a*a + 1) * 0.5 from .npy to a new
//     .npy (vs numexpr with 2 threads and a NumPy slab loop).
//  2. scaling: std(exp(sin(x))) of a 256 MiB .npy (compute-bound), Tessera
//     under mpiexec.mpich -n 1 and -n 2.
//  3. out-of-core (8 GiB, 131072 x 16384; --quick 1 GiB): mean over axis 0 and
//     std over all from .npy, Zarr (blosc-lz4) and HDF5 with --memory 512MiB,
//     under mpiexec.mpich -n 1, 2, 3: peak RSS per rank, error against a
//     float64 NumPy reference, and the result's bytes across rank counts.
//
// Every measurement is a process of its own (bench/_compare_run.ts for
// Tessera, bench/_compare_peers.py for the peers) that repeats the work
// `--reps` times (open + run, start-up excluded) and reports the minimum, and
// its peak RSS as VmHWM from /proc/self/status (under MPI: the largest rank).
// GB/s is input bytes (1e9) per second. The table goes to stdout and to
// bench/results/latest.md.

import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    markdown: { type: "boolean", default: false },
    dir: { type: "string", default: "/tmp/tessera-bench" },
    keep: { type: "boolean", default: false },
    reps: { type: "string" },
    "no-zlib": { type: "boolean", default: false },
  },
});

const PY = Deno.env.get("TESSERA_PYTHON") ?? "/usr/bin/python3";
const MPIEXEC = Deno.env.get("TESSERA_MPIEXEC") ?? "mpiexec.mpich";
const HERE = new URL(".", import.meta.url).pathname;
const RUNNER = `${HERE}_compare_run.ts`;
const PEERS = `${HERE}_compare_peers.py`;
const DIR = opts.dir!;
const QUICK = opts.quick!;
const ONLY = opts.only;
if (ONLY !== undefined && !["throughput", "scaling", "ooc"].includes(ONLY)) {
  console.error(`Invalid --only "${ONLY}": expected throughput, scaling or ooc`);
  Deno.exit(2);
}
const REPS = Number(opts.reps ?? 5);
const COLS = 16384;
const TP_ROWS = QUICK ? 4096 : 32768; // 256 MiB / 2 GiB
const OOC_ROWS = QUICK ? 16384 : 131072; // 1 GiB / 8 GiB
const SCALE_ROWS = QUICK ? 1024 : 4096; // 64 MiB / 256 MiB
const OOC_MEMORY = "512MiB";
const OOC_SLACK_MIB = 150;
const SEED = 20261121;
const ZARR_CHUNKS = [1024, 1024];
const H5_CHUNK_ROWS = 256;
const TIMEOUT_S = 1200;

// ---------------------------------------------------------------------------
// processes

interface Measured {
  seconds: number | null;
  rss: number | null;
  json: Record<string, unknown>[];
  error?: string;
}

const dec = new TextDecoder();

async function run(cmd: string, args: string[], cwd = DIR): Promise<Measured> {
  const out = await new Deno.Command("timeout", {
    args: [String(TIMEOUT_S), cmd, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = dec.decode(out.stdout);
  const json = text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  if (!out.success || json.length === 0) {
    const err = dec.decode(out.stderr).trim().split("\n").slice(-6).join(" | ");
    return { seconds: null, rss: null, json, error: `exit ${out.code}: ${err.slice(0, 600)}` };
  }
  const times = json.map((j) => Math.min(...(j.times as number[] ?? [NaN])));
  return {
    seconds: Math.max(...times),
    rss: Math.max(...json.map((j) => j.hwm as number)),
    json,
  };
}

function tessera(args: string[], ranks = 0): Promise<Measured> {
  const deno = [Deno.execPath(), "run", "-A", RUNNER, ...args];
  if (ranks === 0) return run(deno[0], deno.slice(1));
  return run(MPIEXEC, ["-n", String(ranks), ...deno]);
}

function peer(args: string[]): Promise<Measured> {
  return run(PY, [PEERS, ...args]);
}

async function py(args: string[]): Promise<Record<string, unknown>> {
  const m = await peer(args);
  if (m.error) throw new Error(`${PY} ${PEERS} ${args.join(" ")} failed: ${m.error}`);
  return m.json[0];
}

function loadavg(): string {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
}

const loads: string[] = [];
function noteLoad(where: string): void {
  const l = `${where}: ${loadavg()}`;
  loads.push(l);
  console.error(`[load] ${l}`);
}

// ---------------------------------------------------------------------------
// data

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

async function freeBytes(): Promise<number> {
  const o = await new Deno.Command("df", { args: ["-B1", "--output=avail", DIR], stdout: "piped" })
    .output();
  return Number(dec.decode(o.stdout).trim().split("\n").pop());
}

interface DataSet {
  rows: number;
  npy: string;
  h5: string;
  zarr: Record<string, string>;
  bytes: number;
}

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  console.error(`[gen] ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return r;
}

async function dataset(rows: number, zarrCodecs: string[], h5 = true): Promise<DataSet> {
  const base = `x_${rows}x${COLS}`;
  const bytes = rows * COLS * 4;
  const d: DataSet = {
    rows,
    npy: `${DIR}/${base}.npy`,
    h5: `${DIR}/${base}.h5`,
    zarr: Object.fromEntries(zarrCodecs.map((c) => [c, `${DIR}/${base}_${c}.zarr`])),
    bytes,
  };
  const todo = [d.npy, ...(h5 ? [d.h5] : []), ...Object.values(d.zarr)];
  const missing = (await Promise.all(todo.map(exists))).filter((x) => !x).length;
  const free = await freeBytes();
  if (missing * bytes * 1.05 > free - 4 * 2 ** 30) {
    throw new Error(
      `Not enough disk under ${DIR}: ${missing} files of ${
        (bytes / 2 ** 30).toFixed(1)
      } GiB to make, ${(free / 2 ** 30).toFixed(1)} GiB free`,
    );
  }
  if (!await exists(d.npy)) {
    await timed(`${base}.npy`, () => py(["gen-npy", d.npy, String(rows), String(COLS), `${SEED}`]));
  }
  for (const [codec, path] of Object.entries(d.zarr)) {
    if (await exists(path)) continue;
    await timed(`${base}_${codec}.zarr`, () =>
      py([
        "gen-zarr",
        d.npy,
        path,
        codec,
        String(ZARR_CHUNKS[0]),
        String(ZARR_CHUNKS[1]),
      ]));
  }
  if (h5 && !await exists(d.h5)) {
    await timed(`${base}.h5`, () => py(["gen-h5", d.npy, d.h5, String(H5_CHUNK_ROWS)]));
  }
  return d;
}

async function warm(path: string): Promise<void> {
  // read the files once so that the throughput runs start from a warm page cache
  await new Deno.Command("sh", { args: ["-c", `find '${path}' -type f -exec cat {} + >/dev/null`] })
    .output();
}

// ---------------------------------------------------------------------------
// results

interface Row {
  workload: string;
  format: string;
  tool: string;
  seconds: number | null;
  bytes: number;
  rss: number | null;
  ratio: string;
  note: string;
}

interface Target {
  name: string;
  measured: string;
  met: boolean | null;
}

const rows: Row[] = [];
const oocRows: string[][] = [];
const targets: Target[] = [];
const anomalies: string[] = [];

function fmt(x: number | null, digits = 2): string {
  return x === null || !Number.isFinite(x) ? "-" : x.toFixed(digits);
}

function record(
  workload: string,
  format: string,
  tool: string,
  m: Measured,
  bytes: number,
  ratio = "",
  note = "",
): void {
  if (m.error) anomalies.push(`${workload} / ${format} / ${tool} failed: ${m.error}`);
  rows.push({
    workload,
    format,
    tool,
    seconds: m.seconds,
    bytes,
    rss: m.rss,
    ratio,
    note: m.error ? "FAILED" : note,
  });
  console.error(
    `[run] ${workload} | ${format} | ${tool}: ${fmt(m.seconds, 3)} s, RSS ${fmt(m.rss, 0)} MiB${
      m.error ? ` FAILED ${m.error}` : ""
    }`,
  );
}

/** Peer time / Tessera time, with the target. */
function compareTo(
  t: Measured,
  p: Measured,
  peerName: string,
  need: number,
  label: string,
): string {
  if (t.seconds === null || p.seconds === null) {
    targets.push({ name: label, measured: "not measured (a run failed)", met: null });
    return "-";
  }
  const r = p.seconds / t.seconds;
  targets.push({
    name: label,
    measured: `${r.toFixed(2)}x ${peerName}'s speed (need >= ${need.toFixed(1)}x)`,
    met: r >= need,
  });
  return `${r.toFixed(2)}x ${peerName} (target >= ${need}x)`;
}

// ---------------------------------------------------------------------------
// 1. throughput

async function throughput(): Promise<void> {
  const codecs = opts["no-zlib"] ? ["raw", "lz4"] : ["raw", "lz4", "zlib1"];
  const d = await dataset(TP_ROWS, codecs);
  const size = `${(d.bytes / 2 ** 30).toFixed(d.bytes < 2 ** 30 ? 2 : 0)} GiB`;
  await warm(d.npy);
  noteLoad("throughput start");
  const reps = String(REPS);
  const ops: [string, string[]][] = [
    ["sum", ["--axis", "0"]],
    ["mean", ["--axis", "0"]],
    ["std", []],
  ];
  const w = (op: string) => `${op}${op === "std" ? " (all)" : " axis 0"}, ${size}`;

  // .npy: NumPy memmap is the target peer, dask for context
  for (const [op, axis] of ops) {
    const t = await tessera(["--op", op, "--src", d.npy, "--reps", reps, ...axis]);
    const n = await peer(["run", "numpy", op, d.npy, reps]);
    const k = await peer(["run", "dask", op, d.npy, reps]);
    const need = op === "std" ? 2 : 1;
    const ratio = compareTo(t, n, "NumPy memmap", need, `${w(op)} .npy vs NumPy memmap`);
    record(w(op), ".npy", "Tessera", t, d.bytes, ratio);
    record(w(op), ".npy", "NumPy memmap", n, d.bytes);
    record(w(op), ".npy", "dask.array (2 threads)", k, d.bytes, "", "chunks 512 x cols");
  }

  // HDF5 and Zarr: dask.array with the same chunks is the target peer
  const chunked: [string, string, string][] = [
    ["HDF5 256 x cols", `${d.h5}:/x`, d.h5],
    ...Object.entries(d.zarr).map(([c, p]): [string, string, string] => [
      `Zarr ${c === "zlib1" ? "zlib-1" : c === "lz4" ? "blosc-lz4" : "raw"} 1024x1024`,
      p,
      p,
    ]),
  ];
  for (const [format, locator, path] of chunked) {
    await warm(path);
    // the compressed formats run at well under 1 GB/s: fewer repetitions
    const r = String(
      Math.min(REPS, format.includes("zlib") ? 2 : format.includes("lz4") ? 3 : REPS),
    );
    for (const [op, axis] of ops) {
      const t = await tessera(["--op", op, "--src", locator, "--reps", r, ...axis]);
      const k = await peer(["run", "dask", op, locator, r]);
      const ratio = compareTo(t, k, "dask", 2, `${w(op)} ${format} vs dask.array`);
      record(w(op), format, "Tessera", t, d.bytes, ratio);
      record(w(op), format, "dask.array (2 threads)", k, d.bytes);
      if (format.startsWith("HDF5")) {
        record(
          w(op),
          format,
          "h5py 64 MiB slabs",
          await peer(["run", "h5py", op, locator, r]),
          d.bytes,
        );
      }
    }
  }

  // fused map, .npy -> new .npy
  const wl = `sqrt(a*a+1)*0.5 -> .npy, ${size}`;
  const outs = { t: `${DIR}/y_tessera.npy`, ne: `${DIR}/y_numexpr.npy`, np: `${DIR}/y_numpy.npy` };
  const mreps = String(REPS);
  const t = await tessera(["--op", "map", "--src", d.npy, "--out", outs.t, "--reps", mreps]);
  const ne = await peer(["run", "numexpr", "map", d.npy, mreps, outs.ne]);
  const np = await peer(["run", "numpy-loop", "map", d.npy, mreps, outs.np]);
  const ratio = compareTo(t, ne, "numexpr", 1, `${wl} vs numexpr (2 threads)`);
  let note = "";
  if (!t.error && !ne.error) {
    const c = await py(["check", outs.t, outs.ne, "1024"]);
    note = `max rel diff vs numexpr (first 1024 rows): ${(c.maxrel as number).toExponential(1)}`;
  }
  record(wl, ".npy", "Tessera", t, d.bytes, ratio, note);
  record(wl, ".npy", "numexpr (2 threads, 64 MiB slabs, write())", ne, d.bytes);
  record(wl, ".npy", "NumPy slab loop (write())", np, d.bytes);
  for (const p of Object.values(outs)) await Deno.remove(p).catch(() => {});
  noteLoad("throughput end");
}

// ---------------------------------------------------------------------------
// 2. scaling

async function scaling(): Promise<void> {
  const d = await dataset(SCALE_ROWS, [], false);
  await warm(d.npy);
  noteLoad("scaling start");
  const size = `${(d.bytes / 2 ** 20).toFixed(0)} MiB`;
  const wl = `std(exp(sin(x))), ${size} .npy`;
  const args = ["--op", "scale", "--src", d.npy, "--reps", String(Math.min(REPS, 3))];
  const one = await tessera(args, 1);
  const two = await tessera(args, 2);
  const np = await peer(["run", "numpy", "scale", d.npy, String(Math.min(REPS, 3))]);
  // the machine's own ceiling right now: two independent one-process runs at once
  const pair = await Promise.all([tessera(args), tessera(args)]);
  const pairS = pair.some((m) => m.seconds === null)
    ? null
    : Math.max(...pair.map((m) => m.seconds!));
  const ceiling = one.seconds !== null && pairS !== null ? 2 * one.seconds / pairS : null;
  let ratio = "-";
  if (one.seconds !== null && two.seconds !== null) {
    const r = one.seconds / two.seconds;
    ratio = `${r.toFixed(2)}x 1 rank (target >= 1.6x)`;
    targets.push({
      name: `scaling: ${wl}, 2 ranks vs 1`,
      measured: `${r.toFixed(2)}x (need >= 1.6x); the machine's ceiling at the time: ${
        fmt(ceiling)
      }x (two independent 1-process runs at once)`,
      met: r >= 1.6,
    });
    const same = one.json[0].sha === two.json[0].sha &&
      two.json.every((j) => j.sha === two.json[0].sha);
    if (!same) anomalies.push(`scaling: the result's bytes differ between 1 and 2 ranks`);
  }
  record(wl, ".npy", "Tessera, mpiexec -n 1", one, d.bytes);
  record(wl, ".npy", "Tessera, mpiexec -n 2", two, d.bytes, ratio);
  record(
    wl,
    ".npy",
    "2 independent 1-process Tessera runs at once",
    { seconds: pairS, rss: pair[0].rss, json: [], error: pair.find((m) => m.error)?.error },
    2 * d.bytes,
    `machine ceiling ${fmt(ceiling)}x`,
  );
  record(wl, ".npy", "NumPy slab loop (1 thread, context)", np, d.bytes);
  noteLoad("scaling end");
}

// ---------------------------------------------------------------------------
// 3. out-of-core

async function ooc(): Promise<void> {
  const d = await dataset(OOC_ROWS, ["lz4"]);
  const refMean = `${d.npy}.mean0.f64`;
  const refJson = `${d.npy}.ref.json`;
  if (!await exists(refJson)) {
    const r = await timed("float64 reference", () => py(["ref", d.npy, refMean]));
    await Deno.writeTextFile(refJson, JSON.stringify(r));
  }
  const ref = JSON.parse(await Deno.readTextFile(refJson)) as { std: number };
  const mean0 = new Float64Array((await Deno.readFile(refMean)).buffer);
  noteLoad("ooc start");
  const size = `${(d.bytes / 2 ** 30).toFixed(0)} GiB`;
  const budget = 512 + OOC_SLACK_MIB;
  const formats: [string, string][] = [
    [".npy", d.npy],
    ["Zarr blosc-lz4 1024x1024", d.zarr.lz4],
    ["HDF5 256 x cols", `${d.h5}:/x`],
  ];
  for (const [format, locator] of formats) {
    for (const op of ["mean", "std"]) {
      const wl = `${op}${op === "std" ? " (all)" : " axis 0"}, ${size}, --memory ${OOC_MEMORY}`;
      const shas: string[] = [];
      for (const ranks of [1, 2, 3]) {
        const save = `${DIR}/ooc_result.bin`;
        const m = await tessera(
          [
            "--op",
            op,
            "--src",
            locator,
            "--memory",
            OOC_MEMORY,
            "--reps",
            "1",
            "--save",
            save,
            ...(op === "mean" ? ["--axis", "0"] : []),
          ],
          ranks,
        );
        let err: number | null = null;
        if (!m.error) {
          const got = new Float32Array((await Deno.readFile(save)).buffer);
          if (op === "std") err = Math.abs(got[0] - ref.std) / ref.std;
          else {
            err = got.length === mean0.length ? 0 : Infinity;
            for (let i = 0; i < got.length && err !== Infinity; i++) {
              err = Math.max(err, Math.abs(got[i] - mean0[i]) / Math.abs(mean0[i]));
            }
          }
          await Deno.remove(save);
        } else {
          anomalies.push(`${wl} / ${format} / ${ranks} ranks failed: ${m.error}`);
        }
        const rankShas = m.json.map((j) => j.sha as string);
        const sha = rankShas[0] ?? "";
        const ranksAgree = rankShas.every((s) => s === sha);
        shas.push(sha);
        const bitsSame = m.error
          ? "-"
          : ranks === 1
          ? (ranksAgree ? "(reference)" : "NO")
          : (sha === shas[0] && ranksAgree ? "yes" : "NO");
        const rssOk = m.rss !== null && m.rss <= budget;
        const errOk = err !== null && err <= 1e-6;
        targets.push({
          name: `out-of-core ${wl}, ${format}, ${ranks} rank${ranks > 1 ? "s" : ""}`,
          measured: m.error ? "FAILED" : `peak RSS ${fmt(m.rss, 0)} MiB (need <= ${budget}), ` +
            `rel err ${err?.toExponential(1)} (need <= 1e-6), same bits: ${bitsSame}`,
          met: m.error ? null : rssOk && errOk && bitsSame !== "NO",
        });
        oocRows.push([
          wl,
          format,
          String(ranks),
          fmt(m.seconds),
          m.seconds ? fmt(d.bytes / m.seconds / 1e9) : "-",
          fmt(m.rss, 0) + (m.rss !== null && !rssOk ? " (over)" : ""),
          err === null ? "-" : err.toExponential(1),
          bitsSame,
          sha.slice(0, 12),
        ]);
        console.error(
          `[ooc] ${wl} | ${format} | ${ranks}: ${fmt(m.seconds)} s, RSS ${fmt(m.rss, 0)}, err ${
            err?.toExponential(1)
          }, bits ${bitsSame}${m.error ? ` FAILED ${m.error}` : ""}`,
        );
      }
    }
  }
  noteLoad("ooc end");
}

// ---------------------------------------------------------------------------
// main

/** Removes the generated data (only the files this script names) and --dir if then empty. */
async function cleanUp(): Promise<void> {
  for await (const e of Deno.readDir(DIR)) {
    if (/^(x_\d+x\d+|y_\w+|ooc_result)/.test(e.name)) {
      await Deno.remove(`${DIR}/${e.name}`, { recursive: true }).catch(() => {});
    }
  }
  await Deno.remove(DIR).catch(() => {}); // only when empty
}

function table(head: string[], body: string[][], markdown: boolean): string {
  if (markdown) {
    return [
      `| ${head.join(" | ")} |`,
      `| ${head.map(() => "---").join(" | ")} |`,
      ...body.map((r) => `| ${r.join(" | ")} |`),
    ].join("\n");
  }
  const all = [head, ...body];
  const w = head.map((_, j) => Math.max(...all.map((r) => r[j].length)));
  return all.map((r) => r.map((c, j) => c.padEnd(w[j])).join("  ").trimEnd()).join("\n");
}

/** The commit measured, and whether the engine's sources differ from it (read-only git). */
function revision(): string {
  const git = (args: string[]) => {
    try {
      const o = new Deno.Command("git", { args, cwd: `${HERE}..`, stdout: "piped", stderr: "null" })
        .outputSync();
      return o.success ? dec.decode(o.stdout).trim() : null;
    } catch {
      return null;
    }
  };
  const head = git(["rev-parse", "--short", "HEAD"]);
  if (head === null) return "commit unknown";
  const dirty = git(["status", "--porcelain", "--", "core", "dist", "ffi", "io", "stream"]);
  return `commit ${head}${dirty ? " + uncommitted changes in the engine" : ""}`;
}

const REVISION_AT_START = revision();

function report(markdown: boolean): string {
  const parts: string[] = [];
  const rev = revision();
  parts.push(
    `Tessera vs peers - ${new Date().toISOString()}; ${
      rev === REVISION_AT_START ? rev : `${REVISION_AT_START} at the start, ${rev} at the end`
    }; Deno ${Deno.version.deno}, ` +
      `${navigator.hardwareConcurrency} cores; float32, ${COLS} columns; seconds = min of ` +
      `${REPS} repetitions in one process (3 for blosc-lz4 and scaling, 2 for zlib-1, 1 out of core; start-up excluded); GB/s = input bytes / s; ` +
      `RSS = peak (VmHWM), largest rank.`,
  );
  if (rows.length) {
    parts.push(table(
      ["workload", "format", "tool", "s", "GB/s", "peak RSS MiB", "ratio (peer s / Tessera s)"],
      rows.map((r) => [
        r.workload,
        r.format,
        r.tool,
        fmt(r.seconds, 3),
        r.seconds ? fmt(r.bytes / r.seconds / 1e9) : "-",
        fmt(r.rss, 0),
        [r.ratio, r.note].filter((x) => x).join("; "),
      ]),
      markdown,
    ));
  }
  if (oocRows.length) {
    parts.push(
      `Out-of-core (Tessera under ${MPIEXEC} -n P, --memory ${OOC_MEMORY}; one run each):`,
    );
    parts.push(table(
      [
        "workload",
        "format",
        "ranks",
        "s",
        "GB/s",
        "peak RSS MiB / rank",
        "rel err vs f64",
        "same bits as 1 rank",
        "sha256",
      ],
      oocRows,
      markdown,
    ));
  }
  const bullet = markdown ? "- " : "  ";
  parts.push(
    "Targets:\n" +
      targets.map((t) =>
        `${bullet}${
          t.met === null ? "NOT MEASURED" : t.met ? "met" : "NOT MET"
        }: ${t.name}: ${t.measured}`
      ).join("\n"),
  );
  if (anomalies.length) parts.push("Anomalies:\n" + anomalies.map((a) => bullet + a).join("\n"));
  parts.push("Load average (1, 5, 15 min):\n" + loads.map((l) => bullet + l).join("\n"));
  return parts.join("\n\n") + "\n";
}

await Deno.mkdir(DIR, { recursive: true });
const t0 = performance.now();
noteLoad("start");
try {
  if (!ONLY || ONLY === "throughput") await throughput();
  if (!ONLY || ONLY === "scaling") await scaling();
  if (!ONLY || ONLY === "ooc") await ooc();
} finally {
  const text = report(opts.markdown!);
  console.log(text);
  const md = report(true);
  await Deno.mkdir(`${HERE}results`, { recursive: true });
  await Deno.writeTextFile(
    `${HERE}results/latest.md`,
    `# bench/compare.ts${QUICK ? " --quick" : ""}${ONLY ? ` --only ${ONLY}` : ""}\n\n${md}` +
      `\nTotal ${((performance.now() - t0) / 60000).toFixed(1)} min.\n`,
  );
  console.error(`[done] ${((performance.now() - t0) / 60000).toFixed(1)} min`);
  if (!opts.keep) await cleanUp();
}
