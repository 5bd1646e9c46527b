// How many threads one process uses, and the one pool of Deno Web Workers the
// readers, writers and kernels run their jobs on.
//
// The thread count is `threads` where an API takes it, else the process's
// setting (the CLI's --threads, setDefaultThreads), else TESSERA_THREADS,
// else the cores of the node divided by the MPI ranks on it (MPICH's
// MPI_LOCALNRANKS, Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE, Slurm's
// SLURM_NTASKS_PER_NODE), at least 1. One thread means: no worker, all work
// in the calling thread.
//
// Web Workers, not node:worker_threads: in Deno 2.9 a node:worker_threads
// worker answered each message about 100 ms late here, a Web Worker in about
// 1 ms. Any live Web Worker, even an idle one, keeps a Deno 2.9 process
// alive (measured: a script whose worker had answered did not exit), so
// pools close their workers a short while (idleMs) after their last job.

import { granted, optionalEnv } from "./permissions.ts";

/** The setting a thread count came from, for error messages. */
const ENV = "TESSERA_THREADS";

/**
 * Parses a thread count: a positive integer (a number or its decimal
 * string); `source` names where it came from in the error.
 *
 * @example
 * ```ts
 * import { parseThreads } from "./threads.ts";
 * console.log(parseThreads("2", "--threads")); // 2
 * ```
 */
export function parseThreads(value: unknown, source: string): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 1024) {
    throw new RangeError(
      `Invalid ${source} ${
        JSON.stringify(value)
      }: expected a whole number of threads from 1 to 1024`,
    );
  }
  return n;
}

/** The MPI ranks on this node, from the launcher's environment (1 without one). */
export function localRanks(): number {
  for (const name of ["MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE"]) {
    const v = Number.parseInt(optionalEnv(name) ?? "", 10);
    if (Number.isInteger(v) && v >= 1) return v;
  }
  return 1;
}

/** The cores this process may use (navigator.hardwareConcurrency, else 1). */
export function cores(): number {
  const n = typeof navigator === "object" ? navigator.hardwareConcurrency : undefined;
  return typeof n === "number" && n >= 1 ? n : 1;
}

/**
 * The thread count of a run: `requested` when given (validated), else
 * TESSERA_THREADS, else the cores divided by the MPI ranks on this node,
 * at least 1.
 *
 * @example
 * ```ts
 * import { threadCount } from "./threads.ts";
 * console.log(threadCount(1)); // 1
 * console.log(threadCount() >= 1); // true
 * ```
 */
export function threadCount(requested?: number | string): number {
  if (requested !== undefined) return parseThreads(requested, "threads option");
  if (processDefault !== undefined) return processDefault;
  const e = optionalEnv(ENV);
  if (e !== undefined && e.trim() !== "") return parseThreads(e, ENV);
  return Math.max(1, Math.floor(cores() / localRanks()));
}

let processDefault: number | undefined;

/**
 * Sets this process's thread count (the CLI's `--threads`), used where no
 * `threads` option is given, before TESSERA_THREADS; `undefined` forgets it.
 * Pools already started keep their size.
 *
 * @example
 * ```ts
 * import { setDefaultThreads, threadCount } from "./threads.ts";
 * setDefaultThreads(1);
 * console.log(threadCount()); // 1
 * setDefaultThreads(undefined);
 * ```
 */
export function setDefaultThreads(n: number | undefined): void {
  processDefault = n === undefined ? undefined : parseThreads(n, "--threads");
}

/**
 * Whether a worker can load the module at `url`: a local module needs read
 * access to the package (the folder above the module's, which holds what it
 * imports). Without it a Web Worker fails to load after it was created, and
 * Deno prints the error however it is handled.
 */
function loadable(url: URL): boolean {
  if (url.protocol !== "file:") return true; // imported by URL: the process imported it too
  return granted({ name: "read", path: decodeURIComponent(new URL("..", url).pathname) });
}

/** The reply of a job whose worker could not start or died: do the job in this thread. */
export const UNAVAILABLE = "\u0000unavailable";

/** What a worker answers: the job's id, and an error message or a result. */
export interface WorkerReply {
  readonly id: number;
  readonly error?: string;
  readonly [key: string]: unknown;
}

interface Slot {
  readonly w: Worker;
  readonly pending: Map<number, (r: WorkerReply) => void>;
}

/**
 * A pool of Deno Web Workers running one module. Each job goes to the least
 * busy worker; it resolves with the worker's reply (the worker posts
 * `{ id, ... }` for the job's `id`), or `{ error: UNAVAILABLE }` when no
 * worker can run it (none started, or its worker died): the caller then does
 * the job itself. Workers start on first use and stop `idleMs` after the
 * last job, so an idle pool keeps the process alive at most that long.
 *
 * @example
 * ```ts
 * import { WorkerPool } from "./threads.ts";
 * const url = URL.createObjectURL(
 *   new Blob(["self.onmessage = (e) => self.postMessage({ id: e.data.id, twice: 2 * e.data.x });"], {
 *     type: "text/javascript",
 *   }),
 * );
 * const pool = new WorkerPool(new URL(url), 1);
 * console.log((await pool.run({ x: 21 })).twice); // 42
 * pool.close();
 * ```
 */
export class WorkerPool {
  readonly #url: URL;
  readonly #size: number;
  readonly #idleMs: number;
  #slots: Slot[] = [];
  #started = false;
  #next = 0;
  #active = 0;
  #holds = 0;
  #idle: ReturnType<typeof setTimeout> | undefined;

  constructor(url: URL, size: number, idleMs = 100) {
    this.#url = url;
    this.#size = size;
    this.#idleMs = idleMs;
  }

  /** The workers asked for. */
  get size(): number {
    return this.#size;
  }

  /** Whether at least one worker runs (starting them if not yet started). */
  get alive(): boolean {
    this.#start();
    return this.#slots.length > 0;
  }

  #start(): void {
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
    if (this.#started) return;
    this.#started = true;
    if (!loadable(this.#url)) return; // jobs run in-thread, and nothing is printed
    for (let i = 0; i < this.#size; i++) {
      let w: Worker;
      try {
        w = new Worker(this.#url, { type: "module" });
      } catch {
        continue; // no permission to read the module, or no workers: jobs run in-thread
      }
      const slot: Slot = { w, pending: new Map() };
      w.onmessage = (e: MessageEvent<WorkerReply>) => {
        const done = slot.pending.get(e.data.id);
        slot.pending.delete(e.data.id);
        done?.(e.data);
      };
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#slots = this.#slots.filter((s) => s !== slot);
        for (const done of slot.pending.values()) done({ id: -1, error: UNAVAILABLE });
        slot.pending.clear();
        w.terminate();
      };
      this.#slots.push(slot);
    }
  }

  /**
   * Runs a job (a structured-cloneable object; `transfer` lists buffers to
   * move rather than copy) on the least busy worker.
   */
  run(job: Record<string, unknown>, transfer: Transferable[] = []): Promise<WorkerReply> {
    this.#start();
    let best: Slot | undefined = this.#slots[0];
    for (const s of this.#slots) if (s.pending.size < best!.pending.size) best = s;
    if (best === undefined) return Promise.resolve({ id: -1, error: UNAVAILABLE });
    const slot = best;
    const id = this.#next++;
    this.#active++;
    return new Promise<WorkerReply>((resolve) => {
      slot.pending.set(id, resolve);
      slot.w.postMessage({ ...job, id }, transfer);
    }).finally(() => {
      if (--this.#active === 0) this.#scheduleClose();
    });
  }

  /**
   * Keeps the workers running while the caller needs them (a run whose jobs
   * come in bursts: without it, the pool stopped between two bursts more than
   * `idleMs` apart, and the next job waited for a new worker to load); the
   * idle countdown starts when the last hold is released and no job runs.
   *
   * @returns A function that releases the hold (idempotent).
   *
   * @example
   * ```ts
   * import { WorkerPool } from "./threads.ts";
   * const url = URL.createObjectURL(
   *   new Blob(["self.onmessage = (e) => self.postMessage({ id: e.data.id });"], {
   *     type: "text/javascript",
   *   }),
   * );
   * const pool = new WorkerPool(new URL(url), 1, 10);
   * const release = pool.hold();
   * await pool.run({});
   * await new Promise((r) => setTimeout(r, 50));
   * if (!pool.alive) throw new Error("the pool stopped while held");
   * release();
   * pool.close();
   * ```
   */
  hold(): () => void {
    this.#holds++;
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.#holds === 0 && this.#active === 0 && this.#started) this.#scheduleClose();
    };
  }

  #scheduleClose(): void {
    if (this.#holds > 0) return;
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      this.#idle = undefined;
      if (this.#active === 0) this.close();
    }, this.#idleMs);
  }

  /** Stops the workers now (the next job starts them again). */
  close(): void {
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
    for (const s of this.#slots) {
      s.w.terminate();
      for (const done of s.pending.values()) done({ id: -1, error: UNAVAILABLE });
    }
    this.#slots = [];
    this.#started = false;
  }
}
