// Raw bindings to libhdf5_hl's dimension-scale API (H5DS), which netCDF-4
// builds its dimensions on: the high-level library of the libhdf5 build that
// ffi/hdf5.ts loaded (Debian: libhdf5_serial_hl, libhdf5_mpich_hl,
// libhdf5_openmpi_hl). Internal: only io/ touches these symbols.

import { hdf5 } from "./hdf5.ts";
import { openLibrary, pinLibrary } from "./_library.ts";

const HID = "i64";
const HERR = "i32";
const HTRI = "i32";

/** The libhdf5_hl functions used by Tessera. */
export const HL_SYMBOLS = {
  // herr_t H5DSset_scale(hid_t dsid, const char *dimname)
  H5DSset_scale: { parameters: [HID, "buffer"], result: HERR },
  // herr_t H5DSattach_scale(hid_t did, hid_t dsid, unsigned int idx)
  H5DSattach_scale: { parameters: [HID, HID, "u32"], result: HERR },
  // herr_t H5DSdetach_scale(hid_t did, hid_t dsid, unsigned int idx)
  H5DSdetach_scale: { parameters: [HID, HID, "u32"], result: HERR },
  // htri_t H5DSis_attached(hid_t did, hid_t dsid, unsigned int idx)
  H5DSis_attached: { parameters: [HID, HID, "u32"], result: HTRI },
  // htri_t H5DSis_scale(hid_t did)
  H5DSis_scale: { parameters: [HID], result: HTRI },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded high-level library. */
export interface Hdf5HlLibrary {
  /** The bound functions. */
  readonly fn: Deno.DynamicLibrary<typeof HL_SYMBOLS>["symbols"];
  /** The path it was loaded from. */
  readonly path: string;
}

/**
 * The sonames of the high-level library matching a libhdf5 path, in order:
 * the same build's `_hl` library (Debian's `libhdf5_serial.so.103` has
 * `libhdf5_serial_hl.so.100`), then the plain names.
 *
 * @param hdf5Path The path libhdf5 was loaded from.
 * @returns Sonames or paths to try.
 */
export function hdf5HlCandidates(hdf5Path: string): string[] {
  const base = hdf5Path.replace(/\.so(\.[0-9.]*)?$/, "");
  const out: string[] = [];
  for (const v of [".100", ".200", ".310", ""]) out.push(`${base}_hl.so${v}`);
  for (const v of [".100", ".200", ".310"]) out.push(`libhdf5_hl.so${v}`);
  return [...new Set(out)];
}

let loaded: Hdf5HlLibrary | null = null;

/**
 * libhdf5_hl, loaded on first use (after libhdf5 itself):
 * TESSERA_HDF5_HL_LIB, then {@link hdf5HlCandidates} of the loaded libhdf5.
 *
 * @returns The loaded library.
 */
export function hdf5Hl(): Hdf5HlLibrary {
  if (loaded) return loaded;
  const h = hdf5();
  const { lib, path } = openLibrary(
    "libhdf5_hl",
    "TESSERA_HDF5_HL_LIB",
    hdf5HlCandidates(h.path),
    HL_SYMBOLS,
  );
  pinLibrary(path);
  loaded = { fn: lib.symbols, path };
  return loaded;
}
