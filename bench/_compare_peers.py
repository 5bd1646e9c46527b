"""The Python side of bench/compare.ts: data generation, float64 references,
the peers' measurements (NumPy memmap, dask.array, numexpr) and the result
checks.

Run by bench/compare.ts with /usr/bin/python3 (Debian's numpy, h5py, zarr,
numcodecs, dask, numexpr); every subcommand prints one JSON line on stdout.

  gen-npy  PATH ROWS COLS DTYPE SEED    deterministic uniform [0, 1), written by slabs
  gen-zarr NPY DST CODEC CHUNK_ROWS CHUNK_COLS
           CODEC: raw | blosc-lz4 | blosc-zstd | zlib1 | gzip1 (Blosc: clevel 5, byte shuffle)
  gen-h5   NPY DST CODEC CHUNK_ROWS   dataset /x, chunks CHUNK_ROWS x COLS; CODEC: raw | gzip-shuffle
  ref      OP NPY OUT                 float64 reference of OP (sum0 | mean0 | std | scale) -> OUT (.f64)
  run      TOOL OP SRC OUT            one measurement in this process (start-up excluded):
           numpy sum0|mean0|std|sin, dask sum0|mean0|std|convert-zstd|convert-lz4,
           numexpr sinexp. Reductions write their result as float64 to OUT, maps
           and conversions write OUT (.npy / .zarr). Prints compute_s and hwm.
  versions                           the peers' versions
  check    A B RTOL ATOL              |a - b| <= RTOL * |b| + ATOL element by element, by
           slabs in float64; A and B: .f64 (raw float64), .npy, .zarr or FILE.h5:/x
"""

import json
import os
import sys
import time

import numpy as np

SLAB = 64 << 20  # bytes per slab of the slab loops


def hwm_mib():
    """Peak resident set size of this process (VmHWM), MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def slab_rows(cols, itemsize=4, align=1):
    rows = max(1, SLAB // (cols * itemsize))
    return max(align, rows // align * align)


# ---------------------------------------------------------------------------
# data


def gen_npy(path, rows, cols, dtype, seed):
    from numpy.lib.format import open_memmap

    rows, cols, seed = int(rows), int(cols), int(seed)
    out = open_memmap(path + ".tmp", mode="w+", dtype="<" + np.dtype(dtype).str[1:], shape=(rows, cols))
    step = slab_rows(cols, out.dtype.itemsize)
    for i in range(0, rows, step):
        j = min(rows, i + step)
        # one generator per slab, keyed on the slab index: the same bytes on any machine
        rng = np.random.default_rng([seed, i // step])
        out[i:j] = rng.random((j - i, cols), dtype=out.dtype)
    out.flush()
    del out
    os.rename(path + ".tmp", path)


def zarr_compressor(codec):
    from numcodecs import GZip, Blosc, Zlib

    return {
        "raw": None,
        "blosc-lz4": Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE),
        "blosc-zstd": Blosc(cname="zstd", clevel=5, shuffle=Blosc.SHUFFLE),
        "zlib1": Zlib(level=1),
        "gzip1": GZip(level=1),
    }[codec]


def gen_zarr(npy, dst, codec, crow, ccol):
    import zarr

    a = np.load(npy, mmap_mode="r")
    tmp = dst + ".tmp"
    z = zarr.open_array(
        tmp,
        mode="w",
        shape=a.shape,
        chunks=(int(crow), int(ccol)),
        dtype=a.dtype,
        compressor=zarr_compressor(codec),
    )
    step = max(int(crow), slab_rows(a.shape[1], a.dtype.itemsize, int(crow)))
    # slabs of whole chunk rows touch disjoint chunk files: two processes write them at once
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_zarr_slab, [(npy, tmp, i, step) for i in range(0, a.shape[0], step)]))
    os.rename(tmp, dst)


def _zarr_slab(job):
    import zarr

    npy, tmp, i, step = job
    a = np.load(npy, mmap_mode="r")
    zarr.open_array(tmp, mode="r+")[i : i + step] = a[i : i + step]


def gen_h5(npy, dst, codec, crow):
    import h5py

    a = np.load(npy, mmap_mode="r")
    tmp = dst + ".tmp"
    filters = {"raw": {}, "gzip-shuffle": {"compression": "gzip", "compression_opts": 1, "shuffle": True}}
    with h5py.File(tmp, "w") as f:
        d = f.create_dataset("x", shape=a.shape, dtype=a.dtype, chunks=(int(crow), a.shape[1]), **filters[codec])
        step = slab_rows(a.shape[1], a.dtype.itemsize, int(crow))
        for i in range(0, a.shape[0], step):
            d[i : i + step] = a[i : i + step]
    os.rename(tmp, dst)


def ref(op, npy, out):
    """float64 references, by slabs: column sums/means, std over all, std(exp(sin(x)))."""
    a = np.load(npy, mmap_mode="r")
    step = slab_rows(a.shape[1], a.dtype.itemsize)

    def slabs(f=None):
        for i in range(0, a.shape[0], step):
            x = a[i : i + step].astype(np.float64)
            yield f(x) if f else x

    f = (lambda x: np.exp(np.sin(x))) if op == "scale" else None
    if op in ("sum0", "mean0"):
        s = np.zeros(a.shape[1], np.float64)
        for x in slabs():
            s += x.sum(axis=0)
        v = s if op == "sum0" else s / a.shape[0]
    else:  # two passes: mean, then the sum of squared deviations
        mu = sum(float(x.sum()) for x in slabs(f)) / a.size
        m2 = 0.0
        for x in slabs(f):
            x -= mu
            m2 += float(np.dot(x.ravel(), x.ravel()))
        v = np.array([np.sqrt(m2 / a.size)])
    np.asarray(v, np.float64).tofile(out)
    print(json.dumps({"ok": True}))


# ---------------------------------------------------------------------------
# measurements


def open_h5(src):
    import h5py

    path, _, name = src.partition(":")
    f = h5py.File(path, "r")
    return f, f[name or "/x"]


def dask_array(src):
    """dask.array over SRC with the storage's chunks (.npy: 32 MiB of whole rows)."""
    import dask.array as da

    if src.endswith(".npy"):
        a = np.load(src, mmap_mode="r")
        return da.from_array(a, chunks=(slab_rows(a.shape[1], a.dtype.itemsize) // 2, a.shape[1])), None
    if ".h5" in src:
        f, d = open_h5(src)
        return da.from_array(d, chunks=d.chunks), f
    return da.from_zarr(src), None


def npy_slab_map(src, out, fn):
    """SRC .npy -> OUT .npy by 64 MiB slabs: fn(x, buf) fills buf; plain write()s."""
    from numpy.lib.format import write_array_header_1_0

    a = np.load(src, mmap_mode="r")
    rows = slab_rows(a.shape[1], a.dtype.itemsize)
    buf = np.empty((rows, a.shape[1]), a.dtype)
    with open(out, "wb", buffering=0) as f:
        write_array_header_1_0(f, {"descr": a.dtype.str, "fortran_order": False, "shape": a.shape})
        for i in range(0, a.shape[0], rows):
            x = a[i : i + rows]
            b = buf[: x.shape[0]]
            fn(x, b)
            f.write(memoryview(b).cast("B"))


def one(tool, op, src, out):
    """One measurement; returns the result (reductions) or None (written to OUT)."""
    if tool == "numpy":
        if op == "sin":
            npy_slab_map(src, out, lambda x, b: np.sin(x, out=b))
            return None
        a = np.load(src, mmap_mode="r")
        return {"sum0": lambda: a.sum(axis=0), "mean0": lambda: a.mean(axis=0), "std": lambda: a.std()}[op]()
    if tool == "numexpr" and op == "sinexp":
        import numexpr as ne

        npy_slab_map(src, out, lambda x, b: ne.evaluate("sin(x)*exp(-x*x)", out=b))
        return None
    if tool == "dask":
        x, f = dask_array(src)
        try:
            if op == "sum0":
                return x.sum(axis=0).compute()
            if op == "mean0":
                return x.mean(axis=0).compute()
            if op == "std":
                return x.std().compute()
            if op in ("convert-zstd", "convert-lz4"):
                if f is not None:  # whole HDF5 chunks per dask block, then Zarr's 1024 x 1024
                    c = x.chunksize[0]
                    x = x.rechunk((max(1, 1024 // c) * c, x.shape[1]))
                x = x.rechunk((1024, 1024))
                x.to_zarr(out, compressor=zarr_compressor("blosc-" + op[8:]), overwrite=True)
                return None
        finally:
            if f is not None:
                f.close()
    raise SystemExit(f"unknown measurement {tool} {op}")


def run(tool, op, src, out):
    import dask

    dask.config.set(scheduler="threads", num_workers=2)
    try:
        import numexpr as ne

        ne.set_num_threads(2)
    except ImportError:
        pass
    t0 = time.perf_counter()
    v = one(tool, op, src, out)
    dt = time.perf_counter() - t0
    if v is not None:
        np.asarray(v, np.float64).ravel().tofile(out)
    print(json.dumps({"compute_s": dt, "hwm": hwm_mib()}))


# ---------------------------------------------------------------------------
# checks


def open_any(p):
    """A read-only array-like over a .f64, .npy, .zarr or FILE.h5:/x."""
    if p.endswith(".f64"):
        return np.fromfile(p, np.float64), None
    if p.endswith(".npy"):
        return np.load(p, mmap_mode="r"), None
    if ".h5" in p:
        return open_h5(p)[::-1]
    import zarr

    return zarr.open_array(p, mode="r"), None


def check(a, b, rtol, atol):
    (x, fx), (y, fy) = open_any(a), open_any(b)
    rtol, atol = float(rtol), float(atol)
    res = {"ok": False, "maxabs": None, "maxrel": None, "bad": None, "n": int(np.prod(y.shape))}
    if tuple(x.shape) != tuple(y.shape):
        res["why"] = f"shape {list(x.shape)} vs {list(y.shape)}"
        print(json.dumps(res))
        return
    rows = x.shape[0] if x.ndim else 1
    step = max(1, slab_rows(int(np.prod(x.shape[1:])) if x.ndim > 1 else 1 << 20, 8))
    maxabs = maxrel = 0.0
    bad = 0
    for i in range(0, rows, step):
        u = np.asarray(x[i : i + step] if x.ndim else x[()], np.float64)
        v = np.asarray(y[i : i + step] if y.ndim else y[()], np.float64)
        d = np.abs(u - v)
        bad += int(np.count_nonzero(~(d <= rtol * np.abs(v) + atol)))  # NaN counts as bad
        if d.size:
            maxabs = max(maxabs, float(np.nanmax(d)))
            maxrel = max(maxrel, float(np.nanmax(d / np.maximum(np.abs(v), 1e-300))))
    for f in (fx, fy):
        if f is not None:
            f.close()
    res.update(ok=bad == 0, maxabs=maxabs, maxrel=maxrel, bad=bad)
    print(json.dumps(res))


def versions():
    import dask
    import h5py
    import numcodecs
    import numexpr
    import zarr

    mods = [("NumPy", np), ("dask", dask), ("numexpr", numexpr), ("zarr", zarr), ("numcodecs", numcodecs), ("h5py", h5py)]
    print(json.dumps({"versions": ", ".join(f"{n} {m.__version__}" for n, m in mods)}))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    {"versions": versions, "gen-npy": gen_npy, "gen-zarr": gen_zarr, "gen-h5": gen_h5, "ref": ref, "run": run, "check": check}[cmd](
        *args
    )
    if cmd.startswith("gen"):
        print(json.dumps({"ok": True}))
