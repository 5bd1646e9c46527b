// Pixel helpers shared by the plot tests: the colour at a point, and the
// bounding box of the pixels of one exact colour.

import type { PngImage } from "../../viz/png.ts";

/** An RGB colour. */
export type Rgb = readonly number[];

export function at(img: PngImage, x: number, y: number): number[] {
  const o = (y * img.width + x) * img.channels;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
}

export interface Box {
  x0: number;
  y0: number;
  x1: number; // inclusive
  y1: number;
  count: number;
}

/** Bounding box and count of the pixels of exactly colour `c` (null if none). */
export function boxOf(
  img: PngImage,
  c: Rgb,
  where?: (x: number, y: number) => boolean,
): Box | null {
  let b: Box | null = null;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * img.channels;
      if (img.data[o] !== c[0] || img.data[o + 1] !== c[1] || img.data[o + 2] !== c[2]) continue;
      if (where && !where(x, y)) continue;
      if (!b) b = { x0: x, y0: y, x1: x, y1: y, count: 0 };
      b.x0 = Math.min(b.x0, x);
      b.x1 = Math.max(b.x1, x);
      b.y0 = Math.min(b.y0, y);
      b.y1 = Math.max(b.y1, y);
      b.count++;
    }
  }
  return b;
}
