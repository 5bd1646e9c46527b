// io/_blosc.ts: byte-identical to numcodecs.js on zarr-python's blosc chunks
// (the fixtures and fresh frames from /usr/bin/python3), into a caller's
// buffer, and safe on corrupt frames.

import assert from "node:assert/strict";
import * as zarr from "npm:zarrita@0.7.5";
import { BloscError, decodeBlosc } from "../../io/_blosc.ts";

const FIXTURES = new URL("../fixtures/zarr/py.zarr/", import.meta.url);
const PYTHON = "/usr/bin/python3";

interface WasmBlosc {
  encode(data: Uint8Array): Promise<Uint8Array>;
  decode(data: Uint8Array): Promise<Uint8Array>;
}
// numcodecs.js's codec, as zarrita's registry loads it (before
// io/_zarr_codecs.ts wraps it: this file never calls registerCodecs)
const registry = zarr.registry as unknown as Map<string, () => Promise<unknown>>;
const Blosc = (await registry.get("blosc")!()) as new (
  clevel?: number,
  cname?: string,
  shuffle?: number,
) => WasmBlosc;

const wasm = new Blosc();

function numcodecsDecode(frame: Uint8Array): Promise<Uint8Array> {
  return wasm.decode(frame);
}

function walk(dir: URL, out: URL[] = []): URL[] {
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) walk(new URL(`${e.name}/`, dir), out);
    else if (e.name === ".zarray") out.push(dir);
  }
  return out;
}

Deno.test("decodeBlosc matches numcodecs.js on every blosc chunk of the fixtures", async () => {
  // the fixtures' chunks are small enough for c-blosc to store them
  // (memcpyed), so even the zstd + bitshuffle ones decode here
  let fast = 0;
  for (const dir of walk(FIXTURES)) {
    const meta = JSON.parse(Deno.readTextFileSync(new URL(".zarray", dir)));
    if (meta.compressor?.id !== "blosc") continue;
    for (const e of Deno.readDirSync(dir)) {
      if (e.name.startsWith(".") || !e.isFile) continue;
      const frame = Deno.readFileSync(new URL(e.name, dir));
      const got = decodeBlosc(frame);
      if (got === null) {
        assert(meta.compressor.cname !== "lz4" || meta.compressor.shuffle === 2, e.name);
        continue;
      }
      fast++;
      assert.deepEqual(got, await numcodecsDecode(frame), `${dir.pathname}${e.name}`);
    }
  }
  assert(fast >= 16, `only ${fast} chunks decoded`);
});

const hasPython = (() => {
  try {
    return new Deno.Command(PYTHON, { args: ["-c", "import numcodecs"], stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

const GEN = `
import numpy as np, os, sys
from numcodecs import Blosc
out = sys.argv[1]
rng = np.random.default_rng(1)
i = 0
for ts, dt in [(1, "u1"), (2, "<i2"), (4, "<f4"), (8, "<f8")]:
    for n in [0, 3, 1000, 65536 // ts + 7, 3 * 262144 // ts + 13]:
        for kind in ["random", "smooth", "const"]:
            if kind == "random":
                a = rng.integers(0, 256, n * ts, dtype=np.uint8).view(dt)
            elif kind == "smooth":
                a = (np.sin(np.arange(n) / 100.0) * 100).astype(dt)
            else:
                a = np.full(n, 7, dtype=dt)
            for shuffle in [0, 1]:
                for clevel in [1, 5, 9]:
                    for cname in ["lz4", "lz4hc"]:
                        f = Blosc(cname=cname, clevel=clevel, shuffle=shuffle).encode(a)
                        name = f"{i:04d}_{cname}_{ts}_{n}_{kind}_s{shuffle}_c{clevel}"
                        open(os.path.join(out, name + ".blosc"), "wb").write(f)
                        open(os.path.join(out, name + ".raw"), "wb").write(a.tobytes())
                        i += 1
`;

async function fresh(splitmode: string): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tessera_blosc_" });
  try {
    const r = await new Deno.Command(PYTHON, {
      args: ["-c", GEN, dir],
      env: { BLOSC_SPLITMODE: splitmode },
    }).output();
    assert(r.success, new TextDecoder().decode(r.stderr));
    let n = 0, split = 0;
    for (const e of Deno.readDirSync(dir)) {
      if (!e.name.endsWith(".blosc")) continue;
      const frame = Deno.readFileSync(`${dir}/${e.name}`);
      const raw = Deno.readFileSync(`${dir}/${e.name.replace(/\.blosc$/, ".raw")}`);
      const got = decodeBlosc(frame);
      assert(got !== null, e.name);
      assert.deepEqual(got, raw, e.name);
      assert.deepEqual(got, await numcodecsDecode(frame), e.name);
      if ((frame[2] & 0x12) === 0) split++;
      n++;
    }
    assert.deepEqual(n, 4 * 5 * 3 * 2 * 3 * 2);
    if (splitmode === "ALWAYS") assert(split > 100, `only ${split} split frames`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "decodeBlosc matches numcodecs.js and the data on fresh zarr-python frames",
  ignore: !hasPython,
  fn: () => fresh("AUTO"),
});

Deno.test({
  name: "decodeBlosc decodes split-stream frames (BLOSC_SPLITMODE=ALWAYS)",
  ignore: !hasPython,
  fn: () => fresh("ALWAYS"),
});

/** A frame made by numcodecs.js (c-blosc 1.x in wasm). */
async function frameOf(data: Uint8Array, cname: string, shuffle: number): Promise<Uint8Array> {
  return await new Blosc(5, cname, shuffle).encode(data);
}

function smooth(n: number): Uint8Array {
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) f[i] = Math.sin(i / 50);
  return new Uint8Array(f.buffer);
}

Deno.test("decodeBlosc decodes into a caller's buffer, shared memory included", async () => {
  const data = smooth(100_003);
  const frame = await frameOf(data, "lz4", 1);
  const sab = new SharedArrayBuffer(data.length + 8);
  const got = decodeBlosc(frame, new Uint8Array(sab, 4, data.length + 4));
  assert(got !== null && got.buffer === sab && got.byteOffset === 4);
  assert.deepEqual(new Uint8Array(got), data);
  // unaligned destination: the generic unshuffle
  const odd = new Uint8Array(data.length + 1);
  assert.deepEqual(decodeBlosc(frame, odd.subarray(1)), data);
  assert.throws(() => decodeBlosc(frame, new Uint8Array(data.length - 1)), RangeError);
});

Deno.test("decodeBlosc returns null for what it leaves to numcodecs.js", async () => {
  const data = smooth(20_000);
  for (const cname of ["blosclz", "zlib", "zstd"]) {
    assert.deepEqual(decodeBlosc(await frameOf(data, cname, 1)), null, cname);
  }
  assert.deepEqual(decodeBlosc(await frameOf(data, "lz4", 2)), null, "bitshuffle");
  const v3 = (await frameOf(data, "lz4", 1)).slice();
  v3[0] = 3;
  assert.deepEqual(decodeBlosc(v3), null, "version 3");
});

function safe(frame: Uint8Array): void {
  // must return (null or the declared size) or throw BloscError, nothing else
  try {
    const r = decodeBlosc(frame);
    if (r !== null) {
      assert.deepEqual(r.length, frame[4] | frame[5] << 8 | frame[6] << 16 | frame[7] << 24);
    }
  } catch (e) {
    if (!(e instanceof BloscError)) throw e;
  }
}

Deno.test("decodeBlosc rejects truncated and corrupt frames with BloscError", async () => {
  const data = smooth(50_000);
  const frame = await frameOf(data, "lz4", 1);
  assert.throws(() => decodeBlosc(frame.subarray(0, frame.length - 1)), {
    name: "BloscError",
    message: /Truncated Blosc frame/,
  });
  assert.throws(() => decodeBlosc(frame.subarray(0, 10)), {
    name: "BloscError",
    message: /header/,
  });
  for (let len = 0; len < frame.length; len += 97) {
    assert.throws(() => decodeBlosc(frame.subarray(0, len)), BloscError);
  }
  // a block offset past the end, before the offsets, negative
  for (const off of [frame.length + 5, 3, -1]) {
    const bad = frame.slice();
    new DataView(bad.buffer).setInt32(16, off, true);
    assert.throws(() => decodeBlosc(bad), { name: "BloscError", message: /starts at/ });
  }
  // cbytes claiming less than the header, nbytes negative
  const small = frame.slice();
  new DataView(small.buffer).setInt32(12, 8, true);
  assert.throws(() => decodeBlosc(small), BloscError);
  const neg = frame.slice();
  new DataView(neg.buffer).setInt32(4, -5, true);
  assert.throws(() => decodeBlosc(neg), BloscError);
  // random byte flips anywhere (header, offsets, stream sizes, LZ4 tokens)
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (const f of [frame, await frameOf(smooth(3000), "lz4", 0)]) {
    for (let t = 0; t < 3000; t++) {
      const bad = f.slice();
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
        bad[Math.floor(rand() * bad.length)] = Math.floor(rand() * 256);
      }
      safe(bad);
    }
  }
});
