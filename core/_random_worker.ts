// A worker of fillUniformParallel (core/random_parallel.ts), a Deno Web
// Worker: fills its part of the shared output with fillUniform and answers
// with the job's id (and an error message when it failed).

import { fillUniform, type FillUniformOptions } from "./random.ts";

/** A job: fill `length` elements of `buffer` at `byteOffset` (float32 or float64). */
export interface UniformJob {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly length: number;
  readonly float32: boolean;
  readonly options: FillUniformOptions;
}

/** Runs a job in this thread (what the worker does; the caller's fallback too). */
export function runUniformJob(job: UniformJob): void {
  const Ctor = job.float32 ? Float32Array : Float64Array;
  fillUniform(
    new Ctor(job.buffer as unknown as ArrayBuffer, job.byteOffset, job.length),
    job.options,
  );
}

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<{ id: number; job: UniformJob }>) => void) | null;
  postMessage(m: unknown): void;
};

// only as a worker (the module is also imported, for runUniformJob, by the calling thread)
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  scope.onmessage = (e) => {
    try {
      runUniformJob(e.data.job);
      scope.postMessage({ id: e.data.id });
    } catch (err) {
      scope.postMessage({ id: e.data.id, error: (err as Error)?.message ?? String(err) });
    }
  };
}
