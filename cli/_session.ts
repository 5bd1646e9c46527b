// What every command shares: the world communicator (only rank 0 prints),
// the memory budget, progress reporting, opening and writing locators
// (through the stream layer, which reaches every format through
// io/formats.ts), and the CLI's own usage error.

import { toDType } from "../core/dtype.ts";
import type { DType } from "../core/dtype.ts";
import { formatBytes } from "../core/errors.ts";
import { extentProblem } from "../core/limits.ts";
import { optionalEnv } from "../core/permissions.ts";
import type { Comm } from "../dist/comm.ts";
import { type Format, parseLocator } from "../io/locator.ts";
import { memoryBudget } from "../stream/budget.ts";
import { parseThreads, setDefaultThreads } from "../core/threads.ts";
import type { LazyArray, Progress, RunOptions, WriteOptions } from "../stream/mod.ts";

/** A mistake in the command line itself (exit code 2). */
export class UsageError extends Error {
  /**
   * @param message What is wrong, sentence case.
   * @param options The underlying cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** The options every command takes. */
export interface CommonOptions {
  /** Memory budget (`512MiB`), else `TESSERA_MEMORY`, else a quarter of RAM. */
  readonly memory?: string;
  /** Threads computing blocks (`--threads`), else `TESSERA_THREADS`, else cores / local ranks. */
  readonly threads?: string;
  /** No progress output. */
  readonly quiet?: boolean;
  /** Machine-readable output. */
  readonly json?: boolean;
  /** Stack traces on errors. */
  readonly debug?: boolean;
  /** Read stored values without CF decoding (`--raw`). */
  readonly raw?: boolean;
}

/** Runs `fn`, turning any error it throws into a {@link UsageError}. */
export function asUsage<T>(fn: () => T, prefix = ""): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${prefix}${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
}

/** Parses a locator, as a usage error when it does not parse. */
export function checkLocator(
  text: string,
  options: { requireObject?: boolean } = {},
): { path: string; format: Format; object: string | null } {
  return asUsage(() => parseLocator(text, options));
}

/** Parses `"a,b,c"` into integers (`what` names the option in messages). */
export function parseInts(text: string, what: string, min = -Infinity): number[] {
  const parts = text.split(",").map((s) => s.trim());
  const out = parts.map((p) => (/^[+-]?\d+$/.test(p) ? Number(p) : NaN));
  if (parts.length === 0 || out.some((v) => !Number.isSafeInteger(v) || v < min)) {
    throw new UsageError(
      `Invalid ${what} "${text}": expected comma-separated integers${
        min > -Infinity ? ` of at least ${min}` : ""
      }`,
    );
  }
  return out;
}

/**
 * Parses `--chunks "a,b,c"`: positive integers whose product (elements of
 * one chunk) a buffer can hold, as a usage error naming the option otherwise.
 */
export function parseChunks(text: string): number[] {
  const chunks = parseInts(text, "--chunks", 1);
  const problem = extentProblem([], 1, chunks);
  if (problem !== null) throw new UsageError(`Invalid --chunks "${text}": ${problem}`);
  return chunks;
}

/** Parses a dtype name, as a usage error when unknown. */
export function parseDType(text: string): DType {
  return asUsage(() => toDType(text));
}

const encoder = new TextEncoder();

function writeAllSync(file: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * Progress on stderr (rank 0 only): a redrawn bar with rate and ETA on a
 * terminal, a plain line every `interval` ms otherwise, nothing when quiet.
 */
class ProgressReporter {
  readonly #label: string;
  readonly #tty: boolean;
  readonly #interval: number;
  #start = 0;
  #passStart = 0;
  #pass = 0;
  #last = 0;
  #drawn = false;

  constructor(label: string, tty: boolean, interval: number) {
    this.#label = label;
    this.#tty = tty;
    this.#interval = interval;
  }

  update(p: Progress): void {
    const now = performance.now();
    if (this.#start === 0) this.#start = now;
    if (p.pass !== this.#pass) {
      this.#pass = p.pass;
      this.#passStart = now;
    }
    const finished = p.chunksDone >= p.chunks && p.pass >= p.passes;
    if (!finished && now - this.#last < this.#interval) return;
    if (!this.#tty && finished && !this.#drawn) return; // quick runs print nothing
    this.#last = now;
    const elapsed = Math.max(1e-3, (now - this.#passStart) / 1000);
    const rate = p.bytesDone / elapsed;
    const frac = p.bytes > 0 ? p.bytesDone / p.bytes : p.chunks > 0 ? p.chunksDone / p.chunks : 1;
    const eta = rate > 0 ? (p.bytes - p.bytesDone) / rate : Infinity;
    const pass = p.passes > 1 ? ` pass ${p.pass}/${p.passes}` : "";
    const stats = `${(frac * 100).toFixed(0).padStart(3)}% ${p.chunksDone}/${p.chunks} chunks ${
      formatBytes(p.bytesDone)
    } ${formatBytes(rate)}/s ETA ${formatDuration(eta)}`;
    if (this.#tty) {
      const width = 24;
      const full = Math.round(frac * width);
      const bar = `[${"#".repeat(full)}${"-".repeat(width - full)}]`;
      writeAllSync(Deno.stderr, `\r\x1b[K${this.#label}${pass} ${bar} ${stats}`);
    } else {
      writeAllSync(Deno.stderr, `${this.#label}${pass}: ${stats}\n`);
    }
    this.#drawn = true;
  }

  end(): void {
    if (this.#tty && this.#drawn) writeAllSync(Deno.stderr, "\r\x1b[K");
  }
}

/** One command's run: the communicator, the budget, progress, and the sources to close. */
export class Session {
  /** The world communicator. */
  readonly comm: Comm;
  /** The memory budget in bytes. */
  readonly memory: number;
  /** The options the command was given. */
  readonly options: CommonOptions;
  readonly #closers: (() => unknown)[] = [];
  #progress: ProgressReporter | null = null;

  constructor(comm: Comm, options: CommonOptions) {
    this.comm = comm;
    this.options = options;
    this.memory = asUsage(() => memoryBudget(options.memory), "Invalid --memory: ");
    // the process's default: the engine's compute workers and the readers' decode pools follow it
    if (options.threads !== undefined) {
      asUsage(() => setDefaultThreads(parseThreads(options.threads, "--threads")));
    }
  }

  /** Whether this rank prints (rank 0). */
  get printer(): boolean {
    return this.comm.rank === 0;
  }

  /** Writes text to stdout (rank 0 only). */
  out(text: string): void {
    if (this.printer) writeAllSync(Deno.stdout, text.endsWith("\n") ? text : `${text}\n`);
  }

  /** Writes a JSON document to stdout (rank 0 only). */
  outJson(value: unknown): void {
    this.out(JSON.stringify(value, jsonReplacer, 2));
  }

  /**
   * Run options: the budget, the communicator and (rank 0, not quiet) a
   * progress callback labelled `label`.
   */
  run(label: string): RunOptions {
    this.#progress?.end();
    this.#progress = null;
    let onProgress: ((p: Progress) => void) | undefined;
    if (this.printer && !this.options.quiet) {
      // optional: without env access the default interval applies
      const env = Number(optionalEnv("TESSERA_PROGRESS_INTERVAL") ?? "");
      const tty = Deno.stderr.isTerminal();
      const interval = Number.isFinite(env) && env > 0 ? env : tty ? 100 : 2000;
      const reporter = new ProgressReporter(label, tty, interval);
      this.#progress = reporter;
      onProgress = (p) => reporter.update(p);
    }
    return { memory: this.memory, comm: this.comm, onProgress };
  }

  /** Ends the progress display. */
  endProgress(): void {
    this.#progress?.end();
    this.#progress = null;
  }

  /**
   * Opens a locator lazily (any format of io/formats.ts). Errors that do not
   * name the locator are prefixed with it.
   */
  async open(locator: string): Promise<LazyArray> {
    const loc = checkLocator(locator);
    try {
      // the stream engine loads with the first command that reads an array
      const { open } = await import("../stream/mod.ts");
      const a = await open(locator, { decode: !this.options.raw });
      this.#closers.push(() => a.close());
      return a;
    } catch (e) {
      throw nameLocator(e, locator, loc.path);
    }
  }

  /** Writes a lazy array to a locator (`LazyArray.to`: any format of io/formats.ts). */
  async write(
    a: LazyArray,
    locator: string,
    options: WriteOptions & { label?: string },
  ): Promise<void> {
    const loc = checkLocator(locator);
    const { label, ...rest } = options;
    const run = this.run(label ?? `writing ${locator}`);
    try {
      await a.to(locator, { ...rest, ...run });
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) {
        // the library's option is the command line's flag
        e.message = e.message.replace("pass overwrite: true", "pass --overwrite");
      }
      throw nameLocator(e, locator, loc.path, "Cannot write");
    } finally {
      this.endProgress();
    }
  }

  /** Closes every source opened. */
  async close(): Promise<void> {
    this.endProgress();
    for (const c of this.#closers.splice(0)) {
      try {
        await c();
      } catch {
        // closing is best effort
      }
    }
  }
}

/** Adds the locator to an error whose message names neither it nor its file. */
export function nameLocator(
  e: unknown,
  locator: string,
  path: string,
  verb = "Cannot open",
): unknown {
  if (!(e instanceof Error) || e instanceof UsageError) return e;
  if (e.message.includes(path) || e.message.includes(locator)) return e;
  const err = new Error(`${verb} "${locator}": ${e.message}`, { cause: e });
  err.name = e.name;
  return err;
}

/** JSON for results: NaN and infinities as null, bigints as numbers when exact, else strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value;
}
