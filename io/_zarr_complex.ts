// Complex Zarr v2 arrays through zarrita, which has no complex data type:
// zarrita sees a complex array as a float array with one more axis of
// length 2 (real, imaginary) at the end, which is exactly the bytes of
// NumPy's complex layout in C order. Chunk data then is a Float32Array or
// Float64Array of two numbers per element, as Tessera holds complex arrays.

import { type Complex, type DType, isComplex } from "../core/dtype.ts";
import type { ArrayMeta } from "./_zarr_meta.ts";
import type { FsStore } from "./_zarr_store.ts";

const DECODER = new TextDecoder();
const ENCODER = new TextEncoder();

/**
 * Checks that a complex array can be read through the float view: Zarr v2
 * in C order (an F-order chunk puts the real/imaginary axis first).
 */
export function checkComplexMeta(meta: ArrayMeta, locator: string): void {
  if (!isComplex(meta.dtype)) return;
  const c = meta.order.every((a, i) => a === i);
  if (meta.zarrFormat !== 2 || !c) {
    throw new TypeError(
      `${meta.dtype} is not supported by Zarr ${
        meta.zarrFormat === 2 ? "F-order" : "v3"
      } arrays: "${locator}" (only Zarr v2 in C order)`,
    );
  }
}

/** The float dtype descr of a complex descr (`<c16` -> `<f8`), or null. */
function floatDescr(descr: unknown): string | null {
  if (typeof descr !== "string") return null;
  const m = /^([<>|=]?)c(8|16)$/.exec(descr);
  return m ? `${m[1]}f${Number(m[2]) / 2}` : null;
}

/**
 * A view of `store` for zarrita in which every complex `.zarray` reads as
 * the float array with a trailing axis of 2 (fill value: the real part).
 */
export function complexFloatStore(store: FsStore): FsStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "get") {
        return async (key: string): Promise<Uint8Array | undefined> => {
          const bytes = await target.get(key);
          if (bytes === undefined || !key.endsWith(".zarray")) return bytes;
          const doc = JSON.parse(DECODER.decode(bytes));
          const f = floatDescr(doc.dtype);
          if (f === null) return bytes;
          const fill = Array.isArray(doc.fill_value) ? doc.fill_value[0] : doc.fill_value;
          return ENCODER.encode(JSON.stringify({
            ...doc,
            dtype: f,
            shape: [...doc.shape, 2],
            chunks: [...doc.chunks, 2],
            fill_value: fill ?? null,
          }));
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** The float dtype and v3 name zarrita encodes a complex chunk with. */
export function floatPart(dtype: DType): { dtype: DType; dataType: string } {
  return dtype === "complex64"
    ? { dtype: "float32", dataType: "float32" }
    : { dtype: "float64", dataType: "float64" };
}

/** Whether a missing chunk must be filled here (zarrita fills both parts with the real part). */
export function needsOwnFill(fill: unknown): fill is Complex {
  return typeof fill === "object" && fill !== null &&
    (fill as Complex).re !== (fill as Complex).im &&
    !(Number.isNaN((fill as Complex).re) && Number.isNaN((fill as Complex).im));
}
