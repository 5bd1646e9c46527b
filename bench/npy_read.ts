// NpyFile read throughput, page cache warm, 4096-aligned vs plain buffers:
// read() into a fresh buffer, and readInto() a reused buffer.
// Run: deno run -A bench/npy_read.ts
import { createNpy, NpyFile } from "../io/npy.ts";
import { alignedBuffer, setAlignedBuffers } from "../io/aligned_buffer.ts";
import { arange, NDArray } from "../core/ndarray.ts";

const dir = await Deno.makeTempDir();
const path = `${dir}/bench.npy`;
const rows = 32768, cols = 4096; // float32: 512 MiB
{
  await using f = await createNpy(path, { shape: [rows, cols], dtype: "float32" });
  const block = arange(1024 * cols, undefined, undefined, "float32").reshape([1024, cols]);
  for (let r = 0; r < rows; r += 1024) await f.write(`${r}:${r + 1024}`, block);
}
await using f = await NpyFile.open(path);
await f.read(); // warm the page cache
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function buffer(n: number, aligned: boolean): NDArray {
  const { buffer, byteOffset } = alignedBuffer(n * 4 + 4096);
  const off = aligned ? byteOffset : byteOffset + 16;
  return new NDArray("float32", new Float32Array(buffer, off, n), [n / cols, cols]);
}
for (
  const [label, region, n] of [["256 MiB", "8192:24576", 16384 * cols], [
    "512 MiB",
    undefined,
    rows * cols,
  ]] as const
) {
  for (const aligned of [true, false, true, false]) {
    setAlignedBuffers(aligned);
    const fresh: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await f.read(region);
      fresh.push(performance.now() - t0);
    }
    const out = buffer(n, aligned);
    const reused: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      await f.readInto(region, out);
      reused.push(performance.now() - t0);
    }
    const gbs = (t: number) => (n * 4 / t / 1e6).toFixed(2);
    console.log(
      `${label} aligned=${aligned}: read() fresh ${gbs(median(fresh))} GB/s, readInto() reused ${
        gbs(median(reused))
      } GB/s (best ${gbs(Math.min(...reused))})`,
    );
  }
}
f.close();
await Deno.remove(dir, { recursive: true });
