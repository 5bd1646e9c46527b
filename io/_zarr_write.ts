// The chunk-level IO of io/zarr.ts: decoding one chunk (zarrita), and the
// write path (zarrita 0.7 only encodes inside its own `set`): a region is cut
// into chunks; a chunk covered whole is encoded from the caller's array alone,
// one covered in part is decoded, updated and rewritten (read-modify-write),
// and every chunk is encoded by our encoder (io/_zarr_codecs.ts) and stored
// under a temporary name renamed into place (io/_zarr_store.ts). Private to
// io/zarr.ts (reads: io/_zarr_read.ts).
//
// Encodes run on the encode workers (io/_encode_pool.ts; in this thread with
// one thread): each chunk is copied into a shared buffer, a few chunks are in
// flight, each stored as its encode completes. `write` returns when its chunks
// are stored; `write(..., true)` (queued) returns once its chunks are in
// flight, and `flush` waits for them. A chunk is encoded by the same code
// whichever thread runs it: the store is the same for every thread count.

import type { Zarrita as zarr } from "./_npm.ts";
import { type AnyTypedArray, type DType, DTYPES, isComplex } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { copyInto, NDArray } from "../core/ndarray.ts";
import { projectAxes } from "../core/indexer.ts";
import { type ChunkEncoder, makeEncoder } from "./_zarr_codecs.ts";
import { type ArrayMeta, keyOf } from "./_zarr_meta.ts";
import type { FsStore } from "./_zarr_store.ts";
import { floatPart, needsOwnFill } from "./_zarr_complex.ts";
import type { Region } from "./region.ts";
import {
  ChunkSlots,
  EncodeQueue,
  runEncode,
  runEncodeWrite,
  type ZarrEncodeJob,
} from "./_encode_pool.ts";

const EMPTY = new Uint8Array(0);

/** The chunks of one Zarr array: decode, blank, encode and store, write a region. */
export class ZarrChunks {
  readonly #lib: typeof zarr;
  readonly #store: FsStore;
  readonly #meta: ArrayMeta;
  readonly #array: zarr.Array<zarr.DataType, FsStore>;
  readonly #dtype: DType;
  readonly #chunks: readonly number[];
  readonly #strides: number[];
  readonly #size: number;
  #encoder: Promise<ChunkEncoder> | null = null;
  readonly #queue: EncodeQueue;
  readonly #slots: ChunkSlots;
  /** Whether chunks are encoded on the encode workers. */
  readonly #pooled: boolean;

  constructor(
    lib: typeof zarr,
    store: FsStore,
    meta: ArrayMeta,
    array: zarr.Array<zarr.DataType, FsStore>,
  ) {
    this.#lib = lib;
    this.#store = store;
    this.#meta = meta;
    this.#array = array;
    this.#dtype = meta.dtype;
    this.#chunks = meta.chunks;
    this.#strides = stridesOf(meta.chunks, meta.order);
    this.#size = meta.chunks.reduce((a, b) => a * b, 1);
    const bytes = this.#size * DTYPES[meta.dtype].bytes;
    // uncompressed (a byte order, a transpose): a copy, not worth a worker
    this.#pooled = meta.codecs.some((c) => c.name !== "bytes" && c.name !== "transpose");
    this.#queue = new EncodeQueue(this.#pooled ? undefined : 1);
    this.#slots = new ChunkSlots(bytes, this.#queue.window + 1);
  }

  /** Store key of a chunk. */
  key(coords: readonly number[]): string {
    return keyOf(this.#meta.path, this.#meta.chunkKey(coords));
  }

  /** Decodes one chunk (the fill value when it is missing). */
  async decode(coords: readonly number[]): Promise<{ data: AnyTypedArray; stride: number[] }> {
    let chunk: zarr.Chunk<zarr.DataType>;
    try {
      chunk = await this.#array.getChunk([...coords]);
    } catch (e) {
      throw new FormatError(
        this.#store.root,
        `chunk "${this.key(coords)}" cannot be decoded: ${(e as Error).message}${
          (e as Error).cause instanceof Error ? `: ${((e as Error).cause as Error).message}` : ""
        }`,
        { cause: e },
      );
    }
    const cplx = isComplex(this.#dtype);
    if (cplx && needsOwnFill(this.#meta.fillValue) && !(await this.#store.has(this.key(coords)))) {
      return { data: this.#blank(coords, true).data as AnyTypedArray, stride: this.#strides };
    }
    const raw = chunk.data as unknown;
    const data =
      (raw instanceof this.#lib.BoolArray
        ? new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)
        : raw) as AnyTypedArray;
    const per = cplx ? 2 : 1;
    if (!(data instanceof DTYPES[this.#dtype].array) || data.length !== this.#size * per) {
      throw new FormatError(
        this.#store.root,
        `chunk "${this.key(coords)}" holds ${data?.length} elements after decoding, expected ${
          this.#size * per
        }`,
      );
    }
    // a complex chunk comes as floats with a trailing axis of 2
    const stride = cplx ? chunk.stride.slice(0, -1).map((s) => s / 2) : chunk.stride;
    return { data, stride };
  }

  /**
   * Writes `array` (shape `r.count`, already checked) at region `r`: whole
   * chunks from `array` alone, partial chunks read-modify-write. Queued: returns
   * once every chunk is copied and in flight (see {@link flush}); else once
   * they are stored.
   */
  async write(r: Region, array: NDArray, queued = false): Promise<void> {
    const { shape } = this.#meta;
    const chunks = this.#chunks;
    const pieces = projectAxes(r, chunks);
    const nd = pieces.length;
    if (pieces.some((p) => p.length === 0)) return;
    const idx = new Array<number>(nd).fill(0);
    for (;;) {
      const ps = idx.map((k, i) => pieces[i][k]);
      const coords = ps.map((p) => p.block);
      const whole = ps.every((p, i) =>
        r.step[i] === 1 && p.start === 0 &&
        p.count === Math.min(chunks[i], shape[i] - coords[i] * chunks[i])
      );
      const key = this.key(coords);
      // a partial update reads the chunk: wait for its write in flight
      if (!whole && this.#queue.has(key)) await this.#queue.flush();
      // a shared buffer for the workers; uncompressed: a fresh one, as before
      const slot = this.#pooled ? this.#slots.take() : undefined;
      let chunk: NDArray;
      try {
        chunk = whole
          ? this.#blank(coords, false, slot)
          : await this.#decodeForUpdate(coords, slot);
        let doff = 0;
        let soff = array.offset;
        for (let i = 0; i < ps.length; i++) {
          doff += ps[i].start * chunk.strides[i];
          soff += ps[i].out * array.strides[i];
        }
        const counts = ps.map((p) => p.count);
        copyInto(
          new NDArray(
            this.#dtype,
            chunk.data,
            counts,
            chunk.strides.map((s, i) => s * r.step[i]),
            doff,
          ),
          new NDArray(array.dtype, array.data, counts, array.strides, soff),
        );
      } catch (e) {
        if (slot !== undefined) this.#slots.give(slot);
        throw e;
      }
      await this.#queue.submit<Uint8Array | null>(
        key,
        () => this.#encodeStore(key, chunk),
        (bytes) => bytes === null ? undefined : this.#store.set(key, bytes),
        () => slot !== undefined && this.#slots.give(slot),
      );
      let ax = nd - 1;
      while (ax >= 0 && ++idx[ax] === pieces[ax].length) idx[ax--] = 0;
      if (ax < 0) break;
    }
    if (!queued) await this.flush();
  }

  /** Waits for the chunks in flight to be stored; raises the first failure. */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /** A fresh chunk in the array's memory order, filled with the fill value. */
  #blank(coords: readonly number[], always = false, into?: Uint8Array): NDArray {
    const { shape, fillValue } = this.#meta;
    const inf = DTYPES[this.#dtype];
    const n = (this.#size * inf.bytes) / inf.array.BYTES_PER_ELEMENT;
    const data =
      (into === undefined
        ? new inf.array(n)
        : new inf.array(into.buffer as ArrayBuffer, into.byteOffset, n)) as AnyTypedArray;
    const clipped = always || coords.some((c, i) => (c + 1) * this.#chunks[i] > shape[i]);
    if (clipped && fillValue !== null && typeof fillValue === "object") {
      const { re, im } = fillValue;
      for (let i = 0; i < data.length; i += 2) [data[i], data[i + 1]] = [re, im];
    } else if (clipped && fillValue !== null) {
      (data as Float64Array).fill(
        (DTYPES[this.#dtype].big ? BigInt(fillValue as number) : Number(fillValue)) as number,
      );
    } else if (clipped && into !== undefined) {
      into.fill(0); // a reused buffer: what a fresh one holds
    }
    return new NDArray(this.#dtype, data as never, this.#chunks, this.#strides);
  }

  async #decodeForUpdate(coords: readonly number[], into?: Uint8Array): Promise<NDArray> {
    const { data, stride } = await this.decode(coords);
    const dst = this.#blank(coords, false, into);
    copyInto(dst, new NDArray(this.#dtype, data as never, this.#chunks, stride));
    return dst;
  }

  /**
   * Encodes a chunk on an encode worker that writes it too, when the store is
   * staged (its files written in place): null once stored. Else its bytes,
   * for the caller to store.
   */
  async #encodeStore(key: string, chunk: NDArray): Promise<Uint8Array | null> {
    const path = this.#pooled ? await this.#store.stagedPath(key) : null;
    if (path === null) return await this.#encode(chunk);
    await this.#encode(chunk, path);
    return null;
  }

  /**
   * Encodes a chunk (its data in shared memory) on an encode worker, or here;
   * with `path` (a file inside a staged store) it is written there too.
   */
  async #encode(chunk: NDArray, path?: string): Promise<Uint8Array> {
    // zarrita encodes a complex chunk as floats with a trailing axis of 2
    const cplx = isComplex(this.#dtype);
    const shape = cplx ? [...this.#chunks, 2] : [...this.#chunks];
    const stride = cplx ? [...chunk.strides.map((s) => 2 * s), 1] : [...chunk.strides];
    const fill = this.#meta.fillValue;
    const meta = {
      dataType: cplx ? floatPart(this.#dtype).dataType : this.#meta.dataType,
      shape,
      codecs: this.#meta.codecs,
      fillValue: typeof fill === "object" && fill !== null ? fill.re : fill,
    };
    const bool = this.#dtype === "bool";
    const job: ZarrEncodeJob = {
      kind: "zarr",
      meta: meta as ZarrEncodeJob["meta"],
      data: chunk.data as ArrayBufferView,
      bool,
      shape,
      stride,
    };
    const local = async (): Promise<Uint8Array> => {
      this.#encoder ??= makeEncoder(meta);
      const encode = await this.#encoder;
      const buf = chunk.data as Uint8Array;
      const data = bool
        ? new this.#lib.BoolArray(buf.buffer as ArrayBuffer, buf.byteOffset, buf.length)
        : buf;
      const bytes = await encode({ data, shape, stride });
      // no codec but bytes: a view of the shared chunk, reused once stored
      return bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
    };
    if (path === undefined) return await runEncode(job, this.#pooled, local);
    const write = { ...job, path };
    await runEncodeWrite(write, this.#pooled, async () => {
      const bytes = await local();
      await Deno.writeFile(path, bytes);
      return bytes.length;
    });
    return EMPTY;
  }
}

/** Strides (in elements) of a chunk stored in the axis order `order`. */
function stridesOf(shape: readonly number[], order: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = order.length - 1; i >= 0; i--) {
    strides[order[i]] = step;
    step *= shape[order[i]];
  }
  return strides;
}
