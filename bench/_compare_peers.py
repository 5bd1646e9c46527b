"""The peers of bench/compare.ts: data generation, the float64 reference and
the NumPy / h5py / dask.array / numexpr measurements.

Run by bench/compare.ts with /usr/bin/python3 (Debian's numpy, h5py, zarr,
dask, numexpr); every subcommand prints one JSON line on stdout.

  gen-npy  PATH ROWS COLS SEED          deterministic float32 uniform [0, 1)
  gen-zarr NPY DST CODEC CHUNK_ROWS CHUNK_COLS   (CODEC: raw | lz4 | zlib1)
  gen-h5   NPY DST CHUNK_ROWS           dataset /x, chunks CHUNK_ROWS x COLS
  ref      NPY OUT_MEAN_F64             float64 mean over axis 0 and std over all
  run      TOOL OP SRC REPS [OUT]       one measurement, min of REPS in this process
  check    A.npy B.npy ROWS             max relative difference of the first ROWS rows
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


def gen_npy(path, rows, cols, seed):
    from numpy.lib.format import open_memmap

    rows, cols, seed = int(rows), int(cols), int(seed)
    out = open_memmap(path + ".tmp", mode="w+", dtype="<f4", shape=(rows, cols))
    step = slab_rows(cols)
    for i in range(0, rows, step):
        j = min(rows, i + step)
        # one generator per slab, keyed on the slab index: the same bytes for any machine
        rng = np.random.default_rng([seed, i // step])
        out[i:j] = rng.random((j - i, cols), dtype=np.float32)
    out.flush()
    del out
    os.rename(path + ".tmp", path)


def gen_zarr(npy, dst, codec, crow, ccol):
    import zarr
    from numcodecs import Blosc, Zlib

    a = np.load(npy, mmap_mode="r")
    compressor = {
        "raw": None,
        "lz4": Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE),
        "zlib1": Zlib(level=1),
    }[codec]
    tmp = dst + ".tmp"
    z = zarr.open_array(
        tmp,
        mode="w",
        shape=a.shape,
        chunks=(int(crow), int(ccol)),
        dtype="<f4",
        compressor=compressor,
    )
    step = max(int(crow), slab_rows(a.shape[1], 4, int(crow)))
    for i in range(0, a.shape[0], step):
        z[i : i + step] = a[i : i + step]
    os.rename(tmp, dst)


def gen_h5(npy, dst, crow):
    import h5py

    a = np.load(npy, mmap_mode="r")
    tmp = dst + ".tmp"
    with h5py.File(tmp, "w") as f:
        d = f.create_dataset("x", shape=a.shape, dtype="<f4", chunks=(int(crow), a.shape[1]))
        step = slab_rows(a.shape[1], 4, int(crow))
        for i in range(0, a.shape[0], step):
            d[i : i + step] = a[i : i + step]
    os.rename(tmp, dst)


def ref(npy, out_mean):
    a = np.load(npy, mmap_mode="r")
    step = slab_rows(a.shape[1])
    s = np.zeros(a.shape[1], np.float64)
    total = 0.0
    for i in range(0, a.shape[0], step):
        x = a[i : i + step].astype(np.float64)
        s += x.sum(axis=0)
        total += float(x.sum())
    n = a.size
    mu = total / n
    m2 = 0.0
    for i in range(0, a.shape[0], step):
        x = a[i : i + step].astype(np.float64)
        x -= mu
        m2 += float(np.dot(x.ravel(), x.ravel()))
    mean0 = s / a.shape[0]
    mean0.tofile(out_mean)
    print(json.dumps({"std": float(np.sqrt(m2 / n)), "mean": mu}))


def open_h5(src):
    import h5py

    path, _, name = src.partition(":")
    f = h5py.File(path, "r")
    return f, f[name or "/x"]


def dask_array(src):
    import dask.array as da

    if src.endswith(".npy"):
        a = np.load(src, mmap_mode="r")
        # Tessera's blocks for contiguous data: about 32 MiB of whole rows
        return da.from_array(a, chunks=(slab_rows(a.shape[1]) // 2, a.shape[1])), None
    if ".h5" in src:
        f, d = open_h5(src)
        return da.from_array(d, chunks=d.chunks), f
    return da.from_zarr(src), None


def summary(v):
    v = np.asarray(v)
    return {"shape": list(v.shape), "dtype": str(v.dtype), "head": [float(x) for x in v.ravel()[:3]]}


def h5_slabs(d):
    rows = slab_rows(d.shape[1], d.dtype.itemsize, d.chunks[0] if d.chunks else 1)
    buf = np.empty((rows, d.shape[1]), d.dtype)
    for i in range(0, d.shape[0], rows):
        j = min(d.shape[0], i + rows)
        b = buf[: j - i]
        d.read_direct(b, np.s_[i:j], np.s_[0 : j - i])
        yield b


def one(tool, op, src, out):
    """One repetition; returns a value for the summary."""
    if tool == "numpy":
        a = np.load(src, mmap_mode="r")
        if op == "sum":
            return a.sum(axis=0)
        if op == "mean":
            return a.mean(axis=0)
        if op == "std":
            return a.std()
        if op == "scale":  # std(exp(sin(x))), one thread, 64 MiB slabs
            s = ss = 0.0
            step = slab_rows(a.shape[1])
            for i in range(0, a.shape[0], step):
                y = np.exp(np.sin(a[i : i + step]))
                s += float(y.sum(dtype=np.float64))
                ss += float(np.einsum("ij,ij->", y, y, dtype=np.float64))
            return np.sqrt(ss / a.size - (s / a.size) ** 2)
    if tool == "h5py":
        f, d = open_h5(src)
        with f:
            if op in ("sum", "mean"):
                acc = np.zeros(d.shape[1], d.dtype)
                for b in h5_slabs(d):
                    acc += b.sum(axis=0)
                return acc if op == "sum" else acc / np.float32(d.shape[0])
            if op == "std":
                s = ss = 0.0
                for b in h5_slabs(d):
                    s += float(b.sum(dtype=np.float64))
                    ss += float(np.einsum("ij,ij->", b, b, dtype=np.float64))
                n = d.size
                return np.sqrt(ss / n - (s / n) ** 2)
    if tool == "dask":
        x, f = dask_array(src)
        try:
            if op == "sum":
                return x.sum(axis=0).compute()
            if op == "mean":
                return x.mean(axis=0).compute()
            if op == "std":
                return x.std().compute()
        finally:
            if f is not None:
                f.close()
    if op == "map" and tool in ("numexpr", "numpy-loop"):
        import numexpr as ne

        from numpy.lib.format import write_array_header_1_0

        a = np.load(src, mmap_mode="r")
        rows = slab_rows(a.shape[1])
        buf = np.empty((rows, a.shape[1]), a.dtype)
        one_, half = np.float32(1), np.float32(0.5)
        with open(out, "wb", buffering=0) as f:
            write_array_header_1_0(
                f, {"descr": a.dtype.str, "fortran_order": False, "shape": a.shape}
            )
            for i in range(0, a.shape[0], rows):
                x = a[i : i + rows]
                b = buf[: x.shape[0]]
                if tool == "numexpr":
                    ne.evaluate("sqrt(x*x+one_)*half", out=b)
                else:
                    np.multiply(x, x, out=b)
                    np.add(b, 1, out=b)
                    np.sqrt(b, out=b)
                    np.multiply(b, 0.5, out=b)
                f.write(memoryview(b).cast("B"))
        return np.float32(0)
    raise SystemExit(f"unknown measurement {tool} {op}")


def run(tool, op, src, reps, out=None):
    import dask

    dask.config.set(scheduler="threads", num_workers=2)
    try:
        import numexpr as ne

        ne.set_num_threads(2)
    except ImportError:
        pass
    times = []
    v = None
    for _ in range(int(reps)):
        if out and os.path.exists(out):
            os.remove(out)
        t0 = time.perf_counter()
        v = one(tool, op, src, out)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"times": times, "hwm": hwm_mib(), "value": summary(v)}))


def check(a, b, rows):
    x = np.load(a, mmap_mode="r")[: int(rows)].astype(np.float64)
    y = np.load(b, mmap_mode="r")[: int(rows)].astype(np.float64)
    ok = x.shape == y.shape
    d = float(np.max(np.abs(x - y) / np.maximum(np.abs(y), 1e-30))) if ok else float("inf")
    print(json.dumps({"maxrel": d}))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    {
        "gen-npy": gen_npy,
        "gen-zarr": gen_zarr,
        "gen-h5": gen_h5,
        "ref": ref,
        "run": run,
        "check": check,
    }[cmd](*args)
    if cmd.startswith("gen"):
        print(json.dumps({"ok": True}))
