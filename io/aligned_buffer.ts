// Page-aligned buffers for large reads (PERFORMANCE.md, item 1): read() into
// a buffer that starts on a 4096-byte boundary runs ~4x faster here than into
// one that starts 16 bytes past it. Finding the address needs FFI permission;
// without it we fall back silently to a plain buffer.

/** Alignment of large read buffers, in bytes. */
export const PAGE = 4096;

/** Buffers smaller than this are not worth aligning. */
export const ALIGN_MIN_BYTES = 1 << 20;

let enabled = true;
let ffi: boolean | undefined;

/**
 * Turns alignment on or off (for benchmarks that compare both).
 *
 * @param on Whether large buffers are aligned.
 */
export function setAlignedBuffers(on: boolean): void {
  enabled = on;
}

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

/**
 * A new zeroed ArrayBuffer region of `bytes` bytes, starting on a 4096-byte
 * boundary when alignment is on, FFI is granted and the buffer is large.
 *
 * @param bytes Size in bytes.
 * @returns The buffer and the byte offset where the region starts.
 */
export function alignedBuffer(bytes: number): { buffer: ArrayBuffer; byteOffset: number } {
  if (!enabled || bytes < ALIGN_MIN_BYTES || !canAlign()) {
    return { buffer: new ArrayBuffer(bytes), byteOffset: 0 };
  }
  const buffer = new ArrayBuffer(bytes + PAGE);
  try {
    const ptr = Deno.UnsafePointer.of(new Uint8Array(buffer));
    const addr = Number(Deno.UnsafePointer.value(ptr) % BigInt(PAGE));
    return { buffer, byteOffset: (PAGE - addr) % PAGE };
  } catch {
    ffi = false;
    return { buffer: new ArrayBuffer(bytes), byteOffset: 0 };
  }
}
