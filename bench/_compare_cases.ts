// The cases of bench/compare.ts, group by group (issue 13's list of target
// ratios). A case is one Tessera command and its peers; each round runs
// Tessera, then each peer, every one a fresh process; the results are then
// compared (the check) before any time of that round is accepted.

import { cliArgv, peerArgv, type Proc, ROOT, tesseraArgv } from "./_compare_proc.ts";
import {
  CODEC_NAMES,
  type DataSet,
  H5_CODECS,
  type H5Codec,
  ZARR_CODECS,
  type ZarrCodec,
} from "./_compare_data.ts";

export const GROUPS = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "k", "j"] as const;
/** The groups run without --only (j, 8 GiB out of core, only when asked). */
export const DEFAULT_GROUPS = GROUPS.filter((g) => g !== "j");
export type Group = typeof GROUPS[number];

export const GROUP_TITLES: Record<Group, string> = {
  a: "a) Zarr reductions over axis 0 vs dask.array (2 threads, the Zarr chunks)",
  b: "b) HDF5 reductions over axis 0 vs dask.array (2 threads, from the h5py dataset, its chunks)",
  c: "c) .npy reductions vs NumPy memmap and dask.array (2 threads, 32 MiB row blocks)",
  d: "d) element-wise maps .npy -> .npy",
  e: "e) HDF5 gzip+shuffle -> Zarr Blosc-zstd (clevel 5, shuffle; 1024 x 1024) conversion",
  f: "f) `tessera convert` .npy -> Zarr Blosc-LZ4 (clevel 5, shuffle; 1024 x 1024)",
  g: "g) `deno task demo` write rate",
  h: "h) peak RSS of Tessera against the --memory budget",
  i: "i) scaling on a compute-bound pipeline: std(exp(sin(x))) of a float64 .npy",
  k: "k) HDF5 outputs of the stream engine under MPI: 1, 2 and 3 ranks writing at once",
  j: "j) out of core (only with --only j): float32 larger than the budget, mpiexec.mpich -n 1, 2, 3",
};

/** One command of a case: a fresh process per round. */
export interface Cmd {
  /** The tool as named in the table. */
  tool: string;
  argv: string[];
  env?: Record<string, string>;
  /** The result the command writes (.f64, .npy, .zarr, .h5), removed before each run. */
  out: string;
  /** What the checks read when not `out` itself (an HDF5 dataset: FILE.h5:/x). */
  result?: string;
  /** The in-process time when the process prints it in its own words (the demo). */
  compute?: (p: Proc) => number | null;
  /** For throughput cases: GB/s of a run. */
  gbps?: (p: Proc) => number | null;
  /** Checks the process's own output (e.g. the demo's "demo ok"); returns why it failed. */
  verify?: (p: Proc) => string | null;
  /** Set when the command cannot run here: the row says "not available" and why. */
  unavailable?: string;
  /** A context command whose output is not the result (the disk's own write rate): not checked. */
  context?: boolean;
}

/** A peer and the target for the ratio Tessera / peer (or the speed-up, for `scaling`). */
export interface Peer extends Cmd {
  target: number | null;
}

/** How the results of a round are compared: |x - y| <= rtol * |y| + atol, element-wise. */
export interface Check {
  rtol: number;
  atol: number;
  /** A fixed reference (float64 NumPy result, or the source): every output is compared with it. */
  ref?: string;
  /** Compare Tessera's result with each peer's (the peer's as float64 reference); default true. */
  pair?: boolean;
  /** Tolerance of the Tessera-vs-peer comparison when it differs (e.g. 0: the same bits). */
  pairTol?: { rtol: number; atol: number };
  /** What the tolerance is, for the tables. */
  text: string;
}

/**
 * ratio: Tessera time / peer time (lower is better); scaling: one thread's time /
 * the peer configuration's (higher is better); throughput: GB/s (higher is
 * better); repeat: RSS after each run in one process.
 */
export type Kind = "ratio" | "scaling" | "throughput" | "repeat";

export interface Case {
  group: Group;
  id: string;
  name: string;
  kind: Kind;
  /** Files read: warmed into the page cache before the case. */
  warm: string[];
  /** Input bytes. */
  bytes: number;
  tessera: Cmd;
  peers: Peer[];
  check: Check;
  /** Throughput target, GB/s. */
  target?: number;
}

/** The settings the cases are built from. */
export interface Setup {
  dir: string;
  memory: string;
  /** The float32 data (2 GiB; --quick 256 MiB). */
  f32: DataSet;
  /** The float64 data of the scaling case (256 MiB; --quick 64 MiB). */
  f64: DataSet;
  /** The out-of-core float32 data of group j (8 GiB; --quick 1 GiB). */
  ooc: DataSet;
  /** Rows of the demo's file (undefined: its default). */
  demoRows?: number;
  only: Set<Group>;
}

const RED_TOL = { rtol: 1e-4, atol: 0 };
const STD_TOL = { rtol: 1e-5, atol: 0 };
const MAP_TOL = { rtol: 1e-5, atol: 1e-12 };
const EXACT = { rtol: 0, atol: 0 };
const tolText = (t: { rtol: number; atol: number }): string =>
  t.rtol === 0 && t.atol === 0
    ? "exact"
    : `rel ${t.rtol.toExponential(0)}${t.atol ? ` + abs ${t.atol.toExponential(0)}` : ""}`;

const OP_NAMES: Record<string, string> = {
  sum0: "sum axis 0",
  mean0: "mean axis 0",
  std: "std (all)",
};

/** Whether the streaming engine reads the thread setting (TESSERA_THREADS / threads). */
export function streamUsesThreads(): boolean {
  for (const e of Deno.readDirSync(`${ROOT}stream`)) {
    if (!e.name.endsWith(".ts")) continue;
    const text = Deno.readTextFileSync(`${ROOT}stream/${e.name}`);
    if (/threads\.ts"|threadCount\(/.test(text)) return true;
  }
  return false;
}

/** Builds the cases of the selected groups (generating their data on first use). */
export async function buildCases(s: Setup): Promise<Case[]> {
  const cases: Case[] = [];
  const out = (id: string, who: string, ext: string) => `${s.dir}/out_${id}_${who}.${ext}`;
  // the disk's own rate for the same bytes into a new file in the same folder (no fsync, as
  // Tessera's new outputs): a throughput case's ceiling on this machine
  const dd = (id: string, bytes: number): Peer => {
    const o = out(id, "dd", "bin");
    const mib = Math.max(1, Math.round(bytes / 2 ** 25));
    return {
      tool: `dd bs=32M count=${mib} (this disk's write rate, context)`,
      argv: ["dd", "if=/dev/zero", `of=${o}`, "bs=32M", `count=${mib}`, "status=none"],
      out: o,
      gbps: (p) => (mib * 2 ** 25) / p.wall / 1e9,
      context: true,
      target: null,
    };
  };
  const mem = ["--memory", s.memory];
  const t = (id: string, op: string, src: string, ext = "f64", ranks = 0): Cmd => ({
    tool: "Tessera (library)",
    argv: tesseraArgv(["--op", op, "--src", src, "--out", out(id, "t", ext), ...mem], ranks),
    out: out(id, "t", ext),
  });
  const peer = (
    id: string,
    k: number,
    tool: string,
    name: string,
    op: string,
    src: string,
    target: number | null,
    ext = "f64",
  ): Peer => ({
    tool: name,
    argv: peerArgv(["run", tool, op, src, out(id, `p${k}`, ext)]),
    out: out(id, `p${k}`, ext),
    target,
  });
  const reduction = (op: "sum0" | "mean0" | "std") => {
    const tol = op === "std" ? STD_TOL : RED_TOL;
    return { ...tol, text: `${tolText(tol)} vs peer and vs float64 NumPy` };
  };
  const dask = "dask.array (2 threads)";

  if (s.only.has("a")) {
    for (const codec of ZARR_CODECS) {
      const src = await s.f32.zarr(codec as ZarrCodec);
      for (const op of ["sum0", "mean0"] as const) {
        const id = `a_${codec}_${op}`;
        cases.push({
          group: "a",
          id,
          name: `Zarr ${CODEC_NAMES[codec]} ${OP_NAMES[op]}`,
          kind: "ratio",
          warm: [src],
          bytes: s.f32.bytes,
          tessera: t(id, op, src),
          peers: [peer(id, 0, "dask", dask, op, src, 0.5)],
          check: { ...reduction(op), ref: await s.f32.ref(op) },
        });
      }
    }
  }
  if (s.only.has("b")) {
    for (const codec of H5_CODECS) {
      const src = await s.f32.h5(codec as H5Codec);
      for (const op of ["sum0", "mean0"] as const) {
        const id = `b_${codec}_${op}`;
        cases.push({
          group: "b",
          id,
          name: `HDF5 ${CODEC_NAMES[codec]} ${OP_NAMES[op]}`,
          kind: "ratio",
          warm: [src],
          bytes: s.f32.bytes,
          tessera: t(id, op, src),
          peers: [peer(id, 0, "dask", dask, op, src, 0.5)],
          check: { ...reduction(op), ref: await s.f32.ref(op) },
        });
      }
    }
  }
  if (s.only.has("c")) {
    const src = await s.f32.npy();
    for (const op of ["sum0", "mean0", "std"] as const) {
      const id = `c_${op}`;
      const peers = [peer(id, 0, "numpy", "NumPy memmap", op, src, op === "std" ? 0.4 : 0.8)];
      if (op !== "std") peers.push(peer(id, 1, "dask", dask, op, src, 1.0));
      cases.push({
        group: "c",
        id,
        name: `.npy ${OP_NAMES[op]}`,
        kind: "ratio",
        warm: [src],
        bytes: s.f32.bytes,
        tessera: t(id, op, src),
        peers,
        check: { ...reduction(op), ref: await s.f32.ref(op) },
      });
    }
  }
  if (s.only.has("d")) {
    const src = await s.f32.npy();
    const maps = [
      ["sinexp", "sin(a)*exp(-a*a)", "numexpr", "numexpr (2 threads, 64 MiB slabs)"],
      ["sin", "sin(a)", "numpy", "NumPy np.sin (64 MiB slabs)"],
    ] as const;
    for (const [op, expr, tool, name] of maps) {
      const id = `d_${op}`;
      cases.push({
        group: "d",
        id,
        name: `${expr} .npy -> .npy`,
        kind: "ratio",
        warm: [src],
        bytes: s.f32.bytes,
        tessera: t(id, op, src, "npy"),
        peers: [peer(id, 0, tool, name, op, src, 1.0, "npy")],
        check: { ...MAP_TOL, text: `${tolText(MAP_TOL)} vs peer (whole output)` },
      });
    }
  }
  if (s.only.has("e")) {
    const src = await s.f32.h5("gzip-shuffle");
    const id = "e_convert";
    cases.push({
      group: "e",
      id,
      name: "HDF5 gzip+shuffle -> Zarr Blosc-zstd",
      kind: "ratio",
      warm: [src],
      bytes: s.f32.bytes,
      tessera: t(id, "convert-zstd", src, "zarr"),
      peers: [peer(id, 0, "dask", `${dask}, to_zarr`, "convert-zstd", src, 0.5, "zarr")],
      check: { ...EXACT, ref: await s.f32.npy(), pair: false, text: "exact vs the source" },
    });
  }
  if (s.only.has("f")) {
    const src = await s.f32.npy();
    const id = "f_convert";
    const o = out(id, "t", "zarr");
    const codec = "blosc:lz4:5:shuffle";
    const bytes = s.f32.bytes;
    cases.push({
      group: "f",
      id,
      name: ".npy -> Zarr Blosc-LZ4",
      kind: "throughput",
      warm: [src],
      bytes,
      tessera: {
        tool: "tessera convert (CLI)",
        argv: cliArgv(["convert", src, o, "--codec", codec, "--chunks", "1024,1024", ...mem, "-q"]),
        out: o,
        gbps: (p) => bytes / p.wall / 1e9,
      },
      peers: [{
        ...peer(id, 0, "dask", `${dask}, to_zarr (context)`, "convert-lz4", src, null, "zarr"),
        gbps: (p) => bytes / p.wall / 1e9,
      }, dd(id, bytes)],
      check: { ...EXACT, ref: src, pair: false, text: "exact vs the source" },
      target: 1.5,
    });
  }
  if (s.only.has("g")) {
    const id = "g_demo";
    const rows = s.demoRows;
    const bytes = (rows ?? 16384) * 8192 * 4;
    const wrote = /wrote\s+([\d.]+) GB in ([\d.]+) s \(([\d.]+) GB\/s/;
    cases.push({
      group: "g",
      id,
      name: `examples/demo.ts, ${(bytes / 2 ** 20).toFixed(0)} MiB float32 written`,
      kind: "throughput",
      warm: [],
      bytes,
      tessera: {
        tool: "deno task demo",
        argv: [Deno.execPath(), "task", "demo", ...(rows ? ["--rows", String(rows)] : [])],
        out: out(id, "t", "none"),
        compute: (p) => Number(wrote.exec(p.stdout)?.[2] ?? NaN) || null,
        gbps: (p) => Number(wrote.exec(p.stdout)?.[3] ?? NaN) || null,
        verify: (p) =>
          /demo ok/.test(p.stdout) ? null : 'the demo did not print "demo ok" (its own check)',
      },
      peers: [dd(id, bytes)],
      check: { rtol: 0, atol: 0, pair: false, text: 'the demo\'s own check ("demo ok")' },
      target: 1,
    });
  }
  if (s.only.has("h")) {
    const src = await s.f32.zarr("blosc-lz4");
    const id = "h_repeat";
    cases.push({
      group: "h",
      id,
      name: "5 x sum axis 0 of Zarr Blosc-LZ4 in one process",
      kind: "repeat",
      warm: [src],
      bytes: s.f32.bytes,
      tessera: t(id, "repeat", src),
      peers: [],
      check: { ...RED_TOL, ref: await s.f32.ref("sum0"), text: `${tolText(RED_TOL)} vs float64` },
    });
  }
  if (s.only.has("i")) {
    const src = await s.f64.npy();
    const id = "i_scale";
    const one = (n: string) => ({ ...Deno.env.toObject(), TESSERA_THREADS: n });
    const threads = streamUsesThreads();
    const tol = { rtol: 1e-9, atol: 0 };
    cases.push({
      group: "i",
      id,
      name: `std(exp(sin(x))), ${(s.f64.bytes / 2 ** 20).toFixed(0)} MiB float64 .npy`,
      kind: "scaling",
      warm: [src],
      bytes: s.f64.bytes,
      tessera: { ...t(id, "scale", src), tool: "1 rank x 1 thread", env: one("1") },
      peers: [
        { ...t(id, "scale", src, "p0.f64", 2), tool: "2 MPI ranks x 1 thread", env: one("1") },
        {
          ...t(id, "scale", src, "p1.f64"),
          tool: "1 rank x 2 threads (TESSERA_THREADS=2)",
          env: one("2"),
          ...(threads ? {} : {
            unavailable: "not available: the streaming engine (stream/) does not read " +
              "TESSERA_THREADS / threads yet",
          }),
        },
      ].map((c) => ({ ...c, target: 1.7 })),
      check: {
        ...tol,
        ref: await s.f64.ref("scale"),
        pairTol: EXACT,
        text: `${tolText(tol)} vs float64 NumPy; the same bits as 1 x 1`,
      },
    });
  }
  if (s.only.has("k")) {
    const src = await s.f64.npy();
    for (const op of ["h5", "h5-gzip"] as const) {
      const id = `k_${op}`;
      const ranks = (n: number): Cmd => {
        const file = out(id, `r${n}`, "h5");
        const argv = tesseraArgv(
          ["--op", op, "--src", src, "--out", `${file}:/x`, ...mem],
          Math.max(n, 1),
        );
        return { tool: `mpiexec -n ${n}`, argv, out: file, result: `${file}:/x` };
      };
      cases.push({
        group: "k",
        id,
        name: `.npy -> HDF5 ${op === "h5" ? "contiguous" : "gzip:1, chunks of 256 rows"}, ${
          (s.f64.bytes / 2 ** 20).toFixed(0)
        } MiB float64`,
        kind: "scaling",
        warm: [src],
        bytes: s.f64.bytes,
        tessera: ranks(1),
        peers: [2, 3].map((n) => ({ ...ranks(n), target: null })),
        check: { ...EXACT, ref: src, pair: false, text: "exact vs the source" },
      });
    }
  }
  if (s.only.has("j")) {
    const formats = [
      [".npy", () => s.ooc.npy()],
      [`Zarr ${CODEC_NAMES["blosc-lz4"]}`, () => s.ooc.zarr("blosc-lz4")],
      ["HDF5 raw", () => s.ooc.h5("raw")],
    ] as const;
    for (const [k, [format, make]] of formats.entries()) {
      const src = await make();
      for (const op of ["mean0", "std"] as const) {
        const id = `j_${k}_${op}`;
        const tol = op === "std" ? STD_TOL : RED_TOL;
        const ranks = (n: number): Cmd => ({
          ...t(id, op, src, n === 1 ? "f64" : `p${n}.f64`, n),
          tool: `mpiexec -n ${n}`,
        });
        cases.push({
          group: "j",
          id,
          name: `${format} ${OP_NAMES[op]}, ${(s.ooc.bytes / 2 ** 30).toFixed(0)} GiB`,
          kind: "scaling",
          warm: [],
          bytes: s.ooc.bytes,
          tessera: ranks(1),
          peers: [2, 3].map((n) => ({ ...ranks(n), target: null })),
          check: {
            ...tol,
            ref: await s.ooc.ref(op),
            pairTol: EXACT,
            text: `${tolText(tol)} vs float64 NumPy; the same bits as 1 rank`,
          },
        });
      }
    }
  }
  return cases;
}
