// Writing Arrow IPC files batch by batch: each record batch is built from
// 1-D column blocks, serialised by apache-arrow's RecordBatchFileWriter and
// written to the file before the next batch is built, so a file of any size
// is written in the memory of about one batch (apache-arrow itself queues
// every byte until read: the writer is drained after every batch through its
// public async iterator). Used by writeArrow (io/arrow.ts) and by the Arrow
// output of the stream engine, which stages a .npy and turns it into the
// IPC file at the end (io/_formats/arrow.ts).

import { type ApacheArrow as Arrow, loadArrow } from "./_npm.ts";
import { type AnyTypedArray, type DType, DTYPES } from "../core/dtype.ts";
import { copyInto, empty, type NDArray } from "../core/ndarray.ts";
import { NpyFile } from "./npy.ts";
import { writeViaTemp } from "./output.ts";

let arrow = null as unknown as typeof Arrow;

/** The Arrow type written for each dtype. */
const ARROW_TYPES: { readonly [D in DType]: () => Arrow.DataType } = {
  bool: () => new arrow.Bool(),
  int8: () => new arrow.Int8(),
  int16: () => new arrow.Int16(),
  int32: () => new arrow.Int32(),
  int64: () => new arrow.Int64(),
  uint8: () => new arrow.Uint8(),
  uint16: () => new arrow.Uint16(),
  uint32: () => new arrow.Uint32(),
  uint64: () => new arrow.Uint64(),
  float16: () => new arrow.Float16(),
  float32: () => new arrow.Float32(),
  float64: () => new arrow.Float64(),
  complex64: () => noComplex("complex64"),
  complex128: () => noComplex("complex128"),
};

function noComplex(d: string): never {
  throw new TypeError(`${d} is not supported by writeArrow: Arrow has no complex type`);
}

/** One column of a file being written. */
export interface ColumnSpec {
  readonly name: string;
  readonly dtype: DType;
}

/** One column block as Arrow data (zero-copy for contiguous numeric blocks). */
function columnData(type: Arrow.DataType, a: NDArray, scratch?: NDArray): Arrow.Data {
  const n = a.shape[0];
  if (a.dtype === "bool") {
    const bits = new Uint8Array(Math.ceil(n / 8));
    const d = a.data as Uint8Array;
    const st = a.strides[0];
    for (let i = 0, j = a.offset; i < n; i++, j += st) if (d[j]) bits[i >> 3] |= 1 << (i & 7);
    return arrow.makeData({ type: type as Arrow.Bool, length: n, nullCount: 0, data: bits });
  }
  // a strided column is copied, into `scratch` when it is large enough
  const into = scratch !== undefined && scratch.size >= n && scratch.dtype === a.dtype
    ? scratch.slice(`0:${n}`)
    : empty([n], a.dtype);
  const c = a.isContiguous ? a : copyInto(into, a);
  const d = c.data as AnyTypedArray;
  const bytes = DTYPES[a.dtype].bytes;
  const start = d.byteOffset + c.offset * bytes;
  // zero-copy: a view of the same memory in the typed array Arrow expects
  const Ctor = (a.dtype === "float16" ? Uint16Array : DTYPES[a.dtype].array) as new (
    buffer: ArrayBufferLike,
    byteOffset: number,
    length: number,
  ) => AnyTypedArray;
  const view = new Ctor(d.buffer, start, n);
  return arrow.makeData({ type, length: n, nullCount: 0, data: view } as never);
}

/**
 * Writes an Arrow IPC file (with footer) to `file` from `batches`: each item
 * is one 1-D block per column, all of one length. The bytes of a batch reach
 * the file before the next batch is asked for.
 */
export async function writeBatches(
  file: Deno.FsFile,
  columns: readonly ColumnSpec[],
  batches: Iterable<readonly NDArray[]> | AsyncIterable<readonly NDArray[]>,
): Promise<void> {
  arrow ??= await loadArrow();
  const fields = columns.map((c) => new arrow.Field(c.name, ARROW_TYPES[c.dtype](), false));
  const schema = new arrow.Schema(fields);
  const struct = new arrow.Struct(fields);
  const writer = new arrow.RecordBatchFileWriter();
  writer.reset(undefined, schema);
  // the pump: writer bytes to the file as they come; "next" while it waits for more
  let state: "next" | "write" = "next";
  const chunks = writer[Symbol.asyncIterator]();
  const pump = (async () => {
    for (;;) {
      state = "next";
      const r = await chunks.next();
      if (r.done) return;
      state = "write";
      const chunk = r.value as Uint8Array;
      for (let at = 0; at < chunk.length;) at += await file.write(chunk.subarray(at));
    }
  })();
  // a queue with bytes in it answers next() in a microtask: the pump still waiting for
  // its next chunk after a timer has run means everything written so far is in the file
  const drained = async (): Promise<void> => {
    do await new Promise((r) => setTimeout(r, 0)); while (state !== "next");
  };
  let failed = false;
  // the copies of strided columns: reused batch after batch (a batch's bytes are in the file
  // before the next one is built), which keeps the collector from piling them up
  const scratch: (NDArray | undefined)[] = [];
  try {
    for await (const block of batches) {
      const n = block.length === 0 ? 0 : block[0].shape[0];
      const children = block.map((a, j) => {
        if (!a.isContiguous && a.dtype !== "bool" && (scratch[j]?.size ?? -1) < n) {
          scratch[j] = empty([n], a.dtype);
        }
        return columnData(fields[j].type, a, scratch[j]);
      });
      writer.write(
        new arrow.RecordBatch(
          schema,
          arrow.makeData({ type: struct, length: n, nullCount: 0, children }),
        ),
      );
      await Promise.race([drained(), pump]);
    }
  } catch (e) {
    failed = true;
    writer.abort(e);
    throw e;
  } finally {
    if (!failed) writer.close();
    await pump;
  }
}

/**
 * Bytes of one record batch when a staged .npy is turned into an Arrow file:
 * an eighth of the run's budget (a batch is held about three times: read,
 * column copies, Arrow's bytes), from 256 KiB to 8 MiB.
 */
function stagedBatchBytes(budget: number | undefined): number {
  return Math.max(256 << 10, Math.min(8 << 20, Math.floor((budget ?? 64 << 20) / 8)));
}

/**
 * Turns a staged .npy (1-D: one column, 2-D: one column per column) into an
 * Arrow IPC file at the same path, reading it a batch of rows at a time
 * (an eighth of `budget`, at most 8 MiB) and renaming the Arrow file over it
 * at the end.
 */
export async function npyToArrow(
  path: string,
  names?: readonly string[],
  budget?: number,
): Promise<void> {
  using f = await NpyFile.open(path);
  const shape = f.shape.length === 0 ? [1] : f.shape;
  const rows = shape[0];
  const ncols = shape.length === 1 ? 1 : shape[1];
  const cols: ColumnSpec[] = Array.from({ length: ncols }, (_, j) => ({
    name: names?.[j] ?? (shape.length === 1 ? "values" : String(j)),
    dtype: f.dtype,
  }));
  const rowBytes = ncols * DTYPES[f.dtype].bytes;
  const batchRows = Math.max(1, Math.floor(stagedBatchBytes(budget) / Math.max(1, rowBytes)));
  // one buffer for every block read (each batch is in the file before the next read)
  const buffer = f.shape.length === 0
    ? null
    : empty([Math.min(batchRows, rows), ...shape.slice(1)], f.dtype);
  async function* blocks(): AsyncGenerator<NDArray[]> {
    for (let r = 0; r < rows; r += batchRows) {
      const n = Math.min(batchRows, rows - r);
      const block = buffer === null
        ? (await f.read()).reshape([1])
        : await f.readInto(`${r}:${r + n}`, buffer.slice(`0:${n}`));
      yield block.ndim === 1 ? [block] : cols.map((_, j) => block.slice(":", j));
    }
  }
  await writeViaTemp(path, (file) => writeBatches(file, cols, blocks()));
}
