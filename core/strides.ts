// Shape arithmetic of contiguous C-order arrays, shared by core's kernels and
// the other folders (dist/ lays out blocks with it). Internal: not re-exported
// by mod.ts.

/** C-order strides (in elements) of a contiguous array of `shape`. */
export function cStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= shape[i];
  }
  return st;
}

/** Product of the axis lengths. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
