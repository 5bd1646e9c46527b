// Processes of bench/compare.ts: each measurement is a fresh process, timed
// whole (wall) by this harness, its peak RSS taken from what it prints (VmHWM,
// the largest rank) or else from /usr/bin/time (%M: the largest process of the
// tree), its in-process compute time from the JSON line it prints.

/** What one process gave. */
export interface Proc {
  /** The command line (for the JSON record). */
  argv: string[];
  /** Whole-process wall time, s (spawn to exit). */
  wall: number;
  /** In-process compute time, s (start-up excluded), when the process reports one. */
  compute: number | null;
  /** Peak RSS, MiB (largest rank or process). */
  hwm: number | null;
  /** CPU seconds in user and kernel (system) mode, the whole process tree (/usr/bin/time). */
  user: number | null;
  sys: number | null;
  /** The JSON lines the process printed on stdout. */
  json: Record<string, unknown>[];
  stdout: string;
  /** Set when the process failed: exit code and the end of its stderr. */
  error?: string;
}

export const PY = Deno.env.get("TESSERA_PYTHON") ?? "/usr/bin/python3";
export const MPIEXEC = Deno.env.get("TESSERA_MPIEXEC") ?? "mpiexec.mpich";
export const HERE = new URL(".", import.meta.url).pathname;
export const ROOT = new URL("..", import.meta.url).pathname;
export const RUNNER = `${HERE}_compare_run.ts`;
export const PEERS = `${HERE}_compare_peers.py`;
const TIMEOUT_S = 1800;
const dec = new TextDecoder();

/** Runs argv (with `timeout` and `/usr/bin/time`), measuring its wall time and peak RSS. */
export async function spawn(
  argv: string[],
  opts: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Proc> {
  const timeFile = await Deno.makeTempFile({ prefix: "tessera-bench-time-" });
  const t0 = performance.now();
  const out = await new Deno.Command("timeout", {
    args: [String(TIMEOUT_S), "/usr/bin/time", "-o", timeFile, "-f", "%M %U %S", ...argv],
    cwd: opts.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...opts.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wall = (performance.now() - t0) / 1000;
  const timeText = await Deno.readTextFile(timeFile).catch(() => "");
  await Deno.remove(timeFile).catch(() => {});
  const stdout = dec.decode(out.stdout);
  const json = stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      return {};
    }
  });
  const nums = (k: string) =>
    json.map((j) => j[k]).filter((v): v is number => typeof v === "number");
  const computes = nums("compute_s");
  const hwms = nums("hwm");
  // the last line: "%M %U %S" (peak KiB, user s, system s)
  const [timeKiB, user, sys] = (timeText.trim().split("\n").pop() ?? "").split(" ").map(Number);
  const p: Proc = {
    argv,
    wall,
    compute: computes.length ? Math.max(...computes) : null,
    hwm: hwms.length ? Math.max(...hwms) : Number.isFinite(timeKiB) ? timeKiB / 1024 : null,
    user: Number.isFinite(user) ? user : null,
    sys: Number.isFinite(sys) ? sys : null,
    json,
    stdout,
  };
  if (!out.success) {
    // the error's own line (an uncaught exception's message), else the end of stderr
    const lines = dec.decode(out.stderr).trim().split("\n"); // NO_COLOR: no escapes
    const msg = lines.find((l) => /^(error: |Uncaught |\w*Error\b)/.test(l.trim())) ??
      lines.slice(-3).join(" | ");
    p.error = `exit ${out.code}: ${msg.trim().slice(0, 300)}`;
  }
  return p;
}

/** A Tessera library measurement (bench/_compare_run.ts), alone or under mpiexec -n ranks. */
export function tesseraArgv(args: string[], ranks = 0): string[] {
  const deno = [Deno.execPath(), "run", "-A", RUNNER, ...args];
  return ranks === 0 ? deno : [MPIEXEC, "-n", String(ranks), ...deno];
}

/** The `tessera` CLI (cli/main.ts), as a user runs it. */
export function cliArgv(args: string[]): string[] {
  return [Deno.execPath(), "run", "-A", `${ROOT}cli/main.ts`, ...args];
}

/** A subcommand of bench/_compare_peers.py. */
export function peerArgv(args: string[]): string[] {
  return [PY, PEERS, ...args];
}

/** Runs a _compare_peers.py helper (generation, reference, check) and returns its JSON line. */
export async function py(args: string[]): Promise<Record<string, unknown>> {
  const p = await spawn(peerArgv(args));
  if (p.error || p.json.length === 0) {
    throw new Error(`${PY} ${PEERS} ${args.join(" ")} failed: ${p.error ?? "no JSON output"}`);
  }
  return p.json[0];
}

/** The 1-minute load average (/proc/loadavg). */
export function load1(): number {
  return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
}

export async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Removes a file or directory if present. */
export async function rm(p: string): Promise<void> {
  await Deno.remove(p, { recursive: true }).catch(() => {});
}

/** Reads files once so that the next run starts from a warm page cache. */
export async function warm(paths: string[]): Promise<void> {
  for (const p of paths) {
    const file = p.replace(/(\.h5):.*$/, "$1");
    await new Deno.Command("sh", {
      args: ["-c", `find '${file}' -type f -exec cat {} + >/dev/null`],
    }).output();
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
