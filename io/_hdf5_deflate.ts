// libhdf5's deflate filter (H5Z_FILTER_DEFLATE, 1) replaced by one backed by
// libdeflate for the span of one H5Dread/H5Dwrite of a gzip dataset
// (io/_hdf5_mpi.ts transferBlock: parallel HDF5's collective filtered writes,
// which compress inside libhdf5 and cannot take pre-compressed chunks, and
// the reads that go with them). libhdf5's own filter deflates with zlib at
// 33 MB/s on this data; libdeflate is several times faster at the same level,
// and its output is a standard zlib stream: any reader decodes it.
//
// The filter is an H5Z_class2_t registered with libhdf5's internal
// H5Z_register (the public H5Zregister refuses ids below 256 in release
// builds; Debian's libraries export the internal one), which copies it over
// the table entry of id 1; its function is a Deno.UnsafeCallback of
// this isolate. It is registered just before the call and libhdf5's own class
// (its exported H5Z_DEFLATE) registered again just after, whatever happens:
// libhdf5 is shared by every isolate of the process (test modules, Workers),
// and a callback must never be called once its isolate is gone, nor from
// another thread (it would wait for this isolate's event loop). Within the
// call, libhdf5 runs the filter on this thread.
//
// The buffers follow libhdf5's H5Z__filter_deflate: the output comes from
// libhdf5's allocator (H5allocate_memory), the input is freed with
// H5free_memory once the output is complete, `*buf` and `*buf_size` then name
// the output and its allocated size, and the result is the data's size; on
// any failure the input is left as it was and 0 returned (libhdf5 reports a
// filter error; a decode failure becomes a FormatError naming the file).

import { FormatError, Hdf5Error } from "../core/errors.ts";
import { builtinDeflateClass, cstr, hdf5 } from "../ffi/hdf5.ts";
import {
  libdeflateResult,
  nativeCodecAvailable,
  zlibCompressBound,
  zlibCompressInto,
  zlibDecompressInto,
} from "./_native_codecs.ts";

/** The registered id of the deflate (gzip) filter. */
export const H5Z_FILTER_DEFLATE = 1;
const H5Z_FLAG_REVERSE = 0x0100;
/** H5Z_CLASS_T_VERS: the class struct is an H5Z_class2_t. */
const H5Z_CLASS_T_VERS = 1;
/** No chunk decodes to more (HDF5's chunks are at most 4 GiB). */
const MAX_DECODED = 2 ** 32;

// size_t (*H5Z_func_t)(unsigned flags, size_t cd_nelmts, const unsigned cd_values[],
//                      size_t nbytes, size_t *buf_size, void **buf)
const FILTER_DEF = {
  parameters: ["u32", "usize", "pointer", "usize", "pointer", "pointer"],
  result: "usize",
} as const satisfies Deno.UnsafeCallbackDefinition;

interface Installed {
  readonly callback: Deno.UnsafeCallback<typeof FILTER_DEF>;
  /** Our H5Z_class2_t (48 bytes), kept alive with its name. */
  readonly cls: Uint8Array<ArrayBuffer>;
  readonly name: Uint8Array<ArrayBuffer>;
  /** libhdf5's H5Z_DEFLATE, and its filter function. */
  readonly builtin: NonNullable<Deno.PointerValue>;
  readonly builtinFilter: Deno.PointerValue;
}

/** undefined: not tried yet; null: not available (the built-in filter stays). */
let installed: Installed | null | undefined;

/**
 * @internal Test hooks: chunks encoded and decoded by the libdeflate filter
 * since the process started, and the last failure it reported.
 */
export const _deflateFilterHooks: {
  encoded: number;
  decoded: number;
  /** Seconds spent in the filter. */
  seconds: number;
  lastError: string | null;
} = { encoded: 0, decoded: 0, seconds: 0, lastError: null };

/** The failure of the last filter call (kept for the error thrown after the transfer). */
let failure: { kind: "encode" | "decode"; message: string } | null = null;
/** The last decoded size: the first guess of the next decode's (chunks of a dataset are alike). */
let lastDecoded = 0;

function fail(kind: "encode" | "decode", message: string): bigint {
  failure = { kind, message };
  _deflateFilterHooks.lastError = message;
  return 0n;
}

/** What the filter reported since {@link withNativeDeflate} cleared it (set from the callback). */
function reported(): { kind: "encode" | "decode"; message: string } | null {
  return failure;
}

function bytesAt(p: Deno.PointerValue, n: number): Uint8Array {
  return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p as Deno.PointerObject, n));
}

function slotAt(p: Deno.PointerObject): BigUint64Array {
  return new BigUint64Array(Deno.UnsafePointerView.getArrayBuffer(p, 8));
}

function address(p: Deno.PointerValue): bigint {
  return BigInt(Deno.UnsafePointer.value(p));
}

function filter(
  flags: number,
  cdCount: bigint,
  cdValues: Deno.PointerValue,
  nbytes: bigint,
  bufSize: Deno.PointerValue,
  buf: Deno.PointerValue,
): bigint {
  const kind = (flags & H5Z_FLAG_REVERSE) !== 0 ? "decode" : "encode";
  const t0 = performance.now();
  try {
    // as libhdf5's filter: exactly one client value, the level 0-9
    const level = Number(cdCount) === 1 && cdValues !== null
      ? new Deno.UnsafePointerView(cdValues).getUint32(0)
      : -1;
    if (level < 0 || level > 9) return fail(kind, "invalid deflate level");
    if (buf === null || bufSize === null) return fail(kind, "no buffer");
    const bufSlot = slotAt(buf);
    const sizeSlot = slotAt(bufSize);
    const input = Deno.UnsafePointer.create(bufSlot[0]);
    const n = Number(nbytes);
    if (input === null || n === 0) {
      return fail(kind, `empty ${kind === "encode" ? "chunk" : "stream"}`);
    }
    const fn = hdf5().fn;
    const src = bytesAt(input, n);
    if (kind === "encode") {
      const bound = zlibCompressBound(level, n);
      const out = fn.H5allocate_memory!(BigInt(bound), false);
      if (out === null) return fail(kind, `cannot allocate ${bound} bytes`);
      let size = 0;
      try {
        size = zlibCompressInto(level, src, bytesAt(out, bound));
      } finally {
        if (size === 0) fn.H5free_memory(out);
      }
      if (size === 0) return fail(kind, "libdeflate's output does not fit its bound");
      fn.H5free_memory(input);
      bufSlot[0] = address(out);
      sizeSlot[0] = BigInt(bound);
      _deflateFilterHooks.encoded++;
      return BigInt(size);
    }
    // the decoded size is not stored: guess, and try again twice as large while it does not fit
    let cap = Math.min(MAX_DECODED, Math.max(lastDecoded, 4 * n, 4096));
    for (;;) {
      const out = fn.H5allocate_memory!(BigInt(cap), false);
      if (out === null) return fail(kind, `cannot allocate ${cap} bytes`);
      let r = { result: -1, size: 0 };
      try {
        r = zlibDecompressInto(src, bytesAt(out, cap));
      } finally {
        if (r.result !== 0 || r.size === 0) fn.H5free_memory(out);
      }
      if (r.result === 0) {
        if (r.size === 0) return fail(kind, "the stream decodes to nothing");
        // give back what the guess took too much (a chunk cache keeps the buffer)
        const kept = r.size < cap ? fn.H5resize_memory!(out, BigInt(r.size)) : null;
        fn.H5free_memory(input);
        bufSlot[0] = address(kept ?? out);
        sizeSlot[0] = BigInt(kept === null ? cap : r.size);
        lastDecoded = r.size;
        _deflateFilterHooks.decoded++;
        return BigInt(r.size);
      }
      if (r.result !== 3 || cap >= MAX_DECODED) {
        return fail(
          kind,
          `libdeflate: ${r.result === 3 ? "more than 4 GiB" : libdeflateResult(r.result)}`,
        );
      }
      cap = Math.min(MAX_DECODED, cap * 2);
    }
  } catch (e) {
    // never let an exception cross into libhdf5
    return fail(kind, (e as Error)?.message ?? String(e));
  } finally {
    _deflateFilterHooks.seconds += (performance.now() - t0) / 1000;
  }
}

function classPrefix(p: NonNullable<Deno.PointerValue>): number[] {
  const v = new Deno.UnsafePointerView(p);
  return [v.getInt32(0), v.getInt32(4), v.getUint32(8), v.getUint32(12)];
}

/** Registers `cls` as filter 1 and checks libhdf5 now finds `filter` there. */
function register(cls: Deno.PointerValue, filter: Deno.PointerValue): boolean {
  const fn = hdf5().fn;
  if (fn.H5Z_register!(cls) < 0) {
    fn.H5Eclear2(0n);
    return false;
  }
  const found = fn.H5Z_find!(H5Z_FILTER_DEFLATE);
  return found !== null && address(new Deno.UnsafePointerView(found).getPointer(40)) ===
      address(filter);
}

function install(): Installed | null {
  if (installed !== undefined) return installed;
  installed = null;
  if (!nativeCodecAvailable("deflate")) return null;
  const fn = hdf5().fn;
  if (
    fn.H5allocate_memory === null || fn.H5resize_memory === null || fn.H5Z_register === null ||
    fn.H5Z_find === null
  ) return null;
  const builtin = builtinDeflateClass();
  // the layout checked on libhdf5's own class: H5Z_class2_t version 1, id 1, encoder, decoder
  if (builtin === null || classPrefix(builtin).join() !== "1,1,1,1") return null;
  const builtinFilter = new Deno.UnsafePointerView(builtin).getPointer(40);
  const callback = new Deno.UnsafeCallback(FILTER_DEF, filter);
  const name = cstr("deflate");
  const cls = new Uint8Array(48);
  const v = new DataView(cls.buffer);
  v.setInt32(0, H5Z_CLASS_T_VERS, true);
  v.setInt32(4, H5Z_FILTER_DEFLATE, true);
  v.setUint32(8, 1, true); // encoder present
  v.setUint32(12, 1, true); // decoder present
  v.setBigUint64(16, address(Deno.UnsafePointer.of(name)), true);
  // can_apply and set_local: none (as libhdf5's)
  v.setBigUint64(40, address(callback.pointer), true);
  // once: libhdf5 takes ours and gives its own back
  const ok = register(Deno.UnsafePointer.of(cls), callback.pointer);
  if (!register(builtin, builtinFilter) || !ok) {
    callback.close();
    return null;
  }
  installed = { callback, cls, name, builtin, builtinFilter };
  return installed;
}

/** Where a transfer happens, for the error of a chunk that does not decode. */
export interface DeflateContext {
  readonly file: string;
  readonly object: string;
  /** The dataset's filter ids, in order. */
  readonly filters: readonly { readonly id: number }[];
}

/**
 * Runs `body` (one libhdf5 call on this thread) with libhdf5's deflate filter
 * replaced by the libdeflate one when the dataset is deflated and libdeflate
 * is available (not with `TESSERA_NATIVE_CODECS=0`); libhdf5's own filter is
 * registered again afterwards. A chunk the filter cannot decode makes the
 * call's error a FormatError naming the file.
 */
export function withNativeDeflate<T>(ctx: DeflateContext, body: () => T): T {
  if (!ctx.filters.some((f) => f.id === H5Z_FILTER_DEFLATE)) return body();
  const it = install();
  if (it === null) return body();
  if (!register(Deno.UnsafePointer.of(it.cls), it.callback.pointer)) {
    register(it.builtin, it.builtinFilter);
    return body(); // with the built-in
  }
  failure = null;
  let value: T;
  try {
    value = body();
  } catch (e) {
    const f = reported();
    failure = null;
    register(it.builtin, it.builtinFilter);
    if (f?.kind === "decode") {
      throw new FormatError(
        ctx.file,
        `dataset "${ctx.object}": a chunk cannot be decoded: ${f.message}`,
        { cause: e },
      );
    }
    throw e;
  }
  failure = null;
  if (!register(it.builtin, it.builtinFilter)) {
    // never leave this isolate's callback in libhdf5's table unnoticed
    throw new Hdf5Error("H5Z_register", -1, "cannot register libhdf5's deflate filter again");
  }
  return value;
}
