// Strided iteration shared by every kernel: collapse axes where all operands
// allow, then walk the outer axes and hand each innermost run to a callback.

import { cStrides, sizeOf } from "./strides.ts";

export { cStrides, sizeOf };

/** A shape with one stride list per operand, after collapsing. */
export interface Layout {
  shape: number[];
  strides: number[][];
}

/**
 * Drops size-1 axes and merges neighbouring axes that every operand walks as
 * one (stride[i] === stride[i+1] * shape[i+1]), so a contiguous array becomes
 * one run and a transposed pair still collapses as far as it can.
 */
export function collapse(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): Layout {
  const k = strides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = Array.from({ length: k }, () => []);
  for (let ax = 0; ax < shape.length; ax++) {
    const n = shape[ax];
    if (n === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    if (merge) {
      for (let j = 0; j < k; j++) {
        if (outStrides[j][last] !== strides[j][ax] * n) {
          merge = false;
          break;
        }
      }
    }
    if (merge) {
      outShape[last] *= n;
      for (let j = 0; j < k; j++) outStrides[j][last] = strides[j][ax];
    } else {
      outShape.push(n);
      for (let j = 0; j < k; j++) outStrides[j].push(strides[j][ax]);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (let j = 0; j < k; j++) outStrides[j].push(0);
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Calls `fn(offsets, n, innerStrides)` once per innermost run of the layout
 * (after collapsing). `offsets` is reused between calls: copy it to keep it.
 * Nothing is called when any axis has length 0.
 */
export function forEachRun(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  fn: (offsets: number[], n: number, inner: readonly number[]) => void,
): void {
  for (const n of shape) if (n === 0) return;
  const { shape: s, strides: st } = collapse(shape, strides);
  const k = st.length;
  const nd = s.length;
  const inner = st.map((x) => x[nd - 1]);
  const n = s[nd - 1];
  const offs = offsets.slice();
  if (nd === 1) {
    fn(offs, n, inner);
    return;
  }
  const idx = new Array<number>(nd - 1).fill(0);
  const base = offsets.slice();
  for (;;) {
    for (let j = 0; j < k; j++) offs[j] = base[j];
    fn(offs, n, inner);
    // advance the odometer over axes nd-2 .. 0
    let ax = nd - 2;
    while (ax >= 0) {
      idx[ax]++;
      for (let j = 0; j < k; j++) base[j] += st[j][ax];
      if (idx[ax] < s[ax]) break;
      for (let j = 0; j < k; j++) base[j] -= st[j][ax] * s[ax];
      idx[ax] = 0;
      ax--;
    }
    if (ax < 0) return;
  }
}

/** A copy of a shape after checking it: an array of non-negative safe integers. */
export function checkShape(shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) {
    throw new TypeError(`Invalid shape ${String(shape)}: expected an array`);
  }
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(
        `Invalid shape [${shape.join(",")}]: ${d} is not a non-negative integer`,
      );
    }
  }
  return [...shape];
}

// Strides for viewing (shape, strides) as newShape without a copy, or null
// when that is impossible (NumPy's _attempt_nocopy_reshape).
export function reshapeStrides(
  oldShape: readonly number[],
  oldStrides: readonly number[],
  newShape: readonly number[],
): number[] | null {
  const os: number[] = [];
  const ost: number[] = [];
  for (let i = 0; i < oldShape.length; i++) {
    if (oldShape[i] !== 1) {
      os.push(oldShape[i]);
      ost.push(oldStrides[i]);
    }
  }
  if (sizeOf(newShape) === 0) return cStrides(newShape);
  const nst = new Array<number>(newShape.length).fill(0);
  let oi = 0;
  let oj = 1;
  let ni = 0;
  let nj = 1;
  while (ni < newShape.length && oi < os.length) {
    let np = newShape[ni];
    let op = os[oi];
    while (np !== op) {
      if (np < op) np *= newShape[nj++];
      else op *= os[oj++];
    }
    for (let ok = oi; ok < oj - 1; ok++) {
      if (ost[ok] !== os[ok + 1] * ost[ok + 1]) return null;
    }
    nst[nj - 1] = ost[oj - 1];
    for (let nk = nj - 1; nk > ni; nk--) nst[nk - 1] = nst[nk] * newShape[nk];
    ni = nj++;
    oi = oj++;
  }
  // trailing ones
  for (let k = ni; k < newShape.length; k++) nst[k] = 1;
  // strides of unit axes are irrelevant; give them a sensible value
  for (let k = 0; k < newShape.length; k++) {
    if (newShape[k] === 1) nst[k] = k + 1 < newShape.length ? nst[k + 1] * newShape[k + 1] : 1;
  }
  return nst;
}
