// A decode worker of direct HDF5 chunk reads (io/_hdf5_direct.ts), a Deno Web
// Worker: undoes deflate and shuffle of one stored chunk (shared memory) into
// the decoded chunk's shared buffer, and answers with the job's id (and an
// error message when the chunk is corrupt).

import { decodeChunk, type H5DecodeJob } from "./_hdf5_direct.ts";

let scratch: Uint8Array = new Uint8Array(0);

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<H5DecodeJob & { id: number }>) => void) | null;
  postMessage(m: unknown): void;
};

scope.onmessage = (e) => {
  const job = e.data;
  try {
    decodeChunk(job.raw, job.mask, job.pipeline, job.typesize, job.out, () => {
      if (scratch.length < job.out.length) scratch = new Uint8Array(job.out.length);
      return scratch;
    });
    scope.postMessage({ id: job.id });
  } catch (err) {
    scope.postMessage({ id: job.id, error: (err as Error)?.message ?? String(err) });
  }
};
