/**
 * {@link fillUniformParallel}: the uniform fill of core/random.ts on the
 * worker pool of core/threads.ts (workers run core/_random_worker.ts).
 *
 * @module
 */

import { fillUniform, type FillUniformOptions, type UniformBound } from "./random.ts";
import { toRegion } from "./indexer.ts";
import { checkOptionKeys } from "./options.ts";
import { threadCount, UNAVAILABLE, WorkerPool } from "./threads.ts";
import { runUniformJob, type UniformJob } from "./_random_worker.ts";

const WORKER_URL = new URL("./_random_worker.ts", import.meta.url);
const pools = new Map<number, WorkerPool>();
/** Regions smaller than this are filled in the calling thread. */
const MIN_PARALLEL = 1 << 16;
/**
 * Shared scratch buffers for outputs not in shared memory, kept for the next
 * call (at most 2, of at most 64 MiB): a fresh one per call cost its page faults.
 */
const spare: SharedArrayBuffer[] = [];

function takeScratch(bytes: number): SharedArrayBuffer {
  const i = spare.findIndex((b) => b.byteLength >= bytes);
  return i >= 0 ? spare.splice(i, 1)[0] : new SharedArrayBuffer(bytes);
}

function giveScratch(b: SharedArrayBuffer): void {
  if (b.byteLength <= 64 << 20 && spare.length < 2) spare.push(b);
}

/**
 * {@link fillUniform} on the worker pool (core/threads.ts): the region is
 * cut along its first axis into one part per thread, each filled by a
 * worker; the bits are those of `fillUniform` whatever the thread count
 * (each value depends on its global index only). An `out` backed by a
 * SharedArrayBuffer is written in place, any other through a shared scratch
 * buffer copied into it (Deno writes a file from an ArrayBuffer about twice
 * as fast as from a SharedArrayBuffer, which it copies first).
 * Small regions, one thread, or no worker (no permission to start one): the
 * calling thread fills it. Each worker holds about 10 MiB (its heap) and
 * 128 KiB of kernel memory.
 *
 * @param out As for {@link fillUniform}.
 * @param options As for {@link fillUniform}, and `threads` (default {@link threadCount}).
 * @returns `out`, once filled.
 * @throws {TypeError} As {@link fillUniform}, and for an unknown option.
 * @throws {RangeError} As {@link fillUniform}, and for a bad `threads`.
 *
 * @example
 * ```ts
 * import { fillUniform } from "./random.ts";
 * import { fillUniformParallel } from "./random_parallel.ts";
 * const opts = { shape: [512, 256], seed: 3, low: -1, high: 1 };
 * const out = new Float32Array(new SharedArrayBuffer(4 * 512 * 256));
 * await fillUniformParallel(out, { ...opts, threads: 2 });
 * const ref = fillUniform(new Float32Array(512 * 256), opts);
 * if (!out.every((v, i) => v === ref[i])) throw new Error("bad");
 * ```
 */
export async function fillUniformParallel<T extends Float64Array | Float32Array>(
  out: T,
  options: FillUniformOptions & { readonly threads?: number },
): Promise<T> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Invalid options for fillUniformParallel(): expected an object with a shape`,
    );
  }
  checkOptionKeys("fillUniformParallel()", options, [
    "seed",
    "region",
    "stream",
    "shape",
    "low",
    "high",
    "threads",
  ]);
  const { threads, ...fill } = options;
  const nThreads = threadCount(threads);
  const float32 = out instanceof Float32Array;
  const shape = fill.shape;
  if (!Array.isArray(shape) || shape.length === 0 || !(float32 || out instanceof Float64Array)) {
    return fillUniform(out, fill); // 0-d or bad arguments: its checks and errors
  }
  const r = toRegion(shape, fill.region);
  // validate shape, seed, stream and bounds on an empty part of the region
  const Ctor = float32 ? Float32Array : Float64Array;
  fillUniform(new Ctor(0), { ...fill, region: { ...r, count: [0, ...r.count.slice(1)] } });
  const size = r.count.reduce((a, b) => a * b, 1);
  if (out.length !== size) return fillUniform(out, fill); // its RangeError
  const n = Math.min(nThreads, r.count[0]);
  let pool = pools.get(n);
  if (pool === undefined && n > 1 && size >= MIN_PARALLEL) {
    pool = new WorkerPool(WORKER_URL, n);
    pools.set(n, pool);
  }
  if (pool === undefined || !pool.alive) return fillUniform(out, fill);
  const scratch = out.buffer instanceof SharedArrayBuffer ? null : takeScratch(out.byteLength);
  const shared = scratch === null
    ? out
    : new Ctor(scratch as unknown as ArrayBuffer, 0, out.length);
  const bound = (v: UniformBound | undefined) =>
    v === undefined || typeof v === "number" ? v : Float64Array.from(v);
  const [low, high] = [bound(fill.low), bound(fill.high)];
  const base = { shape: [...shape], seed: fill.seed, stream: fill.stream, low, high };
  const rows = r.count[0];
  const per = size / rows; // elements per index of the region's first axis
  const parts: Promise<void>[] = [];
  for (let p = 0; p < n; p++) {
    const r0 = Math.floor((p * rows) / n);
    const r1 = Math.floor(((p + 1) * rows) / n);
    const region = {
      start: r.start.map((s, a) => (a === 0 ? s + r0 * r.step[0] : s)),
      step: r.step,
      count: r.count.map((c, a) => (a === 0 ? r1 - r0 : c)),
    };
    const job: UniformJob = {
      buffer: shared.buffer as SharedArrayBuffer,
      byteOffset: shared.byteOffset + r0 * per * Ctor.BYTES_PER_ELEMENT,
      length: (r1 - r0) * per,
      float32,
      options: { ...base, region },
    };
    parts.push(
      pool.run({ job }).then((reply) => {
        if (reply.error === UNAVAILABLE) return runUniformJob(job);
        if (reply.error !== undefined) {
          throw new Error(`fillUniformParallel(): a worker failed: ${reply.error}`);
        }
      }),
    );
  }
  try {
    await Promise.all(parts);
    if (shared !== out) out.set(shared);
  } finally {
    if (scratch !== null) giveScratch(scratch);
  }
  return out;
}
