// io/_native_codecs.ts: Zarr chunks through c-blosc, libzstd, liblz4 and
// libdeflate (ffi/codecs.ts). Round trips of every codec; zarr-python's
// chunks decode to zarr-python's values on the native path and on the
// TypeScript/wasm fallback (TESSERA_NATIVE_CODECS=0), in this thread and in
// the decode workers; our stores read back in zarr-python; corrupt chunks are
// a FormatError naming the store and the chunk.

import assert from "node:assert/strict";
import { FormatError } from "../../core/errors.ts";
import { NDArray } from "../../core/ndarray.ts";
import { codecLibraryPath } from "../../ffi/codecs.ts";
import {
  bloscDecode,
  bloscEncode,
  CodecError,
  deflateDecode,
  deflateEncode,
  lz4Decode,
  lz4Encode,
  nativeCodecAvailable,
  zstdDecode,
  zstdEncode,
} from "../../io/_native_codecs.ts";
import { readNpy } from "../../io/npy.ts";
import { createZarr, openZarr, type ZarrArray } from "../../io/zarr.ts";
import { runPython, tempDir } from "../_util.ts";

const LIBS = ["blosc", "zstd", "lz4", "deflate"] as const;

/** Runs `fn` with TESSERA_NATIVE_CODECS set to `mode` (restored after). */
async function withMode<T>(mode: "1" | "0", fn: () => Promise<T>): Promise<T> {
  const before = Deno.env.get("TESSERA_NATIVE_CODECS");
  Deno.env.set("TESSERA_NATIVE_CODECS", mode);
  try {
    return await fn();
  } finally {
    if (before === undefined) Deno.env.delete("TESSERA_NATIVE_CODECS");
    else Deno.env.set("TESSERA_NATIVE_CODECS", before);
  }
}

function sample(n: number, seed: number): Uint8Array {
  // compressible: smooth float32 values with a few random low bits
  const f = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    f[i] = Math.round(Math.sin(i / 50) * 1000) / 8 + (s & 3);
  }
  return new Uint8Array(f.buffer);
}

Deno.test("native codec libraries load, and TESSERA_NATIVE_CODECS=0 turns them off", async () => {
  for (const lib of LIBS) {
    assert(nativeCodecAvailable(lib), lib);
    assert.match(codecLibraryPath(lib)!, /lib(blosc|zstd|lz4|deflate)\b/);
  }
  await withMode("0", () => {
    for (const lib of LIBS) assert(!nativeCodecAvailable(lib), lib);
    return Promise.resolve();
  });
});

Deno.test("native codecs round-trip: blosc (every compressor and shuffle), zstd, lz4, zlib, gzip", () => {
  for (const n of [0, 1, 1000, 100_003]) {
    const src = sample(n, n + 1).subarray(0, n * 4 - (n > 10 ? 3 : 0)); // an odd byte count too
    for (const cname of ["blosclz", "lz4", "lz4hc", "zlib", "zstd"]) {
      for (const shuffle of [0, 1, 2, -1]) {
        const frame = bloscEncode(src, { cname, clevel: 5, shuffle, typesize: 4, blocksize: 0 });
        assert.deepEqual(bloscDecode(frame, src.length), src, `${cname} ${shuffle} ${n}`);
      }
    }
    assert.deepEqual(zstdDecode(zstdEncode(src, 3), src.length), src);
    assert.deepEqual(lz4Decode(lz4Encode(src, 1), src.length), src);
    for (const format of ["zlib", "gzip"] as const) {
      for (const level of [0, 1, 9]) {
        const enc = deflateEncode(format, src, level);
        assert.deepEqual(deflateDecode(format, enc, src.length), src, `${format} ${level}`);
      }
    }
    // gzip knows its size from its trailer; zlib without a size defers
    assert.deepEqual(deflateDecode("gzip", deflateEncode("gzip", src, 1)), src);
    assert.equal(deflateDecode("zlib", deflateEncode("zlib", src, 1)), null);
  }
  // a caller's buffer is filled in place
  const src = sample(4096, 7);
  const dest = new Uint8Array(src.length + 100);
  const got = bloscDecode(
    bloscEncode(src, { cname: "lz4", clevel: 5, shuffle: 1, typesize: 4, blocksize: 0 }),
    src.length,
    dest,
  );
  assert.equal(got.buffer, dest.buffer);
  assert.deepEqual(got, src);
});

Deno.test("native decoders reject truncated, corrupt and wrong-sized input with CodecError", () => {
  const src = sample(50_000, 3);
  const frames: [string, Uint8Array, (b: Uint8Array, e?: number) => unknown][] = [
    [
      "blosc",
      bloscEncode(src, { cname: "lz4", clevel: 5, shuffle: 1, typesize: 4, blocksize: 0 }),
      bloscDecode,
    ],
    [
      "blosc zstd",
      bloscEncode(src, { cname: "zstd", clevel: 5, shuffle: 2, typesize: 4, blocksize: 0 }),
      bloscDecode,
    ],
    ["zstd", zstdEncode(src, 3), zstdDecode],
    ["lz4", lz4Encode(src, 1), lz4Decode],
    ["zlib", deflateEncode("zlib", src, 1), (b, e) => deflateDecode("zlib", b, e)],
    ["gzip", deflateEncode("gzip", src, 1), (b, e) => deflateDecode("gzip", b, e)],
  ];
  for (const [name, frame, decode] of frames) {
    for (const cut of [0, 3, 15, 17, frame.length >> 1, frame.length - 1]) {
      assert.throws(
        () => decode(frame.subarray(0, cut), src.length),
        CodecError,
        `${name} cut at ${cut}`,
      );
    }
    assert.throws(() => decode(frame, src.length + 4), CodecError, `${name} wrong size`);
    // garbage: an error or exactly the declared bytes, never a crash
    const bad = frame.slice();
    for (let i = 0; i < bad.length; i += 97) bad[i] ^= 0x5a;
    try {
      const out = decode(bad, src.length) as Uint8Array;
      assert.equal(out.length, src.length);
    } catch (e) {
      assert(e instanceof CodecError, `${name}: ${e}`);
    }
  }
});

// zarr-python writes one array per codec, and the values as .npy
const WRITE_PY = `
import sys, numpy as np, zarr, numcodecs
root = zarr.open_group(sys.argv[1], mode="w")
rng = np.random.default_rng(5)
x = (rng.standard_normal((300, 257)) * 100).round(1).astype("<f4")
i = rng.integers(-2**40, 2**40, (300, 257)).astype("<i8")
np.save(sys.argv[1] + ".f4.npy", x)
np.save(sys.argv[1] + ".i8.npy", i)
comps = {}
for cname in ["lz4", "zstd", "zlib", "blosclz"]:
    for sh in (0, 1, 2):
        comps[f"blosc_{cname}_{sh}"] = numcodecs.Blosc(cname=cname, clevel=5, shuffle=sh)
comps["zstd"] = numcodecs.Zstd(level=3)
comps["lz4"] = numcodecs.LZ4()
comps["zlib"] = numcodecs.Zlib(level=1)
comps["gzip"] = numcodecs.GZip(level=1)
for name, c in comps.items():
    for kind, data in (("f4", x), ("i8", i)):
        root.create_dataset(f"{name}_{kind}", data=data, chunks=(128, 100), compressor=c)
print(",".join(comps))
`;

async function check(z: ZarrArray, want: NDArray, label: string): Promise<void> {
  assert.deepEqual((await z.read()).data, want.data, `${label} read`);
  // into shared memory: the decode workers copy the chunks straight in
  const Ctor = want.data.constructor as Float32ArrayConstructor;
  const shared = new Ctor(new SharedArrayBuffer(want.data.byteLength));
  const out = new NDArray(want.dtype, shared as never, [...want.shape], [...want.strides], 0);
  await z.readInto({ start: [0, 0], count: [...want.shape] } as never, out);
  assert.deepEqual(new Ctor(shared), want.data, `${label} readInto shared`);
}

Deno.test({
  name:
    "openZarr() decodes zarr-python's blosc, zstd, lz4, zlib and gzip chunks natively and on the fallback",
  async fn() {
    await using dir = await tempDir();
    const store = `${dir.path}/py.zarr`;
    const names = (await runPython(WRITE_PY, store)).trim().split(",");
    const f4 = await readNpy(`${store}.f4.npy`);
    const i8 = await readNpy(`${store}.i8.npy`);
    for (const mode of ["1", "0"] as const) {
      await withMode(mode, async () => {
        for (const name of names) {
          for (const [kind, want] of [["f4", f4], ["i8", i8]] as const) {
            const z = await openZarr(`${store}:/${name}_${kind}`, {
              workers: kind === "f4" ? 2 : 0,
            });
            try {
              await check(z, want, `${name}_${kind} native=${mode}`);
            } finally {
              await z.close();
            }
          }
        }
      });
    }
  },
});

const CODECS = [
  "blosc:lz4:5:shuffle",
  "blosc:zstd:3:bitshuffle",
  "blosc:zlib:1:noshuffle",
  "blosc:lz4hc:9",
  "zstd:3",
  "lz4",
  "zlib:1",
  "gzip:6",
];

const READ_PY = `
import sys, numpy as np, zarr
root = zarr.open_group(sys.argv[1], mode="r")
want = np.arange(300 * 257, dtype="<f4").reshape(300, 257) / 8
for name in sys.argv[2].split(","):
    z = root[name]
    assert np.array_equal(z[:], want), name
print("ok")
`;

Deno.test({
  name: "createZarr() stores written through the native codecs read back in zarr-python",
  async fn() {
    await using dir = await tempDir();
    const store = `${dir.path}/ours.zarr`;
    const data = new Float32Array(300 * 257).map((_, k) => k / 8);
    const a = new NDArray("float32", data as never, [300, 257], [257, 1], 0);
    const names: string[] = [];
    for (const [k, codec] of CODECS.entries()) {
      for (const mode of ["1", "0"] as const) {
        const name = `c${k}_${mode}`;
        await withMode(mode, async () => {
          const z = await createZarr(`${store}:/${name}`, {
            shape: [300, 257],
            dtype: "float32",
            chunks: [128, 100],
            codec,
          });
          await z.write(undefined, a);
          // and back through the other path
          await withMode(mode === "1" ? "0" : "1", async () => {
            assert.deepEqual(
              (await (await openZarr(`${store}:/${name}`, { workers: 0 })).read()).data,
              data,
              name,
            );
          });
        });
        names.push(name);
      }
    }
    // native blosc records the real element size: byte shuffle works
    const frame = await Deno.readFile(`${store}/c0_1/0.0`);
    assert.equal(frame[3], 4);
    assert.equal((await runPython(READ_PY, store, names.join(","))).trim(), "ok");
  },
});

Deno.test({
  name:
    "openZarr() reports a corrupt or truncated chunk as a FormatError naming the store and chunk",
  async fn() {
    await using dir = await tempDir();
    const store = `${dir.path}/bad.zarr`;
    const data = new Float32Array(256 * 256).map((_, k) => Math.sin(k));
    const a = new NDArray("float32", data as never, [256, 256], [256, 1], 0);
    for (
      const [k, codec] of [
        "blosc:lz4:5",
        "blosc:zstd:5:bitshuffle",
        "zstd:1",
        "lz4",
        "zlib:1",
        "gzip:1",
      ].entries()
    ) {
      await withMode("1", async () => {
        const z = await createZarr(`${store}:/a${k}`, {
          shape: [256, 256],
          dtype: "float32",
          chunks: [128, 128],
          codec,
        });
        await z.write(undefined, a);
      });
      const path = `${store}/a${k}/1.0`;
      const good = await Deno.readFile(path);
      const damaged: Uint8Array[] = [
        good.subarray(0, good.length >> 1),
        good.subarray(0, 10),
        new Uint8Array(0),
      ];
      if (codec.startsWith("blosc")) {
        const big = good.slice();
        new DataView(big.buffer).setUint32(4, 128 * 128 * 4 + 8, true); // declared size not the chunk's
        damaged.push(big);
      }
      for (const [j, bytes] of damaged.entries()) {
        await Deno.writeFile(path, bytes);
        for (const mode of ["1", "0"] as const) {
          await withMode(mode, async () => {
            for (const workers of [0, 2]) {
              const z = await openZarr(`${store}:/a${k}`, { workers });
              try {
                await assert.rejects(
                  () => z.read(),
                  (e: unknown) => {
                    assert(e instanceof FormatError, `${codec} #${j} native=${mode}: ${e}`);
                    assert.match(e.message, /bad\.zarr/);
                    assert.match(e.message, /1\.0/);
                    return true;
                  },
                );
              } finally {
                await z.close();
              }
            }
          });
        }
      }
    }
  },
});

Deno.test({
  name:
    "openZarr() of a store rewritten in the same process never decodes with the old metadata (shared workers)",
  async fn() {
    await using dir = await tempDir();
    const loc = `${dir.path}/re.zarr`;
    const first = new Float32Array(256 * 256).map((_, k) => k);
    const z1 = await createZarr(loc, {
      shape: [256, 256],
      dtype: "float32",
      chunks: [128, 128],
      codec: "blosc:lz4:5",
    });
    await z1.write(undefined, new NDArray("float32", first as never, [256, 256], [256, 1], 0));
    const r1 = await openZarr(loc, { workers: 2 });
    await check(r1, new NDArray("float32", first as never, [256, 256], [256, 1], 0), "first");
    // r1 is left open (its workers idle): the next array shares them
    const second = new Float32Array(256 * 256).map((_, k) => -k / 2);
    const z2 = await createZarr(loc, {
      shape: [256, 256],
      dtype: "float32",
      chunks: [64, 256],
      codec: "zstd:1",
      overwrite: true,
    });
    const a2 = new NDArray("float32", second as never, [256, 256], [256, 1], 0);
    await z2.write(undefined, a2);
    const r2 = await openZarr(loc, { workers: 2 });
    try {
      await check(r2, a2, "rewritten");
    } finally {
      await r2.close();
      await r1.close();
    }
  },
});
