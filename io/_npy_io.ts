// Byte-level helpers of io/npy.ts: full positioned reads and writes, the
// contiguous byte runs of a region, the default block grid, strided picking
// and byte swapping, and the C-ordered bytes of an array.

import { type AnyTypedArray, type DType, DTYPES } from "../core/dtype.ts";
import { copyInto, empty, type NDArray } from "../core/ndarray.ts";
import { alignedBuffer } from "./aligned_buffer.ts";
import type { Region } from "./region.ts";
import { IO_MAX, SYNC_MAX } from "./_npy_open.ts";

export { openError, pathText, readFull, typeName } from "./_npy_open.ts";

/** Whether this machine is little-endian. */
export const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Target and maximum bytes of one block of `NpyFile.chunks`. */
const BLOCK_TARGET = 32 << 20;
const BLOCK_MAX = 64 << 20;

export async function writeFull(file: Deno.FsFile, at: number, src: Uint8Array): Promise<void> {
  let put = 0;
  if (src.length <= SYNC_MAX) {
    file.seekSync(at, Deno.SeekMode.Start);
    while (put < src.length) put += file.writeSync(src.subarray(put));
  } else {
    await file.seek(at, Deno.SeekMode.Start);
    while (put < src.length) {
      put += await file.write(src.subarray(put, Math.min(src.length, put + IO_MAX)));
    }
  }
}

export function reverseRegion(r: Region): Region {
  return {
    start: [...r.start].reverse(),
    step: [...r.step].reverse(),
    count: [...r.count].reverse(),
  };
}

/**
 * The byte runs of a region of a C-order array, in C order of the region:
 * `[firstElement, count, step]`. Trailing axes taken whole merge with the
 * first partial axis into one contiguous run; a step on the innermost
 * partial axis gives a strided run.
 */
export function* runs(shape: readonly number[], r: Region): Generator<[number, number, number]> {
  const d = shape.length;
  const strides = new Array<number>(d);
  let acc = 1;
  for (let i = d - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i];
  }
  let k = d;
  let block = 1;
  while (k > 0 && r.start[k - 1] === 0 && r.step[k - 1] === 1 && r.count[k - 1] === shape[k - 1]) {
    k--;
    block *= shape[k];
  }
  if (k === 0) {
    yield [0, block, 1];
    return;
  }
  const a = k - 1;
  let len: number;
  let step: number;
  let outer: number;
  let base = 0;
  if (r.step[a] === 1 || block === 1) {
    len = r.count[a] * (r.step[a] === 1 ? block : 1);
    step = r.step[a];
    outer = a;
    base = r.start[a] * strides[a];
  } else {
    len = block;
    step = 1;
    outer = a + 1;
  }
  for (let i = 0; i < outer; i++) base += r.start[i] * strides[i];
  if (outer === 0) {
    yield [base, len, step];
    return;
  }
  const idx = new Array<number>(outer).fill(0);
  for (;;) {
    yield [base, len, step];
    let ax = outer - 1;
    while (ax >= 0) {
      idx[ax]++;
      base += r.step[ax] * strides[ax];
      if (idx[ax] < r.count[ax]) break;
      base -= r.count[ax] * r.step[ax] * strides[ax];
      idx[ax] = 0;
      ax--;
    }
    if (ax < 0) return;
  }
}

export function blockGrid(shape: readonly number[], itemsize: number, fortran: boolean): number[] {
  const s = fortran ? [...shape].reverse() : [...shape];
  const chunks = s.map((n) => Math.max(1, n));
  let tail = itemsize;
  for (let i = s.length - 1; i >= 0; i--) {
    if (tail * s[i] <= BLOCK_MAX) {
      tail *= s[i];
      continue;
    }
    chunks[i] = Math.max(1, Math.min(s[i], Math.floor(BLOCK_TARGET / tail)));
    for (let j = 0; j < i; j++) chunks[j] = 1;
    break;
  }
  return fortran ? chunks.reverse() : chunks;
}

export function scratchBuffer(bytes: number): Uint8Array {
  const { buffer, byteOffset } = alignedBuffer(bytes);
  return new Uint8Array(buffer, byteOffset, bytes);
}

export type WordArray = Uint8Array | Uint16Array | Uint32Array;

export function words(bytes: Uint8Array, sz: number): WordArray {
  const w = sz >= 4 ? 4 : sz;
  const n = bytes.length / w;
  if (w === 1) return bytes;
  if (w === 2) return new Uint16Array(bytes.buffer, bytes.byteOffset, n);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
}

// Copies elements 0, step, 2*step, ... of `span` to `out` at byte `at`, as raw
// words (so NaN payloads and bigints pass through untouched).
export function pick(
  span: Uint8Array,
  out: Uint8Array,
  at: number,
  m: number,
  step: number,
  sz: number,
): void {
  const src = words(span, sz);
  const dst = words(out.subarray(at, at + m * sz), sz);
  if (sz <= 4) {
    for (let i = 0; i < dst.length; i++) dst[i] = src[i * step];
  } else if (sz > 8) {
    // complex128: four words per element
    const w = sz / 4;
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < w; k++) dst[i * w + k] = src[i * step * w + k];
    }
  } else {
    const s2 = step * 2;
    for (let i = 0, j = 0; i < dst.length; i += 2, j += s2) {
      dst[i] = src[j];
      dst[i + 1] = src[j + 1];
    }
  }
}

/** Reverses the byte order of every element of `bytes` in place. */
export function swapBytes(bytes: Uint8Array, sz: number): void {
  if (sz === 1 || bytes.length === 0) return;
  if (sz === 2) {
    const u = words(bytes, 2);
    for (let i = 0; i < u.length; i++) {
      const v = u[i];
      u[i] = ((v & 0xff) << 8) | (v >>> 8);
    }
    return;
  }
  const u = words(bytes, 4);
  if (sz === 4) {
    for (let i = 0; i < u.length; i++) {
      const v = u[i];
      u[i] = (v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
    }
    return;
  }
  for (let i = 0; i < u.length; i += 2) {
    const lo = u[i];
    const hi = u[i + 1];
    u[i] = (hi << 24) | ((hi & 0xff00) << 8) | ((hi >>> 8) & 0xff00) | (hi >>> 24);
    u[i + 1] = (lo << 24) | ((lo & 0xff00) << 8) | ((lo >>> 8) & 0xff00) | (lo >>> 24);
  }
}

/**
 * The elements of `a` in C order as bytes of `dtype`, big- or little-endian:
 * a view of `a`'s own buffer when that already is exactly this, else a copy.
 */
export function cBytes(a: NDArray, dtype: DType, bigEndian: boolean): Uint8Array {
  const sz = DTYPES[dtype].bytes;
  const word = DTYPES[dtype].array.BYTES_PER_ELEMENT; // a complex element is two words
  const swap = bigEndian === NATIVE_LE && word > 1;
  let c = a;
  if (a.dtype !== dtype || !a.isContiguous || swap) {
    c = empty(a.shape, dtype);
    copyInto(c, a);
  }
  const d = c.data as AnyTypedArray;
  const bytes = new Uint8Array(d.buffer, d.byteOffset + c.offset * sz, c.size * sz);
  if (swap) swapBytes(bytes, word);
  return bytes;
}
