// Makes any way one rank ends early end the whole MPI job: an uncaught error
// or unhandled rejection (with or without `await using`), `Deno.exit(n)`,
// SIGINT or SIGTERM. The cause is printed once, prefixed with the rank, then
// MPI_Abort kills every rank, including ranks blocked in a collective. A rank
// that is killed outright (kill -9) is the launcher's to clean up: MPICH's
// mpiexec and Open MPI's mpirun both end the job when a rank dies.

import { cleanPendingOutputs } from "../io/output.ts";

const encoder = new TextEncoder();

function writeAll(text: string): void {
  const bytes = encoder.encode(text);
  let done = 0;
  while (done < bytes.length) {
    try {
      done += Deno.stderr.writeSync(bytes.subarray(done));
    } catch {
      return;
    }
  }
}

/**
 * Formats an uncaught value for the job's stderr.
 *
 * @param rank This process's rank in the world.
 * @param size The world's size.
 * @param error The uncaught value.
 * @returns One block of text, each line prefixed with `[rank R/N]`.
 */
export function formatFatal(rank: number, size: number, error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : (
    `Uncaught ${typeof error === "string" ? error : Deno.inspect(error)}`
  );
  return prefixed(rank, size, text);
}

function prefixed(rank: number, size: number, text: string): string {
  const prefix = `[rank ${rank}/${size}] `;
  return text.split("\n").map((line) => prefix + line).join("\n") + "\n";
}

/**
 * Blocks the thread for `ms` milliseconds. Used between printing the error
 * and MPI_Abort: the launcher forwards each rank's stderr asynchronously, and
 * an immediate abort lost the message in about one job in 25 (MPICH).
 */
function pause(ms: number): void {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  } catch {
    const end = performance.now() + ms;
    while (performance.now() < end) { /* spin */ }
  }
}

/** What the guards need from the MPI world. */
export interface JobHooks {
  /** This process's rank in the world. */
  readonly rank: number;
  /** The world's size. */
  readonly size: number;
  /** Ends the job (MPI_Abort on the world) with `code`; should not return. */
  abort(code: number): void;
  /**
   * Tells the other ranks this one reached its end and waits for theirs.
   *
   * @param timeoutMs How long to wait.
   * @returns The ranks that did not arrive in time (empty when all did).
   */
  agree(timeoutMs: number): number[];
  /** MPI_Finalize (idempotent). */
  finalize(): void;
  /** Whether MPI was finalized. */
  finalized(): boolean;
}

const SIGNALS: readonly [Deno.Signal, number][] = [["SIGINT", 130], ["SIGTERM", 143]];
let installed = false;

/** Seconds `Deno.exit(0)` waits for the other ranks (`TESSERA_MPI_EXIT_TIMEOUT`, default 3). */
function exitTimeoutMs(): number {
  try {
    const s = Number(Deno.env.get("TESSERA_MPI_EXIT_TIMEOUT") ?? "3");
    return Number.isFinite(s) && s >= 0 ? s * 1000 : 3000;
  } catch {
    return 3000;
  }
}

/**
 * Installs, at most once per process:
 * - `error` and `unhandledrejection` listeners: print the error and abort (exit code 1);
 * - a `Deno.exit` wrapper: a non-zero code aborts the job with that code; `Deno.exit(0)`
 *   waits (`TESSERA_MPI_EXIT_TIMEOUT` s, default 3) for every rank to reach its end, then
 *   finalizes MPI, else aborts: the ranks that did not arrive are blocked, most likely in
 *   a collective this rank skipped;
 * - SIGINT and SIGTERM listeners: abort with 130 and 143;
 * - an `unload` listener (the program's natural end): finalizes MPI, or aborts when
 *   `Deno.exitCode` is non-zero.
 *
 * @param hooks The world's rank, size, abort, agreement and finalize.
 */
export function installJobGuards(hooks: JobHooks): void {
  if (installed) return;
  installed = true;
  const { rank, size } = hooks;
  const exit = Deno.exit;
  let fired = false;
  const fatal = (text: string, code: number): never => {
    if (!fired) {
      fired = true;
      writeAll(text);
      cleanPendingOutputs(); // this rank's output temporaries and locks (io/output.ts)
      pause(300);
      try {
        hooks.abort(code);
      } catch {
        // fall through to the exit below
      }
    }
    return exit(code);
  };
  const onError = (error: unknown, event: Event): void => {
    event.preventDefault();
    fatal(formatFatal(rank, size, error), 1);
  };
  globalThis.addEventListener("error", (e: ErrorEvent) => onError(e.error ?? e.message, e));
  globalThis.addEventListener(
    "unhandledrejection",
    (e: PromiseRejectionEvent) => onError(e.reason, e),
  );
  Deno.exit = function exitJob(code?: number): never {
    const c = code ?? Deno.exitCode;
    if (c !== 0) {
      return fatal(prefixed(rank, size, `Deno.exit(${c}) called: ending the job`), c);
    }
    if (!hooks.finalized() && !fired) {
      const timeout = exitTimeoutMs();
      const missing = hooks.agree(timeout);
      if (missing.length) {
        const who = `${missing.length === 1 ? "rank" : "ranks"} ${missing.join(", ")}`;
        return fatal(
          prefixed(
            rank,
            size,
            `Deno.exit(0) called while ${who} did not reach the end within ${
              timeout / 1000
            } s (blocked in a collective this rank skipped?): ending the job`,
          ),
          1,
        );
      }
      hooks.finalize();
    }
    return exit(c);
  };
  for (const [signal, code] of SIGNALS) {
    try {
      Deno.addSignalListener(
        signal,
        () => fatal(prefixed(rank, size, `Received ${signal}: ending the job`), code),
      );
    } catch {
      // not supported on this platform
    }
  }
  globalThis.addEventListener("unload", () => {
    if (hooks.finalized() || fired) return;
    const c = Deno.exitCode;
    if (c !== 0) fatal(prefixed(rank, size, `Exiting with code ${c}: ending the job`), c);
    else hooks.finalize();
  });
}
