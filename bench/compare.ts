// Tessera against its peers (NumPy memmap, dask.array, numexpr) on the same
// files, side by side in one run: the table of issue 13 in one command.
//
//   deno run -A bench/compare.ts [--quick] [--rounds 3] [--only a,b,...] [--dir /tmp/tessera-bench]
//     [--memory 512MiB] [--keep] [--profile]
//
// Groups (--only): a Zarr reductions vs dask, b HDF5 reductions vs dask, c .npy
// reductions vs NumPy memmap and dask, d maps vs numexpr / NumPy, e HDF5 ->
// Zarr conversion vs dask, f `tessera convert` GB/s, g `deno task demo` GB/s,
// h peak RSS against the budget (also 5 runs in one process), i scaling
// (1 x 1, 2 ranks x 1, 1 rank x 2 threads), k HDF5 outputs written by 1, 2, 3
// ranks at once; all of these by default. j, only
// when asked (--only j): out of core, 8 GiB (--quick 1 GiB) .npy, Zarr
// Blosc-LZ4 and raw HDF5, mean over axis 0 and std, under mpiexec -n 1, 2, 3.
//
// Method: data float32 uniform [0, 1), 32768 x 16384 (2 GiB; --quick 4096 x
// 16384, 256 MiB), generated once (bench/_compare_data.ts) and cached under
// --dir; the page cache is warmed before each case. Each case runs --rounds
// rounds interleaved: Tessera, then each peer, each a fresh process, each
// after a `sync` (no other process's dirty pages written back during it). A round's
// results are compared (Tessera against the peer's result read as float64,
// and against a float64 NumPy reference or the source, with the case's stated
// tolerance) before its times count; a failed check or run marks the row
// FAILED. Reported per case: the median ratio Tessera time / peer time (lower
// is better) with its min-max over rounds, for the in-process compute time
// (start-up excluded) and the whole-process wall time; the peak RSS (VmHWM)
// per process; the 1-minute load average at the start and end of the case.
// Tessera runs through the library API (bench/_compare_run.ts: open,
// LazyArray compute / to) unless the table says CLI or demo.
// Writes the tables to stdout and bench/results/latest.md, every round to
// bench/results/latest.json; the generated data is removed unless --keep.
// --profile: the Tessera command of each case that missed its target runs once
// more under V8's profiler (not timed): where its time goes, by kind of work
// and by function, over every thread (bench/_compare_profile.ts), under the
// group's table.

import { parseArgs } from "node:util";
import { buildCases, DEFAULT_GROUPS, type Group, GROUP_TITLES, GROUPS } from "./_compare_cases.ts";
import { cleanUp, COLS, DataSet, H5_CHUNK_ROWS, SEED } from "./_compare_data.ts";
import { HERE, load1, MPIEXEC, PY, py } from "./_compare_proc.ts";
import { type CaseResult, type Row, rowsOf, rssRows, runCase } from "./_compare_rounds.ts";
import { type Profile, profile, profileText } from "./_compare_profile.ts";
import type { Cmd } from "./_compare_cases.ts";
import { parseBytes } from "../mod.ts";

const USAGE = "usage: deno run -A bench/compare.ts [--quick] [--rounds 3] [--only a,b,...] " +
  "[--dir /tmp/tessera-bench] [--memory 512MiB] [--keep] [--profile]\n" +
  `groups: ${GROUPS.map((g) => GROUP_TITLES[g]).join("\n        ")}`;

function parse() {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        quick: { type: "boolean", default: false },
        rounds: { type: "string", default: "3" },
        only: { type: "string" },
        dir: { type: "string", default: "/tmp/tessera-bench" },
        memory: { type: "string", default: "512MiB" },
        keep: { type: "boolean", default: false },
        profile: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (e) {
    console.error(`bench/compare.ts: ${(e as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
}
const opts = parse();
if (opts.help) {
  console.log(USAGE);
  Deno.exit(0);
}

const ROUNDS = Number(opts.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error(
    `bench/compare.ts: invalid --rounds "${opts.rounds}": expected a whole number >= 1`,
  );
  Deno.exit(2);
}
const only = new Set<Group>(
  (opts.only ?? DEFAULT_GROUPS.join(",")).split(",").map((g) => g.trim()) as Group[],
);
for (const g of only) {
  if (!GROUPS.includes(g)) {
    console.error(
      `bench/compare.ts: invalid --only "${opts.only}": groups are ${GROUPS.join(", ")}`,
    );
    Deno.exit(2);
  }
}
const QUICK = opts.quick!;
const DIR = opts.dir!;
const MEMORY = opts.memory!;
const BUDGET_MIB = parseBytes(MEMORY) / 2 ** 20;
const dec = new TextDecoder();
const VERSIONS = await py(["versions"]).then((j) => String(j.versions)).catch((e) =>
  `versions unknown: ${(e as Error).message.slice(0, 100)}`
);

function git(args: string[]): string | null {
  try {
    const o = new Deno.Command("git", { args, cwd: `${HERE}..`, stdout: "piped", stderr: "null" })
      .outputSync();
    return o.success ? dec.decode(o.stdout).trim() : null;
  } catch {
    return null;
  }
}

function revision(): string {
  const head = git(["rev-parse", "--short", "HEAD"]);
  if (head === null) return "commit unknown";
  const dirty = git(["status", "--porcelain", "--", "core", "dist", "ffi", "io", "stream", "cli"]);
  return `commit ${head}${dirty ? " + uncommitted engine changes" : ""}`;
}

function table(rows: Row[], h: boolean): string {
  const head = h
    ? [
      "case",
      "Tessera run",
      "Tessera s (median: compute / whole)",
      "target",
      "met?",
      "peak RSS MiB",
      "load",
    ]
    : [
      "case",
      "tool pair",
      "Tessera s (median: compute / whole)",
      "peer s (median: compute / whole)",
      "ratio median [min-max]: compute; whole",
      "target",
      "met?",
      "RSS MiB (Tessera / peer)",
      "load (start -> end)",
    ];
  const body = rows.map((r) =>
    h
      ? [r.name, r.pair, r.tessera, r.target, r.met, r.rss, r.load]
      : [r.name, r.pair, r.tessera, r.peer, r.ratio, r.target, r.met, r.rss, r.load]
  );
  const esc = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...body.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

const NOTES: Partial<Record<Group, string>> = {
  a: "ratio = Tessera time / dask time: lower is better.",
  b: "ratio = Tessera time / dask time: lower is better.",
  c: "ratio = Tessera time / peer time: lower is better.",
  d: "ratio = Tessera time / peer time: lower is better. Tessera: `sin(a).mul(square(a).neg().exp())` " +
    "/ `sin(a)` with `to()`; peers: 64 MiB slab loops with plain write()s.",
  e: "ratio = Tessera time / dask time: lower is better. Tessera: `open(h5).to(zarr, { codec: " +
    '"blosc:zstd:5:shuffle", chunks: [1024, 1024] })`; dask: from_array over whole HDF5 chunks, ' +
    "rechunk to 1024 x 1024, to_zarr.",
  f: "GB/s = input bytes / whole-process wall time (start-up included; the CLI prints no in-process " +
    "time): higher is better. dask.array from_array(.npy).to_zarr as context, timed the same way.",
  g: "GB/s = the demo's own printed write rate (generation included): higher is better.",
  h: "Each Tessera process's peak RSS (VmHWM; the largest rank), maximum over rounds.",
  j: "speed-up = 1 rank's time / P ranks' (no target: the point is memory, accuracy and the " +
    "same bits for any rank count); the page cache is not warmed (the data is larger than a " +
    "usual budget).",
  k: "speed-up = 1 rank's time / P ranks' (`mpiexec.mpich -n P`, TESSERA_THREADS unset; no " +
    "target: issue 13 asks for the figures); the time runs from before open() to the end of the " +
    "commit (rename), barrier to barrier; MB/s = 256 MiB / that time.",
  i: "speed-up = 1 x 1 time / this configuration's time: higher is better " +
    "(`mpiexec.mpich -n 2` with TESSERA_THREADS=1; TESSERA_THREADS=2 in one process).",
};

/** The Tessera commands of a case that missed a target (a scaling case: the configurations). */
function missed(res: CaseResult): { label: string; cmd: Cmd }[] {
  const { c } = res;
  const rows = rowsOf(res, BUDGET_MIB);
  if (c.kind === "scaling") {
    return c.peers.flatMap((p, k) =>
      rows[k]?.met === "no" ? [{ label: `${c.name}, ${p.tool}`, cmd: p as Cmd }] : []
    );
  }
  return rows.some((r) => r.met === "no")
    ? [{ label: `${c.name}, ${c.tessera.tool}`, cmd: c.tessera }]
    : [];
}

/** The profiles of each case's missed targets (--profile). */
const profiles = new Map<string, { label: string; p: Profile }[]>();

function profilesText(rs: CaseResult[]): string {
  const items = rs.flatMap((r) => profiles.get(r.c.id) ?? []);
  if (items.length === 0) return "";
  return "\n\nWhere the time goes (--profile: each Tessera command that missed its target, run " +
    "once more under `deno run --cpu-prof`, not timed; self time summed over the main thread " +
    "and every worker and rank, so idle time counts each waiting thread):\n\n" +
    items.map(({ label, p }) => profileText(label, p)).join("\n");
}

/** The checks of a group's cases: each tolerance with the cases it applies to. */
function checks(rs: CaseResult[]): string {
  const by = new Map<string, string[]>();
  for (const r of rs) by.set(r.c.check.text, [...by.get(r.c.check.text) ?? [], r.c.name]);
  if (by.size === 0) return "";
  const list = [...by].map(([text, names]) =>
    by.size === 1 ? `${text} (every case)` : `${text} (${names.join("; ")})`
  );
  return `\n\nChecks, every round: ${list.join("; ")}.`;
}

/**
 * The machine's memory copy rate now (GB/s): 256 MiB copied between two
 * buffers, best of 3. This VM's rate varies with its host (12-30 GB/s
 * quiet; 0.7 GB/s seen when the host was short of memory).
 */
function copyRate(): number {
  const n = 256 << 20;
  const a = new Uint8Array(n).fill(1);
  const b = new Uint8Array(n);
  b.set(a);
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    b.set(a);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return n / best / 1e9;
}

const copyAtStart = copyRate();

function report(results: CaseResult[], started: string, minutes: number): string {
  const f32Rows = QUICK ? 4096 : 32768;
  const parts = [
    `# bench/compare.ts ${Deno.args.join(" ")}`.trimEnd(),
    `${started}; ${revision()}; Deno ${Deno.version.deno}; ${navigator.hardwareConcurrency} cores; ` +
    `${ROUNDS} rounds per case, interleaved (Tessera, peer, ...; each a fresh process after a ` +
    "`sync`); " +
    `data float32 uniform [0, 1) ${f32Rows} x ${COLS} (${
      (f32Rows * COLS * 4 / 2 ** 20).toFixed(0)
    } MiB), seed ${SEED}, page cache warm; ` +
    `Zarr chunks 1024 x 1024, HDF5 chunks ${H5_CHUNK_ROWS} x ${COLS}; Tessera --memory ${MEMORY}; ` +
    `peers ${PY} (${VERSIONS}; dask and numexpr with 2 threads), MPI ${MPIEXEC}; total ${
      minutes.toFixed(1)
    } min; memory copy ${copyAtStart.toFixed(1)} GB/s at the start, ${
      copyRate().toFixed(1)
    } GB/s at the end (one thread, 256 MiB).`,
    "Times: compute = measured inside the process (from before open() to the end of the run, " +
    "start-up excluded); whole = the whole process, spawn to exit. A row's times count only " +
    "when every round's results agree within the stated tolerance (Tessera against the peer's " +
    "result read as float64, and each against a float64 NumPy reference or the source); " +
    "otherwise the row is FAILED. met? judges the median compute ratio. " +
    "load = 1-minute load average at the start and end of the case.",
  ];
  for (const g of GROUPS) {
    const rs = results.filter((r) => r.c.group === g);
    const rows = rs.flatMap((r) => rowsOf(r, BUDGET_MIB));
    if (g === "h" && only.has("h")) {
      rows.push(...rssRows(results, BUDGET_MIB, MEMORY));
    }
    if (rows.length === 0) continue;
    parts.push(
      `## ${GROUP_TITLES[g]}\n\n${NOTES[g] ?? ""}\n\n${table(rows, g === "h")}` + checks(rs) +
        profilesText(rs),
    );
  }
  return parts.join("\n\n") + "\n";
}

await Deno.mkdir(DIR, { recursive: true });
const t0 = performance.now();
const started = new Date().toISOString();
console.error(`[start] load ${load1()}`);
const setup = {
  dir: DIR,
  memory: MEMORY,
  f32: new DataSet(DIR, QUICK ? 4096 : 32768, "float32"),
  f64: new DataSet(DIR, QUICK ? 512 : 2048, "float64"),
  ooc: new DataSet(DIR, QUICK ? 16384 : 131072, "float32"),
  demoRows: QUICK ? 4096 : undefined,
  only,
};
const results: CaseResult[] = [];
try {
  const cases = await buildCases(setup);
  for (const c of cases) {
    const res = await runCase(c, ROUNDS);
    results.push(res);
    if (!opts.profile) continue;
    for (const { label, cmd } of missed(res)) {
      const p = await profile(cmd);
      if (p === null) continue;
      profiles.set(c.id, [...profiles.get(c.id) ?? [], { label, p }]);
      console.error(`[profile] ${profileText(label, p)}`);
    }
  }
} finally {
  const minutes = (performance.now() - t0) / 60000;
  const md = report(results, started, minutes);
  console.log(md);
  await Deno.mkdir(`${HERE}results`, { recursive: true });
  await Deno.writeTextFile(`${HERE}results/latest.md`, md);
  const raw = {
    args: Deno.args,
    started,
    revision: revision(),
    rounds: ROUNDS,
    memory: MEMORY,
    quick: QUICK,
    cases: results.map((r) => ({
      id: r.c.id,
      group: r.c.group,
      name: r.c.name,
      kind: r.c.kind,
      bytes: r.c.bytes,
      check: r.c.check,
      loadStart: r.loadStart,
      loadEnd: r.loadEnd,
      rounds: r.rounds,
      ...(profiles.has(r.c.id) ? { profiles: profiles.get(r.c.id) } : {}),
    })),
  };
  await Deno.writeTextFile(`${HERE}results/latest.json`, JSON.stringify(raw, null, 1) + "\n");
  console.error(`[done] ${minutes.toFixed(1)} min`);
  if (!opts.keep) await cleanUp(DIR);
}
