// The reads of io/_hdf5_raw.ts, shared with the decode workers
// (io/_hdf5_worker.ts): byte runs of a file straight into a buffer. No
// imports, so that a worker doing only raw reads starts quickly.

/** A job of io/_hdf5_worker.ts: read byte runs of `path` into the shared `dest`. */
export interface H5RawJob {
  readonly h5raw: true;
  readonly path: string;
  /** Per run: file offset, byte offset in `dest`, bytes. */
  readonly runs: readonly number[];
  readonly dest: Uint8Array;
}

/** Reads byte runs of `path` into `dest` (the bytes of a buffer); the index of a short run, or -1. */
export function readRuns(path: string, runs: readonly number[], dest: Uint8Array): number {
  using file = Deno.openSync(path);
  for (let i = 0; i < runs.length; i += 3) {
    file.seekSync(runs[i], Deno.SeekMode.Start);
    const view = dest.subarray(runs[i + 1], runs[i + 1] + runs[i + 2]);
    let at = 0;
    while (at < view.length) {
      const n = file.readSync(view.subarray(at));
      if (n === null || n === 0) return i;
      at += n;
    }
  }
  return -1;
}
