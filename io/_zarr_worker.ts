// A decode worker of Zarr reads (io/_zarr_pool.ts), a Deno Web Worker. Fast
// jobs read the chunk file into a reused buffer and decode it with the native
// codec straight into the shared destination (io/_zarr_fast.ts); other jobs
// open the array with zarrita exactly as io/zarr.ts does (loaded on the first
// such job) and decode the chunk with `getChunk` (missing chunks come back
// filled). Without a shared destination the decoded bytes come back,
// transferred. Every reply carries the job's id.

import { type AnyTypedArray, type DType, DTYPES } from "../core/dtype.ts";
import { ChunkBuffers, copyPart, decodeChunkInto, SizeError } from "./_zarr_fast.ts";
import type { DecodeJob, DecodeReply, OpenSpec } from "./_zarr_pool.ts";
import type { Zarrita as zarr } from "./_npm.ts";
import type { FsStore } from "./_zarr_store.ts";

const bufs = new ChunkBuffers();

/** The arrays opened with zarrita, most recently used last (the last few only). */
const arrays = new Map<string, Promise<zarr.Array<zarr.DataType, FsStore>>>();
const MAX_ARRAYS = 16;

function openArray(spec: OpenSpec): Promise<zarr.Array<zarr.DataType, FsStore>> {
  const key = JSON.stringify([spec.root, spec.object, spec.format, spec.openId]);
  let a = arrays.get(key);
  if (a !== undefined) {
    arrays.delete(key);
  } else {
    if (arrays.size >= MAX_ARRAYS) arrays.delete(arrays.keys().next().value!);
    a = (async () => {
      const [{ loadZarrita }, { registerCodecs }, { FsStore }] = await Promise.all([
        import("./_npm.ts"),
        import("./_zarr_codecs.ts"),
        import("./_zarr_store.ts"),
      ]);
      await registerCodecs();
      const lib = await loadZarrita();
      const store = new FsStore(spec.root);
      if (spec.consolidated) store.useConsolidated(spec.consolidated);
      const where = lib.root(store).resolve(spec.object);
      return spec.format === 2
        ? await lib.open.v2(where, { kind: "array" })
        : await lib.open.v3(where, { kind: "array" });
    })();
    a.catch(() => arrays.delete(key));
  }
  arrays.set(key, a);
  return a;
}

function message(e: unknown): string {
  const err = e as Error;
  return `${err?.message ?? String(e)}${
    err?.cause instanceof Error ? `: ${(err.cause as Error).message}` : ""
  }`;
}

function destArray(job: DecodeJob): AnyTypedArray {
  const d = job.dest!;
  const Ctor = DTYPES[job.dtype as DType].array;
  return new Ctor(d.buffer as unknown as ArrayBuffer, d.byteOffset, d.length) as AnyTypedArray;
}

function runFast(job: DecodeJob & { id: number }): { reply: DecodeReply; transfer: ArrayBuffer[] } {
  const dtype = job.dtype as DType;
  const size = job.chunks.reduce((a, b) => a * b, 1);
  const item = DTYPES[dtype].bytes;
  try {
    if (job.dest) {
      const ok = decodeChunkInto(
        job.fast!.path,
        job.fast!.kind,
        dtype,
        job.chunks,
        job.dest,
        destArray(job),
        bufs,
      );
      return { reply: ok ? { id: job.id } : { id: job.id, missing: true }, transfer: [] };
    }
    const out = new DTYPES[dtype].array(size) as AnyTypedArray;
    const part = {
      counts: job.chunks,
      local: job.chunks.map(() => 0),
      step: job.chunks.map(() => 1),
      strides: job.chunks.map((_, i) => job.chunks.slice(i + 1).reduce((a, b) => a * b, 1)),
      offset: 0,
    };
    if (!decodeChunkInto(job.fast!.path, job.fast!.kind, dtype, job.chunks, part, out, bufs)) {
      return { reply: { id: job.id, missing: true }, transfer: [] };
    }
    const bytes = out.buffer as ArrayBuffer;
    return { reply: { id: job.id, stride: part.strides, bytes }, transfer: [bytes] };
  } catch (e) {
    if (e instanceof SizeError) {
      return {
        reply: { id: job.id, error: String(e.bytes / item), kind: "size" },
        transfer: [],
      };
    }
    return { reply: { id: job.id, error: message(e), kind: "decode" }, transfer: [] };
  }
}

async function runZarrita(
  job: DecodeJob & { id: number },
): Promise<{ reply: DecodeReply; transfer: ArrayBuffer[] }> {
  let chunk: zarr.Chunk<zarr.DataType>;
  try {
    const array = await openArray(job.open!);
    chunk = await array.getChunk([...job.coords]);
  } catch (e) {
    return { reply: { id: job.id, error: message(e), kind: "decode" }, transfer: [] };
  }
  const raw = chunk.data as unknown as ArrayBufferView;
  const dtype = job.dtype as DType;
  const size = job.chunks.reduce((a, b) => a * b, 1);
  // zarrita's BoolArray: its bytes
  const data =
    (raw.constructor?.name === "BoolArray"
      ? new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)
      : raw) as AnyTypedArray;
  if (!(data instanceof DTYPES[dtype].array) || data.length !== size) {
    return {
      reply: { id: job.id, error: String((data as { length?: number })?.length), kind: "size" },
      transfer: [],
    };
  }
  const d = job.dest;
  if (d) {
    copyPart(data, chunk.stride, d, destArray(job));
    return { reply: { id: job.id, stride: chunk.stride }, transfer: [] };
  }
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength &&
    data.buffer instanceof ArrayBuffer;
  const bytes = whole
    ? data.buffer as ArrayBuffer
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
  return { reply: { id: job.id, stride: chunk.stride, bytes }, transfer: [bytes] };
}

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<DecodeJob & { id: number }>) => void) | null;
  postMessage(m: unknown, transfer: Transferable[]): void;
};

scope.onmessage = (e) => {
  const job = e.data;
  if (job.fast !== undefined) {
    const { reply, transfer } = runFast(job);
    scope.postMessage(reply, transfer);
    return;
  }
  runZarrita(job).then(
    ({ reply, transfer }) => scope.postMessage(reply, transfer),
    (err) => scope.postMessage({ id: job.id, error: message(err), kind: "decode" }, []),
  );
};
