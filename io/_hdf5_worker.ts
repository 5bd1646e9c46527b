// A decode worker of direct HDF5 chunk reads (io/_hdf5_direct.ts), run by the
// pool of io/_zarr_pool.ts: undoes deflate and shuffle of one stored chunk
// (shared memory) into the decoded chunk's shared buffer, and answers with
// the job's id (and an error message when the chunk is corrupt).

import { parentPort } from "node:worker_threads";
import { decodeChunk, type H5DecodeJob } from "./_hdf5_direct.ts";

let scratch: Uint8Array = new Uint8Array(0);

parentPort?.on("message", (job: H5DecodeJob & { id: number }) => {
  try {
    decodeChunk(job.raw, job.mask, job.pipeline, job.typesize, job.out, () => {
      if (scratch.length < job.out.length) scratch = new Uint8Array(job.out.length);
      return scratch;
    });
    parentPort!.postMessage({ id: job.id });
  } catch (e) {
    parentPort!.postMessage({
      id: job.id,
      error: (e as Error)?.message ?? String(e),
      kind: "decode",
    });
  }
});
