"""The peer of bench/zarr_read_bench.ts (run with /usr/bin/python3: Debian's
numpy, zarr 2.13, numcodecs, dask). Every subcommand prints one JSON line.

  gen DIR ROWS COLS CROWS CCOLS   float32 uniform [0, 1) (seeded), one Zarr v2
                                  store per codec: raw, blosc-lz4 (zarr-python's
                                  default), blosc-zstd, zlib1, gzip1
  dask STORE THREADS REPS OUT     sum over axis 0 with dask.array (threads
                                  scheduler), best of REPS in this process;
                                  the float32 result is written to OUT (raw)
"""

import json
import os
import sys
import time

import numpy as np

CODECS = ("raw", "blosc-lz4", "blosc-zstd", "zlib1", "gzip1")


def compressor(name):
    from numcodecs import GZip, Blosc, Zlib

    return {
        "raw": None,
        "blosc-lz4": Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE),
        "blosc-zstd": Blosc(cname="zstd", clevel=5, shuffle=Blosc.SHUFFLE),
        "zlib1": Zlib(level=1),
        "gzip1": GZip(level=1),
    }[name]


def gen(d, rows, cols, crows, ccols):
    import zarr

    rows, cols, crows, ccols = int(rows), int(cols), int(crows), int(ccols)
    os.makedirs(d, exist_ok=True)
    todo = [c for c in CODECS if not os.path.exists(f"{d}/{c}.zarr")]
    arrays = {
        c: zarr.open_array(f"{d}/{c}.zarr.tmp", mode="w", shape=(rows, cols),
                           chunks=(crows, ccols), dtype="<f4", compressor=compressor(c))
        for c in todo
    }
    for i in range(0, rows, crows):
        rng = np.random.default_rng([7, i // crows])
        slab = rng.random((min(crows, rows - i), cols), dtype=np.float32)
        for a in arrays.values():
            a[i:i + slab.shape[0]] = slab
    for c in todo:
        os.rename(f"{d}/{c}.zarr.tmp", f"{d}/{c}.zarr")
    print(json.dumps({"made": todo}))


def run_dask(store, threads, reps, out):
    import dask
    import dask.array as da

    best = float("inf")
    r = None
    with dask.config.set(scheduler="threads", num_workers=int(threads)):
        for _ in range(int(reps)):
            t0 = time.perf_counter()
            r = da.from_zarr(store).sum(axis=0).compute()
            best = min(best, time.perf_counter() - t0)
    np.asarray(r, dtype="<f4").tofile(out)
    print(json.dumps({"seconds": best}))


if __name__ == "__main__":
    {"gen": gen, "dask": run_dask}[sys.argv[1]](*sys.argv[2:])
