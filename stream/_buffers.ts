// Read buffers reused from block to block (allocating fresh memory costs
// more than reading from the page cache) and aligned to 4096 bytes (reads
// into an aligned buffer run ~4x faster; PERFORMANCE.md, items 1 and 4).

import { type DType, DTYPES } from "../core/dtype.ts";
import { NDArray } from "../core/ndarray.ts";
import { type ArenaSpan, wasmArena } from "../core/wasm.ts";
import { alignedBuffer } from "../io/aligned_buffer.ts";

/** A new zeroed buffer of `bytes`, 4096-aligned when large and FFI is allowed. */
function alignedBytes(bytes: number): Uint8Array {
  const { buffer, byteOffset } = alignedBuffer(bytes);
  return new Uint8Array(buffer, byteOffset, bytes);
}

/**
 * Buffers keyed by a name, grown when a larger block comes, viewed as any
 * shape. Large buffers live in the WebAssembly arena (4096-aligned), so the
 * reduction kernels run on them in place with SIMD; `release()` returns them.
 */
export class BufferPool {
  readonly #bufs = new Map<string, Uint8Array>();
  readonly #regions = new Map<string, ArenaSpan>();
  readonly #mapped = new Map<string, ArenaSpan>();

  #alloc(key: string, bytes: number): Uint8Array {
    this.#regions.get(key)?.free();
    this.#regions.delete(key);
    if (bytes >= (1 << 20)) {
      try {
        const r = wasmArena().alloc(bytes);
        this.#regions.set(key, r);
        return r.u8.subarray(0, bytes);
      } catch {
        // arena full (wasm32 memory is at most 4 GiB): an ordinary buffer
      }
    }
    return alignedBytes(bytes);
  }

  /**
   * Room in the arena for a block mapped from a file (NpyFile.mapBlock):
   * `bytes` starting `shift` bytes past a page boundary, in a region of whole
   * pages of its own, reused under `key` (never shared with {@link array}'s
   * buffers); null when the arena is full.
   *
   * @param key Buffer name.
   * @param bytes Bytes of the block.
   * @param shift Its offset past a page boundary (0 to 4095).
   * @returns The memory and the view, or null.
   *
   * @example
   * ```ts
   * import { BufferPool } from "./_buffers.ts";
   * const pool = new BufferPool();
   * const p = pool.place("a", 100, 7);
   * if (p !== null && p.view.byteOffset % 4096 !== 7) throw new Error("bad");
   * pool.release();
   * ```
   */
  place(key: string, bytes: number, shift: number): {
    memory: WebAssembly.Memory;
    view: Uint8Array;
  } | null {
    const need = bytes + shift;
    let r = this.#mapped.get(key);
    if (r === undefined || r.bytes < need) {
      r?.free();
      this.#mapped.delete(key);
      try {
        r = wasmArena().alloc(need);
      } catch {
        return null; // arena full: read instead
      }
      this.#mapped.set(key, r);
    }
    if (r.ptr % 4096 !== 0) return null;
    return { memory: wasmArena().memory, view: r.u8.subarray(shift, shift + bytes) };
  }

  /** Returns the arena regions; views handed out before must not be used after. */
  release(): void {
    for (const r of this.#regions.values()) r.free();
    this.#regions.clear();
    for (const r of this.#mapped.values()) r.free();
    this.#mapped.clear();
    this.#bufs.clear();
  }

  /**
   * A C-contiguous array of `shape` over the buffer named `key`.
   *
   * @param key Buffer name.
   * @param dtype Element type.
   * @param shape Shape of the view.
   * @returns The view (its contents are whatever the buffer held).
   */
  array(key: string, dtype: DType, shape: readonly number[]): NDArray {
    const inf = DTYPES[dtype];
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = Math.max(1, n) * inf.bytes;
    let b = this.#bufs.get(key);
    if (!b || b.byteLength < bytes) {
      b = this.#alloc(key, bytes);
      this.#bufs.set(key, b);
    }
    const words = (Math.max(1, n) * inf.bytes) / inf.array.BYTES_PER_ELEMENT; // 2 per complex
    const data = new inf.array(b.buffer as ArrayBuffer, b.byteOffset, words);
    return new NDArray(dtype, data as never, shape);
  }
}
