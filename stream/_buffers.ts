// Read buffers reused from block to block (allocating fresh memory costs
// more than reading from the page cache) and aligned to 4096 bytes (reads
// into an aligned buffer run ~4x faster; PERFORMANCE.md, items 1 and 4).

import { type DType, DTYPES } from "../core/dtype.ts";
import { NDArray } from "../core/ndarray.ts";

const PAGE = 4096;
let ffi: boolean | undefined;

function canAlign(): boolean {
  if (ffi === undefined) {
    try {
      ffi = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
    } catch {
      ffi = false;
    }
  }
  return ffi;
}

/** A new zeroed buffer of `bytes`, starting on a 4096-byte boundary when FFI is allowed. */
function alignedBytes(bytes: number): Uint8Array {
  if (bytes < (1 << 20) || !canAlign()) return new Uint8Array(bytes);
  const buffer = new ArrayBuffer(bytes + PAGE);
  try {
    const ptr = Deno.UnsafePointer.of(new Uint8Array(buffer));
    const addr = Number(Deno.UnsafePointer.value(ptr) % BigInt(PAGE));
    return new Uint8Array(buffer, (PAGE - addr) % PAGE, bytes);
  } catch {
    ffi = false;
    return new Uint8Array(bytes);
  }
}

/** Buffers keyed by a name, grown when a larger block comes, viewed as any shape. */
export class BufferPool {
  readonly #bufs = new Map<string, Uint8Array>();

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
      b = alignedBytes(bytes);
      this.#bufs.set(key, b);
    }
    const data = new inf.array(b.buffer as ArrayBuffer, b.byteOffset, Math.max(1, n));
    return new NDArray(dtype, data as never, shape);
  }
}
