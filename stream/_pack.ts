// Packing on write (`pack: true`, CLI `--pack`): CF-decoded values written
// back in the stored type of their source, with its encoding attributes
// (stream/_meta.ts keeps them), as xarray's `to_netcdf` / `to_zarr` encode
// a variable whose `encoding` holds the source's dtype, scale_factor,
// add_offset and _FillValue:
// - `x = (v - add_offset) / scale_factor`, in the decoded values' type
//   (float32 arithmetic for float32 values, as xarray's CFScaleOffsetCoder);
// - NaN becomes the `_FillValue` (else the first `missing_value`);
// - integer types round half to even (NumPy's `around`, as xarray does
//   before its cast), and `_Unsigned` values are stored in the signed type;
// - where xarray's cast would wrap a value outside the stored type's range,
//   or a NaN has no fill value to become, we refuse with a RangeError that
//   names the output and the value: a packed file never holds a wrong value.

import { type DType, DTYPES } from "../core/dtype.ts";
import { empty, type NDArray } from "../core/ndarray.ts";
import { attributesOf, type CfSource } from "./_cf.ts";

/** How the values of one output are packed. */
export interface Packing {
  /** The stored element type (the output's). */
  readonly dtype: DType;
  readonly scale: number | null;
  readonly offset: number | null;
  /** The stored value of a missing (NaN) value, or null when the source has none. */
  readonly fill: number | bigint | null;
  /** Whether integers are stored as `_Unsigned` in a signed type. */
  readonly unsigned: boolean;
}

function firstOf(v: unknown): number | bigint | null {
  if (Array.isArray(v)) return v.length > 0 ? firstOf(v[0]) : null;
  if (typeof v === "number" || typeof v === "bigint") return v;
  const data = (v as { data?: ArrayLike<number | bigint> } | null)?.data;
  return data && data.length > 0 ? data[0] : null;
}

/** The packing of values decoded by `source` back to its stored encoding. */
export function packingOf(source: CfSource): Packing {
  const e = source.encoding;
  const attrs = attributesOf(source.raw);
  const fill = firstOf(attrs._FillValue) ?? firstOf(attrs.missing_value);
  return {
    dtype: e.stored,
    scale: e.scale,
    offset: e.offset,
    fill: typeof fill === "number" && Number.isNaN(fill) ? NaN : fill,
    unsigned: e.unsigned,
  };
}

/** Round half to even (NumPy's `around`). */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Packs a block of decoded values into the stored type.
 *
 * @throws {RangeError} When a value falls outside the stored type's range,
 *   or a NaN has no fill value to become.
 */
export function packBlock(p: Packing, block: NDArray, output: string): NDArray {
  const info = DTYPES[p.dtype];
  const out = empty(block.shape, p.dtype);
  const src = block.toTypedArray() as ArrayLike<number | bigint | boolean>;
  const dst = out.data as unknown as { [i: number]: number | bigint };
  const f32 = block.dtype === "float32";
  const round = f32 ? Math.fround : (x: number): number => x;
  const s = p.scale === null ? null : round(p.scale);
  const o = p.offset === null ? null : round(p.offset);
  const integer = info.kind === "i" || info.kind === "u";
  const bits = 8 * info.bytes;
  const signed = info.kind === "i" && !p.unsigned;
  const lo = !integer ? -Infinity : signed ? -(2 ** (bits - 1)) : 0;
  const hi = !integer ? Infinity : signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const fill = p.fill === null ? null : info.big ? BigInt(p.fill) : Number(p.fill);
  const bad = (what: string): RangeError =>
    new RangeError(`Cannot pack "${output}" as ${p.dtype}: ${what}`);
  for (let i = 0; i < src.length; i++) {
    let v = Number(src[i]);
    if (Number.isNaN(v)) {
      if (fill === null) throw bad("a missing value (NaN) and the source has no _FillValue");
      dst[i] = fill;
      continue;
    }
    if (o !== null) v = round(v - o);
    if (s !== null) v = round(v / s);
    if (integer) {
      v = rint(v);
      if (!(v >= lo && v <= hi)) {
        throw bad(`value ${src[i]} packs to ${v}, outside ${lo}..${hi}`);
      }
      dst[i] = info.big ? BigInt(v) : v;
    } else dst[i] = v;
  }
  return out;
}
