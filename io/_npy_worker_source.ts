// A .npy file opened again inside a compute worker (stream/_compute_worker.ts)
// from NpyFile.workerSpec(): the worker reads the blocks it computes straight
// into its own WebAssembly arena, with NpyFile's own reads (the same values,
// byte order and errors as on the main thread).

import type { DType } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { copyInto, type NDArray } from "../core/ndarray.ts";
import { NpyFile } from "./npy.ts";
import type { Region, WorkerSourceReader } from "./region.ts";

/** What NpyFile.workerSpec() sends: the path and the header it was opened with. */
export interface NpyWorkerArgs {
  readonly path: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly fortranOrder: boolean;
  readonly bigEndian: boolean;
  readonly dataOffset: number;
}

/**
 * Opens the .npy file of `args` and checks that its header is still the
 * one the main thread read.
 *
 * @example
 * ```ts
 * import { openWorkerSource } from "./_npy_worker_source.ts";
 * import { NpyFile, writeNpy } from "./npy.ts";
 * import { arange, zeros } from "../core/ndarray.ts";
 * const dir = await Deno.makeTempDir();
 * await writeNpy(`${dir}/a.npy`, arange(12, undefined, undefined, "float64").reshape([3, 4]));
 * using f = await NpyFile.open(`${dir}/a.npy`);
 * const r = await openWorkerSource(f.workerSpec()!.args as never);
 * const out = zeros([1, 4]);
 * await r.readInto({ start: [2, 0], step: [1, 1], count: [1, 4] }, out);
 * if (out.get(0, 3) !== 11) throw new Error("bad");
 * r.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openWorkerSource(args: NpyWorkerArgs): Promise<WorkerSourceReader> {
  const f = await NpyFile.open(args.path);
  if (
    f.dtype !== args.dtype || f.fortranOrder !== args.fortranOrder ||
    f.bigEndian !== args.bigEndian || f.dataOffset !== args.dataOffset ||
    f.shape.join() !== args.shape.join()
  ) {
    f.close();
    throw new FormatError(args.path, "the header changed since the file was opened");
  }
  return {
    async readInto(region: Region, out: NDArray): Promise<void> {
      if (f.fortranOrder) copyInto(out, await f.read(region));
      else await f.readInto(region, out);
    },
    mapBlock(region, place) {
      return f.mapBlock(region, place);
    },
    close(): void {
      f.close();
    },
  };
}
