// An encode worker of the writers (io/_encode_pool.ts), a Deno Web Worker:
// encodes one chunk (shared memory) per job, an HDF5 chunk through its
// shuffle and deflate filters or a Zarr chunk through the array's codec list,
// and answers with the job's id and the encoded bytes (transferred), or an
// error message. A Zarr job with a `path` has its chunk written here, to that
// file in a staged store, and is answered with the size only.

import { encodeH5Chunk, type EncodeJob, type ZarrEncodeJob } from "./_encode_pool.ts";
import { type ChunkEncoder, makeEncoder } from "./_zarr_codecs.ts";
import { loadZarrita } from "./_npm.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<EncodeJob & { id: number }>) => void) | null;
  postMessage(m: unknown, transfer?: Transferable[]): void;
};

/** The encoders built, by codec list (a worker serves every writer of the process). */
const encoders = new Map<string, Promise<ChunkEncoder>>();
const MAX_ENCODERS = 16;

function encoderOf(meta: ZarrEncodeJob["meta"]): Promise<ChunkEncoder> {
  const key = JSON.stringify(meta, (_k, v) => typeof v === "bigint" ? `${v}n` : v);
  let e = encoders.get(key);
  if (e === undefined) {
    if (encoders.size >= MAX_ENCODERS) encoders.delete(encoders.keys().next().value!);
    e = makeEncoder(meta);
    encoders.set(key, e);
  }
  return e;
}

async function encodeZarr(job: ZarrEncodeJob): Promise<Uint8Array> {
  const encode = await encoderOf(job.meta);
  let data: unknown = job.data;
  if (job.bool) {
    const lib = await loadZarrita();
    const b = job.data as Uint8Array;
    data = new lib.BoolArray(b.buffer as ArrayBuffer, b.byteOffset, b.length);
  }
  return await encode({ data, shape: job.shape, stride: job.stride });
}

scope.onmessage = async (e) => {
  const job = e.data;
  try {
    let bytes = job.kind === "h5"
      ? encodeH5Chunk(job.data, job.pipeline, job.typesize, job.level)
      : await encodeZarr(job);
    if (job.kind === "zarr" && job.path !== undefined) {
      Deno.writeFileSync(job.path, bytes);
      scope.postMessage({ id: job.id, size: bytes.length });
      return;
    }
    // an owned, unshared buffer of exactly the bytes: moved, not copied, to the writer
    if (
      !(bytes.buffer instanceof ArrayBuffer) || bytes.byteOffset !== 0 ||
      bytes.byteLength !== bytes.buffer.byteLength
    ) bytes = bytes.slice();
    scope.postMessage({ id: job.id, bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err as Error & { code?: unknown };
    scope.postMessage({
      id: job.id,
      error: e?.message ?? String(err),
      errorName: e?.name,
      code: typeof e?.code === "string" ? e.code : undefined,
    });
  }
};
