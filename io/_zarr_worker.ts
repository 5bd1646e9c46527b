// A decode worker of io/_zarr_pool.ts (a node:worker_threads worker): opens
// the array with zarrita exactly as io/zarr.ts does, reads and decodes one
// chunk per job with zarrita's `getChunk` (missing chunks come back filled),
// and either copies the selected part of the chunk straight into a shared
// destination (the stream engine's arena buffers) or hands the decoded bytes
// back, transferred.

import { parentPort } from "node:worker_threads";
import * as zarr from "npm:zarrita@0.7.5";
import { type AnyTypedArray, type DType, DTYPES } from "../core/dtype.ts";
import { copyInto, NDArray } from "../core/ndarray.ts";
import { registerCodecs } from "./_zarr_codecs.ts";
import { FsStore } from "./_zarr_store.ts";
import type { DecodeJob, DecodeReply, OpenSpec } from "./_zarr_pool.ts";

const arrays = new Map<string, Promise<zarr.Array<zarr.DataType, FsStore>>>();

function openArray(spec: OpenSpec): Promise<zarr.Array<zarr.DataType, FsStore>> {
  const key = JSON.stringify([spec.root, spec.object, spec.format, spec.consolidatedId]);
  let a = arrays.get(key);
  if (a === undefined) {
    const store = new FsStore(spec.root);
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
  let chunk: zarr.Chunk<zarr.DataType>;
  try {
    const array = await openArray(job.open);
    chunk = await array.getChunk([...job.coords]);
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
