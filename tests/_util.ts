// Shared helpers for tests: running the Python peers (numpy, h5py, zarr),
// temporary directories, and the rule that with CI=true a missing peer fails
// the run instead of skipping.

/** The Python that has Debian's numpy, h5py, zarr and dask. */
export const PYTHON = Deno.env.get("TESSERA_PYTHON") ?? "/usr/bin/python3";

/** True when running under CI (missing peers are failures, not skips). */
export const IN_CI = Deno.env.get("CI") === "true";

const probed = new Map<string, boolean>();

/**
 * Whether `/usr/bin/python3` can import every module named. Under CI a
 * missing module throws, so the test fails instead of being skipped.
 */
export function hasPython(...modules: string[]): boolean {
  const key = modules.join(",");
  let ok = probed.get(key);
  if (ok === undefined) {
    try {
      const r = new Deno.Command(PYTHON, {
        args: ["-c", modules.map((m) => `import ${m}`).join("; ") || "pass"],
        stdout: "null",
        stderr: "null",
      }).outputSync();
      ok = r.success;
    } catch {
      ok = false;
    }
    probed.set(key, ok);
  }
  if (!ok && IN_CI) {
    throw new Error(
      `CI=true but ${PYTHON} cannot import ${key}: install Debian's python3-numpy, python3-h5py, python3-zarr, python3-dask`,
    );
  }
  return ok;
}

/** Whether a command is on PATH. Under CI a missing command throws. */
export function hasCommand(cmd: string): boolean {
  let ok = probed.get(`cmd:${cmd}`);
  if (ok === undefined) {
    try {
      ok =
        new Deno.Command("sh", { args: ["-c", `command -v ${cmd}`], stdout: "null" }).outputSync()
          .success;
    } catch {
      ok = false;
    }
    probed.set(`cmd:${cmd}`, ok);
  }
  if (!ok && IN_CI) throw new Error(`CI=true but "${cmd}" is not installed`);
  return ok;
}

/**
 * Runs a Python script with arguments and returns its stdout. Throws with
 * the script's stderr when it fails.
 */
export async function runPython(script: string, ...args: string[]): Promise<string> {
  const r = await new Deno.Command(PYTHON, {
    args: ["-c", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout);
  if (!r.success) {
    throw new Error(`python failed (${r.code}): ${new TextDecoder().decode(r.stderr)}\n${out}`);
  }
  return out;
}

/** Runs a Python script and parses its stdout as JSON. */
export async function pythonJson<T = unknown>(script: string, ...args: string[]): Promise<T> {
  return JSON.parse(await runPython(script, ...args)) as T;
}

/** A fresh temporary directory, removed by `Symbol.asyncDispose`. */
export async function tempDir(
  prefix = "tessera-test-",
): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** Repository root (absolute path, no trailing slash). */
export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * Stderr without Deno's own "Download https://..." lines, which a cold Deno
 * cache prints before the program starts (scripts/test.ts warms the cache;
 * this keeps a test run by hand on a fresh machine meaningful too).
 */
export function withoutDownloads(stderr: Uint8Array): string {
  return new TextDecoder().decode(stderr).split(/(?<=\n)/)
    // deno-lint-ignore no-control-regex
    .filter((l) => !/^(\x1b\[[0-9;]*m)*Download(\x1b\[[0-9;]*m)* \S/.test(l)).join("");
}

/** The CLI's entry point. */
export const CLI_MAIN = `${ROOT}/cli/main.ts`;

/** What one `tessera` run printed. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  /** Stderr without Deno's download lines ({@link withoutDownloads}). */
  readonly stderr: string;
}

/**
 * Runs `deno run -A cli/main.ts ...args` (NO_COLOR set) in `cwd` and waits
 * for it: the one way the tests run the CLI to its end.
 */
export async function runCli(args: readonly string[], cwd?: string): Promise<CliRun> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI_MAIN, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  return {
    code: r.code,
    stdout: new TextDecoder().decode(r.stdout),
    stderr: withoutDownloads(r.stderr),
  };
}

/** Names in a directory, sorted (temporaries included). */
export function listing(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

/** What a write leaves behind by mistake in `dir`: temporaries and locks. */
export function leftovers(dir: string): string[] {
  return listing(dir).filter((n) => n.includes(".tessera-tmp-") || n.includes(".tessera-lock"));
}

/** `tessera ...args -q`, asserting exit 0 (the message carries its stderr). */
export async function tesseraOk(...args: string[]): Promise<void> {
  const r = await runCli([...args, "-q"]);
  if (r.code !== 0) throw new Error(`tessera ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
}

/** `ncgen -4` of examples/t2m.cdl into `dir/t2m.nc`; returns its path. */
export async function ncgenT2m(dir: string): Promise<string> {
  const out = `${dir}/t2m.nc`;
  const r = await new Deno.Command("ncgen", {
    args: ["-4", "-o", out, `${ROOT}/examples/t2m.cdl`],
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`ncgen: ${new TextDecoder().decode(r.stderr)}`);
  return out;
}

/** What `ncdump [flags] path` prints. */
export async function ncdump(path: string, ...flags: string[]): Promise<string> {
  const r = await new Deno.Command("ncdump", { args: [...flags, path], stderr: "piped" }).output();
  if (!r.success) throw new Error(`ncdump ${path}: ${new TextDecoder().decode(r.stderr)}`);
  return new TextDecoder().decode(r.stdout);
}

/** Runs a Python script with `input` as JSON on its stdin and parses its stdout as JSON. */
export async function pythonStdinJson<T = unknown>(script: string, input: unknown): Promise<T> {
  const child = new Deno.Command(PYTHON, {
    args: ["-c", script],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify(input)));
  await w.close();
  const r = await child.output();
  if (!r.success) throw new Error(`python failed: ${new TextDecoder().decode(r.stderr)}`);
  return JSON.parse(new TextDecoder().decode(r.stdout));
}

/** An array's elements as the strings the NumPy comparison scripts print (bools as 1 and 0). */
export function flatStrings(a: { flat(): Iterable<unknown> }): string[] {
  return [...a.flat()].map((v) => (typeof v === "boolean" ? (v ? "1" : "0") : String(v)));
}

/**
 * A deterministic uniform generator on [0, 1) (32-bit xorshift), for test
 * values that must be the same on every run.
 *
 * @param seed A non-zero 32-bit seed.
 * @returns The generator: each call gives the next value.
 */
export function xorshift(seed: number): () => number {
  let s = seed | 0;
  return (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * The bytes of an array's values in C order (a copy): equal lists mean the
 * same bits (NaN payloads and signed zeros included).
 *
 * @param a The array.
 * @returns Its bytes.
 */
export function bits(a: { copy(): { data: unknown; nbytes: number } }): number[] {
  const c = a.copy();
  const d = c.data as ArrayBufferView;
  return [...new Uint8Array(d.buffer, d.byteOffset, c.nbytes)];
}
