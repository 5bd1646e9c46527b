// A Zarr array opened again inside a compute worker (stream/_compute_worker.ts)
// from ZarrArray.workerSpec(): the worker reads AND decodes the chunks of the
// blocks it computes, on the fast path (io/_zarr_fast.ts: native codec straight
// into its WebAssembly arena where a chunk lands there whole), with no decode
// workers (the compute workers are the threads). Missing chunks read as the fill
// value and broken ones raise the same FormatError as on the main thread: the
// reads are ZarrArray's own.

import { FormatError } from "../core/errors.ts";
import type { NDArray } from "../core/ndarray.ts";
import type { DType } from "../core/dtype.ts";
import { openZarr } from "./zarr.ts";
import type { Region, WorkerSourceReader } from "./region.ts";

/** What ZarrArray.workerSpec() sends: the locator and the metadata it was opened with. */
export interface ZarrWorkerArgs {
  readonly locator: string;
  readonly zarrFormat: 2 | 3;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly chunks: readonly number[];
  readonly codec: string;
}

/**
 * Opens the Zarr array of `args` with no decode workers (reads decode in the
 * calling thread) and checks that its metadata is still what the main
 * thread read.
 *
 * @param args From ZarrArray.workerSpec().
 * @returns The reader.
 * @throws {FormatError} When the array's metadata changed since it was opened.
 *
 * @example
 * ```ts
 * import { openWorkerSource } from "./_zarr_worker_source.ts";
 * import { createZarr, openZarr } from "./zarr.ts";
 * import { arange, zeros } from "../core/ndarray.ts";
 * const dir = await Deno.makeTempDir();
 * const w = await createZarr(`${dir}/a.zarr`, { shape: [3, 4], dtype: "float64", chunks: [2, 2], codec: "zstd" });
 * await w.write(undefined, arange(12, undefined, undefined, "float64").reshape([3, 4]));
 * await w.close();
 * const z = await openZarr(`${dir}/a.zarr`);
 * const r = await openWorkerSource(z.workerSpec()!.args as never);
 * const out = zeros([1, 4]);
 * await r.readInto({ start: [2, 0], step: [1, 1], count: [1, 4] }, out);
 * if (out.get(0, 3) !== 11) throw new Error("bad");
 * r.close();
 * await z.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openWorkerSource(args: ZarrWorkerArgs): Promise<WorkerSourceReader> {
  const z = await openZarr(args.locator, { threads: 1 });
  if (
    z.zarrFormat !== args.zarrFormat || z.dtype !== args.dtype || z.codec !== args.codec ||
    z.shape.join() !== args.shape.join() || z.chunks.join() !== args.chunks.join()
  ) {
    void z.close();
    throw new FormatError(args.locator, "the metadata changed since the array was opened");
  }
  return {
    async readInto(region: Region, out: NDArray): Promise<void> {
      await z.readInto(region, out);
    },
    close(): void {
      void z.close();
    },
  };
}
