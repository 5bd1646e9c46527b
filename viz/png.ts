/**
 * PNG encoding of 8-bit RGB and RGBA pixel buffers, and a decoder for the
 * same kind of file (8-bit RGB or RGBA, not interlaced): what `tessera plot`
 * writes and what its tests read back. Compression is zlib (`node:zlib`); the
 * chunk framing is written here, the CRCs come from `node:zlib`'s `crc32`.
 *
 * @example
 * ```ts
 * import { decodePng, encodePng } from "./png.ts";
 * const data = new Uint8Array([255, 0, 0, 0, 0, 255]); // a red and a blue pixel
 * const png = encodePng({ width: 2, height: 1, channels: 3, data });
 * const back = decodePng(png);
 * if (back.width !== 2 || back.data[5] !== 255) throw new Error("bad round trip");
 * ```
 *
 * @module
 */

import { crc32 as zlibCrc32, deflateSync, inflateSync } from "node:zlib";
import { FormatError } from "../core/errors.ts";

/** An image as 8-bit samples, rows top to bottom, pixels left to right. */
export interface PngImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Samples per pixel: 3 (RGB) or 4 (RGBA, not premultiplied). */
  readonly channels: 3 | 4;
  /** `width * height * channels` samples. */
  readonly data: Uint8Array;
}

/** Options of {@link encodePng}. */
export interface EncodePngOptions {
  /**
   * Row filter: `"none"` (filter type 0 on every row) or `"adaptive"` (the
   * default: per row, the one of the five PNG filters with the smallest sum
   * of absolute filtered bytes, the heuristic libpng uses).
   */
  readonly filter?: "none" | "adaptive";
  /** zlib compression level, 0 to 9 (default 6). */
  readonly level?: number;
}

/** The 8 bytes every PNG file starts with. */
export const PNG_SIGNATURE: Uint8Array = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

const MAX_DIM = 0x7fffffff;
const SOURCE = "PNG data";

/**
 * CRC-32 (ISO 3309, as PNG and zlib use it) of `bytes`, computed by
 * `node:zlib`'s `crc32`.
 *
 * @param bytes The bytes.
 * @param crc A running CRC to continue (default: a fresh one).
 * @returns The CRC as an unsigned 32-bit integer.
 *
 * @example
 * ```ts
 * import { crc32 } from "./png.ts";
 * if (crc32(new TextEncoder().encode("IEND")) !== 0xae426082) throw new Error("bad crc");
 * const text = new TextEncoder().encode("123456789");
 * if (crc32(text.subarray(4), crc32(text.subarray(0, 4))) !== 0xcbf43926) {
 *   throw new Error("bad running crc");
 * }
 * ```
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  return zlibCrc32(bytes, crc >>> 0) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Writes filter type `f` of `row` (with `prev` the row above, zeros for the
 * first) into `out` and returns the sum of the absolute filtered bytes.
 */
function filterRow(
  f: number,
  row: Uint8Array,
  prev: Uint8Array,
  bpp: number,
  out: Uint8Array,
): number {
  const n = row.length;
  switch (f) {
    case 0:
      out.set(row);
      break;
    case 1:
      for (let i = 0; i < n; i++) out[i] = row[i] - (i >= bpp ? row[i - bpp] : 0);
      break;
    case 2:
      for (let i = 0; i < n; i++) out[i] = row[i] - prev[i];
      break;
    case 3:
      for (let i = 0; i < n; i++) {
        out[i] = row[i] - (((i >= bpp ? row[i - bpp] : 0) + prev[i]) >> 1);
      }
      break;
    default:
      for (let i = 0; i < bpp; i++) out[i] = row[i] - prev[i];
      for (let i = bpp; i < n; i++) out[i] = row[i] - paeth(row[i - bpp], prev[i], prev[i - bpp]);
  }
  let cost = 0;
  for (let i = 0; i < n; i++) {
    const v = out[i];
    cost += v < 128 ? v : 256 - v;
  }
  return cost;
}

function checkImage(image: PngImage): void {
  if (image === null || typeof image !== "object") {
    throw new TypeError(
      `Invalid image ${String(image)}: expected { width, height, channels, data }`,
    );
  }
  const { width, height, channels, data } = image;
  for (const [k, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_DIM) {
      throw new RangeError(`Invalid image ${k} ${v}: must be an integer in [1, 2^31)`);
    }
  }
  if (channels !== 3 && channels !== 4) {
    throw new RangeError(`Invalid channel count ${channels}: must be 3 (RGB) or 4 (RGBA)`);
  }
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `Invalid image data: expected a Uint8Array, got ${
        (data as object)?.constructor?.name ?? typeof data
      }`,
    );
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `Invalid image data: ${width}x${height}x${channels} needs ${
        width * height * channels
      } bytes, got ${data.length}`,
    );
  }
}

/**
 * Encodes 8-bit RGB or RGBA pixels as a PNG file (one IHDR, one IDAT, IEND;
 * not interlaced).
 *
 * @param image Width, height, channels (3 or 4) and the samples.
 * @param options Row filter and zlib level.
 * @returns The PNG file's bytes.
 * @throws {RangeError} For a size that is not a positive integer, a channel
 *   count other than 3 or 4, or a buffer of the wrong length.
 * @throws {TypeError} When `data` is not a Uint8Array.
 *
 * @example
 * ```ts
 * import { encodePng, PNG_SIGNATURE } from "./png.ts";
 * const png = encodePng({ width: 3, height: 2, channels: 4, data: new Uint8Array(24).fill(200) });
 * if (png.subarray(0, 8).join() !== PNG_SIGNATURE.join()) throw new Error("no signature");
 * const ihdr = new DataView(png.buffer, png.byteOffset + 8);
 * // IHDR: length 13, then width 3 and height 2
 * if (ihdr.getUint32(0) !== 13 || ihdr.getUint32(8) !== 3 || ihdr.getUint32(12) !== 2) {
 *   throw new Error("bad IHDR");
 * }
 * ```
 */
export function encodePng(image: PngImage, options: EncodePngOptions = {}): Uint8Array {
  checkImage(image);
  const { width, height, channels, data } = image;
  const filter = options.filter ?? "adaptive";
  if (filter !== "none" && filter !== "adaptive") {
    throw new TypeError(`Unknown PNG filter "${filter}": expected "none" or "adaptive"`);
  }
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new RangeError(`Invalid zlib level ${level}: must be an integer in [0, 9]`);
  }
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  const zero = new Uint8Array(stride);
  const trial = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : zero;
    const dst = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    if (filter === "none") {
      dst.set(row);
      continue;
    }
    let best = filterRow(0, row, prev, channels, dst);
    let bestType = 0;
    for (let f = 1; f <= 4 && best > 0; f++) {
      const cost = filterRow(f, row, prev, channels, trial);
      if (cost < best) {
        best = cost;
        bestType = f;
        dst.set(trial);
      }
    }
    raw[y * (stride + 1)] = bestType;
  }
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 4 ? 6 : 2; // colour type: truecolour with or without alpha
  // compression 0 (deflate), filter method 0, interlace 0: already zero
  const idat = new Uint8Array(deflateSync(raw, { level }));
  const parts = [
    PNG_SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Decodes a PNG file with 8-bit RGB or RGBA samples that is not interlaced
 * (what {@link encodePng} writes; other PNGs are refused). Every chunk's CRC
 * is checked.
 *
 * @param bytes The file's bytes.
 * @returns The image.
 * @throws {FormatError} For a bad signature, a bad CRC, a truncated file, a
 *   kind of PNG this decoder does not read, or image data that does not
 *   inflate to the declared size.
 *
 * @example
 * ```ts
 * import { decodePng, encodePng } from "./png.ts";
 * const data = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => (i * 37) & 255);
 * const img = decodePng(encodePng({ width: 4, height: 4, channels: 3, data }));
 * if (img.channels !== 3 || img.data.join() !== data.join()) throw new Error("bad decode");
 * ```
 */
export function decodePng(bytes: Uint8Array): PngImage {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`Invalid PNG: expected a Uint8Array, got ${typeof bytes}`);
  }
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new FormatError(SOURCE, "no PNG signature");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let header: { width: number; height: number; channels: 3 | 4 } | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (!ended) {
    if (at + 12 > bytes.length) throw new FormatError(SOURCE, `truncated at byte ${at}`);
    const len = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (at + 12 + len > bytes.length) {
      throw new FormatError(SOURCE, `chunk "${type}" of ${len} bytes is truncated`);
    }
    const body = bytes.subarray(at + 8, at + 8 + len);
    const crc = view.getUint32(at + 8 + len);
    if (crc32(bytes.subarray(at + 4, at + 8 + len)) !== crc) {
      throw new FormatError(SOURCE, `bad CRC in chunk "${type}" at byte ${at}`);
    }
    if (type === "IHDR") {
      if (len !== 13) throw new FormatError(SOURCE, `IHDR has ${len} bytes, expected 13`);
      const hv = new DataView(body.buffer, body.byteOffset, 13);
      const [depth, colour, comp, filt, lace] = body.subarray(8, 13);
      if (depth !== 8 || (colour !== 2 && colour !== 6) || comp !== 0 || filt !== 0 || lace !== 0) {
        throw new FormatError(
          SOURCE,
          `unsupported PNG kind (bit depth ${depth}, colour type ${colour}, interlace ${lace}): only 8-bit RGB or RGBA, not interlaced`,
        );
      }
      header = { width: hv.getUint32(0), height: hv.getUint32(4), channels: colour === 6 ? 4 : 3 };
      if (header.width === 0 || header.height === 0) {
        throw new FormatError(SOURCE, `invalid size ${header.width}x${header.height}`);
      }
    } else if (type === "IDAT") {
      idat.push(body);
    } else if (type === "IEND") {
      ended = true;
    } else if ((bytes[at + 4] & 0x20) === 0) {
      throw new FormatError(SOURCE, `unsupported critical chunk "${type}"`);
    }
    at += 12 + len;
  }
  if (!header) throw new FormatError(SOURCE, "no IHDR chunk");
  const { width, height, channels } = header;
  const stride = width * channels;
  let raw: Uint8Array;
  try {
    const joined = new Uint8Array(idat.reduce((n, p) => n + p.length, 0));
    let k = 0;
    for (const p of idat) {
      joined.set(p, k);
      k += p.length;
    }
    raw = new Uint8Array(inflateSync(joined));
  } catch (e) {
    throw new FormatError(SOURCE, "image data does not inflate", { cause: e });
  }
  if (raw.length !== (stride + 1) * height) {
    throw new FormatError(
      SOURCE,
      `image data inflates to ${raw.length} bytes, expected ${(stride + 1) * height}`,
    );
  }
  const data = new Uint8Array(stride * height);
  const zero = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : zero;
    if (f > 4) throw new FormatError(SOURCE, `unknown filter type ${f} on row ${y}`);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      const pred = f === 0
        ? 0
        : f === 1
        ? a
        : f === 2
        ? b
        : f === 3
        ? (a + b) >> 1
        : paeth(a, b, c);
      row[i] = (src[i] + pred) & 0xff;
    }
  }
  return { width, height, channels, data };
}
