// Makes an uncaught error on one rank end the whole MPI job: print it once,
// prefixed with the rank, then MPI_Abort so ranks blocked in a collective
// are killed by the launcher too.

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

let installed = false;

/**
 * Installs the `error` and `unhandledrejection` listeners that print the
 * error once and call `abort` (which must not return; `Deno.exit(1)`
 * follows as a safety net). Installed at most once per process.
 *
 * @param rank This process's rank in the world.
 * @param size The world's size.
 * @param abort Ends the job (MPI_Abort on the world communicator).
 */
export function installFatalHandlers(rank: number, size: number, abort: () => void): void {
  if (installed) return;
  installed = true;
  let fired = false;
  const fatal = (error: unknown, event: Event): void => {
    event.preventDefault();
    if (fired) return;
    fired = true;
    writeAll(formatFatal(rank, size, error));
    pause(300);
    try {
      abort();
    } finally {
      Deno.exit(1);
    }
  };
  globalThis.addEventListener("error", (e: ErrorEvent) => fatal(e.error ?? e.message, e));
  globalThis.addEventListener(
    "unhandledrejection",
    (e: PromiseRejectionEvent) => fatal(e.reason, e),
  );
}
