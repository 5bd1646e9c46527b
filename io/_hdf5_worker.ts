// A decode worker of direct HDF5 chunk reads (io/_hdf5_direct.ts), a Deno Web
// Worker: undoes deflate and shuffle of one stored chunk (shared memory) into
// the decoded chunk's shared buffer, or reads byte runs of an uncompressed
// dataset's file into the shared destination (io/_hdf5_raw.ts), and answers
// with the job's id (and an error message when the chunk is corrupt, with the
// run that lies past the end of the file).

import type { H5DecodeJob } from "./_hdf5_direct.ts";
import { type H5RawJob, readRuns } from "./_hdf5_runs.ts";

// loaded on the first decode job: a worker doing raw reads only starts without it
let direct: Promise<typeof import("./_hdf5_direct.ts")> | undefined;

let scratch: Uint8Array = new Uint8Array(0);

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<(H5DecodeJob | H5RawJob) & { id: number }>) => void) | null;
  postMessage(m: unknown): void;
};

scope.onmessage = (e) => {
  const job = e.data;
  if ("h5raw" in job) {
    try {
      const bad = readRuns(job.path, job.runs, job.dest);
      scope.postMessage(bad < 0 ? { id: job.id } : { id: job.id, error: "short", run: bad });
    } catch (err) {
      scope.postMessage({ id: job.id, error: (err as Error)?.message ?? String(err) });
    }
    return;
  }
  direct ??= import("./_hdf5_direct.ts");
  direct.then(({ decodeChunk }) => {
    decodeChunk(job.raw, job.mask, job.pipeline, job.typesize, job.out, () => {
      if (scratch.length < job.out.length) scratch = new Uint8Array(job.out.length);
      return scratch;
    });
    scope.postMessage({ id: job.id });
  }).catch((err) => {
    scope.postMessage({ id: job.id, error: (err as Error)?.message ?? String(err) });
  });
};
