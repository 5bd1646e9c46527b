// libhdf5's deflate filter replaced by libdeflate around one transfer
// (io/_hdf5_deflate.ts, through io/_hdf5_mpi.ts transferBlock): files written
// by h5py (libhdf5's zlib) read back right through it, files it writes read
// back right in h5py and h5dump, a corrupt chunk is a FormatError naming the
// file, and libhdf5's own filter is back in place after every call.
// The same under MPI: tests/io/hdf5_deflate_mpi_test.ts.

import assert from "node:assert/strict";
import { SelfComm } from "../../dist/comm.ts";
import { Distribution } from "../../dist/distribution.ts";
import { FormatError } from "../../core/errors.ts";
import { arange, type NDArray } from "../../core/ndarray.ts";
import { builtinDeflateClass, hdf5 } from "../../ffi/hdf5.ts";
import { H5File } from "../../io/hdf5.ts";
import { readDistributed, writeDistributed } from "../../io/hdf5_parallel.ts";
import { readNpy } from "../../io/npy.ts";
import { _deflateFilterHooks } from "../../io/_hdf5_deflate.ts";
import { nativeCodecAvailable } from "../../io/_native_codecs.ts";
import { hasCommand, hasPython, pythonJson, ROOT, runPython, tempDir } from "../_util.ts";

const comm = new SelfComm();
const H5PY = hasPython("h5py", "numpy");
const NATIVE = nativeCodecAvailable("deflate");

async function readAll(locator: string, shape: readonly number[]): Promise<NDArray> {
  const d = Distribution.create(shape, { dist: "n".repeat(shape.length), commSize: 1 });
  return await readDistributed(comm, locator, d);
}

function bytes(a: NDArray): Uint8Array {
  const t = a.copy().toTypedArray() as ArrayBufferView;
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}

/** Whether libhdf5's table holds its own deflate filter function for id 1. */
function builtinInPlace(): boolean {
  const fn = hdf5().fn;
  const found = fn.H5Z_find!(1);
  const own = builtinDeflateClass();
  assert.ok(found !== null && own !== null);
  const a = new Deno.UnsafePointerView(found).getPointer(40);
  const b = new Deno.UnsafePointerView(own).getPointer(40);
  return Deno.UnsafePointer.equals(a, b);
}

// datasets written by h5py (libhdf5's zlib), each with its values as .npy
const CASES = `
import sys, h5py, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(7)
cases = {
  "f64_l1": (rng.standard_normal((37, 23)), dict(chunks=(8, 5), compression="gzip", compression_opts=1)),
  "f32_l4": (rng.standard_normal((64, 40)).astype("f4"), dict(chunks=(16, 16), compression="gzip", compression_opts=4)),
  "i16_l9": (rng.integers(-300, 300, (50, 33)).astype("i2"), dict(chunks=(7, 11), compression="gzip", compression_opts=9)),
  "i8_shuf": (rng.integers(-100, 100, (101,)).astype("i1"), dict(chunks=(10,), compression="gzip", compression_opts=4, shuffle=True)),
  "u64_shuf": (np.arange(3000, dtype="u8").reshape(50, 60) * 12345, dict(chunks=(13, 17), compression="gzip", compression_opts=1, shuffle=True)),
  "f64_shuf9": (np.linspace(0, 1, 4096).reshape(64, 64), dict(chunks=(64, 64), compression="gzip", compression_opts=9, shuffle=True)),
  # 2 MiB of zeros in a chunk: about 2 KiB stored, decoded by growing its buffer
  "zeros": (np.zeros((512, 512)), dict(chunks=(512, 512), compression="gzip", compression_opts=6)),
  # incompressible bytes, one element per chunk, a 3-d edge
  "u8_rand": (rng.integers(0, 256, (300, 7)).astype("u1"), dict(chunks=(300, 7), compression="gzip", compression_opts=1)),
  "one": (np.arange(5, dtype="i4"), dict(chunks=(1,), compression="gzip", compression_opts=1)),
  "edge3d": (rng.standard_normal((5, 6, 7)).astype("f4"), dict(chunks=(2, 4, 3), compression="gzip", compression_opts=4)),
}
with h5py.File(d + "/h5py.h5", "w") as f:
    for k, (v, o) in cases.items():
        f.create_dataset(k, data=v, **o)
        np.save(d + "/" + k + ".npy", v)
    # chunks never written read as the fill value (no filter call)
    s = f.create_dataset("sparse", (40, 40), "f8", chunks=(10, 10), compression="gzip", fillvalue=-1)
    s[3:12, 5:9] = 7
    v = np.full((40, 40), -1.0); v[3:12, 5:9] = 7
    np.save(d + "/sparse.npy", v)
print(len(cases))
`;

Deno.test("libdeflate's filter reads h5py's gzip datasets (levels 1-9, shuffle, dtypes, edges, unwritten chunks)", async () => {
  if (!H5PY) return;
  await using dir = await tempDir();
  await runPython(CASES, dir.path);
  const before = _deflateFilterHooks.decoded;
  for (
    const name of [
      "f64_l1",
      "f32_l4",
      "i16_l9",
      "i8_shuf",
      "u64_shuf",
      "f64_shuf9",
      "zeros",
      "u8_rand",
      "one",
      "edge3d",
      "sparse",
    ]
  ) {
    const want = await readNpy(`${dir.path}/${name}.npy`);
    const got = await readAll(`${dir.path}/h5py.h5:/${name}`, want.shape);
    assert.equal(got.dtype, want.dtype, name);
    assert.deepEqual(bytes(got), bytes(want), name);
    assert.ok(builtinInPlace(), name);
  }
  if (NATIVE) {
    assert.ok(_deflateFilterHooks.decoded - before >= 100, `${_deflateFilterHooks.decoded}`);
  }
  assert.equal(_deflateFilterHooks.lastError, null);
});

Deno.test("libdeflate's filter writes zlib streams h5py, NumPy and h5dump read back (levels 1, 4, 9)", async () => {
  await using dir = await tempDir();
  const before = _deflateFilterHooks.encoded;
  // chunks over libhdf5's 1 MiB chunk cache go through the filter within H5Dwrite
  const a = arange(512 * 300, undefined, undefined, "float64").reshape([512, 300]).sin();
  const d = Distribution.create(a.shape, { dist: "bn", commSize: 1 });
  for (const level of [1, 4, 9]) {
    await writeDistributed(comm, `${dir.path}/w.h5:/l${level}`, d, a, {
      compression: { name: "gzip", level },
      chunks: [512, 300],
    });
  }
  if (NATIVE) assert.equal(_deflateFilterHooks.encoded - before, 3);
  assert.ok(builtinInPlace());
  if (H5PY) {
    await Deno.writeFile(`${dir.path}/a.bin`, bytes(a));
    const r = await pythonJson<unknown[]>(
      `import sys, json, h5py, numpy as np
a = np.fromfile(sys.argv[1] + "/a.bin", dtype="<f8").reshape(512, 300)
with h5py.File(sys.argv[1] + "/w.h5", "r") as f:
    print(json.dumps([[f[k].compression, f[k].compression_opts, bool(np.array_equal(f[k][...], a))]
                      for k in ("l1", "l4", "l9")]))`,
      dir.path,
    );
    assert.deepEqual(r, [["gzip", 1, true], ["gzip", 4, true], ["gzip", 9, true]]);
  }
  if (hasCommand("h5dump")) {
    const out = await new Deno.Command("h5dump", {
      args: ["-p", "-d", "/l9", "-s", "511,297", "-c", "1,3", `${dir.path}/w.h5`],
      stdout: "piped",
    }).output();
    assert.ok(out.success);
    const text = new TextDecoder().decode(out.stdout);
    assert.match(text, /COMPRESSION DEFLATE \{ LEVEL 9 \}/);
    const data = /DATA \{[^}]*\(511,297\): ([^}]*)\}/.exec(text);
    assert.ok(data !== null, text);
    const got = data[1].split(",").map(Number);
    const want = (a.toTypedArray() as Float64Array).subarray(512 * 300 - 3);
    assert.equal(got.length, 3, text);
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${v} vs ${want[i]}`));
  }
});

Deno.test("a corrupt gzip chunk read through libdeflate's filter is a FormatError naming the file", async () => {
  if (!H5PY) return;
  await using dir = await tempDir();
  const file = `${dir.path}/bad.h5`;
  await runPython(
    `import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("x", data=np.arange(4096.0).reshape(64, 64), chunks=(32, 64), compression="gzip")
    f.create_dataset("ok", data=np.arange(10.0), chunks=(5,), compression="gzip")
    off = f["x"].id.get_chunk_info(1).byte_offset
with open(sys.argv[1], "r+b") as g:
    g.seek(off + 20)
    g.write(bytes(range(7, 207)))`,
    file,
  );
  await assert.rejects(readAll(`${file}:/x`, [64, 64]), (e: unknown) => {
    assert.ok(e instanceof (NATIVE ? FormatError : Error), String(e));
    if (NATIVE) {
      assert.equal((e as FormatError).file, file);
      assert.match((e as Error).message, /dataset "\/x": a chunk cannot be decoded: libdeflate/);
    }
    return true;
  });
  assert.ok(builtinInPlace());
  // the process goes on: the next read through the filter, and one without it
  const ok = await readAll(`${file}:/ok`, [10]);
  assert.deepEqual(ok.toArray(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  using f = H5File.open(file);
  using ds = f.dataset("ok");
  assert.deepEqual((await ds.read()).toArray(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("TESSERA_NATIVE_CODECS=0 keeps libhdf5's own deflate filter", async () => {
  await using dir = await tempDir();
  const script = `${dir.path}/off.ts`;
  await Deno.writeTextFile(
    script,
    `import { SelfComm } from "${ROOT}/dist/comm.ts";
import { Distribution } from "${ROOT}/dist/distribution.ts";
import { arange } from "${ROOT}/core/ndarray.ts";
import { readDistributed, writeDistributed } from "${ROOT}/io/hdf5_parallel.ts";
import { _deflateFilterHooks } from "${ROOT}/io/_hdf5_deflate.ts";
const c = new SelfComm();
const d = Distribution.create([400, 400], { dist: "bn", commSize: 1 });
await writeDistributed(c, "${dir.path}/off.h5:/x", d, arange(160000, undefined, undefined, "float64").reshape([400, 400]), {
  compression: "gzip", chunks: [400, 400] });
const b = await readDistributed(c, "${dir.path}/off.h5:/x", d);
console.log(JSON.stringify([_deflateFilterHooks.encoded, _deflateFilterHooks.decoded,
  (b.toTypedArray() as Float64Array).every((v, i) => v === i)]));`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    env: { TESSERA_NATIVE_CODECS: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  assert.ok(out.success, dec.decode(out.stderr));
  assert.deepEqual(JSON.parse(dec.decode(out.stdout)), [0, 0, true]);
});
