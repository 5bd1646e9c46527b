// Tests of viz/png.ts: round trips through our decoder, the chunk layout and
// CRCs checked independently, bad input, and Pillow (the reference PNG reader)
// opening our files and reading the same pixels.

import assert from "node:assert/strict";
import { crc32, decodePng, encodePng, PNG_SIGNATURE, type PngImage } from "../../viz/png.ts";
import { FormatError } from "../../core/errors.ts";
import { hasPython, pythonJson, tempDir } from "../_util.ts";

/** Deterministic pseudo-random samples with runs, so every filter type gets used. */
function pixels(width: number, height: number, channels: 3 | 4, seed = 1): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const x = Math.floor(i / channels) % width;
    const y = Math.floor(i / channels / width);
    // smooth gradients in one half, noise in the other
    out[i] = y < height / 2 ? (x * 7 + y * 3 + (i % channels) * 50) & 255 : s >>> 24;
  }
  return out;
}

interface Chunk {
  type: string;
  length: number;
  body: Uint8Array;
  crc: number;
  crcInput: Uint8Array;
}

function chunks(png: Uint8Array): Chunk[] {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: Chunk[] = [];
  for (let at = 8; at < png.length;) {
    const length = v.getUint32(at);
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
    out.push({
      type,
      length,
      body: png.subarray(at + 8, at + 8 + length),
      crc: v.getUint32(at + 8 + length),
      crcInput: png.subarray(at + 4, at + 8 + length),
    });
    at += 12 + length;
  }
  return out;
}

Deno.test("crc32() matches the published check value and a known PNG chunk CRC", () => {
  // CRC-32/ISO-HDLC check value of "123456789"
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  // every PNG ends with the IEND chunk and its CRC AE 42 60 82
  assert.equal(crc32(new TextEncoder().encode("IEND")), 0xae426082);
  // continuing a running CRC equals one pass
  const all = new TextEncoder().encode("hello, world");
  assert.equal(crc32(all.subarray(5), crc32(all.subarray(0, 5))), crc32(all));
});

for (const channels of [3, 4] as const) {
  for (const filter of ["none", "adaptive"] as const) {
    Deno.test(`encodePng() round trips ${channels}-channel pixels with filter "${filter}"`, () => {
      const image: PngImage = { width: 37, height: 23, channels, data: pixels(37, 23, channels) };
      const png = encodePng(image, { filter });
      const back = decodePng(png);
      assert.equal(back.width, 37);
      assert.equal(back.height, 23);
      assert.equal(back.channels, channels);
      assert.deepEqual(back.data, image.data);
    });
  }
}

Deno.test("encodePng() writes signature, IHDR, IDAT and IEND with valid CRCs", () => {
  const png = encodePng({ width: 5, height: 3, channels: 4, data: pixels(5, 3, 4) });
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  const cs = chunks(png);
  assert.deepEqual(cs.map((c) => c.type), ["IHDR", "IDAT", "IEND"]);
  for (const c of cs) assert.equal(crc32(c.crcInput), c.crc, `CRC of ${c.type}`);
  const ihdr = new DataView(cs[0].body.buffer, cs[0].body.byteOffset, 13);
  assert.equal(cs[0].length, 13);
  assert.equal(ihdr.getUint32(0), 5);
  assert.equal(ihdr.getUint32(4), 3);
  assert.deepEqual([...cs[0].body.subarray(8)], [8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no interlace
  assert.equal(cs[2].length, 0);
  // the whole file is exactly these chunks
  assert.equal(png.length, 8 + cs.reduce((n, c) => n + 12 + c.length, 0));
});

Deno.test("encodePng() uses filters that make smooth images small", () => {
  const w = 256;
  const h = 64;
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(i / 3) % w; // horizontal ramp
  const adaptive = encodePng({ width: w, height: h, channels: 3, data });
  const none = encodePng({ width: w, height: h, channels: 3, data }, { filter: "none" });
  assert.ok(adaptive.length < none.length, `${adaptive.length} < ${none.length}`);
  assert.deepEqual(decodePng(adaptive).data, data);
});

Deno.test("encodePng() rejects bad sizes, channel counts and buffers", () => {
  const data = new Uint8Array(12);
  assert.throws(() => encodePng({ width: 2, height: 2, channels: 4, data }), RangeError);
  assert.throws(() => encodePng({ width: 0, height: 2, channels: 3, data }), RangeError);
  assert.throws(() => encodePng({ width: 1.5, height: 2, channels: 3, data }), RangeError);
  assert.throws(
    () => encodePng({ width: 2, height: 2, channels: 2 as 3, data: new Uint8Array(8) }),
    /Invalid channel count 2/,
  );
  assert.throws(
    () => encodePng({ width: 2, height: 2, channels: 3, data: new Uint16Array(12) as never }),
    TypeError,
  );
  assert.throws(
    () => encodePng({ width: 2, height: 2, channels: 3, data }, { level: 12 }),
    RangeError,
  );
});

Deno.test("decodePng() rejects a bad signature, a bad CRC, truncation and other PNG kinds", () => {
  const png = encodePng({ width: 4, height: 4, channels: 3, data: pixels(4, 4, 3) });
  assert.throws(
    () => decodePng(png.slice(1)),
    (e) => e instanceof FormatError && /signature/.test(e.message),
  );
  const flipped = png.slice();
  flipped[40] ^= 1; // inside the IDAT body
  assert.throws(
    () => decodePng(flipped),
    (e) => e instanceof FormatError && /bad CRC/.test(e.message),
  );
  assert.throws(() => decodePng(png.slice(0, png.length - 6)), FormatError);
  // a 16-bit greyscale header (with a valid CRC) is refused by name
  const grey = png.slice();
  grey[8 + 8 + 8] = 16;
  grey[8 + 8 + 9] = 0;
  new DataView(grey.buffer).setUint32(8 + 8 + 13, crc32(grey.subarray(12, 29)));
  assert.throws(() => decodePng(grey), /only 8-bit RGB or RGBA/);
});

Deno.test({
  name: "encodePng() output opens in Pillow with the same pixels",
  ignore: !hasPython("PIL"),
  async fn() {
    await using dir = await tempDir();
    const cases: PngImage[] = [
      { width: 9, height: 7, channels: 3, data: pixels(9, 7, 3, 5) },
      { width: 6, height: 11, channels: 4, data: pixels(6, 11, 4, 9) },
    ];
    for (const [k, image] of cases.entries()) {
      const path = `${dir.path}/${k}.png`;
      await Deno.writeFile(path, encodePng(image));
      const got = await pythonJson<{ mode: string; size: number[]; data: string }>(
        `import json, sys
from PIL import Image
im = Image.open(sys.argv[1])
im.load()
print(json.dumps({"mode": im.mode, "size": list(im.size), "data": im.tobytes().hex()}))`,
        path,
      );
      assert.equal(got.mode, image.channels === 4 ? "RGBA" : "RGB");
      assert.deepEqual(got.size, [image.width, image.height]);
      assert.equal(got.data, [...image.data].map((b) => b.toString(16).padStart(2, "0")).join(""));
    }
  },
});
