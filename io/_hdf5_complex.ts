// HDF5 complex types as h5py writes and reads them: a compound {r, i} of two
// floats of the same size (h5py's default field names), r at offset 0.

import { type DType, DTYPES } from "../core/dtype.ts";
import { check, cstr, H5T, hdf5, type Hid } from "../ffi/hdf5.ts";

// A complex type as h5py writes one: a compound {r, i} of two floats. The
// caller closes it unless it is the cached native one.
const memTypes = new Map<DType, Hid>();

/** The memory type of a complex dtype (cached, owned by this module: never close it). */
export function complexMemType(dtype: DType): Hid {
  let t = memTypes.get(dtype);
  if (t === undefined) memTypes.set(dtype, t = makeComplexType(dtype, false));
  return t;
}

/** How many complex memory types are cached (open objects for libhdf5). */
export function complexTypeCount(): number {
  return memTypes.size;
}

export function makeComplexType(dtype: DType, bigEndian: boolean): Hid {
  const { fn, ids } = hdf5();
  const part = dtype === "complex64" ? ids.H5T_NATIVE_FLOAT_g : ids.H5T_NATIVE_DOUBLE_g;
  const half = DTYPES[dtype].bytes / 2;
  const member = check(fn.H5Tcopy(part), "H5Tcopy");
  try {
    if (bigEndian) check(fn.H5Tset_order(member, 1), "H5Tset_order");
    const t = check(fn.H5Tcreate(H5T.COMPOUND, BigInt(2 * half)), "H5Tcreate");
    check(fn.H5Tinsert(t, cstr("r"), 0n, member), "H5Tinsert");
    check(fn.H5Tinsert(t, cstr("i"), BigInt(half), member), "H5Tinsert");
    return t;
  } finally {
    fn.H5Tclose(member);
  }
}

// h5py's complex: a compound of two floats of the same size named r and i
// (its default names), r at offset 0 and i right after it.
export function complexOf(
  tid: Hid,
  size: number,
): { dtype: DType; order: "little" | "big" } | null {
  const fn = hdf5().fn;
  if (fn.H5Tget_nmembers(tid) !== 2 || (size !== 8 && size !== 16)) return null;
  const names: string[] = [];
  let order: "little" | "big" = "little";
  for (let i = 0; i < 2; i++) {
    const p = fn.H5Tget_member_name(tid, i);
    if (p === null) return null;
    names.push(Deno.UnsafePointerView.getCString(p));
    fn.H5free_memory(p);
    if (Number(fn.H5Tget_member_offset(tid, i)) !== (i * size) / 2) return null;
    const m = fn.H5Tget_member_type(tid, i);
    if (m < 0) return null;
    try {
      if (fn.H5Tget_class(m) !== H5T.FLOAT || Number(fn.H5Tget_size(m)) !== size / 2) return null;
      order = fn.H5Tget_order(m) === 1 ? "big" : "little";
    } finally {
      fn.H5Tclose(m);
    }
  }
  if (names[0] !== "r" || names[1] !== "i") return null;
  return { dtype: size === 8 ? "complex64" : "complex128", order };
}
