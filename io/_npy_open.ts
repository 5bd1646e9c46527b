// Opening a .npy file and reading its header, with no dependency on the
// array core: \`tessera info\` and the format registry's detection read a
// header without loading the kernels (io/npy.ts builds NpyFile on it).

import { DTYPES } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { MAX_HEADER_BYTES, type NpyHeader, parseHeaderText, parsePrefix } from "./_npy_header.ts";

/**
 * Reads and writes up to this size use the synchronous file API: each async
 * call hops to a worker thread, and for the 2-4 MiB pieces the stream engine
 * reduces while they are in cache, sync reads measured 20-30% faster here
 * (mean over axis 0 of 1 GiB: 0.23 s async, 0.18 s sync). Larger transfers
 * stay async so they overlap computation.
 */
export const SYNC_MAX = 8 << 20;
/** Largest single read or write call. */
export const IO_MAX = 1 << 30;

export function pathText(path: string | URL): string {
  if (path instanceof URL) return decodeURIComponent(path.pathname);
  if (typeof path !== "string") {
    throw new TypeError(`Expected a path string or URL, got ${typeName(path)}`);
  }
  return path;
}

export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

export function openError(locator: string, e: unknown): Error {
  if (e instanceof Deno.errors.NotFound) {
    return new Deno.errors.NotFound(`Cannot open "${locator}": no such file`, { cause: e });
  }
  if (e instanceof Deno.errors.PermissionDenied) {
    return new Deno.errors.PermissionDenied(`Cannot open "${locator}": permission denied`, {
      cause: e,
    });
  }
  if (e instanceof Error) {
    const err = new Error(`Cannot open "${locator}": ${e.message}`, { cause: e });
    err.name = e.name;
    return err;
  }
  return new Error(`Cannot open "${locator}": ${String(e)}`, { cause: e });
}

export async function readFull(
  file: Deno.FsFile,
  at: number,
  dst: Uint8Array,
  locator: string,
): Promise<void> {
  let got = 0;
  if (dst.length <= SYNC_MAX) {
    file.seekSync(at, Deno.SeekMode.Start);
    while (got < dst.length) {
      const n = file.readSync(dst.subarray(got));
      if (n === null || n === 0) break;
      got += n;
    }
  } else {
    await file.seek(at, Deno.SeekMode.Start);
    while (got < dst.length) {
      const n = await file.read(dst.subarray(got, Math.min(dst.length, got + IO_MAX)));
      if (n === null || n === 0) break;
      got += n;
    }
  }
  if (got < dst.length) {
    throw new FormatError(
      locator,
      `file ended at byte ${at + got}, expected ${dst.length - got} more bytes`,
    );
  }
}

/** An open .npy file with its parsed header. */
export interface OpenedNpy {
  readonly file: Deno.FsFile;
  readonly locator: string;
  readonly header: NpyHeader;
  /** Bytes read to parse the header. */
  readonly bytesRead: number;
}

/**
 * Opens a .npy file and parses and checks its header (the data size must
 * match the file's). The caller closes the file.
 */
export async function openNpyHeader(path: string | URL, writable: boolean): Promise<OpenedNpy> {
  const locator = pathText(path);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: writable });
  } catch (e) {
    throw openError(locator, e);
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile) throw new FormatError(locator, "not a regular file");
    const size = stat.size;
    const prefix = new Uint8Array(Math.min(12, size));
    await readFull(file, 0, prefix, locator);
    const { version, headerStart, headerLength } = parsePrefix(locator, prefix);
    if (headerLength > MAX_HEADER_BYTES || headerStart + headerLength > size) {
      throw new FormatError(
        locator,
        `header declares ${headerLength} bytes of header text, file has ${size - headerStart}`,
      );
    }
    const text = new Uint8Array(headerLength);
    await readFull(file, headerStart, text, locator);
    const h = parseHeaderText(locator, version, text, headerStart + headerLength);
    const nbytes = h.shape.reduce((a, b) => a * b, 1) * DTYPES[h.dtype].bytes;
    if (!Number.isSafeInteger(nbytes)) {
      throw new FormatError(locator, `shape (${h.shape.join(", ")}) is too large`);
    }
    if (size - h.dataOffset !== nbytes) {
      throw new FormatError(
        locator,
        `header declares ${nbytes} bytes of data, file has ${size - h.dataOffset}`,
      );
    }
    return { file, locator, header: h, bytesRead: prefix.length + text.length };
  } catch (e) {
    file.close();
    throw e;
  }
}
