// The data of bench/compare.ts: uniform [0, 1) arrays, deterministic (one
// NumPy generator per 64 MiB slab, keyed on the seed and the slab index),
// written once by NumPy (.npy by slabs), copied by zarr-python and h5py with
// the codecs under test, and the float64 references computed once by NumPy;
// all cached under --dir, named by dtype, shape and codec, and reused.

import { exists, py } from "./_compare_proc.ts";

export const COLS = 16384;
export const SEED = 20261203;
/** Zarr chunks of every Zarr input and output. */
export const ZARR_CHUNKS = [1024, 1024] as const;
/** HDF5 chunk rows (whole rows: chunks of 256 x 16384 float32, 16 MiB). */
export const H5_CHUNK_ROWS = 256;

export const ZARR_CODECS = ["blosc-lz4", "blosc-zstd", "zlib1", "gzip1", "raw"] as const;
export type ZarrCodec = typeof ZARR_CODECS[number];
export const H5_CODECS = ["gzip-shuffle", "raw"] as const;
export type H5Codec = typeof H5_CODECS[number];

/** How each codec is described in the tables. */
export const CODEC_NAMES: Record<ZarrCodec | H5Codec, string> = {
  "blosc-lz4": "Blosc-LZ4 (clevel 5, shuffle)",
  "blosc-zstd": "Blosc-zstd (clevel 5, shuffle)",
  zlib1: "zlib level 1",
  gzip1: "gzip level 1",
  raw: "raw",
  "gzip-shuffle": "gzip level 1 + shuffle",
};

const dec = new TextDecoder();

async function freeBytes(dir: string): Promise<number> {
  const o = await new Deno.Command("df", { args: ["-B1", "--output=avail", dir], stdout: "piped" })
    .output();
  return Number(dec.decode(o.stdout).trim().split("\n").pop());
}

/** One array (dtype, rows x COLS) and its copies, made on first use. */
export class DataSet {
  readonly base: string;
  readonly bytes: number;
  readonly shape: readonly [number, number];

  constructor(readonly dir: string, readonly rows: number, readonly dtype: "float32" | "float64") {
    this.base = `${dir}/${dtype === "float32" ? "f32" : "f64"}_${rows}x${COLS}`;
    this.bytes = rows * COLS * (dtype === "float32" ? 4 : 8);
    this.shape = [rows, COLS];
  }

  async #make(path: string, what: string, args: string[]): Promise<string> {
    if (await exists(path)) return path;
    const free = await freeBytes(this.dir);
    if (this.bytes * 1.1 > free - 4 * 2 ** 30) {
      throw new Error(
        `Not enough disk under ${this.dir} for ${path}: ${
          (this.bytes / 2 ** 30).toFixed(2)
        } GiB needed, ${(free / 2 ** 30).toFixed(1)} GiB free (4 GiB kept free)`,
      );
    }
    const t0 = performance.now();
    await py(args);
    console.error(`[data] ${what} ${path}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return path;
  }

  /** The .npy (NumPy, by slabs). */
  npy(): Promise<string> {
    const p = `${this.base}.npy`;
    return this.#make(p, "npy", [
      "gen-npy",
      p,
      String(this.rows),
      String(COLS),
      this.dtype,
      `${SEED}`,
    ]);
  }

  /** A Zarr v2 copy by zarr-python, chunks 1024 x 1024. */
  async zarr(codec: ZarrCodec): Promise<string> {
    const npy = await this.npy();
    const p = `${this.base}_${codec}.zarr`;
    return this.#make(p, "zarr", [
      "gen-zarr",
      npy,
      p,
      codec,
      String(ZARR_CHUNKS[0]),
      String(ZARR_CHUNKS[1]),
    ]);
  }

  /** An HDF5 copy by h5py (dataset /x, chunks 256 x cols); returns its locator FILE.h5:/x. */
  async h5(codec: H5Codec): Promise<string> {
    const npy = await this.npy();
    const p = `${this.base}_${codec}.h5`;
    await this.#make(p, "hdf5", ["gen-h5", npy, p, codec, String(H5_CHUNK_ROWS)]);
    return `${p}:/x`;
  }

  /** The float64 reference of op (sum0, mean0, std, scale), raw float64. */
  async ref(op: "sum0" | "mean0" | "std" | "scale"): Promise<string> {
    const npy = await this.npy();
    const p = `${this.base}.ref-${op}.f64`;
    if (await exists(p)) return p;
    await py(["ref", op, npy, p]);
    return p;
  }
}

/** Removes what this script generated under dir (only names it makes), and dir if then empty. */
export async function cleanUp(dir: string): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    if (/^(f32|f64)_\d+x\d+|^out_/.test(e.name)) {
      await Deno.remove(`${dir}/${e.name}`, { recursive: true }).catch(() => {});
    }
  }
  await Deno.remove(dir).catch(() => {}); // only when empty
}
