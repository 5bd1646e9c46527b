// Where the time goes, for bench/compare.ts --profile: the Tessera command of
// a case that missed its target is run once more (not timed, not counted)
// with V8's sampling profiler (`deno run --cpu-prof`), which writes one
// .cpuprofile per thread (the main thread and each worker, every rank under
// mpiexec); their self time is summed by kind of work (WebAssembly kernels,
// native codecs and libhdf5 through FFI, file mapping, Deno ops, our
// TypeScript, the garbage collector, idle) and by function. Where `perf` works
// (Linux, perf_event_paranoid <= 1), the same run is also sampled by `perf
// record`: every thread's share by library (kernel, JIT code, libblosc...) and
// the kernel's top functions, which V8's profiler sees only as idle or ops. A worker ended
// with terminate() writes no profile: its thread is then missing from the sum.

import { type Cmd } from "./_compare_cases.ts";
import { ROOT, spawn } from "./_compare_proc.ts";

/** Self time of one kind of work or one function, summed over the threads. */
export interface Share {
  what: string;
  s: number;
}

/** The summary of one profiled run. */
export interface Profile {
  /** The command as run (with --cpu-prof). */
  argv: string[];
  /** Wall time of the profiled run, s (the profiler costs a little). */
  wall: number;
  /** CPU seconds of the whole process tree in user and kernel mode (kernel: system calls, page faults). */
  user: number | null;
  sys: number | null;
  /** .cpuprofile files written (threads sampled, over every rank). */
  threads: number;
  /** Sampled time summed over the threads, s. */
  sampled: number;
  /** Each thread's busy time (sampled, less idle and the profiler's start-up), s. */
  busy: Share[];
  kinds: Share[];
  top: Share[];
  /** perf's view of the same run, when `perf` works here: shares of samples by library, and the kernel's top functions. */
  perf?: { dsos: Share[]; kernel: Share[] };
  error?: string;
}

/** argv with `--cpu-prof --cpu-prof-dir DIR` after `deno run` (`deno task demo` made explicit), or null. */
export function profiledArgv(argv: string[], dir: string): string[] | null {
  const flags = ["--cpu-prof", `--cpu-prof-dir=${dir}`];
  const at = argv.indexOf(Deno.execPath());
  if (at < 0) return null;
  if (argv[at + 1] === "run") {
    return [...argv.slice(0, at + 2), ...flags, ...argv.slice(at + 2)];
  }
  if (argv[at + 1] === "task") {
    const tasks = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks ?? {};
    const words = String(tasks[argv[at + 2]] ?? "").split(/\s+/);
    if (words[0] !== "deno" || words[1] !== "run") return null;
    return [Deno.execPath(), "run", ...flags, ...words.slice(2), ...argv.slice(at + 3)];
  }
  return null;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** The kind of work a sampled frame is. */
function kindOf(fn: string, url: string): string {
  if (fn === "(idle)") return "idle (waiting: I/O, workers, messages)";
  if (fn === "(garbage collector)") return "garbage collector";
  if (fn === "(program)") return "V8 and native code outside JS ((program))";
  if (fn === "op_worker_maybe_wait_for_debugger") return "profiler start-up of a worker";
  if (fn.startsWith("wasm-function") || url.startsWith("wasm://")) return "WebAssembly kernels";
  const file = url.replace(/^file:\/\//, "").replace(ROOT, "");
  if (/_native_codecs|_blosc|_encode_worker|codec/.test(file)) return "codecs (native, FFI)";
  if (/hdf5/.test(file)) return "libhdf5 (FFI) and its wrappers";
  if (/mpi/.test(file)) return "libmpi (FFI; a rank waiting in a collective polls)";
  if (/_map\.ts|ffi\/libc/.test(file)) return "file mapping (mmap, madvise, munmap)";
  if (fn.startsWith("op_")) return "Deno ops (system calls, FFI loading, messages)";
  if (url.startsWith("ext:") || url.startsWith("node:")) return "Deno runtime (JS)";
  if (url.includes("/npm/") || url.includes("node_modules")) return "npm packages";
  if (url === "") return "other native";
  return "Tessera TypeScript";
}

/** Self time by kind and by function over every .cpuprofile in dir. */
export function summarize(
  dir: string,
): Pick<Profile, "threads" | "sampled" | "busy" | "kinds" | "top"> {
  const kinds = new Map<string, number>();
  const fns = new Map<string, number>();
  const busy: Share[] = [];
  let threads = 0, sampled = 0;
  // CPU.<time>.<pid>[.worker-N].cpuprofile: one per thread, every rank
  const names = [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.endsWith(".cpuprofile")).sort();
  const pids = [...new Set(names.map((n) => n.split(".")[2]))];
  for (const name of names) {
    const p = JSON.parse(Deno.readTextFileSync(`${dir}/${name}`)) as CpuProfile;
    const worker = /\.(worker-\d+)\./.exec(name)?.[1] ?? "main";
    const rank = pids.length > 1 ? `process ${pids.indexOf(name.split(".")[2])} ` : "";
    let mine = 0;
    threads++;
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
    for (let k = 0; k < p.samples.length; k++) {
      const cf = byId.get(p.samples[k]);
      const dt = (p.timeDeltas[k] ?? 0) / 1e6;
      if (!cf || dt <= 0) continue;
      sampled += dt;
      const file = cf.url.split("/").pop() ?? "";
      const fname = `${cf.functionName || "(anonymous)"}${file ? ` (${file})` : ""}`;
      const kind = kindOf(cf.functionName, cf.url);
      kinds.set(kind, (kinds.get(kind) ?? 0) + dt);
      fns.set(fname, (fns.get(fname) ?? 0) + dt);
      if (!kind.startsWith("idle") && !kind.startsWith("profiler")) mine += dt;
    }
    busy.push({ what: `${rank}${worker}`, s: mine });
  }
  const sorted = (m: Map<string, number>, n: number): Share[] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([what, s]) => ({ what, s }));
  return { threads, sampled, busy, kinds: sorted(kinds, 8), top: sorted(fns, 6) };
}

let perfWorks: boolean | undefined;

/** Whether `perf record` can sample here (the binary present, perf_event_paranoid permitting). */
async function perfAvailable(): Promise<boolean> {
  if (perfWorks !== undefined) return perfWorks;
  try {
    const o = await new Deno.Command("perf", {
      args: ["record", "-q", "-o", "/dev/null", "--", "true"],
      stdout: "null",
      stderr: "null",
    }).output();
    perfWorks = o.success;
  } catch {
    perfWorks = false;
  }
  return perfWorks;
}

/** `perf report` of file: percent of samples by `sort` key, as shares of 1 (the first `n`). */
async function perfReport(file: string, sort: string): Promise<[string, number][]> {
  const o = await new Deno.Command("perf", {
    args: ["report", "-i", file, "--no-children", "--sort", sort, "--stdio", "-g", "none", "-q"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(o.stdout).split("\n").map((l) => l.trim())
    .filter((l) => /^[\d.]+%/.test(l))
    .map((l) => {
      const [pct, ...rest] = l.split(/\s+/);
      return [rest.join(" "), parseFloat(pct) / 100] as [string, number];
    });
}

/** perf's samples by library ([JIT] of every thread as one) and the kernel's top functions. */
async function perfSummary(file: string): Promise<{ dsos: Share[]; kernel: Share[] }> {
  const dsos = new Map<string, number>();
  for (const [dso, f] of await perfReport(file, "dso")) {
    const name = dso.startsWith("[JIT]")
      ? "JIT code (JavaScript, WebAssembly)"
      : dso === "[kernel.kallsyms]"
      ? "kernel"
      : dso;
    dsos.set(name, (dsos.get(name) ?? 0) + f);
  }
  const kernel = (await perfReport(file, "dso,sym"))
    .filter(([what]) => what.includes("[k]"))
    .slice(0, 3)
    .map(([what, s]) => ({ what: what.replace(/^.*\[k\]\s*/, ""), s }));
  const top = [...dsos].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([what, s]) => ({ what, s }));
  return { dsos: top, kernel };
}

/** Runs cmd once more under the profiler (and `perf record`, where it works) and summarizes it. */
export async function profile(cmd: Cmd): Promise<Profile | null> {
  const dir = await Deno.makeTempDir({ prefix: "tessera-bench-prof-" });
  try {
    const argv = profiledArgv(cmd.argv, dir);
    if (argv === null) return null;
    await Deno.remove(cmd.out, { recursive: true }).catch(() => {});
    const perfFile = `${dir}/perf.data`;
    const perf = await perfAvailable();
    const run = perf ? ["perf", "record", "-q", "-F", "499", "-o", perfFile, "--", ...argv] : argv;
    const p = await spawn(run, { env: cmd.env });
    await Deno.remove(cmd.out, { recursive: true }).catch(() => {});
    return {
      argv,
      wall: p.wall,
      user: p.user,
      sys: p.sys,
      ...summarize(dir),
      ...(perf ? { perf: await perfSummary(perfFile) } : {}),
      ...(p.error ? { error: p.error } : {}),
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** One markdown list item: the run, its kinds of work and its top functions, with shares. */
export function profileText(label: string, p: Profile): string {
  const pct = (s: number) => `${(100 * s / (p.sampled || 1)).toFixed(0)}%`;
  const list = (xs: Share[]) => xs.map((x) => `${x.what} ${x.s.toFixed(2)} s (${pct(x.s)})`);
  const cpu = p.user === null || p.sys === null
    ? ""
    : `, CPU ${p.user.toFixed(2)} s user + ${p.sys.toFixed(2)} s kernel`;
  return `- **${label}**: profiled run ${p.wall.toFixed(2)} s wall${cpu}, ${p.threads} thread(s) ` +
    `sampled, ${p.sampled.toFixed(2)} s in all${p.error ? ` (the run failed: ${p.error})` : ""}; ` +
    `busy (not idle) ${p.busy.map((b) => `${b.what} ${b.s.toFixed(2)} s`).join(", ")}. ` +
    `By kind: ${list(p.kinds).join("; ")}. Top functions (self time): ${list(p.top).join("; ")}.` +
    perfText(p);
}

/** perf's part of a profile line ("" without perf). */
function perfText(p: Profile): string {
  if (!p.perf) return "";
  const share = (xs: Share[]) => xs.map((x) => `${x.what} ${(100 * x.s).toFixed(0)}%`).join(", ");
  return ` perf (every thread, user and kernel): ${share(p.perf.dsos)}; in the kernel: ${
    share(p.perf.kernel)
  }.`;
}
