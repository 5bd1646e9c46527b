/**
 * Apache Arrow IPC files: write arrays and tables of named columns
 * ({@link writeArrow}), and read columns back as region sources
 * ({@link openArrow}, {@link readArrow}, {@link ArrowSource}).
 *
 * Columns of type Bool, Int8 to Uint64, Float16, Float32 and Float64 map to
 * the dtypes of the same names (`bool`, `int8`, ..., `float64`). Record
 * batches are the natural chunks: a read touches only the batches its
 * region covers. IPC files (with footer) are read batch by batch from disk;
 * IPC streams have no index, so their batches are read once, when opened,
 * and kept in memory.
 *
 * @module
 */

import { syncOption, writeViaTemp } from "./output.ts";
import { writeBatches } from "./_arrow_write.ts";
import { type ApacheArrow as Arrow, loadArrow } from "./_npm.ts";
import { checkRecordBatchMessage } from "./_arrow_check.ts";
import { type FileHandle, open as openHandle } from "node:fs/promises";
import { type AnyTypedArray, type DType, DTYPES } from "../core/dtype.ts";
import { FormatError, ShapeMismatchError } from "../core/errors.ts";
import { empty, NDArray } from "../core/ndarray.ts";
import { type ArraySource, type RegionLike, toRegion } from "./region.ts";
import { projectAxis } from "../core/indexer.ts";

/** apache-arrow, set by {@link useArrow} before any other function of this file runs. */
let arrow = null as unknown as typeof Arrow;

/** Loads apache-arrow (once) for the functions of this file. */
async function useArrow(): Promise<void> {
  arrow ??= await loadArrow();
}

/** Bytes of one row group (record batch) that {@link writeArrow} aims for. */
const BATCH_BYTES = 16 << 20;

/** Options of {@link writeArrow}. */
export interface WriteArrowOptions {
  /**
   * Column names for an NDArray: one name for a 1-D array (default
   * `"values"`), one per column for a 2-D array (default `"0"`, `"1"`, ...).
   * Not allowed with a record of columns, whose keys are the names.
   */
  readonly names?: readonly string[];
  /** Rows per record batch (default: about 16 MiB of rows). */
  readonly batchRows?: number;
  /** Sync a new file before publishing it (default `TESSERA_SYNC`); a replaced one always is. */
  readonly sync?: boolean;
}

/** One column of an Arrow file, as {@link ArrowSource.columns} lists it. */
export interface ArrowColumn {
  /** The field name. */
  readonly name: string;
  /** The Arrow type, as Arrow prints it (`Float64`, `Utf8`, `List<Int32>`). */
  readonly type: string;
  /** The matching dtype, or null when the type has none. */
  readonly dtype: DType | null;
}

/**
 * Writes an Arrow IPC file (the file format, with footer): a 1-D array as
 * one column, a 2-D array as one column per array column, or a record of
 * named 1-D arrays of one length as a table. Every dtype maps to the Arrow
 * type of the same name; columns are not nullable. Contiguous columns are
 * handed to Arrow without copying; 2-D, strided and bool columns (Arrow
 * packs bools into bits) are copied batch by batch. The file is written
 * under a temporary name in the same directory and renamed into place.
 *
 * @param path The file to create or replace (`.arrow`, `.feather`).
 * @param columns An NDArray (1-D or 2-D), or a record of 1-D NDArrays.
 * @param options Column `names` and `batchRows`.
 * @returns When the file is in place.
 * @throws {TypeError} For a column that is not an NDArray, or `names` with a record.
 * @throws {RangeError} For an array that is not 1-D or 2-D, or bad `names` or `batchRows`.
 * @throws {ShapeMismatchError} When the columns of a record differ in length.
 *
 * @example
 * ```ts
 * import { readArrow, writeArrow } from "./arrow.ts";
 * import { arange } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeArrow(`${dir}/t.arrow`, {
 *   index: arange(3, undefined, undefined, "int64"),
 *   mean: arange(3, undefined, undefined, "float32"),
 * });
 * const mean = await readArrow(`${dir}/t.arrow`, "mean");
 * assert.equal(mean.dtype, "float32");
 * assert.deepEqual(mean.toArray(), [0, 1, 2]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeArrow(
  path: string | URL,
  columns: NDArray | Readonly<Record<string, NDArray>>,
  options: WriteArrowOptions = {},
): Promise<void> {
  await useArrow();
  const target = pathText(path);
  const cols = toColumns(target, columns, options.names);
  const rows = cols.length === 0 ? 0 : cols[0].array.shape[0];
  const rowBytes = cols.reduce((n, c) => n + DTYPES[c.array.dtype].bytes, 0);
  const batchRows = options.batchRows ??
    Math.max(1, Math.floor(BATCH_BYTES / Math.max(1, rowBytes)));
  if (!Number.isInteger(batchRows) || batchRows < 1) {
    throw new RangeError(
      `Cannot write "${target}": batchRows must be a positive integer, got ${batchRows}`,
    );
  }
  const sync = syncOption(options.sync, target);
  await writeViaTemp(target, async (file) => {
    await writeBatches(
      file,
      cols.map((c) => ({ name: c.name, dtype: c.array.dtype })),
      (function* () {
        for (let r = 0; r < rows; r += batchRows) {
          const n = Math.min(batchRows, rows - r);
          yield cols.map((c) => c.array.slice(`${r}:${r + n}`));
        }
      })(),
    );
  }, { sync });
}

/**
 * Opens an Arrow IPC file or stream as a region source.
 *
 * @param path The file.
 * @param column One column name (a 1-D source), a list of names (a 2-D
 *   source `[rows, names.length]`), or nothing for every column (1-D for a
 *   one-column file, else 2-D).
 * @returns The source; close it (or use `await using`) when done.
 * @throws {FormatError} When the file is not Arrow IPC, a column is missing,
 *   has an unsupported type, or the columns of a 2-D source differ in type.
 * @throws {Deno.errors.NotFound} When the file does not exist.
 *
 * @example
 * ```ts
 * import { openArrow, writeArrow } from "./arrow.ts";
 * import { arange } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const m = arange(6, undefined, undefined, "float64").reshape([3, 2]);
 * await writeArrow(`${dir}/m.arrow`, m, { batchRows: 2 });
 * await using src = await openArrow(`${dir}/m.arrow`);
 * assert.deepEqual(src.shape, [3, 2]);
 * assert.deepEqual(src.chunks, [2, 2]);
 * assert.deepEqual((await src.read("1:3, 1")).toArray(), [[3], [5]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openArrow(
  path: string | URL,
  column?: string | readonly string[],
): Promise<ArrowSource> {
  return ArrowSource.open(path, column);
}

/**
 * Reads a whole column (or every column, as {@link openArrow} selects them)
 * of an Arrow IPC file or stream.
 *
 * @param path The file.
 * @param column A column name, a list of names, or nothing for every column.
 * @returns A new C-contiguous array.
 * @throws {FormatError} As {@link openArrow}.
 *
 * @example
 * ```ts
 * import { readArrow, writeArrow } from "./arrow.ts";
 * import { fromArray } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeArrow(`${dir}/b.arrow`, fromArray([true, false, true]), { names: ["ok"] });
 * const ok = await readArrow(`${dir}/b.arrow`);
 * assert.equal(ok.dtype, "bool");
 * assert.deepEqual(ok.toArray(), [true, false, true]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readArrow(
  path: string | URL,
  column?: string | readonly string[],
): Promise<NDArray> {
  await using src = await ArrowSource.open(path, column);
  return await src.read();
}

/**
 * One or more columns of an Arrow IPC file or stream, read by region
 * (DESIGN.md, contract 2). The shape is `[rows]` for one column and
 * `[rows, ncols]` for several columns of one type. The chunks follow the
 * record batches: `chunks[0]` is the row count of the first batch, exact
 * when every batch but the last has that many rows (as {@link writeArrow}
 * writes them); {@link ArrowSource.batches} has the exact counts. Nulls
 * read as NaN in float columns; a null in any other column is a
 * `FormatError`.
 *
 * @example
 * ```ts
 * import { ArrowSource, writeArrow } from "./arrow.ts";
 * import { arange } from "../core/ndarray.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeArrow(`${dir}/v.arrow`, arange(10, undefined, undefined, "int32"), {
 *   batchRows: 4,
 * });
 * await using src = await ArrowSource.open(`${dir}/v.arrow`);
 * assert.deepEqual(src.batches, [4, 4, 2]);
 * assert.deepEqual((await src.read("3:9:2")).toArray(), [3, 5, 7]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ArrowSource implements ArraySource, AsyncDisposable {
  /** The file, with `:column` when one column was chosen. */
  readonly locator: string;
  /** `[rows]` or `[rows, ncols]`. */
  readonly shape: readonly number[];
  /** The dtype of the chosen columns. */
  readonly dtype: DType;
  /** `[rows of the first batch]`, or `[rows of the first batch, ncols]`. */
  readonly chunks: readonly number[];
  /** Every column of the file, chosen or not. */
  readonly columns: readonly ArrowColumn[];
  /** The names of the chosen columns, in the order of the second axis. */
  readonly names: readonly string[];
  /** Row count of each record batch. */
  readonly batches: readonly number[];
  /** Whether the source is an IPC file (read lazily) or an IPC stream (held in memory). */
  readonly format: "file" | "stream";

  #path: string;
  #handle: FileHandle | null;
  #reader: Arrow.AsyncRecordBatchFileReader | null;
  #memory: Arrow.RecordBatch[] | null;
  #fields: readonly number[];
  #blocks: readonly Block[];
  #starts: number[];
  #lock: Promise<unknown> = Promise.resolve();
  #cached: { index: number; batch: Arrow.RecordBatch } | null = null;

  private constructor(init: {
    path: string;
    column: string | readonly string[] | undefined;
    handle: FileHandle | null;
    reader: Arrow.AsyncRecordBatchFileReader | null;
    memory: Arrow.RecordBatch[] | null;
    blocks: Block[];
    schema: Arrow.Schema;
    batches: number[];
  }) {
    const { path, column, schema } = init;
    this.#path = path;
    this.#handle = init.handle;
    this.#reader = init.reader;
    this.#memory = init.memory;
    this.#blocks = init.blocks;
    this.format = init.reader ? "file" : "stream";
    this.columns = Object.freeze(schema.fields.map((f) => {
      const type = String(f.type);
      return Object.freeze({ name: f.name, type, dtype: dtypeOf(f.type) });
    }));
    const wanted = column === undefined
      ? this.columns.map((c) => c.name)
      : typeof column === "string"
      ? [column]
      : [...column];
    if (wanted.length === 0) throw new FormatError(path, "no columns to read");
    const fields = wanted.map((name) => {
      const i = this.columns.findIndex((c) => c.name === name);
      if (i < 0) {
        throw new FormatError(
          path,
          `no column "${name}": the file has ${
            this.columns.map((c) => `"${c.name}"`).join(", ") || "no columns"
          }`,
        );
      }
      const c = this.columns[i];
      if (c.dtype === null) {
        throw new FormatError(
          path,
          `column "${name}" has unsupported type "${c.type}": expected Bool, Int or Float`,
        );
      }
      return i;
    });
    const dtype = this.columns[fields[0]].dtype as DType;
    if (fields.some((i) => this.columns[i].dtype !== dtype)) {
      throw new FormatError(
        path,
        `columns differ in type (${
          fields.map((i) => `"${this.columns[i].name}": ${this.columns[i].type}`).join(", ")
        }): choose one column, as in "${path}:${this.columns[fields[0]].name}"`,
      );
    }
    this.#fields = fields;
    this.names = Object.freeze(wanted);
    this.dtype = dtype;
    this.batches = Object.freeze(init.batches);
    this.#starts = [0];
    for (const n of init.batches) this.#starts.push(this.#starts[this.#starts.length - 1] + n);
    const rows = this.#starts[this.#starts.length - 1];
    const oneD = typeof column === "string" || (column === undefined && fields.length === 1);
    this.shape = Object.freeze(oneD ? [rows] : [rows, fields.length]);
    const first = Math.max(1, init.batches[0] ?? 1);
    this.chunks = Object.freeze(oneD ? [first] : [first, fields.length]);
    this.locator = typeof column === "string" ? `${path}:${column}` : path;
  }

  /**
   * Opens an Arrow IPC file or stream (see {@link openArrow}).
   *
   * @param path The file.
   * @param column A column name, a list of names, or nothing for every column.
   * @returns The source.
   * @throws {FormatError} As {@link openArrow}.
   * @throws {Deno.errors.NotFound} When the file does not exist.
   *
   * @example
   * ```ts
   * import { ArrowSource, writeArrow } from "./arrow.ts";
   * import { arange } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * await writeArrow(`${dir}/t.arrow`, {
   *   a: arange(3, undefined, undefined, "float64"),
   *   b: arange(3, undefined, undefined, "float64").mul(10),
   * });
   * await using src = await ArrowSource.open(`${dir}/t.arrow`, "b");
   * assert.equal(src.locator, `${dir}/t.arrow:b`);
   * assert.deepEqual(src.shape, [3]);
   * assert.deepEqual(src.columns.map((c) => c.name), ["a", "b"]);
   * await assert.rejects(ArrowSource.open(`${dir}/t.arrow`, "c"), /no column "c"/);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async open(
    path: string | URL,
    column?: string | readonly string[],
  ): Promise<ArrowSource> {
    await useArrow();
    const p = pathText(path);
    let handle: FileHandle;
    try {
      handle = await openHandle(path);
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") {
        throw new Deno.errors.NotFound(`Cannot open "${p}": no such file`, { cause: e });
      }
      throw e;
    }
    try {
      const head = new Uint8Array(8);
      const { bytesRead } = await handle.read(head, 0, 8, 0);
      const isFile = bytesRead >= 6 && new TextDecoder().decode(head.subarray(0, 6)) === "ARROW1";
      let reader: Arrow.AsyncRecordBatchFileReader | Arrow.AsyncRecordBatchStreamReader;
      try {
        reader = await arrow.RecordBatchReader.from(handle as never) as
          | Arrow.AsyncRecordBatchFileReader
          | Arrow.AsyncRecordBatchStreamReader;
        await reader.open({ autoDestroy: false });
      } catch (e) {
        const what = isFile ? "bad Arrow IPC file" : "not an Arrow IPC file or stream";
        throw new FormatError(p, `${what}: ${errorText(e)}`, { cause: e });
      }
      if (!reader.schema) {
        throw new FormatError(p, "not an Arrow IPC file or stream: no schema message");
      }
      if (isFile && reader.isFile()) {
        const footer = reader.footer;
        if (!footer) throw new FormatError(p, "the Arrow file has no footer");
        const { size } = await handle.stat();
        const blocks: Block[] = [];
        const batches: number[] = [];
        // each block of the footer takes 24 bytes of the file
        if (footer.numRecordBatches * 24 > size) {
          throw new FormatError(
            p,
            `the footer lists ${footer.numRecordBatches} record batches, more than the file holds`,
          );
        }
        for (let i = 0; i < footer.numRecordBatches; i++) {
          let block: Block | null;
          try {
            block = footer.getRecordBatch(i);
          } catch (e) {
            throw new FormatError(p, `bad footer entry for record batch ${i}: ${errorText(e)}`, {
              cause: e,
            });
          }
          if (!block || block.metaDataLength < 8) {
            throw new FormatError(p, `the footer lists record batch ${i} without metadata`);
          }
          checkBlock(p, i, block, size);
          blocks.push(block);
          batches.push(await batchRows(p, handle, block));
        }
        return new ArrowSource({
          path: p,
          column,
          handle,
          reader: reader as Arrow.AsyncRecordBatchFileReader,
          memory: null,
          blocks,
          schema: reader.schema,
          batches,
        });
      }
      const memory: Arrow.RecordBatch[] = [];
      try {
        for await (const b of reader) memory.push(b);
      } catch (e) {
        throw new FormatError(p, `bad Arrow IPC stream: ${errorText(e)}`, { cause: e });
      }
      await handle.close();
      return new ArrowSource({
        path: p,
        column,
        handle: null,
        reader: null,
        memory,
        blocks: [],
        schema: reader.schema,
        batches: memory.map((b) => b.numRows),
      });
    } catch (e) {
      await handle.close().catch(() => {});
      throw e;
    }
  }

  /**
   * Reads a region into a new C-contiguous array, reading only the record
   * batches that hold selected rows.
   *
   * @param region The rows (and columns) to read; everything by default.
   * @returns The block, of shape `region.count`.
   * @throws {RangeError} When the region is outside the shape.
   * @throws {FormatError} When a non-float column holds nulls, or a batch cannot be read.
   *
   * @example
   * ```ts
   * import { ArrowSource, writeArrow } from "./arrow.ts";
   * import { arange } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * const m = arange(8, undefined, undefined, "int32").reshape([4, 2]);
   * await writeArrow(`${dir}/m.arrow`, m, { names: ["x", "y"], batchRows: 3 });
   * await using src = await ArrowSource.open(`${dir}/m.arrow`);
   * assert.deepEqual((await src.read()).toArray(), [[0, 1], [2, 3], [4, 5], [6, 7]]);
   * // rows 2 and 3 lie in different record batches; column "y" only
   * assert.deepEqual((await src.read("2:4, 1")).toArray(), [[5], [7]]);
   * await assert.rejects(src.read("5"), RangeError);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async read(region?: RegionLike): Promise<NDArray> {
    const r = toRegion(this.shape, region, { context: `Cannot read "${this.locator}"` });
    const out = empty(r.count, this.dtype);
    if (out.size === 0) return out;
    const [r0, s0, n0] = [r.start[0], r.step[0], r.count[0]];
    const cols = this.shape.length === 1
      ? [this.#fields[0]]
      : Array.from({ length: r.count[1] }, (_, q) => this.#fields[r.start[1] + q * r.step[1]]);
    const nc = cols.length;
    const kind = DTYPES[this.dtype].kind;
    // Float16 is copied as raw bits: Arrow holds it in a Uint16Array.
    const dst: AnyTypedArray = this.dtype === "float16"
      ? new Uint16Array(out.data.buffer, out.data.byteOffset, out.size)
      : out.data as AnyTypedArray;
    // the record batches the rows touch, and which rows of the output each holds
    for (const p of projectAxis(r0, s0, n0, this.#starts)) {
      const b = p.block;
      const lo = this.#starts[b];
      const k0 = p.out;
      const k1 = p.out + p.count; // exclusive
      const batch = await this.#batch(b);
      for (let q = 0; q < nc; q++) {
        const data = batch.data.children[cols[q]];
        const nulls = data.nullCount > 0 ? data.nullBitmap : undefined;
        if (nulls && kind !== "f") {
          throw new FormatError(
            this.#path,
            `column "${
              this.columns[cols[q]].name
            }" has ${data.nullCount} nulls in record batch ${b}: only float columns may hold nulls (read as NaN)`,
          );
        }
        const values = data.values as AnyTypedArray;
        const base = r0 - lo;
        if (kind === "b") {
          const bits = values as Uint8Array;
          for (let k = k0; k < k1; k++) {
            const i = data.offset + base + k * s0;
            dst[k * nc + q] = (bits[i >> 3] >> (i & 7)) & 1;
          }
        } else if (nc === 1 && s0 === 1 && !nulls) {
          (dst as Uint8Array).set(
            (values as Uint8Array).subarray(base + k0, base + k1),
            k0,
          );
        } else {
          for (let k = k0; k < k1; k++) {
            const i = base + k * s0;
            const j = data.offset + i;
            dst[k * nc + q] = nulls && ((nulls[j >> 3] >> (j & 7)) & 1) === 0
              ? (this.dtype === "float16" ? 0x7e00 : NaN)
              : values[i] as never;
          }
        }
      }
    }
    return out;
  }

  /**
   * Closes the file. Idempotent; reads after closing fail.
   *
   * @returns When the file is closed.
   *
   * @example
   * ```ts
   * import { ArrowSource, writeArrow } from "./arrow.ts";
   * import { arange } from "../core/ndarray.ts";
   * import assert from "node:assert/strict";
   * const dir = await Deno.makeTempDir();
   * await writeArrow(`${dir}/v.arrow`, arange(4, undefined, undefined, "int16"));
   * const src = await ArrowSource.open(`${dir}/v.arrow`);
   * assert.deepEqual((await src.read("1:3")).toArray(), [1, 2]);
   * await src.close();
   * await src.close(); // idempotent
   * await assert.rejects(src.read(), /the source is closed/);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async close(): Promise<void> {
    const h = this.#handle;
    this.#handle = null;
    this.#reader = null;
    this.#memory = null;
    this.#cached = null;
    if (h) await h.close().catch(() => {});
  }

  /**
   * Closes the file (for `await using`).
   *
   * @returns When the file is closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #batch(index: number): Promise<Arrow.RecordBatch> {
    if (this.#memory) return this.#memory[index];
    if (this.#cached?.index === index) return this.#cached.batch;
    // Arrow's file reader seeks a shared position: one read at a time.
    const run = this.#lock.then(async () => {
      const reader = this.#reader;
      const handle = this.#handle;
      if (!reader || !handle) throw new Error(`Cannot read "${this.#path}": the source is closed`);
      // Arrow's reader trusts the size it saw when opened: a file cut since
      // then would make it wait for bytes that never come.
      checkBlock(this.#path, index, this.#blocks[index], (await handle.stat()).size);
      let batch: Arrow.RecordBatch | null;
      try {
        batch = await reader.readRecordBatch(index);
      } catch (e) {
        throw new FormatError(this.#path, `bad record batch ${index}: ${errorText(e)}`, {
          cause: e,
        });
      }
      if (!batch) throw new FormatError(this.#path, `record batch ${index} cannot be read`);
      this.#cached = { index, batch };
      return batch;
    });
    this.#lock = run.catch(() => {});
    return await run;
  }
}

/** Where one record batch is in an IPC file, as its footer says. */
interface Block {
  readonly offset: number;
  readonly metaDataLength: number;
  readonly bodyLength: number;
}

function checkBlock(path: string, index: number, block: Block, size: number): void {
  const end = block.offset + block.metaDataLength + block.bodyLength;
  if (block.offset < 0 || end > size) {
    throw new FormatError(
      path,
      `record batch ${index} ends at byte ${end}, the file has ${size} bytes`,
    );
  }
}

/** Reads the metadata of one record batch (not its body) for its row count. */
async function batchRows(path: string, handle: FileHandle, block: Block): Promise<number> {
  const meta = new Uint8Array(block.metaDataLength);
  const { bytesRead } = await handle.read(meta, 0, meta.length, block.offset);
  const view = new DataView(meta.buffer);
  // IPC since 0.15 prefixes each message with 0xFFFFFFFF; older files do not
  const at = view.getUint32(0, true) === 0xffffffff ? 4 : 0;
  const len = view.getInt32(at, true);
  if (bytesRead < meta.length || len <= 0 || at + 4 + len > meta.length) {
    throw new FormatError(path, `record batch metadata at byte ${block.offset} is truncated`);
  }
  const problem = checkRecordBatchMessage(meta.subarray(at + 4, at + 4 + len));
  if (problem !== null) {
    throw new FormatError(path, `bad record batch metadata at byte ${block.offset}: ${problem}`);
  }
  let length: bigint | number;
  try {
    const message = arrow.Message.decode(meta.subarray(at + 4, at + 4 + len));
    if (!message.isRecordBatch()) {
      throw new FormatError(path, `the message at byte ${block.offset} is not a record batch`);
    }
    // the header is decoded here, lazily: its fields may be corrupt too
    length = message.header().length;
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(
      path,
      `bad record batch metadata at byte ${block.offset}: ${errorText(e)}`,
      { cause: e },
    );
  }
  // a flipped byte can claim billions of rows: every column takes at least a
  // bit per row of the body, so more rows than that is a corrupt file
  const rows = Number(length);
  if (!Number.isSafeInteger(rows) || rows < 0 || rows > block.bodyLength * 8) {
    throw new FormatError(
      path,
      `record batch at byte ${block.offset} declares ${rows} rows, ` +
        `more than its ${block.bodyLength} bytes of data can hold`,
    );
  }
  return rows;
}

/** The dtype of an Arrow type, or null when there is none. */
function dtypeOf(type: Arrow.DataType): DType | null {
  if (arrow.DataType.isBool(type)) return "bool";
  if (arrow.DataType.isInt(type)) {
    const t = type as Arrow.Int;
    const name = `${t.isSigned ? "" : "u"}int${t.bitWidth}`;
    // a corrupt schema can hold any bit width
    return Object.hasOwn(DTYPES, name) ? name as DType : null;
  }
  if (arrow.DataType.isFloat(type)) {
    const p = (type as Arrow.Float).precision;
    if (p === arrow.Precision.HALF) {
      return typeof (globalThis as { Float16Array?: unknown }).Float16Array === "function"
        ? "float16"
        : null;
    }
    return p === arrow.Precision.SINGLE ? "float32" : "float64";
  }
  return null;
}

/** The Arrow data of one 1-D column slice, without copying where possible. */
function toColumns(
  target: string,
  columns: NDArray | Readonly<Record<string, NDArray>>,
  names: readonly string[] | undefined,
): { name: string; array: NDArray }[] {
  let out: { name: string; array: NDArray }[];
  if (columns instanceof NDArray) {
    if (columns.ndim === 1) {
      out = [{ name: "values", array: columns }];
    } else if (columns.ndim === 2) {
      out = Array.from(
        { length: columns.shape[1] },
        (_, j) => ({ name: String(j), array: columns.slice(":", j) }),
      );
    } else {
      throw new RangeError(
        `Cannot write "${target}": expected a 1-D or 2-D array, got shape [${
          columns.shape.join(",")
        }]`,
      );
    }
    if (names !== undefined) {
      if (names.length !== out.length) {
        throw new RangeError(
          `Cannot write "${target}": ${names.length} names given for ${out.length} columns`,
        );
      }
      out = out.map((c, j) => ({ name: String(names[j]), array: c.array }));
    }
  } else if (typeof columns === "object" && columns !== null) {
    if (names !== undefined) {
      throw new TypeError(
        `Cannot write "${target}": names apply to an NDArray, a record's keys are its names`,
      );
    }
    out = Object.entries(columns).map(([name, array]) => {
      if (!(array instanceof NDArray)) {
        throw new TypeError(
          `Cannot write "${target}": column "${name}" is not an NDArray, got ${typeName(array)}`,
        );
      }
      if (array.ndim !== 1) {
        throw new RangeError(
          `Cannot write "${target}": column "${name}" must be 1-D, got shape [${
            array.shape.join(",")
          }]`,
        );
      }
      return { name, array };
    });
    if (out.length === 0) throw new RangeError(`Cannot write "${target}": no columns`);
    const n = out[0].array.shape[0];
    const bad = out.find((c) => c.array.shape[0] !== n);
    if (bad) {
      throw new ShapeMismatchError(
        `Cannot write "${target}": column "${bad.name}" has ${bad.array.shape[0]} rows, column "${
          out[0].name
        }" has ${n}`,
      );
    }
  } else {
    throw new TypeError(
      `Cannot write "${target}": expected an NDArray or a record of NDArrays, got ${
        typeName(columns)
      }`,
    );
  }
  const seen = new Set<string>();
  for (const c of out) {
    if (seen.has(c.name)) {
      throw new RangeError(`Cannot write "${target}": column name "${c.name}" is repeated`);
    }
    seen.add(c.name);
  }
  return out;
}

function pathText(path: string | URL): string {
  return path instanceof URL ? decodeURIComponent(path.pathname) : String(path);
}

function typeName(x: unknown): string {
  return x === null ? "null" : (x as object)?.constructor?.name ?? typeof x;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
