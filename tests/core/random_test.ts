import assert from "node:assert/strict";
import {
  fillNormal,
  fillUniform,
  normal,
  philox4x32,
  rand,
  randint,
  randn,
  uniform,
} from "../../core/random.ts";
import { philoxScalar, philoxSimd } from "../../core/_wasm/philox.ts";
import { fillUniformParallel } from "../../core/random_parallel.ts";

const hex = (a: Uint32Array) => [...a].map((x) => x.toString(16).padStart(8, "0")).join(" ");

Deno.test("philox4x32() matches Random123's known-answer vectors", () => {
  assert.equal(hex(philox4x32([0, 0, 0, 0], [0, 0])), "6627e8d5 e169c58d bc57ac4c 9b00dbd8");
  const f = 0xffffffff;
  assert.equal(hex(philox4x32([f, f, f, f], [f, f])), "408f276d 41c83b0e a20bc7c6 6d5451fd");
  assert.equal(
    hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])),
    "d16cfe09 94fdcceb 5001e420 24126ea1",
  );
});

Deno.test("fillUniform() derives element i from Philox counter i and the seed alone", () => {
  // the WebAssembly kernel against the JS reference, including indices above 2^32
  const seed = 2n ** 40n + 12345n;
  const key = [Number(seed & 0xffffffffn), Number(seed >> 32n)];
  const shape = [3, 2 ** 31];
  const region = { start: [2, 2 ** 31 - 5], step: [1, 2], count: [1, 3] };
  const got = fillUniform(new Float64Array(3), { shape, seed, region, stream: 7 });
  for (let j = 0; j < 3; j++) {
    const flat = 2 * 2 ** 31 + 2 ** 31 - 5 + 2 * j;
    const w = philox4x32([flat % 2 ** 32, Math.floor(flat / 2 ** 32), 0, 7], key);
    assert.equal(got[j], ((w[0] >>> 5) * 2 ** 26 + (w[1] >>> 6)) / 2 ** 53);
  }
});

Deno.test("rand() of a region equals the same slice of the whole array", () => {
  const whole = rand([6, 5, 4], { seed: 99 });
  const region = { start: [1, 0, 1], step: [2, 3, 2], count: [3, 2, 2] };
  const part = rand([6, 5, 4], { seed: 99, region });
  assert.deepEqual(part.shape, [3, 2, 2]);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 2; j++) {
      for (let k = 0; k < 2; k++) {
        assert.equal(part.get(i, j, k), whole.get(1 + 2 * i, 3 * j, 1 + 2 * k));
      }
    }
  }
});

Deno.test("rand() gives the same array for any split into row blocks", () => {
  const shape = [10, 7];
  const whole = rand(shape, { seed: 5 }).data;
  for (const ranks of [1, 2, 3, 4]) {
    const parts: number[] = [];
    for (let r = 0; r < ranks; r++) {
      const lo = Math.floor((r * 10) / ranks);
      const hi = Math.floor(((r + 1) * 10) / ranks);
      const region = { start: [lo, 0], count: [hi - lo, 7] };
      parts.push(...rand(shape, { seed: 5, region }).data);
    }
    assert.deepEqual(parts, [...whole]);
  }
});

Deno.test("rand() values lie in [0, 1) with the moments of a uniform", () => {
  const a = rand([20000], { seed: 1 }).data;
  let s = 0;
  let s2 = 0;
  for (const v of a) {
    assert.ok(v >= 0 && v < 1);
    s += v;
    s2 += v * v;
  }
  const mean = s / a.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(s2 / a.length - mean * mean - 1 / 12) < 0.003);
  assert.notDeepEqual([...rand([5], { seed: 1 }).data], [...rand([5], { seed: 2 }).data]);
  assert.notDeepEqual(
    [...rand([5], { seed: 1 }).data],
    [...rand([5], { seed: 1, stream: 1 }).data],
  );
});

Deno.test("randn() has mean 0 and variance 1, and regions match the whole array", () => {
  const a = randn([20000], { seed: 4 }).data;
  let s = 0;
  let s2 = 0;
  for (const v of a) {
    s += v;
    s2 += v * v;
  }
  assert.ok(Math.abs(s / a.length) < 0.03, `mean ${s / a.length}`);
  assert.ok(Math.abs(s2 / a.length - 1) < 0.04, `var ${s2 / a.length}`);
  const part = fillNormal(new Float64Array(3), {
    shape: [20000],
    seed: 4,
    region: { start: [100], step: [7], count: [3] },
  });
  assert.deepEqual([...part], [a[100], a[107], a[114]]);
});

Deno.test("normal() and uniform() scale the standard generators", () => {
  const z = randn([4], { seed: 8 });
  const n = normal([4], { seed: 8, mean: -3, std: 0.5 });
  for (let i = 0; i < 4; i++) assert.equal(n.get(i), -3 + 0.5 * (z.get(i) as number));
  const u = uniform([1000], { seed: 8, low: 10, high: 12 });
  assert.ok(u.data.every((v) => v >= 10 && v < 12));
  assert.throws(() => normal([2], { std: -1 }), {
    name: "RangeError",
    message: "Invalid scale -1: must be finite and non-negative",
  });
});

Deno.test("normal() takes NumPy's loc and scale, with mean and std as aliases", () => {
  const z = randn([5], { seed: 8 });
  const a = normal([5], { seed: 8, loc: -3, scale: 0.5 });
  for (let i = 0; i < 5; i++) assert.equal(a.get(i), -3 + 0.5 * (z.get(i) as number));
  assert.deepEqual(normal([5], { seed: 8, mean: -3, std: 0.5 }).toArray(), a.toArray());
  assert.deepEqual(normal([5], { seed: 8, loc: -3, std: 0.5 }).toArray(), a.toArray());
  assert.throws(() => normal([2], { loc: 1, mean: 1 }), {
    name: "TypeError",
    message: 'Invalid options for normal(): "loc" and its alias "mean" are both given',
  });
  assert.throws(() => normal([2], { scale: 1, std: 2 }), { name: "TypeError", message: /"scale"/ });
  assert.throws(() => normal([2], { scale: -1 }), RangeError);
});

Deno.test("the generators reject an unknown option key, naming it", () => {
  const bad = { seed: 1, sd: 2 } as never;
  for (
    const [name, f] of [
      ["rand", () => rand([2], bad)],
      ["randn", () => randn([2], bad)],
      ["normal", () => normal([2], bad)],
      ["uniform", () => uniform([2], bad)],
      ["randint", () => randint([2], { high: 3, sd: 2 } as never)],
      ["fillUniform", () => fillUniform(new Float64Array(2), { shape: [2], sd: 2 } as never)],
      ["fillNormal", () => fillNormal(new Float64Array(2), { shape: [2], sd: 2 } as never)],
    ] as const
  ) {
    assert.throws(f, {
      name: "TypeError",
      message: new RegExp(`^Unknown option "sd" for ${name}\\(\\)`),
    });
  }
  assert.throws(() => uniform([2], { low: 0, high: 1, mean: 3 } as never), /Unknown option "mean"/);
});

Deno.test("randint() covers [low, high) evenly and is region-independent", () => {
  const a = randint([30000], { low: -2, high: 4, seed: 3, dtype: "int32" });
  assert.equal(a.dtype, "int32");
  const counts = new Map<number, number>();
  for (const v of a.data) counts.set(v, (counts.get(v) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].sort((x, y) => x - y), [-2, -1, 0, 1, 2, 3]);
  for (const c of counts.values()) assert.ok(Math.abs(c - 5000) < 300, `count ${c}`);
  const part = randint([30000], {
    low: -2,
    high: 4,
    seed: 3,
    dtype: "int32",
    region: { start: [29990], count: [10] },
  });
  assert.deepEqual([...part.data], [...a.data.subarray(29990)]);
  const big = randint([3], { high: 2 ** 40, seed: 1 });
  assert.equal(big.dtype, "int64");
  assert.ok([...big.data].every((v) => v >= 0n && v < 2n ** 40n));
  assert.throws(() => randint([2], { low: 3, high: 3 }), { name: "RangeError" });
});

Deno.test("rand() rejects a bad seed or a region outside the shape", () => {
  assert.throws(() => rand([2], { seed: -1 }), {
    name: "RangeError",
    message: "Invalid seed -1: must be a non-negative safe integer",
  });
  assert.throws(() => rand([4], { region: { start: [2], count: [3] } }), {
    name: "RangeError",
    message: "Region [2:5] is outside shape [4] on axis 0",
  });
});

Deno.test("the SIMD Philox kernel gives the scalar kernel's bits for many seeds and regions", () => {
  const simd = philoxSimd(2);
  if (simd === null) throw new Error("this engine has no WebAssembly simd128");
  const scalar = philoxScalar();
  const sw = new Uint32Array(scalar.memory.buffer);
  const vw = new Uint32Array(simd.memory.buffer);
  const vf = new Float64Array(simd.memory.buffer);
  // a fixed xorshift stream of parameters: reproducible, no Math.random
  let s = 0x9e3779b9;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const starts = [0, 1, 2 ** 32 - 5, 2 ** 33 - 1, 2 ** 52, 2 ** 53 - 5000];
  let checked = 0;
  for (let t = 0; t < 300; t++) {
    const flat = t < starts.length ? starts[t] : next() * 2 ** (next() % 21);
    const step = [1, 1, 2, 3, 4096, 65537, 2 ** 31 + 1][t % 7];
    const n = 1 + (next() % 4096);
    const [k0, k1, c2, c3] = [next(), next(), t % 5 === 0 ? next() : 0, t % 3 === 0 ? next() : 0];
    const args = [n, k0 | 0, k1 | 0, BigInt(flat), BigInt(step), c2 | 0, c3 | 0] as const;
    scalar.words(0, ...args);
    simd.words(0, ...args);
    assert.deepEqual(vw.subarray(0, 4 * n), sw.subarray(0, 4 * n), `words, case ${t}`);
    simd.uniform(0, ...args);
    for (let j = 0; j < n; j++) {
      const u = ((sw[4 * j] >>> 5) * 2 ** 26 + (sw[4 * j + 1] >>> 6)) / 2 ** 53;
      if (vf[j] !== u) assert.fail(`uniform, case ${t}, element ${j}: ${vf[j]} !== ${u}`);
    }
    checked += n;
  }
  assert.ok(checked > 100_000);
});

Deno.test("fillUniform() and randint() agree with the JS philox4x32() over strided regions", () => {
  for (const seed of [0, 1, 2 ** 32 + 7, 2 ** 53 - 1]) {
    const shape = [37, 1031];
    const region = { start: [3, 5], step: [2, 3], count: [17, 300] };
    const got = fillUniform(new Float64Array(17 * 300), { shape, seed, region, stream: 3 });
    const key = [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
    for (let i = 0; i < 17; i++) {
      for (let j = 0; j < 300; j++) {
        const flat = (3 + 2 * i) * 1031 + 5 + 3 * j;
        const w = philox4x32([flat, 0, 0, 3], key);
        const u = ((w[0] >>> 5) * 2 ** 26 + (w[1] >>> 6)) / 2 ** 53;
        if (got[i * 300 + j] !== u) assert.fail(`seed ${seed}, element [${i},${j}]`);
      }
    }
    const ints = randint([5000], { high: 2 ** 31, seed, dtype: "float64" }).data;
    for (let i = 0; i < 5000; i++) {
      const w = philox4x32([i, 0, 0, 0], key);
      const v = [0, 1, 2, 3].map((q) => w[q] & 0x7fffffff).find((x) => x < 2 ** 31);
      if (ints[i] !== v) assert.fail(`randint, seed ${seed}, element ${i}`);
    }
  }
});

Deno.test("fillUniform() into a Float32Array with per-column bounds is the float32 of uniform()'s formula", () => {
  const shape = [37, 1030];
  const low = Float64Array.from({ length: 1030 }, (_, j) => (j % 97) / 10 - 5.8);
  const high = low.map((v, j) => v + 1 + (j % 3));
  for (const region of [undefined, { start: [3, 5], step: [2, 3], count: [10, 300] }]) {
    const u = fillUniform(new Float64Array(region ? 3000 : 37 * 1030), { shape, seed: 4, region });
    const f = fillUniform(new Float32Array(u.length), { shape, seed: 4, region, low, high });
    const d = fillUniform(new Float64Array(u.length), { shape, seed: 4, region, low, high });
    const cols = region ? 300 : 1030;
    for (let i = 0; i < u.length; i++) {
      const j = region ? 5 + 3 * (i % cols) : i % cols;
      const want = low[j] + (high[j] - low[j]) * u[i];
      if (d[i] !== want || f[i] !== Math.fround(want)) assert.fail(`element ${i}`);
    }
  }
  const s = fillUniform(new Float32Array(10), { shape: [10], seed: 1, low: -2, high: 3 });
  const r = uniform([10], { seed: 1, low: -2, high: 3 });
  assert.deepEqual([...s], [...r.data].map(Math.fround));
  assert.deepEqual([...uniform([10], { seed: 1, low: -2, high: 3, dtype: "float32" }).data], [
    ...s,
  ]);
});

Deno.test("fillUniformParallel() gives fillUniform()'s bits for 1, 2 and 3 threads", async () => {
  const shape = [301, 517];
  const low = Float64Array.from({ length: 517 }, (_, j) => j - 9);
  const high = low.map((v) => v + 2);
  const region = { start: [1, 0], count: [299, 517] };
  const ref32 = fillUniform(new Float32Array(299 * 517), { shape, seed: 11n, region, low, high });
  const ref64 = fillUniform(new Float64Array(299 * 517), { shape, seed: 11n, region, stream: 2 });
  for (const threads of [1, 2, 3]) {
    const sab = new SharedArrayBuffer(4 * 299 * 517 + 8);
    const out = new Float32Array(sab, 8, 299 * 517);
    await fillUniformParallel(out, { shape, seed: 11n, region, low, high, threads });
    assert.ok(out.every((v, i) => v === ref32[i]), `float32, ${threads} threads`);
    const plain = new Float64Array(299 * 517); // not shared: filled through a shared copy
    await fillUniformParallel(plain, { shape, seed: 11n, region, stream: 2, threads });
    assert.ok(plain.every((v, i) => v === ref64[i]), `float64, ${threads} threads`);
  }
});

Deno.test("fillUniform() and fillUniformParallel() reject bad arguments with typed errors", async () => {
  const shape = [4, 3];
  assert.throws(() => fillUniform(new Int32Array(12) as never, { shape }), TypeError);
  assert.throws(() => fillUniform(new Float32Array(11), { shape }), RangeError);
  assert.throws(() => fillUniform(new Float32Array(12), { shape, low: [0, 1] }), /last axis \(3\)/);
  assert.throws(() => fillUniform(new Float32Array(12), { shape, low: 2, high: 1 }), RangeError);
  assert.throws(() => fillUniform(new Float32Array(12), { shape, high: [1, NaN, 2] }), /index 1/);
  assert.throws(() => fillUniform(new Float32Array(12), { shape, low: "0" as never }), TypeError);
  assert.throws(() => fillUniform(new Float32Array(12), undefined as never), TypeError);
  assert.throws(() => uniform([2], { dtype: "int8" as never }), /float32/);
  await assert.rejects(
    () => fillUniformParallel(new Float32Array(12), { shape, threads: 0 }),
    RangeError,
  );
  await assert.rejects(
    () => fillUniformParallel(new Float32Array(12), { shape, thread: 2 } as never),
    /Unknown option "thread"/,
  );
  await assert.rejects(() => fillUniformParallel(new Float32Array(5), { shape }), RangeError);
});
