// A fast decoder for Blosc1 frames (c-blosc 1.x, as numcodecs / zarr-python
// write them) in plain TypeScript: LZ4 blocks, with or without byte shuffle,
// and stored (memcpyed) frames. Anything else (blosclz, zlib, zstd, snappy,
// bitshuffle, Blosc2 frames) is left to numcodecs.js: `decodeBlosc` returns
// null. Corrupt frames raise `BloscError`; the decoder never reads or writes
// outside its buffers and always terminates (every loop consumes input).
//
// Frame layout (little-endian): a 16-byte header (version, versionlz, flags,
// typesize, nbytes:int32, blocksize:int32, cbytes:int32), then, unless the
// frame is memcpyed, one int32 start offset per block. A block is stored as
// `nsplits` streams, each an int32 compressed size and the compressed bytes
// (stored as is when the size equals the stream's decoded size). A block is
// split into `typesize` streams unless the "don't split" flag is set, it is
// the last (leftover) block, typesize > 16 or blocksize / typesize < 128
// (c-blosc 1.x's `blosc_d`). With byte shuffle, the decoded block holds the
// k-th byte of every element in stream k and is unshuffled into place.

const HEADER = 16;
const DOSHUFFLE = 0x1;
const MEMCPYED = 0x2;
const DOBITSHUFFLE = 0x4;
const DONTSPLIT = 0x10;
const LZ4_FORMAT = 1;
const MAX_SPLITS = 16;
const MIN_BUFFERSIZE = 128;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A corrupt Blosc frame. */
export class BloscError extends Error {
  override name = "BloscError";
}

/** The fields of a Blosc1 header. */
export interface BloscHeader {
  readonly version: number;
  readonly versionlz: number;
  readonly flags: number;
  readonly typesize: number;
  /** Decoded size in bytes. */
  readonly nbytes: number;
  readonly blocksize: number;
  /** Frame size in bytes, header included. */
  readonly cbytes: number;
  /** 0 blosclz, 1 lz4/lz4hc, 2 snappy, 3 zlib, 4 zstd. */
  readonly compformat: number;
}

function i32(b: Uint8Array, p: number): number {
  return b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);
}

/**
 * Reads a Blosc1 header.
 *
 * @throws {BloscError} When the frame is shorter than a header.
 */
export function bloscHeader(src: Uint8Array): BloscHeader {
  if (src.length < HEADER) {
    throw new BloscError(`Truncated Blosc frame: ${src.length} bytes, the header alone is 16`);
  }
  const flags = src[2];
  return {
    version: src[0],
    versionlz: src[1],
    flags,
    typesize: src[3],
    nbytes: i32(src, 4),
    blocksize: i32(src, 8),
    cbytes: i32(src, 12),
    compformat: flags >>> 5,
  };
}

function corrupt(what: string): never {
  throw new BloscError(`Corrupt Blosc frame: ${what}`);
}

let scratch = new Uint8Array(0);

/**
 * Decodes a Blosc1 frame compressed with LZ4 (or stored), byte-shuffled or not.
 *
 * @param src The frame (bytes past its `cbytes` are ignored).
 * @param dest Where to decode (e.g. a view of shared memory); it must hold at
 *   least the decoded size. A new buffer when left out.
 * @returns The decoded bytes (a view of `dest` when given), or null for a
 *   frame this decoder does not handle (another compressor, bitshuffle, a
 *   Blosc2 frame): decode it some other way.
 * @throws {BloscError} For a corrupt frame; {RangeError} when `dest` is too small.
 */
export function decodeBlosc(src: Uint8Array, dest?: Uint8Array): Uint8Array | null {
  const h = bloscHeader(src);
  if (h.version !== 1 && h.version !== 2) return null;
  const { flags, typesize, nbytes, blocksize, cbytes } = h;
  if ((flags & (DOSHUFFLE | DOBITSHUFFLE)) === (DOSHUFFLE | DOBITSHUFFLE)) return null; // Blosc2
  if (nbytes < 0) corrupt(`negative decoded size ${nbytes}`);
  if (cbytes < HEADER) corrupt(`frame size ${cbytes} is smaller than its header`);
  if (cbytes > src.length) {
    throw new BloscError(`Truncated Blosc frame: ${src.length} bytes of ${cbytes}`);
  }
  const memcpyed = (flags & MEMCPYED) !== 0;
  if (!memcpyed) {
    if ((flags & DOBITSHUFFLE) !== 0) return null;
    if (h.compformat !== LZ4_FORMAT) return null;
  }
  let out: Uint8Array;
  if (dest === undefined) out = new Uint8Array(nbytes);
  else {
    if (dest.length < nbytes) {
      throw new RangeError(`Blosc destination too small: ${dest.length} bytes for ${nbytes}`);
    }
    out = dest.length === nbytes ? dest : dest.subarray(0, nbytes);
  }
  if (nbytes === 0) return out;
  if (memcpyed) {
    if (HEADER + nbytes > cbytes) {
      corrupt(`stored frame of ${cbytes} bytes holds less than ${nbytes}`);
    }
    out.set(src.subarray(HEADER, HEADER + nbytes));
    return out;
  }
  if (blocksize <= 0) corrupt(`block size ${blocksize}`);
  const nblocks = Math.ceil(nbytes / blocksize);
  const bstarts = HEADER + 4 * nblocks;
  if (bstarts > cbytes) corrupt(`${nblocks} block offsets do not fit in ${cbytes} bytes`);
  const shuffled = (flags & DOSHUFFLE) !== 0 && typesize > 1;
  const dontSplit = (flags & DONTSPLIT) !== 0;
  if (shuffled && scratch.length < blocksize) scratch = new Uint8Array(blocksize);
  const tmp = scratch;
  for (let j = 0; j < nblocks; j++) {
    const o = j * blocksize;
    const leftover = j === nblocks - 1 && nbytes - o < blocksize;
    const bsize = leftover ? nbytes - o : blocksize;
    let sp = i32(src, HEADER + 4 * j);
    if (sp < bstarts || sp >= cbytes) corrupt(`block ${j} starts at ${sp}`);
    const nsplits = !dontSplit && !leftover && typesize <= MAX_SPLITS && typesize > 0 &&
        Math.floor(bsize / typesize) >= MIN_BUFFERSIZE
      ? typesize
      : 1;
    const neblock = Math.floor(bsize / nsplits);
    if (neblock * nsplits !== bsize) corrupt(`block size ${bsize} is not a multiple of ${nsplits}`);
    const target = shuffled ? tmp : out;
    let dp = shuffled ? 0 : o;
    for (let s = 0; s < nsplits; s++) {
      if (sp + 4 > cbytes) corrupt(`block ${j} runs past the end of the frame`);
      const cb = i32(src, sp);
      sp += 4;
      if (cb <= 0 || cb > cbytes - sp) corrupt(`stream of block ${j} has ${cb} bytes`);
      if (cb === neblock) target.set(src.subarray(sp, sp + cb), dp);
      else lz4(src, sp, sp + cb, target, dp, dp + neblock);
      sp += cb;
      dp += neblock;
    }
    if (shuffled) unshuffle(typesize, bsize, tmp, out, o);
  }
  return out;
}

function lz4Error(what: string): never {
  throw new BloscError(`Corrupt LZ4 stream in Blosc frame: ${what}`);
}

/**
 * Decodes one LZ4 block `src[sp, send)` into exactly `dst[dp, dend)`.
 */
export function lz4(
  src: Uint8Array,
  sp: number,
  send: number,
  dst: Uint8Array,
  dp: number,
  dend: number,
): void {
  const dstart = dp;
  for (;;) {
    if (sp >= send) lz4Error("input ends inside a sequence");
    const token = src[sp++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b = 255;
      while (b === 255) {
        if (sp >= send) lz4Error("input ends inside a length");
        b = src[sp++];
        lit += b;
      }
    }
    if (lit > 0) {
      if (lit > send - sp || lit > dend - dp) lz4Error("literals run past the end");
      if (lit < 32) {
        for (let i = 0; i < lit; i++) dst[dp + i] = src[sp + i];
      } else dst.set(src.subarray(sp, sp + lit), dp);
      sp += lit;
      dp += lit;
    }
    if (sp === send) break; // the last sequence has literals only
    if (sp + 2 > send) lz4Error("input ends inside an offset");
    const off = src[sp] | (src[sp + 1] << 8);
    sp += 2;
    if (off === 0 || off > dp - dstart) lz4Error(`match offset ${off} out of range`);
    let ml = token & 15;
    if (ml === 15) {
      let b = 255;
      while (b === 255) {
        if (sp >= send) lz4Error("input ends inside a length");
        b = src[sp++];
        ml += b;
      }
    }
    ml += 4;
    if (ml > dend - dp) lz4Error("match runs past the end");
    const m = dp - off;
    if (ml < 32) {
      for (let i = 0; i < ml; i++) dst[dp + i] = dst[m + i];
      dp += ml;
    } else if (off >= ml) {
      dst.copyWithin(dp, m, m + ml);
      dp += ml;
    } else {
      // overlapping: the pattern [m, dp) repeats; copy it in doubling runs
      let left = ml;
      while (left > 0) {
        const n = Math.min(dp - m, left);
        dst.copyWithin(dp, m, m + n);
        dp += n;
        left -= n;
      }
    }
  }
  if (dp !== dend) lz4Error(`decoded ${dp - dstart} bytes, expected ${dend - dstart}`);
}

/**
 * Byte unshuffle of one block: `src[0, size)` holds byte k of every element
 * in its k-th run; writes the elements to `dst` from `d0`. Trailing bytes
 * (size not a multiple of typesize) are copied as they are.
 */
export function unshuffle(
  typesize: number,
  size: number,
  src: Uint8Array,
  dst: Uint8Array,
  d0: number,
): void {
  const n = Math.floor(size / typesize);
  const body = n * typesize;
  const aligned = LITTLE_ENDIAN && (dst.byteOffset + d0) % 4 === 0;
  if ((typesize === 4 || typesize === 8) && aligned && n % 4 === 0 && src.byteOffset % 4 === 0) {
    // 4x4 byte transposes of 32-bit words: streams 0-3 give the low words,
    // streams 4-7 the high words of 8-byte elements
    const s = new Uint32Array(src.buffer, src.byteOffset, body >>> 2);
    const d = new Uint32Array(dst.buffer, dst.byteOffset + d0, body >>> 2);
    const q = n >>> 2;
    const w = typesize >>> 2;
    for (let half = 0; half < w; half++) {
      const b0 = 4 * half * q;
      for (let i = 0, o = half; i < q; i++, o += 4 * w) {
        const a = s[b0 + i], b = s[b0 + q + i], c = s[b0 + 2 * q + i], e = s[b0 + 3 * q + i];
        const t0 = (a & 0x00ff00ff) | ((b & 0x00ff00ff) << 8);
        const t1 = ((a >>> 8) & 0x00ff00ff) | (b & 0xff00ff00);
        const t2 = (c & 0x00ff00ff) | ((e & 0x00ff00ff) << 8);
        const t3 = ((c >>> 8) & 0x00ff00ff) | (e & 0xff00ff00);
        d[o] = (t0 & 0xffff) | (t2 << 16);
        d[o + w] = (t1 & 0xffff) | (t3 << 16);
        d[o + 2 * w] = (t0 >>> 16) | (t2 & 0xffff0000);
        d[o + 3 * w] = (t1 >>> 16) | (t3 & 0xffff0000);
      }
    }
  } else if (typesize === 4 && aligned) {
    const d = new Uint32Array(dst.buffer, dst.byteOffset + d0, n);
    const n2 = 2 * n, n3 = 3 * n;
    for (let i = 0; i < n; i++) {
      d[i] = src[i] | (src[n + i] << 8) | (src[n2 + i] << 16) | (src[n3 + i] << 24);
    }
  } else if (typesize === 8 && aligned) {
    const d = new Uint32Array(dst.buffer, dst.byteOffset + d0, 2 * n);
    const n2 = 2 * n, n3 = 3 * n, n4 = 4 * n, n5 = 5 * n, n6 = 6 * n, n7 = 7 * n;
    for (let i = 0; i < n; i++) {
      d[2 * i] = src[i] | (src[n + i] << 8) | (src[n2 + i] << 16) | (src[n3 + i] << 24);
      d[2 * i + 1] = src[n4 + i] | (src[n5 + i] << 8) | (src[n6 + i] << 16) |
        (src[n7 + i] << 24);
    }
  } else if (typesize === 2 && LITTLE_ENDIAN && (dst.byteOffset + d0) % 2 === 0) {
    const d = new Uint16Array(dst.buffer, dst.byteOffset + d0, n);
    for (let i = 0; i < n; i++) d[i] = src[i] | (src[n + i] << 8);
  } else {
    for (let k = 0; k < typesize; k++) {
      const s = k * n;
      for (let i = 0, p = d0 + k; i < n; i++, p += typesize) dst[p] = src[s + i];
    }
  }
  if (body < size) dst.set(src.subarray(body, size), d0 + body);
}
