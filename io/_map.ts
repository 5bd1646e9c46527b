// File pages mapped into WebAssembly memory, in place of a read (issue 13,
// group c): mmap(2) with MAP_FIXED of a MAP_PRIVATE file mapping over a page
// range of the arena, its page tables filled with madvise(MADV_POPULATE_READ),
// makes the page cache's bytes appear there with no copy, and an anonymous
// mapping put back over the same range restores ordinary memory.
//
// The mapping is PROT_READ|PROT_WRITE and private: a write into it would copy
// the page (never reach the file), and V8's mprotect of the whole memory when
// it grows (shared memories) succeeds. A MAP_SHARED, PROT_READ mapping of the
// read-only descriptor made that mprotect fail with EACCES, and V8 aborts the
// process then (measured: "Check failed: 12 == errno" on the first grow).
// Still, the callers map only blocks the reduction kernels read (a write
// would cost a page copy), and restore the range as soon as the block is
// consumed and in every error path.
//
// Linux only, with FFI allowed and libc.so.6 found; TESSERA_MMAP=0 turns it
// off. When any of these fails, `FileMap.open` answers null and the callers
// read as before.

import type { DType } from "../core/dtype.ts";
import { DTYPES } from "../core/dtype.ts";
import { NDArray } from "../core/ndarray.ts";
import { granted, optionalEnv } from "../core/permissions.ts";
import { LIBC_SYMBOLS, LINUX } from "../ffi/libc.ts";
import type { MappedBlock, MapPlace, Region } from "./region.ts";

const PAGE = 4096;
const { O_RDONLY_CLOEXEC, SEEK_END, PROT_RW, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS } = LINUX;
const { MADV_POPULATE_READ } = LINUX;

/** libc.so.6 (glibc): ffi/libc.ts's symbols, and madvise. */
const LIBC = {
  ...LIBC_SYMBOLS,
  // int madvise(void *addr, size_t length, int advice)
  madvise: { parameters: ["pointer", "usize", "i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

type Libc = Deno.DynamicLibrary<typeof LIBC>["symbols"];

let libc: Libc | null | undefined;

function load(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  try {
    if (Deno.build.os !== "linux") return libc;
    if (!granted({ name: "ffi" })) return libc;
    libc = Deno.dlopen("libc.so.6", LIBC).symbols;
  } catch {
    libc = null;
  }
  return libc;
}

/** Absolute address of byte 0 of `buf` (a WebAssembly memory's buffer). */
function baseOf(buf: ArrayBufferLike): bigint {
  const p = Deno.UnsafePointer.of(new Uint8Array(buf));
  if (p === null) throw new Error("Internal error: no address for the wasm memory");
  return Deno.UnsafePointer.value(p);
}

/** TESSERA_MMAP=0 (read each time: a test or a caller may set it between runs). */
function switchedOff(): boolean {
  return optionalEnv("TESSERA_MMAP")?.trim() === "0";
}

let mapCount = 0;

/**
 * How many blocks this thread has mapped so far (for tests: proof that a
 * path maps, or does not).
 *
 * @returns The count.
 *
 * @example
 * ```ts
 * import { mappedCount } from "./_map.ts";
 * if (mappedCount() < 0) throw new Error("bad");
 * ```
 */
export function mappedCount(): number {
  return mapCount;
}

/** Safety net: the descriptor of a FileMap dropped without close(). */
const unclosed = new FinalizationRegistry<{ lib: Libc; fd: number }>(({ lib, fd }) => {
  lib.close(fd);
});

/** A file opened for mapping its pages into WebAssembly memory. */
export class FileMap {
  readonly #lib: Libc;
  #fd: number;
  readonly #token = {};

  private constructor(lib: Libc, fd: number) {
    this.#lib = lib;
    this.#fd = fd;
    unclosed.register(this, { lib, fd }, this.#token);
  }

  /**
   * Opens `path` read-only for mapping, or answers null when mapping is not
   * available (not Linux, no FFI permission, no libc.so.6, the file does not
   * open). TESSERA_MMAP=0 is checked block by block, by {@link mapRows}.
   *
   * @param path The file.
   * @returns The open map, or null.
   *
   * @example
   * ```ts
   * import { FileMap } from "./_map.ts";
   * const path = await Deno.makeTempFile();
   * await Deno.writeFile(path, new Uint8Array(10));
   * const m = FileMap.open(path);
   * if (m !== null && m.size() !== 10) throw new Error("bad");
   * m?.close();
   * await Deno.remove(path);
   * ```
   */
  static open(path: string): FileMap | null {
    const lib = load();
    if (lib === null) return null;
    const fd = lib.open(new TextEncoder().encode(path + "\0"), O_RDONLY_CLOEXEC);
    return fd < 0 ? null : new FileMap(lib, fd);
  }

  /**
   * Whether this descriptor is the file `info` describes (same device and
   * inode): a path renamed over after the caller opened it is not.
   *
   * @param info The caller's stat of its own open file.
   * @returns True when they are the same file.
   *
   * @example
   * ```ts
   * import { FileMap } from "./_map.ts";
   * const path = await Deno.makeTempFile();
   * using f = await Deno.open(path);
   * const m = FileMap.open(path);
   * if (m !== null && !m.sameFile(f.statSync())) throw new Error("bad");
   * m?.close();
   * await Deno.remove(path);
   * ```
   */
  sameFile(info: Deno.FileInfo): boolean {
    if (this.#fd < 0) return false;
    try {
      const mine = Deno.statSync(`/proc/self/fd/${this.#fd}`);
      return mine.ino !== null && mine.ino === info.ino && mine.dev === info.dev;
    } catch {
      return false;
    }
  }

  /**
   * The file's current size in bytes (-1 when closed or unknown).
   *
   * @returns Bytes.
   *
   * @example
   * ```ts
   * import { FileMap } from "./_map.ts";
   * const path = await Deno.makeTempFile();
   * await Deno.writeFile(path, new Uint8Array(3));
   * const m = FileMap.open(path);
   * if (m !== null && m.size() !== 3) throw new Error("bad");
   * m?.close();
   * await Deno.remove(path);
   * ```
   */
  size(): number {
    if (this.#fd < 0) return -1;
    return Number(this.#lib.lseek(this.#fd, 0n, SEEK_END));
  }

  /**
   * Maps the file's bytes `[offset, offset + view.byteLength)` over `view`,
   * which must lie in `memory` at an address with the same remainder modulo
   * 4096 as `offset`, the whole pages around it belonging to the caller.
   * Answers null (nothing changed) when the file is shorter than that or the
   * view is not placed so.
   *
   * @param memory The WebAssembly memory `view` lies in.
   * @param view Where the bytes are to appear.
   * @param offset Byte offset in the file.
   * @returns The restore call, or null.
   *
   * @example
   * ```ts
   * import { FileMap } from "./_map.ts";
   * const path = await Deno.makeTempFile();
   * await Deno.writeFile(path, new Uint8Array(8192).fill(7));
   * const mem = new WebAssembly.Memory({ initial: 1 });
   * const m = FileMap.open(path);
   * const restore = m?.map(mem, new Uint8Array(mem.buffer, 4096 + 5, 100), 5) ?? null;
   * if (restore !== null) {
   *   if (new Uint8Array(mem.buffer)[4096 + 5] !== 7) throw new Error("bad");
   *   restore();
   *   if (new Uint8Array(mem.buffer)[4096 + 5] !== 0) throw new Error("bad");
   * }
   * m?.close();
   * await Deno.remove(path);
   * ```
   */
  map(memory: WebAssembly.Memory, view: Uint8Array, offset: number): (() => void) | null {
    const bytes = view.byteLength;
    if (this.#fd < 0 || bytes === 0) return null;
    if ((view.byteOffset - offset) % PAGE !== 0) return null;
    if (offset + bytes > this.size()) return null; // truncated: the read path raises its error
    const base = baseOf(memory.buffer);
    if (base % BigInt(PAGE) !== 0n) return null;
    const start = view.byteOffset - (view.byteOffset % PAGE);
    const end = Math.ceil((view.byteOffset + bytes) / PAGE) * PAGE;
    if (end > memory.buffer.byteLength) return null;
    const addr = base + BigInt(start);
    const len = BigInt(end - start);
    const lib = this.#lib;
    let mapped = true;
    const restore = (): void => {
      if (!mapped) return;
      const p = lib.mmap(
        Deno.UnsafePointer.create(addr),
        len,
        PROT_RW,
        MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS,
        -1,
        0n,
      );
      if (BigInt(p) !== addr) {
        // the arena now has a hole that cannot be written: nothing sane is left to do
        throw new Error("Internal error: mmap could not restore the wasm memory");
      }
      mapped = false;
    };
    const p = lib.mmap(
      Deno.UnsafePointer.create(addr),
      len,
      PROT_RW,
      MAP_PRIVATE | MAP_FIXED,
      this.#fd,
      BigInt(offset - (view.byteOffset - start)),
    );
    if (BigInt(p) !== addr) {
      // MAP_FIXED failed: the old mapping may be gone, put memory back
      restore();
      return null;
    }
    // an error here (an old kernel) only means the pages fault in one by one
    lib.madvise(Deno.UnsafePointer.create(addr), len, MADV_POPULATE_READ);
    mapCount++;
    return restore;
  }

  /**
   * Closes the file descriptor. Idempotent.
   *
   * @example
   * ```ts
   * import { FileMap } from "./_map.ts";
   * const path = await Deno.makeTempFile();
   * const m = FileMap.open(path);
   * m?.close();
   * m?.close();
   * await Deno.remove(path);
   * ```
   */
  close(): void {
    if (this.#fd < 0) return;
    unclosed.unregister(this.#token);
    this.#lib.close(this.#fd);
    this.#fd = -1;
  }
}

/**
 * Maps a C-order, native-byte-order block of whole rows of an array stored
 * from byte `dataOffset` of `map`'s file: null when `region` is not whole
 * rows (unit steps, full trailing axes), `place` has no room, or mapping
 * fails (read instead).
 *
 * @param map The open file.
 * @param layout The array's dtype, shape and data offset.
 * @param region The block.
 * @param place Where the block may go (see {@link MapPlace}).
 * @returns The mapped block, or null.
 *
 * @example
 * ```ts
 * import { FileMap, mapRows } from "./_map.ts";
 * import { wasmArena } from "../core/wasm.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, new Uint8Array(new Float64Array([1, 2, 3, 4]).buffer));
 * const m = FileMap.open(path);
 * const span = wasmArena().alloc(2 * 4096);
 * const b = m && mapRows(m, { dtype: "float64", shape: [2, 2], dataOffset: 0 },
 *   { start: [1, 0], step: [1, 1], count: [1, 2] }, (n, s) => ({ memory: wasmArena().memory, view: span.u8.subarray(s, s + n) }));
 * if (b !== null) {
 *   if (b.array.get(0, 1) !== 4) throw new Error("bad");
 *   b.unmap();
 * }
 * span.free();
 * m?.close();
 * await Deno.remove(path);
 * ```
 */
export function mapRows(
  map: FileMap,
  layout: { dtype: DType; shape: readonly number[]; dataOffset: number },
  region: Region,
  place: MapPlace,
): MappedBlock | null {
  if (switchedOff()) return null;
  const { dtype, shape, dataOffset } = layout;
  const inf = DTYPES[dtype];
  if (shape.length === 0 || region.step.some((s) => s !== 1)) return null;
  for (let i = 1; i < shape.length; i++) {
    if (region.start[i] !== 0 || region.count[i] !== shape[i]) return null;
  }
  const rowElems = shape.slice(1).reduce((a, b) => a * b, 1);
  const n = region.count.reduce((a, b) => a * b, 1);
  const bytes = n * inf.bytes;
  if (n === 0) return null;
  const offset = dataOffset + region.start[0] * rowElems * inf.bytes;
  const placed = place(bytes, offset % PAGE);
  if (placed === null || placed.view.byteLength !== bytes) return null;
  const { memory, view } = placed;
  const restore = map.map(memory, view, offset);
  if (restore === null) return null;
  const words = bytes / inf.array.BYTES_PER_ELEMENT;
  const data = new inf.array(view.buffer as ArrayBuffer, view.byteOffset, words);
  return { array: new NDArray(dtype, data as never, region.count), unmap: restore };
}
