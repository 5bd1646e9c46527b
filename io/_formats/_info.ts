// Helpers of the formats' `info`: sizes on disk and in memory, attributes as
// plain JSON values, and magic-byte sniffing for `detect`.

import { DTYPES } from "../../core/dtype.ts";
import type { NDArray } from "../../core/ndarray.ts";

/** Bytes on disk of a file or a directory tree. */
export async function diskSize(path: string): Promise<number> {
  const st = await Deno.stat(path);
  if (!st.isDirectory) return st.size;
  let total = 0;
  for await (const e of Deno.readDir(path)) {
    total += await diskSize(`${path}/${e.name}`);
  }
  return total;
}

// an NDArray attribute value (HDF5, netCDF), recognised without loading the array core
function plain(value: unknown): unknown {
  const a = value as NDArray | null;
  if (typeof a === "object" && a !== null && typeof a.toArray === "function") return a.toArray();
  return value;
}

/** Attributes with arrays turned into nested lists. */
export function plainRecord(r: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)]));
}

/** Bytes in memory of an array of `shape` and `dtype` (0 for an unknown dtype). */
export function memoryOf(shape: readonly number[], dtype: string | null | undefined): number {
  const bytes = dtype && dtype in DTYPES ? DTYPES[dtype as keyof typeof DTYPES].bytes : 0;
  return shape.reduce((a, b) => a * b, 1) * bytes;
}

/** The first `n` bytes of a file (fewer when it is shorter; none for a directory or no file). */
export async function headBytes(path: string, n: number, offset = 0): Promise<Uint8Array> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch {
    return new Uint8Array(0);
  }
  try {
    if (!(await file.stat()).isFile) return new Uint8Array(0);
    if (offset > 0) await file.seek(offset, Deno.SeekMode.Start);
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const got = await file.read(out.subarray(at));
      if (got === null) break;
      at += got;
    }
    return out.subarray(0, at);
  } finally {
    file.close();
  }
}

/** Whether `bytes` starts with `magic`. */
export function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}
