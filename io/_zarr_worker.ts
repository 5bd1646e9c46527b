// A decode worker of io/_zarr_pool.ts (a node:worker_threads worker): opens
// the array with zarrita exactly as io/zarr.ts does, reads and decodes one
// chunk per job with zarrita's `getChunk` (missing chunks come back filled),
// and either copies the selected part of the chunk straight into a shared
// destination (the stream engine's arena buffers; the decoded chunk's memory
// then serves the next chunk) or hands the decoded bytes back, transferred.

import { parentPort } from "node:worker_threads";
import * as zarr from "npm:zarrita@0.7.5";
import { type AnyTypedArray, type DType, DTYPES } from "../core/dtype.ts";
import { copyInto, NDArray } from "../core/ndarray.ts";
import { registerCodecs } from "./_zarr_codecs.ts";
import { FsStore, isMetadataKey } from "./_zarr_store.ts";
import { releaseDecoded } from "./_native_codecs.ts";
import type { DecodeJob, DecodeReply, OpenSpec } from "./_zarr_pool.ts";

/** Read buffers of chunk files no job holds now (reused: see ChunkStore). */
const spareReads: Uint8Array[] = [];
const MAX_SPARE_READS = 3;

/** What one job borrowed: handed back when the job has copied its chunk out. */
interface JobBuffers {
  reads: Uint8Array[];
}

/**
 * The store of a worker: chunk files are read into buffers reused from one
 * job to the next (a fresh multi-MiB buffer per chunk left garbage that the
 * worker's heap held on to for long: RSS grew by hundreds of MiB). zarrita
 * passes `getChunk`'s options through to `get`: they carry the job's
 * {@link JobBuffers}.
 */
class ChunkStore extends FsStore {
  override async get(key: string, options?: unknown): Promise<Uint8Array | undefined> {
    const job = (options as { tessera?: JobBuffers } | undefined)?.tessera;
    if (job === undefined || isMetadataKey(key.replace(/^\//, ""))) return super.get(key);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.pathOf(key));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) {
        return undefined;
      }
      throw e;
    }
    try {
      const size = (await file.stat()).size;
      let buf = spareReads.pop();
      if (buf === undefined || buf.length < size) buf = new Uint8Array(Math.max(size, 1));
      job.reads.push(buf);
      let at = 0;
      while (at < size) {
        const n = file.readSync(buf.subarray(at, size));
        if (n === null || n === 0) break; // shrank while reading: decode what is there
        at += n;
      }
      return buf.subarray(0, at);
    } finally {
      file.close();
    }
  }
}

function giveBack(job: JobBuffers): void {
  for (const b of job.reads) if (spareReads.length < MAX_SPARE_READS) spareReads.push(b);
  job.reads.length = 0;
}

/**
 * The arrays opened, most recently used last. Workers are shared by every
 * array of a process (io/_zarr_pool.ts): keep only the last few.
 */
const arrays = new Map<string, Promise<zarr.Array<zarr.DataType, ChunkStore>>>();
const MAX_ARRAYS = 16;

function openArray(
  spec: OpenSpec,
  lease: number | undefined,
): Promise<zarr.Array<zarr.DataType, ChunkStore>> {
  const key = JSON.stringify([spec.root, spec.object, spec.format, spec.consolidatedId, lease]);
  let a = arrays.get(key);
  if (a !== undefined) {
    arrays.delete(key);
    arrays.set(key, a);
  } else {
    if (arrays.size >= MAX_ARRAYS) arrays.delete(arrays.keys().next().value!);
    const store = new ChunkStore(spec.root);
    if (spec.consolidated) store.useConsolidated(spec.consolidated);
    const where = zarr.root(store).resolve(spec.object);
    a = registerCodecs().then(() =>
      spec.format === 2
        ? zarr.open.v2(where, { kind: "array" })
        : zarr.open.v3(where, { kind: "array" })
    );
    arrays.set(key, a);
    a.catch(() => arrays.delete(key));
  }
  return a;
}

function message(e: unknown): string {
  const err = e as Error;
  return `${err?.message ?? String(e)}${
    err?.cause instanceof Error ? `: ${(err.cause as Error).message}` : ""
  }`;
}

async function run(job: DecodeJob): Promise<{ reply: DecodeReply; transfer: ArrayBuffer[] }> {
  const borrowed: JobBuffers = { reads: [] };
  try {
    return await decodeJob(job, borrowed);
  } finally {
    giveBack(borrowed);
  }
}

async function decodeJob(
  job: DecodeJob,
  borrowed: JobBuffers,
): Promise<{ reply: DecodeReply; transfer: ArrayBuffer[] }> {
  let chunk: zarr.Chunk<zarr.DataType>;
  try {
    const array = await openArray(job.open, job.lease);
    chunk = await array.getChunk([...job.coords], { tessera: borrowed } as never);
  } catch (e) {
    return { reply: { id: job.id, error: message(e), kind: "decode" }, transfer: [] };
  }
  const raw = chunk.data as unknown;
  const data =
    (raw instanceof zarr.BoolArray
      ? new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)
      : raw) as AnyTypedArray;
  const dtype = job.dtype as DType;
  if (!(data instanceof DTYPES[dtype].array) || data.length !== job.chunkSize) {
    return {
      reply: { id: job.id, error: String((data as { length?: number })?.length), kind: "size" },
      transfer: [],
    };
  }
  const d = job.dest;
  if (d) {
    const Ctor = DTYPES[dtype].array;
    const out = new Ctor(
      d.buffer as unknown as ArrayBuffer,
      d.byteOffset,
      d.length,
    ) as AnyTypedArray;
    let so = 0;
    for (let i = 0; i < d.counts.length; i++) so += d.local[i] * chunk.stride[i];
    const src = new NDArray(
      dtype,
      data as never,
      d.counts,
      chunk.stride.map((s, i) => s * d.step[i]),
      so,
    );
    copyInto(new NDArray(dtype, out as never, d.counts, d.strides, d.offset), src);
    releaseDecoded(data); // copied out: the next chunk decodes into the same memory
    return { reply: { id: job.id, stride: chunk.stride }, transfer: [] };
  }
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength &&
    data.buffer instanceof ArrayBuffer;
  const bytes = whole
    ? data.buffer as ArrayBuffer
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
  return { reply: { id: job.id, stride: chunk.stride, bytes }, transfer: [bytes] };
}

parentPort?.on("message", (job: DecodeJob) => {
  run(job).then(
    ({ reply, transfer }) => parentPort!.postMessage(reply, transfer),
    (e) => parentPort!.postMessage({ id: job.id, error: message(e), kind: "decode" }),
  );
});
